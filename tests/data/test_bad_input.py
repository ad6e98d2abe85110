"""Bad input never crashes and never writes: typed dates, unknown accounts, ids and users, wrong
states and over-long text each get an error that says what is wrong, and the database is left
exactly as it was."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from data import cancellations, customers, users
from data.dates import parse_date, today_in
from data.errors import Conflict, InvalidInput, NotFound, OffboardError
from tests.data.world import ADMIN, GONE, LEAD, NOBODY, TESS, World

FUTURE = dt.date.today() + dt.timedelta(days=60)
TOO_LONG = "x" * 4001

# ----------------------------------------------------------------------------- typed dates


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-12-31", dt.date(2026, 12, 31)),
        ("  2027-01-05 ", dt.date(2027, 1, 5)),
        ("today", dt.date(2026, 11, 21)),
        ("Tomorrow", dt.date(2026, 11, 22)),
        ("yesterday", dt.date(2026, 11, 20)),
        ("+30d", dt.date(2026, 12, 21)),
        ("+30", dt.date(2026, 12, 21)),
        ("-7d", dt.date(2026, 11, 14)),
        ("+2w", dt.date(2026, 12, 5)),
        ("+1m", dt.date(2026, 12, 21)),
        ("+1y", dt.date(2027, 11, 21)),
    ],
)
def test_parse_date_reads_the_forms_a_team_lead_types(
    clock: Callable[[dt.datetime], None], typed: str, expected: dt.date
) -> None:
    clock(dt.datetime(2026, 11, 21, 9, 0))
    assert parse_date(typed, "UTC") == expected


def test_relative_dates_count_from_today_in_the_customers_zone(
    clock: Callable[[dt.datetime], None],
) -> None:
    clock(dt.datetime(2026, 11, 21, 12, 0))
    assert parse_date("today", "Pacific/Kiritimati") == dt.date(2026, 11, 22)
    assert parse_date("+1d", "Pacific/Kiritimati") == dt.date(2026, 11, 23)
    assert parse_date("today", "UTC") == dt.date(2026, 11, 21)


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "31/12/2026",
        "2026-02-30",
        "2026-13-01",
        "2026-12-31x",
        "next week",
        "+d",
        "+12345d",  # too many digits to be a count of days
        "+9999y",  # a year no calendar has
        "-9999y",
    ],
)
def test_parse_date_refuses_what_is_not_a_date_and_says_how_to_write_one(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_date(typed, "UTC")
    assert "Write a date as 2026-12-31, today, tomorrow, +30d or -7d." in str(refused.value)


def test_parse_date_refuses_an_unknown_time_zone() -> None:
    with pytest.raises(InvalidInput, match="'Mars/Olympus' is not a time zone"):
        parse_date("today", "Mars/Olympus")


# ----------------------------------------------------------------------------- every operation


Call = Callable[[World], Any]

BAD_CALLS: list[tuple[str, Call, type[OffboardError], str]] = [
    # unknown accounts
    (
        "begin-unknown-account",
        lambda w: cancellations.begin(LEAD, "999999"),
        NotFound,
        "There is no customer with account number '999999'.",
    ),
    (
        "remove-unknown-account",
        lambda w: cancellations.remove(LEAD, "nope"),
        NotFound,
        "There is no customer with account number 'nope'.",
    ),
    (
        "process-unknown-account",
        lambda w: cancellations.process(LEAD, ""),
        NotFound,
        "There is no customer with account number ''.",
    ),
    (
        "cease-unknown-account",
        lambda w: cancellations.cease_assets(LEAD, "999999", dt.date(2026, 1, 1)),
        NotFound,
        "There is no customer",
    ),
    (
        "expiry-unknown-account",
        lambda w: cancellations.add_expiry(LEAD, "999999", FUTURE),
        NotFound,
        "There is no customer",
    ),
    (
        "detail-unknown-account",
        lambda w: customers.tool_view("999999"),
        NotFound,
        "There is no customer",
    ),
    # unknown ids and users
    (
        "cease-unknown-asset",
        lambda w: cancellations.cease_assets(LEAD, w.account, dt.date(2026, 1, 1), [987654]),
        NotFound,
        "Acme Widgets has no assets with id 987654.",
    ),
    (
        "cease-huge-id",
        lambda w: cancellations.cease_assets(LEAD, w.account, dt.date(2026, 1, 1), [2**70]),
        InvalidInput,
        f"'{2**70}' is not a record id.",
    ),
    (
        "reason-huge-id",
        lambda w: cancellations.set_reasons(LEAD, w.account, [2**64]),
        InvalidInput,
        f"'{2**64}' is not a record id.",
    ),
    (
        "close-unknown-case",
        lambda w: cancellations.close_cases(LEAD, w.account, [987654]),
        NotFound,
        "Acme Widgets has no cases with id 987654.",
    ),
    (
        "reason-unknown-id",
        lambda w: cancellations.set_reasons(LEAD, w.account, [987654]),
        NotFound,
        "There is no reason with id 987654 in the list.",
    ),
    (
        "owner-unknown",
        lambda w: cancellations.choose_owner(LEAD, w.account, NOBODY),
        NotFound,
        "There is no user 'nobody' to be the new owner.",
    ),
    (
        "owner-inactive",
        lambda w: cancellations.choose_owner(LEAD, w.account, GONE),
        InvalidInput,
        "Gus Gone is deactivated and cannot be the new owner.",
    ),
    (
        "notify-unknown",
        lambda w: cancellations.set_notify(LEAD, w.account, [TESS, NOBODY]),
        NotFound,
        "There is no user 'nobody' to be the person notified.",
    ),
    (
        "notify-inactive",
        lambda w: cancellations.set_notify(LEAD, w.account, [GONE]),
        InvalidInput,
        "Gus Gone is deactivated",
    ),
    # malformed ids
    (
        "ids-empty",
        lambda w: cancellations.cease_assets(LEAD, w.account, dt.date(2026, 1, 1), []),
        InvalidInput,
        "No records were chosen.",
    ),
    (
        "ids-zero",
        lambda w: cancellations.close_cases(LEAD, w.account, [0]),
        InvalidInput,
        "'0' is not a record id.",
    ),
    (
        "ids-negative",
        lambda w: cancellations.close_cases(LEAD, w.account, [-3]),
        InvalidInput,
        "'-3' is not a record id.",
    ),
    (
        "ids-text",
        lambda w: cancellations.close_cases(LEAD, w.account, ["7"]),  # type: ignore[list-item]
        InvalidInput,
        "'7' is not a record id.",
    ),
    (
        "ids-bool",
        lambda w: cancellations.close_cases(LEAD, w.account, [True]),
        InvalidInput,
        "'True' is not a record id.",
    ),
    (
        "reason-ids-bad",
        lambda w: cancellations.set_reasons(LEAD, w.account, [1, -1]),
        InvalidInput,
        "'-1' is not a record id.",
    ),
    # dates that are not dates, or not allowed
    (
        "cease-text-date",
        lambda w: cancellations.cease_assets(LEAD, w.account, "2026-01-01"),  # type: ignore[arg-type]
        InvalidInput,
        "'2026-01-01' is not a date.",
    ),
    (
        "cease-datetime",
        lambda w: cancellations.cease_assets(LEAD, w.account, dt.datetime(2026, 1, 1)),
        InvalidInput,
        "is not a date",
    ),
    (
        "cease-before-start",
        lambda w: cancellations.cease_assets(LEAD, w.account, dt.date(2020, 1, 1)),
        InvalidInput,
        "The cease date 2020-01-01 is before the start date of 'Seat bundle' (2024-01-15).",
    ),
    (
        "expiry-text-date",
        lambda w: cancellations.add_expiry(LEAD, w.account, "soon"),  # type: ignore[arg-type]
        InvalidInput,
        "'soon' is not a date.",
    ),
    (
        "expiry-past",
        lambda w: cancellations.add_expiry(LEAD, w.account, dt.date(2020, 5, 1)),
        InvalidInput,
        "The expiry date 2020-05-01 is not in the future",
    ),
    (
        "expiry-today",
        lambda w: cancellations.add_expiry(LEAD, w.account, today_in("UTC")),
        InvalidInput,
        "is not in the future",
    ),
    # wrong states and choices
    (
        "mood-unknown",
        lambda w: cancellations.set_mood(LEAD, w.account, "Furious"),
        InvalidInput,
        "'Furious' is not a mood. Choose Happy, Satisfied, Neutral, Disappointed or Angry.",
    ),
    (
        "close-open-state",
        lambda w: cancellations.close_records(LEAD, w.account, "quotations", "Sent"),
        InvalidInput,
        "'Sent' is not a closed state for quotations. Choose Won, Lost, Expired or Cancelled.",
    ),
    (
        "close-open-stage",
        lambda w: cancellations.close_records(LEAD, w.account, "opportunities", "Negotiation"),
        InvalidInput,
        "'Negotiation' is not a closed state for opportunities. Choose Won, Lost or Cancelled.",
    ),
    (
        "close-another-kinds-state",  # a quotation's closed state, not an opportunity's
        lambda w: cancellations.close_records(LEAD, w.account, "opportunities", "Expired"),
        InvalidInput,
        "'Expired' is not a closed state for opportunities.",
    ),
    (
        "close-order-won",
        lambda w: cancellations.close_records(LEAD, w.account, "sales_orders", "Won"),
        InvalidInput,
        "'Won' is not a closed state for sales orders. Choose Completed or Cancelled.",
    ),
    (
        "close-order-on-hold",
        lambda w: cancellations.close_records(LEAD, w.account, "sales_orders", "On hold"),
        InvalidInput,
        "'On hold' is not a closed state for sales orders.",
    ),
    (
        "close-case-working",
        lambda w: cancellations.close_records(LEAD, w.account, "cases", "Working"),
        InvalidInput,
        "'Working' is not a closed state for cases. Choose Closed.",
    ),
    (
        "close-case-empty",
        lambda w: cancellations.close_records(LEAD, w.account, "cases", ""),
        InvalidInput,
        "'' is not a closed state for cases.",
    ),
    (
        "close-unknown-section",
        lambda w: cancellations.close_records(LEAD, w.account, "invoices", "Paid"),
        InvalidInput,
        "'invoices' is not a section with records.",
    ),
    (
        "close-assets",
        lambda w: cancellations.close_records(LEAD, w.account, "assets", "Ceased"),
        InvalidInput,
        "Assets are ceased with a date, not given a state.",
    ),
    (
        "begin-pending",
        lambda w: cancellations.begin(LEAD, w.account),
        Conflict,
        "Acme Widgets is already pending cancellation since",
    ),
    (
        "no-pending-cease",
        lambda w: cancellations.cease_assets(LEAD, "500002", dt.date(2026, 1, 1)),
        Conflict,
        "Calm Co has no pending cancellation. Begin a cancellation first.",
    ),
    (
        "no-pending-reasons",
        lambda w: cancellations.set_reasons(LEAD, "500002", [1]),
        Conflict,
        "Calm Co has no pending cancellation.",
    ),
    (
        "no-pending-mood",
        lambda w: cancellations.set_mood(LEAD, "500002", "Happy"),
        Conflict,
        "Calm Co has no pending cancellation.",
    ),
    (
        "no-pending-process",
        lambda w: cancellations.process(LEAD, "500002"),
        Conflict,
        "Calm Co has no pending cancellation.",
    ),
    (
        "begin-cancelled",
        lambda w: cancellations.begin(LEAD, "500004"),
        Conflict,
        "Done Co is Cancelled; only a Live customer can be cancelled.",
    ),
    # too-long text
    (
        "expiry-note-too-long",
        lambda w: cancellations.add_expiry(LEAD, w.account, FUTURE, TOO_LONG),
        InvalidInput,
        "The expiry note is 4,001 characters; the limit is 4,000. Shorten it, then save again "
        "(nothing was cut).",
    ),
    (
        "reason-text-too-long",
        lambda w: cancellations.set_reasons(LEAD, w.account, [], TOO_LONG),
        InvalidInput,
        "The reason text is 4,001 characters; the limit is 4,000.",
    ),
    (
        "extra-info-too-long",
        lambda w: cancellations.set_reasons(LEAD, w.account, [], "", TOO_LONG),
        InvalidInput,
        "The extra information is 4,001 characters; the limit is 4,000.",
    ),
    # users and reasons
    (
        "user-bad-login",
        lambda w: users.add_user(ADMIN, "Bad Login!", "Bad"),
        InvalidInput,
        "'Bad Login!' is not a usable login",
    ),
    (
        "user-long-login",
        lambda w: users.add_user(ADMIN, "a" * 65, "Long"),
        InvalidInput,
        "is not a usable login",
    ),
    (
        "user-long-name",
        lambda w: users.add_user(ADMIN, "longname", "N" * 121),
        InvalidInput,
        "The display name is longer than 120 characters.",
    ),
    (
        "user-bad-email",
        lambda w: users.add_user(ADMIN, "mail", "Mail", "not-an-address"),
        InvalidInput,
        "'not-an-address' is not an e-mail address",
    ),
    (
        "user-long-email",
        lambda w: users.add_user(ADMIN, "mail", "Mail", "a" * 250 + "@example.com"),
        InvalidInput,
        "The e-mail address is longer than 254 characters.",
    ),
    (
        "user-update-long-email",
        lambda w: users.update_user(ADMIN, TESS, email="a" * 250 + "@example.com"),
        InvalidInput,
        "The e-mail address is longer than 254 characters.",
    ),
    (
        "user-bad-role",
        lambda w: users.add_user(ADMIN, "rolly", "Rolly", roles=["superuser"]),
        InvalidInput,
        "'superuser' is not a role. Roles: customer-cancellation, crm-admin, retention, approver, "
        "finance, accounting.",
    ),
    (
        "user-duplicate",
        lambda w: users.add_user(ADMIN, TESS, "Tess Again"),
        Conflict,
        "There is already a user 'tess'.",
    ),
    (
        "user-unknown",
        lambda w: users.update_user(ADMIN, NOBODY, active=False),
        NotFound,
        "There is no user 'nobody'.",
    ),
    (
        "user-demote-self",
        lambda w: users.update_user(ADMIN, ADMIN, roles=["customer-cancellation"]),
        InvalidInput,
        "You cannot remove your own CRM admin role or deactivate yourself.",
    ),
    (
        "user-deactivate-self",
        lambda w: users.update_user(ADMIN, ADMIN, active=False),
        InvalidInput,
        "You cannot remove your own CRM admin role",
    ),
    (
        "reason-empty",
        lambda w: users.add_reason(ADMIN, "   "),
        InvalidInput,
        "A reason needs a name.",
    ),
    (
        "reason-long",
        lambda w: users.add_reason(ADMIN, "R" * 81),
        InvalidInput,
        "A reason's name must be at most 80 characters.",
    ),
    (
        "reason-duplicate",
        lambda w: users.add_reason(ADMIN, "price"),
        Conflict,
        "The reason list already has 'price'.",
    ),
    (
        "reason-unknown",
        lambda w: users.retire_reason(ADMIN, 987654),
        NotFound,
        "There is no reason with id 987654.",
    ),
    (
        "retire-huge-id",
        lambda w: users.retire_reason(ADMIN, 2**70),
        NotFound,
        f"There is no reason with id {2**70}.",
    ),
    (
        "retire-zero-id",
        lambda w: users.retire_reason(ADMIN, 0),
        NotFound,
        "There is no reason with id 0.",
    ),
    # reading
    (
        "status-filter",
        lambda w: customers.customer_page(status="gone"),
        InvalidInput,
        "'gone' is not a status. Use one of: live, live-pc, cancelled.",
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "says"), [case[1:] for case in BAD_CALLS], ids=[case[0] for case in BAD_CALLS]
)
def test_bad_input_gets_a_clear_error_and_writes_nothing(
    staged_world: World, call: Call, error: type[OffboardError], says: str
) -> None:
    """On the staged world (see ``world.stage``), shared by these tests: none may change it."""
    before = staged_world.snapshot()

    with pytest.raises(error) as refused:
        call(staged_world)

    assert says in str(refused.value)
    assert staged_world.snapshot() == before


# ----------------------------------------------------------------------------- long echoes

LONG = "x" * 100_000
CUT = f"'{'x' * 80}… (100,000 characters)'"


@pytest.mark.parametrize(
    ("run", "says"),
    [
        (lambda w: parse_date(LONG), f"{CUT} is not a date."),
        (lambda w: parse_date("y" * 120), f"'{'y' * 80}… (120 characters)' is not a date."),
        (lambda w: users.add_user(ADMIN, LONG, "Pat"), f"{CUT} is not a usable login"),
        (lambda w: users.check_roles([LONG]), f"{CUT} is not a role."),
        (
            lambda w: cancellations.begin(LEAD, w.account, scenario=LONG),
            f"{CUT} is not a scenario.",
        ),
        (lambda w: customers.tool_view(LONG), f"There is no customer with account number {CUT}."),
    ],
    ids=["date", "date-120", "login", "role", "scenario", "account"],
)
def test_a_refusal_quotes_at_most_80_characters_of_a_long_input(
    world: World, run: Callable[[World], object], says: str
) -> None:
    before = world.snapshot()

    with pytest.raises(OffboardError) as refused:
        run(world)

    assert says in str(refused.value)
    assert len(str(refused.value)) < 400
    assert world.snapshot() == before


def test_control_characters_in_an_echo_are_written_out() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_date("\x1b[31mred\x00")

    assert str(refused.value).startswith("'\\x1b[31mred\\x00' is not a date.")


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        ("'short' and 'also short'", "'short' and 'also short'"),
        (f"'{'p' * 150}' is kept: a path is what there is to fix", None),
        (f"'O'Brien {'y' * 300}' is bad", f"'O'Brien {'y' * 72}… (308 characters)' is bad"),
        (f"'{'z' * 200}", None),  # no closing quote: nothing to pair
    ],
    ids=["short", "path-150", "apostrophe-inside", "unclosed"],
)
def test_quoted_echoes_are_paired_and_cut_only_when_long(message: str, shown: str | None) -> None:
    assert str(InvalidInput(message)) == (shown or message)


def test_an_echo_without_quotes_is_cut_in_the_middle() -> None:
    message = "'" + " 'b" * 30_000 + " is bad. Try again."

    shown = str(InvalidInput(message))

    assert len(shown) < 1100
    assert shown.endswith(" 'b 'b is bad. Try again.")
    assert "(90,020 characters)" in shown
