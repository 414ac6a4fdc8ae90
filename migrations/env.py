"""Alembic environment: the URL comes from our settings, the target from our models.

A caller that already holds a connection (the tests) passes it in `config.attributes["connection"]`.
"""

from logging.config import fileConfig

from alembic import context
from dotenv import find_dotenv, load_dotenv
from sqlalchemy import Connection, create_engine, make_url, pool
from sqlalchemy.exc import OperationalError

from bot.settings import ConfigError, database_url_from_env
from models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("url")
    if url:
        return url
    load_dotenv(find_dotenv(usecwd=True), override=False)
    try:
        return database_url_from_env()
    except ConfigError as error:
        raise SystemExit(str(error)) from None


def _configure(**kwargs) -> None:
    context.configure(target_metadata=target_metadata, compare_type=True, render_as_batch=True, **kwargs)


def run_migrations_offline() -> None:
    _configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    url = _url()
    engine = create_engine(url, poolclass=pool.NullPool, connect_args=_connect_args(url))
    try:
        connection = engine.connect()
    except OperationalError as error:
        where = make_url(url).render_as_string(hide_password=True)
        reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else "no answer"
        raise SystemExit(f"outcome-bot cannot migrate: the database at {where} cannot be reached ({reason}). "
                         "Check DATABASE_URL and that the database is up, then run it again.") from None
    with connection:
        _run_on(connection)
    engine.dispose()


def _connect_args(url: str) -> dict:
    return {} if url.startswith("sqlite") else {"connect_timeout": 5}


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
