"""The command line itself: usage errors, where --db and --user may go, opening the database,
and opening the app when no command is given."""

from __future__ import annotations

import io
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
    assert run("db", "init").code == 0
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
    assert run("db", "init", "--db", other).code == 0
    assert run("users", "list", "--json", "--db", other).out.strip() == "[]"
    assert run("users", "--db", other, "list", "--json").out.strip() == "[]"
    # The demo's 11 users and the lead who loaded it: the --db after the command wins.
    assert len(json.loads(run("--db", other, "users", "list", "--json", "--db", demo_db).out)) == 12


@pytest.mark.parametrize(
    ("location", "says"),
    [
        ("{tmp}", "is a folder"),
        ("{tmp}/not-a-database.txt", "is not a SQLite database"),
        ("mysql://root@localhost/offboard", "cannot use a 'mysql' database"),
        ("postgresql://postgres@127.0.0.1:notaport/offboard", "cannot be read"),
        # Port 1 on this machine: nothing listens there, so the connection is refused at once.
        ("postgresql://postgres:secret@127.0.0.1:1/offboard", "Cannot reach the PostgreSQL"),
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
    assert app_calls == [{"location": location, "login": "sam", "configured": True}]


def test_no_command_opens_the_app_with_the_environment(
    run: Run, app_calls: list[dict[str, Any]], empty_db: str
) -> None:
    assert run().code == 0
    assert app_calls == [{"location": empty_db, "login": "lead", "configured": True}]


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


# ----------------------------------------------------------------------------- ids and dates

ID_COMMANDS = [
    ["outbox", "retry"],
    ["outbox", "resend"],
    ["outbox", "mark-sent"],
    ["outbox", "withdraw"],
    ["reasons", "retire"],
    ["reasons", "restore"],
]


@pytest.mark.parametrize("command", ID_COMMANDS, ids=" ".join)
@pytest.mark.parametrize(
    "typed", ["99999999999999999999999", "9223372036854775808", "0", "-5", "abc", "1.5", ""]
)
def test_every_id_argument_refuses_what_is_not_an_id_as_a_usage_error(
    run: Run, demo_db: str, command: list[str], typed: str
) -> None:
    result = run(*command, typed)

    assert result.code == 2
    assert result.out == ""
    last = result.err.splitlines()[-1]
    assert last.endswith(
        f"error: argument ID: '{typed.strip()}' is not an id: give the whole number (1 or more) "
        "that the list shows"
    )


@pytest.mark.parametrize("command", ID_COMMANDS, ids=" ".join)
def test_the_largest_id_is_looked_up_and_not_found(
    run: Run, demo_db: str, command: list[str]
) -> None:
    result = run(*command, str(2**63 - 1))

    assert result.code == 1
    assert "9223372036854775807" in result.err


@pytest.mark.parametrize("typed", ["-7d", "-7", "-2w", "-1M", "-1y"])
def test_a_date_counted_back_is_a_date_not_an_option(run: Run, demo_db: str, typed: str) -> None:
    result = run("effective", "100012", typed, "--past", "--user", "lead")

    assert result.code == 0, result.err
    assert result.out.startswith("The effective date is ")


def test_a_review_date_counted_back_is_read_as_a_date(run: Run, demo_db: str) -> None:
    result = run("data", "100012", "hold", "--review", "-7d", "--reason", "Legal hold")

    assert result.code == 1  # read, and refused for being in the past: not a usage error
    assert "is not after today" in result.err


def test_an_option_that_is_not_a_date_is_still_an_option(run: Run, demo_db: str) -> None:
    result = run("effective", "100012", "-x")

    assert result.code == 2
    assert "the following arguments are required: DATE" in result.err


# ----------------------------------------------------------------------------- long input


def test_a_refusal_quotes_at_most_80_characters_of_a_long_input(run: Run, demo_db: str) -> None:
    result = run("effective", "100012", "x" * 100_000)

    assert result.code == 1
    assert result.err == (
        f"offboard: Invalid input: '{'x' * 80}… (100,000 characters)' is not a date. "
        "Write a date as 2026-12-31, today, tomorrow, +30d or -7d.\n"
    )


def test_a_usage_error_quotes_at_most_80_characters_of_a_long_input(run: Run, demo_db: str) -> None:
    result = run("list", "--status", "y" * 5000)

    assert result.code == 2
    assert f"invalid choice: '{'y' * 80}… (5,000 characters)'" in result.err
    assert len(result.err) < 1000


def test_a_nul_read_from_stdin_is_refused_in_one_line(
    run: Run, demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("3f2504e0-4f89-11d3-9a0c-0305e82c3301\x00\n"))

    result = run("deactivate", "100012")

    assert result.code == 1
    assert result.err.startswith("offboard: Invalid input: ")
    assert "\\x00" in result.err and "\x00" not in result.err
    assert result.err.count("\n") == 1
