"""A cancellation's timeline: each task of the plan judged against now (done, overdue, due,
upcoming or unscheduled) with its due date and a word on where it stands."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import arrow

from data.dates import zone
from data.models import (
    Cancellation,
    Customer,
    Decision,
    DoneBy,
)
from data.timeline.facts import Done, Facts, email_kind, read_facts
from data.timeline.guids import guid_list
from data.timeline.plan import (
    Plan,
    PlanTask,
    plan_of,
    playbook_of,
)
from data.timeline.schedule import (
    Anchor,
    DayUnit,
    Due,
    DueRule,
    anchors,
    local_now,
    relative,
    start_of,
    zoned,
)

if TYPE_CHECKING:
    from data.playbook.model import Playbook


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
        return self.task.completed_by != DoneBy.PROCESS


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


def _completion(
    task: PlanTask, cancellation: Cancellation, facts: Facts, playbook: Playbook
) -> tuple[Done | None, str]:
    """Whether the task is done (who, when), and a word on where it stands."""
    users = facts.users

    def by(user_id: int | None) -> str:
        return users.get(user_id or 0, "an unknown user")

    if task.completed_by == DoneBy.HAND:
        return facts.tasks.get(task.key), ""
    if task.completed_by == DoneBy.DEACTIVATION:
        if cancellation.access_deactivated_at is None:
            return None, "record the deactivation with its GUIDs"
        count = len(guid_list(cancellation))
        done = Done(by(cancellation.access_deactivated_by_id), cancellation.access_deactivated_at)
        return done, f"{count} GUID{'s' if count != 1 else ''}"
    if task.completed_by == DoneBy.DECISION:
        if cancellation.data_decision is None:
            return None, "waiting for the account team"
        done = Done(
            by(cancellation.decided_by_id), cancellation.decided_at or cancellation.begun_at
        )
        if cancellation.data_decision == Decision.HOLD:
            return done, f"on hold until {cancellation.review_date}: {cancellation.decision_reason}"
        return done, "deletion approved"
    if task.completed_by == DoneBy.PURGE:
        if cancellation.purged_at is None:
            waiting = (
                "deletion approved, purge not done"
                if cancellation.data_decision == Decision.APPROVE
                else "needs the account team's approval first"
            )
            return None, waiting
        return Done(by(cancellation.purged_by_id), cancellation.purged_at), "Data Purge Done"
    if task.completed_by == DoneBy.SIGN_OFFS:
        keys = [team.key for team in playbook.sign_offs]
        missing = [key for key in keys if key not in facts.sign_offs]
        if missing or not keys:
            return None, f"{len(keys) - len(missing)} of {len(keys)} signed"
        last = max((facts.sign_offs[key] for key in keys), key=lambda done: done.at)
        return last, "all signed"
    if task.completed_by == DoneBy.EMAIL and task.template:
        mail = facts.emails.get(email_kind(task.template))
        if mail is None:
            return None, "press e to write it"
        status, done = mail
        return done, f"{status} {done.note}"
    if task.completed_by == DoneBy.PROCESS:
        if cancellation.processed_at is None:
            return None, "done by Process"
        return Done(by(cancellation.processed_by_id), cancellation.processed_at), ""
    return None, ""


def _rule_for(task: PlanTask, cancellation: Cancellation, playbook: Playbook) -> DueRule:
    # A scenario that deactivates at once (collections, seed 001): access goes on day 1, not 4.
    scenario = playbook.scenarios.get(str(cancellation.scenario))
    if (
        task.completed_by == DoneBy.DEACTIVATION
        and scenario is not None
        and scenario.deactivate_at_once
    ):
        return DueRule(f"day 1 after begin ({scenario.key}: at once)", Anchor.BEGIN, 0, DayUnit.DAY)
    return task.rule


# The purge is refused before the effective date: the day its task is due, at the earliest.
ON_EFFECTIVE = DueRule("on effective", Anchor.EFFECTIVE, 0, DayUnit.DAY)
NOT_BEFORE_EFFECTIVE = "due on the effective date: no purge before it"


def _due_for(
    task: PlanTask,
    cancellation: Cancellation,
    playbook: Playbook,
    marks: dict[Anchor, arrow.Arrow | None],
) -> tuple[Due | None, bool]:
    """When the task is due, and whether that is the effective date rather than its rule's
    day: a task done by the purge is due no earlier than the effective date (from the start
    of that day in the customer's zone) and is unscheduled while there is none."""
    due = _rule_for(task, cancellation, playbook).due(marks)
    if task.completed_by != DoneBy.PURGE:
        return due, False
    earliest = ON_EFFECTIVE.due(marks)
    if earliest is None:
        return None, False
    if due is None or due.date < earliest.date:
        return earliest, True
    return due, False


def timeline(
    customer: Customer,
    cancellation: Cancellation,
    facts: Facts | None = None,
    *,
    plan: Plan | None = None,
    now: arrow.Arrow | None = None,
    playbook: Playbook | None = None,
) -> Timeline:
    """The cancellation's tasks with their due dates and states, on the plan of the playbook
    the case runs on (``plan`` and ``playbook`` when the caller has them). Runs inside a
    connection."""
    playbook = playbook or playbook_of(cancellation)
    plan = plan or plan_of(playbook)
    time_zone = str(customer.time_zone)
    if facts is None:
        facts = read_facts([cancellation])[cancellation.id]
    now = (now or local_now(time_zone)).to(zone(time_zone))
    tomorrow = start_of(now.date() + dt.timedelta(days=1), now)
    marks = anchors(cancellation, time_zone)
    views = []
    for task in plan.tasks:
        due, moved = _due_for(task, cancellation, playbook, marks)
        done, detail = _completion(task, cancellation, facts, playbook)
        if moved and done is None:
            detail = f"{detail}; {NOT_BEFORE_EFFECTIVE}" if detail else NOT_BEFORE_EFFECTIVE
        if done is not None:
            state = TaskState.DONE
            words = f"done {zoned(done.at, now.tzinfo)}"
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
        effective.date() if (effective := marks[Anchor.EFFECTIVE]) else None,
        cancellation.begun_at,
        now,
        tuple(views),
    )
