"""The cancellation's own fields from the command line, as the Cancellation Tool's forms set
them: the reasons (``reasons set``), the new owner (``owner``), who is notified on Process
(``notify``), a future expiry (``expiry``) and the customer's mood (``mood``).

Each calls the same data.cancellations operation as the tool's form; the data layer checks
everything. With --json a change prints the outcome and the customer as ``show --json`` does."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from data import cancellations, customers, notices, users
from data.cancellations import Outcome
from data.customers import ToolView
from data.dates import parse_date
from data.errors import NotFound
from tui.cli.commands import acting_login
from tui.cli.output import PROG, emit_json, out
from tui.cli.shapes import expiry_json, outcome_json, tool_json
from tui.config import Settings

# The word that clears the mood, as the tool's "Not recorded" choice does.
NO_MOOD = ("none", "not recorded", "not-recorded", "")


def report(args: argparse.Namespace, outcome: Outcome) -> int:
    """Print what an operation did: its sentence, or with --json the outcome and the customer
    as it now reads."""
    if getattr(args, "json", False):
        emit_json(outcome_json(outcome, tool_json(customers.tool_view(outcome.account))))
    else:
        out(outcome.message)
    return 0


def pending_view(account: str) -> ToolView:
    """The customer as the tool shows it (its time zone, its current choices)."""
    return customers.tool_view(account)


def version(args: argparse.Namespace, view: ToolView | None = None) -> int | None:
    """The customer version a change must find: the one given (--expected-version), else the
    one this command read first (so nothing changes between that read and the write)."""
    if args.expected_version is not None:
        return int(args.expected_version)
    return view.customer.version if view is not None else None


def reason_ids(named: Sequence[str]) -> list[int]:
    """The reasons given by id or by name (any case), as ids; a name not on the list is refused,
    and an id is left for the data layer to check."""
    ids: list[int] = []
    names: dict[str, int] | None = None
    for text in named:
        word = " ".join(text.split())
        if word.isascii() and word.isdigit():  # not '３', which int() reads as 3
            ids.append(int(word))
            continue
        if names is None:
            names = {
                reason.name.casefold(): reason.id
                for reason in users.list_reasons(include_retired=True)
            }
        found = names.get(word.casefold())
        if found is None:
            raise NotFound(
                f"There is no reason '{word}' in the list. See them with: {PROG} reasons list"
            )
        ids.append(found)
    return ids


def cmd_reasons_set(args: argparse.Namespace, settings: Settings) -> int:
    login = acting_login(settings)
    view = pending_view(args.account)
    cancellation = view.cancellation
    # What is not given stays as it is, as the form keeps what it was opened with.
    text = (
        args.text if args.text is not None else (cancellation.reason_text if cancellation else "")
    )
    extra = (
        args.info
        if args.info is not None
        else (cancellation.extra_information if cancellation else "")
    )
    outcome = cancellations.set_reasons(
        login,
        args.account,
        [] if args.clear else reason_ids(args.reasons),
        text,
        extra,
        expected_version=version(args, view),
    )
    return report(args, outcome)


def cmd_owner(args: argparse.Namespace, settings: Settings) -> int:
    outcome = cancellations.choose_owner(
        acting_login(settings),
        args.account,
        args.login,
        apply_now=args.now,
        expected_version=version(args),
    )
    return report(args, outcome)


def cmd_notify(args: argparse.Namespace, settings: Settings) -> int:
    logins = [] if args.nobody else list(args.logins)
    parties = [] if args.nobody else list(args.party)
    outcome = notices.choose_notified(
        acting_login(settings), args.account, logins, parties, expected_version=version(args)
    )
    return report(args, outcome)


def cmd_expiry(args: argparse.Namespace, settings: Settings) -> int:
    if args.date is None:
        rows = customers.expiries(args.account, limit=args.limit)
        if args.json:
            emit_json([expiry_json(row) for row in rows])
            return 0
        if not rows:
            out(f"No expiry on record yet. Add one with: {PROG} expiry {args.account} DATE")
        for row in rows:
            note = f"  {row.note}" if row.note else ""
            out(f"{row.date}  {'future' if row.future else 'past':<6}{note}")
        return 0
    login = acting_login(settings)
    view = pending_view(args.account)
    # A relative date (+1y, tomorrow) counts from today where the customer is, as the form does.
    date = parse_date(args.date, view.customer.time_zone)
    outcome = cancellations.add_expiry(
        login, args.account, date, args.note, expected_version=version(args, view)
    )
    return report(args, outcome)


def cmd_mood(args: argparse.Namespace, settings: Settings) -> int:
    mood = None if args.mood.strip().casefold() in NO_MOOD else args.mood
    outcome = cancellations.set_mood(
        acting_login(settings), args.account, mood, expected_version=version(args)
    )
    return report(args, outcome)
