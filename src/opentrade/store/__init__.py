"""Persistence adapter: SQLAlchemy models, engine/session wiring and Alembic migrations."""
