"""Fixtures every test folder shares: an open offboard database on each backend it supports.

``db`` runs a test twice: on a fresh SQLite file, and on PostgreSQL (marked ``postgres``). The
PostgreSQL runs use one throwaway database per session, emptied before each test. When
PostgreSQL cannot be reached they are skipped with the reason, except under ``CI=true``, where
they fail: CI must prove both backends.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import psycopg2
import pytest
from peewee import Database, SqliteDatabase

from data.db import (
    ENVIRONMENT_VARIABLE,
    database,
    describe,
    make_database,
    migrate_schema,
    migration_runner,
    open_database,
)
from data.models import ALL_MODELS

# The server the PostgreSQL runs use; its database only serves to create and drop ours.
POSTGRES_SERVER = os.environ.get(
    "OFFBOARD_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass(frozen=True)
class OpenedDatabase:
    """The database a test runs on, already open and migrated."""

    backend: str  # "sqlite" or "postgres"
    location: str  # a file path or URL, as --db and OFFBOARD_DATABASE take it
    database: Database


@pytest.fixture(scope="session")
def postgres_location() -> Iterator[str]:
    """A throwaway PostgreSQL database for the session, dropped at its end."""
    try:
        admin = psycopg2.connect(POSTGRES_SERVER, connect_timeout=5)
    except psycopg2.Error as error:
        problem = " ".join(str(error).split())  # psycopg2's message spans lines
        reason = f"PostgreSQL not reachable at {describe(POSTGRES_SERVER)}: {problem}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the PostgreSQL tests must run)")
        pytest.skip(reason)
    admin.autocommit = True
    name = f"offboard_test_{secrets.token_hex(4)}"
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
        # A test database need not survive a crash: not waiting for the disk on every commit
        # makes the suite several times faster and changes nothing that the tests observe.
        cursor.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    try:
        yield urlparse(POSTGRES_SERVER)._replace(path=f"/{name}").geturl()
    finally:
        if database.obj is not None and not database.is_closed():
            database.close()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def drop_roles(db: Database, names: list[str]) -> None:
    """Drop the PostgreSQL roles a test made (roles are the whole server's, not the database's),
    with whatever was granted to them; a role that was never made is passed over."""
    db.connect(reuse_if_open=True)
    for name in names:
        db.execute_sql(
            f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN "
            f"EXECUTE 'DROP OWNED BY \"{name}\"'; EXECUTE 'DROP ROLE \"{name}\"'; "
            "END IF; END $$"
        )


def drop_offboard_tables(db: Database) -> None:
    """Leave the database without any offboard table (a test may then migrate it as it likes)."""
    tables = [model._meta.table_name for model in ALL_MODELS] + ["schema_migration"]
    cascade = "" if isinstance(db, SqliteDatabase) else " CASCADE"
    db.connect(reuse_if_open=True)
    with db.atomic():
        for table in reversed(tables):
            db.execute_sql(f'DROP TABLE IF EXISTS "{table}"{cascade}')


def empty_postgres(db: Database) -> None:
    """Delete every row, keeping the schema; rebuild it only if a test left it half-migrated.

    Deleting is far faster than dropping and migrating again, and it is sent as one statement:
    under load the round trips are what costs. The audit trail refuses deletes, so its trigger
    is switched off for this one transaction (the table owner may do that)."""
    complete = db.table_exists("schema_migration") and all(
        migration.applied for migration in migration_runner(db).status()
    )
    if not complete:
        drop_offboard_tables(db)
        migrate_schema(db)
        return
    reset = [
        "SET LOCAL lock_timeout = '10s'",  # a connection some test leaked fails the reset
        'ALTER TABLE "audit_event" DISABLE TRIGGER USER',
        *(f'DELETE FROM "{model._meta.table_name}"' for model in reversed(ALL_MODELS)),
        'ALTER TABLE "audit_event" ENABLE TRIGGER USER',
    ]
    with db.atomic():
        db.execute_sql("; ".join(reset))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once: each test gets a copy rather than migrating anew."""
    path = tmp_path_factory.mktemp("template") / "offboard.db"
    _close(open_database(str(path)))  # closing checkpoints the WAL into the file itself
    return path


def _close(db: Database) -> None:
    for opened in (db, database.obj):
        if opened is not None and not opened.is_closed():
            opened.close()


def _open_empty(request: pytest.FixtureRequest, folder: Path) -> OpenedDatabase:
    """Point the data layer at an empty, migrated database, leaving its connection open."""
    if request.param == "sqlite":
        location = str(folder / "offboard.db")
        shutil.copyfile(request.getfixturevalue("sqlite_template"), location)
    else:
        location = request.getfixturevalue("postgres_location")
    opened = open_database(location, migrate=False)  # migrated already, or just below
    opened.connect(reuse_if_open=True)
    if request.param == "postgres":
        empty_postgres(opened)
    return OpenedDatabase(request.param, location, opened)


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenedDatabase]:
    """An empty, migrated database the data layer is pointed at; OFFBOARD_DATABASE names it too.

    The test starts with this thread's connection open, so data calls reuse it rather than
    connecting each time (``connection()`` is re-entrant); each operation is still its own
    transaction. Closed when the test ends."""
    opened = _open_empty(request, tmp_path)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENVIRONMENT_VARIABLE, opened.location)
        yield opened
    _close(opened.database)


@pytest.fixture(scope="module", params=BACKENDS)
def module_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OpenedDatabase]:
    """Like ``db``, but one database for a whole module: only for modules whose tests leave it
    as they found it (refusals that assert so), and that do not also use ``db``, which on
    PostgreSQL empties the same database."""
    opened = _open_empty(request, tmp_path_factory.mktemp("module"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENVIRONMENT_VARIABLE, opened.location)
        yield opened
    _close(opened.database)


@pytest.fixture(params=BACKENDS)
def bare_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenedDatabase]:
    """A database with no offboard table at all, not yet opened: for migration tests."""
    if request.param == "sqlite":
        location = str(tmp_path / "offboard.db")
    else:
        location = request.getfixturevalue("postgres_location")
    bare = make_database(location)
    if request.param == "postgres":
        drop_offboard_tables(bare)
    yield OpenedDatabase(request.param, location, bare)
    _close(bare)
