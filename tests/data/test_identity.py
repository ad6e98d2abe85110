"""Who acts, on a shared database: on PostgreSQL the connection's role (data.audit.acting_login),
made for a team lead by ``grant_role`` (data.grants) with the privileges a team lead needs and no
more; the owner of offboard's tables administers and may act as any user. On SQLite the login
given is the identity, and there are no roles to grant.

Roles are cluster-wide: each test's roles get random names and are dropped afterwards."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlparse

import psycopg2
import pytest
from psycopg2 import errors

from data import audit, cancellations, grants, users
from data.db import connection, database, open_database
from data.errors import NotAllowed, NotFound
from data.models import AuditEvent, Customer
from tests.conftest import OpenedDatabase, drop_roles
from tests.data.world import ADMIN, LEAD, World


def role_url(location: str, role: str) -> str:
    parsed = urlparse(location)
    host = parsed.netloc.rsplit("@", 1)[-1]
    return parsed._replace(netloc=f"{role}@{host}").geturl()


@pytest.fixture
def leads(world: World, db: OpenedDatabase) -> Iterator[list[str]]:
    """Two team leads with offboard users and (on PostgreSQL) database roles of their own; the
    first is also a CRM admin in offboard. Their roles are dropped when the test ends."""
    tag = secrets.token_hex(4)
    names = [f"lead_a_{tag}", f"lead_b_{tag}"]
    users.add_user(ADMIN, names[0], "Lead A", roles=["customer-cancellation", "crm-admin"])
    users.add_user(ADMIN, names[1], "Lead B", roles=["customer-cancellation"])
    if db.backend == "sqlite":
        yield names
        return
    try:
        for name in names:
            grants.grant_role(name)
        yield names
    finally:
        drop_roles(db.database, names)


@contextmanager
def connected_as(db: OpenedDatabase, role: str) -> Iterator[None]:
    """Point the data layer at the database through ``role``'s own connection, as that team
    lead's offboard would; back to the owner's afterwards."""
    owner = database.obj
    opened = open_database(role_url(db.location, role), create=False)
    opened.connect(reuse_if_open=True)
    try:
        yield
    finally:
        opened.close()
        database.initialize(owner)


def postgres_only(db: OpenedDatabase) -> None:
    if db.backend != "postgres":
        pytest.skip("database roles are PostgreSQL's; SQLite is tested on its own below")


# ----------------------------------------------------------------------------- PostgreSQL


def test_a_team_lead_acts_as_their_role_and_a_different_user_is_refused(
    world: World, db: OpenedDatabase, leads: list[str]
) -> None:
    postgres_only(db)
    first, second = leads
    with connected_as(db, first):
        cancellations.begin(first, world.account)
        assert audit.acting_login("", chosen=False) == first
        # a login that is only the machine's (not chosen by the person) gives way to the role
        assert audit.acting_login("somebody", chosen=False) == first
    with connected_as(db, second), connection():
        with pytest.raises(NotAllowed) as refused:
            audit.actor(first)
        assert str(refused.value) == (
            f"you are connected as {second}; --user {first} is refused: "
            "on PostgreSQL you act as your database role"
        )
        with pytest.raises(NotAllowed, match=f"you are connected as {second}; --user {first}"):
            cancellations.remove(first, world.account)
        assert audit.actor(second).login == second
    with connection():
        event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
        assert (event.action, event.actor.login) == ("begin", first)
        assert Customer.get_by_id(world.customer_id).status != "Live"


def test_the_owner_administers_and_may_act_as_any_user(
    world: World, db: OpenedDatabase, leads: list[str]
) -> None:
    postgres_only(db)
    role = grants.connected_role()
    assert role is not None and role.administers
    with connection():
        assert audit.actor(leads[1]).login == leads[1]
        assert audit.acting_login(LEAD) == LEAD
    cancellations.begin(leads[1], world.account)


def test_a_team_lead_role_cannot_raise_its_own_roles(
    world: World, db: OpenedDatabase, leads: list[str]
) -> None:
    postgres_only(db)
    first, second = leads
    # in the data layer: a team lead may not raise their own roles
    with connected_as(db, second), pytest.raises(NotAllowed, match="cannot change users"):
        users.update_user(second, second, roles=["crm-admin"])
    # nor may a team lead who is a CRM admin in offboard, through their own role
    with connected_as(db, first):
        with pytest.raises(NotAllowed, match=f"You are connected as {first}: on PostgreSQL"):
            users.update_user(first, first, roles=["crm-admin"])
        with pytest.raises(NotAllowed, match=f"You are connected as {first}: on PostgreSQL"):
            users.update_user(first, second, roles=["crm-admin"])
        with pytest.raises(NotAllowed, match=f"You are connected as {first}: on PostgreSQL"):
            users.add_user(first, f"x{first}", "Someone")
    # and the database refuses it too: the role may only read the user table
    raw = psycopg2.connect(role_url(db.location, second))
    try:
        with pytest.raises(errors.InsufficientPrivilege), raw.cursor() as cursor:
            cursor.execute("UPDATE \"user\" SET roles = 'crm-admin' WHERE login = %s", (second,))
    finally:
        raw.close()
    assert [tuple(u.roles) for u in users.list_users() if u.login == second] == [
        ("customer-cancellation",)
    ]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_event SET action = 'nothing happened'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
        "ALTER TABLE audit_event DISABLE TRIGGER USER",
        "ALTER TABLE audit_event DROP COLUMN event_hash",
        "DROP INDEX audit_event_previous_hash",
    ],
)
def test_a_team_lead_role_may_not_change_the_trail(
    world: World, db: OpenedDatabase, leads: list[str], sql: str
) -> None:
    postgres_only(db)
    before = world.snapshot()
    raw = psycopg2.connect(role_url(db.location, leads[1]))
    try:
        with pytest.raises(errors.InsufficientPrivilege), raw.cursor() as cursor:
            cursor.execute(sql)
    finally:
        raw.close()
    assert world.snapshot() == before


def test_a_team_lead_role_may_add_to_and_read_the_trail(
    world: World, db: OpenedDatabase, leads: list[str]
) -> None:
    postgres_only(db)
    with connected_as(db, leads[1]):
        cancellations.begin(leads[1], world.account)
    raw = psycopg2.connect(role_url(db.location, leads[1]))
    try:
        with raw.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM audit_event")
            assert cursor.fetchone()[0] >= 1
            cursor.execute(  # as itself: another actor is refused (tests/data/test_lead_guards)
                "INSERT INTO audit_event (at, actor_id, action, record_kind, before, after, "
                "previous_hash, event_hash) SELECT now(), id, 'note', '', '{}', '{}', "
                "'x', 'y' FROM \"user\" WHERE login = current_user"
            )
            assert cursor.rowcount == 1
        raw.rollback()  # it could: the chain is left as it was
    finally:
        raw.close()


def test_only_the_owner_may_grant_and_only_to_an_offboard_user(
    world: World, db: OpenedDatabase, leads: list[str]
) -> None:
    postgres_only(db)
    with pytest.raises(NotFound, match="There is no offboard user 'nobody_here'"):
        grants.grant_role("nobody_here")
    refusal = f"You are connected as {leads[0]}, which does not"
    with connected_as(db, leads[0]), pytest.raises(NotAllowed, match=refusal):
        grants.grant_role(leads[1])
    owner = grants.connected_role()
    assert owner is not None
    users.add_user(ADMIN, owner.name, "The Owner")
    with pytest.raises(NotAllowed, match="owns offboard's tables or is a superuser"):
        grants.grant_role(owner.name)
    # granting again brings the role up to date
    again = grants.grant_role(leads[1])
    assert (again.role, again.created) == (leads[1], False)
    assert again.url == role_url(db.location, leads[1])


# ----------------------------------------------------------------------------- SQLite


def test_on_sqlite_the_login_is_the_identity_and_there_are_no_roles(
    world: World, db: OpenedDatabase, leads: list[str]
) -> None:
    if db.backend != "sqlite":
        pytest.skip("SQLite only")
    assert grants.connected_role() is None
    with connection():
        assert audit.acting_login(leads[1]) == leads[1]
        assert audit.actor(leads[0]).login == leads[0]
    with pytest.raises(NotAllowed, match="a SQLite file has no database roles"):
        grants.grant_role(leads[0])
    users.update_user(leads[0], leads[1], roles=["crm-admin"])  # a CRM admin still may
