"""What a report is once computed: its main table (what the chart shows and the CSV holds),
the chart drawn from it, a headline against the previous period, and any further tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from data.reports.period import Period
from data.spreadsheet import csv_text

Row = dict[str, Any]


@dataclass(frozen=True)
class Column:
    key: str  # the JSON key and the CSV header
    heading: str  # what a person reads above it


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: list[Row]

    def csv(self) -> str:
        """The table as CSV for a spreadsheet: a text cell that would run as a formula is
        written as text (data.spreadsheet)."""
        return csv_text(
            [column.key for column in self.columns],
            ([plain(row.get(column.key)) for column in self.columns] for row in self.rows),
        )


@dataclass(frozen=True)
class Chart:
    """Bars: one group per row of the main table, labelled by ``label``, one bar per series."""

    title: str
    label: str  # the column that names each group of bars
    series: tuple[str, ...]  # the columns drawn as bars
    unit: str = ""
    table: str = ""  # the key of the table it draws (one of ``more``); "" is the main table
    # The columns that count what a row holds (a month with one cancellation processed the day
    # it began has a median of 0 days: a row all the same); none: a row holds what it draws.
    counted: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    period: Period
    previous: Period | None
    headline: str  # the numbers in one line, against the previous period where there is one
    table: Table
    chart: Chart
    summary: Row = field(default_factory=dict)
    more: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()

    def as_json(self) -> Row:
        return {
            "report": self.name,
            "title": self.title,
            "period": self.period.as_json(),
            "previous_period": self.previous.as_json() if self.previous else None,
            "headline": self.headline,
            "summary": {key: plain(value) for key, value in self.summary.items()},
            "rows": [_json_row(row) for row in self.table.rows],
            "tables": {t.key: [_json_row(row) for row in t.rows] for t in self.more},
            "notes": list(self.notes),
        }

    def csv(self) -> str:
        """The main table (the chart shows it, or a count of it)."""
        return self.table.csv()

    def chart_table(self) -> Table:
        """The table the chart draws."""
        return next((t for t in self.more if t.key == self.chart.table), self.table)

    @property
    def chart_is_empty(self) -> bool:
        """Whether the chart has nothing to draw — decided from the rows of the table below it,
        so the chart never says "nothing" while the table has a row that counts something."""
        chart = self.chart
        keys = chart.counted or chart.series
        return not any(row.get(key) for row in self.chart_table().rows for key in keys)


def plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return "; ".join(str(plain(item)) for item in value)
    return value


def _json_row(row: Row) -> Row:
    return {
        key: [plain(v) for v in value] if isinstance(value, list | tuple) else plain(value)
        for key, value in row.items()
    }


def columns(*pairs: tuple[str, str]) -> tuple[Column, ...]:
    return tuple(Column(key, heading) for key, heading in pairs)


def share(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` as a percentage with one decimal; None when there is no whole."""
    return None if not whole else round(100.0 * part / whole, 1)


def change(now: float | None, before: float | None) -> float | None:
    if now is None or before is None:
        return None
    return round(now - before, 1)


def signed(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    number = (
        f"{value:+.1f}" if isinstance(value, float) and not value.is_integer() else f"{value:+}"
    )
    number = number.removesuffix(".0")
    return f"{number}{unit}"


def count_word(count: int, one: str, many: str | None = None) -> str:
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def months(period: Period) -> Sequence[str]:
    """The months the period touches, as 'YYYY-MM', in order."""
    found: list[str] = []
    year, month = period.start.year, period.start.month
    while (year, month) <= (period.end.year, period.end.month):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found
