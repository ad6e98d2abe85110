"""The no-contact rule in force: the billing status that can start it, and the withdrawal of
every unsent e-mail to the customer's people while it holds."""

from __future__ import annotations

from typing import Any

from data import outbox
from data.cancellations.kernel import CustomerChange, customer_change, pending
from data.errors import InvalidInput
from data.models import (
    Audience,
    BillingStatus,
    Cancellation,
    OutboxMessage,
    OutboxStatus,
)


def withdraw_customer_mail(c: CustomerChange, cancellation: Cancellation | None) -> str:
    """Withdraw every unsent message to the customer's people while the no-contact rule holds;
    a sentence for the outcome (empty when there was nothing to withdraw)."""
    customer = c.customer
    reason = outbox.no_contact_reason(customer)
    if not reason:
        return ""
    rows: Any = (
        OutboxMessage.select(OutboxMessage.id)
        .where(
            (OutboxMessage.customer == customer.id)
            & (OutboxMessage.audience == Audience.CUSTOMER)
            & OutboxMessage.status.in_([OutboxStatus.QUEUED, OutboxStatus.FAILED])
        )
        .tuples()
    )
    unsent = [int(pk) for (pk,) in rows]
    if not unsent:
        return ""
    OutboxMessage.update(status=OutboxStatus.WITHDRAWN, last_error=reason).where(
        OutboxMessage.id.in_(unsent)
    ).execute()
    withdrawn = {"status": OutboxStatus.WITHDRAWN, "why": "no contact"}
    c.audit_each(
        "withdraw message",
        "message",
        ((pk, {}, withdrawn) for pk in unsent),
        cancellation=cancellation,
    )
    count = len(unsent)
    return f" {count} unsent {'e-mail' if count == 1 else 'e-mails'} to the customer withdrawn (no contact)."


def set_billing_status(login: str, account: str, status: str) -> str:
    """Record the account's billing status as Billing reports it. Sent to collections withdraws
    every unsent e-mail to the customer (no contact from then on)."""
    chosen = next(
        (s for s in BillingStatus if s.casefold() == (status or "").strip().casefold()), None
    )
    if chosen is None:
        raise InvalidInput(
            f"'{status}' is not a billing status. Use one of: {', '.join(BillingStatus)}."
        )
    with customer_change(login, account, doing="change the billing status") as c:
        customer = c.customer
        before = str(customer.billing_status)
        if before == chosen:
            return c.unchanged(f"{customer.name} is already {chosen}.").message
        c.bump(billing_status=chosen)
        c.audit(
            "set billing status",
            before={"billing_status": before},
            after={"billing_status": chosen},
        )
        withdrawn = withdraw_customer_mail(c, pending(customer))
        rule = (
            " Nobody may contact its admin from now on."
            if outbox.no_contact_reason(customer)
            else ""
        )
        return c.outcome(f"{customer.name} is now {chosen}.{rule}").message + withdrawn
