"""The report command: one of leadership's reports over a period, as text (the table with the
headline against the previous period), JSON, or the CSV of what its chart shows."""

from __future__ import annotations

import argparse
import json
import sys

from data import reports
from data.reports import AHEAD, Report, Table, period_from
from data.reports.model import plain
from tui.cli.commands import acting_login
from tui.cli.output import out
from tui.config import Settings


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    period = period_from(args.start, args.end, ahead=args.name in AHEAD)
    mine = acting_login(settings) if args.mine else None
    found = reports.report(args.name, period, mine=mine)
    if args.json:
        out(json.dumps(found.as_json(), indent=2, default=str))
    elif args.csv:
        sys.stdout.write(found.csv())
    else:
        print_report(found)
    return 0


def cell(value: object) -> str:
    shown = plain(value)
    return "—" if shown is None or shown == "" else str(shown)


def table_lines(table: Table) -> list[str]:
    """A table as aligned columns (numbers to the right), its heading first."""
    headings = [column.heading for column in table.columns]
    cells = [[cell(row.get(column.key)) for column in table.columns] for row in table.rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headings)]
    numeric = [
        all(isinstance(row.get(c.key), int | float) or row.get(c.key) is None for row in table.rows)
        and bool(table.rows)
        for c in table.columns
    ]

    def line(values: list[str]) -> str:
        parts = [
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    lines = [line(headings)]
    lines += [line(row) for row in cells]
    if not table.rows:
        lines.append("(nothing in this period)")
    return lines


def print_report(report: Report) -> None:
    out(f"{report.title}, {report.period.label()}")
    if report.previous is not None:
        out(f"Compared with {report.previous.label()}")
    out(report.headline + ".")
    for table in (report.table, *report.more):
        out()
        out(table.title)
        for line in table_lines(table):
            out("  " + line)
    if report.notes:
        out()
        for note in report.notes:
            out(note)
