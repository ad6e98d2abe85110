"""Fixtures of the data-layer tests: the explicit world, and a way to stop the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from data import clock as data_clock
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
def clock() -> Iterator[Callable[[dt.datetime], None]]:
    """Stop offboard's clock at a UTC moment: "now" and "today" anywhere are then known exactly."""
    with ExitStack() as stops:

        def stop_at(moment: dt.datetime) -> None:
            stops.enter_context(data_clock.frozen(moment))

        yield stop_at
