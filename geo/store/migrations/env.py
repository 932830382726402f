"""Alembic environment, configured from code by geo.store.migrate (there is no alembic.ini).

The database URL arrives in ``config.attributes["url"]`` (a SQLAlchemy URL, so a password never
passes through ConfigParser interpolation); ``sqlalchemy.url`` is honoured for hand-run alembic.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import URL

config = context.config

# Serialises concurrent upgrades (two app instances starting at once): the second waits, then
# finds the schema at head and does nothing.
_LOCK_KEY = 0x7473_7564_6F69  # "tsudoi"


def _url() -> URL | str:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: call geo.store.migrate.upgrade(url)")
    return url


def run_offline() -> None:
    """Emit SQL for a DBA to review instead of touching a database."""
    context.configure(url=_url(), literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, transaction_per_migration=False)
            with context.begin_transaction():
                connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
