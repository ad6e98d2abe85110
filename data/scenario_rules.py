"""A cancellation's scenario as the playbook it runs on writes it: the scenarios, their
sections and steps (what each section waits for), the steps confirmed on a case, and the
offboarding notices that tell the admin.

``data.rules`` puts these sections in the tool's order; the names here are read from there too."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from data.dates import when
from data.errors import InvalidInput
from data.models import (
    Audience,
    Cancellation,
    OutboxMessage,
    OutboxStatus,
    Scenario,
    ScenarioStep,
    Step,
    User,
    key_named,
)
from data.playbook.model import Playbook, ScenarioRule, ScenarioSection, ScenarioSectionKind
from data.sections import Section, SectionKey, SectionState
from data.statements import select
from data.timeline import playbook_of

# The default playbook's scenario sections and steps (seed 001), as the shipped
# playbooks/default.toml writes them; what a case has comes from its playbook.
SCENARIO_SECTION_NAMES: dict[str, str] = {
    SectionKey.FINAL_AMOUNT: "Final amount paid",
    SectionKey.BILL_TILL_PAYOUT: "Bill till Payout set",
    SectionKey.AUTO_RENEWAL: "Auto-renewal billing disabled",
    SectionKey.ADMIN_NOTIFIED: "Admin notified",
    SectionKey.NO_CONTACT: "No contact (collections)",
    SectionKey.CSM_TOLD: "CSM told",
}
SCENARIO_SECTIONS: dict[str, tuple[str, ...]] = {
    Scenario.BUYOUT: (SectionKey.FINAL_AMOUNT, SectionKey.ADMIN_NOTIFIED),
    Scenario.NON_RENEWAL: (
        SectionKey.BILL_TILL_PAYOUT,
        SectionKey.AUTO_RENEWAL,
        SectionKey.ADMIN_NOTIFIED,
    ),
    Scenario.COLLECTIONS: (SectionKey.NO_CONTACT, SectionKey.CSM_TOLD),
}
SECTION_STEPS: dict[str, tuple[str, ...]] = {
    SectionKey.FINAL_AMOUNT: (Step.FINAL_AMOUNT_EMAIL, Step.PAYMENT_CONFIRMED),
    SectionKey.BILL_TILL_PAYOUT: (Step.BILL_TILL_PAYOUT,),
    SectionKey.AUTO_RENEWAL: (Step.AUTO_RENEWAL_DISABLED,),
    SectionKey.ADMIN_NOTIFIED: (Step.ADMIN_NOTIFIED,),
    SectionKey.CSM_TOLD: (Step.CSM_TOLD,),
}
OFFBOARDING_NOTICE = "offboarding-notice"


def _in_force(playbook: Playbook | None) -> Playbook:
    return playbook if playbook is not None else playbook_of(None)


def scenario_rule(scenario: str, playbook: Playbook | None = None) -> ScenarioRule | None:
    """The playbook's scenario (the one in force by default); None for a key it does not have."""
    return _in_force(playbook).scenarios.get(str(scenario))


def scenario_label(scenario: str, playbook: Playbook | None = None) -> str:
    rule = scenario_rule(scenario, playbook)
    return rule.label if rule is not None else str(scenario)


def scenario_choices(playbook: Playbook | None = None) -> list[tuple[str, str]]:
    """The playbook's scenarios as (label, key), in its order."""
    return [(rule.label, key) for key, rule in _in_force(playbook).scenarios.items()]


def scenario_steps(scenario: str, playbook: Playbook | None = None) -> tuple[str, ...]:
    """The steps a scenario's sections ask someone to confirm, in order."""
    rule = scenario_rule(scenario, playbook)
    return rule.steps if rule is not None else ()


def step_label(step: str, playbook: Playbook | None = None) -> str:
    rule = _in_force(playbook).steps.get(str(step))
    return rule.label if rule is not None else str(step)


def sends_notice(scenario: str, playbook: Playbook | None = None) -> bool:
    """Whether the scenario tells the admin (it has a "notified" section): the offboarding
    notice may be written."""
    rule = scenario_rule(scenario, playbook)
    return rule is not None and any(
        section.kind is ScenarioSectionKind.NOTIFIED for section in rule.sections
    )


def scenario_section(
    scenario: str, key: str, playbook: Playbook | None = None
) -> ScenarioSection | None:
    """A section of the scenario by its key."""
    rule = scenario_rule(scenario, playbook)
    return next((s for s in rule.sections if s.key == key), None) if rule is not None else None


def scenario_key(text: str, playbook: Playbook | None = None) -> str:
    """A scenario of the playbook (the one in force by default) named by its key or its label,
    any case; InvalidInput lists the choices."""
    labels = {key: rule.label for key, rule in _in_force(playbook).scenarios.items()}
    key = key_named(text, labels)
    if key is not None:
        return key
    choices = ", ".join(f"{key} ({label})" for key, label in labels.items())
    raise InvalidInput(f"'{text}' is not a scenario. Choose one of: {choices}.")


@dataclass(frozen=True)
class StepDone:
    """A confirmed step: who, when, and what they noted."""

    step: str
    title: str
    by: str
    at: dt.datetime
    note: str

    def line(self) -> str:
        return f"{self.title} ({self.by}, {when(self.at)})"


def steps_done(cancellation: Cancellation, playbook: Playbook | None = None) -> dict[str, StepDone]:
    """The scenario steps confirmed on a cancellation, by step, labelled as its playbook does."""
    playbook = playbook or playbook_of(cancellation)
    rows: Any = select(
        ScenarioStep,
        "rules.steps_done",
        lambda cancellation_id: (
            ScenarioStep.select(
                ScenarioStep.step, User.display_name, ScenarioStep.done_at, ScenarioStep.note
            )
            .join(User, on=(ScenarioStep.done_by == User.id))
            .where(ScenarioStep.cancellation == cancellation_id)
        ),
        int(cancellation.id),
    ).tuples()
    return {
        str(step): StepDone(str(step), step_label(str(step), playbook), str(by), at, str(note))
        for step, by, at, note in rows
    }


def offboarding_notices(cancellation: Cancellation) -> list[OutboxMessage]:
    """The cancellation's offboarding notices to the admin, latest first (a handful at most)."""
    query = select(
        OutboxMessage,
        "rules.offboarding_notices",
        lambda cancellation_id: (
            OutboxMessage.select(
                OutboxMessage.id,
                OutboxMessage.status,
                OutboxMessage.recipients,
                OutboxMessage.sent_at,
                OutboxMessage.created_at,
                OutboxMessage.last_error,
            )
            .where(
                (OutboxMessage.cancellation == cancellation_id)
                & (OutboxMessage.kind == OFFBOARDING_NOTICE)
                & (OutboxMessage.audience == Audience.CUSTOMER)
            )
            .order_by(OutboxMessage.id.desc())
        ),
        int(cancellation.id),
    )
    return list(query)


def latest_notice(
    cancellation: Cancellation,
    *,
    sent: bool = False,
    notices: Sequence[OutboxMessage] | None = None,
) -> OutboxMessage | None:
    """The cancellation's latest offboarding notice to the admin (the latest sent one, if
    ``sent``); ``notices`` are its notices, latest first, when the caller has read them."""
    if notices is None:
        notices = offboarding_notices(cancellation)
    return next((n for n in notices if not sent or n.status == OutboxStatus.SENT), None)


def _step_section(
    section: ScenarioSection, done: dict[str, StepDone], playbook: Playbook
) -> Section:
    steps = section.steps
    missing = [step for step in steps if step not in done]
    confirmed = [done[step] for step in steps if step in done]
    if not missing:
        # The last step rests on the earlier ones (no payment before the final-amount e-mail).
        summary = confirmed[-1].line()
        return Section(section.key, section.label, SectionState.CLEAR, summary, 0, len(steps))
    rule = playbook.steps.get(missing[0])
    waiting = (rule.waiting if rule is not None else "") or (
        f"not confirmed yet: {step_label(missing[0], playbook)}"
    )
    summary = "; ".join([step.line() for step in confirmed] + [waiting])
    return Section(
        section.key,
        section.label,
        SectionState.BLOCKING,
        summary[:1].upper() + summary[1:],
        len(missing),
        len(steps),
    )


def _admin_notified_section(
    cancellation: Cancellation, done: dict[str, StepDone], section: ScenarioSection
) -> Section:
    key, name = section.key, section.label
    # Once one notice went out the admin was told, whatever a later correction does.
    notices = offboarding_notices(cancellation)
    sent = latest_notice(cancellation, sent=True, notices=notices)
    if sent is not None:
        summary = f"Offboarding notice sent to {sent.recipients} on {when(sent.sent_at)}"
        return Section(key, name, SectionState.CLEAR, summary, 0, 1)
    notice = latest_notice(cancellation, notices=notices)
    told = next((done[step] for step in section.steps if step in done), None)
    if told is not None:
        return Section(key, name, SectionState.CLEAR, told.line(), 0, 1)
    if notice is None:
        summary = "No offboarding notice yet: write one or record a call"
    elif notice.status in (OutboxStatus.QUEUED, OutboxStatus.SENDING):
        retry = f" (last try failed: {notice.last_error})" if notice.last_error else ""
        # Green only once it is sent: say so, and where it can be seen go out.
        summary = (
            f"Offboarding notice to {notice.recipients} queued, not sent yet{retry}; "
            "green once it is sent (see the Outbox)"
        )
    elif notice.status == OutboxStatus.FAILED:
        summary = f"Offboarding notice failed: {notice.last_error or 'no reason given'}"
    else:
        summary = "Offboarding notice withdrawn: write a new one or record a call"
    return Section(key, name, SectionState.BLOCKING, summary, 1, 1)


def scenario_sections(
    cancellation: Cancellation,
    done: dict[str, StepDone] | None = None,
    playbook: Playbook | None = None,
) -> list[Section]:
    """The sections the cancellation's scenario adds, as its playbook writes them; ``done`` are
    its confirmed steps, when the caller has read them already."""
    playbook = playbook or playbook_of(cancellation)
    rule = playbook.scenarios.get(str(cancellation.scenario))
    if rule is None:
        return []
    if done is None:
        done = steps_done(cancellation, playbook) if rule.steps else {}
    sections = []
    for section in rule.sections:
        if section.kind is ScenarioSectionKind.NOTE:
            sections.append(Section(section.key, section.label, SectionState.NOTE, section.note, 0))
        elif section.kind is ScenarioSectionKind.NOTIFIED:
            sections.append(_admin_notified_section(cancellation, done, section))
        else:
            sections.append(_step_section(section, done, playbook))
    return sections
