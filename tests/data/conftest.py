"""Fixtures of the data-layer tests: the explicit world, and a clock a test may stop."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import arrow
import pytest

from data.db import connection
from tests.conftest import OpenedDatabase
from tests.data.world import World, build, stage


@pytest.fixture
def world(db: OpenedDatabase) -> Iterator[World]:
    """Users, reasons and the customer Acme Widgets on a fresh database (both backends).

    The test holds one connection, which every data call reuses (``connection()`` is
    re-entrant) rather than connecting anew each time: each operation is still its own
    transaction, and the suite stays fast."""
    with connection():
        yield build(db.backend)


@pytest.fixture(scope="module")
def staged_world(module_db: OpenedDatabase) -> Iterator[World]:
    """The world, staged (see ``world.stage``) once for a whole module of refusals: each test
    must leave it as it found it, and asserts so with ``snapshot()``."""
    with connection():
        world = build(module_db.backend)
        stage(world)
        yield world


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.datetime], None]:
    """Stop the clock at a UTC moment: "today" anywhere is then known exactly."""

    def stop_at(moment: dt.datetime) -> None:
        fixed = arrow.Arrow.fromdatetime(moment, tzinfo="UTC")

        def now(tz: dt.tzinfo | str | None = None) -> arrow.Arrow:
            return fixed.to(tz if tz is not None else "local")

        monkeypatch.setattr(arrow, "now", now)

    return stop_at
