"""PostGIS schema migrations, run from code so an installed package needs no alembic.ini.

``tsudoi db upgrade`` calls :func:`upgrade`; :class:`geo.store.postgis.PostgisStore` calls
:func:`current` and :func:`head` to refuse a database whose schema it does not know.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from geo.errors import StoreError

MIGRATIONS = Path(__file__).with_name("migrations")


def database_url(url: str | URL) -> URL:
    """Parse a URL and pin the psycopg 3 driver, so 'postgresql://…' works as users write it."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {exc}") from exc
    if parsed.drivername in ("postgresql", "postgres", "postgis"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername != "postgresql+psycopg":
        raise StoreError(
            f"the PostGIS store needs a postgresql+psycopg:// URL, not {parsed.drivername}://"
        )
    return parsed


def _config(url: URL | None = None) -> Config:
    cfg = Config()
    # ConfigParser interpolates '%', so a path holding one must be escaped.
    cfg.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    cfg.attributes["url"] = url
    return cfg


def head() -> str:
    """The newest revision this Tsudoi ships."""
    rev = ScriptDirectory.from_config(_config()).get_current_head()
    assert rev is not None, "no migration scripts were installed"
    return rev


def known_revisions() -> set[str]:
    """Every revision this Tsudoi ships, to tell an old schema from a newer one."""
    return {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in alembic_version, or None for a database never upgraded."""
    return MigrationContext.configure(connection).get_current_revision()


def current(url: str | URL) -> str | None:
    """The revision the database at ``url`` is at (None: no Tsudoi schema yet)."""
    engine = create_engine(database_url(url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            return current_revision(conn)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the schema version: {exc}") from exc
    finally:
        engine.dispose()


def upgrade(url: str | URL, revision: str = "head") -> None:
    """Bring the database's schema to ``revision`` (creating the postgis extension if needed)."""
    target = database_url(url)
    try:
        command.upgrade(_config(target), revision)
    except CommandError as exc:
        raise StoreError(
            f"cannot upgrade the database schema: {exc} (was it written by a newer Tsudoi?)"
        ) from exc
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot upgrade the database schema: {exc}") from exc
