"""Usagehouse: a self-hosted Workers Analytics Engine (write API, SQL API, Grafana, billing)."""
