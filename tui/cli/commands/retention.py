"""The retention commands (issue 15): save attempts and the offer list, change requests and
their approval chain, and Resume. Each calls the same data operation as the app and prints one
sentence (or, with --json, the JSON the README documents)."""

from __future__ import annotations

import argparse
from typing import Any

from data.retention import attempts, decisions, offers, pause, request_views, requests
from data.retention.attempts import AttemptRow
from data.retention.request_views import RequestView
from data.retention.requests import RequestDone
from tui.cli.commands import acting_login
from tui.cli.commands.pick_lists import show_added, show_list, show_state
from tui.cli.output import PROG, Json, emit_json, iso, local_time, out
from tui.config import Settings

# ----------------------------------------------------------------------------- JSON shapes


def attempt_json(attempt: AttemptRow) -> Json:
    return {
        "id": attempt.id,
        "account": attempt.account,
        "by": attempt.by,
        "by_login": attempt.by_login,
        "at": iso(attempt.at),
        "concern": attempt.concern,
        "offers": list(attempt.offers),
        "outcome": attempt.outcome,
        "note": attempt.note,
    }


def request_json(view: RequestView) -> Json:
    waiting = view.waiting_for
    shape: Json = {
        "id": view.id,
        "account": view.account,
        "customer": view.customer_name,
        "kind": view.kind,
        "state": view.state,
        "effective_date": view.effective_date.isoformat(),
        "end_date": view.end_date.isoformat() if view.end_date else None,
        "credit": f"{view.credit:.2f}",
        "notes": view.notes,
        "retention": view.retention,
        "created_by": view.created_by,
        "created_at": iso(view.created_at),
        "submitted_by": view.submitted_by,
        "submitted_at": iso(view.submitted_at),
        "decided_at": iso(view.decided_at),
        "round": view.round,
        "version": view.version,
        "cancellation_id": view.cancellation_id,
        "waiting_for": waiting.key if waiting else None,
        "steps": [
            {
                "number": step.number,
                "key": step.key,
                "label": step.label,
                "approver": step.approver,
                "state": step.state,
                "by": step.by,
                "at": iso(step.at),
                "comment": step.comment,
            }
            for step in view.steps
        ],
    }
    if view.history:
        shape["history"] = [
            {"at": iso(entry.at), "by": entry.by, "action": entry.action, "detail": entry.detail}
            for entry in view.history
        ]
    return shape


# ----------------------------------------------------------------------------- save attempts


def cmd_save_attempt(args: argparse.Namespace, settings: Settings) -> int:
    login = acting_login(settings)
    if args.no_attempt is not None:
        done = attempts.note_no_attempt(
            login, args.account, args.no_attempt, expected_version=args.expected_version
        )
        attempt: Json | None = None
    else:
        done = attempts.record_attempt(
            login,
            args.account,
            outcome=args.outcome,
            concern=args.concern,
            offers=list(args.offer or []),
            note=args.note,
            expected_version=args.expected_version,
        )
        found = [a for a in attempts.attempts_of(args.account) if a.id == done.count]
        attempt = attempt_json(found[0]) if found else None
    if args.json:
        emit_json(
            {
                "message": done.message,
                "account": done.account,
                "version": done.version,
                "attempt": attempt,
            }
        )
    else:
        out(done.message)
    return 0


def cmd_save_attempts(args: argparse.Namespace, settings: Settings) -> int:
    rows = attempts.attempts_of(args.account)
    if args.json:
        emit_json([attempt_json(row) for row in rows])
        return 0
    if not rows:
        out(f"No save attempts. Record one: {PROG} save-attempt {args.account} --outcome …")
    for row in rows:
        offered = f" — offered {', '.join(row.offers)}" if row.offers else ""
        concern = f": {row.concern}" if row.concern else ""
        out(f"#{row.id:<5} {local_time(row.at)}  {row.outcome:<10} {row.by}{concern}{offered}")
    return 0


def cmd_offers_list(args: argparse.Namespace, settings: Settings) -> int:
    return show_list(args, offers.list_offers(include_retired=args.all), "offer")


def cmd_offers_add(args: argparse.Namespace, settings: Settings) -> int:
    return show_added(offers.add_offer(acting_login(settings), args.name), "offer")


def cmd_offers_retire(args: argparse.Namespace, settings: Settings) -> int:
    return show_state(offers.retire_offer(acting_login(settings), args.id), "offer")


def cmd_offers_restore(args: argparse.Namespace, settings: Settings) -> int:
    return show_state(offers.retire_offer(acting_login(settings), args.id, active=True), "offer")


# ----------------------------------------------------------------------------- change requests


def _done(args: argparse.Namespace, done: RequestDone) -> int:
    if args.json:
        emit_json(
            {
                "message": done.message,
                "request": request_json(request_views.show_request(done.request_id)),
            }
        )
    else:
        out(done.message)
    return 0


def cmd_request_create(args: argparse.Namespace, settings: Settings) -> int:
    done = requests.create_request(
        acting_login(settings),
        args.account,
        args.kind,
        args.effective,
        credit=args.credit,
        end_date=args.end,
        notes=args.notes or "",
        retention=args.retention,
    )
    return _done(args, done)


def cmd_request_edit(args: argparse.Namespace, settings: Settings) -> int:
    done = requests.edit_request(
        acting_login(settings),
        args.id,
        expected_version=args.expected_version,
        effective=args.effective,
        credit=args.credit,
        end_date=args.end,
        notes=args.notes,
        retention=args.retention,
    )
    return _done(args, done)


def cmd_request_submit(args: argparse.Namespace, settings: Settings) -> int:
    done = decisions.submit_request(
        acting_login(settings), args.id, expected_version=args.expected_version
    )
    return _done(args, done)


def cmd_request_recall(args: argparse.Namespace, settings: Settings) -> int:
    done = decisions.recall_request(
        acting_login(settings), args.id, expected_version=args.expected_version
    )
    return _done(args, done)


def _describe(view: RequestView) -> list[str]:
    end = f" to {view.end_date}" if view.end_date else ""
    lines = [
        f"Change request #{view.id}: {view.kind} {view.customer_name} ({view.account}) from "
        f"{view.effective_date}{end} — {view.state}",
        f"  credit {view.credit:.2f}; retention took part: {'yes' if view.retention else 'no'}; "
        f"created by {view.created_by}"
        + (f"; submitted by {view.submitted_by}" if view.submitted_by else ""),
    ]
    if view.notes:
        lines.append(f"  notes: {view.notes}")
    for step in view.steps:
        decided = f" by {step.by} {local_time(step.at)}" if step.by else ""
        comment = f": {step.comment}" if step.comment else ""
        lines.append(
            f"  {step.number}. {step.label} ({step.approver}) — {step.state}{decided}{comment}"
        )
    return lines


def cmd_request_show(args: argparse.Namespace, settings: Settings) -> int:
    view = request_views.show_request(args.id)
    if args.json:
        emit_json(request_json(view))
        return 0
    for line in _describe(view):
        out(line)
    if view.history:
        out("  history:")
        for entry in view.history:
            out(f"    {local_time(entry.at)}  {entry.by}: {entry.action}")
    return 0


def cmd_request_list(args: argparse.Namespace, settings: Settings) -> int:
    views = request_views.requests_of(args.account)
    if args.json:
        emit_json([request_json(view) for view in views])
        return 0
    if not views:
        out(f"No change requests. Create one: {PROG} change-request create {args.account} …")
    for view in views:
        out(_describe(view)[0])
    return 0


def cmd_approvals(args: argparse.Namespace, settings: Settings) -> int:
    views = request_views.waiting_for(acting_login(settings))
    if args.json:
        emit_json([request_json(view) for view in views])
        return 0
    if not views:
        out("Nothing waits for your approval.")
    for view in views:
        waiting = view.waiting_for
        step = f" — {waiting.label}" if waiting else ""
        out(
            f"#{view.id:<5} {view.kind:<7} {view.customer_name} ({view.account}) from "
            f"{view.effective_date}, credit {view.credit:.2f}{step}"
        )
    return 0


def cmd_approve(args: argparse.Namespace, settings: Settings) -> int:
    done = decisions.approve_request(
        acting_login(settings), args.id, args.comment, expected_version=args.expected_version
    )
    return _done(args, done)


def cmd_reject(args: argparse.Namespace, settings: Settings) -> int:
    done = decisions.reject_request(
        acting_login(settings), args.id, args.comment, expected_version=args.expected_version
    )
    return _done(args, done)


def cmd_resume(args: argparse.Namespace, settings: Settings) -> int:
    done = pause.resume(
        acting_login(settings), args.account, expected_version=args.expected_version
    )
    if args.json:
        result: dict[str, Any] = {
            "message": done.message,
            "account": done.account,
            "version": done.version,
            "status": pause.status_words(done.account),
        }
        emit_json(result)
    else:
        out(done.message)
    return 0
