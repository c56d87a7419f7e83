"""The Alembic migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from opentrade.store.models import Base


def test_migrations_match_models(db) -> None:
    with db.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []


def test_head_revision_constant_matches_the_migrations(db) -> None:
    from alembic.script import ScriptDirectory

    from opentrade.store.db import HEAD_REVISION, alembic_config

    assert ScriptDirectory.from_config(alembic_config(db.engine)).get_current_head() == HEAD_REVISION
