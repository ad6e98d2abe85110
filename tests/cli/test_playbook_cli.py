"""``offboard playbook check FILE`` and ``offboard playbook show``, and the playbook named in the
configuration: a bad one stops every command at start with its line, a good one is in force.

The output of ``playbook check`` is compared with the text snapshots in tests/cli/snapshots/
(set UPDATE_TEXT_SNAPSHOTS=1 to rewrite them after a deliberate change)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from data.playbook import DEFAULT_PLAYBOOK, current_playbook, use_playbook
from data.playbook.load import load_playbook
from tests.cli.conftest import Result, Run
from tui.cli.commands.playbook import playbook_json

ROOT = DEFAULT_PLAYBOOK.parent.parent
SNAPSHOTS = Path(__file__).parent / "snapshots"
SETTING_VARIABLES = ("OFFBOARD_CONFIG", "OFFBOARD_PLAYBOOK", "OFFBOARD_PLAN", "OFFBOARD_TEMPLATES")

# A playbook with a typo in its task's milestone (line 25).
BAD = """\
# Our own playbook, with a mistake.
[playbook]
name = "Ours"

[parties.om]
label = "Order Management"

[steps.told]
label = "Admin told"

[[scenarios]]
key = "quick"
label = "Quick"

[[scenarios.sections]]
key = "told"
label = "Admin told"
steps = ["told"]

[[tasks]]
key = "call"
title = "Goodbye call"
parties = ["om"]
due = "day 1 after begin"
gates = "proces"
"""
BAD_LINE = "bad.toml, line 25, tasks[1].gates: 'proces' is not a milestone; "


@pytest.fixture(autouse=True)
def shipped_playbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads the real configuration; every test leaves the shipped playbook in force."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    for variable in SETTING_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    yield
    use_playbook(None)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def use_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, playbook: str) -> Path:
    """A configuration file naming the playbook (relative to the file), in a folder of its own."""
    folder = tmp_path / "settings"
    write(folder, "config.toml", f'[playbook]\nfile = "{playbook}"\n')
    monkeypatch.setenv("OFFBOARD_CONFIG", str(folder / "config.toml"))
    return folder


def snapshot(result: Result) -> str:
    return f"exit {result.code}\n--- stdout\n{result.out}--- stderr\n{result.err}"


def matches_snapshot(name: str, text: str) -> bool:
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_TEXT_SNAPSHOTS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return path.read_text(encoding="utf-8") == text


# ----------------------------------------------------------------------------- check


def test_check_says_the_default_is_valid_and_what_it_holds(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)

    result = run("playbook", "check", "playbooks/default.toml")

    assert (result.code, result.err) == (0, "")
    assert result.out == (
        "playbooks/default.toml: the playbook is valid: 14 parties, 6 sign-offs, 3 scenarios, "
        "12 tasks (3 gate Process, 9 gate Close)\n"
    )
    assert matches_snapshot("playbook_check_default.txt", snapshot(result))
    tool_only = run("playbook", "check", "playbooks/tool-only.toml")
    assert tool_only.code == 0
    assert tool_only.out.endswith(
        "0 sign-offs, 3 scenarios, 0 tasks (0 gate Process, 0 gate Close)\n"
    )


def test_check_refuses_a_bad_file_naming_its_line(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "bad.toml", BAD)
    monkeypatch.chdir(tmp_path)

    result = run("playbook", "check", "bad.toml")

    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"offboard: {BAD_LINE}did you mean 'process'? Use one of: process, close.\n"
    )
    assert matches_snapshot("playbook_check_bad.txt", snapshot(result))
    missing = run("playbook", "check", "nowhere.toml")
    assert (missing.code, missing.err) == (
        1,
        "offboard: There is no playbook file at nowhere.toml.\n",
    )


def unreadable_files(folder: Path) -> dict[str, Path]:
    """Files no playbook or mapping is: a device, a FIFO, one over 1 MiB, TOML 5,000 deep."""
    fifo = folder / "pipe.toml"
    os.mkfifo(fifo)  # with no writer: opened plainly, reading it would wait for ever
    big = folder / "big.toml"
    big.write_bytes(b"#" * (2 * 1024 * 1024))
    deep = folder / "deep.toml"
    deep.write_text('[playbook]\nname = "x"\nx = ' + "[" * 5000 + "]" * 5000 + "\n")
    return {
        "is a device, not a regular file": Path("/dev/zero"),
        "is a FIFO (a pipe), not a regular file": fifo,
        "is larger than 1 MiB": big,
        "line 3: the TOML nests tables and arrays more than 32 deep": deep,
    }


def test_check_refuses_what_is_no_playbook_file_in_one_line(run: Run, tmp_path: Path) -> None:
    for problem, path in unreadable_files(tmp_path).items():
        result = run("playbook", "check", path)
        assert (result.code, result.out) == (1, "")
        assert result.err.startswith(f"offboard: {path}") and problem in result.err
        assert len(result.err.splitlines()) == 1


def test_check_json(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "bad.toml", BAD)
    monkeypatch.chdir(tmp_path)

    good = run("playbook", "check", str(DEFAULT_PLAYBOOK), "--json")
    bad = run("playbook", "check", "bad.toml", "--json")

    assert good.code == 0
    assert json.loads(good.out) == {
        "file": str(DEFAULT_PLAYBOOK),
        "valid": True,
        "name": current_playbook().name,
        "digest": load_playbook(DEFAULT_PLAYBOOK).digest,
        "parties": 14,
        "sign_offs": 6,
        "scenarios": 3,
        "tasks": 12,
        "gate_process": 3,
        "gate_close": 9,
    }
    assert bad.code == 1
    shown = json.loads(bad.out)
    assert (shown["file"], shown["valid"]) == ("bad.toml", False)
    assert shown["error"].startswith(BAD_LINE)
    assert bad.err.startswith(f"offboard: {BAD_LINE}")


# ----------------------------------------------------------------------------- show


def test_show_prints_the_playbook_in_force(run: Run) -> None:
    result = run("playbook", "show")

    assert (result.code, result.err) == (0, "")
    lines = result.out.splitlines()
    playbook = load_playbook(DEFAULT_PLAYBOOK)
    assert lines[:4] == [
        playbook.name,
        f"  file              {DEFAULT_PLAYBOOK}",
        f"  version           {playbook.digest[:12]}",
        "  default scenario  buyout",
    ]
    assert "  mood           shown" in lines
    assert "  timeline       blocks" in lines
    assert any(line.split() == ["security", "Security", "security@example.com"] for line in lines)
    assert any(line.startswith("   6. final ") and line.endswith(" · final") for line in lines)
    assert "  collections: Past due — sent to collections · no contact · deactivates at once" in (
        lines
    )
    assert "Tasks (3 gate Process, 9 gate Close; Close due day 33 after begin)" in lines
    assert any(line.startswith("   1. notice_received ") for line in lines)
    assert (
        "      by Order Management · completed by e-mail final_termination_notice to Account "
        "Team, cc Customer Success, Sales Operations, Security, Legal"
    ) in lines
    # The approval chain of change requests: its steps in order, then where it goes.
    chain = lines.index("Approval chain of change requests, in order")
    assert lines[chain + 1 :] == [
        "   1. approver_1            First approval · approver role:approver",
        "   2. approver_2            Second approval · approver role:approver",
        "   3. finance               Finance approves the credit · approver role:finance · when "
        "credit > 0",
        "  handover          Accounting",
        "  distribution      Digital Marketing Operations",
        "  reminder          7 days before the effective date",
    ]


def test_show_json_has_stable_keys(run: Run) -> None:
    result = run("playbook", "show", "--json")

    assert result.code == 0
    shown = json.loads(result.out)
    assert shown == playbook_json(load_playbook(DEFAULT_PLAYBOOK))
    assert list(shown) == [
        "name",
        "source",
        "digest",
        "default_scenario",
        "close_due",
        "sections",
        "parties",
        "sign_offs",
        "steps",
        "scenarios",
        "tasks",
        "approval",
    ]
    assert shown["close_due"] == "day 33 after begin"
    assert shown["sections"]["mood"] == "shown"
    assert [team["final"] for team in shown["sign_offs"]] == [False] * 5 + [True]
    assert list(shown["tasks"][0]) == [
        "key",
        "title",
        "parties",
        "due",
        "completed_by",
        "template",
        "to",
        "cc",
        "gates",
    ]
    assert [task["gates"] for task in shown["tasks"]].count("process") == 3
    collections = shown["scenarios"][2]
    assert collections["sections"] == [
        {
            "key": "no_contact",
            "label": "No contact (collections)",
            "kind": "note",
            "steps": [],
            "note": "No e-mail or call to the admin; deactivate at once, without notice",
        },
        {
            "key": "csm_told",
            "label": "CSM told",
            "kind": "steps",
            "steps": ["csm-told"],
            "note": "",
        },
    ]
    assert shown["approval"] == {
        "handover": "accounting",
        "distribution": ["dm_operations"],
        "reminder_days": 7,
        "steps": [
            {
                "key": "approver_1",
                "label": "First approval",
                "approver": "role:approver",
                "when": None,
            },
            {
                "key": "approver_2",
                "label": "Second approval",
                "approver": "role:approver",
                "when": None,
            },
            {
                "key": "finance",
                "label": "Finance approves the credit",
                "approver": "role:finance",
                "when": "credit > 0",
            },
        ],
    }


def test_show_lists_an_approval_chain_of_its_own_and_none_without_one(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = DEFAULT_PLAYBOOK.read_text(encoding="utf-8")
    start = default.index("[approval]\n")
    end = default.index('when = "credit > 0"\n') + len('when = "credit > 0"\n')
    ours = write(
        tmp_path,
        "ours.toml",
        default[:start]
        + '[approval]\nhandover = "accounting"\nreminder_days = 1\n\n'
        + '[[approval.steps]]\nkey = "kim"\nlabel = "Kim signs large reductions"\n'
        + 'approver = "user:kim"\nwhen = "kind == reduce and credit >= 100"\n'
        + default[end:],
    )
    monkeypatch.setenv("OFFBOARD_PLAYBOOK", str(ours))

    shown = json.loads(run("playbook", "show", "--json").out)["approval"]
    text = run("playbook", "show").out.splitlines()

    assert shown == {
        "handover": "accounting",
        "distribution": [],
        "reminder_days": 1,
        "steps": [
            {
                "key": "kim",
                "label": "Kim signs large reductions",
                "approver": "user:kim",
                "when": "kind == reduce and credit >= 100",
            }
        ],
    }
    chain = text.index("Approval chain of change requests, in order")
    assert text[chain + 1 :] == [
        "   1. kim                   Kim signs large reductions · approver user:kim · when kind "
        "== reduce and credit >= 100",
        "  handover          Accounting",
        "  distribution      none",
        "  reminder          1 day before the effective date",
    ]

    # The tool-only playbook has no [approval]: null, and the text says what that means.
    monkeypatch.setenv("OFFBOARD_PLAYBOOK", str(ROOT / "playbooks" / "tool-only.toml"))
    assert json.loads(run("playbook", "show", "--json").out)["approval"] is None
    assert run("playbook", "show").out.splitlines()[-2:] == [
        "Approval chain of change requests, in order",
        "  none: the playbook has no [approval], so no change request can be submitted",
    ]


# ----------------------------------------------------------------------------- configuration


def test_the_configured_playbook_is_the_one_in_force(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = use_config(tmp_path, monkeypatch, "ours.toml")
    ours = write(folder, "ours.toml", (ROOT / "playbooks" / "tool-only.toml").read_text())

    shown = json.loads(run("playbook", "show", "--json").out)

    assert (shown["name"], shown["source"]) == ("Cancellation Tool only", str(ours))
    assert shown["tasks"] == [] and shown["sign_offs"] == []
    assert current_playbook().source == str(ours)


def test_the_environment_names_a_playbook_too(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_config(tmp_path, monkeypatch, "missing.toml")
    ours = write(tmp_path, "env.toml", (ROOT / "playbooks" / "tool-only.toml").read_text())
    monkeypatch.setenv("OFFBOARD_PLAYBOOK", str(ours))

    assert json.loads(run("playbook", "show", "--json").out)["source"] == str(ours)


@pytest.mark.parametrize("argv", [["list"], ["playbook", "show"], ["today"], []])
def test_a_bad_configured_playbook_stops_every_command_at_start(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    folder = use_config(tmp_path, monkeypatch, "bad.toml")
    bad = write(folder, "bad.toml", BAD)

    result = run(*argv)

    assert (result.code, result.out) == (2, "")
    assert result.err.startswith(
        f"offboard: Configuration error: the playbook cannot be used: {folder}/{BAD_LINE}"
    )
    assert str(bad) in result.err


def test_a_corrected_file_can_be_checked_while_the_configured_one_is_broken(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = use_config(tmp_path, monkeypatch, "bad.toml")
    write(folder, "bad.toml", BAD)
    fixed = write(folder, "fixed.toml", BAD.replace('"proces"', '"process"'))

    result = run("playbook", "check", str(fixed))

    assert result.code == 0
    assert result.out.startswith(f"{fixed}: the playbook is valid: 1 party, 0 sign-offs")
    assert "Configuration error: the playbook cannot be used: " in result.err
    missing = write(tmp_path, "config.toml", '[playbook]\nfile = "nowhere.toml"\n')
    monkeypatch.setenv("OFFBOARD_CONFIG", str(missing))
    result = run("playbook", "show")
    assert result.code == 2
    assert f"There is no playbook file at {tmp_path / 'nowhere.toml'}" in result.err


def test_an_unknown_key_under_playbook_in_the_configuration_is_refused(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "settings"
    write(folder, "config.toml", '[playbook]\nfiles = "ours.toml"\n')
    monkeypatch.setenv("OFFBOARD_CONFIG", str(folder / "config.toml"))

    result = run("playbook", "show")

    assert result.code == 2
    assert "has 'files' under [playbook], which offboard does not know. Use: file." in result.err
