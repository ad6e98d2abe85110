"""The floor the data layer is measured against: the same answers, by hand-written SQL sent
straight through the database driver (sqlite3 or psycopg2) on a connection kept open.

Sections: one aggregate query per table, the counting a team lead's Cancellation Tool needs
(the customer, its pending cancellation, its reasons, its future expiries, and the total and
blocking records of each of the five kinds). Blocking records: one keyset query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bench.generate import TABLE_NAMES


class Cursor(Protocol):
    def execute(self, sql: str, params: Any = ..., /) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


# How each kind's blocking records are told, as a person would write it for each database.
BLOCKING = {
    "sqlite": {
        "assets": "live = 1 OR cease_date IS NULL",
        "cases": "closed = 0",
        "opportunities": "stage NOT IN ('Won', 'Lost', 'Cancelled')",
        "quotations": "status NOT IN ('Won', 'Lost', 'Expired', 'Cancelled')",
        "sales_orders": "status NOT IN ('Completed', 'Cancelled')",
    },
    "postgres": {
        "assets": "live OR cease_date IS NULL",
        "cases": "NOT closed",
        "opportunities": "stage NOT IN ('Won', 'Lost', 'Cancelled')",
        "quotations": "status NOT IN ('Won', 'Lost', 'Expired', 'Cancelled')",
        "sales_orders": "status NOT IN ('Completed', 'Cancelled')",
    },
}


class Floor:
    """Hand-written queries for one open DB-API connection."""

    def __init__(self, connection: Any, dialect: str) -> None:
        self.connection = connection
        self.dialect = dialect
        self.cursor: Cursor = connection.cursor()
        mark = "?" if dialect == "sqlite" else "%s"
        blocking = BLOCKING[dialect]
        self.record_sql = {}
        for kind, table in TABLE_NAMES.items():
            # The fastest way found to count both at once on either database (SQLite reads a
            # FILTER a fifth faster than a SUM of the condition).
            self.record_sql[kind] = (
                f"SELECT COUNT(*), COUNT(*) FILTER (WHERE {blocking[kind]}) "
                f'FROM "{table}" WHERE customer_id = {mark}'
            )
        self.customer_sql = f"SELECT id, time_zone FROM customer WHERE account = {mark}"
        self.cancellation_sql = (
            "SELECT id, new_owner_id FROM cancellation "
            f"WHERE customer_id = {mark} AND state = 'pending'"
        )
        self.reasons_sql = (
            f"SELECT COUNT(*) FROM cancellation_reason WHERE cancellation_id = {mark}"
        )
        self.expiry_sql = (
            f"SELECT COUNT(*), MIN(date) FROM expiry WHERE customer_id = {mark} AND date > {mark}"
        )
        # What the Cancellation Tool shows besides the counts, read as a person would write it.
        self.customer_detail_sql = (
            "SELECT c.id, c.time_zone, c.account, c.name, c.status, c.customer_type, "
            "c.admin_name, c.admin_email, c.created_at, c.updated_at, c.version, "
            'u.display_name, u.login FROM customer c LEFT JOIN "user" u '
            f"ON u.id = c.owner_id WHERE c.account = {mark}"
        )
        self.cancellation_detail_sql = (
            "SELECT k.*, b.display_name, n.display_name, n.login, p.display_name "
            'FROM cancellation k JOIN "user" b ON b.id = k.begun_by_id '
            'LEFT JOIN "user" n ON n.id = k.new_owner_id '
            'LEFT JOIN "user" p ON p.id = k.processed_by_id '
            f"WHERE k.customer_id = {mark} AND k.state = 'pending'"
        )
        self.reason_names_sql = (
            "SELECT r.id, r.name FROM reason r JOIN cancellation_reason l ON l.reason_id = r.id "
            f"WHERE l.cancellation_id = {mark} ORDER BY r.position, r.name"
        )
        self.notify_sql = (
            'SELECT u.display_name, u.login FROM "user" u JOIN notify_user l ON l.user_id = u.id '
            f"WHERE l.cancellation_id = {mark} ORDER BY u.display_name"
        )
        self.blocking_sql = (
            'SELECT id, customer_id, name, start_date, live, cease_date FROM "asset" '
            f"WHERE customer_id = {mark} AND ({blocking['assets']}) AND id > {mark} "
            f"ORDER BY id LIMIT {mark}"
        )

    def _one(self, sql: str, *params: Any) -> Any:
        self.cursor.execute(sql, params)
        return self.cursor.fetchone()

    def sections(self, account: str) -> dict[str, Any]:
        """Every count the Cancellation Tool's sections are made of."""
        customer_id, zone = self._one(self.customer_sql, account)
        pending = self._one(self.cancellation_sql, customer_id)
        reasons = self._one(self.reasons_sql, pending[0])[0] if pending else 0
        today = dt.datetime.now(ZoneInfo(zone)).date()
        expiries = self._one(self.expiry_sql, customer_id, today.isoformat())[0]
        counts = {
            kind: tuple(int(n) for n in self._one(sql, customer_id))
            for kind, sql in self.record_sql.items()
        }
        return {
            "customer_id": customer_id,
            "reasons": int(reasons),
            "owner_chosen": bool(pending and pending[1]),
            "expiries": int(expiries),
            "records": counts,
        }

    def tool_reads(self, account: str) -> dict[str, Any]:
        """What tool_view returns: the customer and its owner, the pending cancellation with its
        people, reasons and notify list, and the same counts as ``sections``."""
        self.cursor.execute(self.customer_detail_sql, (account,))
        customer = self.cursor.fetchone()
        customer_id, zone = customer[0], customer[1]
        self.cursor.execute(self.cancellation_detail_sql, (customer_id,))
        pending = self.cursor.fetchone()
        reasons: list[Any] = []
        notify: list[Any] = []
        if pending:
            self.cursor.execute(self.reason_names_sql, (pending[0],))
            reasons = self.cursor.fetchall()
            self.cursor.execute(self.notify_sql, (pending[0],))
            notify = self.cursor.fetchall()
        today = dt.datetime.now(ZoneInfo(zone)).date()
        expiries = self._one(self.expiry_sql, customer_id, today.isoformat())[0]
        counts = {
            kind: tuple(int(n) for n in self._one(sql, customer_id))
            for kind, sql in self.record_sql.items()
        }
        return {
            "customer": customer,
            "cancellation": pending,
            "reasons": reasons,
            "notify": notify,
            "expiries": int(expiries),
            "records": counts,
        }

    def blocking_assets(self, customer_id: int, after_id: int = 0, limit: int = 100) -> list[int]:
        """The ids of a page of the customer's blocking assets (all columns are read)."""
        self.cursor.execute(self.blocking_sql, (customer_id, after_id, limit))
        return [row[0] for row in self.cursor.fetchall()]
