"""Retention (issue 15) in the data layer, on SQLite and PostgreSQL: save attempts and the
Retention section, change requests through the playbook's approval chain (with and without a
credit), rejection and resubmission, recall, the Approval section holding Process back, the
pause with its reminder and Resume — and every refusal, one line, nothing written."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal

import pytest

from data import cancellations, customers
from data.db import connection, database, migrate_schema, migration_runner
from data.errors import Conflict, InvalidInput, NotAllowed, NotFound, NotReady, OffboardError
from data.models import CustomerStatus, OutboxMessage, Role, User
from data.retention import (
    attempts,
    decisions,
    offers,
    pause,
    reminders,
    request_views,
    requests,
)
from data.retention.models import Approval, ChangeRequest, RequestState
from data.rules import SectionState
from tests.conftest import OpenedDatabase
from tests.data.world import ADMIN, LEAD, TESS, VIEWER, World

RET = "ret"  # the retention team
AP1, AP2 = "ap1", "ap2"  # approvers
FIN = "fin"  # Finance
BOSS = "boss"  # retention and approver at once
ACME = "500001"
SOON = dt.date.today() + dt.timedelta(days=20)


@pytest.fixture
def team(world: World) -> World:
    """The world with the retention team, two approvers, Finance, and the offer list."""
    with connection():
        User.insert_many(
            [
                {
                    "login": login,
                    "display_name": name,
                    "email": f"{login}@example.com",
                    "roles": roles,
                }
                for login, name, roles in (
                    (RET, "Rita Retention", Role.RETENTION),
                    (AP1, "Jeremy Approver", Role.APPROVER),
                    (AP2, "Dustin Approver", Role.APPROVER),
                    (FIN, "Fiona Finance", Role.FINANCE),
                    (BOSS, "Bo Both", f"{Role.RETENTION},{Role.APPROVER}"),
                )
            ]
        ).execute()
    for name in offers.DEFAULT_OFFERS:
        offers.add_offer(ADMIN, name)
    return world


def refused(
    world: World, error: type[OffboardError], call: Callable[[], object], words: str
) -> str:
    """``call`` is refused with ``error`` whose one-line message holds ``words``; nothing is
    written."""
    before = world.snapshot()
    with pytest.raises(error) as raised:
        call()
    message = str(raised.value)
    assert words in message, message
    assert "\n" not in message
    assert world.snapshot() == before
    return message


def sections(account: str = ACME) -> dict[str, object]:
    return {s.key: s for s in customers.tool_view(account).sections}


def submitted(kind: str = "cancel", credit: str = "0", **options: object) -> int:
    """A request made by the account manager and submitted by the retention team."""
    made = requests.create_request(
        VIEWER,
        ACME,
        kind,
        SOON,
        credit=credit,
        retention=True,
        **options,  # type: ignore[arg-type]
    )
    decisions.submit_request(RET, made.request_id)
    return made.request_id


def mail_to(address: str) -> list[str]:
    with connection():
        return [
            str(m.subject)
            for m in OutboxMessage.select().order_by(OutboxMessage.id)
            if address in str(m.recipients).split(", ") or address in str(m.cc).split(", ")
        ]


# ----------------------------------------------------------------------------- the schema


def test_migration_0014_adds_the_tables_and_one_decision_per_step(bare_db: OpenedDatabase) -> None:
    db = bare_db.database
    with db.connection_context():
        migrate_schema(db, target="0013_external_ids")
        assert not db.table_exists("change_request")
        migrate_schema(db)
        assert {"offer", "save_attempt", "retention_note", "change_request", "approval"} <= set(
            db.get_tables()
        )
        names = [m.name for m in migration_runner(db).status() if m.applied]
        assert "0014_retention" in names
        unique = [sorted(i.columns) for i in db.get_indexes("approval") if i.unique]
        assert ["request_id", "round", "step"] in unique


# ----------------------------------------------------------------------------- save attempts


def test_a_save_attempt_is_recorded_and_listed_latest_first(team: World) -> None:
    done = attempts.record_attempt(
        RET, ACME, outcome="open", concern="Too expensive", offers=["discount", "Plan change"]
    )
    assert done.message == (
        "Save attempt on Acme Widgets recorded, offering Discount, Plan change: Open."
    )
    attempts.set_outcome(RET, done.count, "saved", note="Took the discount")
    attempts.record_attempt(VIEWER, ACME, outcome="lost", concern="Moving to a competitor")
    listed = attempts.attempts_of(ACME)
    assert [(a.outcome, a.by_login) for a in listed] == [("lost", VIEWER), ("saved", RET)]
    assert listed[1].offers == ("Discount", "Plan change")
    assert listed[1].note == "Took the discount"
    assert team.actions()[-3:] == ["save attempt", "save attempt outcome", "save attempt"]


def test_save_attempt_refusals_write_nothing(team: World) -> None:
    refused(
        team,
        NotAllowed,
        lambda: attempts.record_attempt(TESS, ACME, outcome="lost"),
        "account manager",
    )
    refused(
        team,
        InvalidInput,
        lambda: attempts.record_attempt(RET, ACME, outcome="maybe"),
        "'maybe' is not an outcome",
    )
    refused(
        team,
        NotFound,
        lambda: attempts.record_attempt(RET, ACME, outcome="lost", offers=["Free beer"]),
        "There is no offer 'Free beer'",
    )
    refused(
        team,
        NotFound,
        lambda: attempts.record_attempt(RET, "999999", outcome="lost"),
        "no customer",
    )
    done = attempts.record_attempt(RET, ACME, outcome="lost")
    refused(
        team, Conflict, lambda: attempts.set_outcome(RET, done.count, "saved"), "already ended lost"
    )


def test_the_retention_section_is_green_only_with_a_lost_attempt_or_a_note(team: World) -> None:
    cancellations.begin(LEAD, ACME)
    retention = sections()["retention"]
    assert retention.state is SectionState.BLOCKING  # type: ignore[attr-defined]
    assert retention.summary.startswith("No save attempt")  # type: ignore[attr-defined]
    attempts.record_attempt(RET, ACME, outcome="open")
    assert "still open" in sections()["retention"].summary  # type: ignore[attr-defined]
    attempts.record_attempt(RET, ACME, outcome="saved")
    assert sections()["retention"].state is SectionState.BLOCKING  # type: ignore[attr-defined]
    attempts.record_attempt(RET, ACME, outcome="lost")
    assert sections()["retention"].state is SectionState.CLEAR  # type: ignore[attr-defined]


def test_a_note_why_no_attempt_was_made_clears_the_section(team: World) -> None:
    refused(
        team,
        Conflict,
        lambda: attempts.note_no_attempt(LEAD, ACME, "Bankrupt"),
        "no pending cancellation",
    )
    cancellations.begin(LEAD, ACME)
    refused(
        team, InvalidInput, lambda: attempts.note_no_attempt(LEAD, ACME, "  "), "the note is empty"
    )
    attempts.note_no_attempt(LEAD, ACME, "The customer went bankrupt")
    retention = sections()["retention"]
    assert retention.state is SectionState.CLEAR  # type: ignore[attr-defined]
    assert retention.summary == "No save attempt: The customer went bankrupt"  # type: ignore[attr-defined]


def test_offers_are_the_admins_list(team: World) -> None:
    refused(team, NotAllowed, lambda: offers.add_offer(LEAD, "Free month"), "crm-admin")
    refused(team, Conflict, lambda: offers.add_offer(ADMIN, "discount"), "already has")
    row = offers.add_offer(ADMIN, "Free month")
    offers.retire_offer(ADMIN, row.id)
    assert "Free month" not in [o.name for o in offers.list_offers()]
    assert "Free month" in [o.name for o in offers.list_offers(include_retired=True)]
    refused(
        team,
        InvalidInput,
        lambda: attempts.record_attempt(RET, ACME, outcome="lost", offers=["Free month"]),
        "retired",
    )


# ----------------------------------------------------------------------------- the chain


def test_the_full_chain_without_a_credit_approves_and_mails(team: World) -> None:
    made = requests.create_request(VIEWER, ACME, "cancel", SOON, notes="Leaving for a rival")
    assert made.message.startswith(f"Change request #{made.request_id} (cancel Acme Widgets")
    shown = request_views.show_request(made.request_id)
    assert (shown.state, shown.retention, shown.credit) == ("draft", False, Decimal("0.00"))
    # Without the retention team the account manager submits.
    refused(
        team,
        NotAllowed,
        lambda: decisions.submit_request(RET, made.request_id),
        "the account manager (Vic Viewer) submits it",
    )
    done = decisions.submit_request(VIEWER, made.request_id)
    assert done.message == (
        f"Change request #{made.request_id} submitted: waiting for First approval "
        "(anyone with the approver role)."
    )
    assert [s.key for s in request_views.show_request(made.request_id).steps] == [
        "approver_1",
        "approver_2",
    ]
    assert [r.id for r in request_views.waiting_for(AP1)] == [made.request_id]
    assert request_views.waiting_for(FIN) == []
    decisions.approve_request(AP1, made.request_id, "Fine by me")
    assert request_views.waiting_for(AP1) == []  # one step per person
    assert [r.id for r in request_views.waiting_for(AP2)] == [made.request_id]
    done = decisions.approve_request(AP2, made.request_id)
    assert done.message == f"Change request #{made.request_id} approved: handed over to Accounting."
    shown = request_views.show_request(made.request_id)
    assert shown.state == RequestState.APPROVED
    assert [(s.state, s.by) for s in shown.steps] == [
        ("approved", "Jeremy Approver"),
        ("approved", "Dustin Approver"),
    ]
    assert [h.action for h in shown.history] == [
        "create change request",
        "submit change request",
        "approve step",
        "approve step",
        "approve change request",
    ]
    assert len(mail_to("ap1@example.com")) == 1 and len(mail_to("ap2@example.com")) == 2
    approved = mail_to("dm_operations@example.com")
    assert approved == ["Approved: Cancel Acme Widgets (500001) from " + str(SOON)]
    assert mail_to("accounting@example.com") == approved
    assert mail_to("fin@example.com") == []


def test_a_credit_adds_finance_and_out_of_turn_is_refused(team: World) -> None:
    request_id = submitted(credit="250.50")
    assert [s.key for s in request_views.show_request(request_id).steps] == [
        "approver_1",
        "approver_2",
        "finance",
    ]
    refused(
        team,
        Conflict,
        lambda: decisions.approve_request(FIN, request_id),
        "Out of turn: change request",
    )
    refused(
        team,
        NotAllowed,
        lambda: decisions.approve_request(TESS, request_id),
        "that needs the 'approver' role",
    )
    decisions.approve_request(AP1, request_id)
    refused(
        team,
        Conflict,
        lambda: decisions.approve_request(AP1, request_id),
        "You already decided step 1",
    )
    decisions.approve_request(AP2, request_id)
    assert request_views.show_request(request_id).state == RequestState.SUBMITTED
    assert [r.id for r in request_views.waiting_for(FIN)] == [request_id]
    decisions.approve_request(FIN, request_id, "Credit ok")
    assert request_views.show_request(request_id).state == RequestState.APPROVED
    refused(
        team,
        Conflict,
        lambda: decisions.approve_request(FIN, request_id),
        "is approved, not waiting",
    )
    refused(
        team, Conflict, lambda: requests.edit_request(VIEWER, request_id, notes="x"), "is approved"
    )


def test_approving_your_own_request_is_refused(team: World) -> None:
    made = requests.create_request(BOSS, ACME, "reduce", SOON, retention=True)
    decisions.submit_request(BOSS, made.request_id)
    refused(
        team,
        NotAllowed,
        lambda: decisions.approve_request(BOSS, made.request_id),
        "it is your own request",
    )
    assert request_views.waiting_for(BOSS) == []


def test_a_rejection_goes_back_and_the_request_is_resubmitted(team: World) -> None:
    request_id = submitted(credit="100")
    refused(
        team,
        Conflict,
        lambda: requests.edit_request(VIEWER, request_id, credit="50"),
        "locked while it is in approval",
    )
    refused(team, InvalidInput, lambda: decisions.reject_request(AP1, request_id, " "), "Say why")
    decisions.reject_request(AP1, request_id, "Credit too high")
    assert mail_to("ret@example.com") == [
        f"Rejected: change request #{request_id} (Cancel Acme Widgets, 500001)"
    ]
    requests.edit_request(VIEWER, request_id, credit="0")
    decisions.submit_request(RET, request_id)
    shown = request_views.show_request(request_id)
    assert (shown.state, shown.round, [s.key for s in shown.steps]) == (
        "submitted",
        2,
        ["approver_1", "approver_2"],
    )
    decisions.approve_request(AP1, request_id)  # a new round: the same approver decides again
    decisions.approve_request(AP2, request_id)
    assert request_views.show_request(request_id).state == RequestState.APPROVED


def test_the_submitter_may_recall(team: World) -> None:
    request_id = submitted()
    refused(
        team,
        NotAllowed,
        lambda: decisions.recall_request(VIEWER, request_id),
        "only the person who submitted it",
    )
    decisions.recall_request(RET, request_id)
    assert request_views.waiting_for(AP1) == []
    requests.edit_request(VIEWER, request_id, notes="Now with the right date")
    decisions.submit_request(RET, request_id)
    assert request_views.show_request(request_id).state == RequestState.SUBMITTED


def test_bad_values_are_refused(team: World) -> None:
    create = requests.create_request
    refused(
        team,
        InvalidInput,
        lambda: create(VIEWER, ACME, "cancel", SOON, credit="-5"),
        "cannot be negative",
    )
    refused(
        team,
        InvalidInput,
        lambda: create(VIEWER, ACME, "cancel", SOON, credit="lots"),
        "'lots' is not a number",
    )
    refused(
        team,
        InvalidInput,
        lambda: create(VIEWER, ACME, "cancel", SOON, credit="1.234"),
        "more than two decimals",
    )
    refused(team, InvalidInput, lambda: create(VIEWER, ACME, "stop", SOON), "'stop' is not a kind")
    refused(
        team,
        InvalidInput,
        lambda: create(VIEWER, ACME, "pause", SOON, end_date=SOON - dt.timedelta(days=1)),
        "before its start",
    )
    refused(
        team, InvalidInput, lambda: create(VIEWER, ACME, "cancel", "31/12/2027"), "is not a date"
    )
    refused(team, NotAllowed, lambda: create(TESS, ACME, "cancel", SOON), "account manager")
    made = create(VIEWER, ACME, "pause", SOON, retention=False)
    refused(
        team,
        InvalidInput,
        lambda: decisions.submit_request(VIEWER, made.request_id),
        "has no end date",
    )
    refused(
        team, NotFound, lambda: decisions.approve_request(AP1, 424242), "no change request #424242"
    )


def test_the_approval_section_holds_process_back_until_approved(team: World) -> None:
    team.ready()
    request_id = submitted()
    approval = sections()["approval"]
    assert approval.state is SectionState.BLOCKING  # type: ignore[attr-defined]
    assert "waiting for approval: First approval" in approval.summary  # type: ignore[attr-defined]
    with pytest.raises(NotReady) as raised:
        cancellations.process(LEAD, ACME)
    assert "Approval" in str(raised.value)
    decisions.approve_request(AP1, request_id)
    decisions.approve_request(AP2, request_id)
    # Approved: it holds nothing back (a note, as its effective date is not the cancellation's).
    assert not sections()["approval"].holds_back  # type: ignore[attr-defined]
    cancellations.process(LEAD, ACME)
    assert team.now().status == CustomerStatus.CANCELLED


def test_two_approvers_at_once_make_one_decision_per_step(team: World) -> None:
    request_id = submitted()
    version = request_views.show_request(request_id).version
    start = threading.Barrier(2)
    results: dict[str, object] = {}

    def decide(login: str) -> None:
        start.wait()
        try:
            with connection():
                results[login] = decisions.approve_request(
                    login, request_id, expected_version=version
                )
        except OffboardError as error:
            results[login] = error
        finally:
            if not database.is_closed():
                database.close()

    workers = [threading.Thread(target=decide, args=(login,)) for login in (AP1, AP2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    refusals = [r for r in results.values() if isinstance(r, Conflict)]
    assert len(results) == 2 and len(refusals) == 1
    with connection():
        assert Approval.select().where(Approval.request == request_id).count() == 1


def test_the_database_allows_one_decision_per_step(team: World) -> None:
    request_id = submitted()
    with connection():
        Approval.create(
            request=request_id,
            round=1,
            step=0,
            step_key="approver_1",
            by=User.get(User.login == AP2).id,
            decision="approved",
        )
    refused(
        team,
        Conflict,
        lambda: decisions.approve_request(AP1, request_id),
        "decided by someone else at the same moment",
    )


# ----------------------------------------------------------------------------- pause


def test_begin_on_a_paused_customer_without_an_end_says_how_to_resume(team: World) -> None:
    # Paused with no approved pause request to read an end from (set by an import, say).
    team.customer("500009", "Still Co", status=CustomerStatus.PAUSED)

    message = refused(team, Conflict, lambda: cancellations.begin(LEAD, "500009"), "Paused")

    assert message == (
        "Still Co is Paused; resume it first (offboard resume 500009, or u on the customer)."
    )


def test_a_pause_pauses_reminds_refuses_begin_and_resumes(team: World) -> None:
    start, end = dt.date.today(), dt.date.today() + dt.timedelta(days=5)
    made = requests.create_request(VIEWER, ACME, "pause", start, end_date=end, retention=False)
    decisions.submit_request(VIEWER, made.request_id)
    decisions.approve_request(AP1, made.request_id)
    done = decisions.approve_request(AP2, made.request_id)
    assert done.message.endswith(f"Acme Widgets is Paused until {end}.")
    assert team.now().status == CustomerStatus.PAUSED
    assert pause.status_words(ACME) == f"Paused until {end}"
    found = reminders.retention_reminders(start)
    assert [(r.kind, r.account, r.due) for r in found] == [
        ("effective", ACME, start),
        ("pause-end", ACME, end),
    ]
    # Begin is refused, saying how to resume it (nothing written).
    assert refused(team, Conflict, lambda: cancellations.begin(LEAD, ACME), "resume it first") == (
        f"Acme Widgets is Paused until {end}; resume it first (offboard resume {ACME}, or u on "
        "the customer)."
    )
    refused(team, NotAllowed, lambda: pause.resume(TESS, ACME), "account manager")
    assert pause.resume(RET, ACME).message == (
        f"Acme Widgets resumed: Live again (the pause was to end on {end})."
    )
    assert team.now().status == CustomerStatus.LIVE
    assert [r.kind for r in reminders.retention_reminders(start)] == ["effective"]
    refused(team, Conflict, lambda: pause.resume(RET, ACME), "not Paused")
    cancellations.begin(LEAD, ACME)


# ----------------------------------------------------------------------------- issue 21


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("1e30", "'1e30' is too large: write at most 9,999,999,999.99"),
        ("99999999999999999999", "'99999999999999999999' is too large"),
        ("10000000000", "'10000000000' is too large"),
        ("NaN", "'NaN' is not a number"),
        ("sNaN", "'sNaN' is not a number"),
        ("Infinity", "'Infinity' is not a number"),
        ("1e-9", "'1e-9' has more than two decimals"),
        ("１００", "'１００' is not a number"),  # full-width digits: not an amount
    ],
)
def test_a_credit_the_column_cannot_hold_is_refused_in_one_line(
    team: World, typed: str, words: str
) -> None:
    made = requests.create_request(VIEWER, ACME, "cancel", SOON, retention=False)
    for call in (
        lambda: requests.create_request(VIEWER, ACME, "cancel", SOON, credit=typed),
        lambda: requests.edit_request(VIEWER, made.request_id, credit=typed),
    ):
        refused(team, InvalidInput, call, words)


def test_the_largest_credit_is_what_the_column_holds_and_minus_zero_is_zero(team: World) -> None:
    column = ChangeRequest.credit
    assert str(requests.CREDIT_LIMIT) == "9999999999.99"
    assert len(requests.CREDIT_LIMIT.as_tuple().digits) == column.max_digits
    made = requests.create_request(VIEWER, ACME, "reduce", SOON, credit="9,999,999,999.99")
    assert request_views.show_request(made.request_id).credit == requests.CREDIT_LIMIT
    requests.edit_request(VIEWER, made.request_id, credit="-0")
    shown = request_views.show_request(made.request_id)
    assert f"{shown.credit:.2f}" == "0.00"  # as show prints it
    # The history says what was stored: 0.00, never "-0.00".
    assert [entry.detail for entry in shown.history][-1] == {"credit": "0.00"}
    zero = requests.create_request(VIEWER, ACME, "reduce", SOON, credit="-0.00")
    assert f"{request_views.show_request(zero.request_id).credit:.2f}" == "0.00"


def test_who_may_submit_is_said_as_it_is(team: World) -> None:
    with connection():  # a CRM admin with no retention role, as root often is
        User.create(login="root", display_name="Root", roles=Role.ADMIN)
    with_retention = requests.create_request(VIEWER, ACME, "cancel", SOON, retention=True)
    number = with_retention.request_id
    message = refused(
        team, NotAllowed, lambda: decisions.submit_request("root", number), "retention"
    )
    assert message == (
        f"Root cannot submit change request #{number}: the retention team took part, so only a "
        "member of the retention team ('retention' role) submits it, and Root has no "
        "'retention' role. Ask a retention member to submit it."
    )
    assert "account manager" not in message
    # The account manager is told that is who they are, and still not a retention member.
    assert refused(
        team, NotAllowed, lambda: decisions.submit_request(VIEWER, number), "retention"
    ).endswith(
        "and Vic Viewer is Acme Widgets's account manager, not a retention member. Ask a "
        "retention member to submit it."
    )
    without = requests.create_request(VIEWER, ACME, "cancel", SOON, retention=False)
    assert refused(
        team, NotAllowed, lambda: decisions.submit_request("root", without.request_id), "Vic"
    ) == (
        f"Root cannot submit change request #{without.request_id}: without the retention team, "
        "the account manager (Vic Viewer) submits it, and Root is not Acme Widgets's. Ask Vic "
        "Viewer to."
    )
