"""The states and keys of offboard's records as StrEnums (peewee stores their values as text;
the JSON shows the values), the fixed lists that go with them, and ``key_named``: the key a
person names by its key or its label. No database here; ``data.models`` re-exports all of it."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

_Key = TypeVar("_Key", bound=str)


def key_named(text: str | None, labels: Mapping[_Key, str]) -> _Key | None:
    """The key of ``labels`` that ``text`` names, by its key or its label, in any case and
    spacing; None when it names none."""
    wanted = " ".join((text or "").split()).casefold()
    return next((key for key, label in labels.items() if wanted in (key, label.casefold())), None)


class CustomerStatus(StrEnum):
    """Customer status as the team lead reads it."""

    LIVE = "Live"
    PENDING_CANCELLATION = "Live (PC)"
    CANCELLED = "Cancelled"
    # An approved contract pause (issue 15): no offboarding runs; Resume makes it Live again.
    PAUSED = "Paused"


class CustomerType(StrEnum):
    CUSTOMER = "Customer"
    FORMER_CUSTOMER = "Former Customer"


class Role(StrEnum):
    """Roles. Others may be added to a user; these are the ones the rules know."""

    CANCELLATION = "customer-cancellation"
    ADMIN = "crm-admin"
    # Retention (issue 15): the retention team submits the change requests it took part in;
    # approvers, Finance and Accounting decide the playbook's approval steps.
    RETENTION = "retention"
    APPROVER = "approver"
    FINANCE = "finance"
    ACCOUNTING = "accounting"


class Decision(StrEnum):
    """What the account team decided about the customer's data (seed 000, step 9)."""

    HOLD = "hold"
    APPROVE = "approve"


DECISIONS: dict[str, str] = {Decision.HOLD: "Hold the data", Decision.APPROVE: "Approve deletion"}


class CompletionKind(StrEnum):
    TASK = "task"
    SIGN_OFF = "sign-off"


class DoneBy(StrEnum):
    """How a timeline task gets done: ticked by hand, or by the record it stands for."""

    HAND = "hand"
    DEACTIVATION = "deactivation"
    DECISION = "decision"
    PURGE = "purge"
    SIGN_OFFS = "sign-offs"
    EMAIL = "e-mail"
    PROCESS = "process"


class CancellationState(StrEnum):
    PENDING = "pending"
    REMOVED = "removed"
    PROCESSED = "processed"


MOODS = ("Happy", "Satisfied", "Neutral", "Disappointed", "Angry")

CASE_STATUSES_OPEN = ("New", "Working", "Waiting on customer", "Escalated")
CASE_CLOSED = "Closed"
OPPORTUNITY_OPEN = ("Prospecting", "Qualification", "Proposal", "Negotiation")
OPPORTUNITY_CLOSED = ("Won", "Lost", "Cancelled")
# Every open state reads as open: a quotation the customer accepted is won (the CRM mapping
# imports Salesforce's "Accepted" as Won), so the open state that was "Accepted" is "In review"
# (migration 0020 renames it where it is stored).
QUOTATION_OPEN = ("Draft", "Sent", "In review")
QUOTATION_CLOSED = ("Won", "Lost", "Expired", "Cancelled")
SALES_ORDER_OPEN = ("Pending", "In progress", "On hold")
SALES_ORDER_CLOSED = ("Completed", "Cancelled")


class OutboxStatus(StrEnum):
    QUEUED = "queued"
    # Claimed by one sender: never claimed again, so a message goes out at most once.
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    # Taken back before it was sent (the customer went to collections, or a team lead withdrew it).
    WITHDRAWN = "withdrawn"
    # The message was handed to the mail server (DATA) and no answer came: it may have arrived.
    # Never sent again by itself; a person resends it or marks it sent.
    UNCERTAIN = "uncertain"
    # The mail server took it for some recipients and refused others (last_error names them).
    PARTIAL = "partial"


class Audience(StrEnum):
    """Who a message is for: the customer's people (the no-contact rule applies) or our own."""

    CUSTOMER = "customer"
    INTERNAL = "internal"


class BillingStatus(StrEnum):
    """The account's billing status, as Billing keeps it."""

    CURRENT = "Current"
    PAST_DUE = "Past due"
    COLLECTIONS = "Sent to collections"


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    PAST_DUE = "past due"  # never stored: an open invoice whose due date has passed


class Scenario(StrEnum):
    """The default playbook's three ways a customer leaves (seed 001), chosen at Begin and
    changeable while pending. The scenarios that exist are the playbook's (data.playbook): these
    are well-known keys the demo and tests name."""

    BUYOUT = "buyout"
    NON_RENEWAL = "non-renewal"
    COLLECTIONS = "collections"


# The default playbook's labels (playbooks/default.toml); the tool reads a case's playbook.
SCENARIOS: dict[str, str] = {
    Scenario.BUYOUT: "Cancellation request (buyout)",
    Scenario.NON_RENEWAL: "Non-renewal",
    Scenario.COLLECTIONS: "Past due — sent to collections",
}


class Step(StrEnum):
    """Steps the default playbook's scenarios ask for, each confirmed by someone at some time
    (a playbook may name others: a step is stored by its key)."""

    FINAL_AMOUNT_EMAIL = "final-amount-email"
    PAYMENT_CONFIRMED = "payment-confirmed"
    BILL_TILL_PAYOUT = "bill-till-payout"
    AUTO_RENEWAL_DISABLED = "auto-renewal-disabled"
    ADMIN_NOTIFIED = "admin-notified"
    CSM_TOLD = "csm-told"


# The default playbook's labels (playbooks/default.toml); the tool reads a case's playbook.
STEPS: dict[str, str] = {
    Step.FINAL_AMOUNT_EMAIL: "Finance sent the final-amount e-mail",
    Step.PAYMENT_CONFIRMED: "Final payment confirmed",
    Step.BILL_TILL_PAYOUT: "Account set to Bill till Payout",
    Step.AUTO_RENEWAL_DISABLED: "Billing confirmed auto-renewal is disabled",
    Step.ADMIN_NOTIFIED: "Admin told in a call or meeting",
    Step.CSM_TOLD: "CSM told there will be no further reach-outs",
}
