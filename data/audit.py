"""Who may do what, and the audit trail every change writes in its own transaction."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Iterable, Mapping
from typing import Any

from data.errors import NotAllowed
from data.models import (
    ROLE_ADMIN,
    ROLE_CANCELLATION,
    AuditEvent,
    Cancellation,
    Customer,
    User,
    utcnow,
)

CANCELLATION_ROLES = (ROLE_CANCELLATION, ROLE_ADMIN)


def actor(login: str) -> User:
    """The active user with this login, or NotAllowed that says how to get one."""
    user = User.get_or_none(User.login == (login or "").strip())
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
        "at": utcnow(),
        "actor": who.id,
        "customer": customer.id if customer is not None else None,
        "cancellation": cancellation.id if cancellation is not None else None,
        "action": action,
        "record_kind": record_kind,
        "record_id": record_id,
        "before": _json(before or {}),
        "after": _json(after or {}),
    }


def record(events: Iterable[dict[str, Any]], batch: int = 500) -> int:
    """Write audit rows; call inside the transaction of the change they describe."""
    rows = list(events)
    for start in range(0, len(rows), batch):
        AuditEvent.insert_many(rows[start : start + batch]).execute()
    return len(rows)
