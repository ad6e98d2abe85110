"""Who is told on Process, in the app (seed 002, issue 14): the Process confirmation lists every
active user and the playbook's parties that have an address, the chosen ones ticked; the team
lead changes the ticks with the keys, presses y, and the notification goes to exactly those.
Snapshots of the confirmation at 80x24 and 120x36."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import SelectionList, Static

from data import customers
from data.db import connection
from data.models import OutboxMessage, User
from screens.form_confirmations import ProcessForm
from screens.tool import ToolScreen
from tests.app.conftest import settle, settle_until
from tests.app.test_milestones_app import SMALL, open_tool, ready_for_process
from tests.app.test_snapshots import SnapCompare
from tests.app.test_snapshots import open_tool as snap_tool
from tui.app import OffboardApp


def ready() -> None:
    """Everything Process waits for is done on Lighthouse Counseling (the retention section
    too: ``ready_for_process`` records a save attempt that lost the customer)."""
    ready_for_process(SMALL)


def options(form: ProcessForm) -> SelectionList[str]:
    return form.query_one("#notify", SelectionList)


async def toggle(pilot: Pilot[None], form: ProcessForm, value: str) -> None:
    """Move to ``value`` with the arrow keys, as a person would, and tick or untick it."""
    listing = options(form)
    index = next(
        n for n in range(listing.option_count) if listing.get_option_at_index(n).value == value
    )
    while listing.highlighted != index:
        await pilot.press("down" if (listing.highlighted or 0) < index else "up")
    await pilot.press("space")


async def open_process(pilot: Pilot[None]) -> ProcessForm:
    await open_tool(pilot, SMALL)
    await pilot.press("p")
    await settle(pilot)
    form = pilot.app.screen
    assert isinstance(form, ProcessForm)
    return form


async def test_the_chosen_recipients_are_notified_on_process(
    make_app: Callable[..., OffboardApp], db_path: str
) -> None:
    ready()
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        form = await open_process(pilot)
        listing = options(form)
        assert app.focused is listing
        values = [listing.get_option_at_index(n).value for n in range(listing.option_count)]
        # Every active user, then the playbook's parties that have an address.
        assert "u:tess" in values and "u:casey" not in values  # casey is deactivated
        assert {"p:legal", "p:security", "p:account_team"} <= set(values)
        assert "p:customer" not in values  # a party without an address cannot be told
        # By default the team lead and the account owner are ticked.
        owner = customers.customer_detail(SMALL).owner_login
        assert set(listing.selected) == {"u:lead", f"u:{owner}"}

        await toggle(pilot, form, "u:lead")  # untick the team lead
        await toggle(pilot, form, "u:tess")
        await toggle(pilot, form, "p:legal")
        summary = str(form.query_one("#notify-summary", Static).render())
        assert "3 chosen:" in summary and "Legal" in summary and "Lead" not in summary
        await pilot.press("y")
        await settle_until(pilot, lambda: not isinstance(app.screen, ProcessForm), "Process done")
        await settle(pilot)
        assert isinstance(app.screen, ToolScreen)  # back on the tool, now on the open case

    assert customers.customer_detail(SMALL).status == "Cancelled"
    with connection():
        message = OutboxMessage.get(
            OutboxMessage.kind == "cancellation-notification",
            OutboxMessage.customer == customers.customer_detail(SMALL).id,
        )
        emails = {
            str(u.email) for u in User.select().where(User.login.in_([owner, "tess"])) if u.email
        }
    assert set(message.recipients.split(", ")) == emails | {"legal@example.com"}
    assert "lead@example.com" not in message.recipients


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_process_confirmation_with_recipients(
    snap_compare: SnapCompare,
    make_app: Callable[..., OffboardApp],
    db_path: str,
    size: tuple[int, int],
) -> None:
    ready()
    assert snap_compare(make_app(), terminal_size=size, run_before=snap_tool(SMALL, "p"))
