"""A killed ``offboard outbox send`` strands nothing and sends nothing twice, on both backends:
the command runs as a real process against a real SMTP server on loopback (aiosmtpd), whose
handler SIGKILLs it at a chosen point of the conversation (so the kill points are exact, not
timed); then ``outbox send`` runs again and every message is delivered exactly once, or is
``uncertain`` and in the server's mailbox at most once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from data.db import connection
from data.models import OutboxMessage, OutboxStatus
from tests.conftest import OpenedDatabase
from tests.data.test_delivery import SENDER, Mailbox, free_port, queue
from tests.data.world import World

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 4


@dataclass
class KillingMailbox(Mailbox):
    """A mailbox that SIGKILLs the sending process when the ``at``-th message reaches ``stage``
    (MAIL, RCPT or DATA; at DATA the message is kept first, as a server that accepted it
    would). Counting starts at 1 and covers every message the server sees."""

    stage: str = ""
    at: int = 0
    victim: int = 0
    started: threading.Event = field(default_factory=threading.Event)
    seen: Counter[str] = field(default_factory=Counter)

    def _maybe_kill(self, stage: str) -> None:
        if stage != self.stage:
            return
        self.seen[stage] += 1
        if self.seen[stage] == self.at:
            assert self.started.wait(30)
            os.kill(self.victim, signal.SIGKILL)

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self._maybe_kill("MAIL")
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        self._maybe_kill("RCPT")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self.lock:
            self.received.append(envelope)
        self._maybe_kill("DATA")
        return "250 Message accepted for delivery"


@pytest.fixture
def killer() -> Iterator[KillingMailbox]:
    box = KillingMailbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def environment(db: OpenedDatabase, box: Mailbox, tmp_path: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("OFFBOARD_") and key != "PYTHONPATH"
    }
    env.update(
        OFFBOARD_DATABASE=db.location,
        OFFBOARD_USER="lead",
        OFFBOARD_SMTP_HOST="127.0.0.1",
        OFFBOARD_SMTP_PORT=str(box.port),
        OFFBOARD_SMTP_SECURITY="none",
        OFFBOARD_SMTP_FROM=SENDER,
        XDG_CONFIG_HOME=str(tmp_path / "xdg-config"),
        XDG_DATA_HOME=str(tmp_path / "xdg-data"),
        HOME=str(tmp_path / "home"),
        PYTHONPATH=str(ROOT),
    )
    return env


SEND = [sys.executable, "-m", "tui.cli", "outbox", "send"]


# (stage, at): the kill point; and the message in hand then, if it may have gone out.
KILL_POINTS = [
    pytest.param("MAIL", 1, None, id="first-message-before-mail-from"),
    pytest.param("MAIL", 3, None, id="after-two-delivered"),
    pytest.param("RCPT", 2, None, id="at-rcpt-of-the-second"),
    pytest.param("DATA", 1, 1, id="server-holds-data-of-the-first"),
    pytest.param("DATA", 3, 3, id="server-holds-data-of-the-third"),
]


@pytest.mark.parametrize(("stage", "at", "uncertain"), KILL_POINTS)
def test_a_killed_sender_strands_nothing_and_sends_nothing_twice(
    db: OpenedDatabase,
    world: World,
    killer: KillingMailbox,
    tmp_path: Path,
    stage: str,
    at: int,
    uncertain: int | None,
) -> None:
    ids = [queue(world, f"Message {n}") for n in range(1, MESSAGES + 1)]
    env = environment(db, killer, tmp_path)
    killer.stage, killer.at = stage, at

    sender = subprocess.Popen(SEND, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    killer.victim = sender.pid
    killer.started.set()
    sender.communicate(timeout=60)
    assert sender.returncode == -signal.SIGKILL  # it was killed where the server said

    killer.stage = ""  # the next run is left alone
    again = subprocess.run(SEND, env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)

    assert "Traceback" not in again.stderr
    with connection():
        rows = {int(row.id): row for row in OutboxMessage.select()}
    arrived = Counter(
        int(envelope.original_content.split(b"X-Offboard-Message: ")[1].split()[0])
        for envelope in killer.received
        if envelope.original_content
    )
    expected_uncertain = {ids[uncertain - 1]} if uncertain else set()
    assert {
        pk for pk, row in rows.items() if row.status == OutboxStatus.UNCERTAIN
    } == expected_uncertain
    assert {pk for pk, row in rows.items() if row.status == OutboxStatus.SENT} == (
        set(ids) - expected_uncertain
    )
    # Every message reached the server exactly once: the sent ones, and the uncertain one too
    # (it was in the server's hands when its sender died; it was not sent again).
    assert arrived == dict.fromkeys(ids, 1)
    assert again.returncode == (1 if uncertain else 0), again.stderr
    if uncertain:
        assert f"#{ids[uncertain - 1]} uncertain: The sender " in again.stdout
