"""Time to cancel and to close: the median and 90th-percentile days from Begin to Process (by
the month processed) and from Process to Close (by the month closed), the same figures for the
whole period against the previous one, and the pending cancellations by age. One query: the
percentiles are nearest-rank, taken with window functions (both backends have them; SQLite has
no percentile function)."""

from __future__ import annotations

from typing import Any

from data import clock
from data.db import database
from data.reports.model import Chart, Report, Table, columns, count_word, months, signed
from data.reports.period import Period
from data.reports.sql import days_between, moment_param, month, sql

AGES = {
    "a": "0–7 days",
    "b": "8–30 days",
    "c": "31–90 days",
    "d": "over 90 days",
}


def _query() -> str:
    to_process = days_between("c.processed_at", "c.begun_at")
    to_close = days_between("c.closed_at", "c.processed_at")
    age = days_between(moment_param(), "c.begun_at")
    return f"""
WITH base AS (
  SELECT 'process' AS kind, c.processed_at AS moment, {to_process} AS days
  FROM cancellation c
  WHERE c.state = 'processed' AND c.processed_at >= ? AND c.processed_at < ?
  UNION ALL
  SELECT 'close', c.closed_at, {to_close}
  FROM cancellation c
  WHERE c.processed_at IS NOT NULL AND c.closed_at >= ? AND c.closed_at < ?
), grouped AS (
  SELECT kind, CASE WHEN moment >= ? THEN {month("moment")} ELSE '' END AS bucket, days
  FROM base
  UNION ALL
  SELECT kind, CASE WHEN moment >= ? THEN 'now' ELSE 'before' END, days FROM base
), ranked AS (
  SELECT kind, bucket, days,
         ROW_NUMBER() OVER (PARTITION BY kind, bucket ORDER BY days) AS n,
         COUNT(*) OVER (PARTITION BY kind, bucket) AS total
  FROM grouped
)
SELECT kind, bucket, MAX(total) AS total,
       MAX(CASE WHEN n = (total + 1) / 2 THEN days END) AS median,
       MAX(CASE WHEN n = (9 * total + 9) / 10 THEN days END) AS p90
FROM ranked
GROUP BY kind, bucket
UNION ALL
SELECT 'pending', age, COUNT(*), NULL, NULL
FROM (
  SELECT CASE WHEN {age} < 8 THEN 'a' WHEN {age} < 31 THEN 'b'
              WHEN {age} < 91 THEN 'c' ELSE 'd' END AS age
  FROM cancellation c
  WHERE c.state = 'pending'
) pending
GROUP BY age
"""


def _days(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def time_to_cancel(period: Period) -> Report:
    before = period.previous
    now = clock.now()
    bounds = (before.since, period.until)
    params = (*bounds, *bounds, period.since, period.since, *([now] * 3))
    cursor = database.execute_sql(sql(_query()), params)
    figures: dict[tuple[str, str], tuple[int, float | None, float | None]] = {}
    ages = dict.fromkeys(AGES, 0)
    for kind, bucket, total, median, p90 in cursor.fetchall():
        if kind == "pending":
            ages[str(bucket)] = int(total)
        else:
            figures[(str(kind), str(bucket))] = (int(total), _days(median), _days(p90))
    nothing = (0, None, None)
    rows: list[dict[str, Any]] = []
    for key in months(period):
        processed, process_median, process_p90 = figures.get(("process", key), nothing)
        closed, close_median, close_p90 = figures.get(("close", key), nothing)
        rows.append(
            {
                "month": key,
                "processed": processed,
                "median_days_to_process": process_median,
                "p90_days_to_process": process_p90,
                "closed": closed,
                "median_days_to_close": close_median,
                "p90_days_to_close": close_p90,
            }
        )
    summary: dict[str, Any] = {}
    for kind in ("process", "close"):
        for bucket, prefix in (("now", ""), ("before", "previous_")):
            count, median, p90 = figures.get((kind, bucket), nothing)
            done = "processed" if kind == "process" else "closed"
            summary[f"{prefix}{done}"] = count
            summary[f"{prefix}median_days_to_{kind}"] = median
            summary[f"{prefix}p90_days_to_{kind}"] = p90
    pending = sum(ages.values())
    summary["pending"] = pending
    median_now = summary["median_days_to_process"]
    median_then = summary["previous_median_days_to_process"]
    shift = (
        signed(round(median_now - median_then, 1))
        if median_now is not None and median_then is not None
        else "—"
    )
    headline = (
        f"Begin to Process: median {_text(median_now)} days, 90th percentile "
        f"{_text(summary['p90_days_to_process'])} ({shift} days against the previous period); "
        f"Process to Close: median {_text(summary['median_days_to_close'])} days; "
        f"{count_word(pending, 'cancellation')} pending"
    )
    table = Table(
        "months",
        "Days to Process and to Close, by month",
        columns(
            ("month", "Month"),
            ("processed", "Processed"),
            ("median_days_to_process", "Median to Process"),
            ("p90_days_to_process", "90% to Process"),
            ("closed", "Closed"),
            ("median_days_to_close", "Median to Close"),
            ("p90_days_to_close", "90% to Close"),
        ),
        rows,
    )
    by_age = Table(
        "pending_by_age",
        "Pending cancellations by age",
        columns(("age", "Age"), ("pending", "Pending")),
        [{"age": label, "pending": ages[key]} for key, label in AGES.items()],
    )
    return Report(
        "time-to-cancel",
        "Time to cancel and to close",
        period,
        before,
        headline,
        table,
        Chart(
            "Median days by month",
            "month",
            ("median_days_to_process", "median_days_to_close"),
            "days",
            counted=("processed", "closed"),
        ),
        summary,
        (by_age,),
        notes=(
            "Percentiles are nearest-rank. Pending ages count from Begin to now.",
            f"As of {now:%Y-%m-%d %H:%M} UTC.",
        ),
    )


def _text(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"
