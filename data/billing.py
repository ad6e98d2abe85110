"""A customer's billing, as the team lead checks it before deactivating (seed 001): invoices
with the past-due ones counted, the account's billing status, and Billing's notes on cases,
with the words that matter (collections, paid in full, bill till payout) found for highlighting."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from peewee import SQL, fn

from data import audit, statements
from data.dates import today_in
from data.db import connection, database
from data.errors import InvalidInput, clip
from data.models import (
    Case,
    Customer,
    Invoice,
    InvoiceStatus,
)

# What a team lead looks for in Billing's notes; each pattern is matched case-insensitively.
FLAGGED_PHRASES: dict[str, str] = {
    "collections": r"\bcollections?\b",
    "paid in full": r"\bpaid\s+in\s+full\b",
    "bill till payout": r"\bbill(?:ed)?\s+(?:till|until|to)\s+payout\b",
    "terms and conditions": r"\bterms\s+(?:and|&)\s+conditions\b",
}
_FLAGS = re.compile(
    "|".join(f"(?P<f{n}>{p})" for n, p in enumerate(FLAGGED_PHRASES.values())), re.IGNORECASE
)
_FLAG_NAMES = list(FLAGGED_PHRASES)
CENT = Decimal("0.01")
NUMBER_LIMIT = 32  # the invoice number column's width
AMOUNT_LIMIT = Decimal(10) ** 10  # the amount column holds 12 digits, 2 of them cents


@dataclass(frozen=True)
class InvoiceRow:
    number: str
    issued_on: dt.date
    due_date: dt.date
    amount: Decimal
    status: str  # paid, open or past due
    paid_on: dt.date | None
    days_overdue: int


@dataclass(frozen=True)
class BillingSummary:
    """The account's billing at a glance, as the tool shows it."""

    status: str
    invoices: int
    past_due: int
    past_due_amount: Decimal
    open_amount: Decimal

    def line(self) -> str:
        if self.invoices == 0:
            return f"Billing: {self.status} · no invoices on record"
        due = (
            f"{self.past_due} of {self.invoices} invoices past due ({self.past_due_amount:,.2f})"
            if self.past_due
            else f"{self.invoices} invoices, none past due"
        )
        return f"Billing: {self.status} · {due}"


@dataclass(frozen=True)
class Highlight:
    start: int
    end: int
    phrase: str


@dataclass(frozen=True)
class BillingNote:
    case_id: int
    subject: str
    status: str
    opened_at: dt.datetime
    note: str
    highlights: tuple[Highlight, ...]

    @property
    def phrases(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(h.phrase for h in self.highlights))


@dataclass(frozen=True)
class Billing:
    account: str
    name: str
    time_zone: str
    summary: BillingSummary
    invoices: tuple[InvoiceRow, ...]
    notes: tuple[BillingNote, ...]


def flagged(note: str) -> tuple[Highlight, ...]:
    """Where a note mentions collections, paid in full, bill till payout or terms and conditions."""
    found = []
    for match in _FLAGS.finditer(note or ""):
        group = next(name for name, value in match.groupdict().items() if value is not None)
        found.append(Highlight(match.start(), match.end(), _FLAG_NAMES[int(group[1:])]))
    return tuple(found)


def _status(status: str, due: dt.date, today: dt.date) -> str:
    if status == InvoiceStatus.PAID:
        return InvoiceStatus.PAID
    return InvoiceStatus.PAST_DUE if due < today else InvoiceStatus.OPEN


def summary(customer: Customer) -> BillingSummary:
    """Counted by the database: invoices, those past due today where the customer is, amounts."""
    today = today_in(str(customer.time_zone))

    def counted(customer_id: int, day: dt.date) -> Any:
        unpaid = Invoice.status != InvoiceStatus.PAID
        late = unpaid & (Invoice.due_date < day)
        return Invoice.select(
            fn.COUNT(SQL("*")).alias("invoices"),
            fn.COUNT(SQL("*")).filter(late).alias("past_due"),
            fn.COALESCE(fn.SUM(Invoice.amount).filter(late), 0).alias("past_due_amount"),
            fn.COALESCE(fn.SUM(Invoice.amount).filter(unpaid), 0).alias("open_amount"),
        ).where(Invoice.customer == customer_id)

    # Written once (data.statements): the Cancellation Tool reads it on every refresh.
    row: Any = next(
        iter(
            statements.select(Invoice, "billing.summary", counted, int(customer.id), today).tuples()
        )
    )
    return BillingSummary(
        str(customer.billing_status),
        int(row[0]),
        int(row[1]),
        # SQLite sums the amounts as floating point: back to cents.
        Decimal(str(row[2])).quantize(CENT),
        Decimal(str(row[3])).quantize(CENT),
    )


def billing(account: str, *, invoices: int = 24, notes: int = 20) -> Billing:
    """The billing view of one customer: the latest invoices and Billing's latest notes."""
    with connection():
        customer = Customer.by_account(account)
        today = today_in(str(customer.time_zone))
        rows = (
            Invoice.select()
            .where(Invoice.customer == customer.id)
            .order_by(Invoice.due_date.desc(), Invoice.id.desc())
            .limit(max(1, min(invoices, 500)))
        )
        invoice_rows = tuple(
            InvoiceRow(
                str(i.number),
                i.issued_on,
                i.due_date,
                Decimal(i.amount),
                _status(str(i.status), i.due_date, today),
                i.paid_on,
                max(0, (today - i.due_date).days) if i.status != InvoiceStatus.PAID else 0,
            )
            for i in rows
        )
        cases = (
            Case.select(Case.id, Case.subject, Case.status, Case.opened_at, Case.billing_note)
            .where((Case.customer == customer.id) & (Case.billing_note != ""))
            .order_by(Case.opened_at.desc(), Case.id.desc())
            .limit(max(1, min(notes, 200)))
        )
        note_rows = tuple(
            BillingNote(
                int(c.id),
                str(c.subject),
                str(c.status),
                c.opened_at,
                str(c.billing_note),
                flagged(str(c.billing_note)),
            )
            for c in cases
        )
        return Billing(
            str(customer.account),
            str(customer.name),
            str(customer.time_zone),
            summary(customer),
            invoice_rows,
            note_rows,
        )


def add_invoice(
    login: str,
    account: str,
    number: str,
    issued_on: dt.date,
    due_date: dt.date,
    amount: Decimal,
    *,
    paid_on: dt.date | None = None,
) -> Invoice:
    """Record an invoice as Billing's system reports it (for imports and the demo), as the user
    ``login``, who needs the customer-cancellation or crm-admin role (as for the billing
    status); the invoice and its audit event are written in one transaction."""
    number = (number or "").strip()
    if not number or len(number) > NUMBER_LIMIT:
        raise InvalidInput(
            f"'{clip(number)}' is not an invoice number: give 1 to {NUMBER_LIMIT} characters."
        )
    if due_date < issued_on:
        raise InvalidInput(
            f"Invoice {number} is due ({due_date}) before it was issued ({issued_on})."
        )
    if amount.is_finite() and amount < 0:
        raise InvalidInput(f"Invoice {number} has a negative amount ({amount}).")
    if not amount.is_finite() or amount >= AMOUNT_LIMIT:
        raise InvalidInput(
            f"Invoice {number} has the amount '{clip(amount)}': give 0 to {AMOUNT_LIMIT - CENT:,}."
        )
    with connection(), database.atomic():
        who = audit.actor(login)
        audit.require_cancellation_role(who, "add an invoice")
        customer = Customer.by_account(account)
        invoice: Invoice = Invoice.create(
            customer=customer,
            number=number,
            issued_on=issued_on,
            due_date=due_date,
            amount=amount,
            status=InvoiceStatus.PAID if paid_on is not None else InvoiceStatus.OPEN,
            paid_on=paid_on,
        )
        audit.record(
            [
                audit.event(
                    who,
                    "add invoice",
                    customer=customer,
                    record_kind="invoice",
                    record_id=invoice.id,
                    after={
                        "number": number,
                        "issued_on": issued_on,
                        "due_date": due_date,
                        "amount": amount,
                        "paid_on": paid_on,
                    },
                )
            ]
        )
        return invoice
