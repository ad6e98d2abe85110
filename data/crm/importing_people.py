"""The first two steps of an import: the users (``User.csv``) and the accounts (``Account.csv``,
offboard's customers), which the records point at; and the ``Run`` they share with the record
steps: the folder, the mapping, the errors found so far, the summaries, and how rows are read
and written chunk by chunk (one look-up and one executemany per chunk; a temporary table marks
the rows already there that the run matched), so memory is flat in the number of rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from data import audit, clock
from data.crm.mapping import Mapping
from data.crm.reading import ExportFile, RowError, boolean, text
from data.crm.summary import ObjectSummary
from data.customer_search import index_accounts, index_name_words
from data.dates import is_time_zone
from data.db import database, is_sqlite
from data.errors import clip, printable
from data.models import Customer, CustomerStatus, User, name_key

ERROR_LIMIT = 1000  # errors listed; past it, one line says how many more there were
ID_LIMIT = 18
CHUNK = 900  # rows per chunk: its ids fit one IN (...) under SQLite's old limit of 999
SEEN = "crm_import_seen"  # temporary table: the rows already there that this run matched

Parsed = TypeVar("Parsed")
Entry = str | tuple[int, Parsed]  # an error ("File.csv:LINE: …") or a parsed row with its line


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

    def chunks(
        self,
        export: ExportFile,
        required: Sequence[str],
        parse: Callable[[int, Callable[[str], str]], Parsed | None],
        size: int,
    ) -> Iterator[list[Entry[Parsed]]]:
        """The file's rows parsed, ``size`` rows at a time, with the errors found on the way in
        their place (parse raises RowError; None skips the row)."""
        chunk: list[Entry[Parsed]] = []
        rows = 0

        def report(message: str) -> None:
            chunk.append(message)

        for line, fields in export.rows(required, report):
            try:
                parsed = parse(line, self.getter(export, fields))
            except RowError as error:
                chunk.append(f"{export.name}:{line}: {error}")
                continue
            if parsed is None:
                continue
            chunk.append((line, parsed))
            rows += 1
            if rows >= size:
                yield chunk
                chunk, rows = [], 0
        if chunk:
            yield chunk

    def start_seen(self) -> None:
        """An empty temporary table for the rows already there that this run matched: a second
        match is a duplicate Id, and what was never matched is gone from the CRM."""
        database.execute_sql(
            f'CREATE TEMPORARY TABLE IF NOT EXISTS "{SEEN}" (kind VARCHAR(32) NOT NULL, '
            "row_id BIGINT NOT NULL, PRIMARY KEY (kind, row_id))"
        )
        database.execute_sql(f'DELETE FROM "{SEEN}"')

    def end_seen(self) -> None:
        database.execute_sql(f'DROP TABLE "{SEEN}"')

    def mark_seen(self, table: str, ids: Iterable[int]) -> None:
        p = database.param
        rows = [(table, pk) for pk in ids]
        if rows:
            database.cursor().executemany(
                f'INSERT INTO "{SEEN}" (kind, row_id) VALUES ({p}, {p})', rows
            )

    def select_with_seen(
        self, table: str, columns: Sequence[str], key: str, values: Sequence[str]
    ) -> list[tuple[Any, ...]]:
        """The rows of ``table`` whose ``key`` is one of ``values``: ``columns`` (the first is
        "id"), then whether this run matched the row already."""
        if not values:
            return []
        p = database.param
        selected = ", ".join(f't."{name}"' for name in columns)
        marks = ", ".join([p] * len(values))
        return list(
            database.execute_sql(
                f'SELECT {selected}, s.row_id FROM "{table}" t LEFT JOIN "{SEEN}" s '
                f"ON s.kind = {p} AND s.row_id = t.id "
                f'WHERE t."{key}" IN ({marks})',
                [table, *values],
            ).fetchall()
        )

    def customers(self, externals: Sequence[str]) -> dict[str, int]:
        """Salesforce account Id → customer id, for the Ids given that offboard has."""
        if not externals:
            return {}
        p = database.param
        return {
            str(external): int(pk)
            for pk, external in database.execute_sql(
                f'SELECT id, external_id FROM "customer" WHERE external_id IN '
                f"({', '.join([p] * len(externals))})",
                list(externals),
            ).fetchall()
        }

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
    and an audit event. Read chunk by chunk: each chunk's customers are looked up by its Ids
    and account numbers, so memory does not grow with the number of accounts."""
    export = ExportFile(run.folder, "Account")
    summary = ObjectSummary("Account")
    run.summaries.append(summary)
    before_max, before_count = run.existing_extent("customer")
    matched = 0  # customers that had an external id, matched by it
    zone_column = run.mapping.time_zone_column
    now = clock.now()

    def parse(line: int, get: Callable[[str], str]) -> tuple[str, str, str, Any, str] | None:
        summary.read += 1
        if summary.read % 1000 == 0:
            run.progress("Account", summary.read, None)
        if run.deleted(get):
            summary.skipped_deleted += 1
            return None
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
        return external, number, name, owner, zone

    for chunk in run.chunks(export, ("Id", "Name", "OwnerId"), parse, CHUNK):
        rows = [entry for entry in chunk if not isinstance(entry, str)]
        by_external = {
            str(row[2]): row
            for row in run.select_with_seen(
                "customer", CUSTOMER_COLUMNS, "external_id", list({r[1][0] for r in rows})
            )
        }
        by_account = {
            str(row[1]): row
            for row in run.select_with_seen(
                "customer", CUSTOMER_COLUMNS, "account", list({r[1][1] for r in rows})
            )
        }
        externals: set[str] = set()
        numbers: dict[str, int] = {}
        inserts: list[tuple[Any, ...]] = []
        renamed: list[tuple[int, str]] = []
        seen: list[int] = []
        for entry in chunk:
            if isinstance(entry, str):
                run.report(entry)
                continue
            line, (external, number, name, owner, zone) = entry
            mine = by_external.get(external)
            if external in externals or (
                mine is not None and (int(mine[0]) > before_max or mine[-1] is not None)
            ):
                run.error(export.name, line, f"Id {external} is given twice; keep one row.")
                continue
            holder = by_account.get(number)
            if number in numbers:
                run.error(
                    export.name,
                    line,
                    f"account number {number} is given twice (first on line {numbers[number]}); "
                    "account numbers must differ.",
                )
                continue
            if (
                holder is not None
                and (mine is None or holder[0] != mine[0])
                and (int(holder[0]) > before_max or holder[-1] is not None)
            ):
                run.error(
                    export.name,
                    line,
                    f"account number {number} is given twice in {export.name}; account numbers "
                    "must differ.",
                )
                continue
            externals.add(external)
            numbers[number] = line
            clash = holder is not None and mine is not None and holder[0] != mine[0]
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
                continue
            pk, _, _, was_name, was_owner, status, was_zone, version, _ = found
            seen.append(int(pk))
            if mine is not None:
                matched += 1
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
            if "name" in changed:
                renamed.append((int(pk), name))
            run.events.append(
                {
                    **audit.event(
                        run.actor,
                        "import customer",
                        before={k: was[k] for k in changed},
                        after=changed,
                    ),
                    "customer": int(pk),
                }
            )
            if not kept:
                summary.updated += 1
        run.insert("customer", CUSTOMER_INSERTED, inserts)
        # The words a search finds a name by: the new customers', and the renamed ones'.
        index_accounts(row[0] for row in inserts)
        index_name_words(renamed)
        run.mark_seen("customer", seen)
    summary.gone_from_crm = before_count - matched


CUSTOMER_COLUMNS = (
    "id",
    "account",
    "external_id",
    "name",
    "owner_id",
    "status",
    "time_zone",
    "version",
)
CUSTOMER_INSERTED = (
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
