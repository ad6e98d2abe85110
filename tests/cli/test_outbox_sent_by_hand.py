"""'offboard outbox sent-by-hand ID [--note TEXT]': a message exported as .eml and sent from a mail
client is recorded as sent (the export's own words point to it), is never sent by 'outbox send'
(a real SMTP server on loopback), and the command refuses in one line what it cannot do."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import Run
from tests.cli.test_outbox import ACCOUNT, listed, no_mail_settings, queue, use_mailbox
from tests.data.test_delivery import running_mailbox

__all__ = ["no_mail_settings"]  # the autouse fixture: no real configuration is read


def row_of(run: Run, pk: int) -> dict[str, object]:
    [row] = [row for row in listed(run, "--account", ACCOUNT) if row["id"] == pk]
    return row


def test_an_exported_message_sent_by_hand_is_recorded_and_never_sent(
    run: Run, demo_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pk = queue("Sent from Outlook")
    exported = run("outbox", "export", str(tmp_path / "eml"))
    assert exported.code == 0, exported.err
    assert "record each one you send by hand ('offboard outbox sent-by-hand ID')" in exported.out

    result = run("outbox", "sent-by-hand", str(pk), "--note", "from Outlook, 10:05")

    assert result.code == 0, result.err
    assert result.out == (
        f"Message {pk} (Sent from Outlook) is recorded as sent by hand: offboard never sends it.\n"
    )
    row = row_of(run, pk)
    assert row["status"] == "sent"
    assert str(row["last_error"]).startswith("Sent by hand, recorded by ")
    assert str(row["last_error"]).endswith(": from Outlook, 10:05")
    with running_mailbox() as mailbox:
        use_mailbox(monkeypatch, mailbox)
        assert run("outbox", "send").code == 0
    assert not any(b"Sent from Outlook" in envelope.content for envelope in mailbox.received)
    assert row_of(run, pk)["status"] == "sent"


def test_sent_by_hand_refuses_in_one_line(run: Run, demo_db: str) -> None:
    pk = queue("Twice")
    assert run("outbox", "sent-by-hand", str(pk)).code == 0

    again = run("outbox", "sent-by-hand", str(pk))
    assert again.code == 1
    assert again.err.count("\n") == 1
    assert f"Outbox message {pk} is sent: only a queued or failed message can be" in again.err
    other = queue("Not yours")
    refused = run("--user", "tess", "outbox", "sent-by-hand", str(other))
    assert refused.code == 1
    assert "Tess Okafor cannot record an outbox message sent by hand" in refused.err
    bad = run("outbox", "sent-by-hand", str(other), "--note", "a\x07b")
    assert bad.code == 1
    assert "The note contains a control character" in bad.err
    assert row_of(run, other)["status"] == "queued"
    assert run("outbox", "sent-by-hand", "abc").code == 2
