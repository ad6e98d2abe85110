"""The cancellation commands: begin, remove, process, close (the termination case), scenario and
confirm (a scenario step, or --undo: take it back)."""

from __future__ import annotations

import argparse

from data import cancellations, customers
from tui.cli.commands import acting_login
from tui.cli.output import emit_json, out
from tui.cli.shapes import outcome_json, tool_json
from tui.config import Settings


def cmd_begin(args: argparse.Namespace, settings: Settings) -> int:
    outcome = cancellations.begin(acting_login(settings), args.account, scenario=args.scenario)
    out(outcome.message)
    return 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    out(cancellations.remove(acting_login(settings), args.account).message)
    return 0


def cmd_process(args: argparse.Namespace, settings: Settings) -> int:
    out(cancellations.process(acting_login(settings), args.account).message)
    return 0


def cmd_close(args: argparse.Namespace, settings: Settings) -> int:
    outcome = cancellations.close_case(
        acting_login(settings), args.account, expected_version=args.expected_version
    )
    if args.json:
        emit_json(outcome_json(outcome, tool_json(customers.tool_view(outcome.account))))
    else:
        out(outcome.message)
    return 0


def cmd_scenario(args: argparse.Namespace, settings: Settings) -> int:
    out(cancellations.set_scenario(acting_login(settings), args.account, args.scenario).message)
    return 0


def cmd_confirm(args: argparse.Namespace, settings: Settings) -> int:
    """Confirm a scenario step, or (--undo) take a confirmation back, as the tool's step form
    does (ctrl+u there)."""
    login = acting_login(settings)
    if args.undo:
        outcome = cancellations.unconfirm_step(
            login, args.account, args.step, expected_version=args.expected_version
        )
    else:
        outcome = cancellations.confirm_step(
            login, args.account, args.step, args.note, expected_version=args.expected_version
        )
    if args.json:
        emit_json(outcome_json(outcome, tool_json(customers.tool_view(outcome.account))))
    else:
        out(outcome.message)
    return 0
