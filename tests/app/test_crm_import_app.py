"""The Import screen: opened with i from the start screen (and from the palette), the folder
checked as it is typed, a dry run that shows the summary and writes nothing, then the import
with its progress and the customers in the list; a refused export lists every error; and the
summary's snapshots at 80×24 and 120×36."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, ProgressBar, Static

from data.models import Case, Customer
from screens.crm_import import ImportScreen
from screens.customer_list import CustomerListScreen
from tests.app.conftest import settle, settle_until
from tests.cli.test_crm_import_cli import refused_export, write_export
from tui.app import OffboardApp

SnapCompare = Callable[..., bool]


def text_of(screen: ImportScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def notified(app: OffboardApp) -> list[str]:
    return [notification.message for notification in app._notifications]


def counts() -> tuple[int, int]:
    return Customer.select().count(), Case.select().count()


async def open_import(pilot: Pilot[None]) -> ImportScreen:
    await settle(pilot)
    assert isinstance(pilot.app.screen, CustomerListScreen)
    await pilot.press("i")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ImportScreen)
    return screen


async def type_folder(pilot: Pilot[None], screen: ImportScreen, folder: str) -> None:
    field = screen.query_one("#import-folder", Input)
    field.focus()
    field.value = folder
    await pilot.pause()


async def test_dry_run_then_import_brings_the_customers_in(
    make_app: Callable[..., OffboardApp], tmp_path: Path
) -> None:
    export = write_export(tmp_path / "export")
    before = counts()
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_import(pilot)
        # Nothing checked yet: Import is unavailable, and says why.
        assert screen.check_action("import_export", ()) is None
        await type_folder(pilot, screen, str(export))
        assert screen.check_action("import_export", ()) is None
        assert "Check the export first" in screen.unavailable_reason("import_export")

        await pilot.press("enter")  # Enter in the folder runs the dry run
        await settle_until(
            pilot, lambda: screen.query_one("#import-summary").display, "the dry run's summary"
        )
        table = screen.query_one("#import-summary", DataTable)
        assert [str(table.get_row(key)[0]) for key in table.rows] == [
            "User",
            "Account",
            "Case",
            "Total",
        ]
        account = [str(cell) for cell in table.get_row("Account")]
        assert account == ["Account", "3", "2", "0", "0", "1", "0", "0"]
        assert text_of(screen, "#import-outcome").startswith("Dry run: nothing was written.")
        assert not screen.query_one("#import-errors", OptionList).display
        assert counts() == before
        assert screen.check_action("import_export", ()) is True

        await pilot.press("ctrl+s")
        await settle_until(
            pilot,
            lambda: text_of(screen, "#import-outcome").startswith("Imported:"),
            "the import's summary",
        )
        bar = screen.query_one("#import-progress", ProgressBar)
        assert bar.display and bar.total is not None and bar.progress == bar.total
        assert counts() == (before[0] + 2, before[1] + 2)
        # Imported once: a second import needs a new check.
        assert screen.check_action("import_export", ()) is None

        await pilot.press("escape")
        await settle(pilot)
        customers = app.screen
        assert isinstance(customers, CustomerListScreen)
        listed = customers.query_one("#customers", DataTable)
        await settle_until(pilot, lambda: "SF-9001" in listed.rows, "the imported customer")


async def test_the_progress_is_shown_while_the_import_runs(
    make_app: Callable[..., OffboardApp], tmp_path: Path
) -> None:
    export = write_export(tmp_path / "export")
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_import(pilot)
        shown: list[str] = []
        show = screen._show_progress

        def recording(name: str, done: int, total: int | None) -> None:
            show(name, done, total)
            shown.append(text_of(screen, "#import-outcome"))

        screen._show_progress = recording  # type: ignore[method-assign]
        await type_folder(pilot, screen, str(export))
        await pilot.press("enter")
        await settle_until(pilot, lambda: screen.checked is not None, "a clean dry run")
        shown.clear()
        await pilot.press("ctrl+s")
        await settle_until(pilot, lambda: screen.running is None, "the import's end")
        assert shown, "no progress was shown"
        assert all(line.startswith("Importing ") and "rows/s" in line for line in shown)
        assert any(line.startswith("Importing Case: 2 of 2 rows") for line in shown)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing", "There is no folder"),
        ("a-file", "is a file: give the folder"),
        ("no-accounts", "has no Account.csv"),
    ],
)
async def test_a_bad_folder_gets_its_one_line_message(
    make_app: Callable[..., OffboardApp], tmp_path: Path, name: str, message: str
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "no-accounts").mkdir()
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_import(pilot)
        await type_folder(pilot, screen, str(tmp_path / name))
        shown = screen.query_one("#import-folder-message", Static)
        assert message in str(shown.render())
        assert shown.has_class("-invalid")
        assert screen.check_action("check", ()) is None
        await pilot.press("enter")
        await settle(pilot)
        assert screen.running is None and screen.checked is None


async def test_a_refused_export_lists_every_error_and_writes_nothing(
    make_app: Callable[..., OffboardApp], tmp_path: Path
) -> None:
    export = refused_export(tmp_path)
    before = counts()
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_import(pilot)
        await type_folder(pilot, screen, str(export))
        await pilot.press("enter")
        errors = screen.query_one("#import-errors", OptionList)
        await settle_until(pilot, lambda: errors.display, "the errors")
        listed = [str(errors.get_option_at_index(i).prompt) for i in range(errors.option_count)]
        assert len(listed) == 2 and all(line.startswith("Case.csv:") for line in listed)
        assert text_of(screen, "#import-outcome").startswith("Refused: 2 errors")
        assert not screen.query_one("#import-summary").display
        # The app's one error path said so, once.
        assert len([n for n in notified(app) if n.startswith("Case.csv:")]) == 1
        assert screen.check_action("import_export", ()) is None
        assert counts() == before


async def test_the_screen_stays_while_the_import_runs(
    make_app: Callable[..., OffboardApp],
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_import(pilot)
        screen.running = "import"  # as while the worker writes
        await pilot.press("escape")
        assert app.screen is screen
        assert any("The import is running" in message for message in notified(app))
        screen.running = None
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CustomerListScreen)


async def test_the_palette_offers_the_import(make_app: Callable[..., OffboardApp]) -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Import a CRM export" in titles
        command = next(c for c in app.get_system_commands(app.screen) if c.title.startswith("Im"))
        command.callback()
        await settle(pilot)
        assert isinstance(app.screen, ImportScreen)


def snapshot_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A dry run of a small export, named by a path relative to the test's own folder (so the
    snapshot does not hold the temporary folder's name)."""
    write_export(tmp_path / "export")
    monkeypatch.chdir(tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        screen = await open_import(pilot)
        await type_folder(pilot, screen, "export")
        await pilot.press("enter")
        await settle_until(pilot, lambda: screen.checked is not None, "a clean dry run")
        screen.query_one("#import-summary", DataTable).focus()
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_the_dry_run_summary(
    snap_compare: SnapCompare,
    make_app: Callable[..., OffboardApp],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
) -> None:
    assert snap_compare(
        make_app(), terminal_size=size, run_before=snapshot_before(tmp_path, monkeypatch)
    )
