"""A report's chart and the table below it are one result, on both backends: a month with a
cancellation processed the day it began (a median of 0 days) has its row in the table, and its
chart is not "nothing in this period"; a month with nothing is empty in both."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from data import reports
from data.reports import Period
from tests.data.test_reports import NOW, OCTOBER, T, cancelled
from tests.data.world import World


def test_a_month_whose_median_is_zero_days_is_drawn_not_nothing(
    world: World, clock: Callable[[dt.datetime], None]
) -> None:
    clock(NOW)
    cancelled(world, "600001", begun=T(2026, 10, 6, 9), processed=T(2026, 10, 6, 11))

    report = reports.report("time-to-cancel", OCTOBER)

    (october,) = report.table.rows
    assert (october["processed"], october["median_days_to_process"]) == (1, 0.1)
    assert not report.chart_is_empty
    same_day = Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    cancelled(world, "600002", begun=T(2026, 10, 7, 9), processed=T(2026, 10, 7, 9))
    cancelled(world, "600003", begun=T(2026, 10, 8, 9), processed=T(2026, 10, 8, 9))
    again = reports.report("time-to-cancel", same_day)
    (october,) = again.table.rows
    assert (october["processed"], october["median_days_to_process"]) == (3, 0.0)
    assert not again.chart_is_empty  # the table counts three: the chart is not "nothing"


def test_an_empty_month_is_empty_in_the_chart_and_the_table(
    world: World, clock: Callable[[dt.datetime], None]
) -> None:
    clock(NOW)
    empty = Period(dt.date(2020, 1, 1), dt.date(2020, 1, 31))
    for name in ("time-to-cancel", "voluntary", "save-rate", "churn-reasons"):
        report = reports.report(name, empty)
        assert report.chart_is_empty, name
        counted = report.chart.counted or report.chart.series
        assert not any(row.get(key) for row in report.chart_table().rows for key in counted)
