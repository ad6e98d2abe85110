"""The demo data set loads through the real operations, and never overwrites data unasked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from data import cancellations, clock, customers, demo
from data.db import connection, database
from data.demo import cancelling
from data.errors import NotAllowed
from data.models import AuditEvent, Customer, User
from tests.conftest import OpenedDatabase


def backups_beside(db: OpenedDatabase) -> list[Path]:
    if db.backend != "sqlite":
        return []
    path = Path(db.location)
    return sorted(path.parent.glob(f"{path.name}.before-demo-*.db"))


def state(account: str = "100001") -> tuple[int, int, str]:
    with connection():
        return (
            User.select().count(),
            AuditEvent.select().count(),
            customers.customer_detail(account).status,
        )


def test_demo_loads_into_an_empty_database_and_refuses_a_full_one(db: OpenedDatabase) -> None:
    counts = demo.load(login="pat")

    assert counts.customers == 40
    assert counts.users == 12  # the eleven demo users and the one who ran it
    assert not counts.replaced and counts.backup is None
    assert customers.customer_detail("100004").name == "Meridian Health Partners"
    assert customers.record_totals("100004")[0].total == 420
    nearly = customers.tool_view("100011")
    assert [section.name for section in nearly.red] == ["Sales orders"]
    assert customers.tool_view("100012").cancellation.begun_by == "Pat"  # type: ignore[union-attr]
    assert customers.tool_view("100027").customer.status == "Cancelled"
    assert [p.account for p in customers.pending_cancellations("pat")] == ["100012"]
    with connection():
        trail = AuditEvent.select().count()
        assert User.get(User.login == "pat").role_set == {"crm-admin", "customer-cancellation"}

    with pytest.raises(demo.DemoRefused, match="offboard demo --force"):
        demo.load(login="pat")
    with connection():
        assert Customer.select().count() == 40
        assert AuditEvent.select().count() == trail

    # A CRM admin of this database replaces everything, even the audit trail.
    again = demo.load(force=True, login="sam", replace_team_database=True)
    assert again.customers == 40
    assert again.users == 11  # sam is one of the demo users already
    assert again.replaced
    with connection():
        assert not User.select().where(User.login == "pat").exists()
        assert AuditEvent.select().count() == trail  # the same deterministic set, once
    assert customers.tool_view("100012").cancellation.begun_by == "Sam Lee"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("login", "why"),
    [
        ("stranger", "There is no offboard user 'stranger'"),  # not in this database
        ("jordan", "needs the 'crm-admin' role"),  # a user without roles
        ("alex", "needs the 'crm-admin' role"),  # a team lead, but no CRM admin
        ("casey", "is deactivated"),  # has left: deactivated
    ],
)
def test_replacing_the_data_needs_a_crm_admin_already_in_the_database(
    db: OpenedDatabase, login: str, why: str
) -> None:
    demo.load(login="pat")
    cancellations.begin("pat", "100001")
    before = state()

    with pytest.raises(NotAllowed, match=why):
        demo.load(force=True, login=login, replace_team_database=True)

    assert state() == before  # nothing replaced, the begun cancellation still there
    assert before[2] == "Live (PC)"
    assert backups_beside(db) == []  # refused before anything was copied either


def test_replacing_a_postgresql_database_needs_yes_replace_team_database(
    db: OpenedDatabase,
) -> None:
    demo.load(login="pat")
    cancellations.begin("pat", "100001")
    before = state()

    if db.backend == "postgres":
        with pytest.raises(demo.DemoRefused, match="--yes-replace-team-database"):
            demo.load(force=True, login="pat")
        assert state() == before
        replaced = demo.load(force=True, login="pat", replace_team_database=True)
        assert replaced.backup is None
    else:
        # One person's file: no flag needed, it is copied aside instead.
        replaced = demo.load(force=True, login="pat")
        assert replaced.backup is not None
    assert replaced.replaced
    assert state()[2] == "Live"


def test_replacing_a_sqlite_file_first_copies_it_aside_with_the_backup_api(
    db: OpenedDatabase,
) -> None:
    if db.backend != "sqlite":
        pytest.skip("SQLite only: a PostgreSQL database is not copied (it needs the flag)")
    demo.load(login="pat")
    # Commits that are still only in the WAL: a copy of the main file alone would miss them,
    # SQLite's backup API (which reads through SQLite) does not.
    database.execute_sql("PRAGMA wal_autocheckpoint = 0")  # type: ignore[no-untyped-call]
    cancellations.begin("pat", "100001")
    path = Path(db.location)
    assert Path(f"{path}-wal").stat().st_size > 0

    replaced = demo.load(force=True, login="pat")

    backup = replaced.backup
    assert backup is not None
    assert backups_beside(db) == [backup]
    assert backup.parent == path.parent
    assert backup.name.startswith("offboard.db.before-demo-")
    copy = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        status = copy.execute("SELECT status FROM customer WHERE account = '100001'").fetchone()
        users = copy.execute('SELECT count(*) FROM "user"').fetchone()[0]
        check = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
    assert status == ("Live (PC)",)  # the old data, up to the last commit
    assert users == 12
    assert check == "ok"
    assert state()[2] == "Live"  # while the database itself holds the demo afresh


def test_a_replacement_that_fails_part_way_leaves_the_data_as_it_was(
    db: OpenedDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo.load(login="pat")
    cancellations.begin("pat", "100001")
    before = state()

    def broken(_me: str) -> None:
        raise RuntimeError("the disk went away half-way")

    monkeypatch.setattr(cancelling, "add_cancellations", broken)
    with pytest.raises(RuntimeError):
        demo.load(force=True, login="pat", replace_team_database=True)

    if db.backend == "postgres":
        assert state() == before  # the wipe was in the failed transaction too
    else:
        # The file was emptied, never half-filled; the copy beside it holds the data.
        with connection():
            assert not Customer.select().exists()
        (backup,) = backups_beside(db)
        copy = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        status = copy.execute("SELECT status FROM customer WHERE account = '100001'").fetchone()
        copy.close()
        assert status == ("Live (PC)",)


def test_the_demo_holds_retention_at_every_stage(db: OpenedDatabase) -> None:
    """Save attempts with each outcome, a request waiting at each step of the chain, one
    rejected, and a paused customer (issue 15)."""
    from data.retention import attempts, pause, request_views
    from data.retention.reminders import retention_reminders

    demo.load(login="pat")
    outcomes = {
        attempt.outcome
        for account in ("100003", "100005", "100006", "100007", "100009")
        for attempt in attempts.attempts_of(account)
    }
    assert outcomes == {"saved", "downgraded", "paused", "open", "lost"}
    waiting = {
        account: [
            (r.state, r.waiting_for.key if r.waiting_for else None)
            for r in request_views.requests_of(account)
        ]
        for account in ("100008", "100009", "100010", "100013", "100011", "100012")
    }
    assert waiting == {
        "100008": [("submitted", "approver_1")],
        "100009": [("submitted", "approver_2")],
        "100010": [("submitted", "finance")],
        "100013": [("rejected", None)],
        "100011": [("approved", None)],
        "100012": [("draft", None)],
    }
    assert customers.customer_detail("100006").status == "Paused"
    assert pause.pause_of("100006") is not None
    assert [r.id for r in request_views.waiting_for("jeremy")] == [
        r.id for r in request_views.requests_of("100008")
    ]
    with connection():
        today = clock.now().date()
    assert {(r.account, r.kind) for r in retention_reminders(today)} == {
        ("100011", "effective"),
        ("100006", "pause-end"),
    }
