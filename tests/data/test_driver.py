"""peewee has the PostgreSQL driver only once a PostgreSQL database is made (``data.driver``),
and then just as if peewee had imported it itself."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What peewee holds of psycopg2, printed by a fresh interpreter: every name of peewee's module
# that is psycopg2 or comes from it, and the transaction statuses of its psycopg2 adapter.
STATE = """
import json, sys, types
import peewee
def origin(value):
    if isinstance(value, types.ModuleType):
        return value.__name__
    return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', '')}"
names = {
    name: origin(value)
    for name, value in vars(peewee).items()
    if value is not None and origin(value).startswith("psycopg2")
}
adapter = {
    name: getattr(peewee.Psycopg2Adapter, name, None)
    for name in ("txn_idle", "txn_inerror", "txn_unknown")
}
uuid_adapted = False
if "psycopg2" in sys.modules:
    import uuid
    import psycopg2.extensions
    uuid_adapted = (uuid.UUID, psycopg2.extensions.ISQLQuote) in psycopg2.extensions.adapters
print(json.dumps({"names": names, "adapter": adapter, "uuid": uuid_adapted}))
"""


def peewee_state(code: str) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\n{STATE}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    state: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    return state


def test_the_data_layer_imports_peewee_without_the_driver() -> None:
    state = peewee_state("import data.db, data.models")
    assert state == {
        "names": {},
        "adapter": {"txn_idle": None, "txn_inerror": None, "txn_unknown": None},
        "uuid": False,
    }


def test_making_a_postgresql_database_gives_peewee_the_driver_as_its_own_import_would() -> None:
    # Made, not connected: no server is needed to compare.
    lazily = peewee_state(
        "import data.db\ndata.db.make_database('postgresql://nobody@127.0.0.1:1/none')"
    )
    eagerly = peewee_state("import psycopg2, peewee")
    assert lazily == eagerly
    assert lazily["names"]  # psycopg2 is installed: peewee has it


@pytest.mark.postgres
def test_a_database_opened_through_the_lazy_driver_works(postgres_location: str) -> None:
    code = (
        "import uuid\n"
        "from data.db import database, open_database\n"
        f"open_database({postgres_location!r})\n"
        "with database.connection_context():\n"
        "    row = database.execute_sql('SELECT %s::uuid, %s::text', (uuid.UUID(int=7), 'x'))\n"
        "    print(row.fetchone())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == (
        "(UUID('00000000-0000-0000-0000-000000000007'), 'x')"
    )
