"""Voluntary vs non-payment: the cancellations processed in the period by month, split by
scenario — a buyout or a non-renewal is voluntary, collections is non-payment (a playbook's
other scenarios count as "other") — with the previous period's totals. One aggregate query."""

from __future__ import annotations

from typing import Any

from data.db import database
from data.models import Scenario
from data.reports.model import Chart, Report, Table, columns, count_word, months, share
from data.reports.period import Period
from data.reports.sql import month, sql

VOLUNTARY = (Scenario.BUYOUT, Scenario.NON_RENEWAL)
NON_PAYMENT = (Scenario.COLLECTIONS,)


def _query() -> str:
    voluntary = ", ".join(f"'{key}'" for key in VOLUNTARY)
    non_payment = ", ".join(f"'{key}'" for key in NON_PAYMENT)
    return f"""
SELECT CASE WHEN c.processed_at >= ? THEN {month("c.processed_at")} ELSE '' END AS month,
       SUM(CASE WHEN c.scenario IN ({voluntary}) THEN 1 ELSE 0 END) AS voluntary,
       SUM(CASE WHEN c.scenario IN ({non_payment}) THEN 1 ELSE 0 END) AS non_payment,
       COUNT(*) AS total
FROM cancellation c
WHERE c.state = 'processed' AND c.processed_at >= ? AND c.processed_at < ?
GROUP BY 1
"""


def voluntary(period: Period) -> Report:
    before = period.previous
    cursor = database.execute_sql(sql(_query()), (period.since, before.since, period.until))
    found: dict[str, tuple[int, int, int]] = {}
    for key, vol, unpaid, total in cursor.fetchall():
        found[str(key)] = (int(vol or 0), int(unpaid or 0), int(total or 0))
    rows: list[dict[str, Any]] = []
    sums = [0, 0, 0]
    for key in months(period):
        vol, unpaid, total = found.get(key, (0, 0, 0))
        sums = [sums[0] + vol, sums[1] + unpaid, sums[2] + total]
        rows.append(
            {
                "month": key,
                "voluntary": vol,
                "non_payment": unpaid,
                "other": total - vol - unpaid,
                "total": total,
            }
        )
    then = found.get("", (0, 0, 0))
    vol_share, then_share = share(sums[0], sums[2]), share(then[0], then[2])
    headline = (
        f"{count_word(sums[2], 'cancellation')}: {sums[0]:,} voluntary, {sums[1]:,} non-payment "
        f"({_percent(vol_share)} voluntary); previous {period.days} days: {then[2]:,} "
        f"({_percent(then_share)} voluntary)"
    )
    summary = {
        "voluntary": sums[0],
        "non_payment": sums[1],
        "other": sums[2] - sums[0] - sums[1],
        "total": sums[2],
        "voluntary_share": vol_share,
        "previous_voluntary": then[0],
        "previous_non_payment": then[1],
        "previous_total": then[2],
        "previous_voluntary_share": then_share,
        "change_total": sums[2] - then[2],
    }
    table = Table(
        "months",
        "Processed cancellations by month",
        columns(
            ("month", "Month"),
            ("voluntary", "Voluntary"),
            ("non_payment", "Non-payment"),
            ("other", "Other"),
            ("total", "Total"),
        ),
        rows,
    )
    return Report(
        "voluntary",
        "Voluntary vs non-payment",
        period,
        before,
        headline,
        table,
        Chart("Cancellations by month", "month", ("voluntary", "non_payment")),
        summary,
        notes=("Voluntary: buyout or non-renewal. Non-payment: sent to collections.",),
    )


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value}%"
