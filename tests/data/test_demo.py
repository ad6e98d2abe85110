"""The demo data set loads through the real operations, and never overwrites data unasked."""

from __future__ import annotations

import pytest

from data import customers, demo
from data.db import connection
from data.models import AuditEvent, Customer, User
from tests.conftest import OpenedDatabase


def test_demo_loads_into_an_empty_database_and_refuses_a_full_one(db: OpenedDatabase) -> None:
    counts = demo.load(login="pat")

    assert counts["customers"] == 40
    assert counts["users"] == 7  # the six demo users and the one who ran it
    assert customers.customer_detail("100004").name == "Meridian Health Partners"
    assert customers.record_totals("100004")[0].total == 420
    nearly = customers.tool_view("100011")
    assert [section.name for section in nearly.red] == ["Sales orders"]
    assert customers.tool_view("100012").cancellation.begun_by == "Pat (you)"  # type: ignore[union-attr]
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

    again = demo.load(force=True, login="sam")  # replaces everything, even the audit trail
    assert again["customers"] == 40
    assert again["users"] == 6  # sam is one of the demo users already
    with connection():
        assert not User.select().where(User.login == "pat").exists()
        assert AuditEvent.select().count() == trail  # the same deterministic set, once
    assert customers.tool_view("100012").cancellation.begun_by == "Sam Lee"  # type: ignore[union-attr]
