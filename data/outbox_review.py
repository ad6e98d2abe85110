"""The outbox as people see it and decide on it: messages a page at a time, and a team lead's
say over one (retry a failed one, resend an uncertain one or mark it sent, withdraw one not
sent yet, record one sent by hand), each checked, audited and refused if a sender changed it meanwhile."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from data import audit, clock
from data.dates import when
from data.db import connection, database
from data.delivery import PAGE_LIMIT, no_contact, recipient_list
from data.errors import Conflict, InvalidInput, NotAllowed, NotFound
from data.models import (
    Customer,
    OutboxMessage,
    OutboxStatus,
)
from data.outbox_claims import CLAIM_LEASE, ERROR_LIMIT
from data.text import normal_newlines, refuse_control

LEASE_MINUTES = int(CLAIM_LEASE.total_seconds() // 60)


# ----------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class OutboxRow:
    """One message as the Outbox screen and ``offboard outbox list`` show it."""

    id: int
    account: str
    customer: str
    kind: str
    audience: str
    recipients: tuple[str, ...]
    subject: str
    status: str
    created_at: dt.datetime
    sent_at: dt.datetime | None
    attempts: int
    last_error: str
    next_attempt_at: dt.datetime | None
    body: str
    claimed_by: str = ""
    claimed_at: dt.datetime | None = None
    handed_over_at: dt.datetime | None = None
    message_id: str = ""
    cc: tuple[str, ...] = ()  # the addresses copied in


def check_status(status: str | None) -> str | None:
    """An outbox status name, or InvalidInput listing the ones there are."""
    if status is None or not status.strip():
        return None
    text = status.strip().lower()
    if text not in tuple(OutboxStatus):
        raise InvalidInput(
            f"'{status}' is not an outbox status. Use one of: {', '.join(OutboxStatus)}."
        )
    return text


def _row(message: OutboxMessage, account: str, name: str) -> OutboxRow:
    return OutboxRow(
        id=int(message.id),
        account=account,
        customer=name,
        kind=str(message.kind),
        audience=str(message.audience),
        recipients=tuple(recipient_list(message.recipients)),
        subject=str(message.subject),
        status=str(message.status),
        created_at=message.created_at,
        sent_at=message.sent_at,
        attempts=int(message.attempts),
        last_error=str(message.last_error or ""),
        next_attempt_at=message.next_attempt_at,
        body=str(message.body),
        claimed_by=str(message.claimed_by or ""),
        claimed_at=message.claimed_at,
        handed_over_at=message.handed_over_at,
        message_id=str(message.message_id or ""),
        cc=tuple(recipient_list(message.cc)),
    )


def outbox_page(
    account: str | None = None,
    status: str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[OutboxRow]:
    """Messages newest first, a page at a time: the next page starts after the last id shown."""
    chosen = check_status(status)
    if not 1 <= limit <= PAGE_LIMIT:
        raise InvalidInput(f"Cannot read {limit} messages at a time: give 1 to {PAGE_LIMIT}.")
    with connection():
        query = OutboxMessage.select(OutboxMessage, Customer.account, Customer.name).join(Customer)
        if account is not None and account.strip():
            query = query.where(OutboxMessage.customer == Customer.by_account(account.strip()))
        if chosen is not None:
            query = query.where(OutboxMessage.status == chosen)
        if after_id is not None:
            query = query.where(OutboxMessage.id < after_id)
        messages = list(query.order_by(OutboxMessage.id.desc()).limit(limit))
        return [
            _row(message, str(message.customer.account), str(message.customer.name))
            for message in messages
        ]


def outbox_row(message_id: int) -> OutboxRow:
    """One message, or NotFound."""
    with connection():
        message = _message(message_id)
        return _row(message, str(message.customer.account), str(message.customer.name))


def _message(message_id: int) -> OutboxMessage:
    message = (
        OutboxMessage.select(OutboxMessage, Customer)
        .join(Customer)
        .where(OutboxMessage.id == message_id)
        .first()
    )
    if message is None:
        raise NotFound(
            f"There is no outbox message {message_id}. 'offboard outbox list' shows the ids."
        )
    return message  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------- a person's say


def _audit_change(
    login: str, message: OutboxMessage, action: str, after: dict[str, object]
) -> None:
    who = audit.actor(login)
    audit.record(
        [
            audit.event(
                who,
                action,
                customer=message.customer,
                cancellation=message.cancellation,
                record_kind="outbox_message",
                record_id=int(message.id),
                before={
                    "status": message.status,
                    "attempts": message.attempts,
                    "last_error": message.last_error,
                },
                after=after,
            )
        ]
    )


def _change(message: OutboxMessage, **changes: object) -> None:
    """Write a person's change, refusing if a sender or someone else changed it meanwhile."""
    updated = (
        OutboxMessage.update(**changes)
        .where(
            (OutboxMessage.id == message.id)
            & (OutboxMessage.status == message.status)
            & (OutboxMessage.claimed_by == message.claimed_by)
        )
        .execute()
    )
    if updated != 1:
        raise Conflict(
            f"Outbox message {message.id} was changed by someone else at the same moment. "
            "Look at it again with 'offboard outbox list', then try again."
        )


def requeue(login: str, message_id: int) -> OutboxRow:
    """Put a failed message back in the queue (a team lead or a CRM admin)."""
    with connection(), database.atomic():
        who = audit.actor(login)
        audit.require_cancellation_role(who, "put an outbox message back in the queue")
        message = _message(message_id)
        status = str(message.status)
        if status == OutboxStatus.SENDING:
            raise Conflict(
                f"Outbox message {message.id} is being sent (claimed by {message.claimed_by} at "
                f"{when(message.claimed_at)}). If that sender stopped, the next 'offboard outbox "
                "send' settles it: back in the queue if it was not handed to the mail server "
                f"yet, else uncertain (at once on the same machine, else after {LEASE_MINUTES} "
                "minutes)."
            )
        if status == OutboxStatus.UNCERTAIN:
            raise Conflict(
                f"Outbox message {message.id} is uncertain: it may have arrived. Use "
                f"'offboard outbox resend {message.id}' (it may arrive twice) or "
                f"'offboard outbox mark-sent {message.id}'."
            )
        if status != OutboxStatus.FAILED:
            raise Conflict(
                f"Outbox message {message.id} is {status}: only a failed message can be put "
                "back in the queue."
            )
        _back_in_queue(who.login, message, "requeue message")
    return outbox_row(message_id)


def resend(login: str, message_id: int) -> OutboxRow:
    """Queue an uncertain message again (a team lead or a CRM admin): it may then arrive twice,
    with the same Message-ID, so a receiver can tell."""
    with connection(), database.atomic():
        who = audit.actor(login)
        audit.require_cancellation_role(who, "resend an outbox message")
        message = _message(message_id)
        _require_uncertain(message, "resent")
        _back_in_queue(who.login, message, "resend message")
    return outbox_row(message_id)


def mark_sent(login: str, message_id: int) -> OutboxRow:
    """Record that an uncertain message did arrive (a team lead or a CRM admin, who checked)."""
    with connection(), database.atomic():
        who = audit.actor(login)
        audit.require_cancellation_role(who, "mark an outbox message sent")
        message = _message(message_id)
        _require_uncertain(message, "marked sent")
        sent_at = message.handed_over_at or clock.now()
        note = f"Marked sent by {who.display_name} on {when(clock.now())}. Before: {message.last_error}"
        _change(message, status=OutboxStatus.SENT, sent_at=sent_at, last_error=note[:ERROR_LIMIT])
        _audit_change(who.login, message, "mark message sent", {"status": OutboxStatus.SENT})
    return outbox_row(message_id)


SENT_BY_HAND = "Sent by hand"
# The states a message sent by hand can be recorded from: not sent by offboard (a queued one
# may have been exported as an .eml file and sent from a mail client).
BY_HAND_FROM = (OutboxStatus.QUEUED, OutboxStatus.FAILED)
NOTE_LIMIT = 500


def sent_by_hand(login: str, message_id: int, note: str = "") -> OutboxRow:
    """Record that a queued or failed message was sent by hand (an exported .eml
    file sent from a mail client): it becomes sent, so sections waiting for it turn green, and
    neither the app's courier nor 'offboard outbox send' ever sends it (a team lead or a CRM
    admin; audited "outbox sent by hand")."""
    text = refuse_control(normal_newlines(note or "").strip().replace("\n", " "), "note")
    if len(text) > NOTE_LIMIT:
        raise InvalidInput(
            f"The note is {len(text)} characters long: keep it to {NOTE_LIMIT} or fewer."
        )
    with connection(), database.atomic():
        who = audit.actor(login)
        audit.require_cancellation_role(who, "record an outbox message sent by hand")
        message = _message(message_id)
        status = str(message.status)
        if status == OutboxStatus.SENDING:
            raise Conflict(
                f"Outbox message {message.id} is being sent by offboard right now (claimed by "
                f"{message.claimed_by}): look at it again in a minute with 'offboard outbox "
                "list'."
            )
        if status == OutboxStatus.UNCERTAIN:
            raise Conflict(
                f"Outbox message {message.id} is uncertain: offboard handed it to the mail "
                f"server. If it arrived, use 'offboard outbox mark-sent {message.id}'."
            )
        if status not in BY_HAND_FROM:
            raise Conflict(
                f"Outbox message {message.id} is {status}: only a queued or failed message can "
                "be recorded as sent by hand."
            )
        now = clock.now()
        said = f"{SENT_BY_HAND}, recorded by {who.display_name} on {when(now)}"
        said += f": {text}" if text else "."
        _change(
            message,
            status=OutboxStatus.SENT,
            sent_at=now,
            next_attempt_at=None,
            last_error=said[:ERROR_LIMIT],
        )
        _audit_change(
            who.login,
            message,
            "outbox sent by hand",
            {"status": OutboxStatus.SENT, "note": text},
        )
    return outbox_row(message_id)


def _require_uncertain(message: OutboxMessage, done: str) -> None:
    if message.status != OutboxStatus.UNCERTAIN:
        raise Conflict(
            f"Outbox message {message.id} is {message.status}: only an uncertain message can be "
            f"{done}."
        )


def _back_in_queue(login: str, message: OutboxMessage, action: str) -> None:
    reason = no_contact(message, message.customer)
    if reason:
        raise NotAllowed(reason)
    _change(
        message,
        status=OutboxStatus.QUEUED,
        attempts=0,
        next_attempt_at=None,
        claimed_by="",
        claimed_at=None,
        handed_over_at=None,
    )
    _audit_change(login, message, action, {"status": OutboxStatus.QUEUED})


def withdraw(login: str, message_id: int) -> OutboxRow:
    """Take a queued or failed message out of the outbox, so it is never sent (a team lead or
    a CRM admin). A message being sent cannot be withdrawn: it may be on its way."""
    with connection(), database.atomic():
        who = audit.actor(login)
        audit.require_cancellation_role(who, "withdraw an outbox message")
        message = _message(message_id)
        status = str(message.status)
        if status not in (OutboxStatus.QUEUED, OutboxStatus.FAILED):
            raise Conflict(
                f"Outbox message {message.id} is {status}: only a queued or failed message "
                "can be withdrawn."
            )
        _change(
            message,
            status=OutboxStatus.WITHDRAWN,
            next_attempt_at=None,
            last_error=f"Withdrawn by {who.display_name} on {when(clock.now())}.",
        )
        _audit_change(who.login, message, "withdraw message", {"status": OutboxStatus.WITHDRAWN})
    return outbox_row(message_id)
