"""An outcome nobody knows is not retried blindly, on both backends against a real SMTP server
on loopback (aiosmtpd): a server that takes the message and answers after the client's timeout,
or drops the connection after DATA, leaves the message ``uncertain`` (in its mailbox once, never
resent by itself); a person resends it or marks it sent (checked and audited); the Message-ID is
stored and the same on every attempt, on a resend and in the .eml export."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from data.db import connection
from data.delivery import send_queued
from data.errors import Conflict, NotAllowed
from data.models import AuditEvent, OutboxMessage, OutboxStatus
from data.outbox_export import export_queued
from data.outbox_review import mark_sent, outbox_row, requeue, resend, withdraw
from tests.data.test_delivery import SENDER, T0, Mailbox, free_port, message, parse, queue
from tests.data.world import ADMIN, GONE, LEAD, NOBODY, VIEWER, World

TIMEOUT = 0.5  # the client's SMTP timeout in these tests, in seconds


@dataclass
class LateMailbox(Mailbox):
    """A server that keeps each message it is given, then (``late``) answers only once the test
    lets it, which is after the client gave up, or (``drop``) closes the connection unanswered."""

    late: bool = False
    drop: bool = False
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse_data:
            return self.refuse_data
        with self.lock:
            self.received.append(envelope)
        if self.drop:
            assert server.transport is not None
            server.transport.close()
            return "421 closing"
        if self.late:
            await asyncio.to_thread(self.release.wait, 30)
        return "250 Message accepted for delivery"


@pytest.fixture
def late() -> Iterator[LateMailbox]:
    box = LateMailbox(free_port(), late=True)
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        box.release.set()
        controller.stop()


def test_a_message_accepted_after_the_timeout_is_uncertain_and_not_resent(
    world: World, late: LateMailbox
) -> None:
    pk = queue(world)
    settings = late.settings(timeout=TIMEOUT)

    report = send_queued(settings, sender_id="s", now=T0)
    late.release.set()  # the server answers "250", too late

    assert (report.sent, report.retrying, report.failed, report.uncertain) == (0, 0, 0, 1)
    assert report.summary == "0 sent, 0 to be retried, 0 failed, 0 withdrawn, 1 uncertain."
    row = message(pk)
    assert (row.status, row.attempts, row.next_attempt_at, row.handed_over_at) == (
        OutboxStatus.UNCERTAIN,
        1,
        None,
        T0,
    )
    assert row.last_error == (
        "Handed to the mail server at 2030-03-04 09:00, but no answer came: The mail server "
        f"127.0.0.1:{late.port} did not answer in time. It may have arrived, so it is not sent "
        "again by itself: resend it (it may arrive twice) or mark it sent."
    )
    assert report.lines == (f"#{pk} uncertain: {row.last_error}",)
    # Never retried by itself, however much later a sender runs.
    assert send_queued(settings, now=T0 + dt.timedelta(days=30)).handled == 0
    assert [int(m["X-Offboard-Message"]) for m in late.messages()] == [pk]


def test_a_connection_dropped_after_data_is_uncertain(world: World) -> None:
    box = LateMailbox(free_port(), drop=True)
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        pk = queue(world)
        report = send_queued(box.settings(timeout=5.0), now=T0)
    finally:
        controller.stop()

    assert report.uncertain == 1
    row = message(pk)
    assert row.status == OutboxStatus.UNCERTAIN
    assert "closed the connection" in row.last_error
    assert len(box.received) == 1


def uncertain_message(world: World, late: LateMailbox) -> int:
    pk = queue(world)
    send_queued(late.settings(timeout=TIMEOUT), now=T0)
    late.release.set()
    assert message(pk).status == OutboxStatus.UNCERTAIN
    return pk


def test_resend_queues_it_again_and_it_arrives_with_the_same_message_id(
    world: World, late: LateMailbox
) -> None:
    pk = uncertain_message(world, late)
    stored = message(pk).message_id
    assert stored == f"<offboard.{pk}.{message(pk).created_at:%Y%m%d%H%M%S}@example.com>"

    row = resend(LEAD, pk)

    assert (row.status, row.attempts, row.handed_over_at) == (OutboxStatus.QUEUED, 0, None)
    with connection():
        event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert (event.action, event.record_id) == ("resend message", pk)
    assert '"status": "uncertain"' in event.before
    late.late = False
    assert send_queued(late.settings(timeout=TIMEOUT), now=T0).sent == 1
    first, second = late.messages()
    assert first["Message-ID"] == second["Message-ID"] == stored  # a receiver can tell


def test_mark_sent_records_it_sent_and_keeps_what_happened(world: World, late: LateMailbox) -> None:
    pk = uncertain_message(world, late)
    before = message(pk).last_error

    row = mark_sent(ADMIN, pk)

    assert (row.status, row.sent_at) == (OutboxStatus.SENT, T0)
    assert row.last_error.startswith("Marked sent by Ada Admin on ")
    assert row.last_error.endswith(f"Before: {before}")
    assert world.actions()[-1] == "mark message sent"
    assert send_queued(late.settings(timeout=TIMEOUT), now=T0 + dt.timedelta(days=1)).handled == 0
    assert len(late.received) == 1


@pytest.mark.parametrize("login", [VIEWER, GONE, NOBODY])
def test_only_a_team_lead_or_crm_admin_may_resend_or_mark_sent(
    world: World, late: LateMailbox, login: str
) -> None:
    pk = uncertain_message(world, late)
    before = world.snapshot()

    with pytest.raises(NotAllowed):
        resend(login, pk)
    with pytest.raises(NotAllowed):
        mark_sent(login, pk)

    assert world.snapshot() == before


def test_an_uncertain_message_is_not_retried_or_withdrawn_and_others_are_not_resent(
    world: World, late: LateMailbox
) -> None:
    pk = uncertain_message(world, late)
    queued = queue(world, "Queued")

    with pytest.raises(Conflict, match=rf"{pk} is uncertain: it may have arrived\. Use 'off"):
        requeue(LEAD, pk)
    with pytest.raises(Conflict, match=rf"{pk} is uncertain: only a queued or failed"):
        withdraw(LEAD, pk)
    with pytest.raises(Conflict, match=rf"{queued} is queued: only an uncertain message can be re"):
        resend(LEAD, queued)
    with pytest.raises(Conflict, match=rf"{queued} is queued: only an uncertain message can be ma"):
        mark_sent(LEAD, queued)
    assert outbox_row(pk).status == OutboxStatus.UNCERTAIN


def test_the_message_id_is_stored_once_and_the_same_in_the_export_and_on_every_attempt(
    world: World, late: LateMailbox, tmp_path: Path
) -> None:
    mailbox = late
    mailbox.late = False
    pk = queue(world)
    assert message(pk).message_id == ""

    [path] = export_queued(LEAD, tmp_path, sender=SENDER)
    exported = parse(path.read_bytes())["Message-ID"]
    assert message(pk).message_id == exported

    mailbox.refuse_data = "451 4.3.0 Try again later"
    assert send_queued(mailbox.settings(sender="Other <x@other.example>"), now=T0).retrying == 1
    mailbox.refuse_data = ""
    later = T0 + dt.timedelta(hours=1)
    assert send_queued(mailbox.settings(sender="Other <x@other.example>"), now=later).sent == 1

    [arrived] = mailbox.messages()
    assert arrived["Message-ID"] == exported
    with connection():
        assert OutboxMessage.get_by_id(pk).message_id == exported
