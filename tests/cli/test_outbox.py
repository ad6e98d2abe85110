"""The outbox from the command line: list, send (to a real SMTP server on loopback), export,
retry and withdraw; SMTP and templates configured by file or environment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from data import outbox
from data.db import connection, database
from data.models import Customer, OutboxMessage, OutboxStatus
from tests.cli.conftest import Run
from tests.data.test_delivery import Mailbox, parse, running_mailbox

ACCOUNT = "100001"
SETTING_VARIABLES = (
    "OFFBOARD_CONFIG",
    "OFFBOARD_SMTP_HOST",
    "OFFBOARD_SMTP_PORT",
    "OFFBOARD_SMTP_SECURITY",
    "OFFBOARD_SMTP_USER",
    "OFFBOARD_SMTP_PASSWORD",
    "OFFBOARD_SMTP_FROM",
    "OFFBOARD_SMTP_TIMEOUT",
    "OFFBOARD_TEMPLATES",
    "OFFBOARD_NOTICE_DAYS",
)


@pytest.fixture(autouse=True)
def no_mail_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test reads the real configuration file or mail settings; templates end as shipped."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    for variable in SETTING_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    yield
    outbox.use_templates(None)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with running_mailbox() as box:
        yield box


def use_mailbox(monkeypatch: pytest.MonkeyPatch, mailbox: Mailbox) -> None:
    monkeypatch.setenv("OFFBOARD_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("OFFBOARD_SMTP_PORT", str(mailbox.port))
    monkeypatch.setenv("OFFBOARD_SMTP_SECURITY", "none")
    monkeypatch.setenv("OFFBOARD_SMTP_FROM", "Offboard <offboard@example.com>")


def queue(subject: str, body: str = "Hello **team**.\n", to: str = "ops@example.com") -> int:
    """A message about customer 100001, queued as the app would."""
    with connection(), database.atomic():
        customer = Customer.get(Customer.account == ACCOUNT)
        return int(outbox.queue(customer, None, "note", [to], subject, body).id)


def listed(run: Run, *args: str) -> list[dict[str, Any]]:
    result = run("outbox", "list", "--json", *args)
    assert result.code == 0, result.err
    rows: list[dict[str, Any]] = json.loads(result.out)
    return rows


def queued_ids(run: Run) -> list[int]:
    return sorted(row["id"] for row in listed(run, "--status", "queued"))


def test_list_shows_the_outbox_newest_first_and_filters_it(run: Run, demo_db: str) -> None:
    first = queue("First note")
    second = queue("Second note", to="Ops Team <ops@example.com>")

    rows = listed(run, "--account", ACCOUNT)

    assert [row["id"] for row in rows] == [second, first]
    assert rows[0]["subject"] == "Second note"
    assert rows[0]["recipients"] == ["ops@example.com"]
    assert rows[0]["status"] == "queued"
    assert rows[0]["body"] == "Hello **team**.\n"
    assert rows[0]["created_at"].endswith("+00:00")
    text = run("outbox", "list", "--account", ACCOUNT)
    assert text.code == 0
    lines = text.out.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "CREATED", "ACCOUNT", "TO", "SUBJECT"]
    assert lines[1].split()[:2] == [str(second), "queued"]
    assert lines[1].endswith("Second note")
    assert listed(run, "--account", ACCOUNT, "--status", "sent") == []


def test_list_refuses_an_unknown_account_or_status(run: Run, demo_db: str) -> None:
    unknown = run("outbox", "list", "--account", "999999", "--json")
    assert unknown.code == 1
    assert unknown.out == ""
    assert "There is no customer with account number '999999'" in unknown.err
    bad = run("outbox", "list", "--status", "lost")
    assert bad.code == 2
    assert "invalid choice: 'lost'" in bad.err


def test_send_without_a_mail_server_says_how_to_configure_one(run: Run, demo_db: str) -> None:
    pk = queue("Waiting")

    result = run("outbox", "send")

    assert result.code == 1
    assert result.out == ""
    assert "No mail server is configured" in result.err
    assert "config.toml" in result.err
    assert "OFFBOARD_SMTP_HOST" in result.err
    assert "OFFBOARD_SMTP_PASSWORD" in result.err
    assert "offboard outbox export DIR" in result.err
    assert pk in queued_ids(run)


def test_send_delivers_every_queued_message_once(
    run: Run, demo_db: str, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    pk = queue("Good news", "The *export* is ready.\n")
    waiting = queued_ids(run)
    use_mailbox(monkeypatch, mailbox)

    result = run("outbox", "send")

    assert result.code == 0, result.err
    assert f"#{pk} sent to ops@example.com: Good news" in result.out
    assert (
        result.out.splitlines()[-1]
        == f"{len(waiting)} sent, 0 to be retried, 0 failed, 0 withdrawn."
    )
    arrived = {int(message["X-Offboard-Message"]): message for message in mailbox.messages()}
    assert sorted(arrived) == waiting
    html = arrived[pk].get_body(("html",))
    assert html is not None and "<em>export</em>" in html.get_content()
    assert queued_ids(run) == []
    [row] = [row for row in listed(run, "--account", ACCOUNT) if row["id"] == pk]
    assert (row["status"], row["attempts"]) == ("sent", 1)
    again = run("outbox", "send")
    assert again.code == 0
    assert again.out == "No message was due to be sent.\n"
    assert len(mailbox.received) == len(waiting)


def test_send_reads_the_mail_server_from_the_configuration_file(
    run: Run, demo_db: str, mailbox: Mailbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "offboard.toml"
    config.write_text(
        f'[smtp]\nhost = "127.0.0.1"\nport = {mailbox.port}\nsecurity = "none"\n'
        'from = "offboard@example.com"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("OFFBOARD_CONFIG", str(config))
    pk = queue("From the file")

    result = run("outbox", "send")

    assert result.code == 0, result.err
    assert pk in {int(message["X-Offboard-Message"]) for message in mailbox.messages()}
    assert {envelope.mail_from for envelope in mailbox.received} == {"offboard@example.com"}


def test_a_refused_send_exits_1_and_the_list_shows_the_error_and_next_try(
    run: Run, demo_db: str, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox.refuse_data = "451 4.3.0 Try again later"
    pk = queue("Rejected")
    use_mailbox(monkeypatch, mailbox)

    result = run("outbox", "send")

    assert result.code == 1
    assert f"#{pk} not sent (attempt 1 of 6)" in result.out
    assert "451 4.3.0 Try again later" in result.out
    assert "were not surely sent to everyone through 127.0.0.1" in result.err
    [row] = [row for row in listed(run, "--account", ACCOUNT) if row["id"] == pk]
    assert (row["status"], row["attempts"]) == ("queued", 1)
    assert "451 4.3.0 Try again later" in row["last_error"]
    assert row["next_attempt_at"] is not None
    text = run("outbox", "list", "--account", ACCOUNT).out
    assert "next try after" in text and "451 4.3.0 Try again later" in text


def test_a_permanent_refusal_fails_at_once_with_the_servers_reply(
    run: Run, demo_db: str, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox.refuse_data = "554 5.7.1 Message rejected"
    pk = queue("Rejected")
    use_mailbox(monkeypatch, mailbox)

    result = run("outbox", "send")

    assert result.code == 1
    assert f"#{pk} failed (the server refused it for good): " in result.out
    [row] = [row for row in listed(run, "--account", ACCOUNT) if row["id"] == pk]
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("failed", 1, None)
    assert "554 5.7.1 Message rejected" in row["last_error"]


def make_uncertain(pk: int) -> str:
    """Leave ``pk`` as a sender that got no answer after DATA leaves it; the note it keeps."""
    note = "Handed to the mail server at 2030-03-04 09:00, but no answer came: timed out."
    with connection():
        OutboxMessage.update(status="uncertain", attempts=1, last_error=note).where(
            OutboxMessage.id == pk
        ).execute()
    return note


def test_an_uncertain_message_is_listed_with_what_happened_and_can_be_resent(
    run: Run, demo_db: str, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    pk = queue("Maybe arrived")
    note = make_uncertain(pk)
    use_mailbox(monkeypatch, mailbox)

    assert f"#{pk} " not in run("outbox", "send").out  # never sent again by itself
    assert "Maybe arrived" not in subjects(mailbox)
    text = run("outbox", "list", "--status", "uncertain").out
    assert f"{pk:>6}  uncertain" in text
    assert f"        {note}" in text
    assert f"'offboard outbox resend {pk}' (it may arrive twice) or " in text
    refused = run("outbox", "retry", str(pk))
    assert refused.code == 1
    assert f"Conflict: Outbox message {pk} is uncertain: it may have arrived." in refused.err
    not_yours = run("outbox", "resend", str(pk), "--user", "tess")
    assert not_yours.code == 1
    assert "Not allowed: Tess Okafor cannot resend an outbox message" in not_yours.err

    resent = run("outbox", "resend", str(pk))

    assert resent.code == 0, resent.err
    assert f"Message {pk} (Maybe arrived) is queued again" in resent.out
    assert "it arrives twice (with the same Message-ID)" in resent.out
    assert run("outbox", "send").code == 0
    assert subjects(mailbox).count("Maybe arrived") == 1


def subjects(mailbox: Mailbox) -> list[str]:
    return [str(parse(e.original_content or b"")["Subject"]) for e in mailbox.received]


def test_an_uncertain_message_can_be_marked_sent(run: Run, demo_db: str) -> None:
    pk = queue("Did arrive")
    make_uncertain(pk)

    marked = run("outbox", "mark-sent", str(pk))

    assert marked.code == 0, marked.err
    assert f"Message {pk} (Did arrive) is marked sent" in marked.out
    [row] = [row for row in listed(run, "--account", ACCOUNT) if row["id"] == pk]
    assert row["status"] == "sent"
    assert row["last_error"].startswith("Marked sent by ")
    again = run("outbox", "mark-sent", str(pk))
    assert again.code == 1
    assert "is sent: only an uncertain message can be marked sent" in again.err
    not_a_number = run("outbox", "mark-sent", "abc")
    assert not_a_number.code == 2


def test_export_writes_eml_files_and_the_messages_stay_queued(
    run: Run, demo_db: str, tmp_path: Path
) -> None:
    pk = queue("Export me", "Read *this*.\n")
    waiting = queued_ids(run)
    folder = tmp_path / "exported"

    result = run("outbox", "export", str(folder))

    assert result.code == 0, result.err
    written = sorted(folder.glob("*.eml"))
    assert len(written) == len(waiting)
    assert f"Wrote {len(waiting)} messages to {folder}" in result.out
    mine = folder / f"{pk}-note.eml"
    assert str(mine) in result.out.splitlines()
    exported = parse(mine.read_bytes())
    assert exported["Subject"] == "Export me"
    plain, html = exported.get_body(("plain",)), exported.get_body(("html",))
    assert plain is not None and plain.get_content() == "Read *this*.\n"
    assert html is not None and "<em>this</em>" in html.get_content()
    assert queued_ids(run) == waiting


def test_export_to_a_file_is_refused(run: Run, demo_db: str, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("outbox", "export", str(blocker))
    assert result.code == 1
    assert "it is a file, not a folder" in result.err


def test_export_again_is_refused_unless_forced(run: Run, demo_db: str, tmp_path: Path) -> None:
    pk = queue("Export me twice")
    folder = tmp_path / "exported"
    assert run("outbox", "export", str(folder)).code == 0
    mine = folder / f"{pk}-note.eml"
    mine.write_bytes(b"edited by hand")

    again = run("outbox", "export", str(folder))

    assert again.code == 1 and len(again.err.splitlines()) == 1
    assert "exists, and " in again.err and "add --force to replace them" in again.err
    assert mine.read_bytes() == b"edited by hand"  # refused before anything was written
    forced = run("outbox", "export", str(folder), "--force")
    assert forced.code == 0, forced.err
    assert parse(mine.read_bytes())["Subject"] == "Export me twice"


def test_export_never_writes_over_the_database(run: Run, demo_db: str, tmp_path: Path) -> None:
    pk = queue("Aimed at the database")
    folder = Path(demo_db).parent
    (folder / f"{pk}-note.eml").symlink_to(demo_db)
    before = Path(demo_db).read_bytes()[:100]

    result = run("outbox", "export", str(folder), "--force")

    assert result.code == 1
    assert result.err == (
        f"offboard: Invalid input: {folder / f'{pk}-note.eml'} is the open offboard database: "
        "choose another file.\n"
    )
    assert Path(demo_db).read_bytes()[:100] == before


def test_export_by_a_user_without_a_role_is_refused_and_stores_nothing(
    run: Run, demo_db: str, tmp_path: Path
) -> None:
    pk = queue("Not yours to export")
    folder = tmp_path / "exported"

    result = run("--user", "jordan", "outbox", "export", str(folder))

    assert result.code == 1
    assert "cannot export the outbox: that needs the 'customer-cancellation'" in result.err
    assert not folder.exists()
    with connection():
        assert OutboxMessage.get_by_id(pk).message_id == ""  # no Message-ID was stored


def test_retry_and_withdraw_as_a_team_lead(run: Run, demo_db: str) -> None:
    failed = queue("Failed once too often")
    with connection():
        OutboxMessage.update(status=OutboxStatus.FAILED, attempts=6, last_error="550 no").where(
            OutboxMessage.id == failed
        ).execute()

    retried = run("outbox", "retry", str(failed))
    assert retried.code == 0, retried.err
    assert f"Message {failed} (Failed once too often) is queued again" in retried.out

    withdrawn = run("outbox", "withdraw", str(failed))
    assert withdrawn.code == 0, withdrawn.err
    assert "is withdrawn: it will not be sent" in withdrawn.out
    [row] = [row for row in listed(run, "--account", ACCOUNT) if row["id"] == failed]
    assert row["status"] == "withdrawn"

    again = run("outbox", "withdraw", str(failed))
    assert again.code == 1
    assert f"Conflict: Outbox message {failed} is withdrawn" in again.err


def test_retry_and_withdraw_are_refused_without_the_role_or_the_message(
    run: Run, demo_db: str
) -> None:
    pk = queue("Not yours")

    refused = run("outbox", "withdraw", str(pk), "--user", "tess")
    assert refused.code == 1
    assert "Not allowed: Tess Okafor cannot withdraw an outbox message" in refused.err
    missing = run("outbox", "retry", "99999")
    assert missing.code == 1
    assert "There is no outbox message 99999" in missing.err
    not_a_number = run("outbox", "retry", "abc")
    assert not_a_number.code == 2
    assert pk in queued_ids(run)


# ----------------------------------------------------------------------------- configuration


def test_a_bad_configuration_file_stops_every_command_with_exit_2(
    run: Run, demo_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[smtp]\nhost = "mail.example.com"\nport = "many"\n', encoding="utf-8")
    monkeypatch.setenv("OFFBOARD_CONFIG", str(config))

    result = run("list")

    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith("offboard: Configuration error: ")
    assert str(config) in result.err
    assert "'port' under [smtp]" in result.err


def test_the_configured_templates_folder_is_used_and_a_missing_one_refused(
    run: Run, demo_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "cancellation_notification.md").write_text(
        "Subject: Ours: ${customer_name}\nOur words.\n", encoding="utf-8"
    )
    monkeypatch.setenv("OFFBOARD_TEMPLATES", str(folder))

    assert run("list").code == 0
    assert outbox.template_path("cancellation_notification") == folder / (
        "cancellation_notification.md"
    )

    monkeypatch.setenv("OFFBOARD_TEMPLATES", str(tmp_path / "nowhere"))
    missing = run("list")
    assert missing.code == 1
    assert f"The templates folder '{tmp_path / 'nowhere'}' does not exist" in missing.err


# ----------------------------------------------------------------------------- a real Cc

FRESH = "100024"  # Prairie Wind Energy: Live in the demo, no cancellation begun
ACCOUNT_TEAM = "account_team@example.com"
FINAL_CC = [
    "customer_success@example.com",
    "sales_ops@example.com",
    "security@example.com",
    "legal@example.com",
]


def test_the_final_termination_email_shows_and_keeps_its_cc_apart(
    run: Run, demo_db: str, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    for argv in (("begin", FRESH), ("effective", FRESH, "+30d")):
        assert run(*argv).code == 0, argv
    shown = run("mail", FRESH, "final-termination", "--show", "--json")
    assert shown.code == 0, shown.err
    draft = json.loads(shown.out)
    # to the account team, copying CS Ops, Sales Ops, Sec Ops and Legal (the playbook)
    assert (draft["to"], draft["cc"]) == (ACCOUNT_TEAM, ", ".join(FINAL_CC))
    queued = run("mail", FRESH, "final-termination")
    assert queued.code == 0, queued.err
    plain = queue("Not copied")

    rows = {row["id"]: row for row in listed(run)}
    [final] = [row for row in rows.values() if row["account"] == FRESH]
    assert (final["recipients"], final["cc"]) == ([ACCOUNT_TEAM], FINAL_CC)
    assert rows[plain]["cc"] == []

    use_mailbox(monkeypatch, mailbox)
    sent = run("outbox", "send")
    assert sent.code == 0, sent.err
    assert f"#{final['id']} sent to {', '.join([ACCOUNT_TEAM, *FINAL_CC])}: " in sent.out
    [(envelope, arrived)] = [
        (envelope, arrived)
        for envelope, arrived in zip(mailbox.received, mailbox.messages(), strict=True)
        if arrived["X-Offboard-Message"] == str(final["id"])
    ]
    assert (arrived["To"], arrived["Cc"]) == (ACCOUNT_TEAM, ", ".join(FINAL_CC))
    assert envelope.rcpt_tos == [ACCOUNT_TEAM, *FINAL_CC]


def test_mail_cc_replaces_the_playbooks_copies(run: Run, demo_db: str) -> None:
    for argv in (("begin", FRESH), ("effective", FRESH, "+30d")):
        assert run(*argv).code == 0, argv
    shown = run("mail", FRESH, "final-termination", "--show", "--cc", "legal@example.com")
    assert shown.code == 0, shown.err
    assert "\nCc:       legal@example.com\n" in shown.out
    nobody = run("mail", FRESH, "final-termination", "--show", "--cc", "")
    assert "\nCc:" not in nobody.out

    queued = run("mail", FRESH, "final-termination", "--cc", "legal@example.com")
    assert queued.code == 0, queued.err
    [final] = [row for row in listed(run) if row["account"] == FRESH]
    assert (final["recipients"], final["cc"]) == ([ACCOUNT_TEAM], ["legal@example.com"])

    refused = run("mail", FRESH, "offboarding", "--cc", "legal@example.com")
    assert refused.code == 1
    assert refused.err.startswith("offboard: --cc is for a timeline task's e-mail")
