"""The timelines of many open termination cases at once (pending cancellations, and processed
ones whose case is not closed yet), and the Today list drawn from them: the tasks due today or
overdue, most urgent first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from data.db import connection
from data.models import Cancellation, CancellationState, Customer, User
from data.timeline.facts import read_facts
from data.timeline.plan import playbooks_of
from data.timeline.tasks import TaskState, TaskView, Timeline, timeline, urgency


@dataclass(frozen=True)
class TodayTask:
    """A task due today or overdue on one open termination case, for the Today list."""

    account: str
    customer_name: str
    time_zone: str
    task: TaskView


def open_case_query(login: str | None = None) -> Any:
    """Open termination cases — pending cancellations and processed ones not closed yet — with
    their customer and who began them (only ``login``'s when given), oldest first."""
    query = (
        Cancellation.select(Cancellation, Customer, User)
        .join(Customer, on=Cancellation.customer)
        .switch(Cancellation)
        .join(User, on=Cancellation.begun_by)
        .where(
            (Cancellation.state == CancellationState.PENDING)
            | (
                (Cancellation.state == CancellationState.PROCESSED)
                & Cancellation.closed_at.is_null()
            )
        )
        .order_by(Cancellation.begun_at, Cancellation.id)
    )
    return query.where(User.login == login) if login else query


def timelines_of(cancellations: Sequence[Cancellation]) -> list[Timeline]:
    """The timelines of cancellations read with their customer, each on its own playbook, in a
    fixed number of queries whatever their number. Runs inside a connection."""
    playbooks = playbooks_of(cancellations)
    facts = read_facts(cancellations, playbooks)
    return [
        timeline(
            cancellation.customer,
            cancellation,
            facts[cancellation.id],
            playbook=playbooks[int(cancellation.id)],
        )
        for cancellation in cancellations
    ]


def open_timelines(login: str | None = None) -> list[Timeline]:
    """The timelines of every open termination case (begun by ``login`` when given). Runs
    inside a connection."""
    return timelines_of(list(open_case_query(login)))


def due_today(login: str | None = None) -> list[TodayTask]:
    """Across every open termination case (pending, or processed and not closed), the tasks due
    today or overdue, most urgent first (longest overdue first; tasks waiting for an effective
    date come before the rest)."""
    with connection():
        views = open_timelines(login)
    rows = [
        TodayTask(view.account, view.customer_name, view.time_zone, task)
        for view in views
        for task in view.tasks
        if task.is_late or task.state is TaskState.UNSCHEDULED
    ]
    return sorted(rows, key=lambda row: (*urgency(row.task), row.account))
