"""Delivering the outbox: each queued message is claimed by one sender so it goes out at most
once, sent over SMTP as text and HTML, retried with back-off when it fails, or exported as .eml."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import os
import re
import smtplib
import socket
import ssl
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Protocol

from data import audit, outbox
from data.dates import when
from data.db import connection, database
from data.errors import Conflict, InvalidInput, NotAllowed, NotFound
from data.models import (
    AUDIENCE_CUSTOMER,
    OUTBOX_FAILED,
    OUTBOX_QUEUED,
    OUTBOX_SENDING,
    OUTBOX_SENT,
    OUTBOX_STATUSES,
    OUTBOX_WITHDRAWN,
    Customer,
    OutboxMessage,
    utcnow,
)

SECURITY_STARTTLS = "starttls"
SECURITY_TLS = "tls"
SECURITY_NONE = "none"
SECURITY_MODES = (SECURITY_STARTTLS, SECURITY_TLS, SECURITY_NONE)
DEFAULT_PORTS = {SECURITY_STARTTLS: 587, SECURITY_TLS: 465, SECURITY_NONE: 25}
DEFAULT_TIMEOUT = 30.0

# Used in exports when no SMTP sender is configured; a mail client shows it, nothing sends it.
DEFAULT_SENDER = "offboard@localhost"
MESSAGE_ID_DOMAIN = "offboard.invalid"

# A message is tried this many times in all; the waits after the failed tries, in minutes.
MAX_ATTEMPTS = 6
BACKOFF_MINUTES = (1, 5, 15, 60, 240)
# A message claimed this long ago and still "sending" is taken to be stuck: its sender stopped.
# Only a person may put it back (it may have gone out), and only after this long.
STUCK_AFTER = dt.timedelta(minutes=15)
PAGE_LIMIT = 500
ERROR_LIMIT = 2_000


# ----------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send. The password comes from the environment and is never stored."""

    host: str
    port: int = DEFAULT_PORTS[SECURITY_STARTTLS]
    security: str = SECURITY_STARTTLS
    user: str = ""
    password: str = field(default="", repr=False)
    sender: str = ""  # the From address: "offboard@example.com" or "Offboard <…>"
    timeout: float = DEFAULT_TIMEOUT

    def __post_init__(self) -> None:
        if not self.host.strip():
            raise InvalidInput(
                "The SMTP settings have no host. Name the mail server to send through."
            )
        if not 1 <= self.port <= 65535:
            raise InvalidInput(f"The SMTP port {self.port} is not a port: use 1 to 65535.")
        if self.security not in SECURITY_MODES:
            raise InvalidInput(
                f"'{self.security}' is not an SMTP security mode: use {', '.join(SECURITY_MODES)}."
            )
        if not self.timeout > 0:
            raise InvalidInput("The SMTP timeout must be a number of seconds above 0.")
        if not self.sender.strip():
            raise InvalidInput(
                "The SMTP settings have no From address. Set one, such as offboard@example.com."
            )

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def envelope_sender(self) -> str:
        return parseaddr(self.sender)[1] or self.sender.strip()


# ----------------------------------------------------------------------------- the e-mail


def recipient_list(recipients: str) -> list[str]:
    """The stored comma-separated recipients, one address each."""
    return [part.strip() for part in str(recipients).split(",") if part.strip()]


def _domain(sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2].strip().lower()
    return domain if re.fullmatch(r"[a-z0-9.-]+", domain) else MESSAGE_ID_DOMAIN


def html_document(subject: str, body_html: str) -> str:
    """The HTML part: the rendered Markdown in a minimal document."""
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(subject)}</title>\n</head>\n<body>\n{body_html}</body>\n</html>\n"
    )


def build_email(message: OutboxMessage, *, sender: str = DEFAULT_SENDER) -> EmailMessage:
    """The message as multipart/alternative: the Markdown as text/plain, rendered as text/html."""
    created = message.created_at or utcnow()
    email = EmailMessage()
    email["From"] = sender
    email["To"] = ", ".join(recipient_list(message.recipients))
    email["Subject"] = str(message.subject)
    email["Date"] = format_datetime(created.replace(tzinfo=dt.UTC))
    # Stable for a message, so an export and a send of it (or two exports) carry the same id.
    email["Message-ID"] = f"<offboard.{message.id}.{created:%Y%m%d%H%M%S}@{_domain(sender)}>"
    email["X-Offboard-Message"] = str(message.id)
    body = str(message.body)
    email.set_content(body)
    email.add_alternative(html_document(str(message.subject), outbox.to_html(body)), subtype="html")
    return email


# ----------------------------------------------------------------------------- transport


class Transport(Protocol):
    """What hands a built message on. ``send`` returns the recipients refused, if only some were."""

    def send(
        self, email: EmailMessage, sender: str, recipients: Sequence[str]
    ) -> dict[str, tuple[int, bytes]]: ...

    def close(self) -> None: ...


class ServerUnreachable(Exception):
    """The mail server could not be reached or would not let us in: no message can go now."""


def _reply(error: smtplib.SMTPResponseException) -> str:
    text = error.smtp_error
    shown = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{error.smtp_code} {' '.join(shown.split())}".strip()


def describe_failure(error: BaseException, where: str = "the mail server") -> str:
    """An SMTP or network failure as a sentence a team lead can act on."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = "; ".join(
            f"{address} ({_reply(smtplib.SMTPResponseException(code, reply))})"
            for address, (code, reply) in error.recipients.items()
        )
        return f"The mail server {where} refused every recipient: {refused}."
    if isinstance(error, smtplib.SMTPSenderRefused):
        return f"The mail server {where} refused the sender {error.sender}: {_reply(error)}."
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return (
            f"The mail server {where} did not accept the user name and password ({_reply(error)}). "
            "Check the SMTP user and OFFBOARD_SMTP_PASSWORD."
        )
    if isinstance(error, smtplib.SMTPDataError):
        return f"The mail server {where} refused the message: {_reply(error)}."
    if isinstance(error, smtplib.SMTPResponseException):
        return f"The mail server {where} answered {_reply(error)}."
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return (
            f"The mail server {where} cannot do what was asked: {error} If it offers no "
            "STARTTLS, set security to 'tls' (usually port 465) or, on a trusted network, 'none'."
        )
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return f"The mail server {where} closed the connection: {error or 'no reason given'}."
    if isinstance(error, smtplib.SMTPException):
        return f"Sending through {where} failed: {error}."
    if isinstance(error, socket.gaierror):
        return (
            f"Cannot find the mail server {where}: {error.strerror or error}. Check the host name."
        )
    if isinstance(error, ssl.SSLError):
        return f"The secure connection to {where} failed: {error.reason or error}."
    if isinstance(error, TimeoutError):
        return f"The mail server {where} did not answer in time."
    if isinstance(error, ConnectionRefusedError):
        return f"Cannot connect to the mail server {where}: the connection was refused."
    if isinstance(error, OSError):
        return f"Cannot talk to the mail server {where}: {error.strerror or error}."
    return f"Sending through {where} failed: {error}."


class SmtpTransport:
    """One SMTP connection, opened on the first message and reused for the rest of a batch."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        smtp: smtplib.SMTP | None = None
        try:
            if s.security == SECURITY_TLS:
                smtp = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            smtp.ehlo()
            if s.security == SECURITY_STARTTLS:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password)
        except (smtplib.SMTPException, OSError) as error:
            if smtp is not None:
                _close_quietly(smtp)
            raise ServerUnreachable(describe_failure(error, s.address)) from error
        return smtp

    def send(
        self, email: EmailMessage, sender: str, recipients: Sequence[str]
    ) -> dict[str, tuple[int, bytes]]:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            refused: dict[str, tuple[int, bytes]] = self._smtp.send_message(
                email, from_addr=sender, to_addrs=list(recipients)
            )
        except (smtplib.SMTPException, OSError):
            # Whatever state the conversation is in, the next message starts a fresh one.
            self.close()
            raise
        return refused

    def close(self) -> None:
        if self._smtp is not None:
            smtp, self._smtp = self._smtp, None
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                _close_quietly(smtp)


def _close_quietly(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        smtp.close()


# ----------------------------------------------------------------------------- claiming


def _naive_utc(moment: dt.datetime | None) -> dt.datetime:
    if moment is None:
        return utcnow()
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def default_sender_id() -> str:
    """This sender, for ``claimed_by``: the machine, the process and a token of its own."""
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"[:120]


def _due(limit: int, moment: dt.datetime) -> list[int]:
    """The queued messages due at ``moment``, oldest first."""
    with connection():
        query = (
            OutboxMessage.select(OutboxMessage.id)
            .where(
                (OutboxMessage.status == OUTBOX_QUEUED)
                & (
                    OutboxMessage.next_attempt_at.is_null()
                    | (OutboxMessage.next_attempt_at <= moment)
                )
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        return [int(message.id) for message in query]


def claim(limit: int, sender_id: str, now: dt.datetime | None = None) -> list[int]:
    """Move up to ``limit`` due queued messages to ``sending`` for this sender; their ids.

    Each move is a conditional UPDATE (``WHERE id = ? AND status = 'queued'``): when two senders
    saw the same message, the database lets only one of them change it, and the row count tells
    each whether it won. A claimed message is never claimed again, so it goes out at most once."""
    if limit < 1:
        raise InvalidInput(f"Cannot send {limit} messages at a time: give 1 or more.")
    moment = _naive_utc(now)
    candidates = _due(limit, moment)
    if not candidates:
        return []
    won: list[int] = []
    # In id order, as every sender does: two senders on PostgreSQL never wait on each other in
    # a circle.
    with connection(), database.atomic():
        for pk in candidates:
            updated = (
                OutboxMessage.update(
                    status=OUTBOX_SENDING, claimed_by=sender_id[:120], claimed_at=moment
                )
                .where((OutboxMessage.id == pk) & (OutboxMessage.status == OUTBOX_QUEUED))
                .execute()
            )
            if updated == 1:
                won.append(pk)
    return won


# ----------------------------------------------------------------------------- sending


@dataclass(frozen=True)
class DeliveryReport:
    """What one run of the sender did: counts, and a line for each message it handled."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    withdrawn: int = 0
    lines: tuple[str, ...] = ()

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed + self.withdrawn

    @property
    def summary(self) -> str:
        if not self.handled:
            return "No message was due to be sent."
        return (
            f"{self.sent} sent, {self.retrying} to be retried, {self.failed} failed, "
            f"{self.withdrawn} withdrawn."
        )

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            self.sent + other.sent,
            self.retrying + other.retrying,
            self.failed + other.failed,
            self.withdrawn + other.withdrawn,
            self.lines + other.lines,
        )


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed try."""
    index = min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1
    return dt.timedelta(minutes=BACKOFF_MINUTES[index])


def _no_contact(message: OutboxMessage, customer: Customer) -> str:
    """Why this message may not go to the customer's people now (empty when it may)."""
    to_customer = message.audience == AUDIENCE_CUSTOMER or any(
        outbox.is_customer_address(customer, address)
        for address in recipient_list(message.recipients)
    )
    return outbox.no_contact_reason(customer) if to_customer else ""


def _settle(pk: int, sender_id: str, **changes: object) -> bool:
    """Record what became of a message this sender claimed, in a transaction of its own."""
    with connection(), database.atomic():
        updated = (
            OutboxMessage.update(**changes)
            .where(
                (OutboxMessage.id == pk)
                & (OutboxMessage.status == OUTBOX_SENDING)
                & (OutboxMessage.claimed_by == sender_id)
            )
            .execute()
        )
    return bool(updated == 1)


@dataclass(frozen=True)
class _Ready:
    """A claimed message, read and built, to be handed to the transport outside a transaction."""

    pk: int
    attempts: int
    subject: str
    recipients: tuple[str, ...]
    email: EmailMessage


def _prepare(pk: int, sender_id: str, settings: SmtpSettings) -> _Ready | DeliveryReport | None:
    """Read a claimed message; withdraw it (the no-contact rule) or fail it (cannot be built)."""
    with connection():
        message = OutboxMessage.get_or_none(OutboxMessage.id == pk)
        if message is None or message.status != OUTBOX_SENDING or message.claimed_by != sender_id:
            return None  # no longer ours: nothing to do
        reason = _no_contact(message, message.customer)
        if reason:
            _settle(pk, sender_id, status=OUTBOX_WITHDRAWN, last_error=reason[:ERROR_LIMIT])
            return DeliveryReport(withdrawn=1, lines=(f"#{pk} withdrawn: {reason}",))
        try:
            email = build_email(message, sender=settings.sender)
        except (ValueError, TypeError, LookupError) as error:
            # A message that cannot be built will not build on a later try either.
            problem = f"The message cannot be written as an e-mail: {error}."
            _settle(
                pk,
                sender_id,
                status=OUTBOX_FAILED,
                attempts=int(message.attempts) + 1,
                last_error=problem[:ERROR_LIMIT],
            )
            return DeliveryReport(failed=1, lines=(f"#{pk} failed: {problem}",))
        return _Ready(
            pk,
            int(message.attempts),
            str(message.subject),
            tuple(recipient_list(message.recipients)),
            email,
        )


def _failed(ready: _Ready, sender_id: str, problem: str, moment: dt.datetime) -> DeliveryReport:
    attempts = ready.attempts + 1
    problem = problem[:ERROR_LIMIT]
    if attempts >= MAX_ATTEMPTS:
        _settle(
            ready.pk,
            sender_id,
            status=OUTBOX_FAILED,
            attempts=attempts,
            last_error=problem,
            next_attempt_at=None,
        )
        line = (
            f"#{ready.pk} failed after {attempts} attempts: {problem} "
            f"Once the cause is fixed, queue it again with: offboard outbox retry {ready.pk}"
        )
        return DeliveryReport(failed=1, lines=(line,))
    retry_at = moment + backoff(attempts)
    _settle(
        ready.pk,
        sender_id,
        status=OUTBOX_QUEUED,
        attempts=attempts,
        last_error=problem,
        next_attempt_at=retry_at,
        claimed_by="",
        claimed_at=None,
    )
    line = (
        f"#{ready.pk} not sent (attempt {attempts} of {MAX_ATTEMPTS}); "
        f"next try after {when(retry_at)}: {problem}"
    )
    return DeliveryReport(retrying=1, lines=(line,))


def send_queued(
    settings: SmtpSettings,
    *,
    sender_id: str | None = None,
    now: dt.datetime | None = None,
    limit: int = 100,
    transport: Transport | None = None,
) -> DeliveryReport:
    """Send up to ``limit`` due queued messages; what became of each is in the report.

    Each change of a message's state is a short transaction of its own; none is open while the
    mail server is talked to. A message is claimed before it is sent, and a message left in
    ``sending`` (the sender stopped mid-way) is never sent again by itself: see ``requeue``.
    ``now`` (UTC) stands in for the clock, for tests."""
    if transport is None and settings.user and not settings.password:
        raise InvalidInput(
            f"The SMTP user '{settings.user}' is set but no password is: set "
            "OFFBOARD_SMTP_PASSWORD in the environment of the command that sends."
        )
    me = (sender_id or default_sender_id())[:120]

    def clock() -> dt.datetime:
        return _naive_utc(now)

    claimed = claim(limit, me, clock())
    if not claimed:
        return DeliveryReport()
    carrier: Transport = transport if transport is not None else SmtpTransport(settings)
    report = DeliveryReport()
    unreachable = ""  # once the server cannot be reached, the rest of the batch is not tried
    untried = list(claimed)
    try:
        while untried:
            prepared = _prepare(untried.pop(0), me, settings)
            if prepared is None:
                continue
            if isinstance(prepared, DeliveryReport):
                report += prepared
                continue
            outcome, unreachable = _deliver(prepared, me, settings, carrier, clock, unreachable)
            report += outcome
    except BaseException:
        # Something unforeseen stopped the batch: the message in hand may have gone out and
        # stays "sending"; those not yet tried certainly did not, and go back to the queue.
        _release(untried, me)
        raise
    finally:
        if transport is None:
            carrier.close()
    return report


def _release(ids: Sequence[int], sender_id: str) -> None:
    if not ids:
        return
    with connection(), database.atomic():
        OutboxMessage.update(status=OUTBOX_QUEUED, claimed_by="", claimed_at=None).where(
            OutboxMessage.id.in_(list(ids))
            & (OutboxMessage.status == OUTBOX_SENDING)
            & (OutboxMessage.claimed_by == sender_id)
        ).execute()


def _deliver(
    ready: _Ready,
    sender_id: str,
    settings: SmtpSettings,
    carrier: Transport,
    clock: Callable[[], dt.datetime],
    unreachable: str,
) -> tuple[DeliveryReport, str]:
    """Hand one message to the transport and record the outcome; also whether the server is
    (still) unreachable, so the rest of the batch waits for a later run."""
    if unreachable:
        return _failed(ready, sender_id, unreachable, clock()), unreachable
    try:
        refused = carrier.send(ready.email, settings.envelope_sender, ready.recipients)
    except ServerUnreachable as error:
        return _failed(ready, sender_id, str(error), clock()), str(error)
    except (smtplib.SMTPException, OSError) as error:
        problem = describe_failure(error, settings.address)
        return _failed(ready, sender_id, problem, clock()), ""
    note = ""
    if refused:
        # The others have it: sending again would send it to them twice.
        note = "Not delivered to " + "; ".join(
            f"{address} ({_reply(smtplib.SMTPResponseException(code, reply))})"
            for address, (code, reply) in refused.items()
        )
    _settle(
        ready.pk,
        sender_id,
        status=OUTBOX_SENT,
        sent_at=clock(),
        attempts=ready.attempts + 1,
        last_error=note[:ERROR_LIMIT],
        next_attempt_at=None,
    )
    shown = ", ".join(address for address in ready.recipients if address not in refused)
    line = f"#{ready.pk} sent to {shown}: {ready.subject}" + (f" ({note})" if note else "")
    return DeliveryReport(sent=1, lines=(line,)), ""


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


def check_status(status: str | None) -> str | None:
    """An outbox status name, or InvalidInput listing the ones there are."""
    if status is None or not status.strip():
        return None
    text = status.strip().lower()
    if text not in OUTBOX_STATUSES:
        raise InvalidInput(
            f"'{status}' is not an outbox status. Use one of: {', '.join(OUTBOX_STATUSES)}."
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


def requeue(login: str, message_id: int, *, now: dt.datetime | None = None) -> OutboxRow:
    """Put a failed message, or one stuck in ``sending``, back in the queue (a team lead or a
    CRM admin). A stuck one may have gone out before its sender stopped: a person decides."""
    moment = _naive_utc(now)
    with connection(), database.atomic():
        who = audit.actor(login)
        audit.require_cancellation_role(who, "put an outbox message back in the queue")
        message = _message(message_id)
        status = str(message.status)
        if status == OUTBOX_SENDING:
            claimed_at = message.claimed_at or moment
            if moment - claimed_at < STUCK_AFTER:
                raise Conflict(
                    f"Outbox message {message.id} is being sent right now "
                    f"(claimed by {message.claimed_by} at {when(claimed_at)}). If that sender has "
                    f"stopped, try again after {when(claimed_at + STUCK_AFTER)}."
                )
        elif status != OUTBOX_FAILED:
            raise Conflict(
                f"Outbox message {message.id} is {status}: only a failed message, or one stuck "
                "in sending, can be put back in the queue."
            )
        reason = _no_contact(message, message.customer)
        if reason:
            raise NotAllowed(reason)
        _change(
            message,
            status=OUTBOX_QUEUED,
            attempts=0,
            next_attempt_at=None,
            claimed_by="",
            claimed_at=None,
        )
        _audit_change(who.login, message, "requeue message", {"status": OUTBOX_QUEUED})
    return outbox_row(message_id)


def withdraw(login: str, message_id: int) -> OutboxRow:
    """Take a queued or failed message out of the outbox, so it is never sent (a team lead or
    a CRM admin). A message being sent cannot be withdrawn: it may be on its way."""
    with connection(), database.atomic():
        who = audit.actor(login)
        audit.require_cancellation_role(who, "withdraw an outbox message")
        message = _message(message_id)
        status = str(message.status)
        if status not in (OUTBOX_QUEUED, OUTBOX_FAILED):
            raise Conflict(
                f"Outbox message {message.id} is {status}: only a queued or failed message "
                "can be withdrawn."
            )
        _change(
            message,
            status=OUTBOX_WITHDRAWN,
            next_attempt_at=None,
            last_error=f"Withdrawn by {who.display_name} on {when(utcnow())}.",
        )
        _audit_change(who.login, message, "withdraw message", {"status": OUTBOX_WITHDRAWN})
    return outbox_row(message_id)


# ----------------------------------------------------------------------------- export


def _file_name(message: OutboxMessage) -> str:
    kind = re.sub(r"[^A-Za-z0-9_-]+", "-", str(message.kind)).strip("-") or "message"
    return f"{message.id}-{kind}.eml"


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def export_queued(directory: str | Path, *, sender: str | None = None) -> list[Path]:
    """Write each queued message as ``<id>-<kind>.eml`` in ``directory``; they stay queued.

    For a site without SMTP: the files open in any mail client, to be sent from there. A
    message to a customer under the no-contact rule is not written (``send`` withdraws it)."""
    folder = Path(directory).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError as error:
        raise InvalidInput(
            f"Cannot export to {folder}: it is a file, not a folder. Name a folder."
        ) from error
    except OSError as error:
        raise InvalidInput(
            f"Cannot create the folder {folder}: {error.strerror or error}. Name a folder "
            "you may write to."
        ) from error
    written: list[Path] = []
    after: int | None = None
    while True:
        with connection():
            query = (
                OutboxMessage.select(OutboxMessage, Customer)
                .join(Customer)
                .where(OutboxMessage.status == OUTBOX_QUEUED)
            )
            if after is not None:
                query = query.where(OutboxMessage.id > after)
            page = list(query.order_by(OutboxMessage.id).limit(PAGE_LIMIT))
            emails = [
                (message, build_email(message, sender=sender or DEFAULT_SENDER))
                for message in page
                if not _no_contact(message, message.customer)
            ]
        for message, email in emails:
            path = folder / _file_name(message)
            try:
                _write_atomically(path, email.as_bytes())
            except OSError as error:
                raise InvalidInput(
                    f"Cannot write {path}: {error.strerror or error}. Name a folder you may "
                    f"write to ({len(written)} messages were written before this one)."
                ) from error
            written.append(path)
        if len(page) < PAGE_LIMIT:
            return written
        after = int(page[-1].id)
