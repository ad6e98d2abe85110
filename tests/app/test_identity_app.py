"""The app on PostgreSQL acts as the connection's role, as the command line does: a login the
person chose that differs is refused on the start screen; the machine's login gives way."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from textual.widgets import Static

from data import grants, users
from data.db import close_idle, database
from tests.app.conftest import settle
from tests.conftest import OpenedDatabase, drop_roles
from tui.app import create_app


@pytest.fixture
def lead_role(db: OpenedDatabase) -> Iterator[str]:
    """A team lead with a database role of their own (dropped afterwards); the URL it uses."""
    if db.backend != "postgres":
        pytest.skip("database roles are PostgreSQL's")
    name = f"app_lead_{secrets.token_hex(4)}"
    users.add_user(None, "boss", "Boss")
    users.add_user("boss", name, "App Lead", roles=["customer-cancellation"])
    owner = database.obj
    try:
        grants.grant_role(name)
        parsed = urlparse(db.location)
        yield parsed._replace(netloc=f"{name}@{parsed.netloc.rsplit('@', 1)[-1]}").geturl()
    finally:
        if database.obj is not owner:
            close_idle(database.obj)
            database.initialize(owner)
        drop_roles(owner, [name])


async def test_the_app_acts_as_the_role(lead_role: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OFFBOARD_USER", raising=False)
    role = urlparse(lead_role).username
    app = create_app(lead_role, None)  # the machine's login name, not chosen
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.session.login == role
        assert app.session.can_cancel


async def test_the_app_refuses_another_chosen_user(
    lead_role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OFFBOARD_USER", raising=False)
    role = urlparse(lead_role).username
    app = create_app(lead_role, "boss")
    async with app.run_test() as pilot:
        await settle(pilot)
        startup = str(app.query_one("#startup", Static).render())
    assert f"you are connected as {role}; --user boss is refused" in startup
