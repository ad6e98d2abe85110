"""The termination timeline (issue 5) on both backends: due rules in the customer's time zone
across daylight-saving changes, the plan file and its errors, the order of the sign-offs and of
the data purge, the Timeline and Access & data sections, and the Today list.

The clock is stopped in every test that reads "now" (``clock``): "today" and the moments the
operations stamp are then known exactly, whatever the real date is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path

import arrow
import pytest

from data import cancellations, customers, notices, outbox, termination
from data import timeline as tl
from data.db import connection
from data.errors import Conflict, InvalidInput, NotReady
from data.models import (
    Cancellation,
    CancellationState,
    Customer,
    CustomerStatus,
    CustomerType,
    DoneBy,
    Scenario,
)
from data.playbook.model import Milestone
from data.sections import Section, SectionState
from data.timeline import (
    DEFAULT_PLAN,
    SIGN_OFFS,
    Due,
    PlanError,
    SignOff,
    TaskState,
    parse_guids,
    parse_plan,
    parse_rule,
    relative,
)
from tests.data.world import LEAD, OTHER, World

Clock = Callable[[dt.datetime], None]

# Monday 2 March 2026, 09:00 UTC: the moment most tests begin their cancellation.
T0 = dt.datetime(2026, 3, 2, 9, 0)
GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"

SHIPPED_KEYS = [
    "notice_received",
    "account_team_informed",
    "attrition_box",
    "legal_terms",
    "termination_notified",
    "team_tasks_assigned",
    "access_deactivated",
    "final_termination_mail",
    "data_decision",
    "sign_offs",
    "purge_requested",
    "data_purged",
    "case_closed",
]
HAND_KEYS = [
    "notice_received",
    "account_team_informed",
    "attrition_box",
    "legal_terms",
    "termination_notified",
    "team_tasks_assigned",
    "purge_requested",
]


@pytest.fixture(autouse=True)
def shipped_plan() -> Iterator[None]:
    """Every test starts, and leaves, with the shipped plan and templates in use."""
    outbox.use_templates(None)
    tl.use_plan(None)
    yield
    tl.use_plan(None)


def current(account: str) -> tuple[Customer, Cancellation]:
    """The customer and its pending cancellation, as the data layer reads them."""
    with connection():
        customer = Customer.get(Customer.account == account)
        cancellation = Cancellation.get(
            (Cancellation.customer == customer) & (Cancellation.state == CancellationState.PENDING)
        )
        return customer, cancellation


def view_of(account: str, now: arrow.Arrow | None = None) -> tl.Timeline:
    customer, cancellation = current(account)
    with connection():
        return tl.timeline(customer, cancellation, now=now)


def task_of(view: tl.Timeline, key: str) -> tl.TaskView:
    return next(task for task in view.tasks if task.key == key)


def tool(account: str) -> dict[str, Section]:
    """The sections of the Cancellation Tool by key."""
    return {section.key: section for section in customers.tool_view(account).sections}


def local(text: str) -> arrow.Arrow:
    """An arrow from an ISO moment with its offset (``2026-03-27T00:00:00+01:00``)."""
    return arrow.get(text)


def start_of(day: dt.date, time_zone: str) -> arrow.Arrow:
    """The start of a local day, as the timeline anchors the effective date."""
    return arrow.Arrow(day.year, day.month, day.day, tzinfo=time_zone)


def day_due(day: dt.date, time_zone: str) -> Due:
    """A task due on ``day`` (by the end of it), as the timeline computes one."""
    due = parse_rule("on effective").due({"effective": start_of(day, time_zone)})
    assert due is not None
    return due


def hours_between(early: arrow.Arrow, late: arrow.Arrow) -> float:
    return float((late.to("UTC") - early.to("UTC")).total_seconds()) / 3600


# ----------------------------------------------------------------------------- due rules


@pytest.mark.parametrize(
    ("time_zone", "effective", "due_at", "elapsed", "shown"),
    [
        # Spring forward on Sunday 29 March: the Friday before is one hour "shorter" away.
        (
            "Europe/Berlin",
            dt.date(2026, 3, 30),
            "2026-03-27T00:00:00+01:00",
            71,
            "Fri 2026-03-27 00:00 CET",
        ),
        # Fall back on Sunday 25 October: one hour longer.
        (
            "Europe/Berlin",
            dt.date(2026, 10, 26),
            "2026-10-23T00:00:00+02:00",
            73,
            "Fri 2026-10-23 00:00 CEST",
        ),
        # The United States spring forward on Sunday 8 March.
        (
            "America/New_York",
            dt.date(2026, 3, 9),
            "2026-03-06T00:00:00-05:00",
            71,
            "Fri 2026-03-06 00:00 EST",
        ),
        # No change in between: exactly 72 hours.
        (
            "Europe/Berlin",
            dt.date(2026, 3, 16),
            "2026-03-13T00:00:00+01:00",
            72,
            "Fri 2026-03-13 00:00 CET",
        ),
    ],
)
def test_72_hours_before_effective_is_the_same_clock_time_three_days_earlier(
    time_zone: str, effective: dt.date, due_at: str, elapsed: int, shown: str
) -> None:
    rule = parse_rule("72 hours before effective")
    base = start_of(effective, time_zone)

    due = rule.due({"begin": None, "effective": base})

    assert due is not None
    assert due.timed
    assert due.at == local(due_at)
    assert due.at.utcoffset() == local(due_at).utcoffset()  # local time, its own offset
    assert due.date == local(due_at).date()
    assert hours_between(due.at, base) == elapsed
    assert due.absolute() == shown


def test_a_rule_waits_for_its_anchor() -> None:
    rule = parse_rule("72 hours before effective")

    assert rule.due({"begin": arrow.get("2026-03-02T09:00:00+00:00"), "effective": None}) is None
    assert rule.due({}) is None


@pytest.mark.parametrize(
    ("time_zone", "effective", "date", "due_at", "shown"),
    [
        (
            "Europe/Berlin",
            dt.date(2026, 3, 30),
            dt.date(2026, 2, 28),
            "2026-03-01T00:00:00+01:00",
            "Sat 2026-02-28",
        ),
        # Across the spring change: still a whole local day, ending at local midnight.
        (
            "Europe/Berlin",
            dt.date(2026, 4, 15),
            dt.date(2026, 3, 16),
            "2026-03-17T00:00:00+01:00",
            "Mon 2026-03-16",
        ),
        (
            "Asia/Tokyo",
            dt.date(2026, 4, 15),
            dt.date(2026, 3, 16),
            "2026-03-17T00:00:00+09:00",
            "Mon 2026-03-16",
        ),
    ],
)
def test_30_days_before_effective_is_due_by_the_end_of_that_local_day(
    time_zone: str, effective: dt.date, date: dt.date, due_at: str, shown: str
) -> None:
    due = parse_rule("30 days before effective").due({"effective": start_of(effective, time_zone)})

    assert due is not None
    assert not due.timed
    assert due.date == date
    assert due.at == local(due_at)
    assert due.absolute() == shown


@pytest.mark.parametrize(
    ("time_zone", "day_1", "day_4"),
    [
        ("UTC", dt.date(2026, 1, 15), dt.date(2026, 1, 18)),
        # 23:30 UTC is already 08:30 on the 16th in Tokyo: Begin's own day is the 16th there.
        ("Asia/Tokyo", dt.date(2026, 1, 16), dt.date(2026, 1, 19)),
        ("America/Los_Angeles", dt.date(2026, 1, 15), dt.date(2026, 1, 18)),
        ("Pacific/Kiritimati", dt.date(2026, 1, 16), dt.date(2026, 1, 19)),
    ],
)
def test_day_n_after_begin_counts_begins_own_local_day_as_day_1(
    time_zone: str, day_1: dt.date, day_4: dt.date
) -> None:
    begun = arrow.get(dt.datetime(2026, 1, 15, 23, 30), tzinfo="UTC").to(time_zone)

    first = parse_rule("day 1 after begin").due({"begin": begun})
    fourth = parse_rule("day 4 after begin").due({"begin": begun})

    assert first is not None and fourth is not None
    assert (first.date, fourth.date) == (day_1, day_4)
    # due by the end of that day, where the customer is
    assert fourth.at == start_of(day_4 + dt.timedelta(days=1), time_zone)


@pytest.mark.parametrize(
    ("text", "anchor", "offset", "unit"),
    [
        ("day 1 after begin", "begin", 0, tl.DayUnit.DAY),
        ("Day 4 of   Begin", "begin", 3, tl.DayUnit.DAY),
        ("on effective", "effective", 0, tl.DayUnit.DAY),
        ("2 weeks after begin", "begin", 14, tl.DayUnit.DAY),
        ("30 days before the effective date", "effective", -30, tl.DayUnit.DAY),
        ("72 Hours before effective (local time)", "effective", -72, tl.DayUnit.HOUR),
        ("1 hour after begin", "begin", 1, tl.DayUnit.HOUR),
    ],
)
def test_due_rules_are_read_from_their_words(
    text: str, anchor: str, offset: int, unit: tl.DayUnit
) -> None:
    rule = parse_rule(text)

    assert (rule.anchor, rule.offset, rule.unit) == (anchor, offset, unit)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("3 days before signature", "'signature' is not an anchor of a due rule"),
        ("day 0 after begin", "days are counted from day 1"),
        ("whenever it suits", "'whenever it suits' is not a due rule"),
        ("3 months before effective", "is not a due rule"),
    ],
)
def test_a_due_rule_that_cannot_be_read_is_refused(text: str, problem: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_rule(text)

    assert problem in str(refused.value)


BERLIN_NOW = local("2026-03-10T15:00:00+01:00")


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (dt.date(2026, 3, 10), "due today"),
        (dt.date(2026, 3, 11), "due tomorrow"),
        (dt.date(2026, 3, 13), "due in 3 days"),
        (dt.date(2026, 3, 9), "1 day overdue"),
        (dt.date(2026, 3, 8), "2 days overdue"),
    ],
)
def test_relative_words_for_a_task_due_on_a_day(day: dt.date, words: str) -> None:
    assert relative(day_due(day, "Europe/Berlin"), BERLIN_NOW) == words


@pytest.mark.parametrize(
    ("due_at", "words"),
    [
        ("2026-03-10T18:00:00+01:00", "due in 3 hours"),
        ("2026-03-10T15:20:00+01:00", "due in 1 hour"),
        ("2026-03-10T14:00:00+01:00", "1 hour overdue"),
        ("2026-03-10T05:00:00+01:00", "10 hours overdue"),
        ("2026-03-11T09:00:00+01:00", "due in 18 hours"),  # tomorrow, but within a day
        ("2026-03-13T00:00:00+01:00", "due in 3 days"),  # more than a day: by the date
        ("2026-03-08T12:00:00+01:00", "2 days overdue"),
    ],
)
def test_relative_words_for_a_task_due_at_a_time(due_at: str, words: str) -> None:
    at = local(due_at)

    assert relative(Due(at, at.date(), True), BERLIN_NOW) == words


def test_hours_to_a_timed_task_are_elapsed_hours_across_a_daylight_saving_change() -> None:
    # Midnight to noon on the day clocks spring forward in Berlin is 11 hours, not 12.
    now = local("2026-03-29T00:00:00+01:00")
    at = local("2026-03-29T12:00:00+02:00")

    assert relative(Due(at, at.date(), True), now) == "due in 11 hours"
    # and the other way on the autumn change: 13 hours
    now = local("2026-10-25T00:00:00+02:00")
    at = local("2026-10-25T12:00:00+01:00")
    assert relative(Due(at, at.date(), True), now) == "due in 13 hours"


# ----------------------------------------------------------------------------- timelines


def test_one_plan_gives_customers_in_two_zones_their_own_due_dates(
    world: World, clock: Clock
) -> None:
    moment = dt.datetime(2026, 1, 15, 23, 30)  # already the 16th in Tokyo
    clock(moment)
    world.customer("500002", "Tokyo Traders", time_zone="Asia/Tokyo")
    for account in (world.account, "500002"):
        cancellations.begin(LEAD, account)
        termination.set_effective_date(LEAD, account, dt.date(2026, 2, 15))

    utc = view_of(world.account)
    tokyo = view_of("500002")

    # "now" is the stopped clock, in each customer's own zone
    assert utc.now == arrow.get(moment, tzinfo="UTC")
    assert tokyo.now == utc.now
    assert (utc.today, tokyo.today) == (dt.date(2026, 1, 15), dt.date(2026, 1, 16))
    assert str(tokyo.now.tzinfo) == "Asia/Tokyo"
    assert (utc.effective_date, tokyo.effective_date) == (dt.date(2026, 2, 15),) * 2

    def dates(view: tl.Timeline, key: str) -> tuple[dt.date | None, str, TaskState]:
        task = task_of(view, key)
        return (task.due.date if task.due else None, task.relative, task.state)

    # day N after begin: Begin's own local day is day 1
    assert dates(utc, "account_team_informed") == (dt.date(2026, 1, 15), "due today", TaskState.DUE)
    assert dates(tokyo, "account_team_informed") == (
        dt.date(2026, 1, 16),
        "due today",
        TaskState.DUE,
    )
    assert dates(utc, "access_deactivated") == (
        dt.date(2026, 1, 18),
        "due in 3 days",
        TaskState.UPCOMING,
    )
    assert dates(tokyo, "access_deactivated") == (
        dt.date(2026, 1, 19),
        "due in 3 days",
        TaskState.UPCOMING,
    )
    # 30 days before the same effective date: the same date, but "today" differs
    assert dates(utc, "notice_received") == (
        dt.date(2026, 1, 16),
        "due tomorrow",
        TaskState.UPCOMING,
    )
    assert dates(tokyo, "notice_received") == (dt.date(2026, 1, 16), "due today", TaskState.DUE)
    # 72 hours before: midnight where each customer is, nine hours apart
    utc_mail = task_of(utc, "final_termination_mail").due
    tokyo_mail = task_of(tokyo, "final_termination_mail").due
    assert utc_mail is not None and tokyo_mail is not None
    assert utc_mail.at == local("2026-02-12T00:00:00+00:00")
    assert tokyo_mail.at == local("2026-02-12T00:00:00+09:00")
    assert hours_between(tokyo_mail.at, utc_mail.at) == 9


def test_task_states_and_words_follow_now_in_the_customers_zone(world: World, clock: Clock) -> None:
    clock(T0)
    world.details(time_zone="Europe/Berlin")
    cancellations.begin(LEAD, world.account)
    termination.set_effective_date(LEAD, world.account, "2026-03-30")

    def mail(now: str) -> tuple[TaskState, str]:
        task = task_of(view_of(world.account, now=local(now)), "final_termination_mail")
        return task.state, task.relative

    assert mail("2026-03-20T10:00:00+01:00") == (TaskState.UPCOMING, "due in 7 days")
    assert mail("2026-03-26T10:00:00+01:00") == (TaskState.DUE, "due in 14 hours")
    assert mail("2026-03-27T03:00:00+01:00") == (TaskState.OVERDUE, "3 hours overdue")
    # "now" given in another zone is judged where the customer is (09:00 UTC = 10:00 CET)
    assert mail("2026-03-26T09:00:00+00:00") == (TaskState.DUE, "due in 14 hours")

    on_26th = view_of(world.account, now=local("2026-03-26T10:00:00+01:00"))
    informed = task_of(on_26th, "account_team_informed")
    assert (informed.due and informed.due.date) == dt.date(2026, 3, 2)
    assert (informed.state, informed.relative) == (TaskState.OVERDUE, "24 days overdue")
    decision = task_of(on_26th, "data_decision")  # day 30 after Monday 2 March
    assert (decision.due and decision.due.absolute()) == "Tue 2026-03-31"
    assert (decision.state, decision.relative) == (TaskState.UPCOMING, "due in 5 days")


def test_without_an_effective_date_its_tasks_are_unscheduled(world: World, clock: Clock) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)

    view = view_of(world.account)

    assert view.effective_date is None
    unscheduled = [task.key for task in view.tasks if task.state is TaskState.UNSCHEDULED]
    # the purge too: it is never due before the effective date (issue 12)
    assert unscheduled == ["notice_received", "final_termination_mail", "data_purged"]
    assert all(task.due is None for task in view.tasks if task.key in unscheduled)
    assert task_of(view, "legal_terms").due is not None


def test_collections_makes_the_deactivation_due_on_day_1(world: World, clock: Clock) -> None:
    clock(T0)
    world.customer("500002", "Collected Co")
    cancellations.begin(LEAD, world.account)  # a buyout
    cancellations.begin(LEAD, "500002", scenario=Scenario.COLLECTIONS)

    buyout = task_of(view_of(world.account), "access_deactivated")
    collections = task_of(view_of("500002"), "access_deactivated")

    assert buyout.due is not None and collections.due is not None
    assert (buyout.due.date, buyout.state, buyout.relative) == (
        dt.date(2026, 3, 5),
        TaskState.UPCOMING,
        "due in 3 days",
    )
    assert (collections.due.date, collections.state, collections.relative) == (
        dt.date(2026, 3, 2),
        TaskState.DUE,
        "due today",
    )
    # only the deactivation moves: the other tasks keep the plan's rules
    assert (
        task_of(view_of("500002"), "legal_terms").due
        == task_of(view_of(world.account), "legal_terms").due
    )


# ----------------------------------------------------------------------------- the plan file


def test_the_shipped_plan_loads_with_its_13_tasks_in_order() -> None:
    plan = tl.use_plan(None)

    assert [task.key for task in plan.tasks] == SHIPPED_KEYS
    assert tl.current_plan() is plan
    assert plan.source == str(DEFAULT_PLAN)
    lines = DEFAULT_PLAN.read_text(encoding="utf-8").splitlines()
    for task in plan.tasks:  # each task knows the line it came from
        assert lines[task.line - 1].startswith(task.key + " ")
    assert [task.key for task in plan.tasks if task.by_hand] == HAND_KEYS
    mail = plan.task("final_termination_mail")
    assert (mail.completed_by, mail.template) == (DoneBy.EMAIL, "final_termination_notice")
    assert mail.rule.unit is tl.DayUnit.HOUR and mail.rule.offset == -72
    assert plan.task('Data purge completed ("Data Purge Done")').parties == ("infrastructure",)
    assert plan.task("notice_received").party_names == ("Customer, Account Team, Order Management")


GOOD_LINES = [
    "# Our own plan",
    "",
    "kickoff   | Kick-off call          | account_team        | day 1 after begin         | hand",
    "  # the lawyers come next",
    "legal_ok  | Legal agrees           | legal               | 30 days before effective  | hand",
    "farewell  | Farewell e-mail        | order_management    | 72 hours before effective | e-mail final_termination_notice",
]
BAD_AT = 5  # the bad line goes in as line 5, between the two lawyers' lines


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        (
            "late | Too late | legal | 3 days before signature | hand",
            "'signature' is not an anchor of a due rule",
        ),
        (
            "late | Too late | legal, lawyers | day 2 after begin | hand",
            "'lawyers' is not a responsible party",
        ),
        (
            "late | Too late | legal | day 2 after begin | fax",
            "'fax' is not how a task is completed",
        ),
        (
            "late | Too late | legal | day 2 after begin | e-mail farewell_card",
            "there is no e-mail template 'farewell_card'",
        ),
        (
            "kickoff | Kick-off again | legal | day 2 after begin | hand",
            "the key 'kickoff' is used twice (first on line 3)",
        ),
        (
            "late | Too late | legal | day 2 after begin",
            "expected 5 fields separated by '|'",
        ),
        (
            "late | Too late | legal | day 2 after begin | hand | extra",
            "found 6",
        ),
        ("late | Too late | legal | whenever | hand", "'whenever' is not a due rule"),
        ("late | Too late | legal | day 0 after begin | hand", "counted from day 1"),
        ("Late Task | Too late | legal | day 2 after begin | hand", "is not a task key"),
        ("late | | legal | day 2 after begin | hand", "the task has no description"),
        ("late | Too late | , | day 2 after begin | hand", "names no responsible party"),
        (
            "late | Too late | legal | day 2 after begin | hand final_termination_notice",
            "only 'e-mail' takes a template",
        ),
        ("late | Too late | legal | day 2 after begin | e-mail", "needs the template"),
    ],
)
def test_a_plan_error_names_the_source_and_its_line(bad: str, problem: str) -> None:
    lines = [*GOOD_LINES[: BAD_AT - 1], bad, *GOOD_LINES[BAD_AT - 1 :]]
    assert lines[BAD_AT - 1] == bad

    with pytest.raises(PlanError) as refused:
        parse_plan("\n".join(lines), "our.plan")

    message = str(refused.value)
    assert message.startswith(f"our.plan, line {BAD_AT}: "), message
    assert problem in message


def test_the_good_lines_alone_make_a_plan() -> None:
    plan = parse_plan("\n".join(GOOD_LINES), "our.plan")

    assert [(task.key, task.line) for task in plan.tasks] == [
        ("kickoff", 3),
        ("legal_ok", 5),
        ("farewell", 6),
    ]
    assert plan.source == "our.plan"


def test_a_plan_with_only_comments_is_refused() -> None:
    with pytest.raises(PlanError, match=r"^our\.plan has no tasks"):
        parse_plan("# nothing yet\n\n   \n", "our.plan")


def test_a_plan_file_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "our.plan"
    path.write_text(
        "\n".join([*GOOD_LINES, "late | Too late | legal | day 2 after begin | fax"]),
        encoding="utf-8",
    )

    with pytest.raises(PlanError) as refused:
        tl.load_plan(path)

    assert str(refused.value).startswith(f"{path}, line 7: 'fax' is not how a task is completed")


def test_a_missing_or_unreadable_plan_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PlanError, match="There is no plan file at"):
        tl.load_plan(tmp_path / "nowhere.plan")
    binary = tmp_path / "binary.plan"
    binary.write_bytes(b"\xff\xfe\x00kickoff")
    with pytest.raises(PlanError, match="is not UTF-8 text"):
        tl.load_plan(binary)


def test_use_plan_with_a_bad_file_keeps_the_plan_in_use(tmp_path: Path) -> None:
    good = tmp_path / "good.plan"
    good.write_text("\n".join(GOOD_LINES), encoding="utf-8")
    bad = tmp_path / "bad.plan"
    bad.write_text("\n".join([*GOOD_LINES, "late | Late | lawyers | on begin | hand"]))
    ours = tl.use_plan(good)
    assert tl.current_plan() is ours

    with pytest.raises(PlanError, match=r"bad\.plan, line 7: 'lawyers'"):
        tl.use_plan(bad)

    assert tl.current_plan() is ours  # refused whole: the good plan is still in use
    assert [task.key for task in tl.current_plan().tasks] == ["kickoff", "legal_ok", "farewell"]
    with pytest.raises(PlanError):
        tl.use_plan(tmp_path / "missing.plan")
    assert tl.current_plan() is ours
    assert [task.key for task in tl.use_plan(None).tasks] == SHIPPED_KEYS


def test_an_organisations_plan_drives_the_timeline(
    world: World, clock: Clock, tmp_path: Path
) -> None:
    clock(T0)
    good = tmp_path / "good.plan"
    good.write_text("\n".join(GOOD_LINES), encoding="utf-8")
    tl.use_plan(good)
    cancellations.begin(LEAD, world.account)
    termination.set_effective_date(LEAD, world.account, "2026-04-15")

    view = view_of(world.account)

    assert [task.key for task in view.tasks] == ["kickoff", "legal_ok", "farewell"]
    assert [task.relative for task in view.tasks] == [
        "due today",
        "due in 14 days",
        "due in 41 days",
    ]
    with pytest.raises(InvalidInput, match="'attrition_box' is not a task of the plan"):
        termination.complete_task(LEAD, world.account, "attrition_box")
    termination.complete_task(LEAD, world.account, "kickoff")
    assert task_of(view_of(world.account), "kickoff").state is TaskState.DONE


# ----------------------------------------------------------------------------- sign-offs


def test_the_final_sign_off_comes_after_every_other(world: World, clock: Clock) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    others = [key for key in SIGN_OFFS if key != SignOff.FINAL]
    before = world.snapshot()

    with pytest.raises(NotReady, match="The final confirmation comes after every other") as early:
        termination.sign_off(LEAD, world.account, SignOff.FINAL)

    assert early.value.blocking_sections == [SIGN_OFFS[key] for key in others]
    assert world.snapshot() == before
    for key in others[:-1]:
        termination.sign_off(LEAD, world.account, key)
    with pytest.raises(NotReady) as one_left:
        termination.sign_off(LEAD, world.account, SignOff.FINAL)
    assert one_left.value.blocking_sections == [SIGN_OFFS[others[-1]]]
    assert tool(world.account)["sign_offs"].summary == "4 of 6 signed; waiting for Sales Ops"

    termination.sign_off(LEAD, world.account, others[-1])
    assert (
        tool(world.account)["sign_offs"].summary == "5 of 6 signed; the final confirmation is left"
    )
    termination.sign_off(OTHER, world.account, "Order Management's final confirmation")

    signed = tool(world.account)["sign_offs"]
    assert (signed.state, signed.summary) == (
        SectionState.CLEAR,
        "All 6 signed; final confirmation by Otto Other",
    )
    assert task_of(view_of(world.account), "sign_offs").state is TaskState.DONE
    with pytest.raises(Conflict, match="already recorded by Otto Other"):
        termination.sign_off(LEAD, world.account, SignOff.FINAL)


def test_a_sign_off_cannot_be_withdrawn_while_the_final_one_stands(
    world: World, clock: Clock
) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    for key in SIGN_OFFS:
        termination.sign_off(LEAD, world.account, key)
    before = world.snapshot()

    with pytest.raises(Conflict, match="Withdraw the final confirmation first"):
        termination.withdraw_sign_off(LEAD, world.account, "finance")

    assert world.snapshot() == before
    termination.withdraw_sign_off(LEAD, world.account, SignOff.FINAL)
    termination.withdraw_sign_off(LEAD, world.account, "finance")
    section = tool(world.account)["sign_offs"]
    assert (section.state, section.summary, section.blocking) == (
        SectionState.BLOCKING,
        "4 of 6 signed; waiting for Finance",
        2,
    )
    with pytest.raises(Conflict, match="is not signed"):
        termination.withdraw_sign_off(LEAD, world.account, "finance")


# ----------------------------------------------------------------------------- access and data


def test_no_purge_before_the_account_team_approves(world: World, clock: Clock) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    termination.record_deactivation(LEAD, world.account, GUID)
    before = world.snapshot()

    with pytest.raises(NotReady, match="has not approved the deletion") as undecided:
        termination.record_purge(LEAD, world.account)
    assert undecided.value.blocking_sections == ["Data decision"]
    assert world.snapshot() == before

    termination.decide_data(LEAD, world.account, "hold", reason="Audit", review_date="2026-04-01")
    on_hold = world.snapshot()
    with pytest.raises(NotReady, match=r"on hold until 2026-04-01 \(Audit\)") as held:
        termination.record_purge(LEAD, world.account)
    assert held.value.blocking_sections == ["Data decision"]
    assert world.snapshot() == on_hold
    _, cancellation = current(world.account)
    assert cancellation.purged_at is None


def test_no_purge_before_access_is_deactivated(world: World, clock: Clock) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    termination.decide_data(LEAD, world.account, "approve")
    before = world.snapshot()

    with pytest.raises(NotReady, match="not deactivated yet") as refused:
        termination.record_purge(LEAD, world.account)

    assert refused.value.blocking_sections == ["Access"]
    assert world.snapshot() == before


@pytest.mark.parametrize(
    ("reason", "review", "problem"),
    [
        ("", "2026-04-01", "A hold needs a reason"),
        ("   ", "2026-04-01", "A hold needs a reason"),
        ("Audit", None, "A hold needs a review date"),
        ("Audit", "  ", "A hold needs a review date"),
        # 20:00 UTC on the 10th is already the 11th in Tokyo: today there is not after today
        ("Audit", "2026-03-11", "The review date 2026-03-11 is not after today (2026-03-11)"),
        ("Audit", dt.date(2026, 3, 1), "is not after today"),
        ("Audit", "yesterday", "is not after today"),
        ("Audit", "the 12th", "is not a date"),
    ],
)
def test_a_hold_needs_a_reason_and_a_review_date_after_today(
    world: World, clock: Clock, reason: str, review: str | dt.date | None, problem: str
) -> None:
    clock(dt.datetime(2026, 3, 10, 20, 0))
    world.details(time_zone="Asia/Tokyo")
    cancellations.begin(LEAD, world.account)
    before = world.snapshot()

    with pytest.raises(InvalidInput) as refused:
        termination.decide_data(LEAD, world.account, "hold", reason=reason, review_date=review)

    assert problem in str(refused.value)
    assert world.snapshot() == before
    # the next day in Tokyo is fine
    termination.decide_data(LEAD, world.account, "hold", reason="Audit", review_date="2026-03-12")
    _, cancellation = current(world.account)
    assert str(cancellation.review_date) == "2026-03-12"


def test_a_decision_must_be_hold_or_approve(world: World, clock: Clock) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    before = world.snapshot()

    with pytest.raises(InvalidInput, match="'delete' is not a decision"):
        termination.decide_data(LEAD, world.account, "delete")

    assert world.snapshot() == before


def test_an_approval_resolves_a_hold_and_nothing_changes_after_the_purge(
    world: World, clock: Clock
) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    termination.set_effective_date(LEAD, world.account, "today")  # the purge waits for it
    termination.record_deactivation(LEAD, world.account, GUID)
    termination.decide_data(LEAD, world.account, "hold", reason="Audit", review_date="2026-04-01")

    termination.decide_data(LEAD, world.account, "Approve")

    _, cancellation = current(world.account)
    assert cancellation.data_decision == "approve"
    assert cancellation.review_date is None
    assert "deletion approved, purge not done" in tool(world.account)["access_data"].summary
    termination.record_purge(OTHER, world.account)
    _, cancellation = current(world.account)
    assert cancellation.purged_at == T0
    purged = world.snapshot()
    refusals: list[Callable[[], object]] = [
        lambda: termination.decide_data(
            LEAD, world.account, "hold", reason="Oops", review_date="2026-05-01"
        ),
        lambda: termination.decide_data(LEAD, world.account, "approve"),
        lambda: termination.record_deactivation(LEAD, world.account, GUID),
        lambda: termination.record_purge(LEAD, world.account),
        lambda: cancellations.remove(LEAD, world.account),
    ]
    for refused in refusals:
        with pytest.raises(Conflict):
            refused()
    assert world.snapshot() == purged


def test_access_and_data_is_red_until_deactivated_approved_and_purged(
    world: World, clock: Clock
) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    termination.set_effective_date(LEAD, world.account, "today")  # the purge waits for it

    def access() -> tuple[SectionState, str]:
        section = tool(world.account)["access_data"]
        return section.state, section.summary

    assert access() == (
        SectionState.BLOCKING,
        "Access not deactivated yet; no data decision from the account team",
    )
    termination.record_deactivation(LEAD, world.account, f"{GUID}\n{{{GUID.upper()}}}")
    assert access() == (
        SectionState.BLOCKING,
        "Access deactivated (1 GUID); no data decision from the account team",
    )
    termination.decide_data(LEAD, world.account, "hold", reason="Audit", review_date="2026-03-05")
    assert access() == (
        SectionState.BLOCKING,
        "Access deactivated (1 GUID); data on hold until 2026-03-05: Audit",
    )
    clock(dt.datetime(2026, 3, 5, 9, 0))  # the review date has come
    assert access() == (
        SectionState.BLOCKING,
        "Access deactivated (1 GUID); data on hold until 2026-03-05 — review due: Audit",
    )
    termination.decide_data(LEAD, world.account, "approve")
    assert access() == (
        SectionState.BLOCKING,
        "Access deactivated (1 GUID); deletion approved, purge not done",
    )
    termination.record_purge(OTHER, world.account)
    assert access() == (
        SectionState.CLEAR,
        "Access deactivated (1 GUID); data purged by Otto Other",
    )
    view = view_of(world.account)
    assert [
        task_of(view, key).state for key in ("access_deactivated", "data_decision", "data_purged")
    ] == [TaskState.DONE] * 3
    assert task_of(view, "access_deactivated").detail == "1 GUID"


def test_access_and_data_counts_each_of_its_three_steps_still_to_do(
    world: World, clock: Clock
) -> None:
    """Deactivation, approval and purge: the section's total is 3, and what it counts as still
    to do goes down by one with each (a hold approves nothing)."""
    clock(T0)
    cancellations.begin(LEAD, world.account)
    termination.set_effective_date(LEAD, world.account, "today")  # the purge waits for it
    counts = []

    def count() -> None:
        section = tool(world.account)["access_data"]
        counts.append((section.blocking, section.total))

    count()
    termination.record_deactivation(LEAD, world.account, GUID)
    count()
    termination.decide_data(LEAD, world.account, "hold", reason="Audit", review_date="2026-03-05")
    count()
    termination.decide_data(LEAD, world.account, "approve")
    count()
    termination.record_purge(LEAD, world.account)
    count()

    assert counts == [(3, 3), (2, 3), (2, 3), (1, 3), (0, 3)]


def test_recording_the_deactivation_again_replaces_the_guids(world: World, clock: Clock) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    termination.record_deactivation(LEAD, world.account, GUID)
    other = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"

    outcome = termination.record_deactivation(LEAD, world.account, f"{GUID}, {other}")

    assert outcome.message == "Access deactivated: 2 GUIDs recorded."
    _, cancellation = current(world.account)
    assert tl.guid_list(cancellation) == [GUID, other]
    assert "Access deactivated (2 GUIDs)" in tool(world.account)["access_data"].summary


def test_guids_are_read_the_standard_way_and_a_bad_one_names_its_line() -> None:
    pasted = (
        "{3F2504E0-4F89-11D3-9A0C-0305E82C3301}\n"
        "\n"
        "3f2504e04f8911d39a0c0305e82c3301, 6BA7B810-9DAD-11D1-80B4-00C04FD430C8;  \n"
        "  3f2504e0-4f89-11d3-9a0c-0305e82c3301  "
    )

    assert parse_guids(pasted) == [GUID, "6ba7b810-9dad-11d1-80b4-00c04fd430c8"]
    with pytest.raises(InvalidInput, match=r"^Line 3: '3f2504e0-4f89-11d3-9a0c' is not a GUID"):
        parse_guids(f"{GUID}\n\n{GUID} 3f2504e0-4f89-11d3-9a0c\nnot-a-guid")
    with pytest.raises(InvalidInput, match=r"^Line 1: 'g?f2504e0"):
        parse_guids("gf2504e0-4f89-11d3-9a0c-0305e82c3301")
    with pytest.raises(InvalidInput, match="No GUID was given"):
        parse_guids(" \n , \n")


# ----------------------------------------------------------------------------- tasks by hand


def test_complete_task_takes_only_tasks_done_by_hand_and_only_once(
    world: World, clock: Clock
) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    before = world.snapshot()

    with pytest.raises(
        InvalidInput, match="is not ticked by hand: it is done by recording the deactivation"
    ):
        termination.complete_task(LEAD, world.account, "access_deactivated")
    with pytest.raises(InvalidInput, match="is not ticked by hand: it is done by"):
        termination.complete_task(LEAD, world.account, "data_purged")
    with pytest.raises(InvalidInput, match="'coffee' is not a task of the plan"):
        termination.complete_task(LEAD, world.account, "coffee")
    assert world.snapshot() == before

    termination.complete_task(
        LEAD, world.account, '"Customer Attrition" checked on the customer\'s account', "ticked"
    )
    ticked = world.snapshot()
    with pytest.raises(Conflict, match="already done by Lena Lead"):
        termination.complete_task(OTHER, world.account, "attrition_box")
    assert world.snapshot() == ticked
    task = task_of(view_of(world.account), "attrition_box")
    assert task.state is TaskState.DONE
    assert task.done is not None and (task.done.by, task.done.note) == ("Lena Lead", "ticked")
    assert task.relative.startswith("done 2026-03-02")

    termination.reopen_task(LEAD, world.account, "attrition_box")
    assert task_of(view_of(world.account), "attrition_box").state is TaskState.DUE
    termination.complete_task(OTHER, world.account, "attrition_box")
    again = task_of(view_of(world.account), "attrition_box").done
    assert again is not None and again.by == "Otto Other"


# ----------------------------------------------------------------------------- sections


def test_timeline_is_red_without_an_effective_date(world: World, clock: Clock) -> None:
    clock(T0)
    world.ready(leave_red="timeline")

    timeline = tool(world.account)["timeline"]

    assert timeline.state is SectionState.BLOCKING
    assert timeline.summary.startswith(
        "Set the effective date (contract end or de-provisioning); "
        "Account team informed (cc CS Ops, Sales Ops and Legal) (due today) and 1 more"
    )
    assert timeline.blocking == 3  # the date, and the two tasks of day 1
    with pytest.raises(NotReady) as refused:
        cancellations.process(LEAD, world.account)
    # Process waits for the tasks that gate it (not for the effective date).
    assert refused.value.blocking_sections == [
        "Non-renewal or termination notice received; termination case opened with the contract",
        "Account team informed (cc CS Ops, Sales Ops and Legal)",
        '"Customer Attrition" checked on the customer\'s account',
    ]
    assert world.now().customer_type == CustomerType.CUSTOMER


def test_timeline_is_red_while_a_task_due_by_today_is_open(world: World, clock: Clock) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    termination.set_effective_date(LEAD, world.account, "+60d")

    first = tool(world.account)["timeline"]
    clock(dt.datetime(2026, 3, 4, 9, 0))  # two days on: day 2 and 3 are due too
    later = tool(world.account)["timeline"]

    assert (first.state, first.blocking, first.total) == (SectionState.BLOCKING, 2, 12)
    assert (
        first.summary
        == "Account team informed (cc CS Ops, Sales Ops and Legal) (due today) and 1 more"
    )
    assert (later.state, later.blocking) == (SectionState.BLOCKING, 5)
    assert (
        later.summary
        == "Account team informed (cc CS Ops, Sales Ops and Legal) (2 days overdue) and 4 more"
    )


def test_timeline_waits_when_only_later_tasks_remain_and_clears_when_all_are_done(
    world: World, clock: Clock
) -> None:
    clock(T0)
    # sign-offs, deactivation and approval done; the purge waits for the de-provisioning date
    world.ready(leave_red="timeline")
    termination.set_effective_date(LEAD, world.account, "+60d")
    for key in ("account_team_informed", "attrition_box"):
        termination.complete_task(LEAD, world.account, key)

    waiting = tool(world.account)["timeline"]

    assert waiting.state is SectionState.WAITING
    assert (waiting.is_red, waiting.holds_back) == (False, True)
    assert waiting.summary == (
        "Nothing due today; next: Legal confirms the termination terms and dates; case updated, "
        "Tue 2026-03-03 (due tomorrow). 5 of 12 tasks done"  # the purge waits for its day
    )
    others = [
        s
        for s in customers.tool_view(world.account).sections
        if s.key not in ("timeline", "access_data")  # Access & data waits for the purge
    ]
    assert not any(section.holds_back for section in others)  # only the timeline holds back
    before = world.snapshot()
    # The notice (due 30 days before the effective date) gates Process: not received yet.
    with pytest.raises(NotReady, match="this task comes before Process: Non-renewal") as refused:
        cancellations.process(LEAD, world.account)
    assert refused.value.blocking_sections == [
        "Non-renewal or termination notice received; termination case opened with the contract"
    ]
    assert "still red" not in str(refused.value)
    assert world.snapshot() == before
    assert (world.now().customer_type, world.now().status) == (
        CustomerType.CUSTOMER,
        CustomerStatus.PENDING_CANCELLATION,
    )

    clock(dt.datetime(2026, 3, 3, 9, 0))  # the next day: the day-2 tasks are due
    # They gate Close only: Process still waits for the notice, and the row says what is due
    # for Close without calling Process held back by it (issue 22).
    due = tool(world.account)["timeline"]
    assert (due.state, due.milestone) == (SectionState.WAITING, Milestone.PROCESS)
    assert due.summary.startswith("Nothing due for Process today; next: Non-renewal")
    assert ". Due for Close: Legal confirms the termination terms and dates" in due.summary

    for key in HAND_KEYS:
        if key not in ("account_team_informed", "attrition_box"):
            termination.complete_task(LEAD, world.account, key)
    assert tool(world.account)["timeline"].state is SectionState.WAITING  # the e-mail is left
    draft = notices.compose_task_email(world.account, LEAD, "final_termination_mail")
    assert draft.refusal == ""
    termination.queue_task_email(
        LEAD, world.account, "final_termination_mail", draft.recipients, draft.subject, draft.body
    )
    assert tool(world.account)["timeline"].state is SectionState.WAITING  # the purge is left
    cancellations.process(LEAD, world.account)  # Process does not wait for it
    assert world.now().customer_type == CustomerType.CUSTOMER

    clock(dt.datetime(2026, 5, 1, 9, 0))  # the de-provisioning date
    termination.record_purge(LEAD, world.account)
    clear = tool(world.account)["timeline"]
    assert (clear.state, clear.summary, clear.blocking) == (
        SectionState.CLEAR,
        "All 12 tasks done",
        0,
    )
    cancellations.close_case(LEAD, world.account)
    assert world.now().customer_type == CustomerType.FORMER_CUSTOMER


def test_the_task_email_waits_for_the_effective_date(world: World, clock: Clock) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)

    early = notices.compose_task_email(world.account, LEAD, "final_termination_mail")
    termination.set_effective_date(LEAD, world.account, "2026-04-15")
    draft = notices.compose_task_email(world.account, LEAD, "final_termination_mail")

    assert early.refusal.startswith("Set the effective date first")
    assert (early.subject, early.body) == ("", "")
    assert draft.refusal == ""
    assert "Wednesday 15 April 2026" in draft.subject + draft.body
    # the purge falls on day 32 after Begin (2 April) in the plan, but never before the
    # de-provisioning date
    assert "planned for Wed 2026-04-15 by Infrastructure Engineering Provisioning" in draft.body
    with pytest.raises(InvalidInput, match="sends no e-mail"):
        notices.compose_task_email(world.account, LEAD, "attrition_box")


# ----------------------------------------------------------------------------- process / remove


def test_process_does_not_wait_for_the_purge_and_close_does(world: World, clock: Clock) -> None:
    clock(T0)
    world.ready(leave_red="access_data")

    cancellations.process(LEAD, world.account)

    customer = world.now()
    assert (customer.customer_type, customer.status) == (CustomerType.CUSTOMER, "Cancelled")

    def refused() -> NotReady:
        with pytest.raises(NotReady) as refusal:
            cancellations.close_case(LEAD, world.account)
        assert world.now().customer_type == CustomerType.CUSTOMER
        return refusal.value

    purge = 'Data purge completed ("Data Purge Done")'
    assert refused().blocking_sections == [
        "Customer access deactivated; GUIDs attached to the case",
        "Account team holds the termination or approves the data for deletion",
        purge,
    ]
    termination.record_deactivation(LEAD, world.account, GUID)
    termination.decide_data(LEAD, world.account, "hold", reason="Audit", review_date="2026-04-01")
    assert refused().blocking_sections == [purge]  # on hold: decided, and no purge
    termination.decide_data(LEAD, world.account, "approve")
    assert refused().blocking_sections == [purge]  # approved, not purged
    termination.record_purge(LEAD, world.account)  # the effective date is today

    cancellations.close_case(LEAD, world.account)

    customer = world.now()
    assert (customer.customer_type, customer.status) == (CustomerType.FORMER_CUSTOMER, "Cancelled")
    with connection():
        done = Cancellation.get(Cancellation.customer == customer)
    assert (done.processed_at, done.closed_at) == (T0, T0)


def test_a_fully_finished_termination_closes_to_a_former_customer(
    world: World, clock: Clock
) -> None:
    clock(T0)
    world.ready()
    assert world.now().customer_type == CustomerType.CUSTOMER
    sections = tool(world.account)
    assert [sections[key].state for key in ("timeline", "sign_offs", "access_data")] == [
        SectionState.CLEAR
    ] * 3

    cancellations.process(LEAD, world.account)
    assert world.now().customer_type == CustomerType.CUSTOMER
    cancellations.close_case(LEAD, world.account)

    assert world.now().customer_type == CustomerType.FORMER_CUSTOMER


def test_remove_is_refused_once_the_data_is_purged(world: World, clock: Clock) -> None:
    clock(T0)
    world.customer("500002", "Unpurged Co")
    world.ready(leave_red="access_data", account="500002")
    world.ready()
    before = world.snapshot()

    with pytest.raises(Conflict, match=r"data was purged on .* by Lena Lead: the cancellation of"):
        cancellations.remove(LEAD, world.account)

    assert world.snapshot() == before
    assert world.now().status == CustomerStatus.PENDING_CANCELLATION
    cancellations.remove(LEAD, "500002")  # not purged: it can still be taken back
    with connection():
        assert Customer.get(Customer.account == "500002").status == "Live"


# ----------------------------------------------------------------------------- the Today list


def three_pending(world: World, clock: Clock) -> None:
    """Acme Widgets begun on Monday 2 March, Bolt Ltd on Saturday 7 March (both with an
    effective date), Calm Co on 7 March by Otto with none; the clock stays on 7 March."""
    clock(T0)
    cancellations.begin(LEAD, world.account)
    termination.set_effective_date(LEAD, world.account, "2026-05-01")
    clock(dt.datetime(2026, 3, 7, 9, 0))
    world.customer("500002", "Bolt Ltd")
    world.customer("500003", "Calm Co")
    cancellations.begin(LEAD, "500002")
    termination.set_effective_date(LEAD, "500002", "2026-05-01")
    cancellations.begin(OTHER, "500003")


def test_due_today_lists_tasks_across_cancellations_most_urgent_first(
    world: World, clock: Clock
) -> None:
    three_pending(world, clock)
    termination.complete_task(LEAD, world.account, "attrition_box")

    rows = tl.due_today()

    assert [(row.account, row.task.key) for row in rows] == [
        # no effective date: these need one first
        ("500003", "notice_received"),
        ("500003", "final_termination_mail"),
        ("500003", "data_purged"),  # never before the effective date (issue 12)
        # then the longest overdue
        ("500001", "account_team_informed"),
        ("500001", "legal_terms"),
        ("500001", "termination_notified"),
        ("500001", "team_tasks_assigned"),
        ("500001", "access_deactivated"),
        # due today, the same moment: by account
        ("500002", "account_team_informed"),
        ("500002", "attrition_box"),
        ("500003", "account_team_informed"),
        ("500003", "attrition_box"),
    ]
    words = {(row.account, row.task.key): row.task.relative for row in rows}
    assert words[("500001", "account_team_informed")] == "5 days overdue"
    assert words[("500001", "access_deactivated")] == "2 days overdue"
    assert words[("500002", "attrition_box")] == "due today"
    assert {row.task.state for row in rows[:2]} == {TaskState.UNSCHEDULED}
    assert rows[0].customer_name == "Calm Co"
    assert {row.account for row in tl.due_today(OTHER)} == {"500003"}
    assert {row.account for row in tl.due_today(LEAD)} == {"500001", "500002"}


def test_pending_cancellations_are_ordered_by_their_next_due_task(
    world: World, clock: Clock
) -> None:
    three_pending(world, clock)
    # Acme is ahead: every task up to day 4 done, so its next one is the data decision
    for key in HAND_KEYS[:6]:
        termination.complete_task(LEAD, world.account, key)
    termination.record_deactivation(LEAD, world.account, GUID)

    rows = customers.pending_cancellations()

    assert [row.account for row in rows] == ["500003", "500002", "500001"]  # begun: 1, 2, 3
    calm, bolt, acme = (row.next_task for row in rows)
    # Calm Co needs its effective date first: its first task has none
    assert calm.startswith("Non-renewal or termination notice received")
    assert "due" not in calm.split("contract", 1)[1]
    assert bolt == (
        "Account team informed (cc CS Ops, Sales Ops and Legal) (due today, Sat 2026-03-07)"
    )
    assert acme == (
        "Account team holds the termination or approves the data for deletion "
        "(due in 24 days, Tue 2026-03-31)"
    )
    assert rows[0].urgency < rows[1].urgency < rows[2].urgency
    assert [row.account for row in customers.pending_cancellations(LEAD)] == ["500002", "500001"]


# ----------------------------------------------------------------------------- the purge's date


def test_the_purge_is_due_on_the_effective_date_when_its_rule_falls_before_it(
    world: World, clock: Clock
) -> None:
    # Begun Monday 2 March in Berlin: day 32 after Begin is Thursday 2 April, but the contract
    # ends on Wednesday 15 April, and the purge is refused before that day.
    clock(T0)
    world.details(time_zone="Europe/Berlin")
    cancellations.begin(LEAD, world.account)
    termination.set_effective_date(LEAD, world.account, "2026-04-15")

    purge = task_of(view_of(world.account), "data_purged")

    assert purge.due == day_due(dt.date(2026, 4, 15), "Europe/Berlin")
    assert purge.due is not None and purge.due.absolute() == "Wed 2026-04-15"
    assert purge.due.at == local("2026-04-16T00:00:00+02:00")  # by the end of that local day
    assert (purge.state, purge.relative) == (TaskState.UPCOMING, "due in 44 days")
    assert purge.detail == (
        "needs the account team's approval first; due on the effective date: no purge before it"
    )
    # the task before it keeps its own rule's day
    requested = task_of(view_of(world.account), "purge_requested")
    assert requested.due is not None and requested.due.date == dt.date(2026, 4, 1)


def test_the_purge_on_its_effective_date_is_due_that_day_and_late_only_after_it(
    world: World, clock: Clock
) -> None:
    clock(T0)
    world.details(time_zone="America/New_York")
    cancellations.begin(LEAD, world.account)
    termination.set_effective_date(LEAD, world.account, "2026-04-15")

    # 00:30 on the effective date in New York (04:30 UTC): the purge may be recorded, and it
    # is due today, not overdue
    def purge_at(moment: str) -> tl.TaskView:
        return task_of(view_of(world.account, arrow.get(moment)), "data_purged")

    on_the_day = purge_at("2026-04-15T04:30:00+00:00")
    # the evening before in New York is already the 15th in UTC: not due yet
    the_eve = purge_at("2026-04-15T03:30:00+00:00")
    the_day_after = purge_at("2026-04-16T04:30:00+00:00")

    assert (on_the_day.state, on_the_day.relative) == (TaskState.DUE, "due today")
    assert (the_eve.state, the_eve.relative) == (TaskState.UPCOMING, "due tomorrow")
    assert (the_day_after.state, the_day_after.relative) == (TaskState.OVERDUE, "1 day overdue")


def test_the_purge_keeps_its_rule_when_the_effective_date_comes_first(
    world: World, clock: Clock
) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    termination.set_effective_date(LEAD, world.account, "2026-03-20")

    purge = task_of(view_of(world.account), "data_purged")

    assert purge.due is not None and purge.due.date == dt.date(2026, 4, 2)  # day 32 after Begin
    assert "effective date" not in purge.detail
    assert purge.detail == "needs the account team's approval first"


def test_the_purge_without_an_effective_date_is_unscheduled(world: World, clock: Clock) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)

    purge = task_of(view_of(world.account), "data_purged")

    assert (purge.due, purge.state, purge.relative) == (
        None,
        TaskState.UNSCHEDULED,
        "no effective date",
    )
    # with the date set, it is scheduled at once
    termination.set_effective_date(LEAD, world.account, "2026-04-15")
    assert task_of(view_of(world.account), "data_purged").state is TaskState.UPCOMING


def test_a_recorded_purge_reads_done_without_the_note(world: World, clock: Clock) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    termination.set_effective_date(LEAD, world.account, "2026-04-15")
    termination.record_deactivation(LEAD, world.account, GUID)
    termination.decide_data(LEAD, world.account, "approve")
    approved = task_of(view_of(world.account), "data_purged")

    clock(dt.datetime(2026, 4, 15, 9, 0))
    termination.record_purge(LEAD, world.account)
    done = task_of(view_of(world.account), "data_purged")

    assert approved.detail == (
        "deletion approved, purge not done; due on the effective date: no purge before it"
    )
    assert (done.state, done.detail) == (TaskState.DONE, "Data Purge Done")
    assert done.due is not None and done.due.date == dt.date(2026, 4, 15)
