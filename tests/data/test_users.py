"""Users and the reason list, both in a CRM admin's hands."""

from __future__ import annotations

import pytest

from data import users
from data.db import connection
from data.errors import NotAllowed
from data.models import AuditEvent, User
from tests.conftest import OpenedDatabase
from tests.data.world import ADMIN, TESS, World


def test_the_first_user_of_an_empty_database_becomes_an_admin(db: OpenedDatabase) -> None:
    first = users.add_user(None, "first", "First One", "first@example.com")

    assert first.roles == ("crm-admin",)
    with connection():
        event = AuditEvent.get()
        assert (event.action, event.actor.login) == ("add user", "first")

    # the second needs an admin
    with pytest.raises(NotAllowed, match="There is no offboard user ''"):
        users.add_user(None, "second", "Second")
    second = users.add_user("first", "second", "Second", roles=["Customer-Cancellation "])
    assert second.roles == ("customer-cancellation",)


def test_add_list_and_update_users(world: World) -> None:
    added = users.add_user(
        ADMIN,
        "new.lead",
        "  New   Lead ",
        " new@example.com ",
        ["customer-cancellation", "crm-admin", "crm-admin"],
    )
    assert added == users.UserRow(
        "new.lead", "New Lead", "new@example.com", ("crm-admin", "customer-cancellation"), True
    )

    changed = users.update_user(ADMIN, "new.lead", roles=["customer-cancellation"], email="")
    assert (changed.roles, changed.email) == (("customer-cancellation",), "")
    users.update_user(ADMIN, "new.lead", active=False)

    everyone = [u.login for u in users.list_users()]
    active = [u.login for u in users.list_users(include_inactive=False)]
    assert everyone == sorted(everyone)
    assert "new.lead" in everyone and "new.lead" not in active
    assert "gone" in everyone and "gone" not in active
    with connection():
        assert User.get(User.login == "new.lead").active is False


def test_reasons_are_added_in_order_retired_and_restored(world: World) -> None:
    relocated = users.add_reason(ADMIN, "  Relocated   abroad ")
    assert relocated.name == "Relocated abroad"

    names = [r.name for r in users.list_reasons()]
    assert names == ["Price", "Moved to a competitor", "Budget cuts", "Relocated abroad"]
    assert "Fax" in [r.name for r in users.list_reasons(include_retired=True)]

    users.retire_reason(ADMIN, relocated.id)
    assert "Relocated abroad" not in [r.name for r in users.list_reasons()]
    restored = users.retire_reason(ADMIN, relocated.id, active=True)
    assert restored.active is True
    assert [r.name for r in users.list_reasons()][-1] == "Relocated abroad"


def test_an_admin_may_change_another_admin_but_not_demote_themselves(world: World) -> None:
    users.add_user(ADMIN, "second.admin", "Second Admin", roles=["crm-admin"])
    users.update_user(ADMIN, "second.admin", roles=[])
    assert users.update_user(ADMIN, TESS, roles=["crm-admin"]).roles == ("crm-admin",)
