"""Delivering the outbox on both backends, to a real SMTP server on loopback (aiosmtpd): what
arrives, retries with back-off, at most once with two senders, the no-contact rule at send time,
export as .eml, and who may put a message back or withdraw it."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import os
import shutil
import socket
import sqlite3
import ssl
import subprocess
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from data import cancellations, notices, outbox, outbox_claims, termination
from data.dates import today_in, when
from data.db import connection, database, migrate_schema, open_database
from data.delivery import (
    BACKOFF_MINUTES,
    MAX_ATTEMPTS,
    DeliveryReport,
    SmtpSettings,
    build_email,
    send_queued,
)
from data.errors import Conflict, InvalidInput, NotAllowed, NotFound
from data.mail_transport import ClaimLost
from data.models import (
    Audience,
    AuditEvent,
    BillingStatus,
    Customer,
    OutboxMessage,
    OutboxStatus,
)
from data.outbox_claims import CLAIM_LEASE, claim_next, default_sender_id, sender_is_gone
from data.outbox_export import export_queued
from data.outbox_review import outbox_page, requeue, withdraw
from tests.conftest import OpenedDatabase
from tests.data.world import ADMIN, GONE, LEAD, NOBODY, VIEWER, World

T0 = dt.datetime(2030, 3, 4, 9, 0)  # the sender's clock, moved by hand
SENDER = "Offboard <offboard@example.com>"
ADMIN_EMAIL = "pat@acme.example"


# ----------------------------------------------------------------------------- the mail server


@dataclass
class Mailbox:
    """What a real SMTP server on loopback received, and how it should answer."""

    port: int
    received: list[Envelope] = field(default_factory=list)
    refuse_data: str = ""  # an SMTP reply such as "550 …" to every message
    refuse_recipients: dict[str, str] = field(default_factory=dict)  # address -> reply
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.refuse_recipients:
            return self.refuse_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse_data:
            return self.refuse_data
        with self.lock:
            self.received.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [parse(envelope.original_content or b"") for envelope in self.received]

    def settings(self, **changes: Any) -> SmtpSettings:
        values: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.port,
            "security": "none",
            "sender": SENDER,
            "timeout": 10.0,
        }
        values.update(changes)
        return SmtpSettings(**values)


def parse(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_mailbox(**server: Any) -> Iterator[Mailbox]:
    """A real SMTP server (aiosmtpd) on a free loopback port, for the block; ``server`` are
    aiosmtpd's options (TLS, authentication)."""
    mailbox = Mailbox(free_port())
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port, **server)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


@pytest.fixture(autouse=True)
def shipped_templates() -> Iterator[None]:
    outbox.use_templates(None)
    yield
    outbox.use_templates(None)


# ----------------------------------------------------------------------------- helpers


def queue(
    world: World,
    subject: str = "Hello",
    body: str = "Hello **there**.\n",
    recipients: tuple[str, ...] = ("lena@example.com",),
    *,
    audience: str = Audience.INTERNAL,
    kind: str = "note",
) -> int:
    with connection(), database.atomic():
        customer = Customer.get_by_id(world.customer_id)
        message = outbox.queue(
            customer, None, kind, list(recipients), subject, body, audience=audience
        )
        return int(message.id)


def message(pk: int) -> OutboxMessage:
    with connection():
        found: OutboxMessage = OutboxMessage.get_by_id(pk)
        return found


def give_admin_email(world: World) -> None:
    with connection():
        Customer.update(admin_email=ADMIN_EMAIL, admin_name="Pat Admin").where(
            Customer.id == world.customer_id
        ).execute()


def send_to_collections(world: World) -> None:
    with connection():
        Customer.update(billing_status=BillingStatus.COLLECTIONS).where(
            Customer.id == world.customer_id
        ).execute()


NOTIFICATION_VALUES = {
    "scenario": "Non-renewal",
    "customer_name": "Acme Widgets",
    "account": "500001",
    "processed_by": "Lena Lead",
    "processed_at": "2030-03-04 09:00",
    "begun_at": "2030-02-01 10:30",
    "begun_by": "Otto Other",
    "reasons": "Price, Budget cuts",
    "new_owner": "Tess Telesales",
    "mood": "Neutral",
    "extra_information": "Call before *Friday*.",
}


# ----------------------------------------------------------------------------- sending


def test_a_queued_message_arrives_as_text_and_html_with_its_placeholders_filled(
    world: World, mailbox: Mailbox
) -> None:
    rendered = outbox.render("cancellation_notification", NOTIFICATION_VALUES)
    pk = queue(
        world,
        rendered.subject,
        rendered.body,
        ("lena@example.com", "Otto Other <otto@example.com>"),
        kind="cancellation-notification",
    )

    report = send_queued(mailbox.settings(), sender_id="sender-1", now=T0)

    assert (report.sent, report.retrying, report.failed, report.withdrawn) == (1, 0, 0, 0)
    assert report.lines == (
        f"#{pk} sent to lena@example.com, otto@example.com: Cancelled: Acme Widgets (500001)",
    )
    [envelope] = mailbox.received
    assert envelope.mail_from == "offboard@example.com"
    assert envelope.rcpt_tos == ["lena@example.com", "otto@example.com"]
    [arrived] = mailbox.messages()
    assert arrived["Subject"] == "Cancelled: Acme Widgets (500001)"
    assert arrived["From"] == SENDER
    assert arrived["To"] == "lena@example.com, otto@example.com"
    assert arrived["X-Offboard-Message"] == str(pk)
    assert arrived["Message-ID"].endswith("@example.com>")
    assert arrived["Date"]
    assert arrived.get_content_type() == "multipart/alternative"
    plain = arrived.get_body(("plain",))
    html = arrived.get_body(("html",))
    assert plain is not None and html is not None
    text, page = plain.get_content(), html.get_content()
    # The plain part is the Markdown itself; the HTML part is it rendered.
    assert "Lena Lead processed the cancellation of **Acme Widgets** (account 500001)" in text
    assert "- New owner: Tess Telesales" in text
    assert "Call before *Friday*." in text
    assert "<strong>Acme Widgets</strong>" in page
    assert "<li>Reasons: Price, Budget cuts</li>" in page
    # A value is text, never Markdown (the template's own Markdown is rendered).
    assert "Call before *Friday*." in page
    assert "<title>Cancelled: Acme Widgets (500001)</title>" in page
    assert "$" not in text and "$" not in page

    sent = message(pk)
    assert (sent.status, sent.sent_at, sent.attempts, sent.last_error) == (
        OutboxStatus.SENT,
        T0,
        1,
        "",
    )
    assert sent.claimed_by == "sender-1"


def test_a_sent_message_is_not_sent_again(world: World, mailbox: Mailbox) -> None:
    queue(world)
    assert send_queued(mailbox.settings(), now=T0).sent == 1

    again = send_queued(mailbox.settings(), now=T0 + dt.timedelta(days=1))

    assert again == DeliveryReport()
    assert again.summary == "No message was due to be sent."
    assert len(mailbox.received) == 1


def test_raw_html_in_a_message_reaches_the_html_part_as_text(world: World) -> None:
    pk = queue(world, "Careful", "<script>alert(1)</script> and *this*\n")

    built = build_email(message(pk), sender=SENDER)

    html = built.get_body(("html",))
    assert html is not None
    assert "<script>" not in html.get_content()
    assert "&lt;script&gt;" in html.get_content()
    assert "<em>this</em>" in html.get_content()
    # The same message always has the same Message-ID (an export and a send agree).
    assert build_email(message(pk), sender=SENDER)["Message-ID"] == built["Message-ID"]


def test_a_refused_message_is_retried_with_back_off_then_fails(
    world: World, mailbox: Mailbox
) -> None:
    mailbox.refuse_data = "451 4.3.0 Try again later"
    pk = queue(world)
    settings = mailbox.settings()
    moment = T0

    for attempt, wait in enumerate(BACKOFF_MINUTES, start=1):
        report = send_queued(settings, now=moment)
        assert (report.retrying, report.sent, report.failed) == (1, 0, 0), attempt
        row = message(pk)
        assert row.status == OutboxStatus.QUEUED
        assert row.attempts == attempt
        assert row.next_attempt_at == moment + dt.timedelta(minutes=wait)
        assert row.last_error == (
            f"The mail server 127.0.0.1:{mailbox.port} refused the message: "
            "451 4.3.0 Try again later."
        )
        assert row.claimed_by == ""
        assert f"(attempt {attempt} of {MAX_ATTEMPTS}); next try after " in report.lines[0]
        # Not due yet: a sender a moment later leaves it alone.
        early = send_queued(settings, now=moment + dt.timedelta(minutes=wait, seconds=-1))
        assert early.handled == 0
        moment += dt.timedelta(minutes=wait)

    last = send_queued(settings, now=moment)

    assert (last.failed, last.retrying) == (1, 0)
    assert last.lines[0].startswith(f"#{pk} failed (after {MAX_ATTEMPTS} attempts): ")
    row = message(pk)
    assert (row.status, row.attempts, row.next_attempt_at) == (
        OutboxStatus.FAILED,
        MAX_ATTEMPTS,
        None,
    )
    assert "451 4.3.0 Try again later" in row.last_error
    assert send_queued(settings, now=moment + dt.timedelta(days=30)).handled == 0
    assert mailbox.received == []


def test_an_unreachable_server_is_recorded_on_every_message_of_the_batch(
    world: World,
) -> None:
    closed = SmtpSettings("127.0.0.1", free_port(), security="none", sender=SENDER)
    ids = [queue(world, f"Message {n}") for n in range(3)]

    report = send_queued(closed, now=T0)

    assert report.retrying == 3
    for pk in ids:
        row = message(pk)
        assert (row.status, row.attempts) == (OutboxStatus.QUEUED, 1)
        assert row.next_attempt_at == T0 + dt.timedelta(minutes=BACKOFF_MINUTES[0])
        assert row.last_error == (
            f"Cannot connect to the mail server {closed.address}: the connection was refused."
        )


def test_starttls_against_a_server_without_it_says_how_to_fix_the_setting(
    world: World, mailbox: Mailbox
) -> None:
    pk = queue(world)

    report = send_queued(mailbox.settings(security="starttls"), now=T0)

    assert report.retrying == 1
    error = message(pk).last_error
    assert "STARTTLS" in error and "set security to 'tls'" in error
    assert mailbox.received == []


def test_a_recipient_refused_among_others_is_partial_names_them_and_is_not_sent_again(
    world: World, mailbox: Mailbox
) -> None:
    mailbox.refuse_recipients["gone@example.com"] = "550 5.1.1 No such user"
    mailbox.refuse_recipients["full@example.com"] = "452 4.2.2 Mailbox full"
    pk = queue(world, recipients=("lena@example.com", "gone@example.com", "full@example.com"))

    report = send_queued(mailbox.settings(), now=T0)

    assert (report.sent, report.partial) == (0, 1)
    note = (
        "Delivered to lena@example.com; refused: gone@example.com (550 5.1.1 No such user); "
        "full@example.com (452 4.2.2 Mailbox full)"
    )
    assert report.lines == (f"#{pk} partly sent: {note}",)
    assert report.summary == "0 sent, 0 to be retried, 0 failed, 0 withdrawn, 1 partly sent."
    [envelope] = mailbox.received
    assert envelope.rcpt_tos == ["lena@example.com"]
    row = message(pk)
    assert (row.status, row.sent_at, row.last_error) == (OutboxStatus.PARTIAL, T0, note)
    assert send_queued(mailbox.settings(), now=T0 + dt.timedelta(days=1)).handled == 0
    assert len(mailbox.received) == 1


def test_every_recipient_refused_for_good_fails_at_once(world: World, mailbox: Mailbox) -> None:
    mailbox.refuse_recipients["gone@example.com"] = "550 5.1.1 No such user"
    pk = queue(world, recipients=("gone@example.com",))

    report = send_queued(mailbox.settings(), now=T0)

    assert (report.failed, report.retrying) == (1, 0)
    row = message(pk)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 1)
    assert row.last_error == (
        f"The mail server 127.0.0.1:{mailbox.port} refused every recipient: "
        "gone@example.com (550 5.1.1 No such user)."
    )
    assert mailbox.received == []


def test_a_permanent_refusal_of_the_message_is_not_retried(world: World, mailbox: Mailbox) -> None:
    mailbox.refuse_data = "554 5.7.1 Relaying denied"
    pk = queue(world)

    report = send_queued(mailbox.settings(), now=T0)

    assert (report.failed, report.retrying) == (1, 0)
    assert report.lines[0].startswith(f"#{pk} failed (the server refused it for good): ")
    row = message(pk)
    assert (row.status, row.attempts, row.next_attempt_at) == (OutboxStatus.FAILED, 1, None)
    assert row.last_error == (
        f"The mail server 127.0.0.1:{mailbox.port} refused the message: 554 5.7.1 Relaying denied."
    )
    mailbox.refuse_data = ""
    assert send_queued(mailbox.settings(), now=T0 + dt.timedelta(days=1)).handled == 0


def test_a_user_without_a_password_is_refused_before_anything_is_claimed(world: World) -> None:
    pk = queue(world)
    settings = SmtpSettings("127.0.0.1", 2525, security="none", user="mailer", sender=SENDER)

    with pytest.raises(InvalidInput, match="OFFBOARD_SMTP_PASSWORD"):
        send_queued(settings, now=T0)

    assert message(pk).status == OutboxStatus.QUEUED


def test_the_password_is_never_shown() -> None:
    settings = SmtpSettings("smtp.example.com", user="mailer", password="hunter2", sender=SENDER)
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings)


# ----------------------------------------------------------------------------- TLS and login

LOGIN, PASSWORD = "mailer", "s3cret"


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    made = Certificate(folder / "cert.pem", folder / "key.pem")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "2"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
            *("-keyout", str(made.key), "-out", str(made.cert)),
        ],
        check=True,
        capture_output=True,
    )
    return made


def authenticator(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    good = isinstance(auth_data, LoginPassword) and auth_data == (
        LOGIN.encode(),
        PASSWORD.encode(),
    )
    # handled=False: aiosmtpd itself answers (535 on a refusal).
    return AuthResult(success=good, handled=False)


@pytest.fixture
def trusted(certificate: Certificate, monkeypatch: pytest.MonkeyPatch) -> Certificate:
    """The test certificate, trusted by ssl.create_default_context() as a CA would be."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return certificate


def test_starttls_with_a_login_delivers_and_a_wrong_password_is_said_plainly(
    world: World, trusted: Certificate
) -> None:
    good, bad = queue(world, "Good"), queue(world, "Bad")
    with running_mailbox(
        tls_context=trusted.server_context(),
        require_starttls=True,
        authenticator=authenticator,
        auth_require_tls=True,
    ) as box:
        wrong = box.settings(security="starttls", user=LOGIN, password="wrong")
        refused = send_queued(wrong, now=T0, limit=1)
        error = message(good).last_error
        right = box.settings(security="starttls", user=LOGIN, password=PASSWORD)
        delivered = send_queued(right, now=T0 + dt.timedelta(minutes=1))

    assert refused.retrying == 1
    assert error.startswith(
        f"The mail server 127.0.0.1:{box.port} did not accept the user name and password (535"
    )
    assert error.endswith("Check the SMTP user and OFFBOARD_SMTP_PASSWORD.")
    assert delivered.sent == 2
    assert sorted(int(m["X-Offboard-Message"]) for m in box.messages()) == [good, bad]


def test_implicit_tls_delivers(world: World, trusted: Certificate) -> None:
    pk = queue(world)
    with running_mailbox(ssl_context=trusted.server_context()) as box:
        report = send_queued(box.settings(security="tls"), now=T0)

    assert report.sent == 1
    assert [int(m["X-Offboard-Message"]) for m in box.messages()] == [pk]


def test_a_certificate_nobody_vouches_for_is_refused(
    world: World, certificate: Certificate, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert.with_name("none.pem")))
    pk = queue(world)
    with running_mailbox(ssl_context=certificate.server_context()) as box:
        report = send_queued(box.settings(security="tls"), now=T0)

    assert report.retrying == 1
    assert box.received == []
    assert message(pk).last_error == (
        f"The secure connection to 127.0.0.1:{box.port} failed: CERTIFICATE_VERIFY_FAILED."
    )


# ----------------------------------------------------------------------------- the no-contact rule


def test_a_customer_sent_to_collections_after_queueing_gets_nothing(
    world: World, mailbox: Mailbox
) -> None:
    give_admin_email(world)
    to_admin = queue(world, "Your data", recipients=(ADMIN_EMAIL,), audience=Audience.CUSTOMER)
    internal = queue(world, "For us", recipients=("lena@example.com",))
    send_to_collections(world)

    report = send_queued(mailbox.settings(), now=T0)

    assert (report.withdrawn, report.sent) == (1, 1)
    row = message(to_admin)
    assert row.status == OutboxStatus.WITHDRAWN
    assert "has been sent to collections: nobody may contact its admin" in row.last_error
    assert report.lines[0] == f"#{to_admin} withdrawn: {row.last_error}"
    assert [arrived["X-Offboard-Message"] for arrived in mailbox.messages()] == [str(internal)]


def test_a_message_addressed_to_the_admin_counts_as_to_the_customer(
    world: World, mailbox: Mailbox
) -> None:
    pk = queue(world, "Hello", recipients=("lena@example.com",))
    # The admin's address became one of the recipients' after queueing.
    with connection():
        Customer.update(admin_email="lena@example.com").where(
            Customer.id == world.customer_id
        ).execute()
    send_to_collections(world)

    assert send_queued(mailbox.settings(), now=T0).withdrawn == 1
    assert message(pk).status == OutboxStatus.WITHDRAWN
    assert mailbox.received == []


# ----------------------------------------------------------------------------- at most once


def test_a_sender_claims_one_message_at_a_time_and_none_twice(world: World) -> None:
    first, second = (queue(world, f"Message {n}") for n in range(2))

    assert claim_next("a", T0) == first
    assert message(second).status == OutboxStatus.QUEUED  # a sender holds one message at a time
    assert claim_next("b", T0) == second
    assert claim_next("a", T0) is None
    assert [(message(pk).status, message(pk).claimed_by) for pk in (first, second)] == [
        (OutboxStatus.SENDING, "a"),
        (OutboxStatus.SENDING, "b"),
    ]


def test_a_sender_that_saw_the_messages_but_lost_the_race_sends_none(
    world: World, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [queue(world, f"Message {n}") for n in range(3)]
    settings = mailbox.settings()
    real_due = outbox_claims._due
    quick: list[DeliveryReport] = []
    raced = threading.Event()

    def due_then_overtaken(moment: dt.datetime) -> list[int]:
        seen = real_due(moment)
        if not raced.is_set():
            raced.set()  # the quick sender's own read is not interrupted
            # Between the slow sender reading the due messages and claiming them, a quick
            # sender claims and sends them all.
            quick.append(send_queued(settings, sender_id="quick", now=moment))
        return seen

    monkeypatch.setattr(outbox_claims, "_due", due_then_overtaken)

    slow = send_queued(settings, sender_id="slow", now=T0)

    assert slow.handled == 0
    assert [report.sent for report in quick] == [3]
    assert sorted(int(m["X-Offboard-Message"]) for m in mailbox.messages()) == ids
    assert {message(pk).claimed_by for pk in ids} == {"quick"}


def test_two_senders_at_once_send_each_message_exactly_once(
    db: OpenedDatabase, world: World, mailbox: Mailbox
) -> None:
    ids = [queue(world, f"Message {n}") for n in range(24)]
    settings = mailbox.settings()
    start = threading.Barrier(2, timeout=60)
    reports: dict[str, list[DeliveryReport]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def sender(name: str) -> None:
        try:
            with connection():  # a connection of this thread's own
                start.wait()
                while True:
                    report = send_queued(settings, sender_id=name, now=T0, limit=3)
                    reports[name].append(report)
                    if report.handled == 0:
                        return
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=sender, args=(name,)) for name in reports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []

    arrived = Counter(int(m["X-Offboard-Message"]) for m in mailbox.messages())
    assert sorted(arrived) == ids
    assert set(arrived.values()) == {1}
    assert sum(r.sent for rs in reports.values() for r in rs) == len(ids)
    with connection():
        rows = list(OutboxMessage.select())
    assert {row.status for row in rows} == {OutboxStatus.SENT}
    for name, sent in reports.items():
        # Each line starts with the message id: "#12 sent to …".
        mine = {int(line.split()[0][1:]) for report in sent for line in report.lines}
        assert mine == {int(row.id) for row in rows if row.claimed_by == name}


class BreaksOnSecond:
    """A transport that hands on the first message, then fails on the second in a way nobody
    foresaw: before handing it over, or (``after_handing_over``) after."""

    def __init__(self, *, after_handing_over: bool = False) -> None:
        self.sent: list[str] = []
        self.after_handing_over = after_handing_over

    def send(
        self,
        email: EmailMessage,
        sender: str,
        recipients: Sequence[str],
        handing_over: Callable[[], bool],
    ) -> dict[str, tuple[int, bytes]]:
        if self.sent:
            if self.after_handing_over:
                assert handing_over()
            raise RuntimeError("the transport broke")
        assert handing_over()
        self.sent.append(str(email["X-Offboard-Message"]))
        return {}

    def close(self) -> None:
        pass


def test_a_sender_stopped_before_handing_a_message_over_puts_it_back_in_the_queue(
    world: World, mailbox: Mailbox
) -> None:
    first, in_hand, untried = (queue(world, f"Message {n}") for n in range(3))
    transport = BreaksOnSecond()

    with pytest.raises(RuntimeError, match="the transport broke"):
        send_queued(mailbox.settings(), sender_id="s", now=T0, transport=transport)

    assert transport.sent == [str(first)]
    assert [message(pk).status for pk in (first, in_hand, untried)] == [
        OutboxStatus.SENT,
        OutboxStatus.QUEUED,  # it certainly did not go out
        OutboxStatus.QUEUED,  # never claimed
    ]
    assert message(in_hand).claimed_by == ""
    report = send_queued(mailbox.settings(), now=T0)
    assert report.sent == 2
    assert [int(m["X-Offboard-Message"]) for m in mailbox.messages()] == [in_hand, untried]


def test_a_sender_stopped_after_handing_a_message_over_leaves_it_uncertain(
    world: World, mailbox: Mailbox
) -> None:
    _first, in_hand, untried = (queue(world, f"Message {n}") for n in range(3))

    with pytest.raises(RuntimeError, match="the transport broke"):
        send_queued(
            mailbox.settings(),
            sender_id="s",
            now=T0,
            transport=BreaksOnSecond(after_handing_over=True),
        )

    row = message(in_hand)
    assert row.status == OutboxStatus.UNCERTAIN
    assert "it may have arrived" in row.last_error and "the transport broke" in row.last_error
    report = send_queued(mailbox.settings(), now=T0 + dt.timedelta(days=1))
    assert report.sent == 1
    assert [int(m["X-Offboard-Message"]) for m in mailbox.messages()] == [untried]
    assert message(in_hand).status == OutboxStatus.UNCERTAIN


def hold(pk: int, sender_id: str, *, handed_over: bool) -> None:
    """Leave ``pk`` claimed by ``sender_id`` at T0 as a sender that stopped would."""
    assert claim_next(sender_id, T0) == pk
    if handed_over:
        with connection():
            OutboxMessage.update(handed_over_at=T0).where(OutboxMessage.id == pk).execute()


def test_a_claim_left_by_a_sender_elsewhere_is_settled_once_its_lease_is_over(
    world: World, mailbox: Mailbox
) -> None:
    not_handed, handed = queue(world, "Not handed over"), queue(world, "Handed over")
    hold(not_handed, "elsewhere/1/x.y", handed_over=False)
    hold(handed, "elsewhere/2/x.y", handed_over=True)
    settings = mailbox.settings()

    # Within the lease the other sender may still be at work: nothing is touched.
    assert send_queued(settings, now=T0 + CLAIM_LEASE - dt.timedelta(seconds=1)).handled == 0
    assert {message(pk).status for pk in (not_handed, handed)} == {OutboxStatus.SENDING}
    with pytest.raises(Conflict, match=r"is being sent .*the next 'offboard outbox send'"):
        requeue(LEAD, not_handed)

    report = send_queued(settings, now=T0 + CLAIM_LEASE)

    assert (report.sent, report.uncertain) == (1, 1)
    assert report.lines[0] == (
        f"#{not_handed} taken back from a stopped sender (elsewhere/1/x.y): not sent yet."
    )
    assert report.lines[1] == (
        f"#{handed} uncertain: The sender elsewhere/2/x.y stopped after handing it to the mail "
        f"server at {when(T0)}, before the server's answer was recorded: it may have arrived. "
        "Resend it (it may arrive twice) or mark it sent."
    )
    assert [int(m["X-Offboard-Message"]) for m in mailbox.messages()] == [not_handed]
    assert (message(not_handed).status, message(handed).status) == (
        OutboxStatus.SENT,
        OutboxStatus.UNCERTAIN,
    )


def test_a_claim_left_by_a_stopped_process_on_this_machine_is_settled_at_once(
    world: World, mailbox: Mailbox
) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()  # a process id that is surely free now (until reused)
    dead = default_sender_id().replace(f"/{os.getpid()}/", f"/{gone.pid}/")
    assert sender_is_gone(dead)
    assert not sender_is_gone(default_sender_id())  # this process is alive
    pk = queue(world)
    hold(pk, dead, handed_over=False)

    report = send_queued(mailbox.settings(), now=T0)

    assert report.sent == 1
    assert report.lines[0] == f"#{pk} taken back from a stopped sender ({dead}): not sent yet."
    assert message(pk).status == OutboxStatus.SENT


def test_a_sender_that_lost_its_claim_does_not_hand_the_message_over(
    world: World, mailbox: Mailbox
) -> None:
    pk = queue(world)

    class TakenOver:
        def send(
            self,
            email: EmailMessage,
            sender: str,
            recipients: Sequence[str],
            handing_over: Callable[[], bool],
        ) -> dict[str, tuple[int, bytes]]:
            # A later sender took this claim over (its lease looked over) before DATA.
            with connection():
                OutboxMessage.update(claimed_by="later").where(OutboxMessage.id == pk).execute()
            assert handing_over() is False
            raise ClaimLost("taken over")

        def close(self) -> None:
            pass

    report = send_queued(mailbox.settings(), sender_id="slow", now=T0, transport=TakenOver())

    assert report.lines == (f"#{pk} was taken over by another sender.",)
    assert (message(pk).claimed_by, message(pk).handed_over_at) == ("later", None)


def test_a_failed_message_may_be_requeued_by_a_crm_admin(world: World, mailbox: Mailbox) -> None:
    pk = queue(world)
    with connection():
        OutboxMessage.update(
            status=OutboxStatus.FAILED, attempts=MAX_ATTEMPTS, last_error="x"
        ).where(OutboxMessage.id == pk).execute()

    assert requeue(ADMIN, pk).status == OutboxStatus.QUEUED
    assert send_queued(mailbox.settings(), now=T0).sent == 1


@pytest.mark.parametrize("login", [VIEWER, GONE, NOBODY])
def test_only_a_team_lead_or_crm_admin_may_requeue_or_withdraw(world: World, login: str) -> None:
    queued = queue(world)
    failed = queue(world, "Failed")
    with connection():
        OutboxMessage.update(status=OutboxStatus.FAILED).where(OutboxMessage.id == failed).execute()
    before = world.snapshot()

    with pytest.raises(NotAllowed):
        requeue(login, failed)
    with pytest.raises(NotAllowed):
        withdraw(login, queued)

    assert world.snapshot() == before


def test_requeue_and_withdraw_refuse_messages_in_the_wrong_state(
    world: World, mailbox: Mailbox
) -> None:
    sent = queue(world, "Sent")
    send_queued(mailbox.settings(), now=T0)
    queued = queue(world, "Queued")
    before = world.snapshot()

    with pytest.raises(Conflict, match=rf"Outbox message {sent} is sent: only a queued or failed"):
        withdraw(LEAD, sent)
    with pytest.raises(
        Conflict, match=rf"Outbox message {queued} is queued: only a failed message"
    ):
        requeue(LEAD, queued)
    with pytest.raises(NotFound, match="There is no outbox message 99999"):
        requeue(LEAD, 99999)

    assert world.snapshot() == before


def test_a_withdrawn_message_is_never_sent(world: World, mailbox: Mailbox) -> None:
    pk = queue(world)

    row = withdraw(LEAD, pk)

    assert row.status == OutboxStatus.WITHDRAWN
    assert row.last_error.startswith("Withdrawn by Lena Lead on ")
    assert world.actions()[-1] == "withdraw message"
    assert send_queued(mailbox.settings(), now=T0).handled == 0
    assert mailbox.received == []


def test_a_failed_message_to_a_customer_in_collections_cannot_be_requeued(world: World) -> None:
    give_admin_email(world)
    pk = queue(world, recipients=(ADMIN_EMAIL,), audience=Audience.CUSTOMER)
    with connection():
        OutboxMessage.update(status=OutboxStatus.FAILED).where(OutboxMessage.id == pk).execute()
    send_to_collections(world)

    with pytest.raises(NotAllowed, match="sent to collections"):
        requeue(LEAD, pk)
    assert message(pk).status == OutboxStatus.FAILED


# ----------------------------------------------------------------------------- export


def test_export_writes_each_queued_message_as_an_eml_file_and_keeps_it_queued(
    world: World, tmp_path: Path
) -> None:
    first = queue(world, "Zoë’s account", "Grüße, **Zoë**\n", kind="cancellation-notification")
    second = queue(world, "Second", "Plain text\n", ("otto@example.com",))
    folder = tmp_path / "out" / "nested"

    paths = export_queued(LEAD, folder, sender=SENDER)

    assert paths == [
        folder / f"{first}-cancellation-notification.eml",
        folder / f"{second}-note.eml",
    ]
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths)
    exported = parse(paths[0].read_bytes())
    assert exported["Subject"] == "Zoë’s account"
    assert exported["X-Offboard-Message"] == str(first)
    assert exported["From"] == SENDER
    plain, html = exported.get_body(("plain",)), exported.get_body(("html",))
    assert plain is not None and html is not None
    assert "Grüße, **Zoë**" in plain.get_content()
    assert "<strong>Zoë</strong>" in html.get_content()
    assert parse(paths[1].read_bytes())["To"] == "otto@example.com"
    assert {message(pk).status for pk in (first, second)} == {OutboxStatus.QUEUED}
    # Exporting again is refused, before anything is written, unless forced over the old ones.
    with pytest.raises(InvalidInput, match=r"exists, and 1 more of the files .*add --force"):
        export_queued(LEAD, folder, sender=SENDER)
    assert export_queued(LEAD, folder, sender=SENDER, force=True) == paths


def test_export_leaves_out_messages_the_no_contact_rule_holds_back(
    world: World, tmp_path: Path
) -> None:
    give_admin_email(world)
    queue(world, recipients=(ADMIN_EMAIL,), audience=Audience.CUSTOMER)
    internal = queue(world, "For us")
    send_to_collections(world)

    assert [path.name for path in export_queued(LEAD, tmp_path)] == [f"{internal}-note.eml"]


def test_export_is_refused_to_a_user_without_a_role_and_stores_nothing(
    world: World, tmp_path: Path
) -> None:
    pk = queue(world)
    folder = tmp_path / "out"
    for login in (VIEWER, NOBODY, GONE):
        with pytest.raises(NotAllowed):
            export_queued(login, folder, sender=SENDER)
    assert message(pk).message_id == ""  # the Message-ID is stored only by an export allowed
    assert not folder.exists()
    assert [path.name for path in export_queued(ADMIN, folder)] == [f"{pk}-note.eml"]
    assert message(pk).message_id != ""


def test_export_refuses_a_sqlite_file_in_its_way_even_when_forced(
    world: World, tmp_path: Path
) -> None:
    pk = queue(world)
    in_the_way = tmp_path / f"{pk}-note.eml"
    sqlite3.connect(in_the_way).execute("CREATE TABLE kept (x)").connection.close()
    with pytest.raises(InvalidInput, match=r"-note\.eml is a SQLite database: choose another"):
        export_queued(LEAD, tmp_path, force=True)
    assert message(pk).message_id == ""  # refused before anything was written


def test_export_to_a_place_that_is_not_a_folder_is_refused(world: World, tmp_path: Path) -> None:
    queue(world)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    with pytest.raises(InvalidInput, match="it is a file, not a folder"):
        export_queued(LEAD, blocker)
    with pytest.raises(InvalidInput, match="Cannot create the folder"):
        export_queued(LEAD, blocker / "inside")


# ----------------------------------------------------------------------------- reading


def test_the_outbox_is_read_newest_first_a_page_at_a_time(world: World, mailbox: Mailbox) -> None:
    ids = [queue(world, f"Message {n}") for n in range(5)]
    world.customer("500002", "Calm Co")
    with connection(), database.atomic():
        calm = Customer.get(Customer.account == "500002")
        other = int(outbox.queue(calm, None, "note", ["otto@example.com"], "Calm", "Hi\n").id)
    withdraw(LEAD, ids[0])

    first = outbox_page(limit=4)
    rest = outbox_page(after_id=first[-1].id, limit=4)

    assert [row.id for row in first + rest] == [other, *reversed(ids)]
    assert (first[0].account, first[0].customer, first[0].recipients) == (
        "500002",
        "Calm Co",
        ("otto@example.com",),
    )
    assert [row.id for row in outbox_page(account="500002")] == [other]
    assert [row.id for row in outbox_page(status="withdrawn")] == [ids[0]]
    assert outbox_page(status="sent") == []
    with pytest.raises(InvalidInput, match=r"'lost' is not an outbox status\. Use one of: queued"):
        outbox_page(status="lost")
    with pytest.raises(NotFound, match="no customer with account number '999999'"):
        outbox_page(account="999999")


# ----------------------------------------------------------------------------- a real Cc


def queue_copied(
    world: World,
    recipients: Sequence[str],
    cc: Sequence[str],
    subject: str = "Copied",
    *,
    audience: str = Audience.INTERNAL,
) -> int:
    with connection(), database.atomic():
        customer = Customer.get_by_id(world.customer_id)
        message = outbox.queue(
            customer, None, "note", list(recipients), subject, "Hello.\n", audience=audience, cc=cc
        )
        return int(message.id)


def test_the_copied_addresses_get_a_cc_header_and_every_one_an_rcpt(
    world: World, mailbox: Mailbox
) -> None:
    # An address already addressed, or copied twice (in any case, with a name), is copied once.
    pk = queue_copied(
        world,
        ["lena@example.com"],
        ["Legal <legal@example.com>", "LENA@example.com", "sec@example.com", "legal@example.com"],
    )
    plain = queue(world, "Not copied")
    assert (message(pk).recipients, message(pk).cc) == (
        "lena@example.com",
        "legal@example.com, sec@example.com",
    )

    report = send_queued(mailbox.settings(), now=T0)

    assert report.sent == 2
    assert report.lines[0] == (
        f"#{pk} sent to lena@example.com, legal@example.com, sec@example.com: Copied"
    )
    copied, alone = mailbox.received
    assert copied.rcpt_tos == ["lena@example.com", "legal@example.com", "sec@example.com"]
    assert alone.rcpt_tos == ["lena@example.com"]
    first, second = mailbox.messages()
    assert (first["To"], first["Cc"]) == ("lena@example.com", "legal@example.com, sec@example.com")
    assert (second["X-Offboard-Message"], second["To"], second["Cc"]) == (
        str(plain),
        "lena@example.com",
        None,
    )
    assert "sec@example.com" not in (first.get("Bcc") or "")


def test_a_copied_address_the_server_refuses_makes_the_message_partial(
    world: World, mailbox: Mailbox
) -> None:
    mailbox.refuse_recipients["sec@example.com"] = "550 5.1.1 No such user"
    pk = queue_copied(world, ["lena@example.com"], ["legal@example.com", "sec@example.com"])

    report = send_queued(mailbox.settings(), now=T0)

    note = (
        "Delivered to lena@example.com, legal@example.com; refused: sec@example.com "
        "(550 5.1.1 No such user)"
    )
    assert report.lines == (f"#{pk} partly sent: {note}",)
    [envelope] = mailbox.received
    assert envelope.rcpt_tos == ["lena@example.com", "legal@example.com"]
    assert (message(pk).status, message(pk).last_error) == (OutboxStatus.PARTIAL, note)


def test_a_cc_that_is_not_an_address_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="'legal at example' is not an e-mail address"):
        queue_copied(world, ["lena@example.com"], ["legal at example"])
    with connection():
        assert OutboxMessage.select().count() == 0


def test_the_customers_admin_in_cc_is_refused_under_no_contact_like_in_to(world: World) -> None:
    give_admin_email(world)
    send_to_collections(world)
    with pytest.raises(NotAllowed, match="has been sent to collections: nobody may contact"):
        queue_copied(world, ["lena@example.com"], [f"Pat <{ADMIN_EMAIL.upper()}>"])
    with connection():
        assert OutboxMessage.select().count() == 0


def test_a_message_copying_the_admin_is_to_the_customer_and_withdrawn_at_send_time(
    world: World, mailbox: Mailbox, tmp_path: Path
) -> None:
    give_admin_email(world)
    to_admin = queue_copied(world, ["lena@example.com"], [ADMIN_EMAIL])
    # the admin's address became a copied one's after queueing
    later = queue_copied(world, ["lena@example.com"], ["otto@example.com"], "Later")
    assert (message(to_admin).audience, message(later).audience) == (
        Audience.CUSTOMER,
        Audience.INTERNAL,
    )
    with connection():
        Customer.update(admin_email=f"{ADMIN_EMAIL}, otto@example.com").where(
            Customer.id == world.customer_id
        ).execute()
    send_to_collections(world)

    assert export_queued(LEAD, tmp_path) == []
    report = send_queued(mailbox.settings(), now=T0)

    assert (report.withdrawn, report.sent) == (2, 0)
    assert {message(pk).status for pk in (to_admin, later)} == {OutboxStatus.WITHDRAWN}
    assert mailbox.received == []


def test_the_eml_export_and_the_outbox_rows_carry_the_cc(world: World, tmp_path: Path) -> None:
    pk = queue_copied(world, ["lena@example.com"], ["legal@example.com", "sec@example.com"])
    plain = queue(world, "Not copied")

    copied, alone = (
        parse(path.read_bytes()) for path in export_queued(LEAD, tmp_path, sender=SENDER)
    )

    assert (copied["To"], copied["Cc"]) == (
        "lena@example.com",
        "legal@example.com, sec@example.com",
    )
    assert alone["Cc"] is None
    rows = {row.id: row for row in outbox_page()}
    assert (rows[pk].recipients, rows[pk].cc) == (
        ("lena@example.com",),
        ("legal@example.com", "sec@example.com"),
    )
    assert rows[plain].cc == ()


FINAL = "final_termination_mail"
ACCOUNT_TEAM = "account_team@example.com"
FINAL_CC = (
    "customer_success@example.com",
    "sales_ops@example.com",
    "security@example.com",
    "legal@example.com",
)


def test_the_final_termination_email_copies_the_playbooks_cc_parties(
    world: World, mailbox: Mailbox
) -> None:
    cancellations.begin(LEAD, world.account)
    termination.set_effective_date(LEAD, world.account, today_in("UTC") + dt.timedelta(days=60))
    draft = notices.compose_task_email(world.account, LEAD, FINAL)
    # to the account team, cc CS Ops, Sales Ops, Sec Ops and Legal (the playbook), apart
    assert (draft.refusal, draft.recipients, draft.cc) == ("", ACCOUNT_TEAM, ", ".join(FINAL_CC))

    outcome = termination.queue_task_email(
        LEAD, world.account, FINAL, draft.recipients, draft.subject, draft.body
    )
    # the cc given: none, or other addresses (one already addressed is not copied)
    termination.queue_task_email(
        LEAD, world.account, FINAL, draft.recipients, "No copies", draft.body, cc=""
    )
    termination.queue_task_email(
        LEAD,
        world.account,
        FINAL,
        "ops@example.com",
        "Other copies",
        draft.body,
        cc=f"legal@example.com; ops@example.com, {ACCOUNT_TEAM}",
    )

    assert outcome.message.endswith(f", to {ACCOUNT_TEAM}, cc {', '.join(FINAL_CC)}.")
    with connection():
        mails = list(OutboxMessage.select().order_by(OutboxMessage.id))
        queued = [
            json.loads(event.after)
            for event in AuditEvent.select()
            .where(AuditEvent.action == "queue e-mail")
            .order_by(AuditEvent.id)
        ]
    assert [(m.recipients, m.cc) for m in mails] == [
        (ACCOUNT_TEAM, ", ".join(FINAL_CC)),
        (ACCOUNT_TEAM, ""),
        ("ops@example.com", f"legal@example.com, {ACCOUNT_TEAM}"),
    ]
    assert [(after["to"], after.get("cc")) for after in queued] == [
        ([ACCOUNT_TEAM], list(FINAL_CC)),
        ([ACCOUNT_TEAM], None),
        (["ops@example.com"], ["legal@example.com", ACCOUNT_TEAM]),
    ]

    report = send_queued(mailbox.settings(), now=T0)

    assert report.sent == 3
    first = mailbox.received[0]
    assert first.rcpt_tos == [ACCOUNT_TEAM, *FINAL_CC]
    arrived = mailbox.messages()[0]
    assert (arrived["To"], arrived["Cc"]) == (ACCOUNT_TEAM, ", ".join(FINAL_CC))


def test_a_message_queued_before_the_cc_column_reads_with_no_cc(
    bare_db: OpenedDatabase, mailbox: Mailbox
) -> None:
    """Migration 0012 adds the column on both backends; older messages copy nobody in."""
    from tests.data.test_migrations import CREATED, insert_old_shape

    old = bare_db.database
    p = old.param
    with old.connection_context():
        migrate_schema(old, target="0001_initial")
        insert_old_shape(old)
        migrate_schema(old, target="0011_playbook_versions_two_milestones")
        customer = old.execute_sql('SELECT id FROM "customer" WHERE account = ' + p, ("700001",))
        old.execute_sql(
            'INSERT INTO "outbox_message" (customer_id, kind, audience, recipients, subject, '
            "body, status, created_at, claimed_by, message_id, attempts, last_error) "
            f"VALUES ({p}, 'note', 'internal', {p}, 'Old', 'Hello.', 'queued', {p}, '', '', 0, '')",
            (customer.fetchone()[0], "olive@example.com", CREATED),
        )
        assert "cc" not in {column.name for column in old.get_columns("outbox_message")}
    old.close()

    open_database(bare_db.location)

    [row] = outbox_page()
    assert (row.subject, row.recipients, row.cc) == ("Old", ("olive@example.com",), ())
    assert send_queued(mailbox.settings(), now=T0).sent == 1
    [envelope] = mailbox.received
    assert envelope.rcpt_tos == ["olive@example.com"]
    assert mailbox.messages()[0]["Cc"] is None
