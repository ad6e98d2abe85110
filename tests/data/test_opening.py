"""What offboard finds at a database location before it writes: reading never creates a
database, another program's database and one from a newer offboard are refused untouched."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from peewee import Database

from data.db import open_database
from data.errors import UnusableDatabase
from data.opening import known_migrations, latest_known, open_location
from tests.conftest import OpenedDatabase, drop_offboard_tables


def _snapshot(db: OpenedDatabase) -> bytes | list[str]:
    """The whole SQLite file, or the PostgreSQL schema's tables and migration history."""
    if db.backend == "sqlite":
        return Path(db.location).read_bytes()
    db.database.connect(reuse_if_open=True)
    tables = sorted(db.database.get_tables())
    rows = db.database.execute_sql(  # type: ignore[no-untyped-call]
        "SELECT name FROM schema_migration ORDER BY name"
    ).fetchall()
    return tables + [row[0] for row in rows]


def _close_all(db: Database) -> None:
    if not db.is_closed():
        db.close()


LATER = f"{int(latest_known()) + 3:04d}"  # a migration this offboard does not have yet


@pytest.fixture
def future(db: OpenedDatabase) -> Iterator[OpenedDatabase]:
    """The test database, as a newer offboard (knowing one more migration) left it."""
    db.database.execute_sql(  # type: ignore[no-untyped-call]
        f"INSERT INTO schema_migration (name, applied) VALUES ('{LATER}_from_the_future', "
        "CURRENT_TIMESTAMP)"
    )
    _close_all(db.database)  # the last connection closing checkpoints a SQLite WAL
    yield db
    # PostgreSQL's test database is shared by the session: take the future back out.
    db.database.connect(reuse_if_open=True)
    db.database.execute_sql(  # type: ignore[no-untyped-call]
        f"DELETE FROM schema_migration WHERE name = '{LATER}_from_the_future'"
    )
    _close_all(db.database)


def test_known_migrations_are_read_from_the_folder() -> None:
    names = known_migrations()
    assert names[0] == "0001_initial"
    assert latest_known() == names[-1][:4]


def test_a_database_from_a_newer_offboard_is_refused_untouched(future: OpenedDatabase) -> None:
    before = _snapshot(future)
    _close_all(future.database)

    for create in (False, True):
        with pytest.raises(UnusableDatabase) as refused:
            open_database(future.location, create=create)
        assert (
            f"this database is at migration {LATER}; this offboard knows up to {latest_known()} "
            "— upgrade offboard" in str(refused.value)
        )

    assert _snapshot(future) == before


def test_opening_without_create_refuses_a_location_with_no_database(
    bare_db: OpenedDatabase, tmp_path: Path
) -> None:
    if bare_db.backend == "sqlite":
        location = str(tmp_path / "typo" / "deeper" / "offboard.db")
    else:
        location = bare_db.location  # a PostgreSQL database without any offboard table
        _close_all(bare_db.database)

    with pytest.raises(UnusableDatabase, match=r"No offboard database at .*offboard db init"):
        open_database(location, create=False)

    if bare_db.backend == "sqlite":
        assert not (tmp_path / "typo").exists()  # no folder, no file
    else:
        bare_db.database.connect(reuse_if_open=True)
        assert "schema_migration" not in bare_db.database.get_tables()
        _close_all(bare_db.database)
    opened = open_location(location, create=True)
    assert opened.created
    assert opened.at == latest_known()
    again = open_location(location, create=False)
    assert (again.created, again.applied) == (False, ())


def test_another_programs_database_is_refused_untouched(
    bare_db: OpenedDatabase, tmp_path: Path
) -> None:
    if bare_db.backend == "sqlite":
        location = str(tmp_path / "other_app.db")
        other = sqlite3.connect(location)
        other.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        other.execute("INSERT INTO notes (body) VALUES ('keep me')")
        other.commit()
        other.close()
        before: bytes | list[str] = Path(location).read_bytes()
    else:
        location = bare_db.location
        bare_db.database.connect(reuse_if_open=True)
        bare_db.database.execute_sql("CREATE TABLE notes (id SERIAL PRIMARY KEY, body TEXT)")  # type: ignore[no-untyped-call]
        before = sorted(bare_db.database.get_tables())
        _close_all(bare_db.database)
    try:
        for create in (False, True):
            with pytest.raises(UnusableDatabase, match=r"another program's database .*notes"):
                open_database(location, create=create)
        if bare_db.backend == "sqlite":
            assert Path(location).read_bytes() == before
            assert not Path(f"{location}-wal").exists()
        else:
            bare_db.database.connect(reuse_if_open=True)
            assert sorted(bare_db.database.get_tables()) == before
    finally:
        if bare_db.backend == "postgres":
            bare_db.database.connect(reuse_if_open=True)
            bare_db.database.execute_sql("DROP TABLE IF EXISTS notes")  # type: ignore[no-untyped-call]
            drop_offboard_tables(bare_db.database)
            _close_all(bare_db.database)


def test_a_file_that_is_no_database_is_refused_untouched(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("these are notes, not a database\n" * 200)
    before = notes.read_bytes()
    with pytest.raises(UnusableDatabase, match="is not a SQLite database"):
        open_database(str(notes), create=True)
    assert notes.read_bytes() == before


def test_another_programs_migration_history_is_not_taken_for_offboards(tmp_path: Path) -> None:
    # Another program that uses peewee's migration runner has a schema_migration table too.
    path = tmp_path / "other.db"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE schema_migration (id INTEGER PRIMARY KEY, name TEXT, applied TEXT)")
    other.execute(
        "INSERT INTO schema_migration (name, applied) VALUES ('0001_notes', '2025-01-01')"
    )
    other.execute("CREATE TABLE notes (body TEXT)")
    other.commit()
    other.close()
    before = path.read_bytes()
    with pytest.raises(UnusableDatabase, match="another program's database"):
        open_database(str(path))
    assert path.read_bytes() == before
