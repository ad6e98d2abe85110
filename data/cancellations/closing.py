"""The second milestone: close a processed cancellation's termination case once every task of
its plan is done and the customer's data is purged; the customer becomes a Former Customer.

Also what both milestones read of a case's plan: the tasks still open (all of them, or those
that gate one milestone) and the sentence that says what is left."""

from __future__ import annotations

from data.cancellations.kernel import Change, Outcome, case_change
from data.dates import when
from data.errors import Conflict, NotReady
from data.models import Cancellation, CancellationState, Customer, CustomerType, DoneBy
from data.playbook.model import Milestone, Playbook
from data.playbook.store import playbook_for
from data.timeline import TaskState, TaskView, Timeline, timeline, urgency


def case_timeline(customer: Customer, cancellation: Cancellation, playbook: Playbook) -> Timeline:
    """The case's tasks judged now, on the plan of the playbook it runs on."""
    return timeline(customer, cancellation, plan=playbook.plan, playbook=playbook)


def open_tasks(view: Timeline, milestone: Milestone | None = None) -> list[TaskView]:
    """The tasks not done yet (only those gating ``milestone``, if given), most urgent first;
    a task done by Process itself is left out."""
    left = [
        task
        for task in view.tasks
        if task.state is not TaskState.DONE
        and task.counts
        and (milestone is None or task.task.gates == milestone)
    ]
    return sorted(left, key=urgency)


def _task_words(task: TaskView) -> str:
    due = f" due {task.due.absolute()}" if task.due is not None else " (no effective date yet)"
    return f"{task.task.title}{due}"


def left_words(left: list[TaskView]) -> str:
    """ "5 tasks left, next: Final termination e-mail due Tue 2026-12-22" (or none left)."""
    if not left:
        return "every task is done: close it"
    count = f"{len(left)} task{'s' if len(left) != 1 else ''} left"
    return f"{count}, next: {_task_words(left[0])}"


def _titles(tasks: list[TaskView]) -> list[str]:
    return [task.task.title for task in tasks]


def close_case(login: str, account: str, *, expected_version: int | None = None) -> Outcome:
    """Close the termination case of a processed cancellation: every task of its plan done (the
    purge recorded, when the plan has one). The customer becomes a Former Customer."""
    with case_change(login, account, expected_version, doing="close a termination case") as c:
        customer, cancellation = c.customer, c.cancellation
        if cancellation.state == CancellationState.PENDING:
            raise Conflict(
                f"{customer.name} is not processed yet: Process the cancellation first, then "
                "close its termination case when the tasks are done."
            )
        playbook = playbook_for(cancellation)
        left = open_tasks(case_timeline(customer, cancellation, playbook))
        if left:
            titles = _titles(left)
            raise NotReady(
                f"The termination case of {customer.name} cannot be closed yet: "
                f"{len(left)} task{'s are' if len(left) != 1 else ' is'} not done "
                f"({'; '.join(titles)}). Next: {_task_words(left[0])}.",
                titles,
            )
        purges = any(task.completed_by == DoneBy.PURGE for task in playbook.plan.tasks)
        if purges and cancellation.purged_at is None:
            raise NotReady(
                f"The termination case of {customer.name} cannot be closed yet: the data purge "
                "is not recorded, and the customer only becomes a Former Customer after it.",
                ["Access & data"],
            )
        return _close(c, f"The termination case of {customer.name} is closed")


def _close(c: Change, said: str) -> Outcome:
    """Close the case and make the customer a Former Customer; the outcome says ``said``."""
    customer, cancellation = c.customer, c.cancellation
    before = {"customer_type": customer.customer_type, "case": "open"}
    Cancellation.update(closed_at=c.now, closed_by=c.who).where(
        Cancellation.id == cancellation.id
    ).execute()
    cancellation.closed_at = c.now
    cancellation.closed_by = c.who
    c.bump(customer_type=CustomerType.FORMER_CUSTOMER)
    c.audit(
        "close",
        before=before,
        after={"customer_type": CustomerType.FORMER_CUSTOMER, "case": "closed"},
    )
    return c.outcome(f"{said}: {customer.name} is a Former Customer since {when(c.now)}.")
