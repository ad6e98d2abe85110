"""Who may do what, and the audit trail every change writes in its own transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Iterable, Mapping
from typing import Any

from peewee import fn

from data import clock
from data.db import database, is_sqlite
from data.errors import NotAllowed, clip
from data.grants import connected_role
from data.models import (
    AuditEvent,
    Cancellation,
    Customer,
    Role,
    User,
)

CANCELLATION_ROLES = (Role.CANCELLATION, Role.ADMIN)
CHAIN_LOCK = 7305008  # the advisory lock that serialises appends to the chain (PostgreSQL)
_DEFAULTS: dict[str, Any] = {
    "customer": None,
    "cancellation": None,
    "record_kind": "",
    "record_id": None,
    "before": "{}",
    "after": "{}",
}


def acting_login(login: str | None, *, chosen: bool = True) -> str:
    """Who acts, given the login asked for (``--user``, ``OFFBOARD_USER``, the machine's login).

    SQLite (one person's file): the login asked for. PostgreSQL: the connection's role, the real
    boundary; a role that owns offboard's tables (or a superuser) administers and may act as any
    login. Any other role acts only as itself: a login ``chosen`` (named by the person, not just
    their machine's login name) that differs is refused."""
    wanted = (login or "").strip()
    role = connected_role()
    if role is None or role.administers:
        return wanted
    if chosen and wanted and wanted != role.name:
        raise NotAllowed(
            f"you are connected as {role.name}; --user {clip(wanted)} is refused: "
            "on PostgreSQL you act as your database role"
        )
    return role.name


def require_user_administration() -> None:
    """Refuse changing users and their roles on a PostgreSQL connection that does not
    administer: a team lead's own role must never raise its own roles (its role may not
    write the user table either)."""
    role = connected_role()
    if role is not None and not role.administers:
        raise NotAllowed(
            f"You are connected as {role.name}: on PostgreSQL, users and their roles are "
            "changed only through the connection of the role that owns offboard's tables."
        )


def actor(login: str) -> User:
    """The active user acting (see ``acting_login``), or NotAllowed that says how to get one."""
    login = acting_login(login)
    user = User.get_or_none(User.login == login)
    if user is None:
        raise NotAllowed(
            f"There is no offboard user '{login}'. Ask a CRM admin to add you: "
            f"offboard users add {login or 'LOGIN'} --name 'Your Name' --role customer-cancellation"
        )
    if not user.active:
        raise NotAllowed(f"The user '{login}' is deactivated. Ask a CRM admin to reactivate it.")
    return user


def require(user: User, *roles: str, doing: str) -> None:
    """Refuse unless the user has one of the roles."""
    if not user.has_any_role(*roles):
        needed = " or ".join(f"'{role}'" for role in roles)
        raise NotAllowed(f"{user.display_name} cannot {doing}: that needs the {needed} role.")


def require_cancellation_role(user: User, doing: str) -> None:
    require(user, *CANCELLATION_ROLES, doing=doing)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, User):
        return value.login
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(item) for item in value]
    return value


def _json(values: Mapping[str, Any]) -> str:
    return json.dumps({key: _plain(value) for key, value in values.items()}, sort_keys=True)


def event(
    who: User,
    action: str,
    *,
    customer: Customer | None = None,
    cancellation: Cancellation | None = None,
    record_kind: str = "",
    record_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One audit row, ready for ``record`` (kept as a dict so bulk changes insert in one go)."""
    return {
        "at": clock.now(),
        "actor": who.id,
        "customer": customer.id if customer is not None else None,
        "cancellation": cancellation.id if cancellation is not None else None,
        "action": action,
        "record_kind": record_kind,
        "record_id": record_id,
        "before": _json(before or {}),
        "after": _json(after or {}),
    }


def _last_hash() -> str:
    """The hash the next event follows, read with the chain held for this transaction.

    PostgreSQL: an advisory lock, held to the end of the writing transaction, makes concurrent
    writers append one after the other (each reads the hash the one before it committed).
    SQLite: every transaction begins IMMEDIATE (``data.db``), so writers already take turns
    before they read anything."""
    if not is_sqlite():
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (CHAIN_LOCK,))
    # The last event by its id's maximum: one index probe on both backends.
    newest = AuditEvent.select(fn.MAX(AuditEvent.id))
    last = AuditEvent.select(AuditEvent.event_hash).where(AuditEvent.id == newest).first()
    return str(last.event_hash) if last is not None else ""


def record(events: Iterable[dict[str, Any]], batch: int = 500) -> int:
    """Write audit rows, each chained to the one before it (``data.chain``); call inside the
    transaction of the change they describe. One multi-row INSERT per batch."""
    from data.chain import chain  # hashing: needed by a change, not to start

    rows = [{**_DEFAULTS, "at": clock.now(), **row} for row in events]
    if not rows:
        return 0
    with database.atomic():
        chain(_last_hash(), rows)
        for start in range(0, len(rows), batch):
            _insert(rows[start : start + batch])
    return len(rows)


def _insert(rows: list[dict[str, Any]]) -> None:
    """One multi-row INSERT of audit rows, its SQL written here: peewee's ``insert_many``
    composes 10,000 rows' SQL value by value, slower than the whole write. Each value still
    goes through its field's ``db_value``, as ``insert_many`` would."""
    fields = [field for field in AuditEvent._meta.sorted_fields if field.name != "id"]
    columns = ", ".join(f'"{field.column_name}"' for field in fields)
    row = "(" + ", ".join([database.param] * len(fields)) + ")"
    database.execute_sql(
        f'INSERT INTO "{AuditEvent._meta.table_name}" ({columns}) VALUES '
        + ", ".join([row] * len(rows)),
        [field.db_value(values[field.name]) for values in rows for field in fields],
    )
