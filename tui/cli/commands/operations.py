"""The cancellation commands: begin, remove, process, scenario and confirm (a scenario step)."""

from __future__ import annotations

import argparse

from data import cancellations
from tui.cli.commands import acting_login
from tui.cli.output import out
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


def cmd_scenario(args: argparse.Namespace, settings: Settings) -> int:
    out(cancellations.set_scenario(acting_login(settings), args.account, args.scenario).message)
    return 0


def cmd_confirm(args: argparse.Namespace, settings: Settings) -> int:
    outcome = cancellations.confirm_step(acting_login(settings), args.account, args.step, args.note)
    out(outcome.message)
    return 0
