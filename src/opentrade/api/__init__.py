"""REST API (FastAPI): a thin edge over opentrade.services."""
