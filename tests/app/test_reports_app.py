"""The Reports screen (r from the start screen) and the audit viewer (a on a customer), driven
by Pilot on the demo; the case file from the tool (f); and their snapshots at 80x24 and 120x36.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

import screens.audit
from data.reports import report
from screens.audit import AuditScreen
from screens.customer_list import CustomerListScreen
from screens.reports import ReportsScreen
from tests.app.conftest import settle
from tests.app.test_snapshots import SnapCompare, open_tool
from tui.app import OffboardApp

SAGEBRUSH = "100027"  # the demo's processed cancellation with an open case


def text(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def column(table: DataTable[Any], index: int) -> list[str]:
    return [str(table.get_row_at(row)[index]) for row in range(table.row_count)]


async def open_reports(pilot: Pilot[None]) -> ReportsScreen:
    await settle(pilot)
    await pilot.press("r")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReportsScreen)
    return screen


async def open_audit(pilot: Pilot[None], account: str = SAGEBRUSH) -> AuditScreen:
    await settle(pilot)
    pilot.app.screen.post_message(CustomerListScreen.OpenCustomer(account))
    await settle(pilot)
    await pilot.press("a")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AuditScreen)
    return screen


async def test_r_opens_reports_with_the_numbers_beside_the_chart(
    make_app: Callable[..., OffboardApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = report("churn-reasons")
    assert expected.table.rows, "the demo has processed cancellations in the last 90 days"
    async with make_app().run_test(size=(120, 36)) as pilot:
        screen = await open_reports(pilot)
        table = screen.query_one("#report-numbers", DataTable)
        assert column(table, 0) == [row["reason"] for row in expected.table.rows]
        assert column(table, 1) == [str(row["cancellations"]) for row in expected.table.rows]
        assert text(screen, "#report-headline") == expected.headline + "."
        assert expected.period.label() in text(screen, "#report-title")

        await pilot.press("v")
        await settle(pilot)
        assert screen.sub_title == "Voluntary vs non-payment"
        assert [str(c.label) for c in table.columns.values()][:3] == [
            "Month",
            "Voluntary",
            "Non-payment",
        ]
        before = screen.period
        assert before is not None
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert screen.period == before.previous
        await pilot.press("l")  # 90 days → 180
        await settle(pilot)
        assert screen.period is not None and screen.period.days == 180
        assert screen.period.end == before.previous.end

        await pilot.press("t")
        await settle(pilot)
        assert "Pending cancellations by age:" in text(screen, "#report-more")

        monkeypatch.chdir(tmp_path)
        await pilot.press("x")
        await settle(pilot)
        (written,) = tmp_path.glob("report-time-to-cancel-*.csv")
        rows = list(csv.reader(written.open()))
        assert rows[0][:2] == ["month", "processed"]
        assert len(rows) - 1 == table.row_count  # the CSV is what the table and chart show


async def test_x_never_replaces_a_file_and_says_in_one_line_when_it_cannot_write(
    make_app: Callable[..., OffboardApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    monkeypatch.chdir(folder)
    async with make_app().run_test(size=(120, 36)) as pilot:
        await open_reports(pilot)
        await pilot.press("x")
        await settle(pilot)
        (first,) = folder.glob("report-churn-reasons-*.csv")
        first.write_text("mine", encoding="utf-8")
        await pilot.press("x")
        await settle(pilot)
        second = first.with_name(f"{first.stem}-2.csv")
        assert first.read_text(encoding="utf-8") == "mine"  # kept: the CSV took the next name
        assert second.read_text(encoding="utf-8").startswith("reason,")
        assert sorted(p.name for p in folder.iterdir()) == sorted([first.name, second.name])

        if not Path("/proc/self").is_dir():
            pytest.skip("needs /proc, a folder no one may write to")
        monkeypatch.chdir("/proc")
        await pilot.press("x")
        await settle(pilot)
        said = [str(n.message) for n in pilot.app._notifications]
        refusal = [line for line in said if "could not be written" in line]
        assert len(refusal) == 1 and "\n" not in refusal[0]
        assert refusal[0].startswith("/proc/report-churn-reasons-")
        assert refusal[0].endswith("choose a folder you may write to.")


async def test_ctrl_r_still_refreshes_the_start_screen(
    make_app: Callable[..., OffboardApp],
) -> None:
    async with make_app().run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CustomerListScreen)


async def test_the_audit_viewer_shows_every_event_and_the_chain_check(
    make_app: Callable[..., OffboardApp], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(screens.audit, "PAGE", 5)
    async with make_app().run_test(size=(120, 36)) as pilot:
        screen = await open_audit(pilot)
        assert text(screen, "#audit-chain").startswith("Audit trail intact, ")
        page = screen.page
        assert page is not None
        assert page.total > 5 and len(page.lines) == 5
        assert "Events 1–5 of" in text(screen, "#audit-count")
        assert "times in UTC" in text(screen, "#audit-count")
        table = screen.query_one("#audit-events", DataTable)
        assert column(table, 2) == [screens.audit.short_what(line) for line in page.lines]
        assert [line.at for line in page.lines] == sorted(line.at for line in page.lines)
        assert text(screen, "#audit-detail").startswith(f"#{page.lines[0].id} · ")
        first_ids = [line.id for line in page.lines]

        await pilot.press("n")
        await settle(pilot)
        assert screen.page is not None
        assert "Events 6–10 of" in text(screen, "#audit-count")
        assert screen.page.lines[0].id > first_ids[-1]
        await pilot.press("p")
        await settle(pilot)
        assert [line.id for line in screen.page.lines] == first_ids

        await pilot.press("f")  # the first kind, alphabetically
        await settle(pilot)
        kind = screen.kind
        assert kind is not None
        assert {line.action for line in screen.page.lines} == {kind}
        assert f"· {kind} (f filters)" in text(screen, "#audit-count")


async def test_f_in_the_tool_writes_the_case_file(
    make_app: Callable[..., OffboardApp], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    async with make_app().run_test(size=(120, 36)) as pilot:
        await open_tool(SAGEBRUSH, "f")(pilot)
        await settle(pilot)
        (written,) = tmp_path.glob(f"case-file-{SAGEBRUSH}-*.html")
        assert '<section id="audit-trail">' in written.read_text(encoding="utf-8")


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_reports_snapshot(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp], size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_reports(pilot)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_audit_viewer_snapshot(
    snap_compare: SnapCompare, make_app: Callable[..., OffboardApp], size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await open_audit(pilot)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


def test_amounts_show_two_decimals_grouped_and_missing_values_a_dash() -> None:
    from screens.reports import cell

    assert cell(9336.0, "revenue_kept") == "9,336.00"
    assert cell(20.0, "save_rate") == "20.0"
    assert cell(None, "revenue_kept") == "—"
