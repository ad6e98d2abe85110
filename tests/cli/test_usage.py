"""The command line itself: usage errors, where --db and --user may go, opening the database,
and opening the app when no command is given."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Run


@pytest.mark.parametrize(
    "argv",
    [
        ["bogus"],
        ["list", "--status", "gone"],
        ["list", "--bogus"],
        ["show"],
        ["begin"],
        ["process", "100011", "100012"],
        ["users"],
        ["users", "add", "pat"],  # --name is required
        ["users", "set", "tess"],  # nothing to change
        ["users", "set", "tess", "--active", "--inactive"],
        ["reasons", "retire", "first"],
        ["list", "--jso"],  # no abbreviations: a script's options mean one thing forever
    ],
)
def test_usage_errors_exit_2(run: Run, empty_db: str, argv: list[str]) -> None:
    result = run(*argv)
    assert result.code == 2
    assert "usage: offboard" in result.err
    assert result.out == ""


def test_help_exits_0(run: Run) -> None:
    result = run("list", "--help")
    assert result.code == 0
    assert "--status" in result.out
    assert "--db" in result.out


def test_db_and_user_work_after_the_command_and_before_it(
    run: Run, demo_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # OFFBOARD_DATABASE names an empty database: only --db can find the demo one.
    monkeypatch.setenv("OFFBOARD_DATABASE", str(tmp_path / "other.db"))
    assert json.loads(run("list", "--json").out) == []
    after = json.loads(run("list", "--json", "--db", demo_db).out)
    before = json.loads(run("--db", demo_db, "list", "--json").out)
    assert len(after) == 40
    assert after == before
    refused = run("--db", demo_db, "--user", "nobody", "begin", "100001")
    assert refused.code == 1
    assert "'nobody'" in refused.err
    # Given in both places, the one after the command wins.
    chosen = run("--user", "nobody", "begin", "100001", "--db", demo_db, "--user", "riley")
    assert chosen.code == 0, chosen.err
    shown = json.loads(run("show", "100001", "--json", "--db", demo_db).out)
    assert shown["cancellation"]["begun_by"] == "Riley Chen"


def test_db_and_user_work_on_nested_commands(run: Run, demo_db: str, tmp_path: Path) -> None:
    other = str(tmp_path / "other.db")
    assert run("users", "list", "--json", "--db", other).out.strip() == "[]"
    assert run("users", "--db", other, "list", "--json").out.strip() == "[]"
    assert len(json.loads(run("--db", other, "users", "list", "--json", "--db", demo_db).out)) == 7


@pytest.mark.parametrize(
    ("location", "says"),
    [
        ("{tmp}", "is a folder"),
        ("{tmp}/not-a-database.txt", "Cannot open the database"),
        ("mysql://root@localhost/offboard", "cannot use a 'mysql' database"),
        ("postgresql://postgres@127.0.0.1:notaport/offboard", "Cannot open the database"),
        # Port 1 on this machine: nothing listens there, so the connection is refused at once.
        ("postgresql://postgres:secret@127.0.0.1:1/offboard", "Cannot open the database"),
    ],
)
def test_a_database_that_cannot_be_opened_is_a_clear_refusal(
    run: Run, tmp_path: Path, location: str, says: str
) -> None:
    (tmp_path / "not-a-database.txt").write_text("these are notes, not a database\n")
    result = run("list", "--db", location.format(tmp=tmp_path))
    assert result.code == 1
    assert result.out == ""
    assert result.err.startswith("offboard: ")
    assert says in result.err
    assert result.err.count("\n") == 1  # one line, not a driver's multi-line dump
    assert "secret" not in result.err
    assert (tmp_path / "not-a-database.txt").read_text() == "these are notes, not a database\n"


def test_a_database_from_the_environment_that_cannot_be_opened(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OFFBOARD_DATABASE", str(tmp_path))
    result = run("users", "list")
    assert result.code == 1
    assert "is a folder" in result.err


@pytest.fixture
def app_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Stand in for tui.app, recording how the command line would open the app."""
    calls: list[dict[str, Any]] = []
    fake = types.ModuleType("tui.app")

    def run_app(**kwargs: Any) -> None:
        calls.append(kwargs)

    fake.run_app = run_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tui.app", fake)
    return calls


def test_no_command_opens_the_app_with_the_settings(
    run: Run, app_calls: list[dict[str, Any]], tmp_path: Path
) -> None:
    location = str(tmp_path / "team.db")
    assert run("--db", location, "--user", "Sam").code == 0
    assert app_calls == [{"location": location, "login": "sam"}]


def test_no_command_opens_the_app_with_the_environment(
    run: Run, app_calls: list[dict[str, Any]], empty_db: str
) -> None:
    assert run().code == 0
    assert app_calls == [{"location": empty_db, "login": "lead"}]


def test_the_app_may_refuse_like_any_command(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    from data.errors import NotAllowed

    fake = types.ModuleType("tui.app")

    def run_app(**kwargs: Any) -> None:
        raise NotAllowed("There is no offboard user 'lead'.")

    fake.run_app = run_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tui.app", fake)
    result = run()
    assert result.code == 1
    assert result.err == "offboard: Not allowed: There is no offboard user 'lead'.\n"
