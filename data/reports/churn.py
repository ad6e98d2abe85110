"""Churn reasons: the cancellations processed in the period by reason (a cancellation with
several reasons counts once for each), each reason's share of the period's cancellations, and
the change against the previous period of the same length. One aggregate query."""

from __future__ import annotations

from typing import Any

from data.db import database
from data.reports.model import Chart, Report, Table, columns, count_word, share, signed
from data.reports.period import Period
from data.reports.sql import sql

NO_REASON = "(no reason given)"

# Both periods in one pass: the reasons' counts, then the cancellations' totals.
QUERY = """
SELECT 'reason' AS part, COALESCE(r.name, '') AS reason,
       SUM(CASE WHEN c.processed_at >= ? THEN 1 ELSE 0 END) AS now,
       SUM(CASE WHEN c.processed_at < ? THEN 1 ELSE 0 END) AS before
FROM cancellation c
LEFT JOIN cancellation_reason cr ON cr.cancellation_id = c.id
LEFT JOIN reason r ON r.id = cr.reason_id
WHERE c.state = 'processed' AND c.processed_at >= ? AND c.processed_at < ?
GROUP BY r.name
UNION ALL
SELECT 'total', '',
       SUM(CASE WHEN c.processed_at >= ? THEN 1 ELSE 0 END),
       SUM(CASE WHEN c.processed_at < ? THEN 1 ELSE 0 END)
FROM cancellation c
WHERE c.state = 'processed' AND c.processed_at >= ? AND c.processed_at < ?
"""


def churn_reasons(period: Period) -> Report:
    before = period.previous
    bounds = (period.since, period.since, before.since, period.until)
    cursor = database.execute_sql(sql(QUERY), bounds * 2)
    counts: list[tuple[str, int, int]] = []
    total_now = total_before = 0
    for part, reason, now, then in cursor.fetchall():
        now, then = int(now or 0), int(then or 0)
        if part == "total":
            total_now, total_before = now, then
        elif now or then:
            counts.append((str(reason) or NO_REASON, now, then))
    counts.sort(key=lambda entry: (-entry[1], -entry[2], entry[0].casefold()))
    rows: list[dict[str, Any]] = []
    for reason, now, then in counts:
        rows.append(
            {
                "reason": reason,
                "cancellations": now,
                "share": share(now, total_now),
                "previous": then,
                "previous_share": share(then, total_before),
                "change": now - then,
            }
        )
    headline = (
        f"{count_word(total_now, 'cancellation')} processed "
        f"({signed(total_now - total_before)} against the previous {period.days} days: "
        f"{total_before:,})"
    )
    if rows:
        top = rows[0]
        headline += f"; most given: {top['reason']} ({top['share']}%)"
    table = Table(
        "reasons",
        "Cancellations by reason",
        columns(
            ("reason", "Reason"),
            ("cancellations", "Cancellations"),
            ("share", "Share %"),
            ("previous", "Previous"),
            ("previous_share", "Prev. %"),
            ("change", "Change"),
        ),
        rows,
    )
    return Report(
        "churn-reasons",
        "Churn reasons",
        period,
        before,
        headline,
        table,
        Chart("Cancellations by reason", "reason", ("cancellations", "previous")),
        {"cancellations": total_now, "previous_cancellations": total_before},
        notes=(
            "A cancellation with several reasons counts once for each: shares are of the "
            "period's cancellations and may add up to more than 100%.",
        ),
    )
