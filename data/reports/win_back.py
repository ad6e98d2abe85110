"""Win-back: the cancelled customers whose future expiry (seed 002: the date a telesales owner
follows up) falls in the period, by owner, with the reasons they left and the save attempts
made — the telesales user's call list. One query (reasons and attempts as subqueries)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from data.db import database, is_sqlite
from data.models import CustomerStatus
from data.reports import saves
from data.reports.model import Chart, Report, Table, columns, count_word
from data.reports.period import Period
from data.reports.sql import sql

SEPARATOR = "\x1f"
NO_OWNER = "(no owner)"


def _reasons() -> str:
    joined = (
        "group_concat(r.name, char(31))" if is_sqlite() else "string_agg(DISTINCT r.name, chr(31))"
    )
    return f"""(SELECT {joined}
      FROM cancellation c
      JOIN cancellation_reason cr ON cr.cancellation_id = c.id
      JOIN reason r ON r.id = cr.reason_id
      WHERE c.customer_id = cu.id AND c.state = 'processed')"""


def _query(mine: bool) -> str:
    only = "AND u.login = ?" if mine else ""
    return f"""
SELECT u.display_name, u.login, cu.account, cu.name, e.date, e.note,
       {_reasons()} AS reasons, {saves.attempts_subquery("cu.id")} AS attempts
FROM expiry e
JOIN customer cu ON cu.id = e.customer_id
LEFT JOIN "user" u ON u.id = cu.owner_id
WHERE cu.status = ? AND e.date >= ? AND e.date <= ? {only}
ORDER BY u.display_name, e.date, cu.account
"""


def win_back(period: Period, login: str | None = None) -> Report:
    """The call list; ``login``: only the customers that user owns (``--mine``)."""
    params: list[Any] = [CustomerStatus.CANCELLED, period.start, period.end]
    if login is not None:
        params.append(login)
    cursor = database.execute_sql(sql(_query(login is not None)), params)
    rows: list[dict[str, Any]] = []
    for owner, owner_login, account, name, date, note, reasons, attempts in cursor.fetchall():
        rows.append(
            {
                "owner": owner or NO_OWNER,
                "owner_login": owner_login or "",
                "account": account,
                "customer": name,
                "expiry": date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date)),
                "note": note or "",
                "reasons": sorted(
                    set(str(reasons or "").split(SEPARATOR)) - {""}, key=str.casefold
                ),
                "save_attempts": int(attempts or 0),
            }
        )
    by_owner = Counter(row["owner"] for row in rows)
    owners = Table(
        "by_owner",
        "Customers to call back, by owner",
        columns(("owner", "Owner"), ("customers", "Customers")),
        [{"owner": owner, "customers": count} for owner, count in sorted(by_owner.items())],
    )
    whose = f" owned by {login}" if login is not None else ""
    headline = (
        f"{count_word(len(rows), 'cancelled customer')}{whose} to call back between "
        f"{period.start.isoformat()} and {period.end.isoformat()}, "
        f"{count_word(len(by_owner), 'owner')}"
    )
    table = Table(
        "call_list",
        "Call list",
        columns(
            ("owner", "Owner"),
            ("expiry", "Follow up"),
            ("account", "Account"),
            ("customer", "Customer"),
            ("reasons", "Reasons"),
            ("save_attempts", "Save attempts"),
            ("note", "Note"),
        ),
        rows,
    )
    return Report(
        "win-back",
        "Win-back call list",
        period,
        None,
        headline,
        table,
        Chart("Customers to call back, by owner", "owner", ("customers",), table="by_owner"),
        {"customers": len(rows), "owners": len(by_owner)},
        (owners,),
        notes=("Follow up: the customer's future expiry date, set when it was cancelled.",),
    )
