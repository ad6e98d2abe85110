"""The ``offboard`` command: alone it opens the app; its subcommands do the same work without a
screen, for scripts and support (list, show, begin, remove, process, users, reasons, outbox, demo,
db, audit).

Exit codes: 0 done, 1 refused (the reason is on stderr), 2 the command line itself is wrong.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import itertools
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib import metadata
from typing import Any, NoReturn

from peewee import PeeweeException

from data import (
    audit,
    cancellations,
    customers,
    delivery,
    demo,
    outbox,
    outbox_export,
    outbox_review,
    termination,
    timeline,
    users,
)
from data.cancellations import Outcome
from data.customers import CancellationView, CustomerRow, ToolView
from data.database_errors import explain
from data.dates import counts_back
from data.db import database, open_database
from data.delivery import DeliveryReport
from data.errors import InvalidInput, OffboardError, clip
from data.models import (
    KNOWN_ROLES,
    OUTBOX_QUEUED,
    OUTBOX_SENDING,
    OUTBOX_STATUSES,
    OUTBOX_UNCERTAIN,
    PENDING,
)
from data.opening import open_location
from data.outbox_review import OutboxRow
from data.rules import Section, describe_red
from data.timeline import TaskView
from data.users import LOGIN, ReasonRow, UserRow
from tui.config import (
    CONFIG_VARIABLE,
    PASSWORD_VARIABLE,
    SMTP_KEYS,
    USER_VARIABLE,
    ConfigError,
    Settings,
    load_settings,
)
from tui.trail_commands import cmd_audit_verify, cmd_db_grant

PROG = "offboard"
# Customers are read this many at a time, so `list` starts printing at once and never holds
# the whole table in memory.
PAGE = 200
STATUS_CHOICES = tuple(customers.STATUS_FILTERS)
TO_WIDTH = 30  # the outbox list's recipient column

Handler = Callable[[argparse.Namespace, Settings], int]
Json = dict[str, Any]


# ----------------------------------------------------------------------------- output


def out(text: str = "") -> None:
    print(text, file=sys.stdout)


def fail(message: str) -> int:
    print(f"{PROG}: {message}", file=sys.stderr)
    return 1


def one_line(text: str) -> str:
    """Driver messages span lines (psycopg2 adds a tabbed hint); a refusal reads as one line."""
    return " ".join(str(text).split()).replace("?. ", "? ")


def emit_json(value: Any) -> None:
    out(json.dumps(value, indent=2))


def stream_json(items: Iterable[Json]) -> None:
    """One JSON array, written item by item so a long list starts at once."""
    stream = sys.stdout
    count = 0
    stream.write("[")
    for item in items:
        stream.write(",\n  " if count else "\n  ")
        stream.write(json.dumps(item))
        count += 1
    stream.write("\n]\n" if count else "]\n")
    stream.flush()


def iso(moment: dt.datetime | None) -> str | None:
    """A stored time (naive UTC) as ISO 8601 with its offset, so scripts need not guess."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat()


def local_time(moment: dt.datetime | None) -> str:
    """A stored time in this machine's time zone, as a person reads it."""
    if moment is None:
        return "an unknown time"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


# ----------------------------------------------------------------------------- JSON shapes
# These shapes are documented in the README ("Command line"); add keys, never rename them.


def customer_json(row: CustomerRow) -> Json:
    return {
        "account": row.account,
        "name": row.name,
        "status": row.status,
        "owner": row.owner or None,
    }


def section_json(section: Section) -> Json:
    return {
        "key": section.key,
        "name": section.name,
        "state": section.state.value,
        "summary": section.summary,
        "blocking": section.blocking,
        "total": section.total,
    }


def cancellation_json(view: CancellationView | None) -> Json | None:
    if view is None:
        return None
    return {
        "state": view.state,
        "previous_status": view.previous_status,
        "begun_at": iso(view.begun_at),
        "begun_by": view.begun_by,
        "reasons": list(view.reasons),
        "reason_text": view.reason_text,
        "extra_information": view.extra_information,
        "mood": view.mood,
        "new_owner": view.new_owner,
        "new_owner_login": view.new_owner_login,
        "owner_applied_at": iso(view.owner_applied_at),
        "notify": list(view.notify),
        "notify_logins": list(view.notify_logins),
        "processed_at": iso(view.processed_at),
        "processed_by": view.processed_by,
    }


def is_ready(view: ToolView) -> bool:
    pending = view.cancellation is not None and view.cancellation.state == PENDING
    return pending and not view.red


def tool_json(view: ToolView) -> Json:
    detail = view.customer
    return {
        "account": detail.account,
        "name": detail.name,
        "status": detail.status,
        "owner": detail.owner or None,
        "owner_login": detail.owner_login,
        "customer_type": detail.customer_type,
        "time_zone": detail.time_zone,
        "admin_name": detail.admin_name,
        "admin_email": detail.admin_email,
        "version": detail.version,
        "cancellation": cancellation_json(view.cancellation),
        "sections": [section_json(section) for section in view.sections],
        "red": [section.name for section in view.red],
        "ready": is_ready(view),
    }


def user_json(user: UserRow) -> Json:
    return {
        "login": user.login,
        "name": user.display_name,
        "email": user.email or None,
        "roles": list(user.roles),
        "active": user.active,
    }


def reason_json(reason: ReasonRow) -> Json:
    return {"id": reason.id, "name": reason.name, "active": reason.active}


def outbox_json(row: OutboxRow) -> Json:
    return {
        "id": row.id,
        "account": row.account,
        "customer": row.customer,
        "kind": row.kind,
        "audience": row.audience,
        "recipients": list(row.recipients),
        "subject": row.subject,
        "status": row.status,
        "created_at": iso(row.created_at),
        "sent_at": iso(row.sent_at),
        "attempts": row.attempts,
        "last_error": row.last_error or None,
        "next_attempt_at": iso(row.next_attempt_at),
        "claimed_by": row.claimed_by or None,
        "handed_over_at": iso(row.handed_over_at),
        "message_id": row.message_id or None,
        "body": row.body,
    }


# ----------------------------------------------------------------------------- who is acting


def acting_login(settings: Settings) -> str:
    """The acting user's login; refuses (rather than guessing) when none can be found."""
    if not settings.login:
        raise InvalidInput(
            f"{PROG} cannot tell who you are. Pass --user LOGIN or set {USER_VARIABLE}."
        )
    return settings.login


# ----------------------------------------------------------------------------- commands


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    login = acting_login(settings)
    if not LOGIN.match(login):
        raise InvalidInput(
            f"'{login}' cannot be an offboard login (lowercase letters, digits, '.', '_' or '-'). "
            f"Pass --user LOGIN to name the team lead the demo adds."
        )
    replacing = not demo.is_empty()
    if replacing and args.if_empty and not args.force:
        out(f"{settings.shown_location} already holds data; left as it is.")
        return 0
    loaded = demo.load(
        force=args.force, login=login, replace_team_database=args.yes_replace_team_database
    )
    done = "Replaced everything in" if loaded.replaced else "Loaded the demo data into"
    out(
        f"{done} {settings.shown_location}: {loaded.customers} customers, "
        f"{loaded.users} users, {loaded.assets} assets."
    )
    if loaded.backup is not None:
        out(f"The data it held before is saved in {loaded.backup}.")
    out(f"You are '{login}', a team lead. Try: {PROG} list, {PROG} show 100011, or just {PROG}.")
    return 0


def cmd_db_init(args: argparse.Namespace, settings: Settings) -> int:
    opened = open_location(settings.location, create=True)
    shown = settings.shown_location
    if opened.created:
        out(f"Created the offboard database {shown} (migration {opened.at}).")
    elif opened.applied:
        out(f"Migrated {shown} to migration {opened.at}: applied {', '.join(opened.applied)}.")
    else:
        out(f"{shown} is already at migration {opened.at}; nothing to do.")
    return 0


def all_customers(search: str, status: str | None) -> Iterator[CustomerRow]:
    """Every matching customer, by name, read a page at a time with a keyset (no OFFSET)."""
    after: tuple[str, int] | None = None
    while True:
        page = customers.customer_page(search, status, after=after, limit=PAGE)
        yield from page
        if len(page) < PAGE:
            return
        after = (page[-1].key, page[-1].id)


def customer_line(account: str, status: str, name: str, owner: str) -> str:
    return f"{account:<8}  {status:<9}  {name:<34}  {owner}".rstrip()


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    rows = all_customers(args.search or "", args.status)
    if args.json:
        stream_json(customer_json(row) for row in rows)
        return 0
    shown = 0
    for row in rows:
        if shown == 0:
            out(customer_line("ACCOUNT", "STATUS", "NAME", "OWNER"))
        out(customer_line(row.account, row.status, row.name, row.owner))
        shown += 1
        if shown % PAGE == 0:
            sys.stdout.flush()
    if shown == 0:
        out(f"No customers match in {settings.shown_location}.")
    return 0


SECTION_MARKS = {
    "clear": "clear",
    "blocking": "BLOCKING",
    "optional": "optional",
    "waiting": "waiting",
}


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    view = customers.tool_view(args.account)
    if args.json:
        emit_json(tool_json(view))
        return 0
    detail = view.customer
    out(f"{detail.name} ({detail.account})")
    out(f"  Status        {detail.status}")
    out(f"  Owner         {detail.owner or 'nobody'}")
    out(f"  Type          {detail.customer_type}")
    out(f"  Time zone     {detail.time_zone}")
    if detail.admin_name or detail.admin_email:
        out(f"  Admin         {detail.admin_name} <{detail.admin_email}>".replace(" <>", ""))
    cancellation = view.cancellation
    out()
    if cancellation is None:
        out(f"No cancellation. Begin one with: {PROG} begin {detail.account}")
    else:
        begun = f"begun {local_time(cancellation.begun_at)} by {cancellation.begun_by}"
        if cancellation.state == PENDING:
            out(f"Cancellation pending, {begun}.")
        else:
            out(
                f"Cancellation {cancellation.state} {local_time(cancellation.processed_at)} "
                f"by {cancellation.processed_by or 'an unknown user'} ({begun})."
            )
    out()
    width = max(len(section.name) for section in view.sections)
    for section in view.sections:
        mark = SECTION_MARKS.get(section.state.value, section.state.value)
        out(f"  {mark:<8}  {section.name:<{width}}  {section.summary}")
    if cancellation is not None and cancellation.state == PENDING:
        out()
        if view.unfinished:
            out(f"Not ready: {describe_red(view.sections)}.")
        else:
            out(f"Ready: every section is clear. Process it with: {PROG} process {detail.account}")
    return 0


def operation(
    run: Callable[[str, str], Outcome],
) -> Handler:
    def handler(args: argparse.Namespace, settings: Settings) -> int:
        out(run(acting_login(settings), args.account).message)
        return 0

    return handler


def cmd_begin(args: argparse.Namespace, settings: Settings) -> int:
    outcome = cancellations.begin(acting_login(settings), args.account, scenario=args.scenario)
    out(outcome.message)
    return 0


def cmd_scenario(args: argparse.Namespace, settings: Settings) -> int:
    out(cancellations.set_scenario(acting_login(settings), args.account, args.scenario).message)
    return 0


def task_json(account: str, name: str, task: TaskView) -> Json:
    return {
        "account": account,
        "customer": name,
        "task": task.key,
        "title": task.task.title,
        "party": task.task.party_names,
        "state": task.state.value,
        "due": task.due.at.isoformat() if task.due else None,
        "due_date": task.due.date.isoformat() if task.due else None,
        "relative": task.relative,
        "done_by": task.done.by if task.done else None,
        "done_at": iso(task.done.at) if task.done else None,
        "note": task.done.note if task.done else None,
        "detail": task.detail,
    }


def cmd_today(args: argparse.Namespace, settings: Settings) -> int:
    rows = timeline.due_today(acting_login(settings) if args.mine else None)
    if args.json:
        emit_json([task_json(row.account, row.customer_name, row.task) for row in rows])
        return 0
    if not rows:
        out("Nothing is due today or overdue on any pending cancellation.")
        return 0
    out(f"{'ACCOUNT':<8}  {'WHEN':<20}  {'DUE':<22}  {'CUSTOMER':<24}  TASK (PARTY)")
    for row in rows:
        task = row.task
        due = task.due.absolute() if task.due else "—"
        out(
            f"{row.account:<8}  {task.relative:<20}  {due:<22}  {row.customer_name[:24]:<24}  "
            f"{task.task.title} ({task.task.party_names})"
        )
    return 0


def cmd_timeline(args: argparse.Namespace, settings: Settings) -> int:
    view = customers.read_termination(args.account)
    line = view.timeline
    if args.json:
        emit_json(
            {
                "account": view.account,
                "customer": view.customer_name,
                "time_zone": line.time_zone,
                "effective_date": str(line.effective_date) if line.effective_date else None,
                "tasks": [task_json(view.account, view.customer_name, t) for t in line.tasks],
                "sections": [
                    {"key": s.key, "state": s.state.value, "summary": s.summary}
                    for s in view.sections
                ],
            }
        )
        return 0
    effective = line.effective_date or f"not set (set it with: {PROG} effective ACCOUNT DATE)"
    out(f"{view.customer_name} ({view.account}) · effective date {effective} · {line.time_zone}")
    out()
    for task in line.tasks:
        due = task.due.absolute() if task.due else "—"
        # When it was done is in the relative column, in the customer's time; here who, and why.
        note = f": {task.done.note}" if task.done and task.done.note else ""
        done = f"  [{task.done.by}{note}]" if task.done else ""
        out(f"  {task.state.value:<11}  {due:<24}  {task.relative:<21}  {task.task.title}{done}")
    out()
    for section in view.sections:
        mark = SECTION_MARKS.get(section.state.value, section.state.value)
        out(f"  {mark:<8}  {section.name:<13}  {section.summary}")
    return 0


def cmd_plan(args: argparse.Namespace, settings: Settings) -> int:
    plan = timeline.load_plan(args.file) if args.file else timeline.current_plan()
    out(f"{plan.source}: {len(plan.tasks)} tasks")
    for number, task in enumerate(plan.tasks, start=1):
        how = task.completed_by + (f" {task.template}" if task.template else "")
        out(f"  {number:>2}. {task.key:<24} {task.rule.text:<28} {task.party_names} · {how}")
    return 0


def cmd_effective(args: argparse.Namespace, settings: Settings) -> int:
    out(termination.set_effective_date(acting_login(settings), args.account, args.date).message)
    return 0


def cmd_task(args: argparse.Namespace, settings: Settings) -> int:
    login = acting_login(settings)
    if args.undo:
        out(termination.reopen_task(login, args.account, args.task).message)
    else:
        out(termination.complete_task(login, args.account, args.task, args.note).message)
    return 0


def cmd_sign_off(args: argparse.Namespace, settings: Settings) -> int:
    login = acting_login(settings)
    if args.withdraw:
        out(termination.withdraw_sign_off(login, args.account, args.team).message)
    else:
        out(termination.sign_off(login, args.account, args.team, args.note).message)
    return 0


def cmd_deactivate(args: argparse.Namespace, settings: Settings) -> int:
    if not args.guids and sys.stdin.isatty():
        return fail(
            "Give the GUIDs of what was deactivated: as arguments, or one per line on stdin "
            f"(e.g. {PROG} deactivate {args.account} < guids.txt)."
        )
    guids = "\n".join(args.guids) if args.guids else sys.stdin.read()
    out(termination.record_deactivation(acting_login(settings), args.account, guids).message)
    return 0


def cmd_data(args: argparse.Namespace, settings: Settings) -> int:
    login = acting_login(settings)
    if args.decision == "purged":
        out(termination.record_purge(login, args.account).message)
        return 0
    outcome = termination.decide_data(
        login, args.account, args.decision, reason=args.reason, review_date=args.review
    )
    out(outcome.message)
    return 0


def cmd_confirm(args: argparse.Namespace, settings: Settings) -> int:
    outcome = cancellations.confirm_step(acting_login(settings), args.account, args.step, args.note)
    out(outcome.message)
    return 0


def roles_given(values: Sequence[str] | None) -> list[str]:
    """``--role a --role b`` and ``--role a,b`` both name two roles."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def describe_user(user: UserRow) -> str:
    roles = ", ".join(user.roles) or "no roles"
    state = "active" if user.active else "inactive"
    return f"{user.login} ({user.display_name}): {roles}; {state}"


def cmd_users_add(args: argparse.Namespace, settings: Settings) -> int:
    # No acting user is needed for the first user of an empty database (the data layer decides).
    user = users.add_user(
        settings.login or None, args.login, args.name, args.email or "", roles_given(args.role)
    )
    out(f"Added user {describe_user(user)}.")
    return 0


def user_line(login: str, name: str, roles: str, active: str, email: str) -> str:
    return f"{login:<14}  {name:<24}  {roles:<38}  {active:<8}  {email}".rstrip()


def cmd_users_list(args: argparse.Namespace, settings: Settings) -> int:
    rows = users.list_users()
    if args.json:
        emit_json([user_json(user) for user in rows])
        return 0
    if not rows:
        out(f"No users yet. Add the first (a CRM admin): {PROG} users add LOGIN --name 'Your Name'")
        return 0
    out(user_line("LOGIN", "NAME", "ROLES", "ACTIVE", "EMAIL"))
    for user in rows:
        out(
            user_line(
                user.login,
                user.display_name,
                ",".join(user.roles) or "-",
                "yes" if user.active else "no",
                user.email,
            )
        )
    return 0


def check_users_set(args: argparse.Namespace) -> None:
    if args.role is None and not args.no_roles and args.active is None and args.email is None:
        args.parser.error("say what to change: --role, --no-roles, --active, --inactive or --email")


def cmd_users_set(args: argparse.Namespace, settings: Settings) -> int:
    roles = [] if args.no_roles else (roles_given(args.role) if args.role is not None else None)
    user = users.update_user(
        acting_login(settings), args.login, roles=roles, active=args.active, email=args.email
    )
    out(f"Updated user {describe_user(user)}.")
    return 0


def cmd_reasons_list(args: argparse.Namespace, settings: Settings) -> int:
    rows = users.list_reasons(include_retired=args.all)
    if args.json:
        emit_json([reason_json(reason) for reason in rows])
        return 0
    if not rows:
        out(f"The reason list is empty. Add one with: {PROG} reasons add NAME")
    for reason in rows:
        out(f"{reason.id:>4}  {reason.name}{'' if reason.active else '  (retired)'}")
    return 0


def cmd_reasons_add(args: argparse.Namespace, settings: Settings) -> int:
    reason = users.add_reason(acting_login(settings), args.name)
    out(f"Added the reason '{reason.name}' (id {reason.id}).")
    return 0


def reason_state(active: bool) -> Handler:
    def handler(args: argparse.Namespace, settings: Settings) -> int:
        reason = users.retire_reason(acting_login(settings), args.id, active=active)
        done = "back on" if active else "retired from"
        out(f"The reason '{reason.name}' (id {reason.id}) is {done} the list.")
        return 0

    return handler


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
        if row.status == OUTBOX_SENDING:
            out(f"        claimed by {row.claimed_by} at {local_time(row.claimed_at)}")
        if row.next_attempt_at is not None and row.status == OUTBOX_QUEUED:
            out(
                f"        next try after {local_time(row.next_attempt_at)} (attempt {row.attempts + 1})"
            )
        if row.last_error:
            out(f"        {row.last_error}")
        if row.status == OUTBOX_UNCERTAIN:
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
    paths = outbox_export.export_queued(args.directory, sender=settings.mail_from or None)
    for path in paths:
        out(str(path))
    if not paths:
        out(f"No message is queued: nothing was written to {args.directory}.")
    else:
        out(
            f"Wrote {len(paths)} messages to {args.directory}. They stay queued: withdraw each "
            f"one you send by hand ('{PROG} outbox withdraw ID'), or it goes out again once a "
            "mail server is configured."
        )
    return 0


def cmd_outbox_retry(args: argparse.Namespace, settings: Settings) -> int:
    row = outbox_review.requeue(acting_login(settings), args.id)
    out(f"Message {row.id} ({row.subject}) is queued again; '{PROG} outbox send' sends it.")
    return 0


def cmd_outbox_resend(args: argparse.Namespace, settings: Settings) -> int:
    row = outbox_review.resend(acting_login(settings), args.id)
    out(
        f"Message {row.id} ({row.subject}) is queued again; '{PROG} outbox send' sends it. "
        f"If the first one did arrive, it arrives twice (with the same Message-ID)."
    )
    return 0


def cmd_outbox_mark_sent(args: argparse.Namespace, settings: Settings) -> int:
    row = outbox_review.mark_sent(acting_login(settings), args.id)
    out(f"Message {row.id} ({row.subject}) is marked sent: it will not be sent again.")
    return 0


def cmd_outbox_withdraw(args: argparse.Namespace, settings: Settings) -> int:
    row = outbox_review.withdraw(acting_login(settings), args.id)
    out(f"Message {row.id} ({row.subject}) is withdrawn: it will not be sent.")
    return 0


# ----------------------------------------------------------------------------- the parser

LARGEST_ID = 2**63 - 1  # the largest id either database stores


def record_id(text: str) -> int:
    """An id argument (a message, a reason…): a whole number from 1 up, else a usage error."""
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if not 1 <= value <= LARGEST_ID:
        raise argparse.ArgumentTypeError(
            f"'{clip(text.strip())}' is not an id: give the whole number (1 or more) that the "
            "list shows"
        )
    return value


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error quotes at most ~80 characters of what was typed."""

    def error(self, message: str) -> NoReturn:
        super().error(str(InvalidInput(message)))


def version() -> str:
    try:
        return metadata.version("offboard")
    except metadata.PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    db_help = (
        "the database: a SQLite file path or a postgresql:// URL "
        "(default: $OFFBOARD_DATABASE, else a file in your user data folder)"
    )
    user_help = f"who you are in offboard (default: ${USER_VARIABLE}, else your login name)"
    # --db and --user are accepted before the command and after it. After it, they are
    # SUPPRESSed when absent so they do not undo a value given before the command.
    shared = Parser(add_help=False, allow_abbrev=False)
    shared.add_argument("--db", metavar="PATH_OR_URL", default=argparse.SUPPRESS, help=db_help)
    shared.add_argument("--user", metavar="LOGIN", default=argparse.SUPPRESS, help=user_help)

    parser = Parser(
        prog=PROG,
        allow_abbrev=False,
        description="Take a customer cancellation from request to done. "
        "Without a command, opens the app.",
        epilog=f"Run '{PROG} COMMAND --help' for a command's options. Exit status: 0 done, "
        "1 refused (the reason is on stderr), 2 a mistake in the command line.",
    )
    parser.add_argument("--db", metavar="PATH_OR_URL", default=None, help=db_help)
    parser.add_argument("--user", metavar="LOGIN", default=None, help=user_help)
    parser.add_argument("--version", action="version", version=f"{PROG} {version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def command(group: Any, name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = group.add_parser(
            name, parents=[shared], help=help_text, description=help_text, allow_abbrev=False
        )
        sub.set_defaults(handler=handler, parser=sub)
        return sub

    sub = command(commands, "demo", cmd_demo, "fill the database with the demo data set")
    sub.add_argument(
        "--force", action="store_true", help="replace everything in a database that holds data"
    )
    sub.add_argument(
        "--if-empty",
        action="store_true",
        help="load only into an empty database; leave one that holds data as it is (exit 0)",
    )
    sub.add_argument(
        "--yes-replace-team-database",
        action="store_true",
        help="with --force on PostgreSQL: yes, delete the whole team's data (a CRM admin may)",
    )
    sub.set_defaults(opens="create")

    db_parser = commands.add_parser(
        "db", parents=[shared], help="create and administer the database", allow_abbrev=False
    )
    db_commands = db_parser.add_subparsers(
        dest="db_command", metavar="DB_COMMAND", title="db commands", required=True
    )
    sub = command(
        db_commands, "init", cmd_db_init, "create an offboard database here, or bring it up to date"
    )
    sub.set_defaults(opens="handler")
    sub = command(
        db_commands,
        "grant",
        cmd_db_grant,
        "PostgreSQL: create or update the database role a team lead logs in with (owner only)",
    )
    sub.add_argument(
        "login", metavar="LOGIN", help="the offboard user's login, and the role's name"
    )

    audit_parser = commands.add_parser(
        "audit", parents=[shared], help="check the audit trail", allow_abbrev=False
    )
    audit_commands = audit_parser.add_subparsers(
        dest="audit_command", metavar="AUDIT_COMMAND", title="audit commands", required=True
    )
    sub = command(
        audit_commands,
        "verify",
        cmd_audit_verify,
        "walk the audit trail's hash chain and name the first event that does not hold",
    )
    sub.add_argument("--json", action="store_true", help="print the verdict as one JSON object")

    sub = command(commands, "list", cmd_list, "list customers, by name")
    sub.add_argument(
        "--status",
        type=str.lower,
        choices=STATUS_CHOICES,
        help="only customers with this status: Live, Live (PC) or Cancelled",
    )
    sub.add_argument("--search", metavar="TEXT", help="names or account numbers starting with TEXT")
    sub.add_argument("--json", action="store_true", help="print one JSON array")

    sub = command(commands, "show", cmd_show, "show a customer and its cancellation sections")
    sub.add_argument("account", metavar="ACCOUNT", help="the account number, such as 100011")
    sub.add_argument("--json", action="store_true", help="print one JSON object")

    sub = command(
        commands, "begin", cmd_begin, "begin a cancellation: the customer becomes Live (PC)"
    )
    sub.add_argument("account", metavar="ACCOUNT", help="the account number, such as 100011")
    sub.add_argument(
        "--scenario",
        default="buyout",
        help="how the customer leaves: buyout (default), non-renewal or collections",
    )
    for name, run, help_text in (
        (
            "remove",
            cancellations.remove,
            "remove a pending cancellation: the customer is Live again",
        ),
        ("process", cancellations.process, "process a cancellation once every section is clear"),
    ):
        sub = command(commands, name, operation(run), help_text)
        sub.add_argument("account", metavar="ACCOUNT", help="the account number, such as 100011")
    sub = command(
        commands,
        "scenario",
        cmd_scenario,
        "change the scenario of a pending cancellation (buyout, non-renewal, collections)",
    )
    sub.add_argument("account", metavar="ACCOUNT", help="the account number")
    sub.add_argument("scenario", metavar="SCENARIO", help="buyout, non-renewal or collections")
    sub = command(
        commands,
        "confirm",
        cmd_confirm,
        "confirm a step of the scenario (final-amount-email, payment-confirmed, "
        "bill-till-payout, auto-renewal-disabled, admin-notified)",
    )
    sub.add_argument("account", metavar="ACCOUNT", help="the account number")
    sub.add_argument("step", metavar="STEP", help="the step, such as payment-confirmed")
    sub.add_argument("--note", default="", help="who confirmed it, and how")

    sub = command(
        commands,
        "today",
        cmd_today,
        "list the timeline tasks due today or overdue across every pending cancellation",
    )
    sub.add_argument("--mine", action="store_true", help="only cancellations you began")
    sub.add_argument("--json", action="store_true", help="print one JSON array")
    sub = command(commands, "timeline", cmd_timeline, "show a cancellation's termination timeline")
    sub.add_argument("account", metavar="ACCOUNT", help="the account number")
    sub.add_argument("--json", action="store_true", help="print one JSON object")
    sub = command(
        commands, "plan", cmd_plan, "show the termination plan in use, or check a plan FILE"
    )
    sub.add_argument("file", metavar="FILE", nargs="?", help="a plan file to check")
    sub.set_defaults(opens="handler")  # reads no database
    sub = command(
        commands,
        "effective",
        cmd_effective,
        "set the effective date (contract end or de-provisioning) of a pending cancellation",
    )
    sub.add_argument("account", metavar="ACCOUNT", help="the account number")
    sub.add_argument("date", metavar="DATE", help="2026-12-31, +30d, tomorrow…")
    sub = command(commands, "task", cmd_task, "tick a timeline task done by hand (or --undo it)")
    sub.add_argument("account", metavar="ACCOUNT", help="the account number")
    sub.add_argument("task", metavar="TASK", help="the task's key, as offboard plan lists it")
    sub.add_argument("--note", default="", help="who did it, and how")
    sub.add_argument("--undo", action="store_true", help="reopen a task ticked by mistake")
    sub = command(
        commands, "sign-off", cmd_sign_off, "record a termination team's sign-off (or --withdraw)"
    )
    sub.add_argument("account", metavar="ACCOUNT", help="the account number")
    sub.add_argument(
        "team",
        metavar="TEAM",
        help="customer_operations, finance, marketing_exclusion, marketing_references, "
        "sales_ops or final",
    )
    sub.add_argument("--note", default="", help="who confirmed it, and how")
    sub.add_argument("--withdraw", action="store_true", help="withdraw a sign-off")
    sub = command(
        commands,
        "deactivate",
        cmd_deactivate,
        "record the deactivation of the customer's access with the GUIDs (or read them from stdin)",
    )
    sub.add_argument("account", metavar="ACCOUNT", help="the account number")
    sub.add_argument("guids", metavar="GUID", nargs="*", help="the GUIDs deactivated")
    sub = command(
        commands,
        "data",
        cmd_data,
        "record the account team's data decision (hold, approve) or that the purge is done",
    )
    sub.add_argument("account", metavar="ACCOUNT", help="the account number")
    sub.add_argument("decision", choices=["hold", "approve", "purged"], help="what happened")
    sub.add_argument("--reason", default="", help="why the data is held")
    sub.add_argument("--review", default=None, help="when a hold is reviewed (a date)")

    users_parser = commands.add_parser(
        "users", parents=[shared], help="list, add and change users", allow_abbrev=False
    )
    users_commands = users_parser.add_subparsers(
        dest="users_command", metavar="USERS_COMMAND", title="users commands", required=True
    )
    sub = command(users_commands, "list", cmd_users_list, "list every user")
    sub.add_argument("--json", action="store_true", help="print one JSON array")
    sub = command(
        users_commands,
        "add",
        cmd_users_add,
        "add a user (a CRM admin may; the first user of an empty database becomes one)",
    )
    sub.add_argument("login", metavar="LOGIN", help="lowercase login, such as sam.lee")
    sub.add_argument("--name", required=True, help="the name people see, such as 'Sam Lee'")
    sub.add_argument("--email", help="where notifications go")
    role_help = f"a role ({', '.join(KNOWN_ROLES)}); repeat it or separate roles with commas"
    sub.add_argument("--role", action="append", metavar="ROLE", help=role_help)
    sub = command(
        users_commands, "set", cmd_users_set, "change a user's roles, e-mail or active flag"
    )
    sub.set_defaults(check=check_users_set)
    sub.add_argument("login", metavar="LOGIN")
    roles = sub.add_mutually_exclusive_group()
    roles.add_argument("--role", action="append", metavar="ROLE", help=f"{role_help}; replaces")
    roles.add_argument("--no-roles", action="store_true", help="take every role away")
    activity = sub.add_mutually_exclusive_group()
    activity.add_argument("--active", dest="active", action="store_const", const=True)
    activity.add_argument("--inactive", dest="active", action="store_const", const=False)
    sub.add_argument("--email", help="the new e-mail address ('' to clear it)")

    reasons_parser = commands.add_parser(
        "reasons", parents=[shared], help="the list of cancellation reasons", allow_abbrev=False
    )
    reasons_commands = reasons_parser.add_subparsers(
        dest="reasons_command", metavar="REASONS_COMMAND", title="reasons commands", required=True
    )
    sub = command(reasons_commands, "list", cmd_reasons_list, "list the cancellation reasons")
    sub.add_argument("--all", action="store_true", help="include retired reasons")
    sub.add_argument("--json", action="store_true", help="print one JSON array")
    sub = command(reasons_commands, "add", cmd_reasons_add, "add a reason (CRM admin)")
    sub.add_argument("name", metavar="NAME")
    for name, active, help_text in (
        ("retire", False, "retire a reason: no longer offered, kept where chosen (CRM admin)"),
        ("restore", True, "offer a retired reason again (CRM admin)"),
    ):
        sub = command(reasons_commands, name, reason_state(active), help_text)
        sub.add_argument(
            "id", metavar="ID", type=record_id, help="the id 'reasons list --all' shows"
        )

    outbox_parser = commands.add_parser(
        "outbox",
        parents=[shared],
        help="the e-mail outbox: list, send, export, retry, resend, mark-sent, withdraw",
        allow_abbrev=False,
    )
    outbox_commands = outbox_parser.add_subparsers(
        dest="outbox_command", metavar="OUTBOX_COMMAND", title="outbox commands", required=True
    )
    sub = command(outbox_commands, "list", cmd_outbox_list, "list the outbox, newest first")
    sub.add_argument("--account", metavar="ACCOUNT", help="only messages about this customer")
    sub.add_argument(
        "--status",
        type=str.lower,
        choices=OUTBOX_STATUSES,
        help=f"only messages with this status: {', '.join(OUTBOX_STATUSES)}",
    )
    sub.add_argument("--json", action="store_true", help="print one JSON array")
    command(
        outbox_commands,
        "send",
        cmd_outbox_send,
        "send the queued messages through the configured mail server",
    )
    sub = command(
        outbox_commands,
        "export",
        cmd_outbox_export,
        "write the queued messages as .eml files (they stay queued)",
    )
    sub.add_argument("directory", metavar="DIR", help="the folder to write to (made if missing)")
    id_help = "the message id 'outbox list' shows"
    sub = command(
        outbox_commands,
        "retry",
        cmd_outbox_retry,
        "queue a failed message again (team lead)",
    )
    sub.add_argument("id", metavar="ID", type=record_id, help=id_help)
    sub = command(
        outbox_commands,
        "resend",
        cmd_outbox_resend,
        "queue an uncertain message again: it may arrive twice (team lead)",
    )
    sub.add_argument("id", metavar="ID", type=record_id, help=id_help)
    sub = command(
        outbox_commands,
        "mark-sent",
        cmd_outbox_mark_sent,
        "record that an uncertain message did arrive (team lead)",
    )
    sub.add_argument("id", metavar="ID", type=record_id, help=id_help)
    sub = command(
        outbox_commands,
        "withdraw",
        cmd_outbox_withdraw,
        "withdraw a queued or failed message: it is never sent (team lead)",
    )
    sub.add_argument("id", metavar="ID", type=record_id, help=id_help)
    return parser


# ----------------------------------------------------------------------------- running


def parse(argv: Sequence[str] | None) -> argparse.Namespace | int:
    """The parsed command line, or the exit code argparse chose (2 for a usage error)."""
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    # A date counted back (-7d) is a value, not an option: a leading space tells argparse so,
    # and the date is read with its spaces trimmed.
    words = [f" {word}" if counts_back(word) else word for word in words]
    try:
        args = parser.parse_args(words)
        check = getattr(args, "check", None)
        if check is not None:
            check(args)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
    return args


def open_app(settings: Settings) -> int:
    # Imported here: the subcommands must not pay for (or depend on) loading Textual.
    try:
        from tui.app import run_app
    except ModuleNotFoundError as error:
        if error.name != "textual":
            raise
        return fail(
            f"The app cannot start: {error}. The subcommands still work; see {PROG} --help."
        )
    run_app(location=settings.location, login=settings.login)
    return 0


def open_chosen_database(settings: Settings, *, create: bool = False) -> int:
    """Open and migrate the database; 0, or 1 with the reason on stderr. Only ``create``
    (demo) makes a new database; any other command refuses a location without one."""
    try:
        open_database(settings.location, create=create)
    except OffboardError as error:
        return fail(one_line(str(error)))
    except (PeeweeException, ValueError, OSError, sqlite3.Error) as error:
        return fail(explain(error, settings.location))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parsed = parse(argv)
    if isinstance(parsed, int):
        return parsed
    args = parsed
    try:
        settings = load_settings(args.db, args.user)
    except ConfigError as error:
        fail(f"{error.title}: {error}")
        return 2
    try:
        # The organisation's own e-mail templates and termination plan, named in the
        # configuration; a plan that cannot be used stops here, naming its line.
        outbox.use_templates(settings.templates or None)
        try:
            timeline.use_plan(settings.plan or None)
        except timeline.PlanError as error:
            problem = f"Configuration error: the termination plan cannot be used: {error}"
            # Checking a corrected plan file must work while the configured one is broken.
            if not (args.command == "plan" and args.file):
                fail(problem)
                return 2
            print(f"{PROG}: {problem}", file=sys.stderr)
        if args.command is None:
            return open_app(settings)
        # "existing": an offboard database must be there; "create": demo may make one;
        # "handler": the command opens one itself (db init) or reads none (plan).
        opens = getattr(args, "opens", "existing")
        creates = opens == "create"
        opened = 0 if opens == "handler" else open_chosen_database(settings, create=creates)
        if opened:
            return opened
        if opens != "handler":
            # On PostgreSQL the connection's role is who acts (data.audit.acting_login).
            chosen = bool(args.user or os.environ.get(USER_VARIABLE, "").strip())
            login = audit.acting_login(settings.login, chosen=chosen)
            settings = dataclasses.replace(settings, login=login)
        handler: Handler = args.handler
        return handler(args, settings)
    except OffboardError as error:
        return fail(f"{error.title}: {error}")
    except (PeeweeException, sqlite3.Error) as error:
        return fail(explain(error, settings.location))
    except BrokenPipeError:
        # The reader (`| head`) stopped early: not an error. Point stdout at devnull so Python's
        # own flush at exit does not complain a second time.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    finally:
        if database.obj is not None and not database.is_closed():
            database.close()


if __name__ == "__main__":
    raise SystemExit(main())
