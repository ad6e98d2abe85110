"""The outbox commands: list, send, export, retry, resend, mark-sent, withdraw and sent-by-hand."""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable, Iterator

from data import delivery, outbox_export, outbox_review
from data.delivery import DeliveryReport
from data.models import OutboxStatus
from data.outbox_review import OutboxRow
from tui.cli.commands import PAGE, Handler, acting_login
from tui.cli.output import PROG, fail, local_time, out, stream_json
from tui.cli.shapes import outbox_json
from tui.config import CONFIG_VARIABLE, PASSWORD_VARIABLE, SMTP_KEYS, Settings

TO_WIDTH = 30  # the outbox list's recipient column


def all_messages(account: str | None, status: str | None) -> Iterator[OutboxRow]:
    """Every matching message, newest first, a page at a time. The first page is read at once,
    so a bad filter is refused before anything is printed."""
    first = outbox_review.outbox_page(account, status, limit=PAGE)

    def more(page: list[OutboxRow]) -> Iterator[OutboxRow]:
        while len(page) == PAGE:
            page = outbox_review.outbox_page(account, status, after_id=page[-1].id, limit=PAGE)
            yield from page

    return itertools.chain(first, more(first))


def outbox_line(row: OutboxRow) -> str:
    more = f" +{len(row.recipients) - 1}" if len(row.recipients) > 1 else ""
    first = row.recipients[0] if row.recipients else "-"
    if len(first) + len(more) > TO_WIDTH:
        first = first[: TO_WIDTH - len(more) - 1] + "…"
    to = first + more
    created = local_time(row.created_at)
    return f"{row.id:>6}  {row.status:<9}  {created:<16}  {row.account:<8}  {to:<{TO_WIDTH}}  {row.subject}"


def cmd_outbox_list(args: argparse.Namespace, settings: Settings) -> int:
    rows = all_messages(args.account, args.status)
    if args.json:
        stream_json(outbox_json(row) for row in rows)
        return 0
    shown = 0
    for row in rows:
        if shown == 0:
            out(
                f"{'ID':>6}  {'STATUS':<9}  {'CREATED':<16}  {'ACCOUNT':<8}  {'TO':<{TO_WIDTH}}  SUBJECT"
            )
        out(outbox_line(row))
        if row.status == OutboxStatus.SENDING:
            out(f"        claimed by {row.claimed_by} at {local_time(row.claimed_at)}")
        if row.next_attempt_at is not None and row.status == OutboxStatus.QUEUED:
            out(
                f"        next try after {local_time(row.next_attempt_at)} (attempt {row.attempts + 1})"
            )
        if row.last_error:
            out(f"        {row.last_error}")
        if row.status == OutboxStatus.UNCERTAIN:
            out(
                f"        '{PROG} outbox resend {row.id}' (it may arrive twice) or "
                f"'{PROG} outbox mark-sent {row.id}'"
            )
        shown += 1
    if shown == 0:
        out(f"The outbox in {settings.shown_location} holds no such message.")
    return 0


def cmd_outbox_send(args: argparse.Namespace, settings: Settings) -> int:
    smtp = settings.smtp
    if smtp is None:
        return fail(
            "No mail server is configured, so nothing was sent; the messages stay queued. "
            f"Set host, port, security, user and from under [smtp] in {settings.config_path} "
            f"(or {CONFIG_VARIABLE} to name another file), or set {SMTP_KEYS['host']} and "
            f"{SMTP_KEYS['from']}; the password only ever in {PASSWORD_VARIABLE}. Without a "
            f"mail server, '{PROG} outbox export DIR' writes the messages as .eml files."
        )
    sender_id = delivery.default_sender_id()
    report = DeliveryReport()
    while True:
        batch = delivery.send_queued(smtp, sender_id=sender_id, limit=PAGE)
        for line in batch.lines:
            out(line)
        report += batch
        # A message that fails waits at least a minute before its next try, so this ends.
        if batch.handled < PAGE:
            break
    out(report.summary)
    if report.unsent:
        return fail(
            f"{report.unsent} messages were not surely sent to everyone through {smtp.address} "
            f"(see above). '{PROG} outbox list' shows each with what happened."
        )
    return 0


def cmd_outbox_export(args: argparse.Namespace, settings: Settings) -> int:
    paths = outbox_export.export_queued(
        acting_login(settings),
        args.directory,
        sender=settings.mail_from or None,
        force=args.force,
    )
    for path in paths:
        out(str(path))
    if not paths:
        out(f"No message is queued: nothing was written to {args.directory}.")
    else:
        out(
            f"Wrote {len(paths)} messages to {args.directory}. They stay queued: record each "
            f"one you send by hand ('{PROG} outbox sent-by-hand ID'), or it goes out once a "
            "mail server is configured."
        )
    return 0


def message_command(run: Callable[[str, int], OutboxRow], done: str) -> Handler:
    """A command that changes one message, then says what became of it."""

    def handler(args: argparse.Namespace, settings: Settings) -> int:
        row = run(acting_login(settings), args.id)
        out(f"Message {row.id} ({row.subject}) {done}")
        return 0

    return handler


cmd_outbox_retry = message_command(
    outbox_review.requeue, f"is queued again; '{PROG} outbox send' sends it."
)
cmd_outbox_resend = message_command(
    outbox_review.resend,
    f"is queued again; '{PROG} outbox send' sends it. "
    "If the first one did arrive, it arrives twice (with the same Message-ID).",
)
cmd_outbox_mark_sent = message_command(
    outbox_review.mark_sent, "is marked sent: it will not be sent again."
)
cmd_outbox_withdraw = message_command(outbox_review.withdraw, "is withdrawn: it will not be sent.")


def cmd_outbox_sent_by_hand(args: argparse.Namespace, settings: Settings) -> int:
    row = outbox_review.sent_by_hand(acting_login(settings), args.id, args.note)
    out(f"Message {row.id} ({row.subject}) is recorded as sent by hand: offboard never sends it.")
    return 0
