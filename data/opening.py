"""Opening a database location safely: what is there before offboard writes to it (nothing
yet, an offboard database at some migration, another program's database, or one a newer
offboard wrote), and ``open_location``, which opens, checks and migrates it.

``check`` turns what was found into a refusal (``UnusableDatabase``) when offboard must not
use it: commands that only work with data never create a database, and nothing here writes.
A SQLite file is looked at through a read-only connection, so a file that is refused is left
byte for byte as it was (opening it with offboard's pragmas would switch it to WAL).
"""

from __future__ import annotations

import enum
import re
import shlex
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from peewee import Database, PeeweeException, SqliteDatabase

from data.database_errors import explain
from data.db import (
    MIGRATIONS,
    close_idle,
    database,
    describe,
    make_database,
    migrate_schema,
    resolve_location,
)
from data.errors import UnusableDatabase

HISTORY_TABLE = "schema_migration"
FIRST_MIGRATION = "0001_initial"
_NUMBERED = re.compile(r"^(\d{4})_\w+$")


class Kind(enum.Enum):
    MISSING = "missing"  # no file (SQLite)
    EMPTY = "empty"  # a database without any table
    OFFBOARD = "offboard"  # has offboard's migration history
    FOREIGN = "foreign"  # has tables, but not offboard's
    NOT_SQLITE = "not-sqlite"  # a file that is no SQLite database at all


@dataclass(frozen=True)
class Found:
    kind: Kind
    applied: tuple[str, ...] = ()  # the migrations the database records as applied
    tables: tuple[str, ...] = ()


def known_migrations() -> list[str]:
    """The migrations this offboard ships, in order (file names without ``.py``)."""
    return sorted(path.stem for path in MIGRATIONS.glob("[0-9]*.py"))


def number(name: str) -> str:
    """``0007_termination_timeline`` → ``0007``."""
    return name.split("_", 1)[0]


def latest_known() -> str:
    names = known_migrations()
    return number(names[-1]) if names else "0000"


def _classify(tables: list[str], applied: list[str]) -> Found:
    if not tables:
        return Found(Kind.EMPTY)
    # Another program using peewee's migration runner has a schema_migration table too; an
    # offboard database's history starts with offboard's first migration.
    ours = not applied or (
        FIRST_MIGRATION in applied and all(_NUMBERED.match(name) for name in applied)
    )
    if HISTORY_TABLE not in tables or not ours:
        return Found(Kind.FOREIGN, tables=tuple(sorted(tables)))
    return Found(Kind.OFFBOARD, applied=tuple(sorted(applied)), tables=tuple(sorted(tables)))


def inspect_sqlite(path: Path) -> Found:
    """What the SQLite file at ``path`` holds, read without writing (or creating) anything.

    A file that cannot be opened even for reading raises ``sqlite3.Error`` for the caller to
    explain (``data.database_errors``)."""
    if not path.exists():
        return Found(Kind.MISSING)
    if path.is_file() and path.stat().st_size == 0:
        return Found(Kind.EMPTY)
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    connection = sqlite3.connect(uri, uri=True)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        applied: list[str] = []
        if HISTORY_TABLE in tables:
            applied = [
                str(row[0]) for row in connection.execute(f'SELECT name FROM "{HISTORY_TABLE}"')
            ]
    except sqlite3.DatabaseError as error:
        if "not a database" in str(error):
            return Found(Kind.NOT_SQLITE)
        raise
    finally:
        connection.close()
    return _classify(tables, applied)


def inspect_open(db: Database) -> Found:
    """What a connected database (PostgreSQL) holds in its schema; reads only."""
    tables = list(db.get_tables())
    applied: list[str] = []
    if HISTORY_TABLE in tables:
        cursor = db.execute_sql(f'SELECT name FROM "{HISTORY_TABLE}"')  # type: ignore[no-untyped-call]
        applied = [str(row[0]) for row in cursor.fetchall()]
    return _classify(tables, applied)


def check(found: Found, shown: str, *, create: bool) -> None:
    """Refuse (UnusableDatabase) a location offboard must not use; ``shown`` names it.

    ``create``: this command may make a new database (``demo``, ``db init``, the app on the
    default location); any other refuses a location without one."""
    if found.kind in (Kind.MISSING, Kind.EMPTY) and not create:
        given = shlex.quote(shown)
        raise UnusableDatabase(
            f"No offboard database at {shown}. Create one with `offboard db init --db {given}` "
            f"or `offboard demo --db {given}`."
        )
    if found.kind is Kind.NOT_SQLITE:
        raise UnusableDatabase(
            f"{shown} is not a SQLite database (some other kind of file); it was left untouched. "
            "Give the path of an offboard database, or a new file name."
        )
    if found.kind is Kind.FOREIGN:
        listed = ", ".join(found.tables[:5]) + (", …" if len(found.tables) > 5 else "")
        raise UnusableDatabase(
            f"{shown} is another program's database (tables {listed}), not offboard's; it was "
            "left untouched. Give the path of an offboard database, or a new file name."
        )
    if found.kind is Kind.OFFBOARD:
        check_not_newer(found.applied, shown)


def check_not_newer(applied: tuple[str, ...] | list[str], shown: str) -> None:
    """Refuse a database with a migration this offboard does not have: a newer offboard
    wrote it, and this one would misread or damage what it does not know."""
    known = set(known_migrations())
    unknown = sorted(name for name in applied if name not in known)
    if not unknown:
        return
    at = max(number(name) for name in applied)
    knows = latest_known()
    if at > knows:
        raise UnusableDatabase(
            f"{shown}: this database is at migration {at}; this offboard knows up to {knows} "
            "— upgrade offboard. Nothing was changed."
        )
    raise UnusableDatabase(
        f"{shown}: this database has migration {unknown[0]}, which this offboard (up to "
        f"{knows}) does not know — it was written by another version; use that one. "
        "Nothing was changed."
    )


@dataclass(frozen=True)
class Opened:
    """What opening did: the database, whether it was new, the migrations it applied."""

    db: Database
    created: bool
    applied: tuple[str, ...]
    at: str  # the migration the database is at now, such as 0009


def _sqlite_file(db: Database) -> Path | None:
    if not isinstance(db, SqliteDatabase):
        return None
    name = str(db.database or "")
    if name in ("", ":memory:") or name.startswith("file:"):
        return None
    return Path(name).expanduser()


def open_location(
    location: str | None = None,
    *,
    create: bool = True,
    migrate: bool = True,
    pooled: bool = False,
) -> Opened:
    """Point the proxy at the chosen database, check that it is offboard's (or, with ``create``,
    that there is none yet), and bring its schema up to date. Refuses with UnusableDatabase,
    naming the cause, before writing anything. See ``data.db.open_database``."""
    resolved = resolve_location(location)
    shown = describe(resolved)
    db = make_database(resolved, pooled=pooled)
    path = _sqlite_file(db)
    found: Found | None = None
    if path is not None:
        try:
            found = inspect_sqlite(path)
        except (sqlite3.Error, OSError) as error:
            raise UnusableDatabase(explain(error, resolved)) from error
        check(found, shown, create=create)
        if found.kind is Kind.MISSING:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise UnusableDatabase(explain(error, resolved)) from error
    database.initialize(db)
    try:
        db.connect(reuse_if_open=True)
    except (PeeweeException, sqlite3.Error, OSError) as error:
        raise UnusableDatabase(explain(error, resolved)) from error
    try:
        if found is None:
            found = inspect_open(db)
            check(found, shown, create=create)
        # Up to date as found: no need for the migration runner (nor the modules it imports).
        current = set(known_migrations()) <= set(found.applied)
        applied = tuple(migrate_schema(db)) if migrate and not current else ()
    finally:
        db.close()
        close_idle(db)
    at = latest_known() if migrate else max((number(n) for n in found.applied), default="0000")
    return Opened(db, found.kind in (Kind.MISSING, Kind.EMPTY), applied, at)
