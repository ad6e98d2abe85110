"""Makes the demo's people and customers: its users (and whoever runs it, as a team lead), the
reason list, and the forty customers with their assets, cases, opportunities, quotations, sales
orders, a year of invoices and Billing's notes.

All from data/demo/content.py and seeded random generators, so every load makes the same rows."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from data import clock
from data.demo.content import (
    ADMIN_FIRST_NAMES,
    ASSET_NAMES,
    CASE_SUBJECTS,
    COLLECTIONS,
    COMPANIES,
    FIRST_ACCOUNT,
    MODULES,
    OPPORTUNITY_NAMES,
    OWNERS,
    PAST_DUE,
    REASONS,
    SEED,
    USERS,
    ZONES,
    billing_note,
    customer_size,
)
from data.models import (
    CASE_CLOSED,
    CASE_STATUSES_OPEN,
    OPPORTUNITY_CLOSED,
    OPPORTUNITY_OPEN,
    QUOTATION_CLOSED,
    QUOTATION_OPEN,
    SALES_ORDER_CLOSED,
    SALES_ORDER_OPEN,
    Asset,
    BillingStatus,
    Case,
    Customer,
    CustomerStatus,
    Invoice,
    InvoiceStatus,
    Opportunity,
    Quotation,
    Reason,
    Role,
    SalesOrder,
    User,
    name_key,
)


def add_people(me: str) -> dict[str, User]:
    """The demo's users and ``me`` (a team lead with both roles), by login; then the reasons."""
    users = {}
    for user_login, display, email, roles, active in USERS:
        users[user_login] = User.create(
            login=user_login, display_name=display, email=email, roles=roles, active=active
        )
    if me not in users:
        users[me] = User.create(
            login=me,
            display_name=me.title(),
            email=f"{me}@example.com",
            roles=f"{Role.ADMIN},{Role.CANCELLATION}",
        )
    elif not users[me].has_any_role(Role.CANCELLATION) or not users[me].active:
        # Run as a demo user without the role (tess, casey), the demo could not begin its
        # cancellations; whoever runs it is a team lead, as promised above.
        users[me].roles = f"{Role.ADMIN},{Role.CANCELLATION}"
        users[me].active = True
        users[me].save()
    for position, reason in enumerate(REASONS, start=1):
        Reason.create(name=reason, position=position)
    return users


def add_customers(users: dict[str, User]) -> None:
    """The forty customers, owned in turn by the demo's users, with all their records."""
    rng = random.Random(SEED)
    owners = [users[login] for login in OWNERS]
    now = clock.now()
    for index, company in enumerate(COMPANIES):
        account = f"{FIRST_ACCOUNT + index}"
        zone = ZONES[index % len(ZONES)]
        admin_first = ADMIN_FIRST_NAMES[index % len(ADMIN_FIRST_NAMES)]
        domain = company.lower().replace("&", "and").replace(" ", "")[:18] + ".example"
        customer = Customer.create(
            account=account,
            name=company,
            name_key=name_key(company),
            status=CustomerStatus.LIVE,
            owner=owners[index % len(owners)],
            time_zone=zone,
            admin_name=f"{admin_first} {company.split()[0]}",
            admin_email=f"admin@{domain}",
            billing_status=BillingStatus.COLLECTIONS
            if account == COLLECTIONS
            else BillingStatus.PAST_DUE
            if account == PAST_DUE
            else BillingStatus.CURRENT,
            modules=", ".join(
                MODULES[(index + n * 2) % len(MODULES)] for n in range(1 + index % 3)
            ),
            created_at=now - dt.timedelta(days=400 + index * 13),
            updated_at=now,
        )
        _records(rng, customer, index)
        # A generator of its own, so the billing leaves every other record as it was.
        _invoices(random.Random(f"{SEED}-{account}"), customer)


def _records(rng: random.Random, customer: Customer, index: int) -> None:
    assets = []
    for n in range(customer_size(index)):
        start = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(0, 1800))
        # A few assets were ceased already in earlier clean-ups.
        ceased = rng.random() < 0.15
        assets.append(
            {
                "customer": customer.id,
                "name": f"{ASSET_NAMES[n % len(ASSET_NAMES)]} #{n + 1}",
                "start_date": start,
                "live": not ceased,
                "cease_date": start + dt.timedelta(days=365) if ceased else None,
            }
        )
    for batch in range(0, len(assets), 200):
        Asset.insert_many(assets[batch : batch + 200]).execute()
    for n in range(index % 5):
        closed = rng.random() < 0.6
        Case.create(
            customer=customer,
            subject=CASE_SUBJECTS[(index + n) % len(CASE_SUBJECTS)],
            status=CASE_CLOSED if closed else rng.choice(CASE_STATUSES_OPEN),
            closed=closed,
            opened_at=clock.now() - dt.timedelta(days=rng.randrange(1, 300)),
        )
    for n in range(index % 4):
        closed = rng.random() < 0.5
        Opportunity.create(
            customer=customer,
            name=OPPORTUNITY_NAMES[(index + n) % len(OPPORTUNITY_NAMES)],
            stage=rng.choice(OPPORTUNITY_CLOSED if closed else OPPORTUNITY_OPEN),
            amount=Decimal(rng.randrange(1_000, 90_000)),
        )
    for n in range(index % 3):
        closed = rng.random() < 0.5
        Quotation.create(
            customer=customer,
            reference=f"Q-{customer.account}-{n + 1}",
            status=rng.choice(QUOTATION_CLOSED if closed else QUOTATION_OPEN),
            amount=Decimal(rng.randrange(500, 40_000)),
        )
    for n in range((index + 1) % 3):
        closed = rng.random() < 0.6
        SalesOrder.create(
            customer=customer,
            number=f"SO-{customer.account}-{n + 1}",
            status=rng.choice(SALES_ORDER_CLOSED if closed else SALES_ORDER_OPEN),
            amount=Decimal(rng.randrange(500, 40_000)),
        )


def _invoices(rng: random.Random, customer: Customer) -> None:
    """A year of monthly invoices: paid, except the last ones of past-due accounts."""
    today = clock.now().date()
    unpaid_by_status: dict[str, int] = {BillingStatus.PAST_DUE: 2, BillingStatus.COLLECTIONS: 4}
    unpaid = unpaid_by_status.get(str(customer.billing_status), 0)
    amount = Decimal(rng.randrange(200, 4_000))
    rows = []
    for months_ago in range(12, 0, -1):
        issued = today - dt.timedelta(days=30 * months_ago)
        due = issued + dt.timedelta(days=30)
        paid = months_ago > unpaid and due < today
        rows.append(
            {
                "customer": customer.id,
                "number": f"INV-{customer.account}-{13 - months_ago:02d}",
                "issued_on": issued,
                "due_date": due,
                "amount": amount,
                "status": InvoiceStatus.PAID if paid else InvoiceStatus.OPEN,
                "paid_on": due - dt.timedelta(days=rng.randrange(0, 10)) if paid else None,
            }
        )
    Invoice.insert_many(rows).execute()
    # Billing's notes go on the customer's latest case, or a case of their own.
    note = billing_note(str(customer.account))
    if note is not None:
        Case.create(
            customer=customer,
            subject="Billing note",
            status=CASE_CLOSED,
            closed=True,
            opened_at=clock.now() - dt.timedelta(days=rng.randrange(1, 20)),
            billing_note=note,
        )
