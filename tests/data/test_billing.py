"""A customer's billing on both backends: invoices past due counted by "today" where the customer
is, amounts, the account's billing status (validated, audited, refused without the role), and
the phrases in Billing's notes that the tool highlights."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal

import pytest

from data import billing, demo, outbox
from data.cancellations import set_billing_status
from data.db import connection
from data.errors import InvalidInput, NotAllowed, NotFound
from data.models import (
    AuditEvent,
    BillingStatus,
    Case,
    Customer,
    Invoice,
    InvoiceStatus,
)
from tests.conftest import OpenedDatabase
from tests.data.world import ADMIN, GONE, LEAD, VIEWER, World

Clock = Callable[[dt.datetime], None]

# 03:00 UTC on Tuesday 10 March 2026: still Monday 9 March in Los Angeles.
MOMENT = dt.datetime(2026, 3, 10, 3, 0)
LA = "America/Los_Angeles"


def customer(world: World) -> Customer:
    with connection():
        return Customer.get_by_id(world.customer_id)


def invoices(world: World) -> None:
    """Four invoices of Acme Widgets, one of them due on Monday 9 March 2026."""
    billing.add_invoice(
        LEAD,
        world.account,
        "INV-1",
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
        Decimal("100.00"),
        paid_on=dt.date(2026, 1, 28),
    )
    billing.add_invoice(
        LEAD, world.account, "INV-2", dt.date(2026, 2, 1), dt.date(2026, 3, 1), Decimal("250.50")
    )
    billing.add_invoice(
        LEAD, world.account, "INV-3", dt.date(2026, 2, 9), dt.date(2026, 3, 9), Decimal("75.25")
    )
    billing.add_invoice(
        LEAD, world.account, " INV-4 ", dt.date(2026, 3, 1), dt.date(2026, 4, 1), Decimal("300")
    )


def note(world: World, text: str, *, days_ago: int, subject: str = "Billing note") -> int:
    with connection():
        made = Case.create(
            customer=world.customer_id,
            subject=subject,
            status="Closed",
            closed=True,
            opened_at=dt.datetime(2026, 3, 1, 12, 0) - dt.timedelta(days=days_ago),
            billing_note=text,
        )
        return int(made.id)


# ----------------------------------------------------------------------------- the summary


@pytest.mark.parametrize(
    ("zone", "past_due", "past_due_amount"),
    [
        # Monday 9 March there: the invoice due that day is not past due yet
        (LA, 1, Decimal("250.50")),
        # Tuesday 10 March there: it is
        ("UTC", 2, Decimal("325.75")),
    ],
)
def test_the_summary_counts_invoices_past_due_today_where_the_customer_is(
    world: World, clock: Clock, zone: str, past_due: int, past_due_amount: Decimal
) -> None:
    clock(MOMENT)
    world.details(time_zone=zone, billing_status=BillingStatus.PAST_DUE)
    invoices(world)

    summary = billing.summary(customer(world))

    assert (summary.status, summary.invoices, summary.past_due) == (
        BillingStatus.PAST_DUE,
        4,
        past_due,
    )
    assert summary.past_due_amount == past_due_amount
    assert summary.open_amount == Decimal("625.75")  # every unpaid invoice, due or not
    assert summary.line() == (
        f"Billing: Past due · {past_due} of 4 invoices past due ({past_due_amount:,.2f})"
    )


def test_a_customer_without_invoices_has_an_empty_summary(world: World) -> None:
    summary = billing.summary(customer(world))

    assert (summary.status, summary.invoices, summary.past_due) == (BillingStatus.CURRENT, 0, 0)
    assert summary.past_due_amount == summary.open_amount == Decimal(0)
    assert summary.line() == "Billing: Current · no invoices on record"


def test_paid_invoices_are_never_past_due(world: World, clock: Clock) -> None:
    clock(MOMENT)
    billing.add_invoice(
        LEAD,
        world.account,
        "INV-OLD",
        dt.date(2025, 1, 1),
        dt.date(2025, 2, 1),
        Decimal("1234.50"),
        paid_on=dt.date(2025, 3, 15),  # paid late, but paid
    )

    summary = billing.summary(customer(world))

    assert (summary.invoices, summary.past_due, summary.open_amount) == (1, 0, Decimal(0))


def test_the_amounts_are_exact_to_the_cent(world: World, clock: Clock) -> None:
    clock(MOMENT)
    billing.add_invoice(
        LEAD, world.account, "INV-A", dt.date(2026, 1, 1), dt.date(2026, 2, 1), Decimal("10.10")
    )
    billing.add_invoice(
        LEAD, world.account, "INV-B", dt.date(2026, 1, 1), dt.date(2026, 2, 1), Decimal("20.20")
    )

    summary = billing.summary(customer(world))

    assert summary.past_due_amount == Decimal("30.30")
    assert summary.open_amount == Decimal("30.30")


# ----------------------------------------------------------------------------- the billing view


@pytest.mark.parametrize(
    ("zone", "statuses", "overdue"),
    [
        (
            LA,
            [InvoiceStatus.OPEN, InvoiceStatus.OPEN, InvoiceStatus.PAST_DUE, InvoiceStatus.PAID],
            [0, 0, 8, 0],
        ),
        (
            "UTC",
            [
                InvoiceStatus.OPEN,
                InvoiceStatus.PAST_DUE,
                InvoiceStatus.PAST_DUE,
                InvoiceStatus.PAID,
            ],
            [0, 1, 9, 0],
        ),
    ],
)
def test_the_invoices_come_latest_due_first_with_their_status_there(
    world: World, clock: Clock, zone: str, statuses: list[str], overdue: list[int]
) -> None:
    clock(MOMENT)
    world.details(time_zone=zone)
    invoices(world)

    view = billing.billing(world.account)

    assert (view.account, view.name, view.time_zone) == (world.account, "Acme Widgets", zone)
    assert [row.number for row in view.invoices] == ["INV-4", "INV-3", "INV-2", "INV-1"]
    assert [row.status for row in view.invoices] == statuses
    assert [row.days_overdue for row in view.invoices] == overdue
    assert [row.amount for row in view.invoices] == [
        Decimal("300"),
        Decimal("75.25"),
        Decimal("250.50"),
        Decimal("100.00"),
    ]
    assert [row.paid_on for row in view.invoices] == [None, None, None, dt.date(2026, 1, 28)]
    assert view.summary == billing.summary(customer(world))


def test_invoices_due_the_same_day_come_newest_first_and_the_list_is_limited(
    world: World,
) -> None:
    for number in ("INV-X", "INV-Y", "INV-Z"):
        billing.add_invoice(
            LEAD, world.account, number, dt.date(2026, 1, 1), dt.date(2026, 2, 1), Decimal(1)
        )

    view = billing.billing(world.account, invoices=2)

    assert [row.number for row in view.invoices] == ["INV-Z", "INV-Y"]
    assert view.summary.invoices == 3  # the summary counts them all


def test_billings_notes_come_newest_first_with_their_highlights(world: World) -> None:
    older = note(world, "Customer paid in full.", days_ago=10, subject="Final invoice")
    newer = note(world, "Sent to collections. Bill till payout stopped.", days_ago=1)
    with connection():
        Case.create(customer=world.customer_id, subject="Login issue")  # no billing note

    notes = billing.billing(world.account).notes

    assert [(n.case_id, n.subject, n.status) for n in notes] == [
        (newer, "Billing note", "Closed"),
        (older, "Final invoice", "Closed"),
    ]
    assert notes[0].opened_at == dt.datetime(2026, 2, 28, 12, 0)
    assert notes[0].phrases == ("collections", "bill till payout")
    assert notes[1].phrases == ("paid in full",)
    assert notes[1].highlights == (billing.Highlight(9, 21, "paid in full"),)


def test_an_unknown_account_has_no_billing(world: World) -> None:
    with pytest.raises(NotFound, match=r"^There is no customer with account number '999999'\.$"):
        billing.billing("999999")


# ----------------------------------------------------------------------------- highlights


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Sent to collections. No further contact.", [("collections", "collections")]),
        ("COLLECTIONS agency engaged", [("COLLECTIONS", "collections")]),
        ("Passed to a collection agency", [("collection", "collections")]),
        ("Customer paid in full on 1 March.", [("paid in full", "paid in full")]),
        ("Account set to Bill till Payout.", [("Bill till Payout", "bill till payout")]),
        ("Billed until payout, see contract", [("Billed until payout", "bill till payout")]),
        ("bill to payout", [("bill to payout", "bill till payout")]),
        ("billed   till\npayout", [("billed   till\npayout", "bill till payout")]),
        (
            "Per the Terms & Conditions, billed till payout",
            [
                ("Terms & Conditions", "terms and conditions"),
                ("billed till payout", "bill till payout"),
            ],
        ),
        # not inside other words
        ("Recollections of the call; uncollectible", []),
        ("unpaid in full", []),
        ("prepaid in fullness", []),
        # hyphens do not join the words the way spaces do
        ("bill-till-payout", []),
        ("", []),
    ],
)
def test_the_phrases_that_matter_are_found_where_they_are(
    text: str, found: list[tuple[str, str]]
) -> None:
    expected = tuple(
        billing.Highlight(text.index(part), text.index(part) + len(part), phrase)
        for part, phrase in found
    )

    assert billing.flagged(text) == expected


def test_a_phrase_found_twice_is_highlighted_twice_and_named_once(world: World) -> None:
    text = "collections called; collections again"
    note(world, text, days_ago=0)

    [found] = billing.billing(world.account).notes

    assert found.highlights == (
        billing.Highlight(0, 11, "collections"),
        billing.Highlight(20, 31, "collections"),
    )
    assert found.phrases == ("collections",)


# ----------------------------------------------------------------------------- invoices in


def test_an_invoice_is_paid_when_it_has_a_payment_date(world: World) -> None:
    paid = billing.add_invoice(
        LEAD,
        world.account,
        "INV-P",
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
        Decimal("5"),
        paid_on=dt.date(2026, 1, 2),
    )
    unpaid = billing.add_invoice(
        LEAD, world.account, "INV-U", dt.date(2026, 1, 1), dt.date(2026, 1, 1), Decimal("0")
    )

    with connection():
        assert Invoice.get_by_id(paid.id).status == InvoiceStatus.PAID
        assert Invoice.get_by_id(unpaid.id).status == InvoiceStatus.OPEN


def test_an_invoice_is_added_as_a_user_with_an_audit_event(world: World) -> None:
    invoice = billing.add_invoice(
        ADMIN,
        world.account,
        " INV-7 ",
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
        Decimal("12.50"),
        paid_on=dt.date(2026, 1, 20),
    )

    with connection():
        event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
        assert Invoice.get_by_id(invoice.id).number == "INV-7"
    assert (event.actor.login, event.action, event.customer_id) == (
        ADMIN,
        "add invoice",
        world.customer_id,
    )
    assert (event.record_kind, event.record_id) == ("invoice", invoice.id)
    assert json.loads(event.after) == {
        "amount": "12.50",
        "due_date": "2026-02-01",
        "issued_on": "2026-01-01",
        "number": "INV-7",
        "paid_on": "2026-01-20",
    }


@pytest.mark.parametrize(
    ("login", "problem"),
    [
        (
            VIEWER,
            "Vic Viewer cannot add an invoice: that needs the 'customer-cancellation' or "
            "'crm-admin' role.",
        ),
        (GONE, "The user 'gone' is deactivated. Ask a CRM admin to reactivate it."),
        ("nobody", "There is no offboard user 'nobody'."),
    ],
)
def test_adding_an_invoice_needs_an_active_user_with_the_role(
    world: World, login: str, problem: str
) -> None:
    before = world.snapshot()

    with pytest.raises(NotAllowed) as refused:
        billing.add_invoice(
            login, world.account, "INV-8", dt.date(2026, 1, 1), dt.date(2026, 2, 1), Decimal(1)
        )

    assert str(refused.value).startswith(problem)
    assert world.snapshot() == before


@pytest.mark.parametrize(
    ("number", "amount", "problem"),
    [
        ("", Decimal(1), "'' is not an invoice number: give 1 to 32 characters."),
        (
            "N" * 200,
            Decimal(1),
            f"'{'N' * 80}… (200 characters)' is not an invoice number: give 1 to 32 characters.",
        ),
        (
            "INV-9",
            Decimal("1e10"),
            "Invoice INV-9 has the amount '1E+10': give 0 to 9,999,999,999.99.",
        ),
        (
            "INV-9",
            Decimal("NaN"),
            "Invoice INV-9 has the amount 'NaN': give 0 to 9,999,999,999.99.",
        ),
    ],
)
def test_an_invoice_number_or_amount_the_database_cannot_hold_is_refused(
    world: World, number: str, amount: Decimal, problem: str
) -> None:
    before = world.snapshot()

    with pytest.raises(InvalidInput) as refused:
        billing.add_invoice(
            LEAD, world.account, number, dt.date(2026, 1, 1), dt.date(2026, 2, 1), amount
        )

    assert str(refused.value) == problem
    assert world.snapshot() == before


@pytest.mark.parametrize(
    ("account", "issued", "due", "amount", "error", "problem"),
    [
        (
            "500001",
            dt.date(2026, 2, 1),
            dt.date(2026, 1, 31),
            Decimal(1),
            InvalidInput,
            "Invoice INV-9 is due (2026-01-31) before it was issued (2026-02-01).",
        ),
        (
            "500001",
            dt.date(2026, 1, 1),
            dt.date(2026, 2, 1),
            Decimal("-0.01"),
            InvalidInput,
            "Invoice INV-9 has a negative amount (-0.01).",
        ),
        (
            "999999",
            dt.date(2026, 1, 1),
            dt.date(2026, 2, 1),
            Decimal(1),
            NotFound,
            "There is no customer with account number '999999'.",
        ),
    ],
)
def test_a_bad_invoice_is_refused(
    world: World,
    account: str,
    issued: dt.date,
    due: dt.date,
    amount: Decimal,
    error: type[Exception],
    problem: str,
) -> None:
    before = world.snapshot()

    with pytest.raises(error) as refused:
        billing.add_invoice(LEAD, account, "INV-9", issued, due, amount)

    assert str(refused.value) == problem
    assert world.snapshot() == before


# ----------------------------------------------------------------------------- billing status


def test_the_billing_status_is_set_audited_and_bumps_the_version(world: World) -> None:
    version = world.version()

    said = set_billing_status(LEAD, world.account, "  past DUE ")

    assert said == "Acme Widgets is now Past due."
    assert world.now().billing_status == BillingStatus.PAST_DUE
    assert world.version() == version + 1
    with connection():
        event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert (event.action, event.actor.login, event.customer_id, event.cancellation_id) == (
        "set billing status",
        LEAD,
        world.customer_id,
        None,
    )
    assert json.loads(event.before) == {"billing_status": BillingStatus.CURRENT}
    assert json.loads(event.after) == {"billing_status": BillingStatus.PAST_DUE}


def test_a_crm_admin_may_set_the_billing_status(world: World) -> None:
    said = set_billing_status(ADMIN, world.account, BillingStatus.COLLECTIONS)

    assert said == (
        "Acme Widgets is now Sent to collections. Nobody may contact its admin from now on."
    )
    assert world.actions()[-1] == "set billing status"
    with connection():
        assert AuditEvent.select().order_by(AuditEvent.id.desc()).get().actor.login == ADMIN


def test_the_status_it_already_has_writes_nothing(world: World) -> None:
    before = world.snapshot()

    assert set_billing_status(LEAD, world.account, "current") == "Acme Widgets is already Current."
    assert world.snapshot() == before


@pytest.mark.parametrize(
    ("who", "account", "status", "error", "problem"),
    [
        (
            LEAD,
            "500001",
            "Paid",
            InvalidInput,
            "'Paid' is not a billing status. Use one of: Current, Past due, Sent to collections.",
        ),
        (
            LEAD,
            "500001",
            "",
            InvalidInput,
            "'' is not a billing status. Use one of: Current, Past due, Sent to collections.",
        ),
        (
            VIEWER,
            "500001",
            BillingStatus.PAST_DUE,
            NotAllowed,
            "Vic Viewer cannot change the billing status: that needs the "
            "'customer-cancellation' or 'crm-admin' role.",
        ),
        (
            GONE,
            "500001",
            BillingStatus.PAST_DUE,
            NotAllowed,
            "The user 'gone' is deactivated. Ask a CRM admin to reactivate it.",
        ),
        (
            LEAD,
            "999999",
            BillingStatus.PAST_DUE,
            NotFound,
            "There is no customer with account number '999999'.",
        ),
    ],
)
def test_a_bad_billing_status_change_is_refused_and_writes_nothing(
    world: World, who: str, account: str, status: str, error: type[Exception], problem: str
) -> None:
    before = world.snapshot()

    with pytest.raises(error) as refused:
        set_billing_status(who, account, status)

    assert str(refused.value) == problem
    assert world.snapshot() == before


# ----------------------------------------------------------------------------- the demo


def test_the_demos_billing(db: OpenedDatabase) -> None:
    demo.load(login="pat")

    with connection():
        past_due = Customer.get(Customer.account == "100020")
        assert (past_due.billing_status, past_due.time_zone) == (BillingStatus.PAST_DUE, LA)
        # two unpaid invoices: one due a month ago, one due today (UTC), not yet past due there
        summary = billing.summary(past_due)
        assert (summary.invoices, summary.past_due) == (12, 1)
        # past due alone does not stop anyone from writing to the admin
        assert outbox.no_contact_reason(past_due) == ""
        assert (
            Customer.get(Customer.account == "100015").billing_status == BillingStatus.COLLECTIONS
        )
    [renewal_note] = billing.billing("100012").notes
    assert renewal_note.phrases == ("bill till payout", "terms and conditions")
    [collections_note] = billing.billing("100015").notes
    assert collections_note.phrases == ("collections",)
