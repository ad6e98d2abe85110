"""Save rate: the save attempts made in the period (data.retention) by outcome; saved ÷ (saved
+ lost) by month and by the user who made the attempt, against the previous period; and the
revenue kept where amounts are known — for a saved customer, what it was invoiced in the 12
months before the attempt (a customer without invoices keeps no known amount). One query."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from data.db import database
from data.reports.model import Chart, Report, Table, columns, count_word, months, share
from data.reports.period import Period
from data.reports.sql import day_of, days_before, month, sql

OUTCOMES = ("saved", "paused", "downgraded", "lost", "open")


def _query() -> str:
    counts = ", ".join(f"SUM(CASE WHEN outcome = '{o}' THEN 1 ELSE 0 END)" for o in OUTCOMES)
    kept = f"""CASE WHEN s.outcome = 'saved' THEN (
          SELECT SUM(i.amount) FROM invoice i
          WHERE i.customer_id = s.customer_id
            AND i.issued_on > {days_before("s.at", 365)} AND i.issued_on <= {day_of("s.at")}
        ) END"""
    return f"""
WITH a AS (
  SELECT s.at, s.outcome, s.by_id, CASE WHEN s.at >= ? THEN 1 ELSE 0 END AS now,
         {kept} AS kept
  FROM save_attempt s
  WHERE s.at >= ? AND s.at < ?
)
SELECT 'month' AS part, {month("a.at")} AS name, {counts}, SUM(a.kept) AS kept
FROM a WHERE a.now = 1 GROUP BY {month("a.at")}
UNION ALL
SELECT 'user', u.display_name, {counts}, SUM(a.kept)
FROM a JOIN "user" u ON u.id = a.by_id WHERE a.now = 1 GROUP BY u.display_name
UNION ALL
SELECT 'period', CASE WHEN a.now = 1 THEN 'now' ELSE 'before' END, {counts}, SUM(a.kept)
FROM a GROUP BY a.now
"""


def _row(key: str, name: str, figures: tuple[int, ...], kept: Any) -> dict[str, Any]:
    by_outcome = dict(zip(OUTCOMES, figures, strict=True))
    decided = by_outcome["saved"] + by_outcome["lost"]
    return {
        key: name,
        **by_outcome,
        "attempts": sum(figures),
        "save_rate": share(by_outcome["saved"], decided),
        "revenue_kept": None if kept is None else round(float(Decimal(str(kept))), 2),
    }


def save_rate(period: Period) -> Report:
    before = period.previous
    cursor = database.execute_sql(sql(_query()), (period.since, before.since, period.until))
    found: dict[tuple[str, str], tuple[tuple[int, ...], Any]] = {}
    for part, name, *figures, kept in cursor.fetchall():
        found[(str(part), str(name))] = (tuple(int(f or 0) for f in figures), kept)
    nothing: tuple[tuple[int, ...], Any] = ((0,) * len(OUTCOMES), None)
    rows = [_row("month", key, *found.get(("month", key), nothing)) for key in months(period)]
    users = sorted(
        (_row("user", name, *value) for (part, name), value in found.items() if part == "user"),
        key=lambda row: (-row["attempts"], str(row["user"]).casefold()),
    )
    now = _row("period", "now", *found.get(("period", "now"), nothing))
    then = _row("period", "before", *found.get(("period", "before"), nothing))
    rate, previous_rate = now["save_rate"], then["save_rate"]
    headline = (
        f"{count_word(now['attempts'], 'save attempt')}: {now['saved']:,} saved, "
        f"{now['lost']:,} lost, save rate {_percent(rate)} "
        f"(previous {period.days} days: {_percent(previous_rate)} of "
        f"{count_word(then['attempts'], 'attempt')})"
    )
    if now["revenue_kept"] is not None:
        headline += f"; revenue kept {now['revenue_kept']:,.2f}"
    outcome_columns = tuple((o, o.capitalize()) for o in OUTCOMES)
    table = Table(
        "months",
        "Save attempts by month",
        columns(
            ("month", "Month"),
            *outcome_columns,
            ("save_rate", "Save rate %"),
            ("revenue_kept", "Revenue kept"),
        ),
        rows,
    )
    by_user = Table(
        "by_user",
        "Save rate by who made the attempt",
        columns(
            ("user", "User"),
            ("attempts", "Attempts"),
            ("saved", "Saved"),
            ("lost", "Lost"),
            ("save_rate", "Save rate %"),
        ),
        users,
    )
    summary = {
        **{key: now[key] for key in (*OUTCOMES, "attempts", "save_rate", "revenue_kept")},
        **{f"previous_{key}": then[key] for key in ("attempts", "saved", "lost", "save_rate")},
    }
    return Report(
        "save-rate",
        "Save rate",
        period,
        before,
        headline,
        table,
        Chart("Save attempts by month", "month", ("saved", "lost")),
        summary,
        (by_user,),
        notes=(
            "Save rate: saved ÷ (saved + lost); paused, downgraded and open attempts are "
            "counted apart.",
            "Revenue kept: what a saved customer was invoiced in the 12 months before the "
            "attempt, where it has invoices.",
        ),
    )


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value}%"
