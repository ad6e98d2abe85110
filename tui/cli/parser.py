"""The command line's grammar: every command, its arguments and its help, built with argparse;
a usage error exits 2.

Each command names its handler as "module:function" in tui.cli.commands, loaded only when that
command runs (tui.cli.commands.handler_named): building the parser imports no command module."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from data import customers
from data.errors import InvalidInput, clip
from data.models import OutboxStatus, Role
from tui.cli.output import PROG
from tui.config import USER_VARIABLE

STATUS_CHOICES = tuple(customers.STATUS_FILTERS)
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


def check_users_set(args: argparse.Namespace) -> None:
    """``users set`` must say what to change; checked once parsed, a usage error otherwise."""
    if args.role is None and not args.no_roles and args.active is None and args.email is None:
        args.parser.error("say what to change: --role, --no-roles, --active, --inactive or --email")


def check_records_chosen(args: argparse.Namespace) -> None:
    """``cease`` and ``close-records`` act on the ids given or on --all: one, never both."""
    if bool(args.ids) == bool(args.all):
        args.parser.error("give the records' ids (as 'offboard records' lists them) or --all")


def check_reasons_set(args: argparse.Namespace) -> None:
    if not args.reasons and not args.clear:
        args.parser.error("name at least one REASON (its id or name), or --clear")


def add_tool_commands(commands: Any, command: Any) -> None:
    """What the Cancellation Tool's forms, Manage and E-mail screens do: tui/cli/commands/
    fields.py, records.py and mail.py."""

    def tool(name: str, handler: str, help_text: str, *, changes: bool = True) -> Any:
        sub = command(commands, name, handler, help_text)
        sub.add_argument("account", metavar="ACCOUNT", help="the account number, such as 100011")
        if changes:
            sub.add_argument(
                "--expected-version",
                type=int,
                metavar="N",
                help="refuse if the customer's version is not N (it changed since you read it)",
            )
        return sub

    json_help = "print the outcome and the customer (as show --json) as one JSON object"
    sub = tool("owner", "fields:cmd_owner", "choose the new owner (or --now)")
    sub.add_argument("login", metavar="LOGIN", help="the new owner's login (users list)")
    sub.add_argument("--now", action="store_true", help="Perform Now: reassign it at once")
    sub.add_argument("--json", action="store_true", help=json_help)
    sub = tool("notify", "fields:cmd_notify", "choose who is notified on Process")
    sub.add_argument("logins", metavar="LOGIN", nargs="*", help="the users notified (replaces)")
    sub.add_argument("--nobody", action="store_true", help="notify nobody")
    sub.add_argument("--json", action="store_true", help=json_help)
    sub = tool("expiry", "fields:cmd_expiry", "add a future expiry, or list them (no DATE)")
    sub.add_argument("date", metavar="DATE", nargs="?", help="2027-06-30, +1y, +6m…")
    sub.add_argument("--note", default="", help="what the expiry is about")
    sub.add_argument("--limit", type=record_id, default=20, help="list at most this many")
    sub.add_argument("--json", action="store_true", help=json_help)
    sub = tool("mood", "fields:cmd_mood", "record the customer's mood (optional)")
    sub.add_argument(
        "mood", metavar="MOOD", help="Happy, Satisfied, Neutral, Disappointed, Angry or none"
    )
    sub.add_argument("--json", action="store_true", help=json_help)
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
    sub.add_argument("--json", action="store_true", help=json_help)
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
    sub.add_argument("--json", action="store_true", help=json_help)
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
    sub.add_argument("--subject", help="the subject instead of the draft's")
    sub.add_argument("--body", metavar="FILE", help="the body from FILE ('-': stdin)")
    sub.add_argument("--json", action="store_true", help="print the draft or outcome as JSON")


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error quotes at most ~80 characters of what was typed."""

    def error(self, message: str) -> NoReturn:
        super().error(str(InvalidInput(message)))


def version() -> str:
    # Imported here: reading the installed version costs a few milliseconds that a command
    # (or the app) should not pay unless --version is asked for.
    from importlib import metadata

    try:
        return metadata.version("offboard")
    except metadata.PackageNotFoundError:
        return "unknown"


class Version(argparse._VersionAction):
    """``--version``, with the version read only when it is printed."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        self.version = f"{PROG} {version()}"
        super().__call__(parser, namespace, values, option_string)


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
    parser.add_argument("--version", action=Version)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")

    def command(group: Any, name: str, handler: str, help_text: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = group.add_parser(
            name, parents=[shared], help=help_text, description=help_text, allow_abbrev=False
        )
        sub.set_defaults(handler=handler, parser=sub)
        return sub

    sub = command(commands, "demo", "database:cmd_demo", "fill the database with the demo data set")
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
        db_commands,
        "init",
        "database:cmd_db_init",
        "create an offboard database here, or bring it up to date",
    )
    sub.set_defaults(opens="handler")
    sub = command(
        db_commands,
        "grant",
        "database:cmd_db_grant",
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
        "audit:cmd_audit_verify",
        "walk the audit trail's hash chain and name the first event that does not hold",
    )
    sub.add_argument("--json", action="store_true", help="print the verdict as one JSON object")

    sub = command(commands, "list", "customers:cmd_list", "list customers, by name")
    sub.add_argument(
        "--status",
        type=str.lower,
        choices=STATUS_CHOICES,
        help="only customers with this status: Live, Live (PC) or Cancelled",
    )
    sub.add_argument("--search", metavar="TEXT", help="names or account numbers starting with TEXT")
    sub.add_argument("--json", action="store_true", help="print one JSON array")

    sub = command(
        commands, "show", "customers:cmd_show", "show a customer and its cancellation sections"
    )
    sub.add_argument("account", metavar="ACCOUNT", help="the account number, such as 100011")
    sub.add_argument("--json", action="store_true", help="print one JSON object")

    sub = command(
        commands,
        "begin",
        "operations:cmd_begin",
        "begin a cancellation: the customer becomes Live (PC)",
    )
    sub.add_argument("account", metavar="ACCOUNT", help="the account number, such as 100011")
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
        sub.add_argument("account", metavar="ACCOUNT", help="the account number, such as 100011")
    sub = command(
        commands,
        "close",
        "operations:cmd_close",
        "close the termination case of a processed cancellation once its tasks are done: the "
        "customer becomes a Former Customer",
    )
    sub.add_argument("account", metavar="ACCOUNT", help="the account number, such as 100011")
    sub.add_argument(
        "--json",
        action="store_true",
        help="print the outcome and the customer (as show --json) as one JSON object",
    )
    sub.add_argument(
        "--expected-version",
        type=int,
        metavar="N",
        help="refuse if the customer's version is not N (it changed since you read it)",
    )
    sub = command(
        commands,
        "scenario",
        "operations:cmd_scenario",
        "change the scenario of a pending cancellation (buyout, non-renewal, collections)",
    )
    sub.add_argument("account", metavar="ACCOUNT", help="the account number")
    sub.add_argument("scenario", metavar="SCENARIO", help="buyout, non-renewal or collections")
    sub = command(
        commands,
        "confirm",
        "operations:cmd_confirm",
        "confirm a step of the scenario (final-amount-email, payment-confirmed, "
        "bill-till-payout, auto-renewal-disabled, admin-notified)",
    )
    sub.add_argument("account", metavar="ACCOUNT", help="the account number")
    sub.add_argument("step", metavar="STEP", help="the step, such as payment-confirmed")
    sub.add_argument("--note", default="", help="who confirmed it, and how")
    add_tool_commands(commands, command)

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
    sub.add_argument("account", metavar="ACCOUNT", help="the account number")
    sub.add_argument("--json", action="store_true", help="print one JSON object")
    sub = command(
        commands,
        "plan",
        "timeline:cmd_plan",
        "show the termination plan in use, or check a plan FILE",
    )
    sub.add_argument("file", metavar="FILE", nargs="?", help="a plan file to check")
    sub.set_defaults(opens="handler")  # reads no database
    playbook_parser = commands.add_parser(
        "playbook",
        parents=[shared],
        help="the organisation's playbook: check a file, or show the one in force",
        allow_abbrev=False,
    )
    playbook_commands = playbook_parser.add_subparsers(
        dest="playbook_command",
        metavar="PLAYBOOK_COMMAND",
        title="playbook commands",
        required=True,
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
    sub.add_argument("account", metavar="ACCOUNT", help="the account number")
    sub.add_argument("date", metavar="DATE", help="2026-12-31, +30d, tomorrow…")
    sub.add_argument(
        "--past",
        action="store_true",
        help="allow a date before today: the contract really ended then",
    )
    sub = command(
        commands, "task", "timeline:cmd_task", "tick a timeline task done by hand (or --undo it)"
    )
    sub.add_argument("account", metavar="ACCOUNT", help="the account number")
    sub.add_argument("task", metavar="TASK", help="the task's key, as offboard plan lists it")
    sub.add_argument("--note", default="", help="who did it, and how")
    sub.add_argument("--undo", action="store_true", help="reopen a task ticked by mistake")
    sub = command(
        commands,
        "sign-off",
        "timeline:cmd_sign_off",
        "record a termination team's sign-off (or --withdraw)",
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
        "timeline:cmd_deactivate",
        "record the deactivation of the customer's access with the GUIDs (or read them from stdin)",
    )
    sub.add_argument("account", metavar="ACCOUNT", help="the account number")
    sub.add_argument("guids", metavar="GUID", nargs="*", help="the GUIDs deactivated")
    sub = command(
        commands,
        "data",
        "timeline:cmd_data",
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
    sub = command(users_commands, "list", "users:cmd_users_list", "list every user")
    sub.add_argument("--json", action="store_true", help="print one JSON array")
    sub = command(
        users_commands,
        "add",
        "users:cmd_users_add",
        "add a user (a CRM admin may; the first user of an empty database becomes one)",
    )
    sub.add_argument("login", metavar="LOGIN", help="lowercase login, such as sam.lee")
    sub.add_argument("--name", required=True, help="the name people see, such as 'Sam Lee'")
    sub.add_argument("--email", help="where notifications go")
    role_help = f"a role ({', '.join(Role)}); repeat it or separate roles with commas"
    sub.add_argument("--role", action="append", metavar="ROLE", help=role_help)
    sub = command(
        users_commands, "set", "users:cmd_users_set", "change a user's roles, e-mail or active flag"
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
        "reasons",
        parents=[shared],
        help="the cancellation reasons: the list, and a cancellation's choice (set)",
        allow_abbrev=False,
    )
    reasons_commands = reasons_parser.add_subparsers(
        dest="reasons_command", metavar="REASONS_COMMAND", title="reasons commands", required=True
    )
    sub = command(
        reasons_commands, "list", "users:cmd_reasons_list", "list the cancellation reasons"
    )
    sub.add_argument("--all", action="store_true", help="include retired reasons")
    sub.add_argument("--json", action="store_true", help="print one JSON array")
    sub = command(reasons_commands, "add", "users:cmd_reasons_add", "add a reason (CRM admin)")
    sub.add_argument("name", metavar="NAME")
    sub = command(
        reasons_commands, "set", "fields:cmd_reasons_set", "choose a cancellation's reasons"
    )
    sub.set_defaults(check=check_reasons_set)
    sub.add_argument("account", metavar="ACCOUNT", help="the account number")
    sub.add_argument("reasons", metavar="REASON", nargs="*", help="a reason's id or name")
    sub.add_argument("--text", help="the reason in the customer's words (kept if not given)")
    sub.add_argument("--info", help="extra information (kept if not given)")
    sub.add_argument("--clear", action="store_true", help="choose no reason")
    sub.add_argument(
        "--expected-version",
        type=int,
        metavar="N",
        help="refuse if the customer's version is not N (it changed since you read it)",
    )
    sub.add_argument("--json", action="store_true", help="print the outcome as JSON")
    for name, handler, help_text in (
        (
            "retire",
            "users:cmd_reasons_retire",
            "retire a reason: no longer offered, kept where chosen (CRM admin)",
        ),
        ("restore", "users:cmd_reasons_restore", "offer a retired reason again (CRM admin)"),
    ):
        sub = command(reasons_commands, name, handler, help_text)
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
    sub = command(
        outbox_commands, "list", "outbox:cmd_outbox_list", "list the outbox, newest first"
    )
    sub.add_argument("--account", metavar="ACCOUNT", help="only messages about this customer")
    sub.add_argument(
        "--status",
        type=str.lower,
        choices=[status.value for status in OutboxStatus],
        help=f"only messages with this status: {', '.join(OutboxStatus)}",
    )
    sub.add_argument("--json", action="store_true", help="print one JSON array")
    command(
        outbox_commands,
        "send",
        "outbox:cmd_outbox_send",
        "send the queued messages through the configured mail server",
    )
    sub = command(
        outbox_commands,
        "export",
        "outbox:cmd_outbox_export",
        "write the queued messages as .eml files (they stay queued)",
    )
    sub.add_argument("directory", metavar="DIR", help="the folder to write to (made if missing)")
    id_help = "the message id 'outbox list' shows"
    for name, handler, help_text in (
        ("retry", "outbox:cmd_outbox_retry", "queue a failed message again (team lead)"),
        (
            "resend",
            "outbox:cmd_outbox_resend",
            "queue an uncertain message again: it may arrive twice (team lead)",
        ),
        (
            "mark-sent",
            "outbox:cmd_outbox_mark_sent",
            "record that an uncertain message did arrive (team lead)",
        ),
        (
            "withdraw",
            "outbox:cmd_outbox_withdraw",
            "withdraw a queued or failed message: it is never sent (team lead)",
        ),
    ):
        sub = command(outbox_commands, name, handler, help_text)
        sub.add_argument("id", metavar="ID", type=record_id, help=id_help)
    return parser
