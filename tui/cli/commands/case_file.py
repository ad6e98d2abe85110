"""The case-file command: one customer's case file for Legal or an auditor, written to a file
as self-contained HTML or as Markdown."""

from __future__ import annotations

import argparse

from data.case_file import write
from tui.cli.output import out
from tui.config import Settings


def cmd_case_file(args: argparse.Namespace, settings: Settings) -> int:
    written = write(args.account, args.out, args.format, force=args.force)
    out(f"Wrote the case file of {args.account} to {written}.")
    return 0
