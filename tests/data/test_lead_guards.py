"""The database holds a team lead's PostgreSQL role to the rules (migration 0019): through raw
SQL it may not write an audit event naming someone else (even with a correct hash), nor decide a
change request as another approver, out of turn, rewrite or delete a decision, or move a
request's state as the rules forbid. The data layer's own paths, through the same roles, pass;
the owner of offboard's tables keeps its rights. On SQLite the migration adds nothing.

Roles are the whole server's: each test's get random names and are dropped afterwards."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import psycopg2
import pytest
from psycopg2 import errors

from data import chain, grants, users
from data.db import connection, database, migrate_schema, open_database
from data.models import AuditEvent, CustomerStatus, User
from data.retention import decisions, pause, request_views, requests
from data.retention.models import Approval, ChangeRequest, RequestState
from tests.conftest import OpenedDatabase, drop_roles
from tests.data.test_identity import connected_as, role_url
from tests.data.test_migrations import insert_old_shape
from tests.data.world import ADMIN, World

ACME = "500001"
SOON = dt.date.today() + dt.timedelta(days=20)
GUARDS = {"audit_event_actor", "approval_rules", "change_request_rules"}


@dataclass(frozen=True)
class Crew:
    """The team leads, each an offboard user with a database role of their own."""

    ret: str  # the retention team: creates and submits
    ap1: str  # approvers
    ap2: str
    fin: str  # Finance: the credit's step

    def id(self, login: str) -> int:
        with connection():
            return int(User.get(User.login == login).id)


@pytest.fixture
def crew(world: World, db: OpenedDatabase) -> Iterator[Crew]:
    if db.backend != "postgres":
        pytest.skip("database roles are PostgreSQL's")
    tag = secrets.token_hex(4)
    found = Crew(f"ret_{tag}", f"ap1_{tag}", f"ap2_{tag}", f"fin_{tag}")
    for login, name, role in (
        (found.ret, "Rita Retention", "retention"),
        (found.ap1, "Jordan Price", "approver"),
        (found.ap2, "Dustin Approver", "approver"),
        (found.fin, "Fiona Finance", "finance"),
    ):
        users.add_user(ADMIN, login, name, email=f"{login}@example.com", roles=[role])
    names = [found.ret, found.ap1, found.ap2, found.fin]
    try:
        for name in names:
            grants.grant_role(name)
        yield found
    finally:
        drop_roles(db.database, names)


def rows() -> list[Any]:
    """Every change request, decision and audit event, as the owner reads them."""
    with connection():
        return [
            *ChangeRequest.select().order_by(ChangeRequest.id).dicts(),
            *Approval.select().order_by(Approval.id).dicts(),
            AuditEvent.select().count(),
        ]


def raw(
    db: OpenedDatabase, role: str, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()
) -> str:
    """Run ``sql`` through ``role``'s own connection: it must be refused (the message)."""
    connection_ = psycopg2.connect(role_url(db.location, role))
    try:
        with pytest.raises(errors.InsufficientPrivilege) as refused, connection_.cursor() as cur:
            cur.execute(sql, params)
        return str(refused.value.diag.message_primary)
    finally:
        connection_.close()


def waiting_at_step_two(crew: Crew) -> int:
    """A request with a credit (three steps), the first approved: it waits for step 2."""
    with connection():
        made = requests.create_request(crew.ret, ACME, "cancel", SOON, credit="250", retention=True)
        decisions.submit_request(crew.ret, made.request_id)
        decisions.approve_request(crew.ap1, made.request_id)
    return made.request_id


# ----------------------------------------------------------------------------- the audit trail


def test_an_audit_event_naming_someone_else_is_refused_even_with_a_correct_hash(
    db: OpenedDatabase, crew: Crew
) -> None:
    request_id = waiting_at_step_two(crew)
    before = rows()
    with connection():
        last = AuditEvent.select().order_by(AuditEvent.id.desc()).get().event_hash
    content = {
        "at": dt.datetime(2026, 1, 5, 9, 0),
        "actor_id": crew.id(crew.ap1),  # "Jordan Price: approve", written by Rita
        "customer_id": None,
        "cancellation_id": None,
        "action": "approve step",
        "record_kind": "change_request",
        "record_id": request_id,
        "before": "{}",
        "after": '{"comment": "", "round": 1, "step": "approver_2"}',
    }
    insert = (
        "INSERT INTO audit_event (at, actor_id, customer_id, cancellation_id, action, "
        "record_kind, record_id, before, after, previous_hash, event_hash) "
        "VALUES (%(at)s, %(actor_id)s, %(customer_id)s, %(cancellation_id)s, %(action)s, "
        "%(record_kind)s, %(record_id)s, %(before)s, %(after)s, %(previous_hash)s, "
        "%(event_hash)s)"
    )
    forged = {**content, "previous_hash": last, "event_hash": chain.event_hash(last, content)}
    message = raw(db, crew.ret, insert, forged)
    assert message == (
        f"You are connected as {crew.ret}: an audit event you write names you (user "
        f"#{crew.id(crew.ret)}) as its actor, not user #{crew.id(crew.ap1)}. A team lead's role "
        "records only what it does itself."
    )
    assert rows() == before
    assert chain.verify(database.obj).first_break is None
    assert [s.by for s in request_views.show_request(request_id).steps if s.by] == [
        "Jordan Price"
    ]  # the one real decision, nothing forged
    # the same event as the one acting is written: the guard is about the actor only
    own = {**content, "actor_id": crew.id(crew.ret)}
    opened = psycopg2.connect(role_url(db.location, crew.ret))
    try:
        with opened.cursor() as cursor:
            cursor.execute(
                insert, {**own, "previous_hash": last, "event_hash": chain.event_hash(last, own)}
            )
            assert cursor.rowcount == 1
        opened.rollback()
    finally:
        opened.close()


def test_a_temporary_table_cannot_stand_in_for_the_users(db: OpenedDatabase, crew: Crew) -> None:
    """The guards read offboard's own tables: a role's temporary "user" table, which would come
    first on an unpinned search path, maps nobody."""
    before = rows()
    opened = psycopg2.connect(role_url(db.location, crew.ret))
    try:
        with opened.cursor() as cursor:
            cursor.execute(
                'CREATE TEMP TABLE "user" AS SELECT %s AS id, current_user::text AS login, '
                "true AS active",
                (crew.id(crew.ap1),),
            )
            with pytest.raises(errors.InsufficientPrivilege, match="as its actor, not user"):
                cursor.execute(
                    "INSERT INTO audit_event (at, actor_id, action, record_kind, before, after, "
                    "previous_hash, event_hash) VALUES (now(), %s, 'x', '', '{}', '{}', 'p', 'h')",
                    (crew.id(crew.ap1),),
                )
    finally:
        opened.close()
    assert rows() == before


# ----------------------------------------------------------------------------- raw writes refused


APPROVAL_INSERT = (
    "INSERT INTO approval (request_id, round, step, step_key, by_id, at, decision, comment) "
    "VALUES (%s, 1, %s, %s, %s, now(), 'approved', '')"
)


@pytest.mark.parametrize(
    ("who", "sql", "args", "words"),
    [
        (
            "ap2",
            "UPDATE change_request SET state = 'approved', decided_at = now() WHERE id = %s",
            ("request",),
            "is approved only by the approval of its last step",
        ),
        (
            "ret",
            "UPDATE change_request SET state = 'draft' WHERE id = %s",
            ("request",),
            "cannot go from submitted to draft",
        ),
        (
            "ret",
            "UPDATE change_request SET credit = 0 WHERE id = %s",
            ("request",),
            "is submitted and locked while it is in approval",
        ),
        (
            "ap2",
            "UPDATE change_request SET step = 2 WHERE id = %s",
            ("request",),
            "Out of turn",
        ),
        (
            "ap2",
            "UPDATE change_request SET state = 'recalled' WHERE id = %s",
            ("request",),
            "only the person who submitted it may",
        ),
        ("ret", "DELETE FROM change_request WHERE id = %s", ("request",), "cannot be deleted"),
        (
            "ret",
            APPROVAL_INSERT,
            ("request", 1, "approver_2", "ap2"),
            "you decide a change request only as yourself",
        ),
        (
            "ap2",
            APPROVAL_INSERT,
            ("request", 1, "approver_2", "ap1"),
            "you decide a change request only as yourself",
        ),
        ("fin", APPROVAL_INSERT, ("request", 2, "finance", "fin"), "Out of turn"),
        ("ap2", APPROVAL_INSERT, ("request", 1, "finance", "ap2"), "is 'approver_2', not"),
        ("fin", APPROVAL_INSERT, ("request", 1, "approver_2", "fin"), "that needs the 'approver'"),
        ("ret", APPROVAL_INSERT, ("request", 1, "approver_2", "ret"), "it is your own request"),
        ("ap1", APPROVAL_INSERT, ("request", 1, "approver_2", "ap1"), "You already decided"),
        (
            "ap1",
            "UPDATE approval SET decision = 'rejected' WHERE request_id = %s",
            ("request",),
            "is final",
        ),
        ("ap1", "DELETE FROM approval WHERE request_id = %s", ("request",), "is final"),
    ],
)
def test_a_team_lead_role_may_not_write_past_the_approval_rules(
    db: OpenedDatabase, crew: Crew, who: str, sql: str, args: tuple[Any, ...], words: str
) -> None:
    request_id = waiting_at_step_two(crew)
    before = rows()

    def value(arg: Any) -> Any:
        if arg == "request":
            return request_id
        if arg in ("ret", "ap1", "ap2", "fin"):
            return crew.id(getattr(crew, arg))
        return arg

    message = raw(db, getattr(crew, who), sql, tuple(value(arg) for arg in args))
    assert words in message, message
    assert "\n" not in message
    assert rows() == before


def test_a_decided_request_stays_decided_and_a_draft_is_made_as_a_draft(
    db: OpenedDatabase, crew: Crew
) -> None:
    with connection():
        made = requests.create_request(crew.ret, ACME, "reduce", SOON, retention=True)
        decisions.submit_request(crew.ret, made.request_id)
        decisions.approve_request(crew.ap1, made.request_id)
        decisions.approve_request(crew.ap2, made.request_id)
    before = rows()
    for sql, words in (
        ("UPDATE change_request SET notes = 'changed' WHERE id = %s", "is approved"),
        ("UPDATE change_request SET state = 'rejected' WHERE id = %s", "is approved"),
    ):
        assert words in raw(db, crew.ret, sql, (made.request_id,))
    assert "is created as a draft" in raw(
        db,
        crew.ret,
        "INSERT INTO change_request (customer_id, kind, state, effective_date, credit, notes, "
        "retention, created_by_id, created_at, round, step, chain, version) "
        "SELECT customer_id, kind, 'approved', effective_date, credit, notes, retention, "
        "created_by_id, now(), 1, 0, '[]', 1 FROM change_request WHERE id = %s",
        (made.request_id,),
    )
    assert rows() == before


# ----------------------------------------------------------------------------- the rightful paths


def test_the_data_layer_through_team_lead_roles_passes_the_guards(
    db: OpenedDatabase, world: World, crew: Crew
) -> None:
    with connected_as(db, crew.ret):
        made = requests.create_request(crew.ret, ACME, "cancel", SOON, credit="100", retention=True)
        request_id = made.request_id
        requests.edit_request(crew.ret, request_id, notes="Leaving for a rival")
        decisions.submit_request(crew.ret, request_id)
        decisions.recall_request(crew.ret, request_id)
        decisions.submit_request(crew.ret, request_id)
    with connected_as(db, crew.ap1):
        decisions.approve_request(crew.ap1, request_id, "Fine by me")
    with connected_as(db, crew.ap2):
        decisions.reject_request(crew.ap2, request_id, "Credit too high")
    with connected_as(db, crew.ret):
        requests.edit_request(crew.ret, request_id, credit="50")
        decisions.submit_request(crew.ret, request_id)
    for approver in (crew.ap2, crew.ap1, crew.fin):
        with connected_as(db, approver):
            decisions.approve_request(approver, request_id)
    shown = request_views.show_request(request_id)
    assert (shown.state, shown.round) == (RequestState.APPROVED, 3)
    assert [s.by for s in shown.steps] == ["Dustin Approver", "Jordan Price", "Fiona Finance"]

    # a pause, approved without a credit, then resumed by the retention team
    with connected_as(db, crew.ret):
        end = dt.date.today() + dt.timedelta(days=5)
        paused = requests.create_request(
            crew.ret, ACME, "pause", dt.date.today(), end_date=end, retention=True
        )
        decisions.submit_request(crew.ret, paused.request_id)
    for approver in (crew.ap1, crew.ap2):
        with connected_as(db, approver):
            decisions.approve_request(approver, paused.request_id)
    assert world.now().status == CustomerStatus.PAUSED
    with connected_as(db, crew.ret):
        pause.resume(crew.ret, ACME)
    with connection():
        assert world.now().status == CustomerStatus.LIVE
        resumed = ChangeRequest.get_by_id(paused.request_id)
        assert resumed.resumed_by_id == crew.id(crew.ret)
        assert chain.verify(database.obj).first_break is None


# ----------------------------------------------------------------------------- the owner


def test_the_owner_keeps_its_rights(db: OpenedDatabase, crew: Crew) -> None:
    request_id = waiting_at_step_two(crew)
    role = grants.connected_role()
    assert role is not None and role.administers
    owner = psycopg2.connect(db.location)
    try:
        with owner.cursor() as cursor:
            cursor.execute("SELECT event_hash FROM audit_event ORDER BY id DESC LIMIT 1")
            last = cursor.fetchone()[0]
            content = {"at": dt.datetime(2026, 1, 5), "actor_id": crew.id(crew.ap1), "action": "x"}
            cursor.execute(
                "INSERT INTO audit_event (at, actor_id, action, record_kind, before, after, "
                "previous_hash, event_hash) VALUES (%s, %s, 'x', '', '', '', %s, %s)",
                (content["at"], content["actor_id"], last, chain.event_hash(last, content)),
            )
            for sql, args, count in (
                (APPROVAL_INSERT, (request_id, 1, "approver_2", crew.id(crew.ap1)), 1),
                (
                    "UPDATE approval SET decision = 'rejected' WHERE request_id = %s",
                    (request_id,),
                    2,
                ),
                ("DELETE FROM approval WHERE request_id = %s AND step = 1", (request_id,), 1),
                (
                    "UPDATE change_request SET state = 'draft', step = 5 WHERE id = %s",
                    (request_id,),
                    1,
                ),
                ("DELETE FROM change_request WHERE id = %s", (request_id,), 1),
            ):
                cursor.execute(sql, args)
                assert cursor.rowcount == count, sql
        owner.rollback()  # it could: the database is left as it was
    finally:
        owner.close()


# ----------------------------------------------------------------------------- the migration


def test_migration_0019_applies_on_an_existing_database(bare_db: OpenedDatabase) -> None:
    old = bare_db.database
    p = old.param
    with old.connection_context():
        migrate_schema(old, target="0001_initial")
        insert_old_shape(old)
        migrate_schema(old, target="0018_report_indexes")
        olive, customer = (
            old.execute_sql(sql, (key,)).fetchone()[0]
            for sql, key in (
                (f'SELECT id FROM "user" WHERE login = {p}', "olive"),
                (f'SELECT id FROM "customer" WHERE account = {p}', "700001"),
            )
        )
        old.execute_sql(
            "INSERT INTO change_request (customer_id, kind, state, effective_date, credit, notes, "
            "retention, created_by_id, created_at, submitted_by_id, submitted_at, round, step, "
            "chain, version) "
            f"VALUES ({p}, 'reduce', 'submitted', {p}, 0, '', {p}, {p}, {p}, {p}, {p}, 1, 0, "
            f"""'[{{"key": "approver_1", "label": "First", "user": null, "role": "approver"}}]', 2)""",
            (customer, SOON, False, olive, dt.datetime(2025, 3, 2), olive, dt.datetime(2025, 3, 2)),
        )
    old.close()

    opened = open_database(bare_db.location)  # applies 0019
    with connection():
        assert ChangeRequest.select().count() == 1
        if bare_db.backend == "postgres":
            found = database.execute_sql(
                "SELECT DISTINCT trigger_name FROM information_schema.triggers "
                "WHERE event_object_table IN ('audit_event', 'approval', 'change_request')"
            ).fetchall()
            assert {row[0] for row in found} >= GUARDS
        else:
            found = database.execute_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN ('approval', 'change_request')"
            ).fetchall()
            assert found == []  # SQLite has no roles: nothing to guard against
        # the owner still writes as it likes
        assert ChangeRequest.update(notes="by the owner").execute() == 1
    opened.close()
