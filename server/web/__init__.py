"""HTTP handlers: thin adapters from aiohttp requests to the domain modules."""
