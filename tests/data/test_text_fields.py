"""A NUL character ("\\x00") in any text is refused on both backends alike, with one line that
names the field, and nothing is written: through the operations a team lead uses, through the
models' own ways of writing and looking up (create, save, update, insert_many, where), and
through any other query the drivers are handed. (PostgreSQL cannot store a NUL; before, its
driver raised a bare ValueError there while SQLite stored the NUL.) Any other control
character in what a person types is refused the same way (issue 21), and what a program
writes, or an import brings, keeps its text visible."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from peewee import fn

from data import cancellations, customers, notices, outbox, termination, users
from data.crm.reading import text as crm_text
from data.db import connection, database
from data.errors import CONTROL, InvalidInput
from data.models import Cancellation, Customer, OutboxMessage, PlaybookVersion, Reason
from data.text import printable
from tests.data.world import ADMIN, LEAD, World

NUL = "\x00"


PENDING_FIRST = {"task note", "reason text", "extra information", "hold reason", "e-mail text"}
OPERATIONS: dict[str, tuple[Callable[[World], object], str]] = {
    "task note": (
        lambda w: termination.complete_task(LEAD, w.account, "attrition_box", f"a{NUL}b"),
        "The note contains a NUL character",
    ),
    "reason text": (
        lambda w: cancellations.set_reasons(LEAD, w.account, [], f"Price{NUL}"),
        "The reason contains a NUL character",
    ),
    "extra information": (
        lambda w: cancellations.set_reasons(LEAD, w.account, [], "Price", f"x{NUL}"),
        "The extra information contains a NUL character",
    ),
    "hold reason": (
        lambda w: termination.decide_data(
            LEAD, w.account, "hold", reason=f"Legal{NUL}", review_date="+30d"
        ),
        "The reason for the decision contains a NUL character",
    ),
    "e-mail text": (
        lambda w: cancellations.queue_offboarding_notice(
            LEAD, w.account, "dana@acme.example", "Your account", f"Hello{NUL}Dana"
        ),
        "The message text contains a NUL character",
    ),
    "user name": (
        lambda w: users.add_user(ADMIN, "pat", f"Pat{NUL}"),
        "The name contains a NUL character",
    ),
    # looked up first with LOWER(name) = …: refused by the driver's adapter, in general words
    "reason list name": (
        lambda w: users.add_reason(ADMIN, f"Fax{NUL}machine"),
        "The text contains a NUL character",
    ),
    "search": (
        lambda w: customers.customer_page(f"Acme{NUL}"),
        "contains a NUL character",
    ),
    "search by account": (
        lambda w: customers.customer_count(f"5{NUL}"),
        "contains a NUL character",
    ),
}


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_a_nul_in_any_text_is_refused_in_one_line_and_nothing_is_written(
    world: World, operation: str
) -> None:
    run, expected = OPERATIONS[operation]
    world.details(admin_email="dana@acme.example")
    if operation in PENDING_FIRST:
        cancellations.begin(LEAD, world.account)
    before = world.snapshot()

    with pytest.raises(InvalidInput) as refused:
        run(world)

    message = str(refused.value)
    assert expected in message
    assert message.endswith("remove it and try again.")
    assert "\n" not in message and NUL not in message
    assert world.snapshot() == before


# ----------------------------------------------------------------------------- every way to write


def reason_id(name: str = "Price") -> int:
    with connection():
        return int(Reason.get(Reason.name == name).id)


def by_create() -> None:
    Reason.create(name=f"New{NUL}")


def by_save() -> None:
    reason = Reason.get_by_id(reason_id())
    reason.name = f"Price{NUL}"
    reason.save()


def by_update() -> None:
    Reason.update(name=f"Price{NUL}").where(Reason.id == reason_id()).execute()


def by_insert_many() -> None:
    Reason.insert_many(
        [{"name": "Fine", "position": 9}, {"name": f"B{NUL}d", "position": 10}]
    ).execute()


def by_where() -> None:
    list(Reason.select().where(Reason.name == f"Price{NUL}"))


def by_in() -> None:
    list(Reason.select().where(Reason.name.in_(["Price", f"Price{NUL}"])))


WRITES = {
    "create": by_create,
    "save": by_save,
    "update": by_update,
    "insert_many": by_insert_many,
    "where": by_where,
    "in": by_in,
}


@pytest.mark.parametrize("way", list(WRITES))
def test_every_way_the_models_write_or_look_up_text_refuses_a_nul_naming_the_field(
    world: World, way: str
) -> None:
    before = world.snapshot()

    refused = pytest.raises(InvalidInput, match=r"^The name contains a NUL character")
    with refused, connection(), database.atomic():
        WRITES[way]()

    assert world.snapshot() == before


QUERIES = {
    "LIKE pattern": lambda: list(Reason.select().where(Reason.name.contains(f"P{NUL}%"))),
    "function result": lambda: list(Reason.select().where(fn.LOWER(Reason.name) == f"p{NUL}")),
    "plain SQL": lambda: database.execute_sql("SELECT ?" if _sqlite() else "SELECT %s", (NUL,)),
}


def _sqlite() -> bool:
    return database.obj.__class__.__name__.startswith("Sqlite")


@pytest.mark.parametrize("query", list(QUERIES))
def test_any_other_text_handed_to_the_driver_is_refused_too(world: World, query: str) -> None:
    refused = pytest.raises(InvalidInput, match=r"^The text contains a NUL character")
    with refused, connection():
        QUERIES[query]()


def test_text_without_a_nul_is_written_and_read_back_on_both_backends(world: World) -> None:
    users.add_reason(ADMIN, "Prix ✓ 'élevé' \\ 100%_")

    with connection():
        assert Reason.get(Reason.name == "Prix ✓ 'élevé' \\ 100%_").active
        assert Customer.get(Customer.account == world.account).name == "Acme Widgets"
    assert [row.name for row in customers.customer_page("Acme")] == ["Acme Widgets"]


# ----------------------------------------------------------------------------- files


def test_a_template_file_with_a_nul_is_refused_naming_the_file(
    world: World, tmp_path: Path
) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    own = folder / "offboarding_notice.md"
    own.write_text(f"Subject: Your account\n\nHello{NUL} ${{admin_name}}\n", encoding="utf-8")
    world.details(admin_email="dana@acme.example")
    cancellations.begin(LEAD, world.account)
    outbox.use_templates(folder)
    try:
        with pytest.raises(InvalidInput) as refused:
            notices.compose_offboarding_notice(world.account, LEAD)
    finally:
        outbox.use_templates(None)

    assert str(refused.value) == (
        f"The e-mail template 'offboarding_notice' ({own}) contains a NUL character (\\x00); "
        "remove it from the file."
    )


# ----------------------------------------------------------------------------- control characters
# Issue 21: stored text is text. A terminal escape (ESC [2J clears the screen, an OSC sets the
# window title), a C1 control or DEL in what a person types is refused like a NUL, naming the
# field; a tab and a line break are text, and CRLF line ends are made plain line breaks.

ESC = "\x1b"
OSC_TITLE = "\x1b]0;pwned\x07"


def _attempt(w: World, **text: str) -> object:
    from data.retention import attempts

    return attempts.record_attempt(LEAD, w.account, outcome="lost", **text)


CONTROL_OPERATIONS: dict[str, tuple[Callable[[World], object], str]] = {
    "reason text, clear screen": (
        lambda w: cancellations.set_reasons(LEAD, w.account, [], f"Price{ESC}[2J"),
        "The reason contains a control character (\\x1b, at character 6)",
    ),
    "reason text, window title": (
        lambda w: cancellations.set_reasons(LEAD, w.account, [], f"Too dear {OSC_TITLE}"),
        "The reason contains a control character (\\x1b, at character 10)",
    ),
    "extra information, C1": (
        lambda w: cancellations.set_reasons(LEAD, w.account, [], "Price", "x\x9b2J"),
        "The extra information contains a control character (\\x9b, at character 2)",
    ),
    "task note, DEL": (
        lambda w: termination.complete_task(LEAD, w.account, "attrition_box", "a\x7fb"),
        "The note contains a control character (\\x7f, at character 2)",
    ),
    "hold reason, bell": (
        lambda w: termination.decide_data(
            LEAD, w.account, "hold", reason="Legal\x07", review_date="+30d"
        ),
        "The reason for the decision contains a control character (\\x07, at character 6)",
    ),
    "expiry note, form feed": (
        lambda w: cancellations.add_expiry(LEAD, w.account, dt.date(2099, 1, 1), "Call\x0cback"),
        "The note contains a control character (\\x0c, at character 5)",
    ),
    "e-mail text": (
        lambda w: cancellations.queue_offboarding_notice(
            LEAD, w.account, "dana@acme.example", "Your account", f"Hello{ESC}[31m Dana"
        ),
        "The message text contains a control character (\\x1b, at character 6)",
    ),
    "e-mail subject": (
        lambda w: cancellations.queue_offboarding_notice(
            LEAD, w.account, "dana@acme.example", f"Your{OSC_TITLE} account", "Hello"
        ),
        "The subject contains a control character (\\x1b, at character 5)",
    ),
    "save attempt concern": (
        lambda w: _attempt(w, concern=f"Too dear{ESC}[2J"),
        "The concern contains a control character (\\x1b, at character 9)",
    ),
    "save attempt note": (
        lambda w: _attempt(w, note="o\x85k"),
        "The note contains a control character (\\x85, at character 2)",
    ),
    "user name": (
        lambda w: users.add_user(ADMIN, "pat", f"Pat{ESC}[8m"),
        "The name contains a control character (\\x1b, at character 4)",
    ),
    "reason list name": (
        lambda w: users.add_reason(ADMIN, f"Fax{ESC}machine"),
        "The name contains a control character (\\x1b, at character 4)",
    ),
}


@pytest.mark.parametrize("operation", list(CONTROL_OPERATIONS))
def test_a_control_character_in_typed_text_is_refused_in_one_line_and_nothing_is_written(
    world: World, operation: str
) -> None:
    run, expected = CONTROL_OPERATIONS[operation]
    world.details(admin_email="dana@acme.example")
    if operation.startswith(("reason text", "extra", "task", "hold", "expiry", "e-mail")):
        cancellations.begin(LEAD, world.account)
    before = world.snapshot()

    with pytest.raises(InvalidInput) as refused:
        run(world)

    message = str(refused.value)
    assert message.startswith(expected), message
    assert message.endswith("), which cannot be stored; remove it and try again.")
    assert "\n" not in message and not CONTROL.search(message)
    assert world.snapshot() == before


def test_tabs_line_breaks_and_pasted_crlf_are_text(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    cancellations.set_reasons(
        LEAD, world.account, [], "Too dear:\r\n\tthe price rose\rtwice", "line one\nline two"
    )

    with connection():
        stored = Cancellation.get(Cancellation.customer == world.customer_id)
    assert stored.reason_text == "Too dear:\n\tthe price rose\ntwice"
    assert stored.extra_information == "line one\nline two"
    # A name is one line: its line ends read as spaces.
    assert users.add_user(ADMIN, "pat", "Pat\r\nLee").display_name == "Pat Lee"


def test_a_pasted_crlf_e_mail_is_queued_with_plain_line_breaks(world: World) -> None:
    world.details(admin_email="dana@acme.example")
    cancellations.begin(LEAD, world.account)
    cancellations.queue_offboarding_notice(
        LEAD, world.account, "dana@acme.example", "Your account", "Hello Dana,\r\n\r\nBye.\r\n"
    )

    with connection():
        assert OutboxMessage.get().body == "Hello Dana,\n\nBye.\n"


def test_the_fields_a_program_writes_keep_control_characters_but_never_a_nul(
    world: World,
) -> None:
    reply = "451 4.3.0 busy\r\n\x1b[0m"
    with connection():
        version = PlaybookVersion.create(digest="d" * 64, name="P", source="/tmp/a\x1bb", text="x")
        assert PlaybookVersion.get_by_id(version.id).source == "/tmp/a\x1bb"
        with pytest.raises(InvalidInput, match=r"^The text contains a NUL character"):
            PlaybookVersion.update(text=f"x{NUL}").execute()
        customer = Customer.get(Customer.account == world.account)
        message = OutboxMessage.create(
            customer=customer, kind="k", recipients="a@b.example", subject="S", body="B"
        )
        OutboxMessage.update(last_error=reply).where(OutboxMessage.id == message.id).execute()
        assert OutboxMessage.get_by_id(message.id).last_error == reply


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        (f"Acme{ESC}[2J", "Acme\\x1b[2J"),
        (f"A{OSC_TITLE}B", "A\\x1b]0;pwned\\x07B"),
        (
            "C1\x9b and \x85, DEL\x7f, NUL\x00, CR\r",
            "C1\\x9b and \\x85, DEL\\x7f, NUL\\x00, CR\\x0d",
        ),
        ("tab\tand\nnewline stay; é ✓ \u00a0 too", "tab\tand\nnewline stay; é ✓ \u00a0 too"),
    ],
)
def test_printable_writes_every_control_character_out_and_keeps_text(
    stored: str, shown: str
) -> None:
    assert printable(stored) == shown


def test_an_imported_value_with_control_characters_still_imports_shown_visibly() -> None:
    assert crm_text(f" Acme{ESC}[2J\r\nWidgets\x9b ", "Name", 200) == "Acme\\x1b[2J\nWidgets\\x9b"


def test_an_e_mail_template_with_a_control_character_is_refused_naming_the_file_and_line(
    world: World, tmp_path: Path
) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    own = folder / "offboarding_notice.md"
    own.write_text(f"Subject: Your account\n\nHello{ESC}[2J ${{admin_name}}\n", encoding="utf-8")
    world.details(admin_email="dana@acme.example")
    cancellations.begin(LEAD, world.account)
    outbox.use_templates(folder)
    try:
        with pytest.raises(InvalidInput) as refused:
            notices.compose_offboarding_notice(world.account, LEAD)
    finally:
        outbox.use_templates(None)

    assert str(refused.value) == (
        f"The e-mail template 'offboarding_notice' ({own}) contains a control character "
        "(\\x1b, on line 3); remove it from the file."
    )


def store_raw(table: str, column: str, value: str, row_id: int) -> None:
    """Write a value past the fields, as a row written before the refusal (or by another
    program) holds it."""
    mark = "?" if _sqlite() else "%s"
    with connection():
        database.execute_sql(
            f'UPDATE "{table}" SET "{column}" = {mark} WHERE id = {mark}', (value, row_id)
        )


def test_a_control_character_a_row_still_holds_reaches_an_e_mail_written_out(
    world: World,
) -> None:
    world.details(admin_email="dana@acme.example")
    store_raw("customer", "admin_name", f"Dana{ESC}[2J", world.customer_id)
    cancellations.begin(LEAD, world.account)

    composed = notices.compose_offboarding_notice(world.account, LEAD)

    text = f"{composed.subject}\n{composed.body}"
    assert not CONTROL.search(text)
    assert "Dana\\\\x1b\\[2J" in composed.body  # as text: the backslash and bracket escaped
    assert "Dana\\x1b[2J" in outbox.plain_text(composed.body)
