"""A NUL character ("\\x00") in any text is refused on both backends alike, with one line that
names the field, and nothing is written: through the operations a team lead uses, through the
models' own ways of writing and looking up (create, save, update, insert_many, where), and
through any other query the drivers are handed. (PostgreSQL cannot store a NUL; before, its
driver raised a bare ValueError there while SQLite stored the NUL.)"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from peewee import fn

from data import cancellations, customers, notices, outbox, termination, users
from data.db import connection, database
from data.errors import InvalidInput
from data.models import Customer, Reason
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
