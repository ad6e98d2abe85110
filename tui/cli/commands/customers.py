"""The reading commands for customers: list (paged, by name) and show (a customer, its
cancellation and its sections)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

from data import customers
from data.customers import CustomerRow
from data.models import CancellationState
from data.playbook.model import Milestone
from data.rules import describe_red
from tui.cli.commands import PAGE
from tui.cli.output import PROG, emit_json, local_time, out, section_mark, stream_json
from tui.cli.shapes import customer_json, gates, tool_json
from tui.config import Settings


def all_customers(search: str, status: str | None) -> Iterator[CustomerRow]:
    """Every matching customer, by name, read a page at a time with a keyset (no OFFSET)."""
    after: tuple[str, int] | None = None
    while True:
        page = customers.customer_page(search, status, after=after, limit=PAGE)
        yield from page
        if len(page) < PAGE:
            return
        after = (page[-1].key, page[-1].id)


def customer_line(account: str, status: str, name: str, owner: str) -> str:
    return f"{account:<8}  {status:<9}  {name:<34}  {owner}".rstrip()


def cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    rows = all_customers(args.search or "", args.status)
    if args.json:
        stream_json(customer_json(row) for row in rows)
        return 0
    shown = 0
    for row in rows:
        if shown == 0:
            out(customer_line("ACCOUNT", "STATUS", "NAME", "OWNER"))
        out(customer_line(row.account, row.status, row.name, row.owner))
        shown += 1
        if shown % PAGE == 0:
            sys.stdout.flush()
    if shown == 0:
        out(f"No customers match in {settings.shown_location}.")
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    view = customers.tool_view(args.account)
    if args.json:
        emit_json(tool_json(view))
        return 0
    detail = view.customer
    out(f"{detail.name} ({detail.account})")
    out(f"  Status        {detail.status}")
    out(f"  Owner         {detail.owner or 'nobody'}")
    out(f"  Type          {detail.customer_type}")
    out(f"  Time zone     {detail.time_zone}")
    if detail.admin_name or detail.admin_email:
        out(f"  Admin         {detail.admin_name} <{detail.admin_email}>".replace(" <>", ""))
    cancellation = view.cancellation
    out()
    if cancellation is None:
        out(f"No cancellation. Begin one with: {PROG} begin {detail.account}")
    else:
        begun = f"begun {local_time(cancellation.begun_at)} by {cancellation.begun_by}"
        if cancellation.state == CancellationState.PENDING:
            out(f"Cancellation pending, {begun}.")
        else:
            out(
                f"Cancellation {cancellation.state} {local_time(cancellation.processed_at)} "
                f"by {cancellation.processed_by or 'an unknown user'} ({begun})."
            )
        # The case's scenario and playbook, as the tool's header shows them.
        out(f"  Scenario      {cancellation.scenario_label}")
        digest = cancellation.playbook_digest[:8]
        out(f"  Playbook      {cancellation.playbook_name}" + (f" · {digest}" if digest else ""))
        if cancellation.playbook_note:
            out(f"  {cancellation.playbook_note}")
    out()
    width = max(len(section.name) for section in view.sections)
    for section in view.sections:
        mark = section_mark(section.state.value, gates(section))
        out(f"  {mark:<9}  {section.name:<{width}}  {section.summary}")
    if cancellation is not None and cancellation.state == CancellationState.PENDING:
        out()
        process = f"Process it with: {PROG} process {detail.account}"
        for_close = [
            section.name
            for section in view.sections
            if section.holds_back and section.milestone is Milestone.CLOSE
        ]
        if view.unfinished:
            out(f"Not ready: {describe_red(view.sections)}.")
        elif for_close:
            out(f"Ready for Process; left for Close: {', '.join(for_close)}. {process}")
        else:
            out(f"Ready: every section is clear. {process}")
    elif cancellation is not None and cancellation.case_summary:
        out()
        out(f"{cancellation.case_summary}.")  # what the tool's banner says of the case
    return 0
