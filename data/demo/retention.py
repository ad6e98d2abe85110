"""The demo's retention (issue 15), made through the real operations: save attempts with each
outcome, a change request waiting at each step of the default chain (the first approval, the
second, Finance for a credit), one rejected, the nearly-ready cancellation's cancel request
approved, Redwood's still a draft, and a paused customer whose pause ends in six days."""

from __future__ import annotations

import datetime as dt

from data import clock
from data.demo.content import (
    ALREADY_CANCELLED,
    AT_FINANCE,
    AT_FIRST_STEP,
    AT_SECOND_STEP,
    COLLECTIONS,
    DOWNGRADED,
    MANY_RED,
    NEARLY_READY,
    OPEN_ATTEMPT,
    PAUSED,
    REJECTED,
    SAVED,
)
from data.models import Customer
from data.retention import attempts, decisions, offers, requests
from data.retention.models import Offer, SaveAttempt

RETENTION, OTHER_RETENTION = "amy", "anglee"
FIRST, SECOND, FINANCE = "jeremy", "dustin", "kim"


def add_offers() -> None:
    for position, name in enumerate(offers.DEFAULT_OFFERS, start=1):
        Offer.create(name=name, position=position)


def _days(days: int) -> dt.date:
    return clock.now().date() + dt.timedelta(days=days)


def _backdate(account: str, days: int) -> None:
    """Move the customer's latest save attempt back by ``days``."""
    customer = Customer.get(Customer.account == account)
    latest = (
        SaveAttempt.select()
        .where(SaveAttempt.customer == customer)
        .order_by(SaveAttempt.id.desc())
        .first()
    )
    if latest is not None:
        SaveAttempt.update(at=clock.now() - dt.timedelta(days=days)).where(
            SaveAttempt.id == latest.id
        ).execute()


def _request(
    account: str,
    kind: str,
    days: int,
    *,
    credit: str | None = None,
    end_date: dt.date | None = None,
    notes: str = "",
) -> int:
    """A change request made and submitted by the retention team."""
    made = requests.create_request(
        RETENTION,
        account,
        kind,
        _days(days),
        credit=credit,
        end_date=end_date,
        notes=notes,
        retention=True,
    )
    decisions.submit_request(RETENTION, made.request_id)
    return made.request_id


def add_attempts_before_cancellations() -> None:
    """Attempts that come before the demo's cancellations are worked (the processed one needs
    its lost attempt before Process)."""
    attempts.record_attempt(
        OTHER_RETENTION,
        ALREADY_CANCELLED,
        outcome="lost",
        concern="The hospice is merging with a group that has its own system.",
        offers=["Discount", "Extension"],
    )
    _backdate(ALREADY_CANCELLED, 13)


def add_retention() -> None:
    """Save attempts, change requests at each step, and the paused customer."""
    for account, who, outcome, concern, offered, days in (
        (SAVED, RETENTION, "saved", "Price went up at renewal.", ["Discount"], 20),
        (DOWNGRADED, OTHER_RETENTION, "downgraded", "Only uses the LMS now.", ["Plan change"], 9),
        (PAUSED, RETENTION, "paused", "Clinic closed for renovation.", ["Pause"], 12),
        (OPEN_ATTEMPT, OTHER_RETENTION, "open", "Unhappy with support response times.", [], 1),
        (AT_FIRST_STEP, RETENTION, "downgraded", "Budget cut by a third.", ["Plan change"], 3),
        (AT_SECOND_STEP, RETENTION, "lost", "Moving to a competitor.", ["Discount", "Other"], 4),
        (AT_FINANCE, OTHER_RETENTION, "downgraded", "Billing error last quarter.", ["Discount"], 5),
        (REJECTED, RETENTION, "lost", "Not using the product.", ["Extension"], 6),
    ):
        attempts.record_attempt(who, account, outcome=outcome, concern=concern, offers=offered)
        _backdate(account, days)
    attempts.note_no_attempt(
        "riley", COLLECTIONS, "Sent to collections: no retention call is made."
    )
    # The nearly ready cancellation's cancel request, approved: its Approval section holds nothing
    # back and notes that its effective date (in 5 days) is not the cancellation's (today), and
    # Today reminds of it.
    nearly = _request(NEARLY_READY, "cancel", 5, notes="Cancel every module at contract end.")
    decisions.approve_request(FIRST, nearly, "Agreed with the account team")
    decisions.approve_request(SECOND, nearly)
    # Redwood's cancel request: a draft, not submitted yet.
    requests.create_request(RETENTION, MANY_RED, "cancel", _days(26))
    # One request waiting at each step of the chain.
    _request(AT_FIRST_STEP, "reduce", 30, notes="Drop the analytics add-on.")
    second = _request(AT_SECOND_STEP, "cancel", 40, notes="Cancel the whole contract.")
    decisions.approve_request(FIRST, second, "Retention tried twice")
    finance = _request(AT_FINANCE, "reduce", 25, credit="150.00", notes="Credit the billing error.")
    decisions.approve_request(FIRST, finance)
    decisions.approve_request(SECOND, finance, "Credit as agreed with the customer")
    rejected = _request(REJECTED, "cancel", 35)
    decisions.approve_request(FIRST, rejected)
    decisions.reject_request(SECOND, rejected, "Ask the customer about the Extension offer first.")
    # The paused customer: paused since ten days ago, its pause ends in six days.
    paused = _request(PAUSED, "pause", -10, end_date=_days(6), notes="Renovation until spring.")
    decisions.approve_request(FIRST, paused)
    decisions.approve_request(SECOND, paused)
