"""The records a cancellation must clear, from the command line, as Manage <section> shows and
clears them: ``records`` lists a kind (assets, cases, opportunities, quotations, sales orders),
``cease`` ceases assets with a date, ``close-records`` moves the other kinds to a closed state.

Records are chosen by id (as ``records`` lists them) or ``--all`` still open; the data layer
refuses an id that is not the customer's, one already resolved, and a state the kind does not
allow."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from data import cancellations
from data.customers import ToolView
from data.dates import parse_date
from data.errors import InvalidInput
from data.records import RecordRow
from data.views import Cursor, section_records
from tui.cli.commands import PAGE, acting_login
from tui.cli.commands.fields import pending_view, report, version
from tui.cli.output import PROG, out, stream_json
from tui.cli.shapes import record_json
from tui.config import Settings


def section_key(kind: str) -> str:
    """A kind as typed (``sales-orders``, ``Sales_Orders``) as the section's key; the data
    layer says which kinds there are."""
    return kind.strip().lower().replace("-", "_")


def all_records(
    account: str, section: str, *, open_only: bool
) -> tuple[ToolView, Iterator[RecordRow]]:
    """The customer and every record of the section, the blocking ones first, a page at a time."""
    view, first, cursor = section_records(account, section, Cursor(), customer_id=None, limit=PAGE)
    assert view is not None

    def rows() -> Iterator[RecordRow]:
        page, at = first, cursor
        while True:
            yield from (row for row in page if row.blocking or not open_only)
            if at.done or (open_only and not at.blocking):
                return
            _, page, at = section_records(
                account, section, at, customer_id=view.customer.id, limit=PAGE
            )

    return view, rows()


def record_line(state: str, record_id: str, label: str, status: str, detail: str) -> str:
    return f"{record_id:>8}  {state:<8}  {label[:32]:<32}  {status[:22]:<22}  {detail}".rstrip()


def cmd_records(args: argparse.Namespace, settings: Settings) -> int:
    section = section_key(args.kind)
    view, rows = all_records(args.account, section, open_only=args.open)
    if args.json:
        stream_json(record_json(view.customer.account, row) for row in rows)
        return 0
    shown = 0
    for row in rows:
        if shown == 0:
            out(record_line("STATE", "ID", "RECORD", "STATUS", "DETAIL"))
        state = "BLOCKING" if row.blocking else "done"
        out(record_line(state, str(row.id), row.label, row.status, row.detail))
        shown += 1
    if shown == 0:
        which = "open " if args.open else ""
        kind = section.replace("_", " ")
        out(f"{view.customer.name} ({view.customer.account}) has no {which}{kind}.")
    elif args.open:
        if section == "assets":
            act = f"cease {args.account}"
        else:
            act = f"close-records {args.account} {section} --state STATE"
        out(f"Resolve them with: {PROG} {act} ID... (or --all)")
    return 0


def cmd_cease(args: argparse.Namespace, settings: Settings) -> int:
    login = acting_login(settings)
    view = pending_view(args.account)
    # The date as the Manage form reads it (today by default), in the customer's time zone.
    date = parse_date(args.date, view.customer.time_zone)
    outcome = cancellations.cease_assets(
        login,
        args.account,
        date,
        None if args.all else list(args.ids),
        expected_version=version(args, view),
    )
    return report(args, outcome)


def cmd_close_records(args: argparse.Namespace, settings: Settings) -> int:
    login = acting_login(settings)
    section = section_key(args.kind)
    ids = None if args.all else list(args.ids)
    state = args.state
    if state is None:
        # Cases have one closed state; the other kinds need it said.
        states = cancellations.allowed_states(section)
        if len(states) != 1:
            raise InvalidInput(
                f"Say which closed state the {section.replace('_', ' ')} move to: "
                f"--state {' | '.join(states)}."
            )
        state = states[0]
    outcome = cancellations.close_records(
        login, args.account, section, state, ids, expected_version=version(args)
    )
    return report(args, outcome)
