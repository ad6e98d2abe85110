"""The command line's grammar for what leadership and Legal read (issue 16): ``report NAME``,
``case-file ACCOUNT`` and ``audit ACCOUNT`` beside ``audit verify``. tui.cli.parser builds the
rest and calls ``add_report_commands``.

Like the rest of the grammar, each command names its handler as "module:function" in
tui.cli.commands, loaded only when that command runs: nothing here imports a command module
(nor data.reports)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from tui.cli.case_grammar import Command, account_number

REPORT_NAMES = ("churn-reasons", "voluntary", "save-rate", "time-to-cancel", "win-back")
TRAIL = "trail"  # the hidden audit command ``audit ACCOUNT`` is routed to


class _AnyWord(dict):  # type: ignore[type-arg]
    """The subcommand names, where any word passes argparse's choice check: a word that names
    no subcommand is taken for an account (``AuditCommands``)."""

    def __contains__(self, word: object) -> bool:
        return True


class AuditCommands(argparse._SubParsersAction):  # type: ignore[type-arg]
    """``audit``'s subcommands, where a word that names none of them is an account number:
    ``audit 100027`` reads as ``audit trail 100027`` (accounts are digits, so an account is
    never taken for ``verify``)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Sequence[Any] | str | None,
        option_string: str | None = None,
    ) -> None:
        words = list(values or [])
        if words and not dict.__contains__(self._name_parser_map, words[0]):
            words.insert(0, TRAIL)
        super().__call__(parser, namespace, words, option_string)


def check_mine(args: argparse.Namespace) -> None:
    if args.mine and args.name != "win-back":
        args.parser.error("--mine is for the win-back report only")


def add_report_commands(
    commands: Any, command: Command, shared: argparse.ArgumentParser, audit_commands: Any
) -> None:
    """``report NAME``, ``case-file ACCOUNT`` and ``audit ACCOUNT``."""
    sub = command(
        commands,
        "report",
        "report:cmd_report",
        "a report for leadership over a period, against the period before it: churn-reasons, "
        "voluntary, save-rate, time-to-cancel or win-back (the call list of cancelled "
        "customers to follow up)",
    )
    sub.add_argument("name", metavar="NAME", choices=REPORT_NAMES, help=", ".join(REPORT_NAMES))
    sub.add_argument(
        "--from",
        dest="start",
        metavar="DATE",
        help="the first day (2026-09-01, -90d…; default: 90 days before --to)",
    )
    sub.add_argument(
        "--to",
        dest="end",
        metavar="DATE",
        help="the last day (default: today; win-back: 89 days after --from, from today)",
    )
    shape = sub.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print the report as one JSON object")
    shape.add_argument(
        "--csv", action="store_true", help="print the report's table (what the chart shows) as CSV"
    )
    sub.add_argument(
        "--mine", action="store_true", help="win-back: only the customers you own (your call list)"
    )
    sub.set_defaults(check=check_mine)

    sub = command(
        commands,
        "case-file",
        "case_file:cmd_case_file",
        "write one customer's case file for Legal or an auditor: one self-contained HTML "
        "file (or Markdown) with the reasons, sections, timeline, sign-offs, data decision, "
        "e-mails and the audit trail with its hash-chain check",
    )
    sub.add_argument(
        "account", metavar="ACCOUNT", type=account_number, help="the account number, such as 100011"
    )
    sub.add_argument("--out", metavar="FILE", required=True, help="the file to write")
    sub.add_argument(
        "--format", choices=("html", "md"), default="html", help="html (default) or md (Markdown)"
    )
    sub.add_argument(
        "--force", action="store_true", help="replace FILE if it exists (never a database)"
    )

    audit_commands.__class__ = AuditCommands
    audit_commands.metavar = "{ACCOUNT,verify}"
    sub = command(
        audit_commands,
        TRAIL,
        "audit:cmd_audit_trail",
        "a customer's audit trail: every event in order, when (your time zone), who, what, "
        "before → after",
    )
    # Listed as ``audit ACCOUNT``: the word ``trail`` itself need not be typed.
    audit_commands._choices_actions[-1].dest = "ACCOUNT"
    audit_commands._choices_actions[-1].metavar = "ACCOUNT"
    sub.add_argument(
        "account", metavar="ACCOUNT", type=account_number, help="the account number, such as 100011"
    )
    # Set once every subcommand is added (add_parser refuses a name already "in" the map).
    audit_commands._name_parser_map = audit_commands.choices = _AnyWord(
        audit_commands._name_parser_map
    )
    sub.add_argument("--kind", metavar="ACTION", help="only events of this kind (begin, process…)")
    sub.add_argument("--json", action="store_true", help="print one JSON object")
