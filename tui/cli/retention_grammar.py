"""The command line's grammar for retention (issue 15): save attempts and the offer list,
change requests and their approval chain, and Resume of a paused customer. tui.cli.parser
builds the rest and calls ``add_retention_commands``.

Like the rest of the grammar, each command names its handler as "module:function" in
tui.cli.commands (here tui/cli/commands/retention.py), loaded only when that command runs."""

from __future__ import annotations

import argparse
from typing import Any

from tui.cli.case_grammar import (
    Command,
    account_number,
    add_expected_version,
    command_group,
    record_id,
    version_number,
)

OUTCOMES = ("saved", "paused", "downgraded", "lost", "open")
KINDS = ("cancel", "pause", "reduce")
JSON_HELP = "print one JSON object (see the README for its keys)"
# The most a credit may be (data.retention.requests.CREDIT_LIMIT, what the column holds).
CREDIT_MOST = "9,999,999,999.99"
REQUEST_VERSION_HELP = "refuse if the request's version is not N (it changed since you read it)"


def check_save_attempt(args: argparse.Namespace) -> None:
    if (args.outcome is None) == (args.no_attempt is None):
        args.parser.error(
            "give --outcome (saved, paused, downgraded, lost or open) or --no-attempt NOTE"
        )
    if args.no_attempt is not None and (args.concern or args.offer or args.note):
        args.parser.error("--no-attempt takes only its note: no --concern, --offer or --note")


def _json(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--json", action="store_true", help=JSON_HELP)


def _request_version(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--expected-version", type=version_number, metavar="N", help=REQUEST_VERSION_HELP
    )


def _request_fields(sub: argparse.ArgumentParser, *, creating: bool) -> None:
    sub.add_argument(
        "--effective",
        metavar="DATE",
        required=creating,
        help="the effective date: 2026-12-31, today, +30d…",
    )
    sub.add_argument(
        "--credit", metavar="AMOUNT", help=f"the credit to be issued (0 to {CREDIT_MOST})"
    )
    sub.add_argument("--end", metavar="DATE", help="a pause's end date (its last day paused)")
    sub.add_argument("--notes", metavar="TEXT", help="the product change notes")
    involved = sub.add_mutually_exclusive_group()
    involved.add_argument(
        "--retention",
        dest="retention",
        action="store_true",
        default=None,
        help="the retention team took part (then only a retention member submits)",
    )
    involved.add_argument(
        "--no-retention",
        dest="retention",
        action="store_false",
        help="the retention team did not take part (the account manager submits)",
    )


def add_retention_commands(commands: Any, command: Command, shared: Any) -> None:
    """``save-attempt``, ``save-attempts``, ``offers``, ``change-request``, ``approvals``,
    ``approve``, ``reject`` and ``resume``."""
    sub = command(
        commands,
        "save-attempt",
        "retention:cmd_save_attempt",
        "record a save attempt on a customer (or, on its pending cancellation, why none was made)",
    )
    sub.set_defaults(check=check_save_attempt)
    sub.add_argument("account", metavar="ACCOUNT", type=account_number)
    sub.add_argument("--outcome", choices=OUTCOMES, help="how it ended: " + ", ".join(OUTCOMES))
    sub.add_argument("--concern", metavar="TEXT", default="", help="the concern in their words")
    sub.add_argument(
        "--offer",
        action="append",
        metavar="OFFER",
        help="an offer made (its name or id in offboard offers list); repeat for more",
    )
    sub.add_argument("--note", metavar="TEXT", default="", help="a note on the attempt")
    sub.add_argument(
        "--no-attempt", metavar="NOTE", help="why no save attempt was made (a pending cancellation)"
    )
    add_expected_version(sub)
    _json(sub)

    sub = command(
        commands, "save-attempts", "retention:cmd_save_attempts", "list a customer's save attempts"
    )
    sub.add_argument("account", metavar="ACCOUNT", type=account_number)
    sub.add_argument("--json", action="store_true", help="print one JSON array")

    offer_commands = command_group(commands, shared, "offers", "the offers a save attempt may make")
    sub = command(offer_commands, "list", "retention:cmd_offers_list", "list the offers")
    sub.add_argument("--all", action="store_true", help="include retired offers")
    sub.add_argument("--json", action="store_true", help="print one JSON array")
    sub = command(offer_commands, "add", "retention:cmd_offers_add", "add an offer (CRM admins)")
    sub.add_argument("name", metavar="NAME")
    for name, help_text in (("retire", "retire an offer"), ("restore", "restore a retired offer")):
        sub = command(offer_commands, name, f"retention:cmd_offers_{name}", help_text)
        sub.add_argument("id", metavar="ID", type=record_id)

    request_commands = command_group(
        commands,
        shared,
        "change-request",
        "create, edit, submit, recall and show change requests (cancel, pause, reduce)",
        metavar="REQUEST_COMMAND",
    )
    sub = command(
        request_commands,
        "create",
        "retention:cmd_request_create",
        "create a change request (a draft)",
    )
    sub.add_argument("account", metavar="ACCOUNT", type=account_number)
    sub.add_argument("--kind", required=True, choices=KINDS, help="cancel, pause or reduce")
    _request_fields(sub, creating=True)
    _json(sub)
    sub = command(
        request_commands,
        "edit",
        "retention:cmd_request_edit",
        "change a draft, rejected or recalled request (a submitted one is locked)",
    )
    sub.add_argument("id", metavar="ID", type=record_id)
    _request_fields(sub, creating=False)
    _request_version(sub)
    _json(sub)
    for name, help_text in (
        ("submit", "submit a request for approval (again, after a rejection or recall)"),
        ("recall", "take a submitted request back (its submitter)"),
    ):
        sub = command(request_commands, name, f"retention:cmd_request_{name}", help_text)
        sub.add_argument("id", metavar="ID", type=record_id)
        _request_version(sub)
        _json(sub)
    sub = command(
        request_commands,
        "show",
        "retention:cmd_request_show",
        "a request, its chain and its history",
    )
    sub.add_argument("id", metavar="ID", type=record_id)
    _json(sub)
    sub = command(
        request_commands, "list", "retention:cmd_request_list", "a customer's change requests"
    )
    sub.add_argument("account", metavar="ACCOUNT", type=account_number)
    sub.add_argument("--json", action="store_true", help="print one JSON array")

    sub = command(
        commands,
        "approvals",
        "retention:cmd_approvals",
        "the change requests waiting for your approval",
    )
    sub.add_argument("--json", action="store_true", help="print one JSON array")
    for name, help_text in (
        ("approve", "approve the step a change request waits for"),
        ("reject", "reject a change request at its step (it goes back to the submitter)"),
    ):
        sub = command(commands, name, f"retention:cmd_{name}", help_text)
        sub.add_argument("id", metavar="ID", type=record_id)
        sub.add_argument(
            "--comment",
            metavar="TEXT",
            required=name == "reject",
            default="",
            help="why (required to reject)",
        )
        _request_version(sub)
        _json(sub)

    sub = command(
        commands, "resume", "retention:cmd_resume", "end a paused customer's pause: Live again"
    )
    sub.add_argument("account", metavar="ACCOUNT", type=account_number)
    add_expected_version(sub)
    _json(sub)
