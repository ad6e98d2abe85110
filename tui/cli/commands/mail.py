"""Writing and queueing a cancellation's e-mails from the command line, as the tool's E-mail
screen does: the offboarding notice to the customer's admin (``mail ACCOUNT offboarding``) and
a timeline task's e-mail, such as the final termination e-mail to the account team (``mail
ACCOUNT final-termination``).

The draft is filled from its template by data.notices; ``--show`` prints it and queues
nothing; ``--to``, ``--subject`` and ``--body FILE`` replace what the draft says, as editing
it on the screen does. Queueing goes through the same data operation as the screen's ctrl+s."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from data.cancellations import queue_offboarding_notice
from data.errors import InvalidInput, clip
from data.models import DoneBy
from data.notices import Draft, compose_offboarding_notice, compose_task_email
from data.termination import queue_task_email
from data.timeline import plan_in_force
from tui.cli.commands import acting_login
from tui.cli.commands.fields import report, version
from tui.cli.output import emit_json, fail, out
from tui.cli.shapes import draft_json
from tui.config import Settings

OFFBOARDING = "offboarding"
FINAL_TERMINATION = "final-termination"
# The template of the plan's final termination e-mail (seed 000, step 8).
FINAL_TEMPLATE = "final_termination_notice"


def task_key(typed: str) -> str:
    """The plan task whose e-mail ``typed`` names: ``final-termination`` is the task that
    sends the final termination notice; anything else is the key (``-`` or ``_``) or title of
    a task of the plan that sends an e-mail. Refused naming every e-mail that can be written."""
    which = " ".join(typed.split()).lower()
    plan = plan_in_force()
    sending = [task for task in plan.tasks if task.template]
    final = next(
        (t.key for t in sending if t.completed_by == DoneBy.EMAIL and t.template == FINAL_TEMPLATE),
        None,
    )
    if which == FINAL_TERMINATION and final is not None:
        return final
    named = next(
        (t for t in plan.tasks if which.replace("-", "_") == t.key or which == t.title.casefold()),
        None,
    )
    if named is not None and named.template:
        return named.key
    *others, last = [OFFBOARDING, *([FINAL_TERMINATION] if final else [])] + [
        t.key for t in sending
    ]
    give = f"give {', '.join(others)} or {last}" if others else f"give {last}"
    if which == FINAL_TERMINATION:
        wrong = f"The plan in use ({plan.source}) sends no final termination e-mail"
    elif named is not None:
        wrong = f"'{named.title}' sends no e-mail"
    else:
        wrong = f"'{clip(typed.strip())}' is not a task of the plan, nor an e-mail offboard writes"
    raise InvalidInput(f"{wrong}: {give}.")


def body_from(source: str) -> str:
    """The edited body, from a file or ``-`` (stdin)."""
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"The body cannot be read from {source}: {error}.") from error


def show_draft(which: str, draft: Draft) -> None:
    out(f"To:       {draft.recipients}")
    if draft.cc:
        out(f"Cc:       {draft.cc}")
    out(f"Subject:  {draft.subject}")
    if draft.deactivation_date is not None:
        label = "Deactivation" if which == OFFBOARDING else "De-provisioning"
        out(f"{label}: {draft.deactivation_date}")
    for warning in draft.warnings:
        out(f"! {warning}")
    out()
    out(draft.body.rstrip())


def cmd_mail(args: argparse.Namespace, settings: Settings) -> int:
    login = acting_login(settings)
    which = args.email.strip().lower()
    task = None if which == OFFBOARDING else task_key(args.email)
    if task is None:
        draft = compose_offboarding_notice(args.account, login, notice_days=settings.notice_days)
    else:
        draft = compose_task_email(args.account, login, task)
    if draft.refusal:
        return fail(draft.refusal)
    recipients = draft.recipients if args.to is None else args.to
    if args.cc is not None and task is None:
        return fail(
            "--cc is for a timeline task's e-mail; the offboarding notice goes to the admin."
        )
    copies = draft.cc if args.cc is None else args.cc
    subject = draft.subject if args.subject is None else args.subject
    body = draft.body if args.body is None else body_from(args.body)
    edited = dataclasses.replace(
        draft, recipients=recipients, cc=copies, subject=subject, body=body
    )
    if args.show:
        if args.json:
            emit_json(draft_json(which, task, edited))
        else:
            show_draft(which, edited)
        return 0
    if task is None:
        outcome = queue_offboarding_notice(
            login, args.account, recipients, subject, body, expected_version=version(args)
        )
    else:
        outcome = queue_task_email(
            login,
            args.account,
            task,
            recipients,
            subject,
            body,
            cc=copies,
            expected_version=version(args),
        )
    return report(args, outcome)
