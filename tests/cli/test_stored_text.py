"""Stored text never drives the terminal (issue 21): whatever the database holds — a row written
before control characters were refused, another program's, an import's — ``show``, ``list``,
``today`` and ``audit`` print a control character as a visible escape (``\\x1b``), and so do
refusals; a playbook label with one is refused by ``playbook check`` and ``playbook show``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from data import cancellations
from data.db import connection, database
from data.errors import CONTROL
from data.models import Cancellation, Customer
from data.playbook import DEFAULT_PLAYBOOK, use_playbook
from tests.cli.conftest import LEAD, Result, Run
from tui.cli.output import fail, out

CLEAR_SCREEN = "\x1b[2J"
TITLE = "\x1b]0;pwned\x07"
NAME = f"Acme{CLEAR_SCREEN}{TITLE} Ltd"
SHOWN_NAME = "Acme\\x1b[2J\\x1b]0;pwned\\x07 Ltd"
REASON = f"Too dear{CLEAR_SCREEN}\x9b31m"
SHOWN_REASON = "Too dear\\x1b[2J\\x9b31m"


def clean(result: Result) -> None:
    """Nothing printed holds a control character: no escape reaches the terminal."""
    assert not CONTROL.search(result.out), result.out
    assert not CONTROL.search(result.err), result.err


@pytest.fixture
def stored_raw(run: Run, demo_db: str) -> str:
    """A customer with a task due today whose name and reason were written past the fields,
    and whose reason was then changed (the audit trail keeps the old one); its account."""
    due = json.loads(run("today", "--json").out)
    account = str(due[0]["account"])
    with connection():
        customer = Customer.get(Customer.account == account)
        cancellation = Cancellation.get(
            (Cancellation.customer == customer) & (Cancellation.state == "pending")
        )
        database.execute_sql("UPDATE customer SET name = ? WHERE id = ?", (NAME, customer.id))
        database.execute_sql(
            "UPDATE cancellation SET reason_text = ? WHERE id = ?", (REASON, cancellation.id)
        )
    cancellations.set_reasons(LEAD, account, [], "Cheaper elsewhere")
    return account


def test_show_prints_stored_control_characters_escaped(run: Run, stored_raw: str) -> None:
    shown = run("show", stored_raw)

    assert shown.code == 0, shown.err
    clean(shown)
    assert shown.out.splitlines()[0] == f"{SHOWN_NAME} ({stored_raw})"


def test_list_prints_stored_control_characters_escaped(run: Run, stored_raw: str) -> None:
    listed = run("list")

    assert listed.code == 0, listed.err
    clean(listed)
    assert SHOWN_NAME in listed.out
    as_json = run("list", "--json")
    clean(as_json)
    assert NAME in [row["name"] for row in json.loads(as_json.out)]


def test_today_prints_stored_control_characters_escaped(run: Run, stored_raw: str) -> None:
    today = run("today")

    assert today.code == 0, today.err
    clean(today)
    assert SHOWN_NAME[:24] in today.out


def test_audit_prints_a_stored_value_with_control_characters_escaped(
    run: Run, stored_raw: str
) -> None:
    trail = run("audit", stored_raw)

    assert trail.code == 0, trail.err
    clean(trail)
    assert f"{SHOWN_REASON} → Cheaper elsewhere" in trail.out
    as_json = run("audit", stored_raw, "--json")
    clean(as_json)
    assert REASON in as_json.out.encode().decode("unicode_escape")


def test_a_refusal_echoing_control_characters_prints_them_escaped(run: Run, demo_db: str) -> None:
    refused = run("show", f"9{CLEAR_SCREEN}")

    assert refused.code != 0
    clean(refused)
    assert "\\x1b[2J" in refused.err


def test_out_and_fail_write_every_control_character_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out(f"a{CLEAR_SCREEN}\tb\nc\x9b\x7f\x00\r")
    fail(f"no{TITLE}")

    written = capsys.readouterr()
    assert written.out == "a\\x1b[2J\tb\nc\\x9b\\x7f\\x00\\x0d\n"
    assert written.err == "offboard: no\\x1b]0;pwned\\x07\n"


# ----------------------------------------------------------------------------- playbook labels


@pytest.fixture
def hostile_playbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The shipped playbook with a label that holds ESC, BEL and NUL (TOML escapes)."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    for variable in ("OFFBOARD_CONFIG", "OFFBOARD_PLAN", "OFFBOARD_TEMPLATES"):
        monkeypatch.delenv(variable, raising=False)
    text = DEFAULT_PLAYBOOK.read_text(encoding="utf-8")
    assert 'label = "Account Team"' in text
    path = tmp_path / "f.toml"
    path.write_text(
        text.replace(
            'label = "Account Team"', 'label = "Account\\u001b]0;pwned\\u0007\\u0000 Team"', 1
        ),
        encoding="utf-8",
    )
    yield path
    use_playbook(None)


def test_playbook_check_refuses_a_label_with_control_characters(
    run: Run, hostile_playbook: Path
) -> None:
    checked = run("playbook", "check", str(hostile_playbook))

    assert checked.code == 1
    clean(checked)
    assert checked.out == ""
    assert checked.err.count("\n") == 1
    assert "label: the text holds a control character (\\x1b, at character 8)" in checked.err


def test_playbook_show_refuses_a_playbook_whose_label_holds_control_characters(
    run: Run, hostile_playbook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OFFBOARD_PLAYBOOK", str(hostile_playbook))

    shown = run("playbook", "show")

    assert shown.code == 2
    clean(shown)
    assert "the playbook cannot be used" in shown.err
    assert "control character (\\x1b" in shown.err
