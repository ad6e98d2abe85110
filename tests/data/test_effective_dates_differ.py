"""A cancel request whose effective date is not its cancellation's is a warning on the tool,
with both dates, on both backends: amber (a note, never blocking) once approved, said beside
the wait while it waits; none when the dates agree or the cancellation has none yet."""

from __future__ import annotations

import datetime as dt

from data import cancellations, customers, termination
from data.retention import decisions, requests
from data.rules import SectionState
from tests.data.test_retention import ACME, AP1, AP2, RET, SOON, sections, team
from tests.data.world import LEAD, VIEWER, World

__all__ = ["team"]  # the fixture: the retention team and the approvers


def cancel_request(effective: dt.date) -> int:
    made = requests.create_request(VIEWER, ACME, "cancel", effective, retention=True)
    decisions.submit_request(RET, made.request_id)
    return made.request_id


def test_the_approval_warns_with_both_dates_when_they_differ(team: World) -> None:
    team.ready()  # the cancellation's effective date is today where the customer is
    view = customers.tool_view(ACME).termination
    assert view is not None
    today = view.timeline.effective_date
    assert today is not None and today != SOON
    request_id = cancel_request(SOON)

    waiting = sections()["approval"]
    assert waiting.state is SectionState.BLOCKING  # type: ignore[attr-defined]
    assert waiting.summary.endswith(  # type: ignore[attr-defined]
        f". Effective dates differ: the request says {SOON}, the cancellation {today} — set "
        "the one that is right (f on the Timeline, or edit the request)"
    )
    decisions.approve_request(AP1, request_id)
    decisions.approve_request(AP2, request_id)

    approved = sections()["approval"]
    assert approved.state is SectionState.NOTE  # type: ignore[attr-defined]  # a warning
    assert approved.summary.startswith(  # type: ignore[attr-defined]
        f"Effective dates differ: the request says {SOON}, the cancellation {today}"
    )
    assert not approved.holds_back  # type: ignore[attr-defined]

    termination.set_effective_date(LEAD, ACME, SOON)
    agreed = sections()["approval"]
    assert agreed.state is SectionState.CLEAR  # type: ignore[attr-defined]
    assert "differ" not in agreed.summary  # type: ignore[attr-defined]


def test_no_warning_while_the_cancellation_has_no_effective_date(team: World) -> None:
    cancellations.begin(LEAD, ACME)
    cancel_request(SOON)
    assert "differ" not in sections()["approval"].summary  # type: ignore[attr-defined]
