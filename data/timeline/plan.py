"""The termination plan: its text format, the parser that checks a plan whole (PlanError names
the file and the line of the first thing wrong), and the plan in use: a case's own
(``case_plan``: the plan of the playbook it was begun with) and the one in force
(``plan_in_force``). An old-format plan named in the configuration (``use_plan``) still
replaces the playbook's plan, for every case.

A plan is a text file (``data/plans/termination.plan``; an organisation may name its own in the
configuration): one task per line, ``key | task | parties | due rule | completed by``."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from data import outbox
from data.errors import InvalidInput
from data.models import DoneBy, key_named
from data.playbook.model import Milestone
from data.timeline.schedule import Anchor, DayUnit, DueRule

if TYPE_CHECKING:
    from data.models import Cancellation
    from data.playbook.model import Playbook

PLANS = Path(__file__).parent.parent / "plans"
DEFAULT_PLAN = PLANS / "termination.plan"


# The teams and roles a plan may name (seed 000's scope).
PARTIES: dict[str, str] = {
    "customer": "Customer",
    "account_team": "Account Team",
    "order_management": "Order Management",
    "legal": "Legal",
    "termination_team": "Termination Team",
    "customer_operations": "Customer Operations",
    "finance": "Finance",
    "marketing": "Marketing",
    "sales_ops": "Sales Operations",
    "security": "Security",
    "infrastructure": "Infrastructure Engineering Provisioning",
    "customer_success": "Customer Success",
}

ANCHORS: dict[Anchor, str] = {
    Anchor.BEGIN: "Begin",
    Anchor.EFFECTIVE: "the effective date",
}


COMPLETIONS: dict[str, str] = {
    DoneBy.HAND: "ticked on the Timeline",
    DoneBy.DEACTIVATION: "recording the deactivation of access (Access & data)",
    DoneBy.DECISION: "recording the account team's decision (Access & data)",
    DoneBy.PURGE: "recording the data purge (Access & data)",
    DoneBy.SIGN_OFFS: "the termination team's sign-offs (Sign-offs)",
    DoneBy.EMAIL: "writing and queueing its e-mail (e on the Timeline)",
    DoneBy.PROCESS: "Process",
}


KEY_LIMIT = 48


@dataclass(frozen=True)
class PlanTask:
    key: str
    title: str
    parties: tuple[str, ...]
    rule: DueRule
    completed_by: str
    template: str | None = None
    line: int = 0
    # The milestone this task must be done before (a playbook says; the old plan format cannot).
    gates: Milestone = Milestone.CLOSE
    # For a task done by an e-mail: the parties copied in.
    cc: tuple[str, ...] = ()
    # For a task done by an e-mail: the parties it is addressed to, when they are not the
    # parties responsible for it (the final termination e-mail: Order Management sends it to
    # the Account Team); empty: its parties.
    to: tuple[str, ...] = ()
    # The parties' labels as the playbook names them (empty: the old plan format's PARTIES).
    party_labels: tuple[str, ...] = ()

    @property
    def party_names(self) -> str:
        if self.party_labels:
            return ", ".join(self.party_labels)
        return ", ".join(PARTIES.get(party, party) for party in self.parties)

    @property
    def by_hand(self) -> bool:
        return self.completed_by == DoneBy.HAND


@dataclass(frozen=True)
class Plan:
    source: str
    tasks: tuple[PlanTask, ...]

    def task(self, key_or_title: str) -> PlanTask:
        key = key_named(key_or_title, {task.key: task.title for task in self.tasks})
        for task in self.tasks:
            if task.key == key:
                return task
        keys = ", ".join(task.key for task in self.tasks)
        raise InvalidInput(f"'{key_or_title}' is not a task of the plan. Its tasks are: {keys}.")


class PlanError(InvalidInput):
    """A plan file that cannot be used; the message names the file and the line."""


_RULE = re.compile(
    r"^(?:(?P<amount>\d{1,4})\s+(?P<unit>days?|hours?|weeks?)\s+(?P<direction>before|after)"
    r"|day\s+(?P<day>\d{1,4})\s+(?:after|of)"
    r"|on)"
    r"\s+(?:the\s+)?(?P<anchor>[a-z_-]+)(?:\s+date)?(?:\s*,?\s*\(?local time\)?)?$"
)


def parse_rule(text: str) -> DueRule:
    """A due rule from its words; InvalidInput says what is wrong."""
    words = " ".join((text or "").split()).casefold()
    match = _RULE.match(words)
    if match is None:
        raise InvalidInput(
            f"'{text.strip()}' is not a due rule. Write '30 days before effective', "
            "'72 hours before effective', 'day 4 after begin' or 'on effective'."
        )
    if match["anchor"] not in ANCHORS:
        known = ", ".join(ANCHORS)
        raise InvalidInput(
            f"'{match['anchor']}' is not an anchor of a due rule. Use one of: {known}."
        )
    anchor = Anchor(match["anchor"])
    if match["day"] is not None:
        day = int(match["day"])
        if day < 1:
            raise InvalidInput(f"'{text.strip()}': days are counted from day 1 (the anchor's day).")
        return DueRule(words, anchor, day - 1, DayUnit.DAY)
    if match["amount"] is None:
        return DueRule(words, anchor, 0, DayUnit.DAY)
    amount = int(match["amount"]) * (-1 if match["direction"] == "before" else 1)
    unit = match["unit"].rstrip("s")
    if unit == "week":
        return DueRule(words, anchor, amount * 7, DayUnit.DAY)
    return DueRule(words, anchor, amount, DayUnit(unit))


def parse_plan(text: str, source: str = "the plan") -> Plan:
    """A plan from its text; PlanError names the line of the first thing wrong with it."""
    templates = set(outbox.available_templates())
    tasks: list[PlanTask] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue

        def fail(problem: str, number: int = number) -> PlanError:
            return PlanError(f"{source}, line {number}: {problem}")

        fields = [part.strip() for part in line.split("|")]
        if len(fields) != 5:
            raise fail(
                f"expected 5 fields separated by '|' (key | task | parties | due rule | "
                f"completed by), found {len(fields)}."
            )
        key, title, parties_text, rule_text, completion_text = fields
        if not re.fullmatch(r"[a-z][a-z0-9_]*", key) or len(key) > KEY_LIMIT:
            raise fail(f"'{key}' is not a task key (a-z, 0-9 and _, at most {KEY_LIMIT}).")
        if key in seen:
            raise fail(f"the key '{key}' is used twice (first on line {seen[key]}).")
        if not title:
            raise fail("the task has no description.")
        parties = tuple(part.strip() for part in parties_text.split(",") if part.strip())
        if not parties:
            raise fail("the task names no responsible party.")
        for party in parties:
            if party not in PARTIES:
                known = ", ".join(PARTIES)
                raise fail(f"'{party}' is not a responsible party. Use one of: {known}.")
        try:
            rule = parse_rule(rule_text)
        except InvalidInput as error:
            raise fail(str(error)) from None
        completion, _, template = completion_text.partition(" ")
        template = template.strip()
        if completion not in COMPLETIONS:
            known = ", ".join(COMPLETIONS)
            raise fail(f"'{completion}' is not how a task is completed. Use one of: {known}.")
        if completion == DoneBy.EMAIL:
            if not template:
                raise fail("'e-mail' needs the template it sends, as in 'e-mail final_notice'.")
            if template not in templates:
                known = ", ".join(sorted(templates))
                raise fail(f"there is no e-mail template '{template}'. Templates: {known}.")
        elif template:
            raise fail(f"only 'e-mail' takes a template; '{completion}' does not.")
        seen[key] = number
        tasks.append(PlanTask(key, title, parties, rule, completion, template or None, line=number))
    if not tasks:
        raise PlanError(f"{source} has no tasks: write one task per line.")
    return Plan(source, tuple(tasks))


def load_plan(path: str | Path) -> Plan:
    where = Path(path).expanduser()
    try:
        text = where.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PlanError(f"There is no plan file at {where}.") from None
    except UnicodeDecodeError:
        raise PlanError(f"The plan file {where} is not UTF-8 text.") from None
    except OSError as error:
        raise PlanError(f"The plan file {where} cannot be read: {error.strerror}.") from None
    return parse_plan(text, str(where))


_plan_lock = threading.Lock()
_plan: Plan | None = None
# Whether the plan in use was named in the configuration (the old ``plan`` setting): it then
# replaces the playbook's plan for every case.
_named = False


def use_plan(path: str | Path | None) -> Plan:
    """Load and use the organisation's old-format plan (``None``: the shipped one, and the
    playbook's plan drives the cases); a bad file is refused whole and the plan in use stays as
    it was."""
    global _plan, _named
    plan = load_plan(path if path is not None else DEFAULT_PLAN)
    with _plan_lock:
        _plan = plan
        _named = path is not None
    return plan


def current_plan() -> Plan:
    """The old-format plan file in use (the shipped one unless the configuration names one)."""
    global _plan
    with _plan_lock:
        if _plan is None:
            _plan = load_plan(DEFAULT_PLAN)
        return _plan


def _named_plan() -> Plan | None:
    with _plan_lock:
        return _plan if _named else None


def playbook_of(cancellation: Cancellation | None) -> Playbook:
    """The playbook a cancellation runs on (the version it was begun with); the one in force
    without a cancellation."""
    from data.playbook import current_playbook
    from data.playbook.store import playbook_for

    return playbook_for(cancellation) if cancellation is not None else current_playbook()


def playbooks_of(cancellations: Sequence[Cancellation]) -> dict[int, Playbook]:
    """The playbooks of many cancellations by id, read in one query whatever their number."""
    from data.models import PlaybookVersion
    from data.playbook import current_playbook
    from data.playbook.store import _parse

    wanted = sorted(
        {int(c.playbook_version_id) for c in cancellations if c.playbook_version_id is not None}
    )
    versions = (
        {
            int(version.id): version
            for version in PlaybookVersion.select().where(PlaybookVersion.id.in_(wanted))
        }
        if wanted
        else {}
    )
    in_force = current_playbook()
    found: dict[int, Playbook] = {}
    for cancellation in cancellations:
        version = versions.get(cancellation.playbook_version_id or 0)
        parsed = _parse(version) if version is not None else None
        found[int(cancellation.id)] = parsed if parsed is not None else in_force
    return found


def plan_of(playbook: Playbook) -> Plan:
    """The plan of a playbook, unless an old-format plan named in the configuration replaces it."""
    return _named_plan() or playbook.plan


def case_plan(cancellation: Cancellation) -> Plan:
    """The plan a case runs on: its playbook's (the version it was begun with)."""
    return plan_of(playbook_of(cancellation))


def plan_in_force() -> Plan:
    """The plan new cases are begun with: the playbook's in force (``offboard plan``)."""
    return plan_of(playbook_of(None))
