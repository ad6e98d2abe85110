"""The first two steps of an import: the users (``User.csv``) and the accounts (``Account.csv``,
offboard's customers), which the records point at; and the ``Run`` they share with the record
steps: the folder, the mapping, the errors found so far, the summaries, and how rows are
written (one executemany per chunk)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data import audit, clock
from data.crm.mapping import Mapping
from data.crm.reading import ExportFile, RowError, boolean, text
from data.crm.summary import ObjectSummary
from data.dates import is_time_zone
from data.db import database, is_sqlite
from data.errors import clip, printable
from data.models import Customer, CustomerStatus, User, name_key

ERROR_LIMIT = 1000  # errors listed; past it, one line says how many more there were
ID_LIMIT = 18


@dataclass
class Run:
    """One import's shared state."""

    folder: Path
    mapping: Mapping
    today: dt.date
    progress: Callable[[str, int, int | None], None]
    actor: User
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    summaries: list[ObjectSummary] = field(default_factory=list)
    accounts: dict[str, int] = field(default_factory=dict)  # Salesforce Id → customer id
    users: dict[str, int] = field(default_factory=dict)  # Salesforce Id → user id
    user_file: bool = False
    events: list[dict[str, Any]] = field(default_factory=list)  # audit rows of changed customers

    def error(self, file: str, line: int, problem: str) -> None:
        self.report(f"{file}:{line}: {problem}")

    def report(self, message: str) -> None:
        """Note one error (``File.csv:LINE: what is wrong; how to fix it``)."""
        self.error_count += 1
        if len(self.errors) < ERROR_LIMIT:
            self.errors.append(printable(message))

    def listed_errors(self) -> list[str]:
        more = self.error_count - len(self.errors)
        return (
            [*self.errors, f"… and {more:,} more errors not listed."]
            if more > 0
            else list(self.errors)
        )

    @staticmethod
    def getter(export: ExportFile, fields: list[str]) -> Callable[[str], str]:
        columns = export.columns

        def get(name: str) -> str:
            index = columns.get(name.casefold())
            return "" if index is None else fields[index]

        return get

    @staticmethod
    def deleted(get: Callable[[str], str]) -> bool:
        return get("IsDeleted").strip().casefold() == "true"

    @staticmethod
    def external_id(get: Callable[[str], str]) -> str:
        value = get("Id").strip()
        if not value or len(value) > ID_LIMIT or not value.isalnum():
            raise RowError(
                f"Id '{clip(value)}' is not a Salesforce Id; export the row with its Id."
            )
        return value

    def existing_extent(self, table: str) -> tuple[int, int]:
        """The table's largest id now, and how many of its rows have an external id."""
        row = database.execute_sql(f'SELECT MAX(id), COUNT(external_id) FROM "{table}"').fetchone()
        return int(row[0] or 0), int(row[1] or 0)

    def insert(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        names = ", ".join(f'"{name}"' for name in columns)
        cursor = database.cursor()
        if is_sqlite():
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', rows)
        else:
            from psycopg2.extras import execute_values  # type: ignore[import-untyped]

            execute_values(
                cursor, f'INSERT INTO "{table}" ({names}) VALUES %s', rows, page_size=len(rows)
            )

    def update(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Rows of (values…, id)."""
        if not rows:
            return
        p = database.param
        assigned = ", ".join(f'"{name}" = {p}' for name in columns)
        database.cursor().executemany(f'UPDATE "{table}" SET {assigned} WHERE id = {p}', rows)


def import_users(run: Run) -> None:
    """``User.csv``: login = Username before the @, lower-cased; nobody gets a role; IsActive
    false makes (or keeps) the user inactive. A user already in offboard is matched by external
    id, else by login."""
    existing = {
        str(user.external_id): user for user in User.select().where(User.external_id.is_null(False))
    }
    run.users = {external: int(user.id) for external, user in existing.items()}
    export = ExportFile(run.folder, "User")
    if not export.exists:
        return
    run.user_file = True
    summary = ObjectSummary("User")
    run.summaries.append(summary)
    matched: set[str] = set()
    logins: dict[str, int] = {}
    for line, fields in export.rows(("Id", "Username"), run.report):
        summary.read += 1
        get = run.getter(export, fields)
        if run.deleted(get):
            summary.skipped_deleted += 1
            continue
        try:
            external = run.external_id(get)
            username = text(get("Username"), "Username", 254, cut=False)
            login = username.split("@")[0].strip().lower()
            if not login or len(login) > 64:
                raise RowError(f"Username '{clip(username)}' gives no login of 1 to 64 characters.")
            name = " ".join(f"{get('FirstName').strip()} {get('LastName').strip()}".split())
            name = text(name, "FirstName and LastName", 120) or login
            email = text(get("Email"), "Email", 254)
            active = boolean(get("IsActive") or "true", "IsActive")
        except RowError as error:
            run.error(export.name, line, str(error))
            continue
        if external in matched:
            run.error(export.name, line, f"Id {external} is given twice; keep one row.")
            continue
        if login in logins:
            run.error(
                export.name,
                line,
                f"Username {clip(username)} gives the login '{login}', as line {logins[login]} "
                "does; offboard logins must differ.",
            )
            continue
        logins[login] = line
        matched.add(external)
        user = existing.get(external) or User.get_or_none(User.login == login)
        if user is not None and user.external_id not in (None, external):
            run.error(
                export.name,
                line,
                f"the login '{login}' is already the user imported from Id {user.external_id}; "
                "change the Username or the offboard login.",
            )
            continue
        if user is None:
            made = User.create(
                login=login,
                display_name=name,
                email=email,
                roles="",
                active=active,
                external_id=external,
            )
            run.users[external] = int(made.id)
            summary.added += 1
            continue
        run.users[external] = int(user.id)
        wanted = {
            "login": login,
            "display_name": name,
            "email": email,
            "active": bool(user.active) and active,  # an offboard deactivation stays
            "external_id": external,
        }
        if all(getattr(user, key) == value for key, value in wanted.items()):
            summary.unchanged += 1
        else:
            User.update(**wanted).where(User.id == user.id).execute()
            summary.updated += 1
    summary.gone_from_crm = len(set(existing) - matched)


def import_accounts(run: Run) -> None:
    """``Account.csv``: each account is a customer (account number = AccountNumber, or Id when
    it is empty; owner = the user whose Id is OwnerId). A customer already in offboard is
    matched by external id, else by account number. One that is Live (PC) or Cancelled keeps
    its status and owner (counted as resolved here); a changed customer gets a new version
    and an audit event."""
    by_external: dict[str, Any] = {}
    by_account: dict[str, Any] = {}
    columns = (
        Customer.id,
        Customer.account,
        Customer.external_id,
        Customer.name,
        Customer.owner,
        Customer.status,
        Customer.time_zone,
        Customer.version,
    )
    for row in Customer.select(*columns).tuples().iterator():
        by_account[str(row[1])] = row
        if row[2] is not None:
            by_external[str(row[2])] = row
    run.accounts = {external: int(row[0]) for external, row in by_external.items()}
    export = ExportFile(run.folder, "Account")
    summary = ObjectSummary("Account")
    run.summaries.append(summary)
    matched: set[str] = set()
    numbers: dict[str, int] = {}
    now = clock.now()
    zone_column = run.mapping.time_zone_column
    inserts: list[tuple[Any, ...]] = []
    for line, fields in export.rows(("Id", "Name", "OwnerId"), run.report):
        summary.read += 1
        if summary.read % 1000 == 0:
            run.progress("Account", summary.read, None)
        get = run.getter(export, fields)
        if run.deleted(get):
            summary.skipped_deleted += 1
            continue
        try:
            external = run.external_id(get)
            number = text(get("AccountNumber"), "AccountNumber", 32, cut=False) or external
            name = text(get("Name"), "Name", 200)
            if not name:
                raise RowError("Name is empty; give the account its name.")
            owner_id = get("OwnerId").strip()
            owner = run.users.get(owner_id)
            if owner is None and owner_id and run.user_file:
                raise RowError(
                    f"OwnerId {clip(owner_id)} is not in User.csv; export every user, or "
                    "give the account an owner who is."
                )
            zone = get(zone_column).strip() if zone_column else ""
            if zone and not is_time_zone(zone):
                raise RowError(f"{zone_column} '{clip(zone)}' is not a time zone (Europe/Berlin).")
        except RowError as error:
            run.error(export.name, line, str(error))
            continue
        if external in matched:
            run.error(export.name, line, f"Id {external} is given twice; keep one row.")
            continue
        if number in numbers:
            run.error(
                export.name,
                line,
                f"account number {number} is given twice (first on line {numbers[number]}); "
                "account numbers must differ.",
            )
            continue
        matched.add(external)
        numbers[number] = line
        mine = by_external.get(external)
        holder = by_account.get(number)
        clash = holder is not None and mine is not None and holder is not mine
        found = mine or holder
        if clash or (found is not None and found[2] not in (None, external)):
            other = holder if clash else found
            assert other is not None
            where = f"the customer imported from Id {other[2]}" if other[2] else str(other[3])
            run.error(
                export.name,
                line,
                f"account number {number} is already {where}'s; give one of them another "
                "AccountNumber.",
            )
            continue
        if found is None:
            inserts.append(
                (
                    number,
                    name,
                    name_key(name),
                    CustomerStatus.LIVE,
                    "Customer",
                    owner,
                    zone or run.mapping.time_zone,
                    "",
                    "",
                    "Current",
                    "",
                    now,
                    now,
                    1,
                    external,
                )
            )
            summary.added += 1
            if len(inserts) >= 900:
                _insert_customers(run, inserts)
            continue
        pk, _, _, was_name, was_owner, status, was_zone, version = found
        run.accounts[external] = int(pk)
        kept = status != CustomerStatus.LIVE
        if kept:
            summary.resolved_here += 1
        wanted: dict[str, Any] = {"account": number, "name": name, "external_id": external}
        if not kept:
            wanted["owner_id"] = owner
        if zone:
            wanted["time_zone"] = zone
        was = {
            "account": found[1],
            "name": was_name,
            "external_id": found[2],
            "owner_id": was_owner,
            "time_zone": was_zone,
        }
        changed = {key: value for key, value in wanted.items() if was[key] != value}
        if not changed:
            if not kept:
                summary.unchanged += 1
            continue
        Customer.update(
            **changed, name_key=name_key(name), version=int(version) + 1, updated_at=now
        ).where(Customer.id == pk).execute()
        run.events.append(
            {
                **audit.event(
                    run.actor, "import customer", before={k: was[k] for k in changed}, after=changed
                ),
                "customer": int(pk),
            }
        )
        if not kept:
            summary.updated += 1
    _insert_customers(run, inserts)
    summary.gone_from_crm = len(set(by_external) - matched)


def _insert_customers(run: Run, rows: list[tuple[Any, ...]]) -> None:
    columns = (
        "account",
        "name",
        "name_key",
        "status",
        "customer_type",
        "owner_id",
        "time_zone",
        "admin_name",
        "admin_email",
        "billing_status",
        "modules",
        "created_at",
        "updated_at",
        "version",
        "external_id",
    )
    run.insert("customer", columns, rows)
    if rows:
        externals = [row[-1] for row in rows]
        p = database.param
        for pk, external in database.execute_sql(
            f'SELECT id, external_id FROM "customer" WHERE external_id IN ({", ".join([p] * len(externals))})',
            externals,
        ).fetchall():
            run.accounts[str(external)] = int(pk)
    rows.clear()
