"""The Reports screen draws the time-to-cancel chart from the same result as its table: a month
whose cancellations were processed the day they began (a median of 0 days) is not "nothing in
this period" above a table that has its row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from textual_plotext import PlotextPlot

from data.reports import Period, Report
from data.reports.model import Chart, Table, columns
from screens.reports import ReportsScreen
from tests.app.conftest import settle
from tui.app import OffboardApp

JANUARY = Period(dt.date(2026, 1, 1), dt.date(2026, 1, 31))


def same_day_report(processed: int) -> Report:
    """Time to cancel as the data layer shapes it: one month, its cancellations (if any)
    processed the day they began."""
    row = {
        "month": "2026-01",
        "processed": processed,
        "median_days_to_process": 0.0 if processed else None,
        "p90_days_to_process": 0.0 if processed else None,
        "closed": 0,
        "median_days_to_close": None,
        "p90_days_to_close": None,
    }
    table = Table(
        "months",
        "Days to Process and to Close, by month",
        columns(("month", "Month"), ("processed", "Processed")),
        [row],
    )
    chart = Chart(
        "Median days by month",
        "month",
        ("median_days_to_process", "median_days_to_close"),
        "days",
        counted=("processed", "closed"),
    )
    return Report("time-to-cancel", "Time to cancel and to close", JANUARY, None, "", table, chart)


def chart_title(screen: ReportsScreen) -> str:
    return str(screen.query_one("#report-chart", PlotextPlot).plt.monitor.title)


async def test_a_zero_day_month_is_drawn_and_an_empty_one_says_nothing(
    make_app: Callable[..., OffboardApp],
) -> None:
    async with make_app().run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = ReportsScreen(pilot.app.screen.session)  # type: ignore[attr-defined]
        await pilot.app.push_screen(screen)
        await settle(pilot)

        screen.draw(same_day_report(processed=2))
        assert chart_title(screen) == "Median days by month (days)"
        screen.draw(same_day_report(processed=0))
        assert chart_title(screen) == "Median days by month: nothing in this period"
