"""The retention tables (migration 0014) and their states as StrEnums: the offers a save attempt
may make (a list the CRM admins edit, like the reasons), save attempts, the note why no attempt
was made on a cancellation, change requests and the decisions of their approval chain."""

from __future__ import annotations

from enum import StrEnum

from peewee import (
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    ForeignKeyField,
    IntegerField,
)

from data import clock
from data.models import BaseModel, Cancellation, Customer, User
from data.text import CharField, TextField


class Outcome(StrEnum):
    """How a save attempt ended (or that it has not yet)."""

    SAVED = "saved"
    PAUSED = "paused"
    DOWNGRADED = "downgraded"
    LOST = "lost"
    OPEN = "open"


class RequestKind(StrEnum):
    CANCEL = "cancel"
    PAUSE = "pause"
    REDUCE = "reduce"


class RequestState(StrEnum):
    """A change request's state: a draft is edited; submitted it is locked while the chain
    decides; rejected or recalled it may be edited and submitted again."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    RECALLED = "recalled"


EDITABLE = (RequestState.DRAFT, RequestState.REJECTED, RequestState.RECALLED)


class Verdict(StrEnum):
    """An approver's decision on one step."""

    APPROVED = "approved"
    REJECTED = "rejected"


class Offer(BaseModel):
    """An offer a save attempt may make (discount, plan change, extension, pause, other)."""

    name = CharField(max_length=80, unique=True)
    active = BooleanField(default=True)
    position = IntegerField(default=0)


class SaveAttempt(BaseModel):
    customer = ForeignKeyField(Customer, backref="save_attempts", on_delete="CASCADE")
    customer_id: int
    by = ForeignKeyField(User, on_delete="RESTRICT")
    by_id: int
    at = DateTimeField(default=clock.now)
    concern = TextField(default="")
    # The offers made, by name, one per line (an offer retired later stays on the attempt).
    offers = TextField(default="")
    outcome = CharField(max_length=16, default=Outcome.OPEN)
    note = TextField(default="")

    class Meta:
        table_name = "save_attempt"
        indexes = ((("customer", "at"), False),)

    @property
    def offer_list(self) -> list[str]:
        return [line for line in str(self.offers).split("\n") if line]


class RetentionNote(BaseModel):
    """Why no save attempt was made on a cancellation: the Retention section reads it green."""

    cancellation = ForeignKeyField(Cancellation, on_delete="CASCADE", unique=True)
    cancellation_id: int
    by = ForeignKeyField(User, on_delete="RESTRICT")
    by_id: int
    at = DateTimeField(default=clock.now)
    note = TextField()

    class Meta:
        table_name = "retention_note"


class ChangeRequest(BaseModel):
    customer = ForeignKeyField(Customer, backref="change_requests", on_delete="CASCADE")
    customer_id: int
    kind = CharField(max_length=16)
    state = CharField(max_length=16, default=RequestState.DRAFT)
    effective_date = DateField()
    # A pause's last day paused (the customer is Live again the day after, or at Resume).
    end_date = DateField(null=True)
    credit = DecimalField(max_digits=12, decimal_places=2, default=0)
    notes = TextField(default="")
    retention = BooleanField(default=False)  # the retention team took part
    # The cancellation it asks for (a cancel request): its Approval section follows it.
    cancellation = ForeignKeyField(Cancellation, null=True, on_delete="SET NULL")
    cancellation_id: int | None
    created_by = ForeignKeyField(User, on_delete="RESTRICT")
    created_by_id: int
    created_at = DateTimeField(default=clock.now)
    submitted_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    submitted_by_id: int | None
    submitted_at = DateTimeField(null=True)
    # Each submission is a round of the chain; ``step`` is the step waiting (0 first), and
    # ``chain`` the steps that apply to this round, as JSON, fixed when it was submitted.
    round = IntegerField(default=0)
    step = IntegerField(default=0)
    chain = TextField(default="[]")
    decided_at = DateTimeField(null=True)
    resumed_at = DateTimeField(null=True)
    resumed_by = ForeignKeyField(User, null=True, on_delete="RESTRICT")
    resumed_by_id: int | None
    # Optimistic concurrency: every change to the request bumps it.
    version = IntegerField(default=1)

    class Meta:
        table_name = "change_request"
        indexes = ((("customer", "state"), False), (("state", "kind"), False))


class Approval(BaseModel):
    """One approver's decision on one step of one round: at most one per step."""

    request = ForeignKeyField(ChangeRequest, backref="approvals", on_delete="CASCADE")
    request_id: int
    round = IntegerField()
    step = IntegerField()
    step_key = CharField(max_length=48)
    by = ForeignKeyField(User, on_delete="RESTRICT")
    by_id: int
    at = DateTimeField(default=clock.now)
    decision = CharField(max_length=16)
    comment = TextField(default="")

    class Meta:
        table_name = "approval"
        indexes = ((("request", "round", "step"), True),)


RETENTION_MODELS: list[type[BaseModel]] = [
    Offer,
    SaveAttempt,
    RetentionNote,
    ChangeRequest,
    Approval,
]
