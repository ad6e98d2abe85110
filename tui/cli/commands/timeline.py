"""The termination timeline commands: today, timeline, plan, effective, task, sign-off (one
team, or several at once: all or nothing), deactivate and data; and ``undo --sign-off`` /
``undo --task``, the team lead's undo while the cancellation is pending."""

from __future__ import annotations

import argparse
import sys

from data import customers, termination, timeline
from tui.cli.commands import acting_login
from tui.cli.output import PROG, emit_json, fail, out, section_mark
from tui.cli.shapes import gates, task_json
from tui.config import Settings


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
                    {"key": s.key, "state": s.state.value, "summary": s.summary, "gates": gates(s)}
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
        mark = section_mark(section.state.value, gates(section))
        out(f"  {mark:<9}  {section.name:<13}  {section.summary}")
    return 0


def cmd_plan(args: argparse.Namespace, settings: Settings) -> int:
    plan = timeline.load_plan(args.file) if args.file else timeline.plan_in_force()
    out(f"{plan.source}: {len(plan.tasks)} tasks")
    for number, task in enumerate(plan.tasks, start=1):
        how = task.completed_by + (f" {task.template}" if task.template else "")
        out(f"  {number:>2}. {task.key:<24} {task.rule.text:<28} {task.party_names} · {how}")
    return 0


def cmd_effective(args: argparse.Namespace, settings: Settings) -> int:
    outcome = termination.set_effective_date(
        acting_login(settings), args.account, args.date, allow_past=args.past
    )
    out(outcome.message)
    return 0


def cmd_task(args: argparse.Namespace, settings: Settings) -> int:
    login = acting_login(settings)
    if args.undo:
        out(termination.reopen_task(login, args.account, args.task).message)
    else:
        out(termination.complete_task(login, args.account, args.task, args.note).message)
    return 0


def cmd_sign_off(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here, not at the top: a command loads its own module only, so `plan`, `today`
    # and the others here do not load the fields commands (tests/cli/test_lazy_commands.py).
    from tui.cli.commands.fields import report, version

    login = acting_login(settings)
    expected = version(args)
    teams: list[str] = args.teams
    if args.withdraw:  # one team: the grammar says so (check_sign_off)
        outcome = termination.withdraw_sign_off(
            login, args.account, teams[0], expected_version=expected
        )
    elif len(teams) == 1:
        outcome = termination.sign_off(
            login, args.account, teams[0], args.note, expected_version=expected
        )
    else:
        outcome = timeline.sign_off_many(
            login, args.account, teams, args.note, expected_version=expected
        )
    return report(args, outcome)


def cmd_undo_sign_off(args: argparse.Namespace, settings: Settings) -> int:
    from tui.cli.commands.fields import report, version  # see cmd_sign_off

    outcome = timeline.undo_sign_off(
        acting_login(settings), args.account, args.sign_off, expected_version=version(args)
    )
    return report(args, outcome)


def cmd_undo_task(args: argparse.Namespace, settings: Settings) -> int:
    from tui.cli.commands.fields import report, version  # see cmd_sign_off

    outcome = timeline.undo_task(
        acting_login(settings), args.account, args.task, expected_version=version(args)
    )
    return report(args, outcome)


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
