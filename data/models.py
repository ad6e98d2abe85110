"""The peewee models: users, customers, the records a cancellation must clear, the cancellation
itself, the audit trail and the outbox.

Times are stored as naive UTC; dates as calendar dates. The schema itself is made by the
migrations in ``data/migrations``, never by ``create_tables`` on these classes.
"""

from __future__ import annotations

from typing import Any

from peewee import (
    SQL,
    AutoField,
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
    Model,
)

from data import clock, statements
from data.db import database
from data.errors import Conflict, NotFound
from data.states import CASE_CLOSED as CASE_CLOSED
from data.states import CASE_STATUSES_OPEN as CASE_STATUSES_OPEN
from data.states import DECISIONS as DECISIONS
from data.states import MOODS as MOODS
from data.states import OPPORTUNITY_CLOSED as OPPORTUNITY_CLOSED
from data.states import OPPORTUNITY_OPEN as OPPORTUNITY_OPEN
from data.states import QUOTATION_CLOSED as QUOTATION_CLOSED
from data.states import QUOTATION_OPEN as QUOTATION_OPEN
from data.states import SALES_ORDER_CLOSED as SALES_ORDER_CLOSED
from data.states import SALES_ORDER_OPEN as SALES_ORDER_OPEN
from data.states import SCENARIOS as SCENARIOS
from data.states import STEPS as STEPS
from data.states import Audience as Audience
from data.states import BillingStatus as BillingStatus
from data.states import CancellationState as CancellationState
from data.states import CompletionKind as CompletionKind
from data.states import CustomerStatus as CustomerStatus
from data.states import CustomerType as CustomerType
from data.states import Decision as Decision
from data.states import DoneBy as DoneBy
from data.states import InvoiceStatus as InvoiceStatus
from data.states import OutboxStatus as OutboxStatus
from data.states import Role as Role
from data.states import Scenario as Scenario
from data.states import Step as Step

# The states and keys (StrEnums) live in data/states.py; callers import them from here too.
from data.states import key_named as key_named
from data.text import CharField, TextField  # text that refuses control characters


class BaseModel(Model):
    id = AutoField()

    class Meta:
        database = database
        legacy_table_names = False


class User(BaseModel):
    login = CharField(max_length=64, unique=True)
    display_name = CharField(max_length=120)
    email = CharField(max_length=254, default="")
    # Comma-separated role names: a short, open list (room for roles the rules do not know yet).
    roles = TextField(default="")
    active = BooleanField(default=True)
    created_at = DateTimeField(default=clock.now)
    # The Salesforce Id it was imported with (data.crm); none when made in offboard.
    external_id = CharField(max_length=18, null=True, unique=True)

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(role for role in str(self.roles).split(",") if role)

    def has_any_role(self, *roles: str) -> bool:
        return bool(self.role_set.intersection(roles))

    def __str__(self) -> str:
        return str(self.display_name)


class Customer(BaseModel):
    account = CharField(max_length=32, unique=True)
    name = CharField(max_length=200)
    # Case-folded name: the key the list sorts and prefix-searches on, through an index.
    name_key = CharField(max_length=200, index=True)
    status = CharField(max_length=16, default=CustomerStatus.LIVE)
    customer_type = CharField(max_length=24, default=CustomerType.CUSTOMER)
    owner = ForeignKeyField(User, null=True, backref="customers", on_delete="RESTRICT")
    owner_id: int | None
    time_zone = CharField(max_length=64, default="UTC")
    admin_name = CharField(max_length=120, default="")
    admin_email = CharField(max_length=254, default="")
    billing_status = CharField(max_length=24, default=BillingStatus.CURRENT)
    # Comma-separated product modules (LMS, Credentialing Software, …): what the offboarding
    # notice tells the admin how to save data from.
    modules = TextField(default="")
    created_at = DateTimeField(default=clock.now)
    updated_at = DateTimeField(default=clock.now)
    # Optimistic concurrency: every change to the customer or its cancellation bumps it.
    version = IntegerField(default=1)
    external_id = CharField(max_length=18, null=True, unique=True)

    class Meta:
        # The list filters by status, then follows the name (or searches an account number).
        indexes = ((("status", "name_key"), False), (("status", "account"), False))

    def save(self, *args: Any, **kwargs: Any) -> int:
        self.name_key = name_key(str(self.name))
        named = self.id is None or "name" in getattr(self, "_dirty", ())
        saved = int(super().save(*args, **kwargs))
        if named:  # a new customer, or a new name: the words a search finds it by
            from data.customer_search import index_name_words

            index_name_words([(int(self.id), str(self.name))])
        return saved

    @classmethod
    def by_account(cls, account: str) -> Customer:
        """The customer with this account number, or NotFound that names it."""
        query = statements.select(
            cls,
            "customer.by_account",
            lambda number: cls.select().where(cls.account == number).limit(1),
            (account or "").strip(),
        )
        customer: Customer | None = next(iter(query), None)
        if customer is None:
            raise NotFound(f"There is no customer with account number '{account}'.")
        return customer

    @property
    def module_list(self) -> list[str]:
        return [module.strip() for module in str(self.modules).split(",") if module.strip()]


def name_key(name: str) -> str:
    """The case-folded form of a customer name that lists sort and search on."""
    return " ".join(name.split()).casefold()


class CustomerWord(BaseModel):
    """A customer's name from one of its words on, case-folded ("home health", "health" for
    Pinecrest Home Health), with the customer's name key: a search finds a word inside a name
    through the index on ``words``, already in the list's order (data/customer_search.py fills
    it whenever a customer is added or renamed)."""

    customer = ForeignKeyField(Customer, backref="words", on_delete="CASCADE", index=False)
    words = CharField(max_length=200)
    name_key = CharField(max_length=200)

    class Meta:
        table_name = "customer_word"
        indexes = (
            (("words", "name_key", "customer"), False),
            (("customer", "words"), False),
        )


class Asset(BaseModel):
    customer = ForeignKeyField(Customer, backref="assets", on_delete="CASCADE")
    name = CharField(max_length=200)
    start_date = DateField()
    live = BooleanField(default=True)
    cease_date = DateField(null=True)
    external_id = CharField(max_length=18, null=True, unique=True)

    class Meta:
        indexes = ((("customer", "live", "cease_date"), False),)


class Case(BaseModel):
    customer = ForeignKeyField(Customer, backref="cases", on_delete="CASCADE")
    subject = CharField(max_length=200)
    status = CharField(max_length=32, default="New")
    closed = BooleanField(default=False)
    opened_at = DateTimeField(default=clock.now)
    # What Billing wrote on the case: the team lead reads it for collections, "paid in full"…
    billing_note = TextField(default="")
    external_id = CharField(max_length=18, null=True, unique=True)

    class Meta:
        indexes = ((("customer", "closed"), False),)


class Opportunity(BaseModel):
    customer = ForeignKeyField(Customer, backref="opportunities", on_delete="CASCADE")
    name = CharField(max_length=200)
    stage = CharField(max_length=32, default="Prospecting")
    amount = DecimalField(max_digits=12, decimal_places=2, default=0)
    external_id = CharField(max_length=18, null=True, unique=True)

    class Meta:
        indexes = ((("customer", "stage"), False),)


class Quotation(BaseModel):
    customer = ForeignKeyField(Customer, backref="quotations", on_delete="CASCADE")
    reference = CharField(max_length=32)
    status = CharField(max_length=32, default="Draft")
    amount = DecimalField(max_digits=12, decimal_places=2, default=0)
    external_id = CharField(max_length=18, null=True, unique=True)

    class Meta:
        indexes = ((("customer", "status"), False),)


class SalesOrder(BaseModel):
    customer = ForeignKeyField(Customer, backref="sales_orders", on_delete="CASCADE")
    number = CharField(max_length=32)
    status = CharField(max_length=32, default="Pending")
    amount = DecimalField(max_digits=12, decimal_places=2, default=0)
    external_id = CharField(max_length=18, null=True, unique=True)

    class Meta:
        indexes = ((("customer", "status"), False),)


class Invoice(BaseModel):
    customer = ForeignKeyField(Customer, backref="invoices", on_delete="CASCADE")
    number = CharField(max_length=32)
    issued_on = DateField()
    due_date = DateField()
    amount = DecimalField(max_digits=12, decimal_places=2, default=0)
    status = CharField(max_length=16, default=InvoiceStatus.OPEN)
    paid_on = DateField(null=True)

    class Meta:
        indexes = ((("customer", "due_date"), False),)


class Expiry(BaseModel):
    customer = ForeignKeyField(Customer, backref="expiries", on_delete="CASCADE")
    date = DateField()
    note = TextField(default="")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = DateTimeField(default=clock.now)

    class Meta:
        indexes = ((("customer", "date"), False),)


class Reason(BaseModel):
    name = CharField(max_length=80, unique=True)
    active = BooleanField(default=True)
    position = IntegerField(default=0)


class PlaybookVersion(BaseModel):
    """A playbook as it was when a cancellation was begun with it (``data.playbook.store``):
    its text, kept once per digest, so editing the file never moves a running case's plan."""

    digest = CharField(max_length=64, unique=True)
    name = CharField(max_length=200)
    # The file's path and text as they were read: a program's, not typed here.
    source = TextField(default="", keeps_controls=True)
    text = TextField(keeps_controls=True)
    created_at = DateTimeField(default=clock.now)


class Cancellation(BaseModel):
    customer = ForeignKeyField(Customer, backref="cancellations", on_delete="CASCADE")
    customer_id: int
    begun_by_id: int
    new_owner_id: int | None
    processed_by_id: int | None
    removed_by_id: int | None
    state = CharField(max_length=16, default=CancellationState.PENDING)
    scenario = CharField(max_length=24, default=Scenario.BUYOUT)
    previous_status = CharField(max_length=16)
    reason_text = TextField(default="")
    extra_information = TextField(default="")
    mood = CharField(max_length=24, null=True)
    begun_by = ForeignKeyField(User, backref="begun_cancellations", on_delete="RESTRICT")
    begun_at = DateTimeField(default=clock.now)
    new_owner = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    # Set when the new owner was applied before Process ("Perform Now").
    owner_applied_at = DateTimeField(null=True)
    processed_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    processed_at = DateTimeField(null=True)
    removed_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    removed_at = DateTimeField(null=True)
    # The termination timeline (seed 000): the contract end or de-provisioning date, in the
    # customer's time zone, and what was done about the customer's access and data.
    effective_date = DateField(null=True)
    access_deactivated_at = DateTimeField(null=True)
    access_deactivated_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    access_deactivated_by_id: int | None
    # One GUID per line, as deactivated.
    access_guids = TextField(default="")
    data_decision = CharField(max_length=16, null=True)
    decision_reason = TextField(default="")
    review_date = DateField(null=True)
    decided_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    decided_by_id: int | None
    decided_at = DateTimeField(null=True)
    purged_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    purged_by_id: int | None
    purged_at = DateTimeField(null=True)
    # The playbook version the case was begun with (none: begun before migration 0011, it runs
    # on the playbook in force), and when its termination case was closed (the second milestone).
    playbook_version = ForeignKeyField(PlaybookVersion, null=True, on_delete="RESTRICT")
    playbook_version_id: int | None
    closed_at = DateTimeField(null=True)
    closed_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    closed_by_id: int | None
    # The playbook's parties (keys, comma-separated) notified on Process besides the users
    # (migration 0017): their addresses come from the playbook the case was begun with.
    notify_parties = TextField(default="")

    class Meta:
        indexes = ((("state", "begun_by"), False),)


# A customer has at most one pending cancellation: the database says so too.
Cancellation.add_index(
    Cancellation.index(
        Cancellation.customer,
        unique=True,
        where=SQL("state = 'pending'"),
        name="cancellation_one_pending",  # made by migration 0005
    )
)


class CancellationReason(BaseModel):
    cancellation = ForeignKeyField(Cancellation, backref="reason_links", on_delete="CASCADE")
    reason = ForeignKeyField(Reason, on_delete="RESTRICT")
    cancellation_id: int
    reason_id: int

    class Meta:
        indexes = ((("cancellation", "reason"), True),)


class ScenarioStep(BaseModel):
    """A step of the cancellation's scenario, confirmed: who, when, and a note."""

    cancellation = ForeignKeyField(Cancellation, backref="steps", on_delete="CASCADE")
    cancellation_id: int
    step = CharField(max_length=32)
    done_by = ForeignKeyField(User, on_delete="RESTRICT")
    done_by_id: int
    done_at = DateTimeField(default=clock.now)
    note = TextField(default="")

    class Meta:
        indexes = ((("cancellation", "step"), True),)


class Completion(BaseModel):
    """A timeline task done by hand, or a termination team's sign-off: who, when, and a note."""

    cancellation = ForeignKeyField(Cancellation, backref="completions", on_delete="CASCADE")
    cancellation_id: int
    kind = CharField(max_length=16)  # a CompletionKind
    key = CharField(max_length=48)
    done_by = ForeignKeyField(User, on_delete="RESTRICT")
    done_by_id: int
    done_at = DateTimeField(default=clock.now)
    note = TextField(default="")

    class Meta:
        indexes = ((("cancellation", "kind", "key"), True),)


class SectionVersion(BaseModel):
    """The customer's version at which one part of a cancellation (its reasons, its owner, a
    section's steps or records, "case": when it was begun) was last changed, and by whom: a
    save is refused only when the part it touches changed after the form read it (migration
    0016, data/cancellations/kernel.py)."""

    cancellation = ForeignKeyField(Cancellation, on_delete="CASCADE")
    section = CharField(max_length=48)
    version = IntegerField()
    changed_by = ForeignKeyField(User, on_delete="RESTRICT")
    changed_at = DateTimeField()
    cancellation_id: int
    changed_by_id: int

    class Meta:
        table_name = "section_version"
        indexes = ((("cancellation", "section"), True),)


class NotifyUser(BaseModel):
    cancellation = ForeignKeyField(Cancellation, backref="notify_links", on_delete="CASCADE")
    user = ForeignKeyField(User, on_delete="RESTRICT")

    class Meta:
        indexes = ((("cancellation", "user"), True),)


class AuditEvent(BaseModel):
    at = DateTimeField(default=clock.now)
    actor = ForeignKeyField(User, on_delete="RESTRICT")
    customer = ForeignKeyField(Customer, null=True, on_delete="RESTRICT")
    cancellation = ForeignKeyField(Cancellation, null=True, on_delete="RESTRICT")
    action = CharField(max_length=48)
    record_kind = CharField(max_length=24, default="")
    record_id = IntegerField(null=True)
    before = TextField(default="{}")
    after = TextField(default="{}")
    # The hash chain (data.chain, migration 0008): the previous event's hash, and this one's.
    previous_hash = CharField(max_length=64, default="")
    event_hash = CharField(max_length=64, default="")

    class Meta:
        indexes = (
            (("customer", "at"), False),
            (("cancellation",), False),
            (("previous_hash",), True),  # one event follows each: the chain cannot fork
        )

    # The trail is append-only: the database refuses too (triggers in the first migration).
    def save(self, *args: Any, **kwargs: Any) -> int:
        if self.get_id() is not None and not kwargs.get("force_insert"):  # type: ignore[no-untyped-call]
            raise Conflict("The audit trail cannot be changed.")
        return int(super().save(*args, **kwargs))

    def delete_instance(self, *args: Any, **kwargs: Any) -> int:
        raise Conflict("The audit trail cannot be changed.")


class OutboxMessage(BaseModel):
    customer = ForeignKeyField(Customer, backref="outbox", on_delete="RESTRICT")
    cancellation = ForeignKeyField(Cancellation, null=True, on_delete="RESTRICT")
    customer_id: int
    cancellation_id: int | None
    kind = CharField(max_length=48)
    audience = CharField(max_length=16, default=Audience.INTERNAL)
    recipients = TextField()
    # The addresses copied in (the Cc header; the envelope reaches them too), comma-separated.
    cc = TextField(default="")
    subject = CharField(max_length=300)
    # Markdown: rendered to HTML (with a plain-text part) when it is sent.
    body = TextField()
    status = CharField(max_length=16, default=OutboxStatus.QUEUED)
    created_at = DateTimeField(default=clock.now)
    created_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    created_by_id: int | None
    # Not before this time (back-off after a failure); null means at once.
    next_attempt_at = DateTimeField(null=True)
    claimed_by = CharField(max_length=120, default="")
    claimed_at = DateTimeField(null=True)
    # When the claiming sender began handing the message to the mail server (DATA): from then
    # on it may have arrived, so it is never taken over or sent again by itself.
    handed_over_at = DateTimeField(null=True)
    # The e-mail's Message-ID, fixed when the message is first built: the same on every attempt
    # and in the .eml export, so a receiver can tell a resend from a new message.
    message_id = CharField(max_length=255, default="")
    sent_at = DateTimeField(null=True)
    attempts = IntegerField(default=0)
    # What the mail server or the driver said, as it said it (shown escaped).
    last_error = TextField(default="", keeps_controls=True)

    class Meta:
        indexes = ((("status", "created_at"), False), (("customer", "id"), False))


ALL_MODELS: list[type[BaseModel]] = [
    User,
    Customer,
    CustomerWord,
    Asset,
    Case,
    Opportunity,
    Quotation,
    SalesOrder,
    Invoice,
    Expiry,
    Reason,
    PlaybookVersion,
    Cancellation,
    CancellationReason,
    ScenarioStep,
    Completion,
    NotifyUser,
    SectionVersion,
    AuditEvent,
    OutboxMessage,
]

# The retention tables (issue 15, migration 0014) live in their own module; they are listed here
# with the rest (imported last: that module builds on the models above).
from data.retention.models import RETENTION_MODELS  # noqa: E402

ALL_MODELS.extend(RETENTION_MODELS)
