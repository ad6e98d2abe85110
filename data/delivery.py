"""Delivering the outbox at most once: a sender claims one queued message at a time, records
that it is handing it to the mail server just before DATA, and settles it as sent, partial,
retried with back-off, failed or uncertain; a message a stopped sender left behind is taken
over (not yet handed over) or marked uncertain (it may have arrived)."""

from __future__ import annotations

import datetime as dt
import html
import re
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from data import clock, outbox
from data.dates import when
from data.db import connection, database
from data.errors import InvalidInput
from data.mail_transport import (
    DEFAULT_PORTS,
    DEFAULT_TIMEOUT,
    SECURITY_MODES,
    ClaimLost,
    OutcomeUnknown,
    Refused,
    Security,
    ServerUnreachable,
    SmtpSettings,
    SmtpTransport,
    Transport,
    describe_failure,
    is_permanent,
    refused_text,
)
from data.models import (
    Audience,
    Customer,
    OutboxMessage,
    OutboxStatus,
)
from data.outbox_claims import (
    ERROR_LIMIT,
    abandoned_claims,
    claim_next,
    default_sender_id,
    hand_over,
    naive_utc,
)

__all__ = [  # the settings and transport are used from here as they always were
    "DEFAULT_PORTS",
    "DEFAULT_TIMEOUT",
    "SECURITY_MODES",
    "Security",
    "ServerUnreachable",
    "SmtpSettings",
    "SmtpTransport",
    "Transport",
    "default_sender_id",
    "describe_failure",
]

# Used in exports when no SMTP sender is configured; a mail client shows it, nothing sends it.
DEFAULT_SENDER = "offboard@localhost"
MESSAGE_ID_DOMAIN = "offboard.invalid"

# A message is tried this many times in all; the waits after the failed tries, in minutes.
MAX_ATTEMPTS = 6
BACKOFF_MINUTES = (1, 5, 15, 60, 240)
PAGE_LIMIT = 500


# ----------------------------------------------------------------------------- the e-mail


def recipient_list(recipients: str) -> list[str]:
    """The stored comma-separated recipients, one address each."""
    return [part.strip() for part in str(recipients or "").split(",") if part.strip()]


def copy_list(message: OutboxMessage) -> list[str]:
    """The addresses a message copies in (its Cc), one address each."""
    return recipient_list(message.cc)


def envelope_recipients(message: OutboxMessage) -> list[str]:
    """Everyone the message goes to (RCPT TO): its recipients, then the addresses it copies."""
    return list(dict.fromkeys([*recipient_list(message.recipients), *copy_list(message)]))


def _domain(sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2].strip().lower()
    return domain if re.fullmatch(r"[a-z0-9.-]+", domain) else MESSAGE_ID_DOMAIN


def html_document(subject: str, body_html: str) -> str:
    """The HTML part: the rendered Markdown in a minimal document."""
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(subject)}</title>\n</head>\n<body>\n{body_html}</body>\n</html>\n"
    )


def new_message_id(message: OutboxMessage, sender: str) -> str:
    """The Message-ID a message gets when it is first built (then stored and kept)."""
    created = message.created_at or clock.now()
    return f"<offboard.{message.id}.{created:%Y%m%d%H%M%S}@{_domain(sender)}>"


def fix_message_id(message: OutboxMessage, sender: str) -> None:
    """Store the message's Message-ID the first time it is built, so every attempt, resend and
    export carries the same one; ``message`` is brought up to date. Inside ``connection()``."""
    if message.message_id:
        return
    OutboxMessage.update(message_id=new_message_id(message, sender)).where(
        (OutboxMessage.id == message.id) & (OutboxMessage.message_id == "")
    ).execute()
    # Whoever stored it first won; everyone uses that one.
    message.message_id = OutboxMessage.get_by_id(message.id).message_id


def build_email(message: OutboxMessage, *, sender: str = DEFAULT_SENDER) -> EmailMessage:
    """The message as multipart/alternative: the Markdown as text/plain, rendered as text/html,
    with a Cc header when it copies anyone in. Its Message-ID is the stored one (see
    ``fix_message_id``)."""
    created = message.created_at or clock.now()
    email = EmailMessage()
    email["From"] = sender
    email["To"] = ", ".join(recipient_list(message.recipients))
    copied = copy_list(message)
    if copied:
        email["Cc"] = ", ".join(copied)
    email["Subject"] = str(message.subject)
    email["Date"] = format_datetime(created.replace(tzinfo=dt.UTC))
    email["Message-ID"] = str(message.message_id or new_message_id(message, sender))
    email["X-Offboard-Message"] = str(message.id)
    body = str(message.body)
    # The plain part reads as the Markdown does, without the backslashes that keep the values
    # put into a template literal.
    email.set_content(outbox.plain_text(body))
    email.add_alternative(html_document(str(message.subject), outbox.to_html(body)), subtype="html")
    return email


# ----------------------------------------------------------------------------- claiming


# ----------------------------------------------------------------------------- sending


@dataclass(frozen=True)
class DeliveryReport:
    """What one run of the sender did: counts, and a line for each message it handled."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    withdrawn: int = 0
    lines: tuple[str, ...] = ()
    uncertain: int = 0
    partial: int = 0

    @property
    def handled(self) -> int:
        return (
            self.sent + self.retrying + self.failed + self.withdrawn + self.uncertain + self.partial
        )

    @property
    def unsent(self) -> int:
        """The messages that did not (surely, or to everyone) go out."""
        return self.retrying + self.failed + self.uncertain + self.partial

    @property
    def summary(self) -> str:
        if not self.handled:
            return "No message was due to be sent."
        extra = "".join(
            f", {count} {label}"
            for count, label in ((self.uncertain, "uncertain"), (self.partial, "partly sent"))
            if count
        )
        return (
            f"{self.sent} sent, {self.retrying} to be retried, {self.failed} failed, "
            f"{self.withdrawn} withdrawn{extra}."
        )

    def __add__(self, other: DeliveryReport) -> DeliveryReport:
        return DeliveryReport(
            self.sent + other.sent,
            self.retrying + other.retrying,
            self.failed + other.failed,
            self.withdrawn + other.withdrawn,
            self.lines + other.lines,
            self.uncertain + other.uncertain,
            self.partial + other.partial,
        )


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed try."""
    index = min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1
    return dt.timedelta(minutes=BACKOFF_MINUTES[index])


def no_contact(message: OutboxMessage, customer: Customer) -> str:
    """Why this message may not go to the customer's people now (empty when it may)."""
    to_customer = message.audience == Audience.CUSTOMER or any(
        outbox.is_customer_address(customer, address) for address in envelope_recipients(message)
    )
    return outbox.no_contact_reason(customer) if to_customer else ""


def _settle(pk: int, sender_id: str, **changes: object) -> bool:
    """Record what became of a message this sender claimed, in a transaction of its own."""
    with connection(), database.atomic():
        updated = (
            OutboxMessage.update(**changes)
            .where(
                (OutboxMessage.id == pk)
                & (OutboxMessage.status == OutboxStatus.SENDING)
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
    recipients: tuple[str, ...]  # the envelope's: the To addresses and the Cc ones
    email: EmailMessage


def _prepare(pk: int, sender_id: str, settings: SmtpSettings) -> _Ready | DeliveryReport | None:
    """Read a claimed message; withdraw it (the no-contact rule) or fail it (cannot be built)."""
    with connection():
        message = OutboxMessage.get_or_none(OutboxMessage.id == pk)
        if (
            message is None
            or message.status != OutboxStatus.SENDING
            or message.claimed_by != sender_id
        ):
            return None  # no longer ours: nothing to do
        reason = no_contact(message, message.customer)
        if reason:
            _settle(pk, sender_id, status=OutboxStatus.WITHDRAWN, last_error=reason[:ERROR_LIMIT])
            return DeliveryReport(withdrawn=1, lines=(f"#{pk} withdrawn: {reason}",))
        try:
            fix_message_id(message, settings.sender)
            email = build_email(message, sender=settings.sender)
        except (ValueError, TypeError, LookupError) as error:
            # A message that cannot be built will not build on a later try either.
            problem = f"The message cannot be written as an e-mail: {error}."
            _settle(
                pk,
                sender_id,
                status=OutboxStatus.FAILED,
                attempts=int(message.attempts) + 1,
                last_error=problem[:ERROR_LIMIT],
            )
            return DeliveryReport(failed=1, lines=(f"#{pk} failed: {problem}",))
        return _Ready(
            pk,
            int(message.attempts),
            str(message.subject),
            tuple(envelope_recipients(message)),
            email,
        )


def _failed(
    ready: _Ready,
    sender_id: str,
    problem: str,
    moment: dt.datetime,
    *,
    permanent: bool = False,
) -> DeliveryReport:
    """Settle a message that certainly did not go out: retried with back-off, or failed when
    the server refused it for good (5xx) or it has had its tries."""
    attempts = ready.attempts + 1
    problem = problem[:ERROR_LIMIT]
    if permanent or attempts >= MAX_ATTEMPTS:
        _settle(
            ready.pk,
            sender_id,
            status=OutboxStatus.FAILED,
            attempts=attempts,
            last_error=problem,
            next_attempt_at=None,
            handed_over_at=None,
        )
        why = "the server refused it for good" if permanent else f"after {attempts} attempts"
        line = (
            f"#{ready.pk} failed ({why}): {problem} "
            f"Once the cause is fixed, queue it again with: offboard outbox retry {ready.pk}"
        )
        return DeliveryReport(failed=1, lines=(line,))
    retry_at = moment + backoff(attempts)
    _settle(
        ready.pk,
        sender_id,
        status=OutboxStatus.QUEUED,
        attempts=attempts,
        last_error=problem,
        next_attempt_at=retry_at,
        claimed_by="",
        claimed_at=None,
        handed_over_at=None,
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
    """Send up to ``limit`` due queued messages, one claim at a time; what became of each is in
    the report. First settles what stopped senders left behind (``abandoned_claims``).

    Each change of a message's state is a short transaction of its own; none is open while the
    mail server is talked to. ``now`` (UTC) stands in for the clock, for tests."""
    if limit < 1:
        raise InvalidInput(f"Cannot send {limit} messages at a time: give 1 or more.")
    if transport is None and settings.user and not settings.password:
        raise InvalidInput(
            f"The SMTP user '{settings.user}' is set but no password is: set "
            "OFFBOARD_SMTP_PASSWORD in the environment of the command that sends."
        )
    me = (sender_id or default_sender_id())[:120]

    def clock() -> dt.datetime:
        return naive_utc(now)

    report = DeliveryReport()
    for settled in abandoned_claims(me, clock()):
        report += DeliveryReport(uncertain=int(settled.uncertain), lines=(settled.line,))
    carrier: Transport = transport if transport is not None else SmtpTransport(settings)
    unreachable = ""  # once the server cannot be reached, the rest are not tried this run
    try:
        for _ in range(limit):
            pk = claim_next(me, clock())
            if pk is None:
                break
            try:
                prepared = _prepare(pk, me, settings)
                if prepared is None or isinstance(prepared, DeliveryReport):
                    report += prepared or DeliveryReport()
                    continue
                outcome, unreachable = _deliver(prepared, me, settings, carrier, clock, unreachable)
                report += outcome
            except BaseException as error:
                # Something unforeseen stopped the run with this message in hand.
                _stopped(pk, me, error, clock())
                raise
    finally:
        if transport is None:
            carrier.close()
    return report


def _stopped(pk: int, sender_id: str, error: BaseException, moment: dt.datetime) -> None:
    """The run stopped with ``pk`` in hand: not handed over, it goes back to the queue; handed
    over, it is uncertain."""
    with connection():
        message = OutboxMessage.get_or_none(OutboxMessage.id == pk)
    if message is None:
        return
    if message.handed_over_at is None:
        _settle(pk, sender_id, status=OutboxStatus.QUEUED, claimed_by="", claimed_at=None)
        return
    problem = (
        f"Sending stopped after the message was handed to the mail server ({error!r}): "
        "it may have arrived. Resend it (it may arrive twice) or mark it sent."
    )
    _settle(pk, sender_id, status=OutboxStatus.UNCERTAIN, last_error=problem[:ERROR_LIMIT])


def _deliver(
    ready: _Ready,
    sender_id: str,
    settings: SmtpSettings,
    carrier: Transport,
    clock: Callable[[], dt.datetime],
    unreachable: str,
) -> tuple[DeliveryReport, str]:
    """Hand one message to the transport and record the outcome; also whether the server is
    (still) unreachable, so the rest wait for a later run."""
    if unreachable:
        return _failed(ready, sender_id, unreachable, clock()), unreachable

    def handing_over() -> bool:
        return hand_over(ready.pk, sender_id, clock())

    try:
        refused = carrier.send(
            ready.email, settings.envelope_sender, ready.recipients, handing_over
        )
    except ServerUnreachable as error:
        return _failed(ready, sender_id, str(error), clock()), str(error)
    except ClaimLost:
        return DeliveryReport(lines=(f"#{ready.pk} was taken over by another sender.",)), ""
    except OutcomeUnknown as error:
        problem = (
            f"Handed to the mail server at {when(clock())}, but no answer came: {error} "
            "It may have arrived, so it is not sent again by itself: resend it (it may arrive "
            "twice) or mark it sent."
        )
        _settle(
            ready.pk,
            sender_id,
            status=OutboxStatus.UNCERTAIN,
            attempts=ready.attempts + 1,
            last_error=problem[:ERROR_LIMIT],
            next_attempt_at=None,
        )
        return DeliveryReport(uncertain=1, lines=(f"#{ready.pk} uncertain: {problem}",)), ""
    except (smtplib.SMTPException, OSError) as error:
        problem = describe_failure(error, settings.address)
        return _failed(ready, sender_id, problem, clock(), permanent=is_permanent(error)), ""
    return _delivered(ready, sender_id, refused, clock()), ""


def _delivered(
    ready: _Ready, sender_id: str, refused: Refused, moment: dt.datetime
) -> DeliveryReport:
    """The server took the message: sent, or ``partial`` when it refused some recipients (they
    are named; sending again would send it twice to the others)."""
    shown = ", ".join(address for address in ready.recipients if address not in refused)
    status, note = OutboxStatus.SENT, ""
    if refused:
        status = OutboxStatus.PARTIAL
        note = f"Delivered to {shown}; refused: {refused_text(refused)}"
    _settle(
        ready.pk,
        sender_id,
        status=status,
        sent_at=moment,
        attempts=ready.attempts + 1,
        last_error=note[:ERROR_LIMIT],
        next_attempt_at=None,
    )
    if refused:
        return DeliveryReport(partial=1, lines=(f"#{ready.pk} partly sent: {note}",))
    return DeliveryReport(sent=1, lines=(f"#{ready.pk} sent to {shown}: {ready.subject}",))
