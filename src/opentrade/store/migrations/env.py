"""Alembic environment: the engine is handed in by opentrade.store.db (no alembic.ini needed)."""

from alembic import context
from sqlalchemy import create_engine

from opentrade.store.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # plain `alembic` command line: take the URL from the settings
    from opentrade.config import get_settings

    engine = create_engine(get_settings().resolved_database_url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
