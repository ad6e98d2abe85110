"""The cancellation's scenario and its steps, as the playbook the case runs on writes them:
change the scenario, confirm a step (a step with a template also queues its e-mail to the
playbook's parties) or take it back, and queue the offboarding notice to the customer's admin."""

from __future__ import annotations

from collections.abc import Callable

from data import outbox
from data.cancellations.contact import withdraw_customer_mail
from data.cancellations.kernel import Change, Outcome, change, clean_text, display_name
from data.cancellations.records import refuse_undo_once_processed
from data.dates import when
from data.errors import Conflict, InvalidInput, NotAllowed
from data.models import Audience, Cancellation, ScenarioStep
from data.playbook.model import Playbook, StepRule
from data.rules import (
    OFFBOARDING_NOTICE,
    scenario_key,
    scenario_label,
    scenario_rule,
    scenario_steps,
    sends_notice,
    step_label,
)
from data.timeline import playbook_of


def set_scenario(
    login: str, account: str, scenario: str, *, expected_version: int | None = None
) -> Outcome:
    """Change the scenario of the pending cancellation (one of its playbook's); its sections
    change with it. Steps already confirmed stay on record (they count again if the scenario
    comes back)."""
    with change(
        login, account, expected_version, doing="change the scenario", part="scenario"
    ) as c:
        playbook = playbook_of(c.cancellation)
        chosen = scenario_key(scenario, playbook)
        label = scenario_label(chosen, playbook)
        before = str(c.cancellation.scenario)
        if before == chosen:
            return c.unchanged(f"The scenario is already {label}.")
        Cancellation.update(scenario=chosen).where(Cancellation.id == c.cancellation.id).execute()
        c.cancellation.scenario = chosen
        c.audit("set scenario", before={"scenario": before}, after={"scenario": chosen})
        withdrawn = withdraw_customer_mail(c, c.cancellation)
        return c.outcome(f"Scenario: {label}.{withdrawn}")


def _step_key(step: str, playbook: Playbook) -> str:
    wanted = " ".join((step or "").split()).casefold()
    for key, rule in playbook.steps.items():
        if wanted in (key, rule.label.casefold()):
            return key
    choices = ", ".join(playbook.steps)
    raise InvalidInput(f"'{step}' is not a step. Use one of: {choices}.")


def _step_part(step: str) -> Callable[[Cancellation], str]:
    """The part a step's change touches: the scenario's section that asks for it ("steps" for a
    step no section asks for; the operation refuses it)."""

    def part(cancellation: Cancellation) -> str:
        playbook = playbook_of(cancellation)
        try:
            key = _step_key(step, playbook)
        except InvalidInput:
            return "steps"
        rule = scenario_rule(str(cancellation.scenario), playbook)
        for section in rule.sections if rule is not None else ():
            if key in section.steps:
                return str(section.key)
        return "steps"

    return part


def _confirmed(cancellation: Cancellation, step: str) -> ScenarioStep | None:
    """The confirmation of a step on this cancellation, if there is one."""
    return (  # type: ignore[no-any-return]
        ScenarioStep.select()
        .where((ScenarioStep.cancellation == cancellation.id) & (ScenarioStep.step == step))
        .first()
    )


def _section_steps(scenario: str, step: str, playbook: Playbook) -> tuple[str, ...]:
    """The steps of the scenario's section that asks for ``step``, in order."""
    rule = scenario_rule(scenario, playbook)
    for section in rule.sections if rule is not None else ():
        if step in section.steps:
            return section.steps
    return ()


def _queue_step_email(c: Change, rule: StepRule, playbook: Playbook) -> str:
    """Queue the e-mail a step sends to its parties (copying its cc parties); what to say of it.
    The no-contact rule guards it like every message (``outbox.queue``)."""
    assert rule.template is not None
    addresses = playbook.addresses(rule.to)
    rendered = outbox.render(
        rule.template,
        {
            "customer_name": c.customer.name,
            "account": c.customer.account,
            "scenario": scenario_label(str(c.cancellation.scenario), playbook),
            "step": rule.label,
            "to": playbook.party_labels(rule.to),
            "team_lead": c.who.display_name,
        },
    )
    message = outbox.queue(
        c.customer,
        c.cancellation,
        outbox_kind(rule.template),
        addresses,
        rendered.subject,
        rendered.body,
        audience=Audience.INTERNAL,
        created_by=c.who,
        cc=playbook.addresses(rule.cc),
    )
    copied = {"cc": message.cc} if message.cc else {}
    c.audit(
        "queue e-mail",
        record_kind="outbox",
        record_id=message.id,
        after={"step": rule.key, "to": message.recipients, **copied, "subject": message.subject},
    )
    also = f"; cc {message.cc}" if message.cc else ""
    return f" E-mail to {playbook.party_labels(rule.to)} queued ({message.recipients}{also})."


def outbox_kind(template: str) -> str:
    """The outbox kind of an e-mail a step sends."""
    return template.replace("_", "-")


def confirm_step(
    login: str,
    account: str,
    step: str,
    note: str = "",
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Confirm a step of the scenario (Finance sent the final amount, Billing disabled
    auto-renewal, the admin was told in a call…), with who and when; a step comes after the
    earlier steps of its section. A step with a template queues its e-mail too."""
    text = clean_text(note, "The note")
    with change(
        login, account, expected_version, doing="confirm a step", part=_step_part(step)
    ) as c:
        playbook = playbook_of(c.cancellation)
        key = _step_key(step, playbook)
        label = step_label(key, playbook)
        scenario = str(c.cancellation.scenario)
        steps = scenario_steps(scenario, playbook)
        if key not in steps:
            allowed = ", ".join(steps) or "none (nobody contacts the admin)"
            raise InvalidInput(
                f"'{label}' is not a step of the {scenario_label(scenario, playbook)} scenario. "
                f"Its steps are: {allowed}."
            )
        existing = _confirmed(c.cancellation, key)
        if existing is not None:
            raise Conflict(
                f"'{label}' was already confirmed by {display_name(existing.done_by_id)} on "
                f"{when(existing.done_at)}. Nothing was changed."
            )
        section = _section_steps(scenario, key, playbook)
        for earlier in section[: section.index(key)]:
            if _confirmed(c.cancellation, earlier) is None:
                raise Conflict(
                    f"'{label}' cannot be confirmed before '{step_label(earlier, playbook)}'. "
                    "Confirm that step first."
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
        rule = playbook.steps[key]
        mailed = _queue_step_email(c, rule, playbook) if rule.template else ""
        return c.outcome(f"Confirmed: {label}.{mailed}", 1)


def unconfirm_step(
    login: str, account: str, step: str, *, expected_version: int | None = None
) -> Outcome:
    """Take back a confirmation made by mistake (a later step of its section first; undo, while
    the cancellation is pending only); the audit trail keeps both. An e-mail the step queued stays in the outbox (withdraw it there)."""
    with change(
        login,
        account,
        expected_version,
        doing="take back a step",
        refusing=refuse_undo_once_processed,
        part=_step_part(step),
    ) as c:
        playbook = playbook_of(c.cancellation)
        key = _step_key(step, playbook)
        label = step_label(key, playbook)
        existing = _confirmed(c.cancellation, key)
        if existing is None:
            raise Conflict(f"'{label}' is not confirmed, so there is nothing to take back.")
        section = _section_steps(str(c.cancellation.scenario), key, playbook)
        later = section[section.index(key) + 1 :] if key in section else ()
        for after in later:
            if _confirmed(c.cancellation, after) is not None:
                raise Conflict(
                    f"Take back '{step_label(after, playbook)}' first: it rests on this step."
                )
        before = {"step": key, "by": display_name(existing.done_by_id), "note": existing.note}
        existing.delete_instance()
        c.audit("take back step", record_kind="step", record_id=existing.id, before=before)
        return c.outcome(f"Taken back: {label}.")


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
        if not sends_notice(str(c.cancellation.scenario), playbook_of(c.cancellation)):
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
            after={
                "kind": OFFBOARDING_NOTICE,
                "to": message.recipients,
                "subject": message.subject,
            },
        )
        return c.outcome(
            f"Offboarding notice to {message.recipients} queued. Admin notified turns green once "
            "it is sent.",
            1,
        )
