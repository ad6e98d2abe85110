"""A message sent by hand (an exported .eml sent from a mail client, no SMTP configured) on both
backends: the team lead records it, it becomes sent with who recorded it and their note, the
section waiting for it turns green, it is audited "outbox sent by hand", and neither the app's
courier nor 'offboard outbox send' (``send_queued`` against a real SMTP server on loopback) ever
sends it; what is not queued or failed is refused, as are people without the role and a bad
note, each writing nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data.db import connection
from data.delivery import send_queued
from data.errors import Conflict, InvalidInput, NotAllowed
from data.models import AuditEvent, OutboxStatus
from data.outbox_export import export_queued
from data.outbox_review import outbox_row, sent_by_hand
from data.rules import SectionState
from tests.data.test_delivery import SENDER, T0, queue, running_mailbox
from tests.data.test_scenarios import ADMIN_EMAIL, queue_notice, set_message, tool
from tests.data.world import ADMIN, GONE, LEAD, NOBODY, VIEWER, World

# The world's team lead's display name (tests/data/world.py USERS).
LENA = "Lena Lead"


@pytest.fixture(autouse=True)
def acme_admin(world: World) -> None:
    """Acme Widgets has an admin on record (the offboarding notice's recipient)."""
    world.details(admin_name="Dana Admin", admin_email=ADMIN_EMAIL, modules="LMS")


def test_an_exported_notice_recorded_sent_by_hand_turns_admin_notified_green_and_is_never_sent(
    world: World, tmp_path: Path
) -> None:
    world.ready(leave_red="admin_notified")
    pk = queue_notice(world)
    exported = export_queued(LEAD, tmp_path, sender=SENDER)
    assert any(path.name.startswith(f"{pk}-") for path in exported)
    assert tool(world.account)["admin_notified"].is_red

    row = sent_by_hand(LEAD, pk, "  sent from Outlook\r\nby Lena  ")

    assert row.status == OutboxStatus.SENT
    assert row.sent_at is not None
    assert row.last_error.startswith(f"Sent by hand, recorded by {LENA} on ")
    assert row.last_error.endswith(": sent from Outlook by Lena")
    section = tool(world.account)["admin_notified"]
    assert section.state is SectionState.CLEAR
    assert section.summary.startswith(f"Offboarding notice sent to {ADMIN_EMAIL} on ")
    with connection():
        event = AuditEvent.select().order_by(AuditEvent.id.desc()).get()
    assert (event.action, event.actor.login, event.record_id) == ("outbox sent by hand", LEAD, pk)
    assert json.loads(event.before)["status"] == OutboxStatus.QUEUED
    assert json.loads(event.after) == {
        "status": OutboxStatus.SENT,
        "note": "sent from Outlook by Lena",
    }
    # Neither the courier nor 'outbox send' sends it later, nor does a second export write it.
    again = export_queued(LEAD, tmp_path / "again", sender=SENDER)
    assert len(again) == len(exported) - 1
    assert not any(path.name.startswith(f"{pk}-") for path in again)
    with running_mailbox() as mailbox:
        report = send_queued(mailbox.settings(), now=T0)
    assert report.sent == len(again)
    assert all(envelope.rcpt_tos != [ADMIN_EMAIL] for envelope in mailbox.received)


def test_a_failed_message_may_be_recorded_sent_by_hand_without_a_note(world: World) -> None:
    pk = queue(world)
    set_message(pk, status=OutboxStatus.FAILED, last_error="550 mailbox unavailable")

    row = sent_by_hand(ADMIN, pk)

    assert row.status == OutboxStatus.SENT
    assert row.last_error.startswith("Sent by hand, recorded by ")
    assert row.last_error.endswith(".")


@pytest.mark.parametrize(
    ("status", "problem"),
    [
        (OutboxStatus.SENT, r"is sent: only a queued or failed message can be recorded as sent"),
        (OutboxStatus.WITHDRAWN, r"is withdrawn: only a queued or failed message can be"),
        (OutboxStatus.PARTIAL, r"is partial: only a queued or failed message can be"),
        (OutboxStatus.UNCERTAIN, r"is uncertain: offboard handed it to the mail server\. If it"),
        (OutboxStatus.SENDING, r"is being sent by offboard right now \(claimed by courier-1\)"),
    ],
)
def test_only_a_queued_or_failed_message_is_recorded_sent_by_hand(
    world: World, status: str, problem: str
) -> None:
    pk = queue(world)
    set_message(pk, status=status, claimed_by="courier-1" if status == "sending" else "")
    before = world.snapshot()

    with pytest.raises(Conflict, match=rf"Outbox message {pk} {problem}"):
        sent_by_hand(LEAD, pk)

    assert world.snapshot() == before
    assert outbox_row(pk).status == status


@pytest.mark.parametrize("login", [VIEWER, GONE, NOBODY])
def test_only_a_team_lead_or_crm_admin_records_a_message_sent_by_hand(
    world: World, login: str
) -> None:
    pk = queue(world)
    before = world.snapshot()

    with pytest.raises(NotAllowed):
        sent_by_hand(login, pk)

    assert world.snapshot() == before


@pytest.mark.parametrize(
    ("note", "problem"),
    [
        ("sent \x1b[31mred", r"^The note contains a control character \(\\x1b, at character 6\)"),
        ("x" * 501, r"^The note is 501 characters long: keep it to 500 or fewer\.$"),
    ],
)
def test_a_bad_note_is_refused_in_one_line_and_nothing_is_written(
    world: World, note: str, problem: str
) -> None:
    pk = queue(world)
    before = world.snapshot()

    with pytest.raises(InvalidInput, match=problem) as refused:
        sent_by_hand(LEAD, pk, note)

    assert "\n" not in str(refused.value)
    assert world.snapshot() == before
