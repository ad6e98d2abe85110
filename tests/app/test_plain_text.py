"""Stored text is text on every screen (issue 21): a customer named ``[@click=app.quit]Acme[/]``,
a reason ``[link="https://evil.example"]x[/]``, a user ``[b]Lee[/b]``, a note holding an escape
sequence — each is shown with its characters as they are (the escape written ``\\x1b``), with
no link and no action in what is drawn, and the app does not quit when one is clicked.

The hostile text is written the way old rows or an import would hold it: through the data layer
where it accepts it, straight into the demo's SQLite file for what it now refuses (a control
character)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable
from contextlib import closing
from typing import Any

import pytest
from rich.segment import Segment
from rich.style import Style
from textual.pilot import Pilot

from data import cancellations
from screens.base import OffboardScreen
from screens.plain import ControlFilter, plain, shown
from tests.app.conftest import FROZEN_TODAY, settle
from tui.app import OffboardApp

CLICK = "[@click=app.quit]Acme[/]"
LINK = '[link="https://evil.example"]x[/]'
BOLD = "[b]bold[/b]"
ESC = "\x1b[31m"  # stored: an escape sequence that would turn the terminal red
ESC_SHOWN = "\\x1b[31m"  # shown: written out

REDWOOD = "100012"  # pending, lead's
SAGEBRUSH = "100027"  # processed, its termination case open
PINECREST = "100011"  # has mail in its Outbox
SIZE = (160, 50)


@pytest.fixture
def hostile(db_path: str) -> str:
    """The demo with markup and escape sequences in its stored text."""
    with closing(sqlite3.connect(db_path)) as db, db:
        # A reason chosen for Redwood's cancellation, named like markup.
        db.execute("UPDATE reason SET name = ? WHERE id = 7", (BOLD,))
    # Through the data layer: it takes markup characters as the text they are, and audits them.
    cancellations.set_reasons(
        "lead", REDWOOD, [7], reason_text=LINK, extra_information=f"see {BOLD}"
    )
    cancellations.add_expiry("lead", REDWOOD, FROZEN_TODAY + dt.timedelta(days=90), CLICK)
    with closing(sqlite3.connect(db_path)) as db, db:
        names = {REDWOOD: CLICK, SAGEBRUSH: f"{BOLD} Sage{ESC}", PINECREST: LINK}
        for account, name in names.items():
            db.execute("UPDATE customer SET name = ? WHERE account = ?", (name, account))
        # The customers of the requests waiting for an approver (dustin): 8 and 9.
        for customer_id, name in ((8, LINK), (9, CLICK)):
            db.execute("UPDATE customer SET name = ? WHERE id = ?", (name, customer_id))
        db.execute("UPDATE change_request SET notes = ? WHERE id = 3", (f"{CLICK} {ESC}",))
        db.execute("UPDATE user SET display_name = ? WHERE login = 'lead'", (f"[b]Lee[/b]{ESC}",))
        db.execute("UPDATE user SET display_name = ? WHERE login = 'riley'", (LINK,))
        db.execute("UPDATE asset SET name = ? WHERE id = 545", (f"{CLICK}{ESC}",))
        db.execute("UPDATE opportunity SET name = ? WHERE id = 16", (LINK,))
        db.execute("UPDATE invoice SET number = ? WHERE id = 133", ("[b]INV[/b]",))
        db.execute(
            "UPDATE 'case' SET subject = ?, billing_note = ? WHERE id = 25",
            (CLICK, f"{LINK} till payout{ESC}"),
        )
        db.execute("UPDATE outbox_message SET subject = ? WHERE id = 1", (f"{LINK}{ESC}",))
    return db_path


def drawn(app: OffboardApp) -> tuple[str, list[str]]:
    """The screen as drawn (its lines, joined) and every link or click action in its spans."""
    strips = app.screen._compositor.render_strips()
    text = "\n".join("".join(segment.text for segment in strip) for strip in strips)
    actions: list[str] = []
    for strip in strips:
        for segment in strip:
            style = segment.style
            if style is None:
                continue
            if style.link:
                actions.append(f"link {style.link}")
            click = style.meta.get("@click") if style.meta else None
            if click:
                actions.append(f"@click {click}")
    return text, actions


def check(app: OffboardApp, *expected: str) -> str:
    """Every ``expected`` text is drawn literally; no escape is, nor the stored text's link or
    action."""
    assert app.is_running
    text, actions = drawn(app)
    missing = [one for one in expected if one not in text]
    assert not missing, f"not drawn as typed: {missing}\n{text}"
    assert "\x1b" not in text
    # What a body's Markdown links (a template's mailto:) may hold, none of the stored text's.
    assert not [one for one in actions if "quit" in one or "evil.example" in one], actions
    return text


async def opened(pilot: Pilot[Any], message: OffboardScreen.OpenCustomer | Any) -> None:
    pilot.app.screen.post_message(message)
    await settle(pilot)
    await pilot.pause()


async def test_the_customer_list_customer_and_tool_show_stored_text_as_it_is(
    hostile: str, make_app: Callable[..., OffboardApp]
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # The lead's name in the header, Redwood's in the pending line.
        check(app, "[b]Lee[/b]\\x1b[31m", CLICK)
        await pilot.press("slash", *REDWOOD, "enter")
        await settle(pilot)
        text = check(app, CLICK)
        # Clicking the name runs nothing.
        row = next(
            n for n, line in enumerate(text.splitlines()) if REDWOOD in line and "Acme" in line
        )
        column = text.splitlines()[row].index("Acme")
        await pilot.click(offset=(column, row))
        await settle(pilot)
        assert app.is_running

        await opened(pilot, OffboardScreen.OpenCustomer(REDWOOD))
        check(app, f"{CLICK} ({REDWOOD})", "Account")

        await opened(pilot, OffboardScreen.OpenTool(REDWOOD))
        check(app, CLICK, "Cancellation Tool", BOLD)

        await opened(pilot, OffboardScreen.OpenTool(SAGEBRUSH))
        check(app, f"{BOLD} Sage{ESC_SHOWN}")


async def test_manage_billing_and_the_forms_show_stored_text_as_it_is(
    hostile: str, make_app: Callable[..., OffboardApp]
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await opened(pilot, OffboardScreen.OpenManage(REDWOOD, "assets"))
        check(app, f"{CLICK}{ESC_SHOWN}")
        await opened(pilot, OffboardScreen.OpenManage(REDWOOD, "opportunities"))
        check(app, LINK)
        await opened(pilot, OffboardScreen.OpenBilling(REDWOOD))
        check(app, "[b]INV[/b]", f"{CLICK} ·", f"{LINK} till payout{ESC_SHOWN}")

        # The tool's forms: the reasons (a reason named like markup, the reason text) and the
        # future expiry (its note listed as on record).
        await opened(pilot, OffboardScreen.OpenTool(REDWOOD))
        tool = app.screen
        sections = [item.section.key for item in tool.query("SectionItem")]  # type: ignore[attr-defined]
        for key, expected in (("reasons", (BOLD, LINK)), ("expiry", (CLICK,))):
            tool.query_one("#sections").index = sections.index(key)  # type: ignore[attr-defined]
            await pilot.press("enter")
            await settle(pilot)
            check(app, *expected)
            await pilot.press("escape")
            await settle(pilot)


async def test_timeline_today_audit_and_help_show_stored_text_as_it_is(
    hostile: str, make_app: Callable[..., OffboardApp]
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await opened(pilot, OffboardScreen.OpenTimeline(SAGEBRUSH))
        check(app, f"{BOLD} Sage{ESC_SHOWN}")
        await opened(pilot, OffboardScreen.OpenToday())
        check(app, CLICK, '[link="https://evil.example"]x')  # a reminder on Pinecrest
        # Redwood's trail: the reasons and the expiry note as written, who wrote them.
        await opened(pilot, OffboardScreen.OpenCustomer(REDWOOD))
        await pilot.press("a")
        await settle(pilot)
        check(app, f"{CLICK} ({REDWOOD})", "[b]Lee[/b]", LINK)
        await opened(pilot, OffboardScreen.OpenCustomer(SAGEBRUSH))
        await pilot.press("question_mark")
        await settle(pilot)
        check(app, f"Help — {BOLD} Sage{ESC_SHOWN}")


async def test_approvals_a_request_the_outbox_and_the_email_show_stored_text_as_it_is(
    hostile: str, make_app: Callable[..., OffboardApp]
) -> None:
    app = make_app("dustin")  # an approver the demo's requests wait for
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        check(app, f"{LINK} (100008)", f"{CLICK} (100009)", f"Notes: {CLICK} {ESC_SHOWN}")
        await pilot.press("enter")  # the first: request #3, on customer 8
        await settle(pilot)
        check(app, "Change request #3", LINK, f"Notes: {CLICK} {ESC_SHOWN}")
        await pilot.press("escape", "escape")
        await settle(pilot)

        await opened(pilot, OffboardScreen.OpenOutbox(PINECREST))
        check(app, f"{LINK} ({PINECREST})", f"{LINK}{ESC_SHOWN}")

        await opened(pilot, OffboardScreen.OpenTool(REDWOOD))
        version = app.screen.view.customer.version  # type: ignore[attr-defined]
        await opened(pilot, OffboardScreen.OpenEmail(REDWOOD, version))
        check(app, f"{CLICK} ({REDWOOD})")


async def test_a_notification_naming_stored_text_shows_it_as_it_is(
    hostile: str, make_app: Callable[..., OffboardApp]
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        await opened(pilot, OffboardScreen.OpenTool(REDWOOD))
        await pilot.press("x", "y")  # remove the cancellation: the notification names Redwood
        await settle(pilot)
        check(app, "Cancellation removed", CLICK)
        # Markup asked for by a caller is not read either: every notification is plain text.
        app.notify(f"{LINK}{ESC}", title=BOLD, markup=True)
        await settle(pilot)
        check(app, f"{LINK}{ESC_SHOWN}", BOLD)


def test_plain_reads_no_markup_and_writes_out_control_characters() -> None:
    content = plain(f"{CLICK} {LINK}{ESC}", "bold")
    assert content.plain == f"{CLICK} {LINK}{ESC_SHOWN}"
    assert [span.style for span in content.spans] == ["bold"]
    assert shown("a\tb\nc\x00\x9b") == "a\tb\nc\\x00\\x9b"


def test_the_control_filter_drops_what_would_drive_the_terminal() -> None:
    red = Style(color="red")
    line = [Segment("ab\x1b[2Jc", red), Segment("\x07d\x9b")]
    kept = ControlFilter().apply(line, background=None)  # type: ignore[arg-type]
    assert [(segment.text, segment.style) for segment in kept] == [("ab[2Jc", red), ("d", None)]
    clean = [Segment("plain")]
    assert ControlFilter().apply(clean, background=None) is clean  # type: ignore[arg-type]


def test_the_app_draws_every_line_through_the_control_filter() -> None:
    app = OffboardApp(":memory:", "lead")
    assert any(isinstance(one, ControlFilter) for one in app.get_line_filters())
