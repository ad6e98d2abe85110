"""Reports for leadership (issue 16): churn reasons, voluntary vs non-payment, save rate, time
to cancel and to close, and the win-back call list — each computed by aggregate SQL over a
period (``period``), compared with the period before it, and returned as a ``Report`` (a main
table, the chart drawn from it, a headline). ``audit_trail`` reads one customer's audit events
a page at a time for the audit viewer and ``offboard audit ACCOUNT``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from data.db import connection
from data.files import write_new
from data.reports.churn import churn_reasons
from data.reports.model import Chart, Column, Report, Table
from data.reports.period import Period, period_from
from data.reports.save_rate import save_rate
from data.reports.timing import time_to_cancel
from data.reports.voluntary import voluntary
from data.reports.win_back import win_back

__all__ = [
    "REPORTS",
    "TITLES",
    "Chart",
    "Column",
    "Period",
    "Report",
    "Table",
    "export_csv",
    "period_from",
    "report",
    "resized",
]

REPORTS: dict[str, Callable[[Period], Report]] = {
    "churn-reasons": churn_reasons,
    "voluntary": voluntary,
    "save-rate": save_rate,
    "time-to-cancel": time_to_cancel,
    "win-back": win_back,
}
TITLES = {
    "churn-reasons": "Churn reasons",
    "voluntary": "Voluntary vs non-payment",
    "save-rate": "Save rate",
    "time-to-cancel": "Time to cancel",
    "win-back": "Win-back",
}
# Reports that look ahead: their default period is the next 90 days, not the last.
AHEAD = frozenset({"win-back"})


def report(name: str, period: Period | None = None, *, mine: str | None = None) -> Report:
    """The report named, over ``period`` (default: the last 90 days; win-back: the next 90);
    ``mine``: win-back only for the customers this login owns."""
    from data.errors import InvalidInput
    from data.reports.period import last_days, next_days

    if name not in REPORTS:
        raise InvalidInput(f"There is no report '{name}'. Choose one of: {', '.join(REPORTS)}.")
    chosen = period or (next_days() if name in AHEAD else last_days())
    with connection():
        if name == "win-back":
            return win_back(chosen, mine)
        return REPORTS[name](chosen)


LENGTHS = (30, 90, 180, 365)


def resized(name: str, period: Period, days: int) -> Period:
    """The period ``days`` long that keeps its end (win-back, looking ahead, keeps its start)."""
    import datetime as dt

    span = dt.timedelta(days=days - 1)
    if name in AHEAD:
        return Period(period.start, period.start + span)
    return Period(period.end - span, period.end)


def export_csv(found: Report, folder: str | None = None) -> str:
    """Write the report's CSV (what its chart shows) into ``folder`` (default: the current
    folder) as ``report-NAME-FROM-TO.csv`` (``…-2.csv`` and on when that is taken: nothing is
    replaced, data.files); returns the path written."""
    name = (
        f"report-{found.name}-{found.period.start.isoformat()}-{found.period.end.isoformat()}.csv"
    )
    return str(write_new(Path(folder or ".").expanduser().resolve() / name, found.csv()))
