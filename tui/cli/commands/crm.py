"""``offboard import salesforce DIR``: a Salesforce data export read into offboard, all or
nothing, with its summary (text or JSON), every error of a refused import listed on stderr, and
a progress line on stderr while it runs on a terminal."""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from typing import TextIO

from data.crm.errors import ImportRefused
from data.crm.importing import import_salesforce
from data.crm.mapping import load_mapping
from data.crm.summary import ImportSummary
from tui.cli.commands import acting_login
from tui.cli.output import PROG, emit_json, out
from tui.config import Settings

DRY_RUN = "Dry run: nothing was written."
BAR_WIDTH = 24
# The progress line is redrawn at most this often (seconds): a terminal is slower than a CSV.
REDRAW = 0.1


class ProgressLine:
    """One line on a terminal, redrawn in place: the file being read, its rows (of how many,
    with a bar, when the total is known) and the rows read per second."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.rows_before = 0  # rows of the objects already read
        self.current = ""
        self.current_rows = 0
        self.drawn_at = 0.0
        self.width = 0

    def __call__(self, name: str, done: int, total: int | None) -> None:
        if name != self.current:
            self.rows_before += self.current_rows
            self.current = name
        self.current_rows = done
        now = time.monotonic()
        if now - self.drawn_at < REDRAW and (total is None or done < total):
            return
        self.drawn_at = now
        self.draw(self.describe(name, done, total, now))

    def describe(self, name: str, done: int, total: int | None, now: float) -> str:
        elapsed = max(now - self.started, 1e-6)
        rate = (self.rows_before + done) / elapsed
        if total:
            filled = min(BAR_WIDTH, BAR_WIDTH * done // total)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            rows = f"[{bar}] {done:,} of {total:,} rows"
        else:
            rows = f"{done:,} rows"
        return f"{name}: {rows} · {rate:,.0f} rows/s"

    def draw(self, text: str) -> None:
        # One terminal line: a longer one would wrap, and \r would redraw only its end.
        text = text[: max(20, shutil.get_terminal_size().columns - 1)]
        padding = " " * max(0, self.width - len(text))
        self.stream.write(f"\r{text}{padding}")
        self.stream.flush()
        self.width = len(text)

    def clear(self) -> None:
        """Take the line away, so what is printed next starts at the left edge."""
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


COLUMNS = (
    ("read", "read"),
    ("added", "added"),
    ("updated", "updated"),
    ("unchanged", "unchanged"),
    ("skipped", "skipped_deleted"),
    ("resolved here", "resolved_here"),
    ("gone", "gone_from_crm"),
)


def summary_table(summary: ImportSummary) -> list[str]:
    """The summary as a person reads it: what the run was, a table of the objects (a row each,
    and their total), then how many rows changed."""
    rows: list[list[str]] = [["object", *(heading for heading, _ in COLUMNS)]]
    sums = [0] * len(COLUMNS)
    for item in summary.objects:
        counts = [int(getattr(item, field)) for _, field in COLUMNS]
        sums = [total + count for total, count in zip(sums, counts, strict=True)]
        rows.append([item.object, *(f"{count:,}" for count in counts)])
    if len(summary.objects) > 1:
        rows.append(["total", *(f"{count:,}" for count in sums)])
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    table = [
        "  ".join(
            [row[0].ljust(widths[0])]
            + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        ).rstrip()
        for row in rows
    ]
    changed = summary.changed
    verb = "would change" if summary.dry_run else "changed"
    heading = DRY_RUN if summary.dry_run else "Imported."
    return [
        heading,
        "",
        *table,
        "",
        f"{changed:,} {'row' if changed == 1 else 'rows'} {verb}.",
        *summary.errors,
    ]


def refused_line(count: int) -> str:
    errors = "1 error" if count == 1 else f"{count:,} errors"
    return f"{PROG}: the import was refused: {errors}; nothing was written."


def cmd_import_salesforce(args: argparse.Namespace, settings: Settings) -> int:
    login = acting_login(settings)
    mapping = load_mapping(args.mapping) if args.mapping else None
    # On a terminal only: piped or redirected, stderr stays quiet until there is something to
    # say.
    progress = ProgressLine(sys.stderr) if sys.stderr.isatty() else None
    try:
        summary = import_salesforce(
            args.folder, login, mapping=mapping, dry_run=args.dry_run, progress=progress
        )
    except ImportRefused as refused:
        if progress is not None:
            progress.clear()
        errors = refused.errors or [str(refused)]
        if args.json:
            emit_json(ImportSummary(objects=[], dry_run=args.dry_run, errors=errors).as_json())
        for error in errors:
            print(error, file=sys.stderr)
        print(refused_line(len(errors)), file=sys.stderr)
        return 1
    finally:
        if progress is not None:
            progress.clear()
    if args.json:
        emit_json(summary.as_json())
        return 0
    for line in summary_table(summary):
        out(line)
    return 0
