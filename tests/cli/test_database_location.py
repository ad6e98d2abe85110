"""Which database a command opens, and what it will not do to one: reading commands never
create a database, another program's file and a newer offboard's database are refused
untouched, `db init` creates one on purpose, `demo --force` needs a CRM admin, and every
database failure is one line naming its cause."""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import psycopg2
import pytest

from data import db as db_module
from data.database_errors import explain
from data.opening import latest_known
from tests.cli.conftest import Run
from tests.conftest import POSTGRES_SERVER, OpenedDatabase

READING = [
    ["list"],
    ["show", "100001"],
    ["today"],
    ["timeline", "100012"],
    ["users", "list"],
    ["reasons", "list"],
    ["outbox", "list"],
]


def one_line_refusal(result: object, code: int = 1) -> str:
    err: str = getattr(result, "err")  # noqa: B009
    assert getattr(result, "code") == code, err  # noqa: B009
    assert getattr(result, "out") == ""  # noqa: B009
    assert err.startswith("offboard: ")
    assert err.count("\n") == 1, err
    assert "broken process" not in err
    return err


@pytest.mark.parametrize("command", READING, ids=lambda words: " ".join(words))
def test_a_reading_command_never_creates_a_database(
    run: Run, tmp_path: Path, command: list[str]
) -> None:
    missing = tmp_path / "typo" / "offboard.db"
    err = one_line_refusal(run(*command, "--db", missing))
    assert f"No offboard database at {missing}" in err
    assert f"offboard db init --db {missing}" in err
    assert f"offboard demo --db {missing}" in err
    assert not (tmp_path / "typo").exists()


@pytest.mark.parametrize(
    "command", [*READING, ["begin", "100001"], ["users", "add", "x", "--name", "X"], ["demo"]]
)
def test_another_programs_sqlite_file_is_refused_byte_identical(
    run: Run, tmp_path: Path, command: list[str]
) -> None:
    other = tmp_path / "other_app.db"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    connection.execute("INSERT INTO invoices (total) VALUES (12.5)")
    connection.commit()
    connection.close()
    before = other.read_bytes()

    err = one_line_refusal(run(*command, "--db", other))

    assert "another program's database (tables invoices)" in err
    assert other.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["other_app.db"]


@pytest.mark.parametrize("empty", ["", "   "])
def test_an_empty_db_option_is_an_error_not_the_default(run: Run, demo_db: str, empty: str) -> None:
    # OFFBOARD_DATABASE names the demo database: an empty --db must not fall back to it.
    err = one_line_refusal(run("--db", empty, "list"), code=2)
    assert "--db is empty" in err


@pytest.mark.parametrize(
    ("location", "says"),
    [
        ("postgresql://postgres:secret@[::1/x", "cannot be read (Invalid IPv6 URL)"),
        ("postgresql://postgres:secret@127.0.0.1:99999/x", "cannot be read (Port out of range"),
        ("postgresql://postgres:secret@127.0.0.1:port/x", "cannot be read (Port could not be"),
        ("gopher://postgres:secret@example.com/x", "cannot use a 'gopher' database"),
        ("{tmp}/with\0nul.db", "holds a NUL character"),
        ("{tmp}/tab\tand\nnewline/x.db", "No offboard database at"),
    ],
)
def test_a_malformed_location_is_a_one_line_refusal(
    run: Run, tmp_path: Path, location: str, says: str
) -> None:
    err = one_line_refusal(run("list", "--db", location.format(tmp=tmp_path)))
    assert says in err
    assert "secret" not in err
    assert list(tmp_path.iterdir()) == []


def test_db_init_creates_then_reports_it_is_up_to_date(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "team" / "offboard.db"
    created = run("db", "init", "--db", path)
    assert created.code == 0, created.err
    assert created.out == f"Created the offboard database {path} (migration {latest_known()}).\n"
    again = run("db", "init", "--db", path)
    assert again.code == 0, again.err
    assert again.out == f"{path} is already at migration {latest_known()}; nothing to do.\n"
    assert json.loads(run("users", "list", "--json", "--db", path).out) == []


def test_db_init_migrates_an_older_database_and_refuses_another_programs(
    run: Run, tmp_path: Path
) -> None:
    old = tmp_path / "old.db"
    bare = db_module.make_database(str(old))
    with bare.connection_context():
        db_module.migrate_schema(bare, target="0001_initial")
    migrated = run("db", "init", "--db", old)
    assert migrated.code == 0, migrated.err
    assert migrated.out.startswith(f"Migrated {old} to migration {latest_known()}: applied 0002_")
    # Any other command on an older offboard database brings it up to date too, as before.
    older = tmp_path / "older.db"
    bare = db_module.make_database(str(older))
    with bare.connection_context():
        db_module.migrate_schema(bare, target="0001_initial")
    assert run("list", "--db", older).code == 0
    assert "is already at migration" in run("db", "init", "--db", older).out

    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    before = other.read_bytes()
    assert "another program's database" in one_line_refusal(run("db", "init", "--db", other))
    assert other.read_bytes() == before


def test_a_newer_offboards_database_is_refused_untouched(run: Run, demo_db: str) -> None:
    later = f"{int(latest_known()) + 3:04d}"  # such as 0012 while this offboard knows 0009
    db_module.database.close()
    connection = sqlite3.connect(demo_db)
    connection.execute(
        f"INSERT INTO schema_migration (name, applied) VALUES ('{later}_later', '2030-01-01')"
    )
    connection.commit()
    connection.close()
    before = Path(demo_db).read_bytes()

    for command in (["list"], ["begin", "100001"], ["db", "init"], ["demo", "--force"]):
        err = one_line_refusal(run(*command))
        assert (
            f"this database is at migration {later}; this offboard knows up to {latest_known()} "
            "— upgrade offboard" in err
        )
    assert Path(demo_db).read_bytes() == before


# ----------------------------------------------------------------------------- demo --force


def test_demo_force_needs_a_crm_admin_of_that_database(run: Run, demo_db: str) -> None:
    assert run("begin", "100001").code == 0
    folder = Path(demo_db).parent
    for login, says in (
        ("stranger", "There is no offboard user 'stranger'"),
        ("jordan", "needs the 'crm-admin' role"),
        ("riley", "needs the 'crm-admin' role"),
    ):
        err = one_line_refusal(run("demo", "--force", "--user", login))
        assert says in err
    assert json.loads(run("show", "100001", "--json").out)["status"] == "Live (PC)"
    assert not list(folder.glob("demo.db.before-demo-*"))

    replaced = run("demo", "--force", "--user", "sam")
    assert replaced.code == 0, replaced.err
    backups = list(folder.glob("demo.db.before-demo-*.db"))
    assert len(backups) == 1
    assert f"The data it held before is saved in {backups[0]}." in replaced.out
    assert json.loads(run("show", "100001", "--json").out)["status"] == "Live"
    copy = sqlite3.connect(backups[0])
    assert copy.execute("SELECT status FROM customer WHERE account = '100001'").fetchone() == (
        "Live (PC)",
    )
    copy.close()


@pytest.mark.postgres
@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_demo_force_on_postgresql_needs_yes_replace_team_database(
    run: Run, db: OpenedDatabase
) -> None:
    url = db.location
    assert run("demo", "--db", url, "--user", "lead").code == 0
    assert run("begin", "100001", "--db", url).code == 0
    err = one_line_refusal(run("demo", "--force", "--db", url))
    assert "--yes-replace-team-database" in err
    assert json.loads(run("show", "100001", "--json", "--db", url).out)["status"] == "Live (PC)"
    assert "crm-admin" in one_line_refusal(
        run("demo", "--force", "--yes-replace-team-database", "--db", url, "--user", "jordan")
    )
    done = run("demo", "--force", "--yes-replace-team-database", "--db", url)
    assert done.code == 0, done.err
    assert "saved in" not in done.out
    assert json.loads(run("show", "100001", "--json", "--db", url).out)["status"] == "Live"


# ----------------------------------------------------------------------------- causes


def test_a_locked_sqlite_database_says_so(
    run: Run, demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Wait a moment rather than the usual ten seconds for the lock to go.
    monkeypatch.setitem(db_module.SQLITE_PRAGMAS, "busy_timeout", 50)
    holder = sqlite3.connect(demo_db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program's write transaction, still open
    holder.execute("UPDATE customer SET name = name WHERE account = '100002'")
    try:
        err = one_line_refusal(run("begin", "100001"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "is locked: another program holds a write open on it" in err
    assert json.loads(run("show", "100001", "--json").out)["status"] == "Live"


@pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0,
    reason="root writes to read-only files and folders anyway; see the test after this one",
)
def test_a_read_only_folder_is_named(run: Run, demo_db: str, tmp_path: Path) -> None:
    db_module.database.close()
    folder = Path(demo_db).parent
    os.chmod(demo_db, 0o444)
    os.chmod(folder, 0o555)
    try:
        err = one_line_refusal(run("begin", "100001"))
    finally:
        os.chmod(folder, 0o755)
        os.chmod(demo_db, 0o644)
    assert "read-only" in err


def test_real_sqlite_read_only_and_disk_full_errors_are_named(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.close()
    read_only = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as refused:
        read_only.execute("INSERT INTO t VALUES (1)")
    read_only.close()
    assert "Cannot write to the database" in explain(refused.value, str(path))
    assert "read-only" in explain(refused.value, str(path))

    small = sqlite3.connect(path)
    small.execute("PRAGMA max_page_count = 3")  # the database may not grow: SQLITE_FULL
    with pytest.raises(sqlite3.OperationalError) as full:
        small.execute("INSERT INTO t VALUES (randomblob(100000))")
    small.close()
    assert explain(full.value, str(path)).startswith(
        f"The disk holding the database {path} is full"
    )


def _server(database: str, login: str = "postgres") -> str:
    """A URL for ``database`` on the test server, as ``login``."""
    parsed = urlparse(POSTGRES_SERVER)
    netloc = f"{login}@{parsed.hostname}:{parsed.port or 5432}"
    return parsed._replace(netloc=netloc, path=f"/{database}").geturl()


@pytest.mark.postgres
def test_postgresql_failures_name_their_cause(run: Run, postgres_location: str) -> None:
    missing = one_line_refusal(run("list", "--db", _server("no_such_offboard_db")))
    assert "There is no database 'no_such_offboard_db' on the PostgreSQL server" in missing
    unknown = one_line_refusal(run("list", "--db", _server("postgres", "nobody_" + "x" * 8)))
    assert "refused the login 'nobody_xxxxxxxx' (authentication failed)" in unknown
    # Port 1: nothing listens there, so the connection is refused at once.
    unreachable = one_line_refusal(run("list", "--db", "postgresql://postgres@127.0.0.1:1/x"))
    assert unreachable.startswith("offboard: Cannot reach the PostgreSQL server at 127.0.0.1:1")


@pytest.fixture
def powerless_role(postgres_location: str) -> Iterator[str]:
    """A login role without any privilege on offboard's tables; dropped afterwards."""
    name = f"powerless_{secrets.token_hex(4)}"
    admin = psycopg2.connect(postgres_location)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{name}" LOGIN')
    try:
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{name}"')
            cursor.execute(f'DROP ROLE "{name}"')
        admin.close()


@pytest.mark.postgres
@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_a_postgresql_permission_denied_is_named(
    run: Run, db: OpenedDatabase, powerless_role: str
) -> None:
    url = urlparse(db.location)
    as_role = url._replace(netloc=f"{powerless_role}@{url.hostname}:{url.port or 5432}").geturl()
    err = one_line_refusal(run("list", "--db", as_role))
    assert f"The login '{powerless_role}' may not do this" in err
    assert "permission denied" in err
