"""The app and the database it opens: only the default location is created on a first run, a
--db that names nothing is refused on the start screen, and a database failure in a screen's
worker is a notification naming its cause."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Static

from data.db import default_database_path
from screens.base import DataWork
from tests.app.conftest import settle
from tui.app import OffboardApp, create_app


async def test_the_app_on_a_missing_non_default_location_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "offboard.db"
    app = create_app(str(missing), "lead")
    async with app.run_test() as pilot:
        await settle(pilot)
        startup = str(app.query_one("#startup", Static).render())
    assert f"No offboard database at {missing}" in startup
    assert not (tmp_path / "typo").exists()


async def test_the_app_creates_the_default_database_on_its_first_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("OFFBOARD_DATABASE", raising=False)
    default = default_database_path()
    assert str(default).startswith(str(tmp_path))
    app = create_app(None, "lead")
    async with app.run_test() as pilot:
        await settle(pilot)
    assert default.exists()


async def test_a_locked_database_reported_by_a_worker_is_named_in_the_notification(
    make_app: Callable[..., OffboardApp], db_path: str
) -> None:
    # A real "database is locked" from SQLite: another connection holds a write transaction.
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    writer = sqlite3.connect(db_path, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as locked:
        writer.execute("UPDATE customer SET name = name")
    writer.close()
    holder.execute("ROLLBACK")
    holder.close()

    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        # As a screen's worker reports a failure (screens.base.DataWork).
        app.screen.post_message(DataWork.Failed(locked.value))
        await settle(pilot)
        messages = [n.message for n in app._notifications]
    assert any("is locked: another program holds a write open" in m for m in messages), messages
    assert not any("OperationalError" in m for m in messages)
