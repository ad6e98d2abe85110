"""Reading a playbook file: ``parse_playbook`` checks a TOML text whole and builds the Playbook;
anything wrong is a PlaybookError (data.playbook.checks) whose one line names the file, the
line and the key, and how to fix it. Nothing is written anywhere."""

from __future__ import annotations

import hashlib
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from data.input_files import FileRefused, parse_toml, read_text_limited
from data.models import DoneBy
from data.playbook.approval import parse_approval
from data.playbook.checks import (
    ADDRESS,
    NAME_LIMIT,
    Checker,
    PlaybookError,
    choices,
    syntax_error,
)
from data.playbook.lines import KeyPath, locate
from data.playbook.model import (
    Milestone,
    Party,
    Playbook,
    ScenarioRule,
    ScenarioSection,
    ScenarioSectionKind,
    SectionUse,
    SignOffTeam,
    StepRule,
)

if TYPE_CHECKING:
    from data.timeline.plan import PlanTask

__all__ = ["TOOL_SECTIONS", "PlaybookError", "load_playbook", "parse_playbook"]

# The tool's own sections, which [sections] may name (a scenario's sections are its own).
TOOL_SECTIONS = (
    "reasons",
    "ownership",
    "expiry",
    "assets",
    "cases",
    "opportunities",
    "quotations",
    "sales_orders",
    "timeline",
    "sign_offs",
    "access_data",
    "mood",
    "retention",
    "approval",
)
# A section the file does not name blocks, but for the mood: it never held Process back.
DEFAULT_USE = {"mood": SectionUse.SHOWN}

TABLES = (
    "playbook",
    "sections",
    "parties",
    "sign_offs",
    "steps",
    "scenarios",
    "tasks",
    "approval",
)
PLAYBOOK_KEYS = ("name", "default_scenario", "close_due")
PARTY_KEYS = ("label", "email")
SIGN_OFF_KEYS = ("key", "label", "team", "final")
STEP_KEYS = ("label", "waiting", "template", "to", "cc")
SCENARIO_KEYS = ("key", "label", "no_contact", "deactivate_at_once", "sections")
SECTION_KEYS = ("key", "label", "kind", "steps", "note")
TASK_KEYS = ("key", "title", "parties", "due", "completed_by", "template", "to", "cc", "gates")


def _parties(check: Checker, document: dict[str, Any]) -> dict[str, Party]:
    parties: dict[str, Party] = {}
    for key, value in check.mapping(document, "parties", "[parties.KEY] tables").items():
        path: KeyPath = ("parties", key)
        check.check_key(key, path, "party")
        table = check.table(value, path, PARTY_KEYS, "a party")
        email = check.words(table, path, "email")
        for number, address in enumerate(email):
            if not ADDRESS.fullmatch(address):
                where = (*path, "email") if len(email) == 1 else (*path, "email", number)
                raise check.error(
                    where, f"'{address}' is not an e-mail address (name@example.com)."
                )
        parties[key] = Party(key, check.text(table, path, "label"), email)
    return parties


def _steps(
    check: Checker, document: dict[str, Any], parties: dict[str, Party], templates: list[str]
) -> dict[str, StepRule]:
    steps: dict[str, StepRule] = {}
    for key, value in check.mapping(document, "steps", "[steps.KEY] tables").items():
        path: KeyPath = ("steps", key)
        check.check_key(key, path, "step")
        table = check.table(value, path, STEP_KEYS, "a step")
        template = check.text(table, path, "template", required=False)
        to, cc = check.words(table, path, "to"), check.words(table, path, "cc")
        check.parties_named(parties, to, (*path, "to"))
        check.parties_named(parties, cc, (*path, "cc"))
        if template:
            check.choice(template, (*path, "template"), templates, "an e-mail template")
            if not to:
                raise check.error(path, 'a step that sends an e-mail needs to = ["party", …].')
            check.reached(parties, to, (*path, "to"))
        elif to or cc:
            raise check.error(
                (*path, "to" if to else "cc"),
                "to and cc are for a step that sends an e-mail: add its template, or remove them.",
            )
        label = check.text(table, path, "label")
        waiting = check.text(table, path, "waiting", required=False)
        steps[key] = StepRule(key, label, waiting, template or None, to, cc)
    return steps


def _sign_offs(check: Checker, document: dict[str, Any]) -> tuple[SignOffTeam, ...]:
    teams: list[SignOffTeam] = []
    seen: dict[str, KeyPath] = {}
    for number, table in enumerate(
        check.tables(document, "sign_offs", SIGN_OFF_KEYS, "a sign-off")
    ):
        path: KeyPath = ("sign_offs", number)
        key = check.key(table, path, "sign-off")
        check.unique(seen, key, (*path, "key"), "sign-off")
        label, team = check.text(table, path, "label"), check.text(table, path, "team")
        teams.append(SignOffTeam(key, label, team, check.flag(table, path, "final")))
    finals = [number for number, team in enumerate(teams) if team.final]
    if teams and not finals:
        raise check.error(
            ("sign_offs", len(teams) - 1),
            "no sign-off is the final one: add final = true to the last [[sign_offs]].",
        )
    if len(finals) > 1:
        first = check.lines.line_of(("sign_offs", finals[0], "final"))
        raise check.error(
            ("sign_offs", finals[1], "final"),
            f"only one sign-off is final (one already is, on line {first}): remove one.",
        )
    if finals and finals[0] != len(teams) - 1:
        raise check.error(
            ("sign_offs", finals[0], "final"),
            "the final sign-off comes last: move this [[sign_offs]] after the others.",
        )
    return tuple(teams)


def _scenario_sections(
    check: Checker, table: dict[str, Any], path: KeyPath, steps: dict[str, StepRule]
) -> tuple[ScenarioSection, ...]:
    listed = table.get("sections", [])
    if not isinstance(listed, list):
        raise check.error(
            (*path, "sections"),
            "write each section as its own [[scenarios.sections]] table after its [[scenarios]].",
        )
    if not listed:
        raise check.error(
            path,
            "the scenario has no sections: add a [[scenarios.sections]] after it, with the steps "
            "it asks for (or a note).",
        )
    sections: list[ScenarioSection] = []
    seen: dict[str, KeyPath] = {}
    asked: dict[str, KeyPath] = {}
    for number, item in enumerate(listed):
        where: KeyPath = (*path, "sections", number)
        section = check.table(item, where, SECTION_KEYS, "a scenario's section")
        key = check.key(section, where, "section")
        if key in TOOL_SECTIONS:
            raise check.error(
                (*where, "key"),
                f"'{key}' is a section of the tool itself: name this one otherwise.",
            )
        check.unique(seen, key, (*where, "key"), "section")
        label = check.text(section, where, "label")
        written = check.text(section, where, "kind", required=False) or ScenarioSectionKind.STEPS
        kinds = list(ScenarioSectionKind)
        kind = ScenarioSectionKind(check.choice(written, (*where, "kind"), kinds, "a kind"))
        names = check.words(section, where, "steps")
        note = check.text(section, where, "note", required=False)
        if kind is ScenarioSectionKind.NOTE:
            if names:
                raise check.error(
                    (*where, "steps"),
                    'a note asks for no steps: remove steps, or make it kind = "steps".',
                )
            if not note:
                raise check.error(where, 'a note section shows its note: add note = "…".')
        elif not names:
            raise check.error(
                where, f'a {kind} section needs the steps it asks for: add steps = ["…"].'
            )
        elif kind is ScenarioSectionKind.NOTIFIED and len(names) > 1:
            raise check.error(
                (*where, "steps"),
                "a notified section has one step: the one that means the admin was told.",
            )
        for index, step in enumerate(names):
            at = (*where, "steps") if len(names) == 1 else (*where, "steps", index)
            if step not in steps:
                known = list(steps)
                raise check.error(
                    at, f"'{step}' is not a step; {choices(step, known)} (or add [steps.{step}])."
                )
            check.unique(asked, step, at, "step")
        sections.append(ScenarioSection(key, label, kind, names, note))
    return tuple(sections)


def _scenarios(
    check: Checker, document: dict[str, Any], steps: dict[str, StepRule]
) -> dict[str, ScenarioRule]:
    scenarios: dict[str, ScenarioRule] = {}
    seen: dict[str, KeyPath] = {}
    for number, table in enumerate(
        check.tables(document, "scenarios", SCENARIO_KEYS, "a scenario")
    ):
        path: KeyPath = ("scenarios", number)
        key = check.key(table, path, "scenario")
        check.unique(seen, key, (*path, "key"), "scenario")
        scenarios[key] = ScenarioRule(
            key,
            check.text(table, path, "label"),
            _scenario_sections(check, table, path, steps),
            no_contact=check.flag(table, path, "no_contact"),
            deactivate_at_once=check.flag(table, path, "deactivate_at_once"),
        )
    if not scenarios:
        raise check.error(
            (), "there are no [[scenarios]]: a cancellation is begun with one; add at least one."
        )
    return scenarios


def _tasks(
    check: Checker,
    document: dict[str, Any],
    parties: dict[str, Party],
    sign_offs: tuple[SignOffTeam, ...],
    templates: list[str],
) -> tuple[PlanTask, ...]:
    from data.timeline.plan import COMPLETIONS, PlanTask

    tasks: list[PlanTask] = []
    seen: dict[str, KeyPath] = {}
    for number, table in enumerate(check.tables(document, "tasks", TASK_KEYS, "a task")):
        path: KeyPath = ("tasks", number)
        key = check.key(table, path, "task")
        check.unique(seen, key, (*path, "key"), "task")
        title = check.text(table, path, "title")
        names = check.words(table, path, "parties")
        if not names:
            raise check.error(path, 'a task names who does it: add parties = ["…"].')
        check.parties_named(parties, names, (*path, "parties"))
        due = check.rule(table, path, "due")
        written = check.text(table, path, "completed_by", required=False) or DoneBy.HAND
        how = check.choice(
            written, (*path, "completed_by"), list(COMPLETIONS), "how a task is completed"
        )
        if "gates" not in table:
            raise check.error(
                path,
                'the task gates no milestone: add gates = "process" (done before Process) or '
                'gates = "close" (done before the termination case is closed).',
            )
        gates = Milestone(
            check.choice(
                check.text(table, path, "gates"), (*path, "gates"), list(Milestone), "a milestone"
            )
        )
        template = check.text(table, path, "template", required=False)
        to, cc = check.words(table, path, "to"), check.words(table, path, "cc")
        check.parties_named(parties, to, (*path, "to"))
        check.parties_named(parties, cc, (*path, "cc"))
        if how == DoneBy.EMAIL:
            if not template:
                raise check.error(path, 'an e-mail task sends a template: add template = "…".')
            check.choice(template, (*path, "template"), templates, "an e-mail template")
            check.reached(parties, to or names, (*path, "to") if to else (*path, "parties"))
        else:
            for extra in ("template", "to", "cc"):
                if table.get(extra):
                    raise check.error(
                        (*path, extra),
                        f'only a task with completed_by = "e-mail" has {extra}: remove it, or '
                        "make the task an e-mail.",
                    )
        if how == DoneBy.SIGN_OFFS and not sign_offs:
            raise check.error(
                (*path, "completed_by"),
                "there are no [[sign_offs]], so this task could never be done: add them, or "
                "complete the task otherwise.",
            )
        if how == DoneBy.PROCESS and gates is Milestone.PROCESS:
            raise check.error(
                (*path, "gates"),
                'a task done by Process cannot be needed before it: gates = "close".',
            )
        tasks.append(
            PlanTask(
                key,
                title,
                names,
                due,
                how,
                template or None,
                line=check.lines.line_of(path),
                gates=gates,
                cc=cc,
                to=to,
                party_labels=tuple(parties[name].label for name in names),
            )
        )
    return tuple(tasks)


def parse_playbook(text: str, source: str = "the playbook") -> Playbook:
    """A playbook from its TOML text; PlaybookError names the line of the first thing wrong."""
    # Imported here: data.timeline's plan imports this package (its tasks gate a Milestone).
    from data.outbox import available_templates
    from data.timeline.plan import Plan

    lines = locate(text)
    try:
        document = parse_toml(text, source)
    except tomllib.TOMLDecodeError as error:
        raise syntax_error(source, lines, error) from None
    except FileRefused as error:
        raise PlaybookError(str(error)) from None
    check = Checker(source, lines)
    check.table(document, (), TABLES, "a playbook", noun="table")
    if "playbook" not in document:
        raise check.error(
            (), 'the [playbook] table is missing: begin with [playbook] and name = "…".'
        )
    head = check.table(document["playbook"], ("playbook",), PLAYBOOK_KEYS, "[playbook]")
    name = check.text(head, ("playbook",), "name")
    if len(name) > NAME_LIMIT:
        raise check.error(("playbook", "name"), f"the name is at most {NAME_LIMIT} characters.")
    close_due = check.rule(head, ("playbook",), "close_due") if "close_due" in head else None

    uses = check.table(document.get("sections", {}), ("sections",), TOOL_SECTIONS, "[sections]")
    sections = {key: DEFAULT_USE.get(key, SectionUse.BLOCKS) for key in TOOL_SECTIONS}
    for key in uses:
        use = check.choice(
            check.text(uses, ("sections",), key), ("sections", key), list(SectionUse), "a use"
        )
        sections[key] = SectionUse(use)

    templates = available_templates()
    parties = _parties(check, document)
    steps = _steps(check, document, parties, templates)
    sign_offs = _sign_offs(check, document)
    scenarios = _scenarios(check, document, steps)
    default = check.text(head, ("playbook",), "default_scenario", required=False) or next(
        iter(scenarios)
    )
    if default not in scenarios:
        raise check.error(
            ("playbook", "default_scenario"),
            f"'{default}' is not a scenario; {choices(default, list(scenarios))}.",
        )
    tasks = _tasks(check, document, parties, sign_offs, templates)
    approval = parse_approval(check, document, parties)
    return Playbook(
        name=name,
        source=source,
        text=text,
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        parties=parties,
        sign_offs=sign_offs,
        steps=steps,
        scenarios=scenarios,
        default_scenario=default,
        sections=sections,
        plan=Plan(source, tasks),
        close_due=close_due,
        approval=approval,
    )


def load_playbook(path: str | Path) -> Playbook:
    """The playbook in a file; PlaybookError names the file, and the line of what is wrong."""
    where = Path(path).expanduser()
    try:
        text = read_text_limited(where, "playbook file")
    except FileRefused as error:
        raise PlaybookError(str(error)) from None
    except FileNotFoundError:
        raise PlaybookError(f"There is no playbook file at {where}.") from None
    except UnicodeDecodeError:
        raise PlaybookError(f"The playbook file {where} is not UTF-8 text.") from None
    except OSError as error:
        raise PlaybookError(
            f"The playbook file {where} cannot be read: {error.strerror}."
        ) from None
    return parse_playbook(text.removeprefix("\ufeff"), str(where))
