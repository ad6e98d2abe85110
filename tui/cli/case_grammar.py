"""The command line's grammar for the work on one cancellation: Begin to Close and the
scenario's steps, what the Cancellation Tool's forms do, and the termination timeline with its
plan and playbook. tui.cli.parser builds the rest and calls ``add_cancellation_commands``.

Like the rest of the grammar, each command names its handler as "module:function" in
tui.cli.commands, loaded only when that command runs: nothing here imports a command module."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from data.errors import clip

# Adds one command to a group of subcommands: (group, name, "module:function", help).
Command = Callable[[Any, str, str, str], argparse.ArgumentParser]

LARGEST_ID = 2**63 - 1  # the largest id either database stores


OUTCOME_JSON_HELP = "print the outcome and the customer (as show --json) as one JSON object"


def add_expected_version(sub: argparse.ArgumentParser) -> None:
    """``--expected-version N``, as every command that changes a customer takes it."""
    sub.add_argument(
        "--expected-version",
        type=version_number,
        metavar="N",
        help="refuse if the customer's version is not N (it changed since you read it)",
    )


def version_number(text: str) -> int:
    """An ``--expected-version``: a whole number from 1 up (as a version is), else a usage
    error."""
    value = whole_number(text) or 0
    if not 1 <= value <= LARGEST_ID:
        raise argparse.ArgumentTypeError(
            f"'{clip(text.strip())}' is not a version: give the whole number (1 or more) that "
            "show --json gives as version"
        )
    return value


def command_group(
    commands: Any,
    shared: argparse.ArgumentParser,
    name: str,
    help_text: str,
    *,
    metavar: str | None = None,
    title: str | None = None,
) -> Any:
    """A command that is a group of subcommands (``offboard reasons list``), one of which must
    be given: the group, to add them to with ``command``."""
    group = commands.add_parser(name, parents=[shared], help=help_text, allow_abbrev=False)
    key = name.replace("-", "_")
    return group.add_subparsers(
        dest=f"{key}_command",
        metavar=metavar or f"{key.upper()}_COMMAND",
        title=title or f"{name} commands",
        required=True,
    )


def whole_number(text: str) -> int | None:
    """The number ``text`` writes in the digits 0-9 (spaces around it trimmed), else None:
    never a sign, an underscore or another script's digits ('３' or '٣', which ``int`` reads as
    3)."""
    value = text.strip()
    return int(value) if value.isascii() and value.isdigit() else None


def record_id(text: str) -> int:
    """An id argument (a record, a message, a reason…): a whole number from 1 up, else a usage
    error. The parser's other commands (reasons, outbox) use it too."""
    value = whole_number(text) or 0
    if not 1 <= value <= LARGEST_ID:
        raise argparse.ArgumentTypeError(
            f"'{clip(text.strip())}' is not an id: give the whole number (1 or more) that the "
            "list shows"
        )
    return value


def account_number(text: str) -> str:
    """An ACCOUNT argument, trimmed (``show -- -1`` reaches here as ' -1', see tui.cli.parse),
    else a usage error: never empty, never a negative number or an option, and never another
    script's digits ('１０００１２' is not 100012). An account imported from a CRM may hold
    letters; whether it exists is the data layer's to say."""
    value = text.strip()
    if (
        not value
        or value.startswith("-")
        or not value.isprintable()
        or any(char.isdigit() and not char.isascii() for char in value)
    ):
        raise argparse.ArgumentTypeError(
            f"'{clip(value)}' is not an account number: give the digits of an account, as "
            "'offboard list' shows them, e.g. 100012"
        )
    return value


def check_records_chosen(args: argparse.Namespace) -> None:
    """``cease`` and ``close-records`` act on the ids given or on --all: one, never both."""
    if bool(args.ids) == bool(args.all):
        args.parser.error("give the records' ids (as 'offboard records' lists them) or --all")


def check_undo(args: argparse.Namespace) -> None:
    """``undo --record KIND ID``: the ID is an id, as every id argument is (a usage error)."""
    if args.record is not None:
        try:
            args.record = [args.record[0], record_id(args.record[1])]
        except argparse.ArgumentTypeError as error:
            args.parser.error(f"argument --record: {error}")


class RoutedTo(argparse.Action):
    """An option that hands its command to another handler ("module:function"): ``undo
    --sign-off`` and ``--task`` are the timeline's undos (tui/cli/commands/timeline.py)."""

    def __init__(self, option_strings: list[str], dest: str, handler: str, **kw: Any) -> None:
        super().__init__(option_strings, dest, **kw)
        self.handler = handler

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, values)
        namespace.handler = self.handler


def add_timeline_undos(which: Any) -> None:
    """``undo --sign-off TEAM`` and ``undo --task KEY``: the team lead's undo while the
    cancellation is pending (the timeline's ``sign-off --withdraw`` and ``task --undo`` stay)."""
    which.add_argument(
        "--sign-off",
        metavar="TEAM",
        action=RoutedTo,
        handler="timeline:cmd_undo_sign_off",
        help="a termination team's sign-off taken back (the final confirmation first)",
    )
    which.add_argument(
        "--task",
        metavar="KEY",
        action=RoutedTo,
        handler="timeline:cmd_undo_task",
        help="a timeline task ticked by hand taken back (its key, as offboard plan lists it)",
    )


def check_sign_off(args: argparse.Namespace) -> None:
    """``sign-off --withdraw`` takes back one sign-off at a time."""
    if args.withdraw and len(args.teams) > 1:
        args.parser.error("--withdraw takes one TEAM; withdraw the others one by one")


def check_confirm(args: argparse.Namespace) -> None:
    """``confirm --undo`` takes a confirmation back: a note goes with a confirmation only."""
    if args.undo and args.note:
        args.parser.error("--note goes with a confirmation; --undo takes none")


def add_cancellation_commands(
    commands: Any, command: Command, shared: argparse.ArgumentParser
) -> None:
    """The commands of one cancellation, in the order --help lists them: begin, remove,
    process, close, scenario, confirm, the tool's, then the timeline's and the playbook's."""
    add_milestone_commands(commands, command)
    add_tool_commands(commands, command)
    add_timeline_commands(commands, command, shared)


def add_milestone_commands(commands: Any, command: Command) -> None:
    """Begin, remove, Process, Close, and the scenario and its steps: tui/cli/commands/
    operations.py."""
    sub = command(
        commands,
        "begin",
        "operations:cmd_begin",
        "begin a cancellation: the customer becomes Live (PC)",
    )
    sub.add_argument(
        "account", metavar="ACCOUNT", type=account_number, help="the account number, such as 100011"
    )
    sub.add_argument(
        "--scenario",
        default=None,
        help="how the customer leaves: buyout, non-renewal or collections (default: the "
        "playbook's default scenario)",
    )
    for name, handler, help_text in (
        (
            "remove",
            "operations:cmd_remove",
            "remove a pending cancellation: the customer is Live again",
        ),
        ("process", "operations:cmd_process", "process a cancellation once every section is clear"),
    ):
        sub = command(commands, name, handler, help_text)
        sub.add_argument(
            "account",
            metavar="ACCOUNT",
            type=account_number,
            help="the account number, such as 100011",
        )
    sub = command(
        commands,
        "close",
        "operations:cmd_close",
        "close the termination case of a processed cancellation once its tasks are done: the "
        "customer becomes a Former Customer",
    )
    sub.add_argument(
        "account", metavar="ACCOUNT", type=account_number, help="the account number, such as 100011"
    )
    sub.add_argument("--json", action="store_true", help=OUTCOME_JSON_HELP)
    add_expected_version(sub)
    sub = command(
        commands,
        "scenario",
        "operations:cmd_scenario",
        "change the scenario of a pending cancellation (buyout, non-renewal, collections)",
    )
    sub.add_argument("account", metavar="ACCOUNT", type=account_number, help="the account number")
    sub.add_argument("scenario", metavar="SCENARIO", help="buyout, non-renewal or collections")
    sub = command(
        commands,
        "confirm",
        "operations:cmd_confirm",
        "confirm a step of the scenario (final-amount-email, payment-confirmed, "
        "bill-till-payout, auto-renewal-disabled, admin-notified), or --undo it",
    )
    sub.set_defaults(check=check_confirm)
    sub.add_argument("account", metavar="ACCOUNT", type=account_number, help="the account number")
    sub.add_argument("step", metavar="STEP", help="the step, such as payment-confirmed")
    sub.add_argument("--note", default="", help="who confirmed it, and how")
    sub.add_argument(
        "--undo",
        action="store_true",
        help="take back a confirmation made by mistake (a later step of its section first)",
    )
    sub.add_argument("--json", action="store_true", help=OUTCOME_JSON_HELP)
    add_expected_version(sub)


def add_tool_commands(commands: Any, command: Command) -> None:
    """What the Cancellation Tool's forms, Manage and E-mail screens do: tui/cli/commands/
    fields.py, records.py and mail.py."""

    def tool(name: str, handler: str, help_text: str, *, changes: bool = True) -> Any:
        sub = command(commands, name, handler, help_text)
        sub.add_argument(
            "account",
            metavar="ACCOUNT",
            type=account_number,
            help="the account number, such as 100011",
        )
        if changes:
            add_expected_version(sub)
        return sub

    sub = tool("owner", "fields:cmd_owner", "choose the new owner (or --now)")
    sub.add_argument("login", metavar="LOGIN", help="the new owner's login (users list)")
    sub.add_argument("--now", action="store_true", help="Perform Now: reassign it at once")
    sub.add_argument("--json", action="store_true", help=OUTCOME_JSON_HELP)
    sub = tool("notify", "fields:cmd_notify", "choose who is notified on Process")
    sub.add_argument("logins", metavar="LOGIN", nargs="*", help="the users notified (replaces)")
    sub.add_argument(
        "--party", action="append", default=[], metavar="KEY", help="a playbook party notified"
    )
    sub.add_argument("--nobody", action="store_true", help="notify nobody")
    sub.add_argument("--json", action="store_true", help=OUTCOME_JSON_HELP)
    sub = tool("expiry", "fields:cmd_expiry", "add a future expiry, or list them (no DATE)")
    sub.add_argument("date", metavar="DATE", nargs="?", help="2027-06-30, +1y, +6m…")
    sub.add_argument("--note", default="", help="what the expiry is about")
    sub.add_argument("--limit", type=record_id, default=20, help="list at most this many")
    sub.add_argument("--json", action="store_true", help=OUTCOME_JSON_HELP)
    sub = tool("mood", "fields:cmd_mood", "record the customer's mood (optional)")
    sub.add_argument(
        "mood", metavar="MOOD", help="Happy, Satisfied, Neutral, Disappointed, Angry or none"
    )
    sub.add_argument("--json", action="store_true", help=OUTCOME_JSON_HELP)
    kinds = "assets, cases, opportunities, quotations or sales-orders"
    sub = tool("records", "records:cmd_records", "list a customer's records", changes=False)
    sub.add_argument("kind", metavar="KIND", help=kinds)
    sub.add_argument("--open", action="store_true", help="only those still blocking")
    sub.add_argument("--json", action="store_true", help="print one JSON array")
    ids_help = "the records' ids, as 'offboard records' lists them"
    sub = tool("cease", "records:cmd_cease", "cease assets (Live unticked, dated)")
    sub.set_defaults(check=check_records_chosen)
    sub.add_argument("ids", metavar="ID", nargs="*", type=record_id, help=ids_help)
    sub.add_argument("--all", action="store_true", help="every asset still live")
    sub.add_argument("--date", default="today", help="the cease date (default: today)")
    sub.add_argument("--json", action="store_true", help=OUTCOME_JSON_HELP)
    sub = tool(
        "close-records",
        "records:cmd_close_records",
        "close cases, or set opportunities, quotations or sales orders to a closed state",
    )
    sub.set_defaults(check=check_records_chosen)
    sub.add_argument("kind", metavar="KIND", help=kinds.replace("assets, ", ""))
    sub.add_argument("ids", metavar="ID", nargs="*", type=record_id, help=ids_help)
    sub.add_argument("--all", action="store_true", help="every record still open")
    sub.add_argument(
        "--state", help="Won, Lost, Cancelled, Expired, Completed… (cases: Closed, the default)"
    )
    sub.add_argument("--json", action="store_true", help=OUTCOME_JSON_HELP)
    sub = tool(
        "undo",
        "undo:cmd_undo",
        "undo a ceased asset, a closed record, a confirmed step, a sign-off or a task ticked "
        "by hand (while pending)",
    )
    sub.set_defaults(check=check_undo)
    which = sub.add_mutually_exclusive_group(required=True)
    which.add_argument("--asset", type=record_id, metavar="ID", help="live again, no cease date")
    which.add_argument(
        "--record",
        nargs=2,
        metavar=("KIND", "ID"),
        help="cases, opportunities, quotations or sales-orders, and the id: its state before",
    )
    which.add_argument("--step", metavar="KEY", help="a confirmed step taken back")
    add_timeline_undos(which)
    sub.add_argument("--json", action="store_true", help=OUTCOME_JSON_HELP)
    sub = tool(
        "mail",
        "mail:cmd_mail",
        "write and queue an e-mail: offboarding (to the admin) or final-termination",
    )
    sub.add_argument(
        "email", metavar="EMAIL", help="offboarding, final-termination, or a plan task's key"
    )
    sub.add_argument("--show", action="store_true", help="print the draft; queue nothing")
    sub.add_argument("--to", help="the recipients instead of the draft's (comma-separated)")
    sub.add_argument(
        "--cc", help="who is copied in instead of the playbook's (comma-separated; '' for nobody)"
    )
    sub.add_argument("--subject", help="the subject instead of the draft's")
    sub.add_argument("--body", metavar="FILE", help="the body from FILE ('-': stdin)")
    sub.add_argument("--json", action="store_true", help="print the draft or outcome as JSON")


def add_timeline_commands(commands: Any, command: Command, shared: argparse.ArgumentParser) -> None:
    """Today, the timeline and its tasks, the plan and the playbook: tui/cli/commands/
    timeline.py and playbook.py."""
    sub = command(
        commands,
        "today",
        "timeline:cmd_today",
        "list the timeline tasks due today or overdue across every pending cancellation",
    )
    sub.add_argument("--mine", action="store_true", help="only cancellations you began")
    sub.add_argument("--json", action="store_true", help="print one JSON array")
    sub = command(
        commands, "timeline", "timeline:cmd_timeline", "show a cancellation's termination timeline"
    )
    sub.add_argument("account", metavar="ACCOUNT", type=account_number, help="the account number")
    sub.add_argument("--json", action="store_true", help="print one JSON object")
    sub = command(
        commands,
        "plan",
        "timeline:cmd_plan",
        "show the termination plan in use, or check a plan FILE",
    )
    sub.add_argument("file", metavar="FILE", nargs="?", help="a plan file to check")
    sub.set_defaults(opens="handler")  # reads no database
    playbook_commands = command_group(
        commands,
        shared,
        "playbook",
        "the organisation's playbook: check a file, or show the one in force",
    )
    sub = command(
        playbook_commands,
        "check",
        "playbook:cmd_playbook_check",
        "check a playbook FILE: exit 1 with the line of the first thing wrong",
    )
    sub.add_argument("file", metavar="FILE", help="the playbook file (TOML) to check")
    sub.add_argument("--json", action="store_true", help="print one JSON object")
    sub.set_defaults(opens="handler")  # reads no database
    sub = command(
        playbook_commands,
        "show",
        "playbook:cmd_playbook_show",
        "show the playbook in force: sections, parties, sign-offs, scenarios and tasks",
    )
    sub.add_argument("--json", action="store_true", help="print one JSON object")
    sub.set_defaults(opens="handler")  # reads no database
    sub = command(
        commands,
        "effective",
        "timeline:cmd_effective",
        "set the effective date (contract end or de-provisioning) of an open termination case",
    )
    sub.add_argument("account", metavar="ACCOUNT", type=account_number, help="the account number")
    sub.add_argument("date", metavar="DATE", help="2026-12-31, +30d, tomorrow…")
    sub.add_argument(
        "--past",
        action="store_true",
        help="allow a date before today: the contract really ended then",
    )
    sub = command(
        commands, "task", "timeline:cmd_task", "tick a timeline task done by hand (or --undo it)"
    )
    sub.add_argument("account", metavar="ACCOUNT", type=account_number, help="the account number")
    sub.add_argument("task", metavar="TASK", help="the task's key, as offboard plan lists it")
    sub.add_argument("--note", default="", help="who did it, and how")
    sub.add_argument("--undo", action="store_true", help="reopen a task ticked by mistake")
    sub = command(
        commands,
        "sign-off",
        "timeline:cmd_sign_off",
        "record a termination team's sign-off (or --withdraw)",
    )
    sub.set_defaults(check=check_sign_off)
    sub.add_argument("account", metavar="ACCOUNT", type=account_number, help="the account number")
    sub.add_argument(
        "teams",
        metavar="TEAM",
        nargs="+",
        help="customer_operations, finance, marketing_exclusion, marketing_references, "
        "sales_ops or final; several are signed together or not at all",
    )
    sub.add_argument("--note", default="", help="who confirmed it, and how")
    sub.add_argument("--withdraw", action="store_true", help="withdraw a sign-off (one TEAM)")
    sub.add_argument("--json", action="store_true", help=OUTCOME_JSON_HELP)
    add_expected_version(sub)
    sub = command(
        commands,
        "deactivate",
        "timeline:cmd_deactivate",
        "record the deactivation of the customer's access with the GUIDs (or read them from stdin)",
    )
    sub.add_argument("account", metavar="ACCOUNT", type=account_number, help="the account number")
    sub.add_argument("guids", metavar="GUID", nargs="*", help="the GUIDs deactivated")
    sub = command(
        commands,
        "data",
        "timeline:cmd_data",
        "record the account team's data decision (hold, approve) or that the purge is done",
    )
    sub.add_argument("account", metavar="ACCOUNT", type=account_number, help="the account number")
    sub.add_argument("decision", choices=["hold", "approve", "purged"], help="what happened")
    sub.add_argument("--reason", default="", help="why the data is held")
    sub.add_argument("--review", default=None, help="when a hold is reviewed (a date)")
