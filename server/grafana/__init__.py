"""Grafana datasource protocols (simPod JSON 0.6.x): request parsing, the builder's SQL, the
frames Grafana draws. No aiohttp here; `server/web/grafana.py` is the HTTP edge."""
