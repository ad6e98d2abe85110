"""The termination timeline (seed 000): the plan of dated tasks with responsible parties, their due
dates computed with arrow in the customer's time zone, the termination team's sign-offs, and the
Timeline, Sign-offs and Access & data sections of the tool.

A plan is a text file (``data/plans/termination.plan``; an organisation may name its own in the
configuration). It is checked whole when it is loaded: an unknown anchor, party, completion or
template is an error that names the file and the line.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import arrow
from peewee import JOIN

from data import outbox
from data.dates import zone
from data.db import connection
from data.errors import InvalidInput
from data.models import (
    COMPLETION_SIGN_OFF,
    COMPLETION_TASK,
    DECISION_APPROVE,
    DECISION_HOLD,
    OUTBOX_QUEUED,
    OUTBOX_SENDING,
    OUTBOX_SENT,
    PENDING,
    SCENARIO_COLLECTIONS,
    Cancellation,
    Completion,
    Customer,
    OutboxMessage,
    User,
    key_named,
    utcnow,
)
from data.sections import Section, SectionState

PLANS = Path(__file__).parent / "plans"
DEFAULT_PLAN = PLANS / "termination.plan"

# The teams and roles a plan may name (seed 000's scope).
PARTIES: dict[str, str] = {
    "customer": "Customer",
    "account_team": "Account Team",
    "order_management": "Order Management",
    "legal": "Legal",
    "termination_team": "Termination Team",
    "customer_operations": "Customer Operations",
    "finance": "Finance",
    "marketing": "Marketing",
    "sales_ops": "Sales Operations",
    "security": "Security",
    "infrastructure": "Infrastructure Engineering Provisioning",
    "customer_success": "Customer Success",
}

ANCHORS: dict[str, str] = {
    "begin": "Begin",
    "effective": "the effective date",
}

# How a task gets done: ticked by hand, or by the record it stands for.
BY_HAND = "hand"
BY_DEACTIVATION = "deactivation"
BY_DECISION = "decision"
BY_PURGE = "purge"
BY_SIGN_OFFS = "sign-offs"
BY_EMAIL = "e-mail"
BY_PROCESS = "process"
COMPLETIONS: dict[str, str] = {
    BY_HAND: "ticked on the Timeline",
    BY_DEACTIVATION: "recording the deactivation of access (Access & data)",
    BY_DECISION: "recording the account team's decision (Access & data)",
    BY_PURGE: "recording the data purge (Access & data)",
    BY_SIGN_OFFS: "the termination team's sign-offs (Sign-offs)",
    BY_EMAIL: "writing and queueing its e-mail (e on the Timeline)",
    BY_PROCESS: "Process",
}

# The termination team's sign-offs (seed 000, step 10), in order; the final one comes last.
SIGN_OFF_FINAL = "final"
SIGN_OFFS: dict[str, str] = {
    "customer_operations": "Customer Operations confirms customer attrition",
    "finance": "Finance confirms invoicing and payment status",
    "marketing_exclusion": "Marketing adds the customer to the exclusion lists",
    "marketing_references": "Marketing removes public references to the customer",
    "sales_ops": "Sales Ops confirms no pipeline",
    SIGN_OFF_FINAL: "Order Management's final confirmation",
}

# Who each sign-off waits for, in a few words.
SIGN_OFF_TEAMS: dict[str, str] = {
    "customer_operations": "Customer Operations",
    "finance": "Finance",
    "marketing_exclusion": "Marketing (exclusion lists)",
    "marketing_references": "Marketing (public references)",
    "sales_ops": "Sales Ops",
    SIGN_OFF_FINAL: "Order Management",
}

TIMELINE = "timeline"
SIGN_OFFS_SECTION = "sign_offs"
ACCESS_DATA = "access_data"
TERMINATION_SECTION_NAMES: dict[str, str] = {
    TIMELINE: "Timeline",
    SIGN_OFFS_SECTION: "Sign-offs",
    ACCESS_DATA: "Access & data",
}

KEY_LIMIT = 48


# ----------------------------------------------------------------------------- the plan


class DayUnit(StrEnum):
    DAY = "day"
    HOUR = "hour"


@dataclass(frozen=True)
class Due:
    """When a task is due: ``at`` is the moment (local to the customer); a task due on a day is
    due by the end of that day, ``date``."""

    at: arrow.Arrow
    date: dt.date
    timed: bool

    def absolute(self) -> str:
        """``Fri 2026-03-27`` or, for a task due at a time, ``Fri 2026-03-27 00:00 CET``."""
        if self.timed:
            return str(self.at.format("ddd YYYY-MM-DD HH:mm")) + f" {self.at.tzname()}"
        return str(arrow.get(self.date).format("ddd YYYY-MM-DD"))


@dataclass(frozen=True)
class DueRule:
    """A due rule as the plan writes it: so many days or hours before or after an anchor, or day N
    after it (day 1 being the anchor's own day)."""

    text: str
    anchor: str
    offset: int
    unit: DayUnit

    def due(self, anchors: Mapping[str, arrow.Arrow | None]) -> Due | None:
        """The due moment from the anchors (local arrows); None while the anchor is unknown."""
        base = anchors.get(self.anchor)
        if base is None:
            return None
        if self.unit is DayUnit.HOUR:
            # Wall-clock arithmetic in the customer's zone ("72 hours before, local time"): the
            # same time on the clock three days earlier, whatever daylight saving does between.
            at = _normalise(base.shift(hours=self.offset))
            return Due(at, at.date(), True)
        day = base.date() + dt.timedelta(days=self.offset)
        return Due(_start_of(day + dt.timedelta(days=1), base), day, False)


def _start_of(day: dt.date, like: arrow.Arrow) -> arrow.Arrow:
    return _normalise(arrow.Arrow(day.year, day.month, day.day, tzinfo=like.tzinfo))


def _normalise(moment: arrow.Arrow) -> arrow.Arrow:
    # A clock time that does not exist (skipped by a DST change) becomes the real moment after.
    return moment.to("UTC").to(moment.tzinfo)


@dataclass(frozen=True)
class PlanTask:
    key: str
    title: str
    parties: tuple[str, ...]
    rule: DueRule
    completed_by: str
    template: str | None = None
    line: int = 0

    @property
    def party_names(self) -> str:
        return ", ".join(PARTIES[party] for party in self.parties)

    @property
    def by_hand(self) -> bool:
        return self.completed_by == BY_HAND


@dataclass(frozen=True)
class Plan:
    source: str
    tasks: tuple[PlanTask, ...]

    def task(self, key_or_title: str) -> PlanTask:
        key = key_named(key_or_title, {task.key: task.title for task in self.tasks})
        for task in self.tasks:
            if task.key == key:
                return task
        keys = ", ".join(task.key for task in self.tasks)
        raise InvalidInput(f"'{key_or_title}' is not a task of the plan. Its tasks are: {keys}.")


class PlanError(InvalidInput):
    """A plan file that cannot be used; the message names the file and the line."""


_RULE = re.compile(
    r"^(?:(?P<amount>\d{1,4})\s+(?P<unit>days?|hours?|weeks?)\s+(?P<direction>before|after)"
    r"|day\s+(?P<day>\d{1,4})\s+(?:after|of)"
    r"|on)"
    r"\s+(?:the\s+)?(?P<anchor>[a-z_-]+)(?:\s+date)?(?:\s*,?\s*\(?local time\)?)?$"
)


def parse_rule(text: str) -> DueRule:
    """A due rule from its words; InvalidInput says what is wrong."""
    words = " ".join((text or "").split()).casefold()
    match = _RULE.match(words)
    if match is None:
        raise InvalidInput(
            f"'{text.strip()}' is not a due rule. Write '30 days before effective', "
            "'72 hours before effective', 'day 4 after begin' or 'on effective'."
        )
    anchor = match["anchor"]
    if anchor not in ANCHORS:
        known = ", ".join(ANCHORS)
        raise InvalidInput(f"'{anchor}' is not an anchor of a due rule. Use one of: {known}.")
    if match["day"] is not None:
        day = int(match["day"])
        if day < 1:
            raise InvalidInput(f"'{text.strip()}': days are counted from day 1 (the anchor's day).")
        return DueRule(words, anchor, day - 1, DayUnit.DAY)
    if match["amount"] is None:
        return DueRule(words, anchor, 0, DayUnit.DAY)
    amount = int(match["amount"]) * (-1 if match["direction"] == "before" else 1)
    unit = match["unit"].rstrip("s")
    if unit == "week":
        return DueRule(words, anchor, amount * 7, DayUnit.DAY)
    return DueRule(words, anchor, amount, DayUnit(unit))


def parse_plan(text: str, source: str = "the plan") -> Plan:
    """A plan from its text; PlanError names the line of the first thing wrong with it."""
    templates = set(outbox.available_templates())
    tasks: list[PlanTask] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue

        def fail(problem: str, number: int = number) -> PlanError:
            return PlanError(f"{source}, line {number}: {problem}")

        fields = [part.strip() for part in line.split("|")]
        if len(fields) != 5:
            raise fail(
                f"expected 5 fields separated by '|' (key | task | parties | due rule | "
                f"completed by), found {len(fields)}."
            )
        key, title, parties_text, rule_text, completion_text = fields
        if not re.fullmatch(r"[a-z][a-z0-9_]*", key) or len(key) > KEY_LIMIT:
            raise fail(f"'{key}' is not a task key (a-z, 0-9 and _, at most {KEY_LIMIT}).")
        if key in seen:
            raise fail(f"the key '{key}' is used twice (first on line {seen[key]}).")
        if not title:
            raise fail("the task has no description.")
        parties = tuple(part.strip() for part in parties_text.split(",") if part.strip())
        if not parties:
            raise fail("the task names no responsible party.")
        for party in parties:
            if party not in PARTIES:
                known = ", ".join(PARTIES)
                raise fail(f"'{party}' is not a responsible party. Use one of: {known}.")
        try:
            rule = parse_rule(rule_text)
        except InvalidInput as error:
            raise fail(str(error)) from None
        completion, _, template = completion_text.partition(" ")
        template = template.strip()
        if completion not in COMPLETIONS:
            known = ", ".join(COMPLETIONS)
            raise fail(f"'{completion}' is not how a task is completed. Use one of: {known}.")
        if completion == BY_EMAIL:
            if not template:
                raise fail("'e-mail' needs the template it sends, as in 'e-mail final_notice'.")
            if template not in templates:
                known = ", ".join(sorted(templates))
                raise fail(f"there is no e-mail template '{template}'. Templates: {known}.")
        elif template:
            raise fail(f"only 'e-mail' takes a template; '{completion}' does not.")
        seen[key] = number
        tasks.append(PlanTask(key, title, parties, rule, completion, template or None, line=number))
    if not tasks:
        raise PlanError(f"{source} has no tasks: write one task per line.")
    return Plan(source, tuple(tasks))


def load_plan(path: str | Path) -> Plan:
    where = Path(path).expanduser()
    try:
        text = where.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError(f"There is no plan file at {where}.") from None
    except UnicodeDecodeError:
        raise PlanError(f"The plan file {where} is not UTF-8 text.") from None
    except OSError as error:
        raise PlanError(f"The plan file {where} cannot be read: {error.strerror}.") from None
    return parse_plan(text, str(where))


_plan_lock = threading.Lock()
_plan: Plan | None = None


def use_plan(path: str | Path | None) -> Plan:
    """Load and use the organisation's plan (``None``: the shipped one); a bad file is refused
    whole and the plan in use stays as it was."""
    global _plan
    plan = load_plan(path if path is not None else DEFAULT_PLAN)
    with _plan_lock:
        _plan = plan
    return plan


def current_plan() -> Plan:
    global _plan
    with _plan_lock:
        if _plan is None:
            _plan = load_plan(DEFAULT_PLAN)
        return _plan


# ----------------------------------------------------------------------------- the facts


@dataclass(frozen=True)
class Done:
    """Who did something, when, and what they noted."""

    by: str
    at: dt.datetime
    note: str = ""


@dataclass
class Facts:
    """What has happened on one cancellation that the timeline reads: hand-ticked tasks,
    sign-offs, e-mails written from templates, and the access and data records."""

    tasks: dict[str, Done] = field(default_factory=dict)
    sign_offs: dict[str, Done] = field(default_factory=dict)
    # The latest e-mail queued or sent per outbox kind, with its status.
    emails: dict[str, tuple[str, Done]] = field(default_factory=dict)
    users: dict[int, str] = field(default_factory=dict)


def email_kind(template: str) -> str:
    """The outbox kind of an e-mail written from a plan's template."""
    return template.replace("_", "-")


def read_facts(cancellations: Sequence[Cancellation]) -> dict[int, Facts]:
    """The facts of several cancellations in three queries, whatever their number."""
    facts: dict[int, Facts] = {cancellation.id: Facts() for cancellation in cancellations}
    if not facts:
        return facts
    ids = list(facts)
    rows: Any = (
        Completion.select(
            Completion.cancellation,
            Completion.kind,
            Completion.key,
            User.display_name,
            Completion.done_at,
            Completion.note,
        )
        .join(User, on=(Completion.done_by == User.id))
        .where(Completion.cancellation.in_(ids))
        .tuples()
    )
    for cancellation_id, kind, key, by, at, note in rows:
        done = Done(str(by), at, str(note))
        if kind == COMPLETION_TASK:
            facts[cancellation_id].tasks[str(key)] = done
        elif kind == COMPLETION_SIGN_OFF:
            facts[cancellation_id].sign_offs[str(key)] = done
    kinds = {email_kind(task.template) for task in current_plan().tasks if task.template}
    if kinds:
        mails: Any = (
            OutboxMessage.select(
                OutboxMessage.cancellation,
                OutboxMessage.kind,
                OutboxMessage.status,
                User.display_name,
                OutboxMessage.created_at,
                OutboxMessage.recipients,
            )
            .join(User, JOIN.LEFT_OUTER, on=(OutboxMessage.created_by == User.id))
            .where(
                OutboxMessage.cancellation.in_(ids)
                & OutboxMessage.kind.in_(sorted(kinds))
                & OutboxMessage.status.in_([OUTBOX_QUEUED, OUTBOX_SENDING, OUTBOX_SENT])
            )
            .order_by(OutboxMessage.id)
            .tuples()
        )
        for cancellation_id, kind, status, by, at, recipients in mails:
            facts[cancellation_id].emails[str(kind)] = (
                str(status),
                Done(str(by or "the app"), at, f"to {recipients}"),
            )
    user_ids = {
        user_id
        for cancellation in cancellations
        for user_id in (
            cancellation.access_deactivated_by_id,
            cancellation.decided_by_id,
            cancellation.purged_by_id,
            cancellation.processed_by_id,
        )
        if user_id is not None
    }
    if user_ids:
        names: Any = (
            User.select(User.id, User.display_name).where(User.id.in_(sorted(user_ids))).tuples()
        )
        shared = {int(pk): str(name) for pk, name in names}
        for one in facts.values():
            one.users = shared
    return facts


# ----------------------------------------------------------------------------- the timeline


class TaskState(StrEnum):
    DONE = "done"
    OVERDUE = "overdue"
    DUE = "due"
    UPCOMING = "upcoming"
    # Its anchor is not known yet (no effective date).
    UNSCHEDULED = "unscheduled"


@dataclass(frozen=True)
class TaskView:
    """One task of a cancellation's timeline, as the Timeline screen and Today list it."""

    task: PlanTask
    due: Due | None
    state: TaskState
    done: Done | None
    relative: str
    # What stands in the way or what was recorded, in a few words ("on hold until …").
    detail: str = ""

    @property
    def key(self) -> str:
        return self.task.key

    @property
    def is_late(self) -> bool:
        return self.state in (TaskState.OVERDUE, TaskState.DUE)

    @property
    def counts(self) -> bool:
        """Whether the task holds Process back (the last one is done by Process itself)."""
        return self.task.completed_by != BY_PROCESS


@dataclass(frozen=True)
class Timeline:
    """A cancellation's tasks in plan order, with the moment they were judged at."""

    account: str
    customer_name: str
    time_zone: str
    effective_date: dt.date | None
    begun_at: dt.datetime
    now: arrow.Arrow
    tasks: tuple[TaskView, ...]

    @property
    def today(self) -> dt.date:
        return self.now.date()

    def late(self) -> list[TaskView]:
        """Tasks due by today and not done, most urgent first."""
        late = [task for task in self.tasks if task.is_late and task.counts]
        return sorted(late, key=lambda task: task.due.at if task.due else self.now)

    def next_due(self) -> TaskView | None:
        """The first task not done, by due moment (unscheduled ones first: they need a date)."""
        open_tasks = [task for task in self.tasks if task.state is not TaskState.DONE]
        if not open_tasks:
            return None
        return min(open_tasks, key=urgency)


def urgency(task: TaskView) -> tuple[int, float]:
    if task.due is None:
        return (0, 0.0)
    return (1, task.due.at.timestamp())


def local_now(time_zone: str) -> arrow.Arrow:
    """Now in the customer's zone (``utcnow`` so tests can stop the clock)."""
    return arrow.get(utcnow(), tzinfo="UTC").to(zone(time_zone))


def anchors(cancellation: Cancellation, time_zone: str) -> dict[str, arrow.Arrow | None]:
    where = zone(time_zone)
    begun = arrow.get(cancellation.begun_at, tzinfo="UTC").to(where)
    effective = cancellation.effective_date
    return {
        "begin": begun,
        "effective": _start_of(effective, begun) if effective is not None else None,
    }


def relative(due: Due, now: arrow.Arrow) -> str:
    """ "due today", "due in 3 days", "2 days overdue", "due in 5 hours"…"""
    # Elapsed time is measured in UTC: arrows in one zone subtract by the clock.
    seconds = (due.at.to("UTC") - now.to("UTC")).total_seconds()
    if due.timed and abs(seconds) < 86_400:
        hours = max(1, round(abs(seconds) / 3600))
        unit = "hour" if hours == 1 else "hours"
        return f"due in {hours} {unit}" if due.at >= now else f"{hours} {unit} overdue"
    days = (due.date - now.date()).days
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    if days > 1:
        return f"due in {days} days"
    return f"{-days} day overdue" if days == -1 else f"{-days} days overdue"


def _completion(
    task: PlanTask, cancellation: Cancellation, facts: Facts
) -> tuple[Done | None, str]:
    """Whether the task is done (who, when), and a word on where it stands."""
    users = facts.users

    def by(user_id: int | None) -> str:
        return users.get(user_id or 0, "an unknown user")

    if task.completed_by == BY_HAND:
        return facts.tasks.get(task.key), ""
    if task.completed_by == BY_DEACTIVATION:
        if cancellation.access_deactivated_at is None:
            return None, "record the deactivation with its GUIDs"
        count = len(guid_list(cancellation))
        done = Done(by(cancellation.access_deactivated_by_id), cancellation.access_deactivated_at)
        return done, f"{count} GUID{'s' if count != 1 else ''}"
    if task.completed_by == BY_DECISION:
        if cancellation.data_decision is None:
            return None, "waiting for the account team"
        done = Done(
            by(cancellation.decided_by_id), cancellation.decided_at or cancellation.begun_at
        )
        if cancellation.data_decision == DECISION_HOLD:
            return done, f"on hold until {cancellation.review_date}: {cancellation.decision_reason}"
        return done, "deletion approved"
    if task.completed_by == BY_PURGE:
        if cancellation.purged_at is None:
            waiting = (
                "deletion approved, purge not done"
                if cancellation.data_decision == DECISION_APPROVE
                else "needs the account team's approval first"
            )
            return None, waiting
        return Done(by(cancellation.purged_by_id), cancellation.purged_at), "Data Purge Done"
    if task.completed_by == BY_SIGN_OFFS:
        missing = [key for key in SIGN_OFFS if key not in facts.sign_offs]
        if missing:
            return None, f"{len(SIGN_OFFS) - len(missing)} of {len(SIGN_OFFS)} signed"
        last = max(facts.sign_offs.values(), key=lambda done: done.at)
        return last, "all signed"
    if task.completed_by == BY_EMAIL and task.template:
        mail = facts.emails.get(email_kind(task.template))
        if mail is None:
            return None, "press e to write it"
        status, done = mail
        return done, f"{status} {done.note}"
    if task.completed_by == BY_PROCESS:
        if cancellation.processed_at is None:
            return None, "done by Process"
        return Done(by(cancellation.processed_by_id), cancellation.processed_at), ""
    return None, ""


def _rule_for(task: PlanTask, cancellation: Cancellation) -> DueRule:
    # Collections: the customer's access goes at once (seed 001), not on day 4.
    if task.completed_by == BY_DEACTIVATION and cancellation.scenario == SCENARIO_COLLECTIONS:
        return DueRule("day 1 after begin (collections: at once)", "begin", 0, DayUnit.DAY)
    return task.rule


def timeline(
    customer: Customer,
    cancellation: Cancellation,
    facts: Facts | None = None,
    *,
    plan: Plan | None = None,
    now: arrow.Arrow | None = None,
) -> Timeline:
    """The cancellation's tasks with their due dates and states. Runs inside a connection."""
    plan = plan or current_plan()
    time_zone = str(customer.time_zone)
    if facts is None:
        facts = read_facts([cancellation])[cancellation.id]
    now = (now or local_now(time_zone)).to(zone(time_zone))
    tomorrow = _start_of(now.date() + dt.timedelta(days=1), now)
    marks = anchors(cancellation, time_zone)
    views = []
    for task in plan.tasks:
        due = _rule_for(task, cancellation).due(marks)
        done, detail = _completion(task, cancellation, facts)
        if done is not None:
            state = TaskState.DONE
            local = arrow.get(done.at, tzinfo="UTC").to(now.tzinfo)
            words = f"done {local.format('YYYY-MM-DD HH:mm')}"
        elif due is None:
            state, words = TaskState.UNSCHEDULED, "no effective date"
        elif due.at < now:
            state, words = TaskState.OVERDUE, relative(due, now)
        elif due.at <= tomorrow:
            state, words = TaskState.DUE, relative(due, now)
        else:
            state, words = TaskState.UPCOMING, relative(due, now)
        views.append(TaskView(task, due, state, done, words, detail))
    return Timeline(
        str(customer.account),
        str(customer.name),
        time_zone,
        marks["effective"].date() if marks["effective"] else None,
        cancellation.begun_at,
        now,
        tuple(views),
    )


# ----------------------------------------------------------------------------- access and data


_GUID = re.compile(
    r"^\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$"
)


def parse_guids(text: str) -> list[str]:
    """GUIDs, one per line (or separated by commas or spaces), written the standard way; the
    first one that is not a GUID is an error that says which line it is on."""
    guids: list[str] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        for word in re.split(r"[\s,;]+", line.strip()):
            if not word:
                continue
            match = _GUID.match(word.casefold())
            if match is None:
                raise InvalidInput(
                    f"Line {number}: '{word[:60]}' is not a GUID. Write each as "
                    "8-4-4-4-12 hexadecimal digits, e.g. 3f2504e0-4f89-11d3-9a0c-0305e82c3301."
                )
            guid = "-".join(match.groups())
            if guid not in guids:
                guids.append(guid)
    if not guids:
        raise InvalidInput("No GUID was given: paste the GUIDs of what was deactivated.")
    return guids


def guid_list(cancellation: Cancellation) -> list[str]:
    return [line for line in str(cancellation.access_guids or "").splitlines() if line]


# ----------------------------------------------------------------------------- sections


def timeline_section(view: Timeline) -> Section:
    name = TERMINATION_SECTION_NAMES[TIMELINE]
    counted = [task for task in view.tasks if task.counts]
    open_tasks = [task for task in counted if task.state is not TaskState.DONE]
    late = view.late()
    if view.effective_date is None:
        summary = "Set the effective date (contract end or de-provisioning)"
        if late:
            summary += f"; {_late_words(late)}"
        return Section(TIMELINE, name, SectionState.BLOCKING, summary, len(late) + 1, len(counted))
    if late:
        return Section(
            TIMELINE, name, SectionState.BLOCKING, _late_words(late), len(late), len(counted)
        )
    if open_tasks:
        first = min(open_tasks, key=urgency)
        due = f", {first.due.absolute()} ({first.relative})" if first.due else ""
        summary = (
            f"Nothing due today; next: {first.task.title}{due}. "
            f"{len(counted) - len(open_tasks)} of {len(counted)} tasks done"
        )
        return Section(TIMELINE, name, SectionState.WAITING, summary, 0, len(counted))
    return Section(
        TIMELINE, name, SectionState.CLEAR, f"All {len(counted)} tasks done", 0, len(counted)
    )


def _late_words(late: Sequence[TaskView]) -> str:
    first = late[0]
    more = f" and {len(late) - 1} more" if len(late) > 1 else ""
    return f"{first.task.title} ({first.relative}){more}"


def sign_off_section(facts: Facts) -> Section:
    name = TERMINATION_SECTION_NAMES[SIGN_OFFS_SECTION]
    missing = [key for key in SIGN_OFFS if key not in facts.sign_offs]
    total = len(SIGN_OFFS)
    if not missing:
        final = facts.sign_offs[SIGN_OFF_FINAL]
        summary = f"All {total} signed; final confirmation by {final.by}"
        return Section(SIGN_OFFS_SECTION, name, SectionState.CLEAR, summary, 0, total)
    waiting = ", ".join(SIGN_OFF_TEAMS[key] for key in missing if key != SIGN_OFF_FINAL)
    summary = f"{total - len(missing)} of {total} signed" + (
        f"; waiting for {waiting}" if waiting else "; the final confirmation is left"
    )
    return Section(SIGN_OFFS_SECTION, name, SectionState.BLOCKING, summary, len(missing), total)


def access_section(cancellation: Cancellation, facts: Facts, today: dt.date) -> Section:
    """Red until access is deactivated, deletion approved and the purge done; a hold says until
    when, and turns urgent once its review date has come."""
    name = TERMINATION_SECTION_NAMES[ACCESS_DATA]
    parts = []
    # What is still to do of the three steps: deactivate, approve deletion, purge.
    purged = cancellation.purged_at is not None
    missing = (
        int(cancellation.access_deactivated_at is None)
        + int(not purged and cancellation.data_decision != DECISION_APPROVE)
        + int(not purged)
    )
    if cancellation.access_deactivated_at is None:
        parts.append("Access not deactivated yet")
    else:
        count = len(guid_list(cancellation))
        parts.append(f"Access deactivated ({count} GUID{'s' if count != 1 else ''})")
    decision = cancellation.data_decision
    if cancellation.purged_at is not None:
        who = facts.users.get(cancellation.purged_by_id or 0, "an unknown user")
        parts.append(f"data purged by {who}")
    elif decision == DECISION_APPROVE:
        parts.append("deletion approved, purge not done")
    elif decision == DECISION_HOLD:
        review = cancellation.review_date
        due = " — review due" if review is not None and review <= today else ""
        parts.append(f"data on hold until {review}{due}: {cancellation.decision_reason}")
    else:
        parts.append("no data decision from the account team")
    state = SectionState.BLOCKING if missing else SectionState.CLEAR
    return Section(ACCESS_DATA, name, state, "; ".join(parts), missing, 3)


@dataclass(frozen=True)
class TerminationView:
    """Everything the Timeline screen shows of one cancellation, read in one go: the tasks, the
    sign-offs, the access and data records, and the three sections."""

    account: str
    customer_name: str
    version: int
    pending: bool
    timeline: Timeline
    sign_offs: dict[str, Done]
    guids: tuple[str, ...]
    decision: str | None
    decision_reason: str
    review_date: dt.date | None
    deactivated: bool
    purged: bool
    sections: tuple[Section, ...]


def termination_view(
    customer: Customer, cancellation: Cancellation, facts: Facts | None = None
) -> TerminationView:
    """The timeline and its three sections (Timeline, Sign-offs, Access & data). Runs inside a
    connection."""
    if facts is None:
        facts = read_facts([cancellation])[cancellation.id]
    view = timeline(customer, cancellation, facts)
    return TerminationView(
        str(customer.account),
        str(customer.name),
        int(customer.version),
        str(cancellation.state) == PENDING,
        view,
        dict(facts.sign_offs),
        tuple(guid_list(cancellation)),
        cancellation.data_decision,
        str(cancellation.decision_reason or ""),
        cancellation.review_date,
        cancellation.access_deactivated_at is not None,
        cancellation.purged_at is not None,
        (
            timeline_section(view),
            sign_off_section(facts),
            access_section(cancellation, facts, view.today),
        ),
    )


def termination_sections(customer: Customer, cancellation: Cancellation) -> list[Section]:
    return list(termination_view(customer, cancellation).sections)


@dataclass(frozen=True)
class TodayTask:
    """A task due today or overdue on one pending cancellation, for the Today list."""

    account: str
    customer_name: str
    time_zone: str
    task: TaskView


def pending_query(login: str | None = None) -> Any:
    """Pending cancellations with their customer and who began them (only ``login``'s when
    given), oldest first."""
    query = (
        Cancellation.select(Cancellation, Customer, User)
        .join(Customer, on=Cancellation.customer)
        .switch(Cancellation)
        .join(User, on=Cancellation.begun_by)
        .where(Cancellation.state == PENDING)
        .order_by(Cancellation.begun_at, Cancellation.id)
    )
    return query.where(User.login == login) if login else query


def timelines_of(cancellations: Sequence[Cancellation]) -> list[Timeline]:
    """The timelines of cancellations read with their customer, in a fixed number of queries
    whatever their number. Runs inside a connection."""
    facts = read_facts(cancellations)
    return [
        timeline(cancellation.customer, cancellation, facts[cancellation.id])
        for cancellation in cancellations
    ]


def pending_timelines(login: str | None = None) -> list[Timeline]:
    """The timelines of every pending cancellation (begun by ``login`` when given). Runs inside
    a connection."""
    return timelines_of(list(pending_query(login)))


def due_today(login: str | None = None) -> list[TodayTask]:
    """Across every pending cancellation, the tasks due today or overdue, most urgent first
    (longest overdue first; tasks waiting for an effective date come before the rest)."""
    with connection():
        views = pending_timelines(login)
    rows = [
        TodayTask(view.account, view.customer_name, view.time_zone, task)
        for view in views
        for task in view.tasks
        if task.is_late or task.state is TaskState.UNSCHEDULED
    ]
    return sorted(rows, key=lambda row: (*urgency(row.task), row.account))


def sign_off_key(text: str) -> str:
    key = key_named(text, SIGN_OFFS)
    if key is not None:
        return key
    raise InvalidInput(f"'{text}' is not a sign-off. Use one of: {', '.join(SIGN_OFFS)}.")
