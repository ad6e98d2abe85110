"""``offboard audit verify`` (the audit trail's hash chain) and ``offboard db grant`` (a team
lead's PostgreSQL role), and who acts on PostgreSQL: the connection's role."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from data import users
from data.db import connection, database, is_sqlite
from tests.cli.conftest import Run
from tests.conftest import OpenedDatabase, drop_roles

VERIFIED = "events, the chain holds.\n"


def tamper(sql: str) -> None:
    """Change the trail as its owner could: with the append-only triggers set aside."""
    with connection(), database.atomic():
        if is_sqlite():
            for trigger in ("no_update", "no_delete", "no_replace"):
                database.execute_sql(f"DROP TRIGGER IF EXISTS audit_event_{trigger}")
        else:
            database.execute_sql("ALTER TABLE audit_event DISABLE TRIGGER USER")
        database.execute_sql(sql)
        if not is_sqlite():
            database.execute_sql("ALTER TABLE audit_event ENABLE TRIGGER USER")


def test_verify_says_the_chain_holds(run: Run, demo_db: str) -> None:
    result = run("audit", "verify")
    assert result.code == 0
    assert result.out.endswith(VERIFIED)
    count = int(result.out.split()[0])
    assert count > 10
    as_json = run("audit", "verify", "--json")
    assert (as_json.code, json.loads(as_json.out)) == (
        0,
        {"events": count, "holds": True, "first_break": None},
    )


def test_verify_names_the_first_changed_event(run: Run, demo_db: str) -> None:
    tamper("UPDATE audit_event SET action = 'nothing happened' WHERE id = 7")
    tamper("DELETE FROM audit_event WHERE id = 9")

    result = run("audit", "verify")

    assert result.code == 1
    assert result.out == ""
    assert result.err.startswith("offboard: The audit trail does not hold at event 7 (")
    assert result.err.endswith(
        ", nothing happened): its content was changed after it was written.\n"
    )
    found = json.loads(run("audit", "verify", "--json").out)
    assert found["holds"] is False
    assert (found["first_break"]["id"], found["first_break"]["problem"]) == (7, "changed")


def test_verify_names_the_event_after_a_deleted_one(run: Run, demo_db: str) -> None:
    tamper("DELETE FROM audit_event WHERE id = 5")

    result = run("audit", "verify", "--json")

    assert result.code == 1
    assert json.loads(result.out)["first_break"]["id"] == 6
    assert json.loads(result.out)["first_break"]["problem"] == "missing"


def test_grant_is_refused_on_sqlite_in_one_line(run: Run, demo_db: str) -> None:
    result = run("db", "grant", "lead")
    assert result.code == 1
    assert result.err == (
        "offboard: Not allowed: offboard db grant is for PostgreSQL: a SQLite file has no "
        "database roles (whoever can open the file can write it).\n"
    )


# ----------------------------------------------------------------------------- PostgreSQL


@pytest.fixture
def postgres(db: OpenedDatabase) -> Iterator[OpenedDatabase]:
    if db.backend != "postgres":
        pytest.skip("database roles are PostgreSQL's")
    yield db


@pytest.fixture
def team(postgres: OpenedDatabase) -> Iterator[list[str]]:
    """An owner-side CRM admin 'lead' and two team leads, not yet granted; their roles (made
    by the tests through `db grant`) are dropped afterwards."""
    tag = secrets.token_hex(4)
    names = [f"cli_a_{tag}", f"cli_b_{tag}"]
    users.add_user(None, "lead", "Lead")
    for name in names:
        users.add_user("lead", name, name, roles=["customer-cancellation"])
    try:
        yield names
    finally:
        drop_roles(postgres.database, names)


def as_role(location: str, role: str) -> str:
    parsed = urlparse(location)
    return parsed._replace(netloc=f"{role}@{parsed.netloc.rsplit('@', 1)[-1]}").geturl()


def test_grant_then_each_team_lead_acts_only_as_themselves(
    run: Run, postgres: OpenedDatabase, team: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = team
    granted = run("--db", postgres.location, "db", "grant", first)
    assert granted.code == 0, granted.err
    assert f"Created the database role {first}" in granted.out
    assert f"connects with: offboard --db {as_role(postgres.location, first)}\n" in granted.out
    assert "ALTER ROLE" in granted.out and "PASSWORD" in granted.out
    assert run("--db", postgres.location, "db", "grant", second).code == 0

    refused = run("--db", as_role(postgres.location, second), "--user", first, "users", "list")
    assert refused.code == 1
    assert refused.err == (
        f"offboard: Not allowed: you are connected as {second}; --user {first} is refused: "
        "on PostgreSQL you act as your database role\n"
    )
    # no --user and no OFFBOARD_USER: the machine's login gives way to the role
    monkeypatch.delenv("OFFBOARD_USER")
    raised = run(
        "--db", as_role(postgres.location, second), "users", "set", second, "--role", "crm-admin"
    )
    assert raised.code == 1
    assert raised.err.startswith(f"offboard: Not allowed: {second} cannot change users")
    listed = run("--db", as_role(postgres.location, first), "users", "list", "--json")
    assert listed.code == 0
    roles = {user["login"]: user["roles"] for user in json.loads(listed.out)}
    assert roles[second] == ["customer-cancellation"]
    # a team lead may not grant
    again = run("--db", as_role(postgres.location, first), "db", "grant", second)
    assert again.code == 1
    assert f"You are connected as {first}, which does not own offboard's tables" in again.err
    # the owner may act as anyone, and the trail the roles wrote holds
    verified = run("--db", postgres.location, "--user", first, "audit", "verify")
    assert (verified.code, verified.out.endswith(VERIFIED)) == (0, True)
