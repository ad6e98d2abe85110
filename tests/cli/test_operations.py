"""Changing data from the command line: demo, begin/remove/process, users and reasons."""

from __future__ import annotations

import getpass
import json

import pytest

from data import cancellations
from tests.cli.conftest import LEAD, Run


def status_of(run: Run, account: str) -> str:
    shown = json.loads(run("show", account, "--json").out)
    return str(shown["status"])


def test_demo_fills_an_empty_database_and_makes_the_user_a_team_lead(
    run: Run, empty_db: str
) -> None:
    result = run("demo")
    assert result.code == 0, result.err
    assert "40 customers" in result.out
    assert empty_db in result.out
    assert len(json.loads(run("list", "--json").out)) == 40
    users = {user["login"]: user for user in json.loads(run("users", "list", "--json").out)}
    assert users[LEAD]["roles"] == ["crm-admin", "customer-cancellation"]
    # 100012 was begun by whoever ran the demo.
    shown = json.loads(run("show", "100012", "--json").out)
    assert shown["cancellation"]["begun_by"] == "Lead"


def test_demo_refuses_a_database_with_data_and_keeps_it(run: Run, demo_db: str) -> None:
    assert run("begin", "100001").code == 0
    result = run("demo")
    assert result.code == 1
    assert result.out == ""
    assert result.err.startswith("offboard: ")
    assert "offboard demo --force" in result.err
    assert status_of(run, "100001") == "Live (PC)"


def test_demo_force_replaces_everything(run: Run, demo_db: str) -> None:
    assert run("begin", "100001").code == 0
    result = run("demo", "--force")
    assert result.code == 0, result.err
    assert result.out.startswith("Replaced everything in")
    assert status_of(run, "100001") == "Live"
    assert len(json.loads(run("list", "--json").out)) == 40


def test_demo_if_empty_loads_once_then_leaves_the_data_alone(run: Run, empty_db: str) -> None:
    first = run("demo", "--if-empty")
    assert first.code == 0, first.err
    assert first.out.startswith("Loaded the demo data into")
    assert run("begin", "100001").code == 0
    again = run("demo", "--if-empty")
    assert again.code == 0, again.err
    assert "left as it is" in again.out
    # The begun cancellation survived: nothing was reloaded.
    assert status_of(run, "100001") == "Live (PC)"


def test_demo_run_as_a_demo_user_without_roles_still_completes(run: Run, empty_db: str) -> None:
    result = run("demo", "--user", "tess")
    assert result.code == 0, result.err
    users = {user["login"]: user for user in json.loads(run("users", "list", "--json").out)}
    assert "customer-cancellation" in users["tess"]["roles"]
    assert status_of(run, "100012") == "Live (PC)"


def test_demo_refuses_a_login_that_cannot_be_one(run: Run, empty_db: str) -> None:
    result = run("demo", "--user", "Jane Doe")
    assert result.code == 1
    assert "--user LOGIN" in result.err
    assert json.loads(run("users", "list", "--json").out) == []


def test_begin_then_remove(run: Run, demo_db: str) -> None:
    begun = run("begin", "100001")
    assert begun.code == 0, begun.err
    assert begun.out == (
        "Cancellation of Northwind Dental Group begun (Cancellation request (buyout)): "
        "the customer is now Live (PC).\n"
    )
    assert status_of(run, "100001") == "Live (PC)"
    removed = run("remove", "100001")
    assert removed.code == 0
    assert removed.out == (
        "Cancellation of Northwind Dental Group removed: the customer is Live again.\n"
    )
    assert status_of(run, "100001") == "Live"


def test_begin_twice_is_refused(run: Run, demo_db: str) -> None:
    assert run("begin", "100001").code == 0
    again = run("begin", "100001")
    assert again.code == 1
    assert again.out == ""
    assert again.err.startswith("offboard: Conflict: Northwind Dental Group is already pending")


def test_remove_without_a_pending_cancellation_is_refused(run: Run, demo_db: str) -> None:
    result = run("remove", "100001")
    assert result.code == 1
    assert "has no pending cancellation" in result.err


def test_process_is_refused_while_sales_orders_are_red(run: Run, demo_db: str) -> None:
    result = run("process", "100011")
    assert result.code == 1
    assert result.out == ""
    assert result.err == (
        "offboard: Not ready: Pinecrest Home Health cannot be processed yet: "
        "1 section still red: Sales orders.\n"
    )
    assert status_of(run, "100011") == "Live (PC)"


def test_process_once_every_section_is_clear_and_not_twice(run: Run, demo_db: str) -> None:
    # Close the last red section the way the app would, then process from the command line.
    cancellations.close_records(LEAD, "100011", "sales_orders", "Cancelled")
    done = run("process", "100011")
    assert done.code == 0, done.err
    # Its whole timeline is done (the contract ended today): the case waits only for Close.
    assert done.out.startswith(
        "Pinecrest Home Health is Cancelled, now owned by Tess Okafor. The termination case "
        "stays open: every task is done: close it."
    )
    shown = json.loads(run("show", "100011", "--json").out)
    assert shown["status"] == "Cancelled"
    assert shown["owner"] == "Tess Okafor"
    assert shown["cancellation"]["processed_by"] == "Lead"
    again = run("process", "100011")
    assert again.code == 1
    assert again.err.startswith(
        "offboard: Conflict: Pinecrest Home Health was already cancelled on"
    )


@pytest.mark.parametrize("command", ["begin", "remove", "process"])
def test_an_unknown_account_is_refused(run: Run, demo_db: str, command: str) -> None:
    result = run(command, "424242")
    assert result.code == 1
    assert result.err == "offboard: Not found: There is no customer with account number '424242'.\n"


def test_an_unknown_user_is_told_how_to_be_added(run: Run, demo_db: str) -> None:
    result = run("begin", "100001", "--user", "nobody")
    assert result.code == 1
    assert result.err.startswith("offboard: Not allowed: There is no offboard user 'nobody'.")
    assert "offboard users add nobody --name" in result.err
    assert status_of(run, "100001") == "Live"


def test_a_user_without_the_role_is_refused(run: Run, demo_db: str) -> None:
    result = run("begin", "100001", "--user", "tess")
    assert result.code == 1
    assert "Tess Okafor cannot begin a cancellation" in result.err


def test_a_deactivated_user_is_refused(run: Run, demo_db: str) -> None:
    result = run("--user", "casey", "begin", "100001")
    assert result.code == 1
    assert "deactivated" in result.err


def test_user_from_the_environment_acts(
    run: Run, demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OFFBOARD_USER", "alex")
    assert run("begin", "100001").code == 0
    shown = json.loads(run("show", "100001", "--json").out)
    assert shown["cancellation"]["begun_by"] == "Alex Morgan"


def test_user_defaults_to_the_login_name(
    run: Run, demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OFFBOARD_USER")
    monkeypatch.setattr(getpass, "getuser", lambda: "Riley")
    assert run("begin", "100001").code == 0
    shown = json.loads(run("show", "100001", "--json").out)
    assert shown["cancellation"]["begun_by"] == "Riley Chen"


def test_no_user_at_all_is_refused_with_how_to_name_one(
    run: Run, demo_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_user() -> str:
        raise OSError("No username set in the environment")

    monkeypatch.delenv("OFFBOARD_USER")
    monkeypatch.setattr(getpass, "getuser", no_user)
    result = run("begin", "100001")
    assert result.code == 1
    assert result.err == (
        "offboard: Invalid input: offboard cannot tell who you are. "
        "Pass --user LOGIN or set OFFBOARD_USER.\n"
    )


def test_first_user_of_an_empty_database_needs_no_acting_user(run: Run, empty_db: str) -> None:
    # OFFBOARD_USER names someone who does not exist: the first user needs nobody.
    assert run("db", "init").code == 0  # `users add` alone creates no database
    added = run("users", "add", "dana", "--name", "Dana Scully", "--email", "dana@example.com")
    assert added.code == 0, added.err
    assert added.out == "Added user dana (Dana Scully): crm-admin; active.\n"
    second = run("users", "add", "fox", "--name", "Fox Mulder")
    assert second.code == 1
    assert "There is no offboard user 'lead'" in second.err
    by_dana = run(
        "users", "add", "fox", "--name", "Fox Mulder", "--role", "customer-cancellation",
        "--user", "dana",
    )  # fmt: skip
    assert by_dana.code == 0, by_dana.err
    users = json.loads(run("users", "list", "--json").out)
    assert users == [
        {
            "login": "dana",
            "name": "Dana Scully",
            "email": "dana@example.com",
            "roles": ["crm-admin"],
            "active": True,
        },
        {
            "login": "fox",
            "name": "Fox Mulder",
            "email": None,
            "roles": ["customer-cancellation"],
            "active": True,
        },
    ]


def test_users_add_by_a_non_admin_is_refused(run: Run, demo_db: str) -> None:
    result = run("users", "add", "pat", "--name", "Pat Doe", "--user", "alex")
    assert result.code == 1
    assert result.err.startswith("offboard: Not allowed: Alex Morgan cannot add users")
    logins = [user["login"] for user in json.loads(run("users", "list", "--json").out)]
    assert "pat" not in logins


def test_users_add_with_roles_repeated_and_comma_separated(run: Run, demo_db: str) -> None:
    result = run(
        "users", "add", "pat", "--name", "Pat Doe",
        "--role", "customer-cancellation,crm-admin", "--role", "crm-admin",
    )  # fmt: skip
    assert result.code == 0, result.err
    users = {user["login"]: user for user in json.loads(run("users", "list", "--json").out)}
    assert users["pat"]["roles"] == ["crm-admin", "customer-cancellation"]


def test_users_add_refuses_bad_input(run: Run, demo_db: str) -> None:
    bad_role = run("users", "add", "pat", "--name", "Pat", "--role", "boss")
    assert bad_role.code == 1
    assert "'boss' is not a role" in bad_role.err
    taken = run("users", "add", "sam", "--name", "Sam Again")
    assert taken.code == 1
    assert "There is already a user 'sam'" in taken.err


def test_users_set_changes_roles_and_activity(run: Run, demo_db: str) -> None:
    granted = run("users", "set", "tess", "--role", "customer-cancellation")
    assert granted.code == 0, granted.err
    assert granted.out == "Updated user tess (Tess Okafor): customer-cancellation; active.\n"
    assert run("begin", "100001", "--user", "tess").code == 0
    assert run("users", "set", "alex", "--inactive").code == 0
    refused = run("begin", "100002", "--user", "alex")
    assert refused.code == 1
    assert "deactivated" in refused.err
    assert run("users", "set", "tess", "--no-roles").code == 0
    users = {user["login"]: user for user in json.loads(run("users", "list", "--json").out)}
    assert users["tess"]["roles"] == []
    assert users["alex"]["active"] is False


def test_users_set_by_a_non_admin_is_refused(run: Run, demo_db: str) -> None:
    result = run("users", "set", "tess", "--active", "--user", "riley")
    assert result.code == 1
    assert "Riley Chen cannot change users" in result.err


def test_reasons_add_retire_restore(run: Run, demo_db: str) -> None:
    added = run("reasons", "add", "Merged with a customer")
    assert added.code == 0, added.err
    reasons = json.loads(run("reasons", "list", "--json").out)
    new = next(reason for reason in reasons if reason["name"] == "Merged with a customer")
    assert run("reasons", "retire", str(new["id"])).code == 0
    assert new["name"] not in [r["name"] for r in json.loads(run("reasons", "list", "--json").out)]
    everything = json.loads(run("reasons", "list", "--all", "--json").out)
    assert {"id": new["id"], "name": new["name"], "active": False} in everything
    assert run("reasons", "restore", str(new["id"])).code == 0
    assert new in json.loads(run("reasons", "list", "--json").out)


def test_reasons_add_by_a_non_admin_is_refused(run: Run, demo_db: str) -> None:
    result = run("reasons", "add", "Too expensive", "--user", "alex")
    assert result.code == 1
    assert "Alex Morgan cannot change the reason list" in result.err


def test_scenario_chosen_at_begin_changed_and_its_steps_confirmed(run: Run, demo_db: str) -> None:
    begun = run("begin", "100001", "--scenario", "non-renewal")
    assert begun.code == 0, begun.err
    assert "begun (Non-renewal)" in begun.out
    shown = json.loads(run("show", "100001", "--json").out)
    keys = [section["key"] for section in shown["sections"]]
    assert {"bill_till_payout", "auto_renewal", "admin_notified"} <= set(keys)
    confirmed = run("confirm", "100001", "bill-till-payout", "--note", "case 12")
    assert confirmed.code == 0, confirmed.err
    assert confirmed.out == "Confirmed: Account set to Bill till Payout.\n"
    wrong = run("confirm", "100001", "payment-confirmed")
    assert wrong.code == 1
    assert "not a step of the Non-renewal scenario" in wrong.err
    changed = run("scenario", "100001", "collections")
    assert changed.code == 0, changed.err
    assert changed.out.startswith("Scenario: Past due — sent to collections.")
    bad = run("begin", "100002", "--scenario", "holiday")
    assert bad.code == 1
    assert "'holiday' is not a scenario" in bad.err


def section_state(shown: dict[str, object], key: str) -> str:
    sections = shown["sections"]
    assert isinstance(sections, list)
    return str(next(section["state"] for section in sections if section["key"] == key))


def test_confirm_undo_takes_a_step_back_as_the_tool_does(run: Run, demo_db: str) -> None:
    assert run("begin", "100001").code == 0  # a buyout: the final amount, then the payment
    assert run("confirm", "100001", "final-amount-email").code == 0
    assert run("confirm", "100001", "payment-confirmed", "--note", "paid").code == 0
    confirmed = json.loads(run("show", "100001", "--json").out)

    taken_back = run("confirm", "100001", "payment-confirmed", "--undo")

    assert taken_back.code == 0, taken_back.err
    assert taken_back.out == "Taken back: Final payment confirmed.\n"
    shown = json.loads(run("show", "100001", "--json").out)
    assert shown["version"] == confirmed["version"] + 1
    assert section_state(confirmed, "final_amount") != section_state(shown, "final_amount")
    # and it can be confirmed again
    again = run("confirm", "100001", "payment-confirmed", "--note", "paid after all")
    assert again.code == 0, again.err
    assert section_state(json.loads(run("show", "100001", "--json").out), "final_amount") == (
        section_state(confirmed, "final_amount")
    )


def test_confirm_undo_refusals_are_one_line_and_change_nothing(run: Run, demo_db: str) -> None:
    assert run("begin", "100001").code == 0
    assert run("confirm", "100001", "final-amount-email").code == 0
    assert run("confirm", "100001", "payment-confirmed").code == 0
    before = json.loads(run("show", "100001", "--json").out)

    refusals = [
        # a later step of its section rests on it
        ("final-amount-email", "Take back 'Final payment confirmed' first: it rests on this step"),
        ("admin-notified", "is not confirmed, so there is nothing to take back"),
        ("holiday", "'holiday' is not a step"),
    ]
    for step, words in refusals:
        refused = run("confirm", "100001", step, "--undo")
        assert refused.code == 1, step
        assert refused.out == ""
        assert refused.err.startswith("offboard: ")
        assert refused.err.count("\n") == 1, refused.err  # one line
        assert words in refused.err
    stale = run("confirm", "100001", "payment-confirmed", "--undo", "--expected-version", "1")
    assert stale.code == 1
    assert "after you loaded it" in stale.err
    none_pending = run("confirm", "100002", "final-amount-email", "--undo")
    assert none_pending.code == 1
    assert none_pending.err.count("\n") == 1
    assert json.loads(run("show", "100001", "--json").out) == before


def test_confirm_undo_with_a_note_is_a_usage_error(run: Run, demo_db: str) -> None:
    assert run("begin", "100001").code == 0
    assert run("confirm", "100001", "final-amount-email").code == 0

    result = run("confirm", "100001", "final-amount-email", "--undo", "--note", "oops")

    assert result.code == 2
    assert "--note goes with a confirmation; --undo takes none" in result.err
    assert run("confirm", "100001", "final-amount-email", "--undo").code == 0  # still confirmed


def test_confirm_and_its_undo_print_json(run: Run, demo_db: str) -> None:
    assert run("begin", "100001").code == 0
    version = json.loads(run("show", "100001", "--json").out)["version"]

    confirmed = run(
        "confirm", "100001", "final-amount-email", "--json", "--expected-version", str(version)
    )
    undone = run("confirm", "100001", "final-amount-email", "--undo", "--json")

    assert confirmed.code == 0, confirmed.err
    assert undone.code == 0, undone.err
    first, second = json.loads(confirmed.out), json.loads(undone.out)
    assert set(first) == set(second) == {"account", "message", "count", "version", "customer"}
    assert (first["account"], first["version"]) == ("100001", version + 1)
    assert first["message"] == "Confirmed: Finance sent the final-amount e-mail."
    assert first["customer"]["version"] == version + 1  # the customer as it was then
    assert (second["message"], second["count"], second["version"]) == (
        "Taken back: Finance sent the final-amount e-mail.",
        0,
        version + 2,
    )
    assert second["customer"] == json.loads(run("show", "100001", "--json").out)
