"""The operations of the Cancellation Tool on both backends: begin, remove, process, and each way
of resolving a red section, with what each writes."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest

from data import cancellations, customers, notices, termination, users
from data.cancellations import Outcome, kernel
from data.db import connection, database
from data.demo import SAMPLE_GUID
from data.errors import Conflict, InvalidInput, NotReady
from data.models import (
    OPPORTUNITY_CLOSED,
    QUOTATION_CLOSED,
    SALES_ORDER_CLOSED,
    Asset,
    AuditEvent,
    Cancellation,
    Case,
    Customer,
    CustomerStatus,
    CustomerType,
    DoneBy,
    Expiry,
    NotifyUser,
    Opportunity,
    OutboxMessage,
    Quotation,
    SalesOrder,
    User,
)
from data.playbook import current_playbook
from data.retention import attempts
from data.rules import SECTION_NAMES
from data.timeline import SIGN_OFFS
from tests.data.world import ADMIN, LEAD, OTHER, TESS, VIEWER, World, stage

TOMORROW_AND_MORE = dt.date.today() + dt.timedelta(days=40)


def last_event(world: World) -> AuditEvent:
    with connection():
        return AuditEvent.select().order_by(AuditEvent.id.desc()).get()


def termination_steps(login: str, account: str) -> list[tuple[str, Callable[[], Outcome]]]:
    """Every operation of a whole termination timeline, one call each, with the audit action it
    writes: the effective date (today: the purge waits for it), each task of the plan ticked by
    hand or its e-mail queued, the deactivation, the approval, the purge and every sign-off (as
    demo.finish_termination does)."""

    def queue_email(task: str) -> Outcome:
        draft = notices.compose_task_email(account, login, task)
        return termination.queue_task_email(
            login, account, task, draft.recipients, draft.subject, draft.body
        )

    steps: list[tuple[str, Callable[[], Outcome]]] = [
        ("set effective date", lambda: termination.set_effective_date(login, account, "today"))
    ]
    for task in current_playbook().plan.tasks:
        if task.by_hand:
            steps.append(
                ("complete task", partial(termination.complete_task, login, account, task.key))
            )
        elif task.completed_by == DoneBy.EMAIL:
            steps.append(("queue e-mail", partial(queue_email, task.key)))
    steps += [
        (
            "record deactivation",
            lambda: termination.record_deactivation(login, account, SAMPLE_GUID),
        ),
        ("data decision", lambda: termination.decide_data(login, account, "approve")),
        ("data purge done", lambda: termination.record_purge(login, account)),
    ]
    steps += [("sign off", partial(termination.sign_off, login, account, key)) for key in SIGN_OFFS]
    return steps


def pending(world: World) -> Cancellation:
    with connection():
        return Cancellation.get(
            (Cancellation.customer == world.customer_id) & (Cancellation.state == "pending")
        )


# ----------------------------------------------------------------------------- begin


def test_begin_makes_a_live_customer_pending(world: World) -> None:
    outcome = cancellations.begin(LEAD, world.account, expected_version=1)

    customer = world.now()
    assert customer.status == CustomerStatus.PENDING_CANCELLATION
    assert outcome.version == customer.version == 2
    assert outcome.message == (
        "Cancellation of Acme Widgets begun (Cancellation request (buyout)): "
        "the customer is now Live (PC)."
    )
    cancellation = pending(world)
    assert cancellation.previous_status == CustomerStatus.LIVE
    assert cancellation.begun_by.login == LEAD
    with connection():
        notified = {link.user.login for link in NotifyUser.select().join(User)}
    # the team lead and the account owner hear of it by default
    assert notified == {LEAD, VIEWER}
    event = last_event(world)
    assert (event.action, event.actor.login, event.cancellation_id) == (
        "begin",
        LEAD,
        cancellation.id,
    )
    assert json.loads(event.before) == {"status": CustomerStatus.LIVE}
    assert json.loads(event.after) == {
        "status": CustomerStatus.PENDING_CANCELLATION,
        "scenario": "buyout",
    }


@pytest.mark.parametrize("second", [LEAD, OTHER])
def test_a_second_begin_by_anyone_says_since_when_and_by_whom(world: World, second: str) -> None:
    cancellations.begin(LEAD, world.account)
    before = world.snapshot()

    with pytest.raises(Conflict) as refused:
        cancellations.begin(second, world.account)

    assert re.search(
        r"already pending cancellation since \d{4}-\d\d-\d\d \d\d:\d\d by Lena Lead",
        str(refused.value),
    )
    assert world.snapshot() == before


def test_only_a_live_customer_can_be_begun(world: World) -> None:
    world.customer("500009", "Gone Already", status=CustomerStatus.CANCELLED)
    before = world.snapshot()

    with pytest.raises(Conflict, match="Gone Already is Cancelled; only a Live customer"):
        cancellations.begin(LEAD, "500009")

    assert world.snapshot() == before


# ----------------------------------------------------------------------------- remove


def test_remove_returns_the_customer_to_its_previous_status(world: World) -> None:
    cancellations.begin(LEAD, world.account)

    outcome = cancellations.remove(OTHER, world.account)

    customer = world.now()
    assert customer.status == CustomerStatus.LIVE
    assert outcome.version == customer.version == 3
    with connection():
        gone = Cancellation.get(Cancellation.customer == world.customer_id)
    assert (gone.state, gone.removed_by.login) == ("removed", OTHER)
    assert gone.removed_at is not None
    assert world.actions() == ["begin", "remove"]
    # and the customer may be begun again
    cancellations.begin(LEAD, world.account)
    assert world.now().status == CustomerStatus.PENDING_CANCELLATION


def test_remove_without_a_pending_cancellation_is_refused(world: World) -> None:
    before = world.snapshot()

    with pytest.raises(Conflict, match=r"has no pending cancellation\. Begin a cancellation first"):
        cancellations.remove(LEAD, world.account)

    assert world.snapshot() == before


# ----------------------------------------------------------------------------- process


@pytest.mark.parametrize(
    "red",
    [
        "reasons",
        "ownership",
        "expiry",
        "assets",
        "cases",
        "opportunities",
        "quotations",
        "sales_orders",
        "retention",
    ],
)
def test_process_refuses_and_names_the_one_section_still_red(world: World, red: str) -> None:
    world.ready(leave_red=red)
    before = world.snapshot()

    with pytest.raises(NotReady) as refused:
        cancellations.process(LEAD, world.account)

    name = SECTION_NAMES[red]
    assert refused.value.blocking_sections == [name]
    message = str(refused.value)
    assert message == f"Acme Widgets cannot be processed yet: 1 section still red: {name}."
    assert world.snapshot() == before
    assert (world.now().status, world.now().customer_type) == (
        CustomerStatus.PENDING_CANCELLATION,
        CustomerType.CUSTOMER,
    )


def test_process_names_every_section_still_red(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    world.asset()
    world.sales_order()

    with pytest.raises(NotReady) as refused:
        cancellations.process(LEAD, world.account)

    # The termination sections wait for Close: they do not hold Process back. Retention (no
    # save attempt yet) does.
    assert refused.value.blocking_sections == [
        "Cancellation reasons",
        "Ownership",
        "Future expiry",
        "Assets",
        "Sales orders",
        "Retention",
        "Final amount paid",
        "Admin notified",
    ]
    assert str(refused.value) == (
        "Acme Widgets cannot be processed yet: 8 sections still red: Cancellation reasons, "
        "Ownership, Future expiry, Assets, Sales orders, Retention, Final amount paid, "
        "Admin notified."
    )


@pytest.mark.parametrize("left", ["sign_offs", "access_data"])
def test_the_termination_sections_left_for_close_do_not_hold_process_back(
    world: World, left: str
) -> None:
    world.ready(leave_red=left)

    cancellations.process(LEAD, world.account)

    customer = world.now()
    assert (customer.status, customer.customer_type) == (
        CustomerStatus.CANCELLED,
        CustomerType.CUSTOMER,
    )
    with pytest.raises(NotReady, match="cannot be closed yet"):
        cancellations.close_case(LEAD, world.account)


def test_the_tasks_that_gate_process_hold_it_back(world: World) -> None:
    world.ready(leave_red="timeline")
    before = world.snapshot()

    with pytest.raises(NotReady) as refused:
        cancellations.process(LEAD, world.account)

    assert refused.value.blocking_sections == [
        "Non-renewal or termination notice received; termination case opened with the contract",
        "Account team informed (cc CS Ops, Sales Ops and Legal)",
        '"Customer Attrition" checked on the customer\'s account',
    ]
    assert world.snapshot() == before


def test_process_checks_again_rather_than_trusting_an_earlier_view(world: World) -> None:
    world.ready()
    assert customers.tool_view(world.account).red == []
    world.case("Escalated")  # someone opens a case after the team lead looked

    with pytest.raises(NotReady) as refused:
        cancellations.process(LEAD, world.account)

    assert refused.value.blocking_sections == ["Cases"]


def test_process_cancels_hands_over_and_queues_one_notification(world: World) -> None:
    world.ready()
    cancellations.set_notify(LEAD, world.account, [LEAD, TESS, OTHER])
    version = world.version()

    outcome = cancellations.process(OTHER, world.account, expected_version=version)

    customer = world.now()
    assert (customer.status, customer.owner.login) == (CustomerStatus.CANCELLED, TESS)
    assert outcome.version == customer.version == version + 1
    assert outcome.message == (
        "Acme Widgets is Cancelled, now owned by Tess Telesales. The termination case stays "
        "open: every task is done: close it. Lena Lead, Otto Other, Tess Telesales will be "
        "notified."
    )
    assert customer.customer_type == CustomerType.CUSTOMER  # a Former Customer once closed
    with connection():
        done = Cancellation.get(Cancellation.customer == world.customer_id)
        # (the timeline's final termination e-mail was queued before, by world.ready())
        messages = list(
            OutboxMessage.select().where(OutboxMessage.kind == "cancellation-notification")
        )
    assert (done.state, done.processed_by.login) == ("processed", OTHER)
    assert len(messages) == 1
    message = messages[0]
    assert message.recipients == "lena@example.com, otto@example.com, tess@example.com"
    assert (message.status, message.cancellation_id) == ("queued", done.id)
    assert message.subject == "Cancelled: Acme Widgets (500001)"
    assert "Otto Other processed the cancellation of **Acme Widgets**" in message.body
    assert "- Reasons: Price" in message.body
    assert "- New owner: Tess Telesales" in message.body
    event = last_event(world)
    assert event.action == "process"
    assert json.loads(event.after)["notified"] == ["Lena Lead", "Otto Other", "Tess Telesales"]
    assert json.loads(event.before)["owner"] == "Vic Viewer"


def test_a_second_process_changes_nothing(world: World) -> None:
    world.ready()
    cancellations.process(LEAD, world.account)
    before = world.snapshot()

    with pytest.raises(Conflict) as refused:
        cancellations.process(OTHER, world.account)

    assert re.search(
        r"already cancelled on .* by Lena Lead\. Nothing was changed", str(refused.value)
    )
    assert world.snapshot() == before


def test_process_with_nobody_to_email_queues_nothing_and_says_so(world: World) -> None:
    world.ready()
    with connection():
        User.create(login="mute", display_name="Mo Mute", email="", roles="")
    cancellations.set_notify(LEAD, world.account, ["mute"])

    outcome = cancellations.process(LEAD, world.account)

    assert "Nobody was notified" in outcome.message
    with connection():
        # only the timeline's final termination e-mail, queued before by world.ready()
        assert [m.kind for m in OutboxMessage.select()] == ["final-termination-notice"]
    assert world.now().status == CustomerStatus.CANCELLED


def test_mood_never_holds_back_process(world: World) -> None:
    world.ready()  # no mood recorded
    cancellations.process(LEAD, world.account)
    assert world.now().status == CustomerStatus.CANCELLED


# ----------------------------------------------------------------------------- cease assets


def test_cease_one_asset_at_a_date(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    first = world.asset("First")
    second = world.asset("Second")

    outcome = cancellations.cease_assets(LEAD, world.account, dt.date(2026, 3, 31), [first])

    assert (outcome.count, outcome.message) == (1, "Ceased 1 asset as of 2026-03-31.")
    with connection():
        rows = {a.id: (a.live, a.cease_date) for a in Asset.select()}
    assert rows == {first: (False, dt.date(2026, 3, 31)), second: (True, None)}
    event = last_event(world)
    assert (event.action, event.record_kind, event.record_id) == ("cease asset", "asset", first)
    assert json.loads(event.before) == {"live": True, "cease_date": None}
    assert json.loads(event.after) == {"live": False, "cease_date": "2026-03-31"}


def test_cease_many_named_assets_writes_one_event_each(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    ids = [world.asset(f"Asset {n}") for n in range(4)]
    version = world.version()

    outcome = cancellations.cease_assets(LEAD, world.account, dt.date(2026, 1, 1), ids[:3])

    assert outcome.count == 3
    assert outcome.version == version + 1  # one change, one new version
    with connection():
        live = [a.id for a in Asset.select().where(Asset.live == True)]  # noqa: E712
        events = [
            (e.action, e.record_id)
            for e in AuditEvent.select().where(AuditEvent.action == "cease asset")
        ]
    assert live == [ids[3]]
    assert sorted(events) == [("cease asset", pk) for pk in ids[:3]]


def test_cease_on_the_start_date_is_allowed_but_not_before(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    pk = world.asset("New kit", start=dt.date(2026, 5, 10))
    before = world.snapshot()

    with pytest.raises(InvalidInput) as refused:
        cancellations.cease_assets(LEAD, world.account, dt.date(2026, 5, 9), [pk])
    assert str(refused.value) == (
        "The cease date 2026-05-09 is before the start date of 'New kit' (2026-05-10)."
    )
    assert world.snapshot() == before

    cancellations.cease_assets(LEAD, world.account, dt.date(2026, 5, 10), [pk])
    with connection():
        assert Asset.get_by_id(pk).cease_date == dt.date(2026, 5, 10)


def test_cease_all_live_assets_at_once(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    live = world.asset("Live")
    dated_but_live = world.asset("Dated but live", cease=dt.date(2025, 12, 1))
    undated = world.asset("Not live, undated", live=False)
    ceased = world.asset("Ceased long ago", live=False, cease=dt.date(2025, 2, 1))

    outcome = cancellations.cease_assets(LEAD, world.account, dt.date(2026, 6, 30))

    assert outcome.count == 3
    with connection():
        rows = {a.id: (a.live, a.cease_date) for a in Asset.select()}
    assert rows == {
        live: (False, dt.date(2026, 6, 30)),
        dated_but_live: (False, dt.date(2026, 6, 30)),
        undated: (False, dt.date(2026, 6, 30)),
        ceased: (False, dt.date(2025, 2, 1)),  # already ceased: left as it was
    }
    assert not customers.tool_view(world.account).sections[3].is_red


def test_cease_all_writes_nothing_if_one_asset_starts_after_the_date(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    for n in range(5):
        world.asset(f"Old {n}", start=dt.date(2023, 1, 1))
    world.asset("Late starter", start=dt.date(2026, 8, 1))
    world.asset("Later starter", start=dt.date(2026, 9, 15))
    before = world.snapshot()

    with pytest.raises(InvalidInput) as refused:
        cancellations.cease_assets(LEAD, world.account, dt.date(2026, 7, 1))

    assert str(refused.value) == (
        "The cease date 2026-07-01 is before the start date of 2 assets (the latest, "
        "'Later starter', starts 2026-09-15). Choose 2026-09-15 or later."
    )
    assert world.snapshot() == before  # not even the five that could have been ceased


def test_cease_all_when_none_is_live_changes_nothing(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    world.asset(live=False, cease=dt.date(2025, 1, 1))
    before = world.snapshot()

    outcome = cancellations.cease_assets(LEAD, world.account, dt.date(2026, 1, 1))

    assert (outcome.message, outcome.count) == ("Every asset is already ceased.", 0)
    assert world.snapshot() == before


def test_ceasing_an_asset_already_ceased_is_refused(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    done = world.asset(live=False, cease=dt.date(2025, 1, 1))
    live = world.asset()
    before = world.snapshot()

    with pytest.raises(Conflict, match=f"The asset {done} is already ceased. Refresh"):
        cancellations.cease_assets(LEAD, world.account, dt.date(2026, 1, 1), [live, done])

    assert world.snapshot() == before


def test_a_bulk_cease_is_one_update_per_chunk_and_one_insert_per_batch_of_audit_rows(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1,200 assets: two UPDATEs (ids in chunks of 900), three audit INSERTs (batches of 500),
    one audit row per asset, each with what the asset was before."""
    cancellations.begin(LEAD, world.account)
    with connection():
        Asset.insert_many(
            [
                {
                    "customer": world.customer_id,
                    "name": f"Seat {n}",
                    "start_date": dt.date(2024, 1, 1),
                }
                for n in range(1200)
            ]
        ).execute()
    statements: list[str] = []
    execute_sql = database.obj.execute_sql

    def counted(sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        statements.append(sql.split("(")[0].split(" WHERE")[0].strip())
        return execute_sql(sql, params, *args, **kwargs)

    monkeypatch.setattr(database.obj, "execute_sql", counted)
    outcome = cancellations.cease_assets(LEAD, world.account, dt.date(2026, 1, 1))
    ran = list(statements)

    assert outcome.count == 1200
    assert (
        ran.count('UPDATE "asset" SET "live" = ?, "cease_date" = ?'.replace("?", database.param))
        == 2
    )
    assert ran.count('INSERT INTO "audit_event"') == 3
    with connection():
        events = AuditEvent.select().where(AuditEvent.action == "cease asset")
        assert events.count() == 1200
        assert {(e.before, e.after) for e in events} == {
            (
                json.dumps({"cease_date": None, "live": True}),
                json.dumps({"cease_date": "2026-01-01", "live": False}),
            )
        }


def test_a_change_that_notes_an_audit_event_but_never_finishes_writes_nothing(
    world: World,
) -> None:
    """The kernel refuses an operation that forgot ``c.outcome``: its transaction rolls back."""
    stage(world)
    before = world.snapshot()

    with (
        pytest.raises(RuntimeError, match="never finished"),
        kernel.change(LEAD, world.account, doing="test the kernel") as c,
    ):
        Cancellation.update(mood="Angry").where(Cancellation.id == c.cancellation.id).execute()
        c.audit("set mood", after={"mood": "Angry"})

    assert world.snapshot() == before


# ----------------------------------------------------------------------------- close records


def test_close_cases_closes_every_open_case(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    opened = [world.case(status) for status in ("New", "Working", "Escalated")]
    world.case("Closed")

    outcome = cancellations.close_cases(LEAD, world.account)

    assert (outcome.count, outcome.message) == (3, "Set 3 cases to Closed.")
    with connection():
        assert {(c.status, c.closed) for c in Case.select()} == {("Closed", True)}
    assert not {s.key: s for s in customers.tool_view(world.account).sections}["cases"].is_red
    with connection():
        events = (
            AuditEvent.select()
            .where(AuditEvent.action == "close case")
            .order_by(AuditEvent.record_id)
        )
        assert [(e.record_id, json.loads(e.before)) for e in events] == [
            (opened[0], {"status": "New"}),
            (opened[1], {"status": "Working"}),
            (opened[2], {"status": "Escalated"}),
        ]


def test_close_named_cases_only(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    first, second = world.case(), world.case("Working")

    cancellations.close_cases(LEAD, world.account, [second])

    with connection():
        assert Case.get_by_id(first).closed is False
        assert Case.get_by_id(second).closed is True


CLOSE_CASES = [
    ("opportunities", Opportunity, "stage", OPPORTUNITY_CLOSED),
    ("quotations", Quotation, "status", QUOTATION_CLOSED),
    ("sales_orders", SalesOrder, "status", SALES_ORDER_CLOSED),
]


@pytest.mark.parametrize(("section", "model", "column", "closed"), CLOSE_CASES)
def test_records_move_to_each_allowed_closed_state(
    world: World, section: str, model: Any, column: str, closed: tuple[str, ...]
) -> None:
    cancellations.begin(LEAD, world.account)
    ids = [world.record(section) for _ in closed]

    assert cancellations.allowed_states(section) == closed
    for pk, state in zip(ids, closed, strict=True):
        # the state is matched whatever its case
        outcome = cancellations.close_records(LEAD, world.account, section, state.upper(), [pk])
        assert outcome.count == 1

    with connection():
        states = {row.id: getattr(row, column) for row in model.select()}
    assert states == dict(zip(ids, closed, strict=True))
    assert not {s.key: s for s in customers.tool_view(world.account).sections}[section].is_red


def test_assets_and_unknown_sections_have_no_closed_states(world: World) -> None:
    with pytest.raises(InvalidInput, match="Assets are ceased with a date"):
        cancellations.allowed_states("assets")
    with pytest.raises(InvalidInput, match="'leads' is not a section with records"):
        cancellations.close_records(LEAD, world.account, "leads", "Closed")


# ----------------------------------------------------------------------------- expiry, owner, reasons, mood, notify


def test_add_expiry_in_the_future(world: World) -> None:
    cancellations.begin(LEAD, world.account)

    outcome = cancellations.add_expiry(LEAD, world.account, TOMORROW_AND_MORE, "  Call back  ")

    assert outcome.message == f"Added a future expiry on {TOMORROW_AND_MORE}."
    with connection():
        expiry = Expiry.get(Expiry.customer == world.customer_id)
    assert (expiry.date, expiry.note, expiry.created_by.login) == (
        TOMORROW_AND_MORE,
        "Call back",
        LEAD,
    )
    assert last_event(world).action == "add expiry"


def test_add_expiry_refuses_today_in_the_customers_zone(
    world: World, clock: Callable[[dt.datetime], None]
) -> None:
    clock(dt.datetime(2026, 11, 21, 12, 0))  # already 22 November on Kiritimati
    world.customer("600001", "Line Islands Co", time_zone="Pacific/Kiritimati")
    cancellations.begin(LEAD, "600001")
    before = world.snapshot()

    with pytest.raises(InvalidInput) as refused:
        cancellations.add_expiry(LEAD, "600001", dt.date(2026, 11, 22))

    assert str(refused.value) == (
        "The expiry date 2026-11-22 is not in the future: it is 2026-11-22 today in "
        "Pacific/Kiritimati. Choose a later date."
    )
    assert world.snapshot() == before
    cancellations.add_expiry(LEAD, "600001", dt.date(2026, 11, 23))


def test_choose_owner_waits_for_process(world: World) -> None:
    cancellations.begin(LEAD, world.account)

    outcome = cancellations.choose_owner(LEAD, world.account, TESS)

    assert outcome.message == (
        "Tess Telesales will own Acme Widgets once the cancellation is processed."
    )
    assert world.now().owner.login == VIEWER
    cancellation = pending(world)
    assert (cancellation.new_owner.login, cancellation.owner_applied_at) == (TESS, None)
    assert last_event(world).action == "choose owner"


def test_apply_owner_now_reassigns_at_once(world: World) -> None:
    cancellations.begin(LEAD, world.account)

    outcome = cancellations.choose_owner(LEAD, world.account, TESS, apply_now=True)

    assert outcome.message == "Tess Telesales now owns Acme Widgets."
    assert world.now().owner.login == TESS
    assert pending(world).owner_applied_at is not None
    event = last_event(world)
    assert event.action == "apply owner now"
    assert json.loads(event.before)["owner"] == "Vic Viewer"
    assert json.loads(event.after)["owner"] == "Tess Telesales"


def test_set_reasons_text_and_extra_information(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    chosen = [world.reasons["Budget cuts"], world.reasons["Price"], world.reasons["Price"]]

    outcome = cancellations.set_reasons(
        LEAD, world.account, chosen, "Cheaper elsewhere", "Export their records first"
    )

    assert (outcome.count, outcome.message) == (2, "Reasons set: Price, Budget cuts.")
    view = customers.tool_view(world.account).cancellation
    assert view is not None
    assert view.reasons == ("Price", "Budget cuts")
    assert (view.reason_text, view.extra_information) == (
        "Cheaper elsewhere",
        "Export their records first",
    )
    assert json.loads(last_event(world).after)["reasons"] == ["Price", "Budget cuts"]


def test_a_retired_reason_cannot_be_chosen_but_may_stay(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    cancellations.set_reasons(LEAD, world.account, [world.reasons["Budget cuts"]])
    users.retire_reason(ADMIN, world.reasons["Budget cuts"])
    before = world.snapshot()

    with pytest.raises(InvalidInput, match="The reason Fax is retired and cannot be chosen"):
        cancellations.set_reasons(LEAD, world.account, [world.reasons["Fax"]])
    assert world.snapshot() == before

    # Chosen while it was active: the cancellation keeps it when its reasons are set again.
    cancellations.set_reasons(
        LEAD, world.account, [world.reasons["Budget cuts"], world.reasons["Price"]], "still"
    )
    view = customers.tool_view(world.account).cancellation
    assert view is not None and view.reasons == ("Price", "Budget cuts")


def test_set_mood_reads_any_case_and_clears_with_nothing(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    previous = None
    for typed, stored in [
        ("angry", "Angry"),
        (" Happy ", "Happy"),
        (None, None),
        ("Neutral", "Neutral"),
        ("", None),
    ]:
        outcome = cancellations.set_mood(LEAD, world.account, typed)

        assert pending(world).mood == stored, typed
        assert outcome.message == f"Customer mood: {stored or 'not recorded'}.", typed
        event = last_event(world)
        assert json.loads(event.before) == {"mood": previous}, typed
        assert json.loads(event.after) == {"mood": stored}, typed
        previous = stored


def test_set_notify_replaces_the_list(world: World) -> None:
    cancellations.begin(LEAD, world.account)

    outcome = cancellations.set_notify(LEAD, world.account, [TESS, OTHER, TESS])

    assert (outcome.count, outcome.message) == (
        2,
        "On Process, Tess Telesales, Otto Other will be notified.",
    )
    view = customers.tool_view(world.account).cancellation
    assert view is not None and view.notify_logins == (OTHER, TESS)
    assert json.loads(last_event(world).before) == {"notify": [LEAD, VIEWER]}

    outcome = cancellations.set_notify(LEAD, world.account, [])
    assert outcome.message == "On Process, nobody will be notified."
    with connection():
        assert NotifyUser.select().count() == 0


def test_each_change_bumps_the_version_once(world: World) -> None:
    cancellations.begin(LEAD, world.account)
    world.asset()
    world.case()
    versions = [world.version()]
    for change in (
        lambda: cancellations.set_reasons(LEAD, world.account, [world.reasons["Price"]]),
        lambda: cancellations.choose_owner(LEAD, world.account, TESS),
        lambda: cancellations.add_expiry(LEAD, world.account, TOMORROW_AND_MORE),
        lambda: cancellations.cease_assets(LEAD, world.account, dt.date(2026, 1, 1)),
        lambda: cancellations.close_cases(LEAD, world.account),
        lambda: cancellations.set_mood(LEAD, world.account, "Happy"),
        lambda: cancellations.set_notify(LEAD, world.account, [TESS]),
        lambda: cancellations.confirm_step(LEAD, world.account, "final-amount-email"),
        lambda: cancellations.confirm_step(LEAD, world.account, "payment-confirmed"),
        lambda: cancellations.confirm_step(LEAD, world.account, "admin-notified"),
        lambda: attempts.record_attempt(LEAD, world.account, outcome="lost"),
        *(step for _, step in termination_steps(LEAD, world.account)),
        lambda: cancellations.process(LEAD, world.account),
        lambda: cancellations.close_case(LEAD, world.account),
    ):
        outcome = change()
        versions.append(world.version())
        assert outcome.version == versions[-1]
    # 11 changes before the timeline (the lost save attempt clears Retention), 18 on it (the
    # effective date, 7 tasks ticked by hand, the final termination e-mail, deactivation,
    # approval, purge and 6 sign-offs), then Process and Close
    assert versions == list(range(versions[0], versions[0] + 32))
    with connection():
        customer = Customer.get_by_id(world.customer_id)
        assert (customer.status, customer.customer_type) == ("Cancelled", "Former Customer")


def test_a_crm_admin_may_do_every_cancellation_operation(world: World) -> None:
    stage(world)
    acme = world.account
    steps: list[tuple[str, Callable[[], object]]] = [
        ("set reasons", lambda: cancellations.set_reasons(ADMIN, acme, [world.reasons["Price"]])),
        ("choose owner", lambda: cancellations.choose_owner(ADMIN, acme, TESS)),
        ("apply owner now", lambda: cancellations.choose_owner(ADMIN, acme, TESS, apply_now=True)),
        ("add expiry", lambda: cancellations.add_expiry(ADMIN, acme, TOMORROW_AND_MORE)),
        ("set mood", lambda: cancellations.set_mood(ADMIN, acme, "Satisfied")),
        ("set notify", lambda: cancellations.set_notify(ADMIN, acme, [TESS])),
        ("cease asset", lambda: cancellations.cease_assets(ADMIN, acme, dt.date(2026, 1, 1))),
        ("close case", lambda: cancellations.close_cases(ADMIN, acme)),
        (
            "close opportunity",
            lambda: cancellations.close_records(ADMIN, acme, "opportunities", "Won"),
        ),
        ("close quotation", lambda: cancellations.close_records(ADMIN, acme, "quotations", "Lost")),
        (
            "close sales order",
            lambda: cancellations.close_records(ADMIN, acme, "sales_orders", "Completed"),
        ),
        ("confirm step", lambda: cancellations.confirm_step(ADMIN, acme, "final-amount-email")),
        ("confirm step", lambda: cancellations.confirm_step(ADMIN, acme, "payment-confirmed")),
        ("confirm step", lambda: cancellations.confirm_step(ADMIN, acme, "admin-notified")),
        ("save attempt", lambda: attempts.record_attempt(ADMIN, acme, outcome="lost")),
        ("complete task", lambda: termination.complete_task(ADMIN, acme, "notice_received")),
        ("reopen task", lambda: termination.reopen_task(ADMIN, acme, "notice_received")),
        ("sign off", lambda: termination.sign_off(ADMIN, acme, "finance")),
        ("withdraw sign-off", lambda: termination.withdraw_sign_off(ADMIN, acme, "finance")),
        *termination_steps(ADMIN, acme),
        ("process", lambda: cancellations.process(ADMIN, "500003")),
        ("begin", lambda: cancellations.begin(ADMIN, "500002")),
        ("remove", lambda: cancellations.remove(ADMIN, "500002")),
        ("process", lambda: cancellations.process(ADMIN, acme)),
        ("close", lambda: cancellations.close_case(ADMIN, acme)),
    ]
    for action, step in steps:
        step()
        event = last_event(world)
        assert (event.action, event.actor.login) == (action, ADMIN)
    assert world.now().status == CustomerStatus.CANCELLED
