"""PostgreSQL roles: who the connection is, and the database role a team lead logs in with.

On PostgreSQL the database login is the real boundary. The role that owns offboard's tables
(the one that ran the migrations, e.g. ``postgres``) or a superuser administers; a team lead's
own role, made by ``grant_role``, may read and write offboard's working tables, may only add to
and read the audit trail, and may only read the users and their roles. The database holds such
a role to the rules as well (migration 0019): every audit event it writes names its own offboard
user (the one whose login is the role's name), and it writes change requests and their decisions
only as the approval chain allows. SQLite has no roles.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from peewee import PostgresqlDatabase

from data.db import connection, database
from data.errors import NotAllowed, NotFound
from data.models import ALL_MODELS, AuditEvent, User

# Tables a team lead's role may only read: the users and their roles (administered by the
# owner's connection, so nobody raises their own roles), and the record of migrations.
READ_ONLY = (User._meta.table_name, "schema_migration")
AUDIT = AuditEvent._meta.table_name


@dataclass(frozen=True)
class Role:
    """The database role a PostgreSQL connection acts as."""

    name: str
    administers: bool  # it owns offboard's tables (or is a member of the owner) or a superuser


@dataclass(frozen=True)
class Granted:
    """What ``grant_role`` did, and how the team lead connects."""

    role: str
    created: bool
    url: str


def is_postgres() -> bool:
    return isinstance(database.obj, PostgresqlDatabase)


def connected_role() -> Role | None:
    """The connection's role on PostgreSQL (None on SQLite, where there are no roles)."""
    if not is_postgres():
        return None
    with connection():
        row = database.execute_sql(
            "SELECT current_user, "
            "(SELECT rolsuper FROM pg_roles WHERE rolname = current_user), "
            "pg_has_role(current_user, (SELECT relowner FROM pg_class "
            "WHERE oid = to_regclass(%s)), 'MEMBER')",
            (AUDIT,),
        ).fetchone()
    return Role(str(row[0]), bool(row[1]) or bool(row[2]))


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _connect_url(role: str) -> str:
    """The URL the team lead connects with: this database's, with their role and no password."""
    params = getattr(database.obj, "connect_params", {})
    host = str(params.get("host") or "localhost")
    if ":" in host:
        host = f"[{host}]"
    port = f":{params['port']}" if params.get("port") else ""
    name = str(getattr(database.obj, "database", "") or "")
    url = f"postgresql://{role}@{host}{port}/{name}"
    urlparse(url)  # a check only: it must read back
    return url


def grant_role(login: str) -> Granted:
    """Create (or bring up to date) the PostgreSQL role a team lead with this offboard login
    connects as. Only a connection that administers may; refused on SQLite."""
    role = connected_role()
    if role is None:
        raise NotAllowed(
            "offboard db grant is for PostgreSQL: a SQLite file has no database roles "
            "(whoever can open the file can write it)."
        )
    if not role.administers:
        raise NotAllowed(
            f"You are connected as {role.name}, which does not own offboard's tables: only the "
            "owner (or a superuser) may grant database roles."
        )
    name = (login or "").strip()
    with connection(), database.atomic():
        if not User.select().where(User.login == name).exists():
            raise NotFound(
                f"There is no offboard user '{name}'. Add it first: "
                f"offboard users add {name or 'LOGIN'} --name 'Their Name'."
            )
        existing = database.execute_sql(
            "SELECT rolsuper, pg_has_role(oid, (SELECT relowner FROM pg_class "
            "WHERE oid = to_regclass(%s)), 'MEMBER') FROM pg_roles WHERE rolname = %s",
            (AUDIT, name),
        ).fetchone()
        if existing is not None and (existing[0] or existing[1]):
            raise NotAllowed(
                f"The database role {name} owns offboard's tables or is a superuser: it "
                "administers already, and a grant would not limit it."
            )
        who = _quoted(name)
        database.execute_sql(f"{'ALTER' if existing else 'CREATE'} ROLE {who} WITH LOGIN")
        tables = [model._meta.table_name for model in ALL_MODELS]
        every = ", ".join(_quoted(table) for table in [*tables, "schema_migration"])
        database.execute_sql(f"REVOKE ALL ON {every} FROM {who}")
        working = [t for t in tables if t not in READ_ONLY and t != AUDIT]
        database.execute_sql(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(map(_quoted, working))} TO {who}"
        )
        database.execute_sql(f"GRANT SELECT, INSERT ON {_quoted(AUDIT)} TO {who}")
        database.execute_sql(f"GRANT SELECT ON {', '.join(map(_quoted, READ_ONLY))} TO {who}")
        for table in [*working, AUDIT]:
            sequence = database.execute_sql(
                "SELECT pg_get_serial_sequence(%s, 'id')", (_quoted(table),)
            ).fetchone()[0]
            if sequence:
                database.execute_sql(f"GRANT USAGE ON SEQUENCE {sequence} TO {who}")
    return Granted(name, existing is None, _connect_url(name))
