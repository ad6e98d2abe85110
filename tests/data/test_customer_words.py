"""Search finds a word inside a name (issue 14), through the name-words index, which every way
a customer is added or renamed keeps filled: Customer.create / save, the CRM import, the demo
and the bench generator (and the migration, for the names already there)."""

from __future__ import annotations

from pathlib import Path

import pytest

from data import customer_search, customers
from data.crm.importing import import_salesforce
from data.customer_search import index_accounts, name_words
from data.db import connection
from data.models import Customer, CustomerWord
from tests.conftest import OpenedDatabase
from tests.data.world import World


@pytest.fixture
def named(world: World) -> World:
    world.customer("600001", "Pinecrest Home Health")
    world.customer("600002", "Meridian Health Partners")
    world.customer("600003", "Healthy Paws 100% Vet")
    world.customer("600004", "Smith-Jones Dental_Care")
    return world


def accounts(search: str, status: str | None = None) -> list[str]:
    return [row.account for row in customers.customer_page(search, status)]


WORD_SEARCHES = [
    ("health", ["600003", "600002", "600001"]),  # a word inside, and one that starts the name
    ("HEAL", ["600003", "600002", "600001"]),  # the prefix of a word, any case
    ("home", ["600001"]),
    ("home health", ["600001"]),  # a phrase from a word on
    ("  Home   HEALTH ", ["600001"]),
    ("partners", ["600002"]),
    ("jones", ["600004"]),  # after a hyphen
    ("dental_c", ["600004"]),
    ("care", []),  # "_" joins a word: Dental_Care is one word
    ("ealth", []),  # not the middle of a word
    ("health home", []),  # the words in the name's order only
    ("6000", ["600003", "600002", "600001", "600004"]),  # account numbers still
    ("600002", ["600002"]),
    ("100", ["600003"]),  # a number inside a name is a word too
    ("100%", ["600003"]),
    ("%", []),  # text, never a pattern
    ("_", []),
    ("%health", []),
    ("h_alth", []),
    ("nothing like it", []),
]


def test_search_finds_the_start_of_any_word(named: World) -> None:
    for search, expected in WORD_SEARCHES:
        assert accounts(search) == expected, search
        assert customers.customer_count(search) == len(expected), search


def test_search_by_word_and_status(named: World) -> None:
    assert accounts("health", "live") == ["600003", "600002", "600001"]
    assert accounts("health", "cancelled") == []
    assert customers.customer_count("health", "cancelled") == 0


def test_a_rename_rewrites_the_words(named: World) -> None:
    with connection():
        customer = Customer.get(Customer.account == "600001")
        customer.name = "Pinecrest Hospice"
        customer.save()
    assert accounts("health") == ["600003", "600002"]
    assert accounts("hospice") == ["600001"]
    assert customers.customer_count("home") == 0


def test_a_change_that_keeps_the_name_keeps_its_words(named: World) -> None:
    with connection():
        customer = Customer.get(Customer.account == "600002")
        before = CustomerWord.select().where(CustomerWord.customer == customer.id).count()
        customer.time_zone = "Europe/Paris"
        customer.save()
        assert CustomerWord.select().where(CustomerWord.customer == customer.id).count() == before
    assert accounts("partn") == ["600002"]


def test_bulk_inserts_are_indexed_by_account(named: World) -> None:
    with connection():
        Customer.insert(
            account="600009", name="Quiet Harbor Clinic", name_key="quiet harbor clinic"
        ).execute()
        assert accounts("harbor") == []  # a raw insert knows nothing of the words
        index_accounts(["600009"])
    assert accounts("harbor") == ["600009"]


def test_the_words_of_a_name() -> None:
    assert name_words("Pinecrest  Home Health") == [
        "health",
        "home health",
        "pinecrest home health",
    ]
    assert name_words("#1 Smith-Jones") == [
        "#1 smith-jones",
        "1 smith-jones",
        "jones",
        "smith-jones",
    ]
    assert name_words("") == []


def test_the_crm_import_fills_the_words_of_new_and_renamed_customers(
    world: World, tmp_path: Path
) -> None:
    from tests.data.test_crm_import import ADMIN, TODAY, acc, account, export, write

    import_salesforce(export(tmp_path / "one"), ADMIN, today=TODAY)
    with connection():
        first = Customer.get(Customer.external_id == acc(1))
        words = first.name.split()[-1].lower()
    assert [row.name for row in customers.customer_page(words)] == [first.name]
    folder = export(tmp_path / "two")
    write(
        folder,
        "Account",
        [account(1, "Harbor Renamed Clinic", "A-1"), account(2, "Zeta Dental", "", 1)],
    )
    import_salesforce(folder, ADMIN, today=TODAY)
    assert [row.name for row in customers.customer_page("renamed")] == ["Harbor Renamed Clinic"]
    assert [row.name for row in customers.customer_page("dental")] == ["Zeta Dental"]
    assert customers.customer_page(words) == [] or words in ("clinic", "harbor")


def test_the_demo_fills_the_words(db: OpenedDatabase) -> None:
    from data.demo import load

    load(login="lead")
    assert [row.name for row in customers.customer_page("health")] == [
        "Meridian Health Partners",
        "Pinecrest Home Health",
    ]


@pytest.mark.parametrize("sort_limit", [3, 5_000])
def test_word_matches_page_in_name_order_either_way(
    named: World, monkeypatch: pytest.MonkeyPatch, sort_limit: int
) -> None:
    """Read from the words index and sorted (few matches), or in name order (many): the same
    pages, every match once, in the list's order; with a status filter too."""
    monkeypatch.setattr(customer_search, "WORD_SORT_LIMIT", sort_limit)
    monkeypatch.setattr(customer_search, "WORD_SORT_LIMIT_POSTGRES", sort_limit)
    for n in (3, 1, 2):
        named.customer(f"61000{n}", f"Zeta Health {n}")
    expected = ["600003", "600002", "600001", "610001", "610002", "610003"]
    seen: list[str] = []
    after = None
    while page := customers.customer_page("health", after=after, limit=2):
        seen.extend(row.account for row in page)
        after = (page[-1].key, page[-1].id)
    assert seen == expected
    assert accounts("health", "live") == expected
    assert customers.customer_count("health", up_to=4) == 4
    assert customers.customer_count("health") == 6
