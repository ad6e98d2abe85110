"""Who may do what: every operation refuses a user without the role, a deactivated user and an
unknown login, and writes nothing. (What a CRM admin may do is shown where each operation is
tested: test_operations.py, test_users.py, test_audit.py.)

The tests share one staged world (see ``world.stage``): Acme Widgets pending with open records,
Calm Co Live, Ready Co ready to process; so with the right role each call would succeed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from data import cancellations, users
from data.errors import NotAllowed
from tests.data.world import FORMER, GONE, LEAD, NOBODY, TESS, VIEWER, World

FUTURE = dt.date.today() + dt.timedelta(days=90)

# Each cancellation operation: what its refusal says the user cannot do, and a call by ``who``.
CANCELLATION_OPERATIONS: dict[str, tuple[str, Callable[[World, str], object]]] = {
    "begin": ("begin a cancellation", lambda w, who: cancellations.begin(who, "500002")),
    "remove": ("remove a cancellation", lambda w, who: cancellations.remove(who, w.account)),
    "process": ("process a cancellation", lambda w, who: cancellations.process(who, "500003")),
    "cease_assets": (
        "cease assets",
        lambda w, who: cancellations.cease_assets(who, w.account, dt.date(2026, 1, 1)),
    ),
    "close_cases": ("close cases", lambda w, who: cancellations.close_cases(who, w.account)),
    "close_records": (
        "close opportunities",
        lambda w, who: cancellations.close_records(who, w.account, "opportunities", "Lost"),
    ),
    "add_expiry": (
        "add an expiry",
        lambda w, who: cancellations.add_expiry(who, w.account, FUTURE),
    ),
    "choose_owner": (
        "choose the new owner",
        lambda w, who: cancellations.choose_owner(who, w.account, TESS),
    ),
    "apply_owner_now": (
        "choose the new owner",
        lambda w, who: cancellations.choose_owner(who, w.account, TESS, apply_now=True),
    ),
    "set_reasons": (
        "set the cancellation reasons",
        lambda w, who: cancellations.set_reasons(who, w.account, [w.reasons["Price"]], "x"),
    ),
    "set_mood": (
        "set the customer mood",
        lambda w, who: cancellations.set_mood(who, w.account, "Happy"),
    ),
    "set_notify": (
        "choose who is notified",
        lambda w, who: cancellations.set_notify(who, w.account, [TESS]),
    ),
}

ADMIN_OPERATIONS: dict[str, tuple[str, Callable[[World, str], object]]] = {
    "add_user": (
        "add users",
        lambda w, who: users.add_user(who, "newbie", "New Bie", "new@example.com"),
    ),
    "update_user": (
        "change users",
        lambda w, who: users.update_user(who, TESS, roles=["customer-cancellation"]),
    ),
    "add_reason": ("change the reason list", lambda w, who: users.add_reason(who, "Relocated")),
    "retire_reason": (
        "change the reason list",
        lambda w, who: users.retire_reason(who, w.reasons["Price"]),
    ),
    "restore_reason": (
        "change the reason list",
        lambda w, who: users.retire_reason(who, w.reasons["Fax"], active=True),
    ),
}

INACTIVE = "is deactivated. Ask a CRM admin to reactivate it."
UNKNOWN = "There is no offboard user 'nobody'. Ask a CRM admin to add you"


@pytest.mark.parametrize("operation", list(CANCELLATION_OPERATIONS))
def test_cancellation_operations_refuse_users_without_the_role(
    staged_world: World, operation: str
) -> None:
    doing, call = CANCELLATION_OPERATIONS[operation]
    needs = "that needs the 'customer-cancellation' or 'crm-admin' role."
    before = staged_world.snapshot()

    for who, says in (
        (VIEWER, f"Vic Viewer cannot {doing}: {needs}"),
        (GONE, f"The user 'gone' {INACTIVE}"),
        (FORMER, f"The user 'former' {INACTIVE}"),  # an admin, but deactivated
        (NOBODY, UNKNOWN),
        ("", "There is no offboard user ''"),
    ):
        with pytest.raises(NotAllowed) as refused:
            call(staged_world, who)
        assert str(refused.value).startswith(says), who
        assert staged_world.snapshot() == before, who


@pytest.mark.parametrize("operation", list(ADMIN_OPERATIONS))
def test_managing_users_and_reasons_needs_crm_admin(staged_world: World, operation: str) -> None:
    doing, call = ADMIN_OPERATIONS[operation]
    before = staged_world.snapshot()

    for who, says in (
        (LEAD, f"Lena Lead cannot {doing}: that needs the 'crm-admin' role."),
        (VIEWER, f"Vic Viewer cannot {doing}: that needs the 'crm-admin' role."),
        (GONE, f"The user 'gone' {INACTIVE}"),
        (FORMER, f"The user 'former' {INACTIVE}"),
        (NOBODY, UNKNOWN),
    ):
        with pytest.raises(NotAllowed) as refused:
            call(staged_world, who)
        assert str(refused.value).startswith(says), who
        assert staged_world.snapshot() == before, who
