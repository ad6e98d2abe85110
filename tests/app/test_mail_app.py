"""Mail goes out from the app (issue 14): with [smtp] configured, the running app sends what is
queued in a thread worker — the claims and retries of ``offboard outbox send`` — right after the
offboarding notice is queued, to a real SMTP server on loopback (aiosmtpd); the tool's Admin
notified turns green and the Outbox shows the notice sent, without a key pressed to refresh.
Without SMTP the Outbox says mail stays queued, refuses to send with the reason, and x exports
the customer's queued e-mails as .eml files. And the Outbox fits 80x24 and 120x36."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

from data.models import OutboxStatus
from data.outbox_review import outbox_page
from data.rules import SectionKey
from screens.email import EmailScreen
from screens.outbox import NO_SMTP, ExportForm, OutboxScreen, columns_for
from screens.tool import ToolScreen
from tests.app.conftest import settle, settle_until
from tests.app.test_journey import sections_of
from tests.app.test_milestones_app import open_tool
from tests.data.test_delivery import Mailbox, free_port, running_mailbox
from tui.app import OffboardApp

REDWOOD = "100012"  # pending, Admin notified red: no offboarding notice yet
PINECREST = "100011"  # its final termination e-mail is queued


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


@pytest.fixture
def smtp_config(mailbox: Mailbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A configuration file with [smtp] naming the loopback server."""
    path = tmp_path / "config.toml"
    path.write_text(
        "[smtp]\n"
        'host = "127.0.0.1"\n'
        f"port = {mailbox.port}\n"
        'security = "none"\n'
        'from = "Offboard <offboard@example.com>"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("OFFBOARD_CONFIG", str(path))
    return path


@pytest.fixture
def no_smtp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text("", encoding="utf-8")
    monkeypatch.setenv("OFFBOARD_CONFIG", str(path))
    for variable in ("HOST", "PORT", "SECURITY", "USER", "FROM"):
        monkeypatch.delenv(f"OFFBOARD_SMTP_{variable}", raising=False)


def admin_notified(app: OffboardApp) -> str:
    item = sections_of(app)[SectionKey.ADMIN_NOTIFIED]
    return f"{'red' if item.section.is_red else 'green'}: {item.section.summary}"


async def test_the_app_sends_the_notice_and_the_tool_and_outbox_show_it_sent(
    make_app: Callable[..., OffboardApp], smtp_config: Path, mailbox: Mailbox
) -> None:
    app = make_app()
    assert app.session.mail_server == f"127.0.0.1:{mailbox.port}"
    async with app.run_test(size=(120, 36)) as pilot:
        tool = await open_tool(pilot, REDWOOD)
        assert admin_notified(app).startswith("red: No offboarding notice yet")
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EmailScreen)
        await pilot.press("ctrl+s")  # queue it: the app sends it at once
        await settle_until(
            pilot,
            lambda: app.screen is tool and admin_notified(app).startswith("green"),
            "Admin notified turn green once the app sent the notice",
        )
        assert "Offboarding notice sent to" in admin_notified(app)
        assert isinstance(tool, ToolScreen)

        await pilot.press("o")
        await settle(pilot)
        outbox = app.screen
        assert isinstance(outbox, OutboxScreen)
        line = str(outbox.query_one("#mail-line", Static).render())
        assert line.startswith(f"Mail goes out from this app through 127.0.0.1:{mailbox.port}")
        newest = outbox.current
        assert newest is not None and newest.kind == "offboarding-notice"
        assert newest.status == OutboxStatus.SENT
        table = outbox.query_one("#messages", DataTable)
        # The table says it in a word; the pane below says when.
        assert str(table.get_cell_at((0, table.get_column_index("status")))) == "sent"
        assert "Status: sent " in str(outbox.query_one("#message-head", Static).render())

    subjects = [str(message["Subject"]) for message in mailbox.messages()]
    assert any(subject.startswith("Redwood Legal LLP: your account closes") for subject in subjects)
    [notice] = [m for m in outbox_page(REDWOOD) if m.kind == "offboarding-notice"]
    assert notice.status == OutboxStatus.SENT and notice.attempts == 1


async def test_a_send_key_in_the_outbox_sends_what_is_queued(
    make_app: Callable[..., OffboardApp], smtp_config: Path, mailbox: Mailbox, db_path: str
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_tool(pilot, PINECREST)
        await pilot.press("o")
        await settle(pilot)
        outbox = app.screen
        assert isinstance(outbox, OutboxScreen)
        assert outbox.check_action("send", ()) is True
        await pilot.press("d")
        await settle_until(
            pilot,
            lambda: all(row.status != OutboxStatus.QUEUED for row in outbox.rows.values()),
            "every queued e-mail of the customer sent",
        )
    assert all(row.status == OutboxStatus.SENT for row in outbox_page(PINECREST))


async def test_without_smtp_the_outbox_says_so_refuses_to_send_and_exports(
    make_app: Callable[..., OffboardApp], no_smtp: None, tmp_path: Path
) -> None:
    app = make_app()
    assert app.session.mail_server == ""
    async with app.run_test(size=(120, 36)) as pilot:
        await open_tool(pilot, PINECREST)
        await pilot.press("o")
        await settle(pilot)
        outbox = app.screen
        assert isinstance(outbox, OutboxScreen)
        assert str(outbox.query_one("#mail-line", Static).render()) == NO_SMTP
        assert "No SMTP configured" in outbox.unavailable_reason("send")
        await pilot.press("d")  # refused, saying why
        said = [n.message for n in app._notifications]
        assert any(m.startswith("No SMTP configured, so nothing can be sent") for m in said)
        queued = [row for row in outbox.rows.values() if row.status == OutboxStatus.QUEUED]
        assert queued

        await pilot.press("x")
        form = app.screen
        assert isinstance(form, ExportForm)
        folder = tmp_path / "eml"
        form.query_one("#folder", Input).value = str(folder)
        await pilot.press("enter")
        await settle_until(pilot, lambda: app.screen is outbox, "the export form close")
    written = sorted(path.name for path in folder.glob("*.eml"))
    assert written == sorted(f"{row.id}-{row.kind}.eml" for row in queued)
    # They stay queued.
    assert {row.id for row in outbox_page(PINECREST, "queued")} == {row.id for row in queued}


@pytest.mark.parametrize("width", [80, 120])
def test_outbox_columns_give_way_by_priority(width: int) -> None:
    keys = [key for key, _, _ in columns_for(width)]
    assert {"status", "to", "subject"} <= set(keys)
    total = sum(size + 2 for _, _, size in columns_for(width))
    assert total <= width - 2
    if width == 120:
        assert "created" in keys


async def test_a_failing_mail_server_shows_live_on_the_tool_and_outbox(
    make_app: Callable[..., OffboardApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "config.toml"
    nobody = free_port()  # nothing listens there
    path.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {nobody}\nsecurity = "none"\n'
        'from = "offboard@example.com"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("OFFBOARD_CONFIG", str(path))
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await open_tool(pilot, REDWOOD)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle_until(
            pilot,
            lambda: "last try failed" in admin_notified(app),
            "Admin notified say the last try failed",
        )
        assert admin_notified(app).startswith("red: Offboarding notice to")
        assert "green once it is sent (see the Outbox)" in admin_notified(app)
        await pilot.press("o")
        await settle(pilot)
        outbox = app.screen
        assert isinstance(outbox, OutboxScreen)
        newest = outbox.current
        assert newest is not None and newest.status == OutboxStatus.QUEUED
        assert newest.attempts == 1 and newest.last_error
        head = str(outbox.query_one("#message-head", Static).render())
        assert "Status: retry after" in head and "Error:" in head
