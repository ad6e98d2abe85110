"""peewee without its PostgreSQL driver until offboard opens a PostgreSQL database.

Imported, peewee imports psycopg2 too when it is installed: libpq and its TLS libraries, some
10 ms and 6 MiB that a start on a SQLite file never uses. ``import_peewee`` (run by
``data/__init__``, so before any module of the data layer imports peewee) imports peewee with
psycopg2 held back; ``load_postgresql_driver`` (``data.db.make_database``, before it makes a
PostgreSQL database) imports psycopg2 and hands it to peewee just as peewee's own import would
have. Where psycopg2 or peewee was imported before (the tests, a script), peewee has it already
and both do nothing.
"""

from __future__ import annotations

import sys
import threading

_lock = threading.Lock()

# What peewee's import takes from psycopg2, as peewee >= 4.5, < 5 does at its top and in the
# class body of Psycopg2Adapter (tests/data/test_driver.py compares the two).
ADAPTER_STATUSES = {
    "txn_idle": "TRANSACTION_STATUS_IDLE",
    "txn_inerror": "TRANSACTION_STATUS_INERROR",
    "txn_unknown": "TRANSACTION_STATUS_UNKNOWN",
}


def import_peewee() -> None:
    """Import peewee, without psycopg2 unless that is imported already."""
    if "peewee" in sys.modules or "psycopg2" in sys.modules:
        return
    # A None entry makes ``import psycopg2`` raise ImportError, which peewee takes as "not
    # installed"; the entry goes once peewee is in, so a later import finds the real driver.
    sys.modules["psycopg2"] = None  # type: ignore[assignment]
    try:
        import peewee  # noqa: F401
    finally:
        if "psycopg2" in sys.modules and sys.modules["psycopg2"] is None:
            del sys.modules["psycopg2"]


def load_postgresql_driver() -> None:
    """Import psycopg2 and give it to peewee (once; nothing to do if peewee has it)."""
    import peewee

    namespace = vars(peewee)
    with _lock:
        if namespace.get("psycopg2") is not None:
            return
        import psycopg2  # type: ignore[import-untyped]
        from psycopg2 import extensions
        from psycopg2.extras import Json, register_uuid  # type: ignore[import-untyped]

        register_uuid()
        for attribute, status in ADAPTER_STATUSES.items():
            setattr(peewee.Psycopg2Adapter, attribute, getattr(extensions, status))
        namespace.update(pg_extensions=extensions, pg_register_uuid=register_uuid, Json_pg2=Json)
        # Last: peewee tells whether it has the driver by this name.
        namespace["psycopg2"] = psycopg2
