"""Issue 14 on the termination timeline, on both backends: several sign-offs at once (one
transaction, the playbook's order, the final one last, refused whole), the team lead's undo of a
sign-off or a hand-ticked task while the cancellation is pending (audited, refused once it is
processed), times in the customer's zone with the zone named, and the Timeline's summary
agreeing with its rows when only Process itself is left (Pinecrest, issue 14)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator

import pytest

from data import cancellations, termination
from data import timeline as tl
from data.cancellations import Outcome
from data.clock import now as clock_now
from data.customers import read_termination
from data.db import connection
from data.errors import Conflict, InvalidInput, NotAllowed
from data.models import (
    AuditEvent,
    Cancellation,
    CancellationState,
    Completion,
    CompletionKind,
    Customer,
    User,
)
from data.sections import SectionState
from data.timeline import SIGN_OFFS, SignOff, TaskState
from tests.data.test_timeline import T0, current, tool
from tests.data.world import ACCOUNT, LEAD, OTHER, VIEWER, World

Clock = Callable[[dt.datetime], None]
OTHERS = [key for key in SIGN_OFFS if key != SignOff.FINAL]


@pytest.fixture(autouse=True)
def shipped_plan() -> Iterator[None]:
    tl.use_plan(None)
    yield
    tl.use_plan(None)


def signed_in_order() -> list[str]:
    """The sign-offs recorded, in the order they were written."""
    with connection():
        rows = Completion.select().where(Completion.kind == CompletionKind.SIGN_OFF)
        return [str(row.key) for row in rows.order_by(Completion.id)]


def audit_of(action: str) -> list[AuditEvent]:
    with connection():
        return list(AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id))


def in_zone(world: World, time_zone: str) -> None:
    with connection():
        Customer.update(time_zone=time_zone).where(Customer.account == world.account).execute()


# ----------------------------------------------------------------------------- several at once


def test_several_sign_offs_are_recorded_at_once_in_the_playbooks_order(
    world: World, clock: Clock
) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    version = world.version()

    # Chosen out of order, by key and by label, one twice: recorded in the playbook's order.
    outcome = termination_many(
        ["sales_ops", SIGN_OFFS[SignOff.FINANCE], "finance"], "by phone", version
    )

    assert outcome.count == 2 and outcome.version == version + 1  # one change, one version
    assert outcome.message == (
        "Signed 2 sign-offs: Finance confirms invoicing and payment status; "
        "Sales Ops confirms no pipeline."
    )
    assert signed_in_order() == ["finance", "sales_ops"]
    events = audit_of("sign off")
    assert [json.loads(str(event.after))["sign_off"] for event in events] == [
        "finance",
        "sales_ops",
    ]
    assert tool(world.account)["sign_offs"].summary.startswith("2 of 6 signed")

    # The rest with the final confirmation: it is written last.
    rest = [key for key in SIGN_OFFS if key not in ("finance", "sales_ops")]
    termination_many(list(reversed(rest)), "", world.version())
    assert signed_in_order()[-1] == SignOff.FINAL
    assert tool(world.account)["sign_offs"].state is SectionState.CLEAR


def termination_many(teams: list[str], note: str, version: int) -> Outcome:
    return tl.sign_off_many(LEAD, ACCOUNT, teams, note, expected_version=version)


def test_several_sign_offs_are_refused_as_a_whole(world: World, clock: Clock) -> None:
    clock(T0)
    in_zone(world, "America/Denver")
    cancellations.begin(LEAD, world.account)
    termination.sign_off(OTHER, world.account, "finance")
    before = world.snapshot()

    # One already recorded: nothing of the batch is, and the message says who and when, in the
    # customer's zone with the zone named.
    with pytest.raises(InvalidInput) as again:
        tl.sign_off_many(LEAD, world.account, ["customer_operations", "finance"])
    assert str(again.value) == (
        "Already recorded, so nothing was signed: 'Finance confirms invoicing and payment "
        "status' by Otto Other on 2026-03-02 02:00 MST. Untick them and save again."
    )
    # The final confirmation while another is neither in nor chosen.
    with pytest.raises(InvalidInput, match="The final confirmation comes after") as early:
        tl.sign_off_many(LEAD, world.account, ["customer_operations", "sales_ops", SignOff.FINAL])
    assert "Marketing adds the customer to the exclusion lists" in str(early.value)
    assert SIGN_OFFS[SignOff.FINANCE] not in str(early.value)  # it is in already
    # An unknown one, none at all, someone without the role.
    with pytest.raises(InvalidInput, match="'legal' is not a sign-off"):
        tl.sign_off_many(LEAD, world.account, ["customer_operations", "legal"])
    with pytest.raises(InvalidInput, match="Choose at least one sign-off"):
        tl.sign_off_many(LEAD, world.account, [" "])
    with pytest.raises(NotAllowed):
        tl.sign_off_many(VIEWER, world.account, ["customer_operations"])
    assert world.snapshot() == before


# ----------------------------------------------------------------------------- undo


def test_a_sign_off_is_undone_while_pending_final_first_and_audited(
    world: World, clock: Clock
) -> None:
    clock(T0)
    in_zone(world, "America/Denver")
    cancellations.begin(LEAD, world.account)
    termination.sign_off(OTHER, world.account, "finance", "Fay, by e-mail")
    tl.sign_off_many(LEAD, world.account, [key for key in SIGN_OFFS if key != "finance"])
    before = world.snapshot()

    with pytest.raises(Conflict, match=r"Undo the final confirmation .* first"):
        tl.undo_sign_off(LEAD, world.account, "finance")
    assert world.snapshot() == before

    tl.undo_sign_off(LEAD, world.account, SignOff.FINAL)
    outcome = tl.undo_sign_off(LEAD, world.account, "finance")

    assert outcome.message.startswith("Undone: Finance confirms invoicing and payment status")
    assert "finance" not in signed_in_order() and SignOff.FINAL not in signed_in_order()
    event = audit_of("undo sign-off")[-1]
    assert json.loads(str(event.before)) == {
        "sign_off": "finance",
        "by": "Otto Other",
        "at": "2026-03-02 02:00 MST",
        "note": "Fay, by e-mail",
    }
    assert tool(world.account)["sign_offs"].summary.startswith("4 of 6 signed")
    with pytest.raises(Conflict, match="is not signed, so there is nothing to undo"):
        tl.undo_sign_off(LEAD, world.account, "finance")
    with pytest.raises(NotAllowed):
        tl.undo_sign_off(VIEWER, world.account, "sales_ops")


def test_undo_is_refused_once_the_cancellation_is_processed(world: World, clock: Clock) -> None:
    clock(T0)
    world.ready()
    processed(world)
    before = world.snapshot()

    with pytest.raises(Conflict) as refused:
        tl.undo_sign_off(LEAD, world.account, SignOff.FINAL)
    assert "can only be undone while the cancellation is pending" in str(refused.value)
    assert "processed on 2026-03-02 09:00 UTC" in str(refused.value)
    with pytest.raises(Conflict, match="while the cancellation is pending"):
        tl.undo_task(LEAD, world.account, "notice_received")
    assert world.snapshot() == before


def processed(world: World) -> None:
    """The cancellation as Process leaves it (written directly: what Process checks is other
    tests' business, and a section added by another part must not break these)."""
    _, cancellation = current(world.account)
    with connection():
        user = User.get(User.login == LEAD)
        Cancellation.update(
            state=CancellationState.PROCESSED, processed_at=clock_now(), processed_by=user
        ).where(Cancellation.id == cancellation.id).execute()


def _ticked(world: World, key: str) -> bool:
    _, cancellation = current(world.account)
    with connection():
        return (
            Completion.select()
            .where((Completion.cancellation == cancellation.id) & (Completion.key == key))
            .exists()
        )


def test_a_task_ticked_by_hand_is_undone_while_pending(world: World, clock: Clock) -> None:
    clock(T0)
    cancellations.begin(LEAD, world.account)
    termination.complete_task(LEAD, world.account, "legal_terms", "Priya")

    outcome = tl.undo_task(LEAD, world.account, "legal_terms")

    assert outcome.message.startswith("Undone: Legal confirms the termination terms")
    assert json.loads(str(audit_of("undo task")[-1].before))["note"] == "Priya"
    with pytest.raises(Conflict, match="is not ticked by hand, so there is nothing to undo"):
        tl.undo_task(LEAD, world.account, "legal_terms")
    with pytest.raises(Conflict, match="is not ticked by hand"):
        tl.undo_task(LEAD, world.account, "access_deactivated")


# ----------------------------------------------------------------------------- agreeing words


def test_done_times_name_the_customers_zone(world: World, clock: Clock) -> None:
    clock(T0)  # 09:00 UTC is 02:00 in Denver
    in_zone(world, "America/Denver")
    cancellations.begin(LEAD, world.account)
    termination.complete_task(LEAD, world.account, "legal_terms")
    customer, cancellation = current(world.account)
    with connection():
        view = tl.timeline(customer, cancellation)
    task = next(task for task in view.tasks if task.key == "legal_terms")
    assert task.relative == "done 2026-03-02 02:00 MST"
    assert tl.zoned(dt.datetime(2026, 7, 1, 3, 11), "America/Denver") == "2026-06-30 21:11 MDT"


def test_the_summary_agrees_with_the_rows_when_only_process_is_left(
    world: World, clock: Clock
) -> None:
    """Pinecrest: on a plan whose last task is Process itself, every other task done and that
    one overdue, the Timeline said "All 12 tasks done" above the overdue row."""
    clock(T0)
    tl.use_plan(tl.DEFAULT_PLAN)  # the plan file: its last task, case_closed, is Process
    world.ready()
    termination.set_effective_date(LEAD, world.account, "+1d")
    if not _ticked(world, "purge_requested"):
        termination.complete_task(LEAD, world.account, "purge_requested")
    clock(dt.datetime(2026, 4, 10, 9, 0))  # past day 33 after begin
    if not current_purged(world):
        termination.record_purge(LEAD, world.account)

    customer, cancellation = current(world.account)
    with connection():
        view = tl.timeline(customer, cancellation)
    section = tool(world.account)["timeline"]

    rows = {task.key: task.state for task in view.tasks}
    assert len(rows) == 13 and rows.pop("case_closed") is TaskState.OVERDUE
    assert set(rows.values()) == {TaskState.DONE}
    assert section.state is SectionState.CLEAR  # Process does not wait for itself
    assert section.summary == "12 of 13 tasks done; the last is done by Process (7 days overdue)"
    assert section.total == 13

    processed(world)
    after = termination_summary(world)
    assert after == "All 13 tasks done"


def current_purged(world: World) -> bool:
    _, cancellation = current(world.account)
    return cancellation.purged_at is not None


def termination_summary(world: World) -> str:
    return read_termination(world.account).sections[0].summary
