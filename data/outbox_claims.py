"""Who sends which outbox message: a sender claims one queued message at a time, records just
before DATA that it is handing it to the mail server, and a later sender settles what a
stopped one left behind (back to the queue if not handed over, else uncertain)."""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

from data import clock
from data.dates import when
from data.db import connection, database
from data.models import (
    OutboxMessage,
    OutboxStatus,
)

# A claim is one message's conversation with the mail server. A claim older than this is taken
# to be abandoned (its sender stopped) by any later sender; a claim of a sender on this machine
# whose process is gone is abandoned at once.
CLAIM_LEASE = dt.timedelta(minutes=10)
ERROR_LIMIT = 2_000


def naive_utc(moment: dt.datetime | None) -> dt.datetime:
    if moment is None:
        return clock.now()
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment


def _boot() -> str:
    """This machine's current boot, so a process id from before a restart is not mistaken."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
    except OSError:
        return ""


def default_sender_id() -> str:
    """This sender, for ``claimed_by``: ``host/process/boot.token``."""
    return f"{socket.gethostname()}/{os.getpid()}/{_boot()}.{uuid.uuid4().hex[:8]}"[:120]


def sender_is_gone(sender_id: str) -> bool:
    """Whether the sender ``sender_id`` surely stopped: it ran on this machine, since its last
    start, and its process is gone. False whenever that cannot be known (another machine)."""
    parts = sender_id.split("/")
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    boot = _boot()
    if not boot or parts[2].partition(".")[0] != boot:
        return False
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, ValueError):
        return False
    return False


def _due(moment: dt.datetime) -> list[int]:
    """A few of the queued messages due at ``moment``, oldest first."""
    with connection():
        query = (
            OutboxMessage.select(OutboxMessage.id)
            .where(
                (OutboxMessage.status == OutboxStatus.QUEUED)
                & (
                    OutboxMessage.next_attempt_at.is_null()
                    | (OutboxMessage.next_attempt_at <= moment)
                )
            )
            .order_by(OutboxMessage.id)
            .limit(10)
        )
        return [int(message.id) for message in query]


def claim_next(sender_id: str, now: dt.datetime | None = None) -> int | None:
    """Move the oldest due queued message to ``sending`` for this sender; its id, or None.

    The move is a conditional UPDATE (``WHERE id = ? AND status = 'queued'``): when two senders
    saw the same message, the database lets only one change it, and the row count tells each
    whether it won. One message at a time: a sender that stops holds at most one."""
    moment = naive_utc(now)
    while True:
        candidates = _due(moment)
        if not candidates:
            return None
        for pk in candidates:
            with connection(), database.atomic():
                updated = (
                    OutboxMessage.update(
                        status=OutboxStatus.SENDING,
                        claimed_by=sender_id[:120],
                        claimed_at=moment,
                        handed_over_at=None,
                    )
                    .where((OutboxMessage.id == pk) & (OutboxMessage.status == OutboxStatus.QUEUED))
                    .execute()
                )
            if updated == 1:
                return pk


@dataclass(frozen=True)
class Settled:
    """A message a stopped sender left behind, and what became of it."""

    id: int
    uncertain: bool  # False: it went back to the queue
    line: str


def abandoned_claims(sender_id: str, now: dt.datetime | None = None) -> list[Settled]:
    """Settle the messages stopped senders left in ``sending``: one not yet handed to the mail
    server goes back to the queue (it certainly did not go out); one handed over becomes
    ``uncertain`` (it may have arrived) and is never sent again by itself."""
    moment = naive_utc(now)
    with connection():
        held = list(
            OutboxMessage.select()
            .where(
                (OutboxMessage.status == OutboxStatus.SENDING)
                & (OutboxMessage.claimed_by != sender_id)
            )
            .order_by(OutboxMessage.id)
        )
    settled: list[Settled] = []
    for message in held:
        claimed_at = message.claimed_at or moment
        owner = str(message.claimed_by)
        if moment - claimed_at < CLAIM_LEASE and not sender_is_gone(owner):
            continue
        handed_over = message.handed_over_at is not None
        if not handed_over:
            changes: dict[str, object] = {
                "status": OutboxStatus.QUEUED,
                "claimed_by": "",
                "claimed_at": None,
            }
            line = f"#{message.id} taken back from a stopped sender ({owner}): not sent yet."
        else:
            problem = (
                f"The sender {owner} stopped after handing it to the mail server at "
                f"{when(message.handed_over_at)}, before the server's answer was recorded: "
                "it may have arrived. Resend it (it may arrive twice) or mark it sent."
            )
            changes = {"status": OutboxStatus.UNCERTAIN, "last_error": problem[:ERROR_LIMIT]}
            line = f"#{message.id} uncertain: {problem}"
        with connection(), database.atomic():
            updated = (
                OutboxMessage.update(**changes)
                .where(
                    (OutboxMessage.id == message.id)
                    & (OutboxMessage.status == OutboxStatus.SENDING)
                    & (OutboxMessage.claimed_by == owner)
                    & OutboxMessage.handed_over_at.is_null(not handed_over)
                )
                .execute()
            )
        if updated == 1:
            settled.append(Settled(int(message.id), handed_over, line))
    return settled


def hand_over(pk: int, sender_id: str, moment: dt.datetime) -> bool:
    """Record that this sender is about to hand the message to the mail server; False when
    the message is no longer its own (then it must not be handed over)."""
    with connection(), database.atomic():
        updated = (
            OutboxMessage.update(handed_over_at=moment)
            .where(
                (OutboxMessage.id == pk)
                & (OutboxMessage.status == OutboxStatus.SENDING)
                & (OutboxMessage.claimed_by == sender_id)
                & OutboxMessage.handed_over_at.is_null()
            )
            .execute()
        )
    return bool(updated == 1)
