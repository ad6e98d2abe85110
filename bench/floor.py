"""The floor the data layer is measured against: the same answers, by hand-written SQL sent
straight through the database driver (sqlite3 or psycopg2) on a connection kept open.

Sections: what ``rules.evaluate`` reads, one query each (the customer, its pending cancellation,
its reason names and new owner, its future expiries, the total and blocking records of each of
the five kinds, Retention's note or latest save attempt and Approval's linked cancel request,
the scenario's confirmed steps, the latest offboarding notice and the latest sent one, and the
timeline's facts: ticked tasks and sign-offs, and its e-mails). The tool's
reads add the customer's owner, the cancellation's people and notify list, and the invoices.
Blocking records: one keyset query. Bulk changes: one transaction with one executemany UPDATE
(on PostgreSQL psycopg2's fast form: one UPDATE joined on a VALUES list of the rows) and one
multi-row INSERT of the audit rows, each row hash-chained by ``data.chain`` as the data
layer chains it.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from bench.generate import TABLE_NAMES
from data.chain import CONTENT_COLUMNS, event_hash
from data.sections import SectionKey
from data.timeline.facts import email_kind
from data.timeline.plan import current_plan


class Cursor(Protocol):
    def execute(self, sql: str, params: Any = ..., /) -> Any: ...
    def executemany(self, sql: str, params: Any, /) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


# How each kind's blocking records are told, as a person would write it for each database.
BLOCKING: dict[str, dict[str, str]] = {
    "sqlite": {
        SectionKey.ASSETS: "live = 1 OR cease_date IS NULL",
        SectionKey.CASES: "closed = 0",
        SectionKey.OPPORTUNITIES: "stage NOT IN ('Won', 'Lost', 'Cancelled')",
        SectionKey.QUOTATIONS: "status NOT IN ('Won', 'Lost', 'Expired', 'Cancelled')",
        SectionKey.SALES_ORDERS: "status NOT IN ('Completed', 'Cancelled')",
    },
    "postgres": {
        SectionKey.ASSETS: "live OR cease_date IS NULL",
        SectionKey.CASES: "NOT closed",
        SectionKey.OPPORTUNITIES: "stage NOT IN ('Won', 'Lost', 'Cancelled')",
        SectionKey.QUOTATIONS: "status NOT IN ('Won', 'Lost', 'Expired', 'Cancelled')",
        SectionKey.SALES_ORDERS: "status NOT IN ('Completed', 'Cancelled')",
    },
}
AUDIT_COLUMNS = (*CONTENT_COLUMNS, "previous_hash", "event_hash")  # as data.audit writes them
CHAIN_LOCK = 7305008  # data.audit's advisory lock on the chain (PostgreSQL)


def _json(values: dict[str, Any]) -> str:
    """An audit row's before or after, as data.audit writes it."""
    return json.dumps(values, sort_keys=True)


class Floor:
    """Hand-written queries for one open DB-API connection (in autocommit mode)."""

    def __init__(self, connection: Any, dialect: str) -> None:
        self.connection = connection
        self.dialect = dialect
        self.cursor: Cursor = connection.cursor()
        mark = self.mark = "?" if dialect == "sqlite" else "%s"
        blocking = self.blocking = BLOCKING[dialect]
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
            f"SELECT * FROM cancellation WHERE customer_id = {mark} AND state = 'pending'"
        )
        self.owner_sql = f'SELECT display_name FROM "user" WHERE id = {mark}'
        self.expiry_sql = (
            f"SELECT COUNT(*), MIN(date) FROM expiry WHERE customer_id = {mark} AND date > {mark}"
        )
        self.steps_sql = (
            'SELECT s.step, u.display_name, s.done_at, s.note FROM scenario_step s JOIN "user" u '
            f"ON u.id = s.done_by_id WHERE s.cancellation_id = {mark}"
        )
        notice = (
            "SELECT id, status, recipients, sent_at, created_at, last_error FROM outbox_message "
            f"WHERE cancellation_id = {mark} AND kind = 'offboarding-notice' "
            "AND audience = 'customer'"
        )
        self.notice_sql = f"{notice} ORDER BY id DESC LIMIT 1"
        self.sent_notice_sql = f"{notice} AND status = 'sent' ORDER BY id DESC LIMIT 1"
        self.completions_sql = (
            "SELECT c.kind, c.key, u.display_name, c.done_at, c.note FROM completion c "
            f'JOIN "user" u ON u.id = c.done_by_id WHERE c.cancellation_id = {mark}'
        )
        kinds = sorted(
            {email_kind(task.template) for task in current_plan().tasks if task.template}
        )
        self.emails_sql = (
            "SELECT o.kind, o.status, u.display_name, o.created_at, o.recipients "
            'FROM outbox_message o LEFT JOIN "user" u ON u.id = o.created_by_id '
            f"WHERE o.cancellation_id = {mark} AND o.kind IN ({', '.join(repr(k) for k in kinds)}) "
            "AND o.status IN ('queued', 'sending', 'sent') ORDER BY o.id"
        )
        # What the Cancellation Tool shows besides the sections, read as a person would write it.
        self.customer_detail_sql = (
            "SELECT c.id, c.time_zone, c.account, c.name, c.status, c.customer_type, "
            "c.admin_name, c.admin_email, c.billing_status, c.modules, c.created_at, "
            'c.updated_at, c.version, u.display_name, u.login FROM customer c LEFT JOIN "user" u '
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
        self.invoices_sql = (
            "SELECT COUNT(*), "
            f"COUNT(*) FILTER (WHERE status != 'paid' AND due_date < {mark}), "
            f"COALESCE(SUM(amount) FILTER (WHERE status != 'paid' AND due_date < {mark}), 0), "
            "COALESCE(SUM(amount) FILTER (WHERE status != 'paid'), 0) "
            f"FROM invoice WHERE customer_id = {mark}"
        )
        # Retention (issue 15): the note why no save attempt was made, else the customer's
        # latest attempt with its author; Approval: the cancel request the cancellation is
        # linked to, else the customer's latest one it would link to, in one query.
        self.retention_note_sql = f"SELECT note FROM retention_note WHERE cancellation_id = {mark}"
        self.attempt_sql = (
            'SELECT s.id, s.outcome, s.at, u.display_name FROM save_attempt s LEFT JOIN "user" u '
            f"ON u.id = s.by_id WHERE s.customer_id = {mark} ORDER BY s.at DESC, s.id DESC LIMIT 1"
        )
        self.request_sql = (
            "SELECT id, state, decided_at, step, chain FROM change_request "
            f"WHERE cancellation_id = {mark} OR (customer_id = {mark} AND kind = 'cancel' "
            "AND cancellation_id IS NULL AND state != 'recalled') "
            "ORDER BY cancellation_id IS NULL, id DESC LIMIT 1"
        )
        self.blocking_sql = (
            'SELECT id, customer_id, name, start_date, live, cease_date FROM "asset" '
            f"WHERE customer_id = {mark} AND ({blocking[SectionKey.ASSETS]}) AND id > {mark} "
            f"ORDER BY id LIMIT {mark}"
        )

    def _one(self, sql: str, *params: Any) -> Any:
        self.cursor.execute(sql, params)
        return self.cursor.fetchone()

    def _all(self, sql: str, *params: Any) -> list[Any]:
        self.cursor.execute(sql, params)
        return self.cursor.fetchall()

    def _counts(self, customer_id: int, zone: str) -> dict[str, Any]:
        today = dt.datetime.now(ZoneInfo(zone)).date()
        expiries = self._one(self.expiry_sql, customer_id, today.isoformat())[0]
        counts = {
            kind: tuple(int(n) for n in self._one(sql, customer_id))
            for kind, sql in self.record_sql.items()
        }
        return {"today": today, "expiries": int(expiries), "records": counts}

    def _progress(self, cancellation_id: int) -> dict[str, Any]:
        """The scenario's steps, the offboarding notices and the timeline's facts."""
        return {
            "steps": self._all(self.steps_sql, cancellation_id),
            "sent_notice": self._one(self.sent_notice_sql, cancellation_id),
            "notice": self._one(self.notice_sql, cancellation_id),
            "completions": self._all(self.completions_sql, cancellation_id),
            "emails": self._all(self.emails_sql, cancellation_id),
        }

    def _retention(self, customer_id: int, cancellation_id: int | None) -> dict[str, Any]:
        """The Retention section's note or latest save attempt, and Approval's cancel request."""
        note = None
        if cancellation_id is not None:
            note = self._one(self.retention_note_sql, cancellation_id)
        found: dict[str, Any] = {"retention_note": note, "attempt": None, "request": None}
        if note is None:
            found["attempt"] = self._one(self.attempt_sql, customer_id)
        if cancellation_id is not None:
            found["request"] = self._one(self.request_sql, cancellation_id, customer_id)
        return found

    def sections(self, account: str) -> dict[str, Any]:
        """Everything the sections of ``rules.evaluate`` are made of."""
        customer_id, zone = self._one(self.customer_sql, account)
        self.cursor.execute(self.cancellation_sql, (customer_id,))
        pending = self.cursor.fetchone()
        found: dict[str, Any] = {"customer_id": customer_id, "reasons": [], "owner": None}
        if pending:
            names = [column[0] for column in self.cursor.description]
            cancellation = dict(zip(names, pending, strict=True))
            found["reasons"] = self._all(self.reason_names_sql, cancellation["id"])
            if cancellation["new_owner_id"] is not None:
                found["owner"] = self._one(self.owner_sql, cancellation["new_owner_id"])[0]
        found.update(self._counts(customer_id, zone))
        found.update(self._retention(customer_id, cancellation["id"] if pending else None))
        if pending:
            found.update(self._progress(cancellation["id"]))
        return found

    def tool_reads(self, account: str) -> dict[str, Any]:
        """What tool_view returns: the customer and its owner, the pending cancellation with its
        people, reasons and notify list, the invoices, and everything ``sections`` reads."""
        customer = self._one(self.customer_detail_sql, account)
        customer_id, zone = customer[0], customer[1]
        pending = self._one(self.cancellation_detail_sql, customer_id)
        found: dict[str, Any] = {
            "customer": customer,
            "cancellation": pending,
            "reasons": [],
            "notify": [],
        }
        if pending:
            found["reasons"] = self._all(self.reason_names_sql, pending[0])
            found["notify"] = self._all(self.notify_sql, pending[0])
        found.update(self._counts(customer_id, zone))
        found.update(self._retention(customer_id, pending[0] if pending else None))
        if pending:
            found.update(self._progress(pending[0]))
        today = found["today"].isoformat()
        found["invoices"] = self._one(self.invoices_sql, today, today, customer_id)
        return found

    def blocking_assets(self, customer_id: int, after_id: int = 0, limit: int = 100) -> list[int]:
        """The ids of a page of the customer's blocking assets (all columns are read)."""
        self.cursor.execute(self.blocking_sql, (customer_id, after_id, limit))
        return [row[0] for row in self.cursor.fetchall()]

    # ------------------------------------------------------------------------- bulk changes

    def cease_assets(
        self, customer_id: int, actor_id: int, cancellation_id: int, cease_date: dt.date
    ) -> int:
        """Cease every blocking asset of the customer, audited: what ``cease_assets`` writes."""
        after = {"cease_date": cease_date.isoformat(), "live": False}
        day: Any = cease_date.isoformat() if self.dialect == "sqlite" else cease_date
        return self._bulk(
            f"SELECT id, live, cease_date FROM asset WHERE customer_id = {self.mark} "
            f"AND ({self.blocking[SectionKey.ASSETS]}) ORDER BY id",
            ("asset", ("live", "cease_date")),
            lambda pk: (False, day, pk),
            lambda row: {"cease_date": _day(row[2]), "live": bool(row[1])},
            after,
            (customer_id, actor_id, cancellation_id, "cease asset", "asset"),
        )

    def close_cases(self, customer_id: int, actor_id: int, cancellation_id: int) -> int:
        """Close every open case of the customer, audited: what ``close_records`` writes."""
        return self._bulk(
            f'SELECT id, status FROM "case" WHERE customer_id = {self.mark} '
            f"AND ({self.blocking[SectionKey.CASES]}) ORDER BY id",
            ("case", ("status", "closed")),
            lambda pk: ("Closed", True, pk),
            lambda row: {"status": str(row[1])},
            {"status": "Closed"},
            (customer_id, actor_id, cancellation_id, "close case", "case"),
        )

    def _bulk(
        self,
        select: str,
        update: tuple[str, tuple[str, ...]],
        values: Any,
        before: Any,
        after: dict[str, Any],
        event: tuple[int, int, int, str, str],
    ) -> int:
        customer_id, actor_id, cancellation_id, action, record_kind = event
        cursor = self.cursor
        cursor.execute("BEGIN IMMEDIATE" if self.dialect == "sqlite" else "BEGIN")
        try:
            rows = self._all(select, customer_id)
            changes = [values(row[0]) for row in rows]
            table, columns = update
            if self.dialect == "sqlite":
                assigned = ", ".join(f"{column} = ?" for column in columns)
                cursor.executemany(f'UPDATE "{table}" SET {assigned} WHERE id = ?', changes)
            else:
                # psycopg2's executemany sends one statement per row; its fast form sends the
                # rows as one VALUES list that the UPDATE joins on.
                from psycopg2.extras import execute_values  # type: ignore[import-untyped]

                assigned = ", ".join(f"{column} = v.{column}" for column in columns)
                execute_values(
                    cursor,
                    f'UPDATE "{table}" AS t SET {assigned} FROM (VALUES %s) '
                    f"AS v({', '.join(columns)}, id) WHERE t.id = v.id",
                    changes,
                    page_size=len(changes) or 1,
                )
            if self.dialect == "postgres":
                cursor.execute(f"SELECT pg_advisory_xact_lock({CHAIN_LOCK})")
            last = self._one("SELECT event_hash FROM audit_event ORDER BY id DESC LIMIT 1")
            previous = last[0] if last else ""
            at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
            after_text = _json(after)
            events = []
            for row in rows:
                content = {
                    "at": at,
                    "actor_id": actor_id,
                    "customer_id": customer_id,
                    "cancellation_id": cancellation_id,
                    "action": action,
                    "record_kind": record_kind,
                    "record_id": row[0],
                    "before": _json(before(row)),
                    "after": after_text,
                }
                hashed = event_hash(previous, content)
                events.append((*content.values(), previous, hashed))
                previous = hashed
            self._insert_audit(events, str(at) if self.dialect == "sqlite" else at)
            cursor.execute("COMMIT")
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        return len(rows)

    def _insert_audit(self, events: list[tuple[Any, ...]], at: Any) -> None:
        """One multi-row INSERT (SQLite: as many rows as its limit on parameters allows)."""
        columns = ", ".join(f'"{column}"' for column in AUDIT_COLUMNS)
        one = "(" + ", ".join([self.mark] * len(AUDIT_COLUMNS)) + ")"
        if self.dialect == "sqlite":
            limit = self.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
            per = limit // len(AUDIT_COLUMNS)
        else:
            per = len(events)
        for start in range(0, len(events), per):
            batch = events[start : start + per]
            params = [value for row in batch for value in (at, *row[1:])]
            self.cursor.execute(
                f"INSERT INTO audit_event ({columns}) VALUES {', '.join([one] * len(batch))}",
                params,
            )


def _day(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else value.isoformat()
