"""What the command line reads as a number or a name (issue 21): an id, a version, a port or an
account is written in the digits 0-9 (never '３' or '٣', which int() reads as 3); an account is
echoed as typed; a credit past what a change request records is a one-line refusal; ``mail``
names every e-mail it can write; and no refusal prints on two lines."""

from __future__ import annotations

import json

import pytest

from data.retention.requests import CREDIT_LIMIT
from tests.cli.conftest import Run
from tests.cli.test_usage import ID_COMMANDS
from tui.cli.output import fail
from tui.config import ConfigError, load_settings

LIVE = "100002"  # Blue Harbor Logistics: Live, owned by Riley Chen
REDWOOD = "100012"  # pending cancellation
NOT_ASCII = ["３", "٣", "１０", "³", "1_0", "+3"]  # full-width, Arabic-Indic, superscript…


def state_of(run: Run, request: str) -> tuple[str, int]:
    shown = json.loads(run("change-request", "show", request, "--json").out)
    return shown["state"], shown["version"]


# ----------------------------------------------------------------------------- ids, versions


@pytest.mark.parametrize("typed", NOT_ASCII)
def test_approve_and_reject_take_no_other_scripts_digits(
    run: Run, demo_db: str, typed: str
) -> None:
    before = state_of(run, "3")
    for argv in (
        ["approve", typed, "--user", "jeremy"],
        ["reject", typed, "--comment", "no", "--user", "jeremy"],
    ):
        result = run(*argv)
        assert result.code == 2, result.err
        assert result.out == ""
        assert result.err.splitlines()[-1].endswith(
            f"error: argument ID: '{typed}' is not an id: give the whole number (1 or more) "
            "that the list shows"
        )
    assert state_of(run, "3") == before


@pytest.mark.parametrize("command", ID_COMMANDS, ids=" ".join)
def test_every_id_argument_takes_the_digits_0_to_9_only(
    run: Run, demo_db: str, command: list[str]
) -> None:
    for typed in ("３", "٣"):
        result = run(*command, typed)
        assert result.code == 2
        assert f"'{typed}' is not an id" in result.err


@pytest.mark.parametrize(
    "argv",
    [
        ["approve", "3", "--user", "jeremy"],
        ["save-attempt", LIVE, "--outcome", "open"],
        ["mood", REDWOOD, "happy"],
    ],
    ids=["request", "save-attempt", "mood"],
)
def test_an_expected_version_takes_the_digits_0_to_9_only(
    run: Run, demo_db: str, argv: list[str]
) -> None:
    for typed in ("３", "1_0", "0"):
        result = run(*argv, "--expected-version", typed)
        assert result.code == 2, result.err
        assert result.err.splitlines()[-1].endswith(
            f"argument --expected-version: '{typed}' is not a version: give the whole number "
            "(1 or more) that show --json gives as version"
        )


def test_a_reason_given_in_other_digits_is_a_name_not_an_id(run: Run, demo_db: str) -> None:
    result = run("reasons", "set", REDWOOD, "３")

    assert result.code == 1
    assert result.err == (
        "offboard: Not found: There is no reason '３' in the list. See them with: offboard "
        "reasons list\n"
    )


@pytest.mark.parametrize("typed", ["３", "²", "8_000"])
def test_a_port_takes_the_digits_0_to_9_only(run: Run, typed: str) -> None:
    result = run("serve", "--port", typed)

    assert result.code == 2
    assert f"argument --port: '{typed}' is not a port: give 1 to 65535" in result.err


@pytest.mark.parametrize("typed", ["３", "²"])
def test_a_configured_number_takes_the_digits_0_to_9_only(typed: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(None, "sam", {"OFFBOARD_NOTICE_DAYS": typed})

    assert f"is '{typed}': give days of notice, a whole number from 0 to 60." in str(refused.value)


# ----------------------------------------------------------------------------- accounts


@pytest.mark.parametrize(
    ("argv", "typed"),
    [
        (["show", "--", "-1"], "-1"),
        (["show", "-7d"], "-7d"),
        (["show", "１０００１２"], "１０００１２"),
        (["show", "  "], ""),
        (["begin", "٣"], "٣"),
        (["save-attempts", "--", "-1"], "-1"),
        (["change-request", "list", "--", "-5"], "-5"),
        (["outbox", "list", "--account=-1"], "-1"),
    ],
)
def test_what_is_not_an_account_is_echoed_as_typed_and_says_what_an_account_is(
    run: Run, demo_db: str, argv: list[str], typed: str
) -> None:
    result = run(*argv)

    assert result.code == 2
    assert result.out == ""
    assert result.err.splitlines()[-1].endswith(
        f": '{typed}' is not an account number: give the digits of an account, as 'offboard "
        "list' shows them, e.g. 100012"
    )


def test_an_account_with_spaces_around_it_is_still_the_account(run: Run, demo_db: str) -> None:
    result = run("show", f" {REDWOOD} ", "--json")

    assert result.code == 0, result.err
    assert json.loads(result.out)["account"] == REDWOOD


# ----------------------------------------------------------------------------- credits


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("1e30", "The credit '1e30' is too large: write at most 9,999,999,999.99"),
        ("99999999999999999999", "The credit '99999999999999999999' is too large"),
        ("NaN", "The credit 'NaN' is not a number"),
        ("Infinity", "The credit 'Infinity' is not a number"),
        ("1e-9", "The credit '1e-9' has more than two decimals"),
    ],
)
def test_a_credit_past_what_a_request_records_is_one_line(
    run: Run, demo_db: str, typed: str, says: str
) -> None:
    for argv in (
        ["change-request", "create", LIVE, "--kind", "reduce", "--effective", "+30d"],
        ["change-request", "edit", "3", "--user", "amy"],
    ):
        result = run(*argv, f"--credit={typed}")
        assert result.code == 1
        assert result.err.startswith(f"offboard: Invalid input: {says}")
        assert result.err.count("\n") == 1


def test_the_credit_help_states_the_maximum_and_minus_zero_is_zero(run: Run, demo_db: str) -> None:
    helped = run("change-request", "create", "--help")
    assert f"the credit to be issued (0 to {CREDIT_LIMIT:,})" in " ".join(helped.out.split())
    made = run(
        "change-request", "create", LIVE, "--kind", "reduce", "--effective", "+30d",
        "--credit", "5", "--json",
    )  # fmt: skip
    number = str(json.loads(made.out)["request"]["id"])
    edited = run("change-request", "edit", number, "--credit=-0", "--json")
    assert edited.code == 0, edited.err
    shown = json.loads(run("change-request", "show", number, "--json").out)
    assert shown["credit"] == "0.00"
    assert shown["history"][-1]["detail"] == {"credit": "0.00"}


# ----------------------------------------------------------------------------- mail


@pytest.mark.parametrize(
    ("typed", "wrong"),
    [
        ("weird", "'weird' is not a task of the plan, nor an e-mail offboard writes"),
        ("Data-Decision", "' sends no e-mail"),  # a task of the plan: its title is named
        ("termination_notified", "' sends no e-mail"),
    ],
)
def test_mail_names_every_e_mail_it_can_write(
    run: Run, demo_db: str, typed: str, wrong: str
) -> None:
    result = run("mail", REDWOOD, typed, "--show")

    assert result.code == 1
    assert result.err.startswith("offboard: Invalid input: '")
    assert result.err.endswith(
        f"{wrong}: give offboarding, final-termination or final_termination_mail.\n"
    )
    assert result.err.count("\n") == 1


@pytest.mark.parametrize("typed", ["offboarding", "final-termination", "final_termination_mail"])
def test_each_name_mail_gives_is_one_it_writes(run: Run, demo_db: str, typed: str) -> None:
    result = run("mail", REDWOOD, typed, "--show")

    assert result.code == 0, result.err
    assert result.out.startswith("To:")


# ----------------------------------------------------------------------------- one line


def test_a_refusal_never_prints_on_two_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert fail("'a@b.example\r\nBcc: x@y.example' is not an address.\u2028Fix it.") == 1

    assert capsys.readouterr().err == (
        "offboard: 'a@b.example\\r\\nBcc: x@y.example' is not an address.\\u2028Fix it.\n"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["users", "add", "zed", "--name", "Zed", "--email", "z@x.example\r\nBcc: q@y.example"],
        ["users", "set", "tess", "--email", "z@x.example\r\nBcc: q@y.example"],
    ],
    ids=["add", "set"],
)
def test_an_address_with_a_line_end_is_refused_on_one_line(
    run: Run, demo_db: str, argv: list[str]
) -> None:
    result = run(*argv)

    assert result.code == 1
    assert result.err == (
        "offboard: Invalid input: 'z@x.example\\r\\nBcc: q@y.example' is not an e-mail "
        "address, such as sam.lee@example.com.\n"
    )
