"""Models and migrations never drift, and every migration goes down as well as up."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from models import Base
from tests.conftest import PG_URL, alembic_config, reset_postgres


def test_upgrade_matches_the_models_and_downgrade_undoes_it(tmp_path, migrated_template):
    url = PG_URL or f"sqlite:///{tmp_path / 'drift.db'}"
    if PG_URL:
        reset_postgres(url)
    config = alembic_config(url)
    command.upgrade(config, "head")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
    finally:
        engine.dispose()
