"""``offboard undo`` (issue 14): a ceased asset, a closed record and a confirmed step taken back
from the command line while the cancellation is pending; a bad id is a usage error."""

from __future__ import annotations

from data.models import Asset, Opportunity
from tests.cli.conftest import Run

REDWOOD = "100012"  # pending in the demo, assets and opportunities open


def test_undo_a_ceased_asset_a_closed_record_and_a_step(run: Run, demo_db: str) -> None:
    asset = next(
        a for a in Asset.select() if a.customer.account == REDWOOD and a.live and not a.cease_date
    )
    assert run("cease", REDWOOD, str(asset.id)).code == 0
    done = run("undo", REDWOOD, "--asset", str(asset.id))
    assert done.code == 0, done.err
    assert done.out.startswith("Undone: ")
    restored = Asset.get_by_id(asset.id)
    assert (restored.live, restored.cease_date) == (True, None)

    opportunity = next(
        o
        for o in Opportunity.select()
        if o.customer.account == REDWOOD and o.stage not in ("Won", "Lost", "Cancelled")
    )
    stage = opportunity.stage
    closed = run("close-records", REDWOOD, "opportunities", str(opportunity.id), "--state", "Won")
    assert closed.code == 0, closed.err
    done = run("undo", REDWOOD, "--record", "opportunities", str(opportunity.id))
    assert done.code == 0, done.err
    assert done.out == f"Undone: '{opportunity.name}' is {stage} again.\n"
    assert Opportunity.get_by_id(opportunity.id).stage == stage

    assert run("confirm", REDWOOD, "admin-notified", "--note", "call").code == 0
    done = run("undo", REDWOOD, "--step", "admin-notified")
    assert done.code == 0, done.err
    assert done.out.startswith("Taken back: ")


def test_undo_refuses_bad_input_in_one_line(run: Run, demo_db: str) -> None:
    bad = run("undo", REDWOOD, "--record", "opportunities", "abc")
    assert bad.code != 0 and "'abc' is not an id" in bad.err
    both = run("undo", REDWOOD, "--asset", "1", "--step", "x")
    assert both.code != 0 and "not allowed with argument" in both.err
    nothing = run("undo", REDWOOD, "--asset", "999999")
    assert nothing.code != 0 and "has no asset with id 999999" in nothing.err
