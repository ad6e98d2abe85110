"""``offboard undo ACCOUNT (--asset ID | --record KIND ID | --step KEY)``: take back a ceased
asset, a closed record or a confirmed step, as Manage's and the step forms' z does, while the
cancellation is pending (the data layer refuses it after Process, and says why)."""

from __future__ import annotations

import argparse

from data import cancellations
from data.cancellations.records import undo_cease, undo_close
from tui.cli.commands import acting_login
from tui.cli.commands.fields import report, version
from tui.cli.commands.records import section_key
from tui.config import Settings


def cmd_undo(args: argparse.Namespace, settings: Settings) -> int:
    login = acting_login(settings)
    expected = version(args)
    if args.asset is not None:
        outcome = undo_cease(login, args.account, args.asset, expected_version=expected)
    elif args.record is not None:
        kind, pk = args.record  # the id checked by the grammar (check_undo)
        outcome = undo_close(login, args.account, section_key(kind), pk, expected_version=expected)
    else:
        outcome = cancellations.unconfirm_step(
            login, args.account, args.step, expected_version=expected
        )
    return report(args, outcome)
