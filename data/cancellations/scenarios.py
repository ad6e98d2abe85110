"""The cancellation's scenario and its steps: change the scenario, confirm a step or take it
back, and queue the offboarding notice to the customer's admin."""

from __future__ import annotations

from data import outbox
from data.cancellations.contact import withdraw_customer_mail
from data.cancellations.kernel import Outcome, change, clean_text, display_name
from data.dates import when
from data.errors import Conflict, InvalidInput, NotAllowed
from data.models import (
    SCENARIOS,
    STEPS,
    Audience,
    Cancellation,
    ScenarioStep,
    Step,
)
from data.rules import OFFBOARDING_NOTICE, SCENARIO_SECTIONS, scenario_key, scenario_steps


def set_scenario(
    login: str, account: str, scenario: str, *, expected_version: int | None = None
) -> Outcome:
    """Change the scenario of the pending cancellation; its sections change with it. Steps
    already confirmed stay on record (they count again if the scenario comes back)."""
    chosen = scenario_key(scenario)
    with change(login, account, expected_version, doing="change the scenario") as c:
        before = str(c.cancellation.scenario)
        if before == chosen:
            return c.unchanged(f"The scenario is already {SCENARIOS[chosen]}.")
        Cancellation.update(scenario=chosen).where(Cancellation.id == c.cancellation.id).execute()
        c.cancellation.scenario = chosen
        c.audit("set scenario", before={"scenario": before}, after={"scenario": chosen})
        withdrawn = withdraw_customer_mail(c, c.cancellation)
        return c.outcome(f"Scenario: {SCENARIOS[chosen]}.{withdrawn}")


def _step_key(step: str) -> str:
    wanted = (step or "").strip().casefold()
    for key, title in STEPS.items():
        if wanted in (key, title.casefold()):
            return key
    choices = ", ".join(STEPS)
    raise InvalidInput(f"'{step}' is not a step. Use one of: {choices}.")


def _confirmed(cancellation: Cancellation, step: str) -> ScenarioStep | None:
    """The confirmation of a step on this cancellation, if there is one."""
    return (  # type: ignore[no-any-return]
        ScenarioStep.select()
        .where((ScenarioStep.cancellation == cancellation.id) & (ScenarioStep.step == step))
        .first()
    )


def confirm_step(
    login: str,
    account: str,
    step: str,
    note: str = "",
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Confirm a step of the scenario (Finance sent the final amount, Billing disabled
    auto-renewal, the admin was told in a call…), with who and when."""
    key = _step_key(step)
    text = clean_text(note, "The note")
    with change(login, account, expected_version, doing="confirm a step") as c:
        scenario = str(c.cancellation.scenario)
        if key not in scenario_steps(scenario):
            allowed = ", ".join(scenario_steps(scenario)) or "none (nobody contacts the admin)"
            raise InvalidInput(
                f"'{STEPS[key]}' is not a step of the {SCENARIOS[scenario]} scenario. "
                f"Its steps are: {allowed}."
            )
        existing = _confirmed(c.cancellation, key)
        if existing is not None:
            raise Conflict(
                f"'{STEPS[key]}' was already confirmed by {display_name(existing.done_by_id)} on "
                f"{when(existing.done_at)}. Nothing was changed."
            )
        if key == Step.PAYMENT_CONFIRMED and not _confirmed(
            c.cancellation, Step.FINAL_AMOUNT_EMAIL
        ):
            raise Conflict(
                "The payment cannot be confirmed before Finance has sent the final-amount "
                "e-mail. Confirm that step first."
            )
        done = ScenarioStep.create(
            cancellation=c.cancellation, step=key, done_by=c.who, note=text, done_at=c.now
        )
        c.audit(
            "confirm step",
            record_kind="step",
            record_id=done.id,
            after={"step": key, "note": text},
        )
        return c.outcome(f"Confirmed: {STEPS[key]}.", 1)


def unconfirm_step(
    login: str, account: str, step: str, *, expected_version: int | None = None
) -> Outcome:
    """Take back a confirmation made by mistake; the audit trail keeps both."""
    key = _step_key(step)
    with change(login, account, expected_version, doing="take back a step") as c:
        existing = _confirmed(c.cancellation, key)
        if existing is None:
            raise Conflict(f"'{STEPS[key]}' is not confirmed, so there is nothing to take back.")
        if key == Step.FINAL_AMOUNT_EMAIL and _confirmed(c.cancellation, Step.PAYMENT_CONFIRMED):
            raise Conflict("Take back the payment confirmation first: it rests on this step.")
        before = {"step": key, "by": display_name(existing.done_by_id), "note": existing.note}
        existing.delete_instance()
        c.audit("take back step", record_kind="step", record_id=existing.id, before=before)
        return c.outcome(f"Taken back: {STEPS[key]}.")


def queue_offboarding_notice(
    login: str,
    account: str,
    recipients: str,
    subject: str,
    body: str,
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Queue the offboarding notice to the customer's admin, as the team lead edited it.

    Refused, whoever asks, when the customer is sent to collections (no contact)."""
    addresses = outbox.parse_addresses(recipients)
    with change(login, account, expected_version, doing="e-mail the customer's admin") as c:
        if "admin_notified" not in SCENARIO_SECTIONS.get(str(c.cancellation.scenario), ()):
            raise NotAllowed(
                outbox.no_contact_reason(c.customer) or "This scenario sends no offboarding notice."
            )
        message = outbox.queue(
            c.customer,
            c.cancellation,
            OFFBOARDING_NOTICE,
            addresses,
            subject,
            body,
            audience=Audience.CUSTOMER,
            created_by=c.who,
        )
        c.audit(
            "queue message",
            record_kind="message",
            record_id=message.id,
            after={"kind": OFFBOARDING_NOTICE, "to": message.recipients, "subject": subject},
        )
        return c.outcome(
            f"Offboarding notice to {message.recipients} queued. Admin notified turns green once "
            "it is sent.",
            1,
        )
