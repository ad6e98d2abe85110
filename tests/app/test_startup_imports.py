"""The app starts on what its first screen, the customer list, needs: importing it and opening
an up-to-date database load no other screen, no mail machinery, no timeline or rules, no
migration runner and no PostgreSQL driver; each is imported when first used."""

from __future__ import annotations

from pathlib import Path

from tests.imports import imported_after

# Modules (and their submodules) the customer list does not need to show its first page.
NOT_AT_START = (
    "psycopg2",
    "smtplib",
    "email.message",
    "markdown_it",
    "arrow",
    "data.timeline",
    "data.playbook",
    "data.rules",
    "data.records",
    "data.billing",
    "data.outbox",
    "data.mail_transport",
    "data.dates",
    "playhouse.migrations",
    "playhouse.db_url",
)
FIRST_SCREENS = ["screens.base", "screens.customer_list", "screens.footer", "screens.plain"]


def not_needed(modules: list[str]) -> list[str]:
    return [
        name
        for name in modules
        if any(name == unwanted or name.startswith(f"{unwanted}.") for unwanted in NOT_AT_START)
    ]


def test_importing_the_app_loads_only_the_first_screen(tmp_path: Path) -> None:
    modules = imported_after("import tui.app", tmp_path)
    assert not_needed(modules) == []
    # The app's own base and the one way stored text is drawn (plain, never markup).
    assert [name for name in modules if name.startswith("screens.")] == [
        "screens.base",
        "screens.plain",
    ]


def test_starting_on_an_up_to_date_database_loads_no_more(tmp_path: Path) -> None:
    location = tmp_path / "offboard.db"
    imported_after(f"from data.db import open_database\nopen_database({str(location)!r})", tmp_path)
    # What the app does before the customer list is drawn: its settings, the database opened
    # (checked, not migrated), the acting user, the list screen and its first page.
    start = (
        "from tui.app import create_app\n"
        "from screens.customer_list import CustomerListScreen\n"
        "from data.audit import acting_login\n"
        "from data.db import open_database\n"
        "from data.users import list_users\n"
        "from data.views import customer_list_page\n"
        f"app = create_app({str(location)!r}, 'lead')\n"
        f"open_database({str(location)!r}, pooled=True, create=False)\n"
        "acting_login('lead', chosen=True)\n"
        "list_users()\n"
        "customer_list_page('', None, after=None, limit=100, counted=True)\n"
    )
    modules = imported_after(start, tmp_path)
    assert not_needed(modules) == []
    assert [name for name in modules if name.startswith("screens.")] == FIRST_SCREENS


def test_the_pending_cancellations_bring_the_timeline_when_read(tmp_path: Path) -> None:
    # The check above can fail: what it keeps out is loaded by the code that needs it.
    location = tmp_path / "offboard.db"
    code = (
        "from data.db import open_database\n"
        "from data.customers import pending_cancellations\n"
        f"open_database({str(location)!r})\n"
        "pending_cancellations('lead')\n"
    )
    modules = imported_after(code, tmp_path)
    assert "data.timeline" in modules
    assert "arrow" in modules
