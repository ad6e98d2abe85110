"""Where the data lives: the database proxy, choosing and opening a database, and migrating it.

The database is chosen at run time: an embedded SQLite file in the user's data directory by
default, or any path or ``postgresql://`` URL from ``--db`` / ``OFFBOARD_DATABASE``.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlparse

import platformdirs
from peewee import Database, DatabaseProxy, Model, PostgresqlDatabase, SqliteDatabase
from playhouse.pool import PooledDatabase, PooledSqliteDatabase

from data.driver import load_postgresql_driver
from data.errors import InvalidInput
from data.text import refuse_nul_on_postgresql

if TYPE_CHECKING:
    from playhouse.migrations import Runner

database = DatabaseProxy()

ENVIRONMENT_VARIABLE = "OFFBOARD_DATABASE"
MIGRATIONS = Path(__file__).parent / "migrations"

# The largest id either database stores; past it SQLite cannot even compare the number.
LARGEST_ID = 2**63 - 1

Row = TypeVar("Row", bound=Model)

# WAL lets readers go on while a team lead writes; the busy timeout makes a second writer wait
# rather than fail at once; foreign keys are off by default in SQLite. SQLite's default 2 MB page
# cache: a larger one is allocated page by page as a new connection reads, which made a page of
# blocking assets on the benchmark's large customer twice as slow with 32 MB.
SQLITE_PRAGMAS: dict[str, Any] = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
    "cache_size": -2_000,
}

_migrate_lock = threading.Lock()


def default_database_path() -> Path:
    """The embedded database file in the user's data directory."""
    return Path(platformdirs.user_data_dir("offboard", appauthor=False)) / "offboard.db"


def resolve_location(location: str | None = None) -> str:
    """The database to use: the one given, else ``OFFBOARD_DATABASE``, else the default file."""
    chosen = location or os.environ.get(ENVIRONMENT_VARIABLE) or ""
    return chosen.strip() or str(default_database_path())


def describe(location: str) -> str:
    """The location as it may be shown to a person: a URL without its password (even a URL
    too malformed to parse), on one line."""
    # Control characters (a NUL, a tab, a line break) are shown escaped, so it stays one line.
    shown = "".join(char if char.isprintable() else repr(char)[1:-1] for char in location)
    if "://" not in shown:
        return shown
    try:
        parsed = urlparse(shown)
        password = parsed.password
    except ValueError:
        # Unparsable (an unclosed [ in the host, say): hide whatever sits between ':' and '@'.
        return re.sub(r"^([^:/]+://[^:/@]*):[^@]*@", r"\1:***@", shown)
    if parsed.scheme and password:
        netloc = parsed.netloc.replace(f":{password}@", ":***@")
        return parsed._replace(netloc=netloc).geturl()
    return shown


def _check_url(location: str) -> None:
    """Refuse a URL whose host or port cannot be read, before the driver trips over it."""
    try:
        parsed = urlparse(location)
        parsed.port  # noqa: B018 - reading it validates it
    except ValueError as error:
        raise InvalidInput(
            f"The database URL {describe(location)} cannot be read ({error}). "
            "Write it as postgresql://user@host:port/name."
        ) from error


def make_database(location: str, *, pooled: bool = False) -> Database:
    """Build (not connect) the peewee database for a path or URL; raise InvalidInput if unusable.

    ``pooled`` (SQLite files): see ``open_database``."""
    if "\0" in location:
        raise InvalidInput(
            f"The database location {describe(location)} holds a NUL character, which no "
            "file name or URL may. Give a SQLite file path or a postgresql:// URL."
        )
    if "://" not in location:
        path = Path(location).expanduser()
        if path.exists() and path.is_dir():
            raise InvalidInput(
                f"The database path {path} is a folder. Give a file name, such as {path}/offboard.db."
            )
        if pooled:
            shared: Database = PooledSqliteDatabase(
                str(path),
                pragmas=SQLITE_PRAGMAS,
                lock_type="IMMEDIATE",
                check_same_thread=False,  # a pooled connection serves one thread at a time
                max_connections=None,
            )
            return shared
        return SqliteDatabase(str(path), pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE")
    scheme = location.split("://", 1)[0].lower()
    _check_url(location)
    # Imported here: it imports every backend playhouse knows, which a file path needs none of.
    from playhouse.db_url import connect as connect_url

    if scheme in {"sqlite", "sqliteext"}:
        sqlite: Database = connect_url(location, pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE")
        return sqlite
    if scheme in {"postgres", "postgresql", "postgresext", "postgres+pool", "postgresql+pool"}:
        load_postgresql_driver()
        refuse_nul_on_postgresql()
        if pooled and not scheme.endswith("+pool"):
            location = f"{scheme}+pool" + location[len(scheme) :]
        postgres: Database = (
            connect_url(location, max_connections=None) if pooled else connect_url(location)
        )
        return postgres
    raise InvalidInput(
        f"offboard cannot use a '{scheme}' database. Give a file path for SQLite "
        "or a postgresql://user@host:port/name URL."
    )


def open_database(
    location: str | None = None,
    *,
    migrate: bool = True,
    pooled: bool = False,
    create: bool = True,
) -> Database:
    """Point the proxy at the chosen database, check that it answers and is offboard's, and
    bring its schema up to date; see ``data.opening.open_location``, which this calls.

    ``create``: make a new database where there is none (``demo``, ``db init``, the app on the
    default location); otherwise a location without one is refused (UnusableDatabase).

    ``pooled``, for the app: its workers read in threads, each call in a connection of its own;
    pooled, the connections are handed on from call to call instead of opened afresh, so a read
    on SQLite finds the parsed schema and its pages already in memory (a fifth of the
    Cancellation Tool's read on a large customer), and one on PostgreSQL skips the connection
    handshake. close() then returns a connection to the pool; a SQLite file is only whole, its
    WAL checkpointed, once ``close_idle`` has closed them all."""
    # Imported here: data.opening builds on this module.
    from data.opening import open_location

    return open_location(location, migrate=migrate, pooled=pooled, create=create).db


def close_idle(db: Database) -> None:
    """Really close a pooled database's idle connections (nothing to do for another): the last
    one to close a SQLite file checkpoints its WAL into it, so the file alone holds everything."""
    if isinstance(db, PooledDatabase):
        db.close_idle()


def migration_runner(db: Database) -> Runner:
    # Imported here: the runner's modules (argparse, every backend's migrator) are only needed
    # when a database is behind.
    from playhouse.migrations import Runner

    return Runner(db, directory=str(MIGRATIONS), table_name="schema_migration")


def migrate_schema(db: Database, target: str | None = None) -> list[str]:
    """Apply the migrations not yet applied (up to ``target``); returns their names."""
    with _migrate_lock:
        runner = migration_runner(db)
        if target is None and all(m.applied for m in runner.status() if m.path is not None):
            # Up to date: nothing to create either (a team lead's PostgreSQL role, which may
            # not create tables, opens the database too).
            return []
        if isinstance(db, PostgresqlDatabase):
            # Two team leads starting the app at once must not both run a migration.
            with db.atomic():
                db.execute_sql("SELECT pg_advisory_xact_lock(7305001)")  # type: ignore[no-untyped-call]
                applied: list[str] = runner.up(target)
            return applied
        return list(runner.up(target))


def is_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


@contextmanager
def connection() -> Iterator[None]:
    """A connection for the block, re-entrant: it opens one only if the thread has none, and
    closes only the one it opened, so a worker's ``connection_context()`` may wrap data calls."""
    opened = database.is_closed()
    if opened:
        database.connect()
    try:
        yield
    finally:
        if opened and not database.is_closed():
            database.close()


def row_by_id(model: type[Row], pk: int) -> Row | None:
    """The row of ``model`` with id ``pk``, or None — also for an id no database can hold."""
    if not 0 < pk <= LARGEST_ID:
        return None
    return model.get_or_none(model.id == pk)  # type: ignore[attr-defined]
