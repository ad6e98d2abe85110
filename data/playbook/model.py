"""What a playbook is: the organisation's off-boarding procedure as data — its parties, sign-off
teams, scenario steps and sections, which sections of the tool block, and the plan of tasks, each
gating one of the two milestones (Process, Close the termination case).

Only the shapes live here; reading a TOML file into them is ``data.playbook.load``'s job."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from data.playbook.approval import ApprovalChain
    from data.timeline.plan import Plan, PlanTask
    from data.timeline.schedule import DueRule


class Milestone(StrEnum):
    """The two milestones of a cancellation: Process cancels the customer record (seed 002);
    Close ends the termination case (seed 000, day 33: Former Customer)."""

    PROCESS = "process"
    CLOSE = "close"


class SectionUse(StrEnum):
    """How the tool uses one of its sections: red keeps Process back, shown only, or not shown."""

    BLOCKS = "blocks"
    SHOWN = "shown"
    HIDDEN = "hidden"


class ScenarioSectionKind(StrEnum):
    """What a scenario's section checks: confirmed steps in order, the admin told (a sent
    offboarding notice or a confirmed step), or a note that never blocks."""

    STEPS = "steps"
    NOTIFIED = "notified"
    NOTE = "note"


@dataclass(frozen=True)
class Party:
    """A team or role the playbook names; ``email`` are the addresses that reach it (may be
    empty: a party that is only named)."""

    key: str
    label: str
    email: tuple[str, ...] = ()


@dataclass(frozen=True)
class SignOffTeam:
    """One sign-off of the termination team: what is confirmed (``label``), by whom (``team``);
    the ``final`` one comes last."""

    key: str
    label: str
    team: str
    final: bool = False


@dataclass(frozen=True)
class StepRule:
    """A step a scenario asks someone to confirm. ``waiting`` is what the tool says until it is;
    a step with a ``template`` is an e-mail queued to ``to`` (cc ``cc``) parties when confirmed."""

    key: str
    label: str
    waiting: str = ""
    template: str | None = None
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScenarioSection:
    key: str
    label: str
    kind: ScenarioSectionKind = ScenarioSectionKind.STEPS
    steps: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class ScenarioRule:
    """One way a customer leaves (seed 001) and the sections it adds to the tool."""

    key: str
    label: str
    sections: tuple[ScenarioSection, ...] = ()
    no_contact: bool = False
    deactivate_at_once: bool = False

    @property
    def steps(self) -> tuple[str, ...]:
        """Every step the scenario's sections ask for, in order."""
        return tuple(step for section in self.sections for step in section.steps)

    @property
    def notified_step(self) -> str | None:
        """The step that means "the admin was told" (in its NOTIFIED section), if any."""
        for section in self.sections:
            if section.kind is ScenarioSectionKind.NOTIFIED and section.steps:
                return section.steps[0]
        return None


@dataclass(frozen=True)
class Playbook:
    """The procedure in force. ``text`` is the file's content and ``digest`` its SHA-256: a
    cancellation keeps the version it was begun with."""

    name: str
    source: str
    text: str
    digest: str
    parties: Mapping[str, Party]
    sign_offs: tuple[SignOffTeam, ...]
    steps: Mapping[str, StepRule]
    scenarios: Mapping[str, ScenarioRule]
    default_scenario: str
    sections: Mapping[str, SectionUse]
    plan: Plan
    close_due: DueRule | None = None
    extra: Mapping[str, str] = field(default_factory=dict)
    # The change requests' approval chain (issue 15): None when the playbook has no [approval].
    approval: ApprovalChain | None = None

    def use(self, section: str) -> SectionUse:
        """How the tool uses a section; a section the playbook does not name blocks."""
        return self.sections.get(section, SectionUse.BLOCKS)

    @property
    def final_sign_off(self) -> SignOffTeam | None:
        return next((team for team in self.sign_offs if team.final), None)

    @property
    def has_timeline(self) -> bool:
        return bool(self.plan.tasks)

    def gating(self, milestone: Milestone) -> tuple[PlanTask, ...]:
        """The plan's tasks that must be done before ``milestone``."""
        return tuple(task for task in self.plan.tasks if task.gates == milestone)

    @property
    def needs_close(self) -> bool:
        """False when nothing gates Close: Process then closes the termination case too."""
        return bool(self.gating(Milestone.CLOSE))

    def party_labels(self, keys: tuple[str, ...]) -> str:
        return ", ".join(self.parties[key].label if key in self.parties else key for key in keys)

    def addresses(self, keys: tuple[str, ...]) -> tuple[str, ...]:
        """The e-mail addresses of parties, in order, each once."""
        seen: dict[str, None] = {}
        for key in keys:
            party = self.parties.get(key)
            for address in party.email if party else ():
                seen.setdefault(address, None)
        return tuple(seen)
