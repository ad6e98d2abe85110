"""The command line's grammar: every command, its arguments and its help, built with argparse;
a usage error exits 2.

Each command names its handler as "module:function" in tui.cli.commands, loaded only when that
command runs (tui.cli.commands.handler_named): building the parser imports no command module."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from data import customers
from data.errors import InvalidInput
from data.models import OutboxStatus, Role
from tui.cli.case_grammar import (
    account_number,
    add_cancellation_commands,
    add_expected_version,
    command_group,
    record_id,
)
from tui.cli.crm_grammar import add_crm_commands
from tui.cli.output import PROG
from tui.cli.report_grammar import add_report_commands
from tui.cli.retention_grammar import add_retention_commands
from tui.cli.serve_grammar import add_serve_command
from tui.config import USER_VARIABLE

STATUS_CHOICES = tuple(customers.STATUS_FILTERS)


def check_users_set(args: argparse.Namespace) -> None:
    """``users set`` must say what to change; checked once parsed, a usage error otherwise."""
    if args.role is None and not args.no_roles and args.active is None and args.email is None:
        args.parser.error("say what to change: --role, --no-roles, --active, --inactive or --email")


def check_reasons_set(args: argparse.Namespace) -> None:
    if not args.reasons and not args.clear:
        args.parser.error("name at least one REASON (its id or name), or --clear")


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

    db_commands = command_group(commands, shared, "db", "create and administer the database")
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

    audit_commands = command_group(commands, shared, "audit", "check the audit trail")
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
    sub.add_argument(
        "--search",
        metavar="TEXT",
        help="customers with a word of the name, or an account number, starting with TEXT",
    )
    sub.add_argument("--json", action="store_true", help="print one JSON array")

    sub = command(
        commands, "show", "customers:cmd_show", "show a customer and its cancellation sections"
    )
    sub.add_argument(
        "account", metavar="ACCOUNT", type=account_number, help="the account number, such as 100011"
    )
    sub.add_argument("--json", action="store_true", help="print one JSON object")

    sub = command(
        commands,
        "billing",
        "billing:cmd_billing",
        "show a customer's billing: its status, latest invoices and Billing's notes (b in the app)",
    )
    sub.add_argument(
        "account", metavar="ACCOUNT", type=account_number, help="the account number, such as 100011"
    )
    sub.add_argument("--json", action="store_true", help="print one JSON object")

    add_cancellation_commands(commands, command, shared)
    add_crm_commands(commands, command, shared)
    add_retention_commands(commands, command, shared)
    add_report_commands(commands, command, shared, audit_commands)
    add_serve_command(commands, command)

    users_commands = command_group(commands, shared, "users", "list, add and change users")
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

    reasons_commands = command_group(
        commands,
        shared,
        "reasons",
        "the cancellation reasons: the list, and a cancellation's choice (set)",
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
    sub.add_argument("account", metavar="ACCOUNT", type=account_number, help="the account number")
    sub.add_argument("reasons", metavar="REASON", nargs="*", help="a reason's id or name")
    sub.add_argument("--text", help="the reason in the customer's words (kept if not given)")
    sub.add_argument("--info", help="extra information (kept if not given)")
    sub.add_argument("--clear", action="store_true", help="choose no reason")
    add_expected_version(sub)
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

    outbox_commands = command_group(
        commands,
        shared,
        "outbox",
        "the e-mail outbox: list, send, export, retry, resend, mark-sent, withdraw, sent-by-hand",
    )
    sub = command(
        outbox_commands, "list", "outbox:cmd_outbox_list", "list the outbox, newest first"
    )
    sub.add_argument(
        "--account",
        metavar="ACCOUNT",
        type=account_number,
        help="only messages about this customer",
    )
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
    sub.add_argument(
        "--force",
        action="store_true",
        help="replace .eml files an earlier export wrote there (never a database)",
    )
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
    sub = command(
        outbox_commands,
        "sent-by-hand",
        "outbox:cmd_outbox_sent_by_hand",
        "record that a queued or failed message was sent by hand (an exported .eml): it is "
        "never sent by offboard (team lead)",
    )
    sub.add_argument("id", metavar="ID", type=record_id, help=id_help)
    sub.add_argument(
        "--note", metavar="TEXT", default="", help="how it was sent (kept with the message)"
    )
    return parser
