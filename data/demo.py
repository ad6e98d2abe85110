"""A deterministic, realistic demo data set: about forty customers from tiny to large, a handful
of users, the reason list, two cancellations pending (one nearly ready, one mostly red) and one
already processed. The cancellations are made through the real operations, so the audit trail
and outbox look as they would in use."""

from __future__ import annotations

import datetime as dt
import getpass
import random
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from data import cancellations, clock, notices, termination
from data.audit import actor, require
from data.backup import back_up_beside
from data.db import connection, database, migrate_schema
from data.errors import Conflict
from data.models import (
    ALL_MODELS,
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
    Cancellation,
    CancellationState,
    Case,
    Customer,
    CustomerStatus,
    DoneBy,
    Invoice,
    InvoiceStatus,
    Opportunity,
    OutboxMessage,
    OutboxStatus,
    Quotation,
    Reason,
    Role,
    SalesOrder,
    Scenario,
    Step,
    User,
    name_key,
)
from data.rules import OFFBOARDING_NOTICE
from data.timeline import SIGN_OFFS, current_plan

SEED = 20261121

USERS = [
    ("sam", "Sam Lee", "sam.lee@example.com", f"{Role.ADMIN},{Role.CANCELLATION}", True),
    ("alex", "Alex Morgan", "alex.morgan@example.com", Role.CANCELLATION, True),
    ("riley", "Riley Chen", "riley.chen@example.com", Role.CANCELLATION, True),
    (
        "tess",
        "Tess Okafor",
        "tess.okafor@example.com",
        "",
        True,
    ),  # telesales: takes over cancelled accounts
    (
        "jordan",
        "Jordan Price",
        "jordan.price@example.com",
        "",
        True,
    ),  # account manager, browses only
    ("casey", "Casey Ward", "casey.ward@example.com", Role.CANCELLATION, False),  # has left
]

REASONS = [
    "Price",
    "Moved to a competitor",
    "Not using the product",
    "Missing features",
    "Poor support experience",
    "Business closed or merged",
    "Budget cuts",
    "Other",
]

COMPANIES = [
    "Northwind Dental Group",
    "Blue Harbor Logistics",
    "Cedar Valley Clinics",
    "Meridian Health Partners",
    "Apex Roofing Supply",
    "Brightside Pediatrics",
    "Summit Veterinary Care",
    "Oakridge Property Management",
    "Harborview Marine",
    "Lakeshore Physical Therapy",
    "Pinecrest Home Health",
    "Redwood Legal LLP",
    "Silverline Credit Union",
    "Granite State Dermatology",
    "Coastal Urgent Care",
    "Evergreen Senior Living",
    "Ironwood Manufacturing",
    "Juniper Family Medicine",
    "Keystone Auto Group",
    "Lighthouse Counseling",
    "Maple Street Orthodontics",
    "Nova Imaging Center",
    "Orchard Pharmacy",
    "Prairie Wind Energy",
    "Quarry Hill Surgical",
    "Riverbend Eye Associates",
    "Sagebrush Hospice",
    "Tidewater Staffing",
    "Union Square Fitness",
    "Vantage Point Realty",
    "Willow Creek Behavioral",
    "Yellowstone Outfitters",
    "Zenith Sleep Centers",
    "Alder & Finch Accounting",
    "Bayside Chiropractic",
    "Canyon Ridge Schools",
    "Driftwood Hospitality",
    "Foxglove Speech Therapy",
    "Greenfield Agronomy",
    "Hollis Street Bakery",
]
ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "America/Phoenix",
]
ASSET_NAMES = [
    "LMS seat bundle",
    "Credentialing module",
    "Compliance library",
    "Policy manager",
    "Incident reporting",
    "Safety data sheets",
    "E-signature pack",
    "Analytics add-on",
]
CASE_SUBJECTS = [
    "Login issue for admin",
    "Invoice question",
    "Request to export training records",
    "Escalation: cancellation request",
    "Course assignment not showing",
    "Billing note: bill till payout",
    "Data export before deactivation",
    "SSO configuration",
    "Collections follow-up",
]
OPPORTUNITY_NAMES = [
    "Renewal",
    "Upsell: analytics",
    "Add 50 seats",
    "Multi-site expansion",
    "Cross-sell: credentialing",
]

MODULES = [
    "LMS",
    "Compliance",
    "Credentialing Software",
    "Credentialing Service",
    "Incident Reporting",
    "Safety Data Sheets",
]
BILLING_NOTES = [
    "Final amount e-mail sent by Finance on request of the TL. Customer paid in full.",
    "Account set to bill till payout per the contract's terms and conditions.",
    "Two invoices past due; reminder sent. If unpaid by month end it goes to collections.",
    "Sent to collections. No further contact with the admin.",
    "Card on file updated; next invoice goes out as usual.",
]

NEARLY_READY = "100004"  # Meridian Health Partners is large; the nearly ready one is smaller
MANY_RED = "100012"
ALREADY_CANCELLED = "100027"
COLLECTIONS = "100015"  # past due, sent to collections: pending, no contact
PAST_DUE = "100020"  # past due, still Live
LARGE = "100004"


class DemoRefused(Conflict):
    """The database already holds data and --force was not given."""


def is_empty() -> bool:
    with connection():
        return not Customer.select().exists() and not User.select().exists()


def wipe() -> None:
    """Drop every offboard table and migrate afresh (the audit trail refuses row deletes)."""
    with connection():
        db: Any = database.obj
        # Referencing tables first: with SQLite's foreign keys on, dropping a referenced table
        # (users) while rows still point at it fails.
        tables = [model._meta.table_name for model in reversed(ALL_MODELS)] + ["schema_migration"]
        with database.atomic():
            for table in tables:
                cascade = "" if database_is_sqlite() else " CASCADE"
                db.execute_sql(f'DROP TABLE IF EXISTS "{table}"{cascade}')
        migrate_schema(db)


def database_is_sqlite() -> bool:
    from data.db import is_sqlite

    return is_sqlite()


def _customer_size(index: int) -> int:
    """How many assets: mostly small, a few mid-sized, one very large."""
    if index == 3:
        return 420
    if index % 9 == 0:
        return 0
    if index % 7 == 0:
        return 60
    if index % 5 == 0:
        return 25
    return 1 + index % 6


@dataclass(frozen=True)
class Loaded:
    """What ``load`` did: the counts, whether it replaced data, and where the old data went."""

    customers: int
    users: int
    assets: int
    replaced: bool
    backup: Path | None  # the copy of the replaced SQLite file; None if nothing was copied


def _may_replace(login: str, *, replace_team_database: bool) -> Path | None:
    """Refuse to replace the data unless ``login`` is a CRM admin of this database and, on
    PostgreSQL, ``replace_team_database`` says the team's data may go; on SQLite, copy the
    file aside first and return where the copy is."""
    with connection():
        require(
            actor(login),
            Role.ADMIN,
            doing="replace everything in this database with the demo data",
        )
    if not database_is_sqlite():
        if not replace_team_database:
            raise DemoRefused(
                "This PostgreSQL database is shared: replacing it deletes every customer, "
                "cancellation and the audit trail for the whole team, with no copy kept. If "
                "that is what you want, add --yes-replace-team-database."
            )
        return None
    return back_up_beside("before-demo")


def load(
    *, force: bool = False, login: str | None = None, replace_team_database: bool = False
) -> Loaded:
    """Fill the open database with the demo set; refuses a non-empty one unless ``force``.

    Replacing data (``force``) needs the 'crm-admin' role of ``login``, a user already in this
    database; on PostgreSQL also ``replace_team_database``; on SQLite the file is first copied
    aside (``Loaded.backup``).

    ``login`` (default: this machine's login name) is added as a team lead with both roles, so
    the app opens for whoever ran the command."""
    me = (login or getpass.getuser() or "lead").strip().lower()
    backup: Path | None = None
    replaced = not is_empty()
    # PostgreSQL's schema changes are transactional: there the wipe is part of the one
    # transaction below, so a replacement that fails leaves the team's data as it was (no
    # copy is kept there). SQLite's table rebuilds run on their own; its file is copied first.
    wipe_inside = replaced and not database_is_sqlite()
    if replaced:
        if not force:
            raise DemoRefused(
                "The database already holds customers or users. Run 'offboard demo --force' "
                "to replace everything in it with the demo data."
            )
        backup = _may_replace(me, replace_team_database=replace_team_database)
        if not wipe_inside:
            wipe()
    # One transaction: a failure part-way leaves the database as it was, not half-filled.
    with connection(), database.atomic():
        if wipe_inside:
            wipe()
        _fill(me)
        return Loaded(
            customers=Customer.select().count(),
            users=User.select().count(),
            assets=Asset.select().count(),
            replaced=replaced,
            backup=backup,
        )


def _fill(me: str) -> None:
    rng = random.Random(SEED)
    users = {}
    for user_login, display, email, roles, active in USERS:
        users[user_login] = User.create(
            login=user_login, display_name=display, email=email, roles=roles, active=active
        )
    if me not in users:
        users[me] = User.create(
            login=me,
            display_name=f"{me.title()} (you)",
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
    owners = [users["alex"], users["riley"], users["jordan"], users["sam"]]
    now = clock.now()
    for index, company in enumerate(COMPANIES):
        account = f"{100001 + index}"
        zone = ZONES[index % len(ZONES)]
        admin_first = ["Dana", "Chris", "Pat", "Morgan", "Lee", "Robin", "Jamie", "Avery"][
            index % 8
        ]
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
    _cancellations(me)


def _records(rng: random.Random, customer: Customer, index: int) -> None:
    assets = []
    for n in range(_customer_size(index)):
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
    note = {
        COLLECTIONS: BILLING_NOTES[3],
        PAST_DUE: BILLING_NOTES[2],
        "100011": BILLING_NOTES[0],
        ALREADY_CANCELLED: BILLING_NOTES[0],
        MANY_RED: BILLING_NOTES[1],
    }.get(str(customer.account))
    if note is None and int(customer.account) % 6 == 0:
        note = BILLING_NOTES[4]
    if note is not None:
        Case.create(
            customer=customer,
            subject="Billing note",
            status=CASE_CLOSED,
            closed=True,
            opened_at=clock.now() - dt.timedelta(days=rng.randrange(1, 20)),
            billing_note=note,
        )


def _reason_ids(*names: str) -> list[int]:
    return [Reason.get(Reason.name == name).id for name in names]


def _clear_all_but_sales_orders(lead: str, account: str) -> None:
    cancellations.set_reasons(
        lead,
        account,
        _reason_ids("Price", "Moved to a competitor"),
        "Found a cheaper bundle with their new EHR vendor.",
        "Admin asked for training records export before deactivation.",
    )
    cancellations.choose_owner(lead, account, "tess")
    cancellations.add_expiry(
        lead,
        account,
        clock.local_now().date() + dt.timedelta(days=330),
        "Contract with competitor ends: call back",
    )
    if Asset.select().join(Customer).where(Customer.account == account).exists():
        earliest = clock.local_now().date()
        cancellations.cease_assets(lead, account, earliest)
    for section, state in (
        ("cases", CASE_CLOSED),
        ("opportunities", "Lost"),
        ("quotations", "Expired"),
    ):
        cancellations.close_records(lead, account, section, state)
    cancellations.set_mood(lead, account, "Disappointed")
    cancellations.confirm_step(lead, account, Step.FINAL_AMOUNT_EMAIL, "Finance (Kim) sent it")
    cancellations.confirm_step(lead, account, Step.PAYMENT_CONFIRMED, "Paid in full by card")
    _notice_sent(lead, account)


def _notice_sent(lead: str, account: str) -> None:
    """Queue the offboarding notice as the team lead would, then mark it delivered (the demo
    has no mail server)."""
    draft = notices.compose_offboarding_notice(account, lead)
    cancellations.queue_offboarding_notice(
        lead, account, draft.recipients, draft.subject, draft.body
    )
    OutboxMessage.update(status=OutboxStatus.SENT, sent_at=clock.now(), attempts=1).where(
        (OutboxMessage.kind == OFFBOARDING_NOTICE)
        & (OutboxMessage.customer == Customer.get(Customer.account == account).id)
    ).execute()


# What a deactivation in the demo (and in tests and benchmarks) records.
SAMPLE_GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def _in_days(days: int) -> dt.date:
    # From the demo's clock (clock.now), so a demo built with the clock stopped is the same each time.
    return clock.now().date() + dt.timedelta(days=days)


def _backdate(account: str, days: int) -> None:
    """Move a just-begun cancellation's Begin back by ``days``, as if begun then."""
    customer = Customer.get(Customer.account == account)
    Cancellation.update(begun_at=clock.now() - dt.timedelta(days=days)).where(
        (Cancellation.customer == customer) & (Cancellation.state == CancellationState.PENDING)
    ).execute()


def finish_termination(login: str, account: str, *, leave: str | None = None) -> None:
    """Do the whole termination timeline through the operations, as a team lead would: the
    effective date, every task done by hand, the final termination e-mail, the deactivation,
    the approval and the purge, every sign-off. ``leave`` names a section to leave unfinished
    (timeline, sign_offs or access_data)."""
    if leave != "timeline":
        termination.set_effective_date(login, account, _in_days(30))
        for task in current_plan().tasks:
            if task.by_hand:
                termination.complete_task(login, account, task.key)
            elif task.completed_by == DoneBy.EMAIL:
                draft = notices.compose_task_email(account, login, task.key)
                termination.queue_task_email(
                    login, account, task.key, draft.recipients, draft.subject, draft.body
                )
    if leave != "access_data":
        termination.record_deactivation(login, account, SAMPLE_GUID)
        termination.decide_data(login, account, "approve")
        termination.record_purge(login, account)
    if leave != "sign_offs":
        for key in SIGN_OFFS:
            termination.sign_off(login, account, key)


def _cancellations(me: str) -> None:
    # Nearly ready: a month into its timeline, everything clear but one sales order (the
    # seed's own example).
    ready = "100011"
    cancellations.begin("alex", ready)
    _backdate(ready, 34)
    _clear_all_but_sales_orders("alex", ready)
    finish_termination("alex", ready)
    if (
        not SalesOrder.select()
        .join(Customer)
        .where((Customer.account == ready) & SalesOrder.status.not_in(SALES_ORDER_CLOSED))
        .exists()
    ):
        customer = Customer.get(Customer.account == ready)
        SalesOrder.create(
            customer=customer, number=f"SO-{ready}-9", status="In progress", amount=Decimal(1200)
        )
    # Many red: begun five days ago by the person running the demo, so the app offers it on
    # start; the first days' tasks are done, the next ones are late.
    cancellations.begin(me, MANY_RED, scenario=Scenario.NON_RENEWAL)
    _backdate(MANY_RED, 4)
    termination.set_effective_date(me, MANY_RED, _in_days(26))
    for task, note in (
        ("notice_received", "Non-renewal letter attached to the case"),
        ("account_team_informed", ""),
        ("attrition_box", ""),
    ):
        termination.complete_task(me, MANY_RED, task, note)
    termination.sign_off(me, MANY_RED, "finance", "Kim: invoices settled, nothing open")
    # Sent to collections: no contact with the admin, deactivation at once; begun yesterday,
    # no effective date yet.
    cancellations.begin("riley", COLLECTIONS, scenario=Scenario.COLLECTIONS)
    _backdate(COLLECTIONS, 1)
    # Already processed: cleared and processed by Riley after its month-long timeline.
    cancellations.begin("riley", ALREADY_CANCELLED)
    _backdate(ALREADY_CANCELLED, 40)
    _clear_all_but_sales_orders("riley", ALREADY_CANCELLED)
    cancellations.close_records("riley", ALREADY_CANCELLED, "sales_orders", "Cancelled")
    finish_termination("riley", ALREADY_CANCELLED)
    cancellations.process("riley", ALREADY_CANCELLED)
