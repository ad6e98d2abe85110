"""A small, explicit world for the data-layer tests: named users, a reason list and one customer
whose records each test adds itself, so every assertion can say exactly what it expects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from data import cancellations
from data.dates import today_in
from data.db import connection, database
from data.demo import finish_termination
from data.models import (
    ALL_MODELS,
    CASE_CLOSED,
    Asset,
    AuditEvent,
    Case,
    Customer,
    CustomerStatus,
    Expiry,
    Opportunity,
    Quotation,
    Reason,
    Role,
    SalesOrder,
    Step,
    User,
)
from data.records import RECORD_KINDS

LEAD = "lead"  # team lead: customer-cancellation
OTHER = "other"  # a second team lead: customer-cancellation
ADMIN = "admin"  # crm-admin only
VIEWER = "viewer"  # no role; owns the customer
GONE = "gone"  # customer-cancellation, but deactivated
TESS = "tess"  # telesales, no role: takes cancelled customers over
FORMER = "former"  # crm-admin and customer-cancellation, but deactivated
NOBODY = "nobody"  # no such user

USERS = [
    (LEAD, "Lena Lead", "lena@example.com", Role.CANCELLATION, True),
    (OTHER, "Otto Other", "otto@example.com", Role.CANCELLATION, True),
    (ADMIN, "Ada Admin", "ada@example.com", Role.ADMIN, True),
    (VIEWER, "Vic Viewer", "vic@example.com", "", True),
    (GONE, "Gus Gone", "gus@example.com", Role.CANCELLATION, False),
    (TESS, "Tess Telesales", "tess@example.com", "", True),
    (FORMER, "Fran Former", "fran@example.com", f"{Role.ADMIN},{Role.CANCELLATION}", False),
]
REASONS = [("Price", True), ("Moved to a competitor", True), ("Budget cuts", True), ("Fax", False)]

ACCOUNT = "500001"
NAME = "Acme Widgets"
START = dt.date(2024, 1, 15)  # every asset starts here unless a test says otherwise


@dataclass
class World:
    """The world's customer and reasons, and builders for the records a test needs."""

    backend: str
    account: str = ACCOUNT
    customer_id: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    # ----------------------------------------------------------------- building

    def customer(
        self, account: str, name: str, *, time_zone: str = "UTC", status: str = CustomerStatus.LIVE
    ) -> int:
        with connection():
            owner = User.get(User.login == VIEWER)
            made = Customer.create(
                account=account, name=name, time_zone=time_zone, status=status, owner=owner
            )
            return int(made.id)

    def _of(self, account: str | None) -> int:
        if account is None:
            return self.customer_id
        with connection():
            return int(Customer.get(Customer.account == account).id)

    def asset(
        self,
        name: str = "Seat bundle",
        *,
        live: bool = True,
        cease: dt.date | None = None,
        start: dt.date = START,
        account: str | None = None,
    ) -> int:
        customer = self._of(account)
        with connection():
            made = Asset.create(
                customer=customer, name=name, start_date=start, live=live, cease_date=cease
            )
            return int(made.id)

    def case(self, status: str = "New", *, account: str | None = None) -> int:
        customer = self._of(account)
        with connection():
            made = Case.create(
                customer=customer,
                subject=f"Case {status}",
                status=status,
                closed=status == CASE_CLOSED,
            )
            return int(made.id)

    def opportunity(self, stage: str = "Prospecting", *, account: str | None = None) -> int:
        customer = self._of(account)
        with connection():
            made = Opportunity.create(
                customer=customer, name=f"Opportunity {stage}", stage=stage, amount=Decimal(1500)
            )
            return int(made.id)

    def quotation(self, status: str = "Draft", *, account: str | None = None) -> int:
        customer = self._of(account)
        with connection():
            made = Quotation.create(
                customer=customer, reference=f"Q-{status}", status=status, amount=Decimal(200)
            )
            return int(made.id)

    def sales_order(self, status: str = "Pending", *, account: str | None = None) -> int:
        customer = self._of(account)
        with connection():
            made = SalesOrder.create(
                customer=customer, number=f"SO-{status}", status=status, amount=Decimal(300)
            )
            return int(made.id)

    def details(self, account: str | None = None, **fields: Any) -> None:
        """Set a customer's columns straight in the table, as an import would (admin, modules,
        time zone, billing status…): no version bump and no audit row."""
        customer = self._of(account)
        with connection():
            Customer.update(**fields).where(Customer.id == customer).execute()

    def record(self, section: str, state: str | None = None) -> int:
        """One record of a record section; without a state, one that blocks."""
        if section == "assets":
            return self.asset()
        builders = {
            "cases": self.case,
            "opportunities": self.opportunity,
            "quotations": self.quotation,
            "sales_orders": self.sales_order,
        }
        builder = builders[section]
        return builder(state) if state is not None else builder()

    def expiry(self, date: dt.date, *, account: str | None = None) -> int:
        """An expiry written straight to the table (the operation refuses a past one)."""
        customer = self._of(account)
        with connection():
            return int(Expiry.create(customer=customer, date=date, note="seeded").id)

    def ready(self, *, leave_red: str | None = None, account: str | None = None) -> None:
        """Begin a cancellation (as the lead) and clear every section but ``leave_red``."""
        account = account or self.account
        cancellations.begin(LEAD, account)
        if leave_red != "reasons":
            cancellations.set_reasons(LEAD, account, [self.reasons["Price"]])
        if leave_red != "ownership":
            cancellations.choose_owner(LEAD, account, TESS)
        if leave_red != "expiry":
            with connection():
                zone = str(Customer.get(Customer.account == account).time_zone)
            cancellations.add_expiry(LEAD, account, today_in(zone) + dt.timedelta(days=30))
        if leave_red != "final_amount":
            cancellations.confirm_step(LEAD, account, Step.FINAL_AMOUNT_EMAIL)
            cancellations.confirm_step(LEAD, account, Step.PAYMENT_CONFIRMED)
        if leave_red != "admin_notified":
            cancellations.confirm_step(LEAD, account, Step.ADMIN_NOTIFIED, "told in a call")
        finish_termination(LEAD, account, leave=leave_red)
        if leave_red in RECORD_KINDS:
            self.record(leave_red)

    # ----------------------------------------------------------------- reading

    def snapshot(self) -> dict[str, Any]:
        """Every row of every table: equal before and after means nothing was written."""
        tables = [model._meta.table_name for model in ALL_MODELS]
        with connection():
            if self.backend == "sqlite":
                return {
                    table: database.execute_sql(f'SELECT * FROM "{table}" ORDER BY id').fetchall()
                    for table in tables
                }
            # PostgreSQL: every table in one round trip, each as a JSON array of its rows.
            parts = ", ".join(
                f'(SELECT json_agg(t ORDER BY t.id)::text FROM "{table}" AS t)' for table in tables
            )
            row = database.execute_sql(f"SELECT {parts}").fetchone()
            return dict(zip(tables, row, strict=True))

    def now(self) -> Customer:
        with connection():
            customer: Customer = Customer.get(Customer.account == self.account)
            return customer

    def version(self, account: str | None = None) -> int:
        with connection():
            return int(Customer.get(Customer.account == (account or self.account)).version)

    def actions(self) -> list[str]:
        """The audit trail's actions, oldest first."""
        with connection():
            return [event.action for event in AuditEvent.select().order_by(AuditEvent.id)]


def build(backend: str) -> World:
    """Users, reasons and the customer Acme Widgets (Live, owned by Vic Viewer, in UTC)."""
    world = World(backend)
    with connection(), database.atomic():
        User.insert_many(
            [
                {"login": login, "display_name": name, "email": email, "roles": roles, "active": on}
                for login, name, email, roles, on in USERS
            ]
        ).execute()
        Reason.insert_many(
            [
                {"name": name, "active": active, "position": position}
                for position, (name, active) in enumerate(REASONS, start=1)
            ]
        ).execute()
        world.reasons = {
            str(name): int(pk)
            for pk, name in Reason.select(Reason.id, Reason.name).order_by(Reason.position).tuples()
        }
        world.customer_id = world.customer(ACCOUNT, NAME)
    return world


def stage(world: World) -> None:
    """A world where every operation has something to act on, for tests of refusals:

    - Acme Widgets (500001): pending, begun by the lead, with one live asset (started
      2024-01-15), one open case, one open opportunity, one draft quotation and one pending
      sales order;
    - Calm Co (500002): Live, no cancellation;
    - Ready Co (500003): pending and ready to process;
    - Done Co (500004): Cancelled.
    """
    cancellations.begin(LEAD, world.account)
    world.asset()
    world.case()
    world.opportunity()
    world.quotation()
    world.sales_order()
    world.customer("500002", "Calm Co")
    world.customer("500003", "Ready Co")
    world.ready(account="500003")
    world.customer("500004", "Done Co", status=CustomerStatus.CANCELLED)
