"""Reports: what leadership reads (issue 16) — churn reasons, voluntary vs non-payment, save
rate, time to cancel and to close, and the win-back call list — each as a bar chart
(textual-plotext, imported only when this screen opens) with its numbers in a table below it.
Keys pick the report and move or resize the period; x writes the CSV of what the chart shows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, Literal

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable, Header, Static
from textual_plotext import PlotextPlot

from data.reports import LENGTHS, TITLES, Period, Report, Table, export_csv, report, resized
from data.reports.model import plain
from screens.base import OffboardScreen, Session
from screens.footer import KeyFooter
from screens.plain import plain_text, shown

HORIZONTAL = frozenset({"reason", "owner"})  # long labels: bars drawn across


MONEY = frozenset({"revenue_kept"})  # amounts: two decimals, thousands grouped


def cell(value: object, key: str = "") -> str:
    shown = plain(value)
    if shown is None or shown == "":
        return "—"
    if key in MONEY and isinstance(shown, int | float):
        return f"{shown:,.2f}"
    return str(shown)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def compact(table: Table) -> str:
    """A small two-column table on one line: ``Pending by age: 0–7 days 2 · 8–30 days 0``."""
    keys = [column.key for column in table.columns]
    pairs = " · ".join(f"{cell(row.get(keys[0]))} {cell(row.get(keys[-1]))}" for row in table.rows)
    return f"{table.title}: {pairs or 'none'}"


class ReportsScreen(OffboardScreen):
    """One report at a time: its chart, its numbers, its period."""

    CSS_PATH = "reports.tcss"
    HELP_TEXT = (
        "Reports for leadership, computed over a period and compared with the period of the "
        "same length before it. c churn reasons (a cancellation with several reasons counts "
        "for each), v voluntary vs non-payment by month, s save rate, t time to cancel and to "
        "close (median and 90th percentile days), w win-back (cancelled customers to call "
        "back, by owner; it looks ahead). [ and ] move the period back and forward, l changes "
        "its length (30, 90, 180, 365 days). The table below the chart holds its numbers; x "
        "writes them as CSV into the current folder. The command line has the same: "
        "offboard report NAME --from DATE --to DATE [--csv|--json]."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "c",
            "show('churn-reasons')",
            "Churn",
            tooltip="Churn reasons: each reason's cancellations in the period",
        ),
        Binding(
            "v",
            "show('voluntary')",
            "Voluntary",
            tooltip="Voluntary cancellations against non-payment, by month",
        ),
        Binding(
            "s",
            "show('save-rate')",
            "Save rate",
            tooltip="Save attempts and how many kept the customer",
        ),
        Binding(
            "t",
            "show('time-to-cancel')",
            "Time",
            tooltip="Days from Begin to Process and to Close (median, 90th percentile)",
        ),
        Binding(
            "w",
            "show('win-back')",
            "Win-back",
            tooltip="Cancelled customers to call back, by owner (looks ahead)",
        ),
        Binding(
            "left_square_bracket",
            "shift(-1)",
            "Earlier",
            key_display="[",
            tooltip="The period before this one",
        ),
        Binding(
            "right_square_bracket",
            "shift(1)",
            "Later",
            key_display="]",
            tooltip="The period after this one",
        ),
        Binding("l", "length", "Length", tooltip="The period's length: 30, 90, 180 or 365 days"),
        Binding("x", "export", "Export CSV", tooltip="Write the numbers as CSV into this folder"),
    ]

    @dataclass
    class Loaded(Message):
        report: Report

    @dataclass
    class Exported(Message):
        path: str

    def __init__(self, session: Session, name: str = "churn-reasons") -> None:
        super().__init__(session)
        self.report_name = name
        self.period: Period | None = None  # None: the report's default (the last 90 days)
        self.shown: Report | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Reading the report…", id="report-title")
        yield Static("", id="report-headline")
        yield Static("", id="report-more")
        yield PlotextPlot(id="report-chart")
        yield DataTable(id="report-numbers", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = "Reports"
        self.sub_title = TITLES[self.report_name]
        self.query_one("#report-numbers", DataTable).focus()
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False, group="report")
    def load(self) -> None:
        self.post_read(self.Loaded(report(self.report_name, self.period)))

    def on_reports_screen_loaded(self, event: Loaded) -> None:
        found = event.report
        self.shown = found
        self.period = found.period
        self.sub_title = found.title
        compared = f" · compared with {found.previous.label()}" if found.previous else ""
        self.query_one("#report-title", Static).update(
            plain_text(
                f"{found.title} · {found.period.label()} ({found.period.days} days){compared}"
            )
        )
        self.query_one("#report-headline", Static).update(plain_text(found.headline + "."))
        more = self.query_one("#report-more", Static)
        more.update(plain_text("\n".join(compact(table) for table in found.more)))
        more.display = bool(found.more)
        self.draw(found)
        table = self.query_one("#report-numbers", DataTable)
        table.clear(columns=True)
        for column in found.table.columns:
            table.add_column(plain_text(column.heading), key=column.key)
        numeric = {
            column.key
            for column in found.table.columns
            if any(is_number(row.get(column.key)) for row in found.table.rows)
        }
        for number, row in enumerate(found.table.rows):
            table.add_row(
                *(
                    plain_text(
                        cell(row.get(column.key), column.key),
                        justify="right" if column.key in numeric else "left",
                    )
                    for column in found.table.columns
                ),
                key=str(number),
            )

    def draw(self, found: Report) -> None:
        plot = self.query_one("#report-chart", PlotextPlot)
        plt = plot.plt
        plt.clear_figure()
        chart, drawn = found.chart, found.chart_table()
        headings = {column.key: column.heading for column in drawn.columns}
        labels = [shown(cell(row.get(chart.label))) for row in drawn.rows]
        series = [[float(row.get(key) or 0) for row in drawn.rows] for key in chart.series]
        unit = f" ({chart.unit})" if chart.unit else ""
        # Empty or not as the table below it says (one result): a month whose median is 0
        # days still has its row, and its chart says so rather than "nothing".
        if not labels or found.chart_is_empty:
            plt.title(f"{chart.title}: nothing in this period")
            plot.refresh()
            return
        plt.title(f"{chart.title}{unit}")
        orientation: Literal["horizontal", "vertical"] = (
            "horizontal" if chart.label in HORIZONTAL else "vertical"
        )
        if orientation == "horizontal":  # plotext draws the first bar lowest: read top down
            labels, series = labels[::-1], [values[::-1] for values in series]
        top = max(max(values) for values in series)
        if all(value.is_integer() for values in series for value in values):
            step = max(1, math.ceil(top / 5))
            ticks = [float(tick) for tick in range(0, int(top) + step, step)]
            (plt.xticks if orientation == "horizontal" else plt.yticks)(ticks)
        if len(series) == 1:
            plt.bar(labels, series[0], orientation=orientation, width=0.6)
        else:
            plt.multiple_bar(  # type: ignore[call-arg]  # its stub says label, plotext takes labels
                labels,
                series,
                labels=[headings.get(key, key) for key in chart.series],
                orientation=orientation,
                width=0.8,
            )
        plot.refresh()

    # ------------------------------------------------------------------ actions

    def action_show(self, name: str) -> None:
        if name == self.report_name:
            return
        ahead = "win-back" in (name, self.report_name)
        self.report_name = name
        if ahead:  # win-back looks ahead, the others back: each starts on its own default
            self.period = None
        self.load()

    def action_shift(self, step: int) -> None:
        if self.period is None:
            return
        self.period = self.period.following if step > 0 else self.period.previous
        self.load()

    def action_length(self) -> None:
        if self.period is None:
            return
        days = self.period.days
        longer = next((length for length in LENGTHS if length > days), LENGTHS[0])
        self.period = resized(self.report_name, self.period, longer)
        self.load()

    def action_export(self) -> None:
        if self.shown is not None:
            self.export(self.shown)

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def export(self, found: Report) -> None:
        self.post_read(self.Exported(export_csv(found)))

    def on_reports_screen_exported(self, event: Exported) -> None:
        self.notify(f"Wrote {event.path}", title="CSV written")
