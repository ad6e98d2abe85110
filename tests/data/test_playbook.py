"""The playbook file: the shipped default reproduces today's built-in procedure (compared with
the Python tables, so a drift fails), the tool-only example loads, and every refusal names its
file, line and key. No database is needed."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from data.models import SCENARIOS, STEPS
from data.playbook import (
    DEFAULT_PLAYBOOK,
    Milestone,
    ScenarioSectionKind,
    SectionUse,
    current_playbook,
    use_playbook,
)
from data.playbook.lines import locate
from data.playbook.load import TOOL_SECTIONS, PlaybookError, load_playbook, parse_playbook
from data.rules import (
    APPROVAL_SECTION_NAMES,
    SCENARIO_SECTION_NAMES,
    SCENARIO_SECTIONS,
    SECTION_NAMES,
    SECTION_STEPS,
)
from data.timeline import TERMINATION_SECTION_NAMES
from data.timeline.plan import DEFAULT_PLAN, PARTIES, load_plan
from data.timeline.sign_offs import SIGN_OFF_TEAMS, SIGN_OFFS

PLAYBOOKS = DEFAULT_PLAYBOOK.parent
TOOL_ONLY = PLAYBOOKS / "tool-only.toml"

# What the tool says until each step is confirmed (data/rules.py, _step_section, today).
WAITING = {
    "final-amount-email": "Waiting for Finance to send the final-amount e-mail",
    "payment-confirmed": "payment not confirmed yet",
    "bill-till-payout": "Not set yet: set the account to Bill till Payout in the case",
    "auto-renewal-disabled": "Not confirmed yet: ask Billing to disable auto-renewal",
    "admin-notified": "",
    "csm-told": "Tell the CSM there will be no further reach-outs (confirming e-mails Customer Success)",
}
NO_CONTACT_NOTE = "No e-mail or call to the admin; deactivate at once, without notice"
# Seed 000 writes to these: the account team (steps 2, 5, 8), cc CS Ops, Sales Ops, Sec Ops
# and Legal.
REACHED = {"account_team", "legal", "sales_ops", "security", "customer_success"}
# Seed 004's change requests reach these: Accounting processes them, the Digital Marketing
# Operations list hears they were approved.
RETENTION_PARTIES = {"accounting": "Accounting", "dm_operations": "Digital Marketing Operations"}
GATE_PROCESS = ["notice_received", "account_team_informed", "attrition_box"]


@pytest.fixture(autouse=True)
def default_in_force() -> Iterator[None]:
    """Every test leaves the shipped playbook in force."""
    yield
    use_playbook(None)


# ----------------------------------------------------------------------------- the default


def test_the_default_playbook_is_the_shipped_file_and_loads() -> None:
    playbook = use_playbook(None)

    assert playbook.source == str(DEFAULT_PLAYBOOK)
    assert DEFAULT_PLAYBOOK.is_file()
    assert current_playbook() is playbook
    assert playbook.text == DEFAULT_PLAYBOOK.read_text(encoding="utf-8")
    assert len(playbook.digest) == 64
    assert playbook.default_scenario == "buyout"


def test_the_default_sign_offs_are_todays_with_order_managements_final_last() -> None:
    playbook = load_playbook(DEFAULT_PLAYBOOK)

    assert [(team.key, team.label, team.team) for team in playbook.sign_offs] == [
        (key, label, SIGN_OFF_TEAMS[key]) for key, label in SIGN_OFFS.items()
    ]
    assert [team.key for team in playbook.sign_offs if team.final] == [list(SIGN_OFFS)[-1]]
    final = playbook.final_sign_off
    assert final is not None and final.team == "Order Management"


def test_the_default_steps_and_scenarios_are_todays() -> None:
    playbook = load_playbook(DEFAULT_PLAYBOOK)

    assert {key: step.label for key, step in playbook.steps.items()} == dict(STEPS)
    assert {key: step.waiting for key, step in playbook.steps.items()} == WAITING
    # Only the collections step writes (to Customer Success, seed 001).
    assert {key: step.template for key, step in playbook.steps.items() if step.template} == {
        "csm-told": "no_further_reach_outs"
    }
    assert playbook.steps["csm-told"].to == ("customer_success",)
    assert {key: rule.label for key, rule in playbook.scenarios.items()} == dict(SCENARIOS)
    # The rules' tables are keyed by SectionKey (a StrEnum): read them by the text of the key.
    names = {str(key): name for key, name in SCENARIO_SECTION_NAMES.items()}
    section_steps = {str(key): steps for key, steps in SECTION_STEPS.items()}
    for key, rule in playbook.scenarios.items():
        assert [section.key for section in rule.sections] == list(SCENARIO_SECTIONS[key])
        for section in rule.sections:
            assert section.label == names[section.key]
            assert section.steps == section_steps.get(section.key, ())
        assert rule.steps == tuple(
            step for section in SCENARIO_SECTIONS[key] for step in SECTION_STEPS.get(section, ())
        )
    buyout, collections = playbook.scenarios["buyout"], playbook.scenarios["collections"]
    assert buyout.notified_step == "admin-notified"
    assert buyout.sections[-1].kind is ScenarioSectionKind.NOTIFIED
    assert playbook.scenarios["non-renewal"].notified_step == "admin-notified"
    assert (collections.no_contact, collections.deactivate_at_once) == (True, True)
    assert collections.notified_step is None
    note, told = collections.sections
    assert (note.kind, note.note) == (ScenarioSectionKind.NOTE, NO_CONTACT_NOTE)
    assert (told.kind, told.steps) == (ScenarioSectionKind.STEPS, ("csm-told",))
    assert not buyout.no_contact and not buyout.deactivate_at_once


def test_the_default_parties_are_todays_with_addresses_where_seed_000_writes() -> None:
    playbook = load_playbook(DEFAULT_PLAYBOOK)

    assert {key: party.label for key, party in playbook.parties.items()} == {
        **PARTIES,
        **RETENTION_PARTIES,
    }
    assert {key for key, party in playbook.parties.items() if party.email} == REACHED | set(
        RETENTION_PARTIES
    )
    for key in REACHED | set(RETENTION_PARTIES):
        assert playbook.parties[key].email == (f"{key}@example.com",)


def test_the_default_sections_all_block_but_the_mood() -> None:
    playbook = load_playbook(DEFAULT_PLAYBOOK)

    assert set(TOOL_SECTIONS) == set(SECTION_NAMES) | set(TERMINATION_SECTION_NAMES) | set(
        APPROVAL_SECTION_NAMES
    )
    assert {key: use for key, use in playbook.sections.items() if use is not SectionUse.BLOCKS} == {
        "mood": SectionUse.SHOWN
    }
    assert set(playbook.sections) == set(TOOL_SECTIONS)


def test_the_default_tasks_are_the_plans_with_milestones_and_without_case_closed() -> None:
    playbook = load_playbook(DEFAULT_PLAYBOOK)
    plan = load_plan(DEFAULT_PLAN)

    def shape(task: object) -> tuple[object, ...]:
        return tuple(
            getattr(task, name)
            for name in ("key", "title", "parties", "rule", "completed_by", "template")
        )

    closed = plan.task("case_closed")
    assert [shape(task) for task in playbook.plan.tasks] == [
        shape(task) for task in plan.tasks if task is not closed
    ]
    assert [task.key for task in playbook.gating(Milestone.PROCESS)] == GATE_PROCESS
    assert len(playbook.gating(Milestone.CLOSE)) == len(plan.tasks) - 1 - len(GATE_PROCESS)
    assert playbook.close_due == closed.rule
    assert playbook.needs_close and playbook.has_timeline
    mail = playbook.plan.task("final_termination_mail")
    assert mail.to == ("account_team",)
    assert mail.cc == ("customer_success", "sales_ops", "security", "legal")
    assert playbook.addresses(mail.cc) == (
        "customer_success@example.com",
        "sales_ops@example.com",
        "security@example.com",
        "legal@example.com",
    )
    assert all(not task.cc and not task.to for task in playbook.plan.tasks if task is not mail)
    # A task's line is its [[tasks]] header.
    lines = DEFAULT_PLAYBOOK.read_text(encoding="utf-8").split("\n")
    for task in playbook.plan.tasks:
        assert lines[task.line - 1] == "[[tasks]]"
        assert lines[task.line] == f'key = "{task.key}"'


def test_tool_only_has_no_timeline_no_sign_offs_and_the_same_scenarios() -> None:
    playbook = load_playbook(TOOL_ONLY)
    default = load_playbook(DEFAULT_PLAYBOOK)

    assert playbook.plan.tasks == ()
    assert playbook.sign_offs == () and playbook.final_sign_off is None
    assert not playbook.has_timeline and not playbook.needs_close
    assert playbook.close_due is None
    hidden = {key for key, use in playbook.sections.items() if use is SectionUse.HIDDEN}
    assert hidden == {"timeline", "sign_offs", "access_data", "retention", "approval"}
    assert playbook.use("mood") is SectionUse.SHOWN
    assert playbook.scenarios == default.scenarios
    assert playbook.steps == default.steps
    assert playbook.digest != default.digest


def test_a_bad_file_leaves_the_playbook_in_force(tmp_path: Path) -> None:
    ours = tmp_path / "ours.toml"
    ours.write_text(TOOL_ONLY.read_text(encoding="utf-8"), encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text("[playbook]\nnam = 'x'\n", encoding="utf-8")
    before = sorted(tmp_path.iterdir())

    assert use_playbook(ours).name == "Cancellation Tool only"
    with pytest.raises(PlaybookError, match=r"bad\.toml, line 2, playbook\.nam: "):
        use_playbook(bad)

    assert current_playbook().source == str(ours)
    assert sorted(tmp_path.iterdir()) == before  # nothing written


# ----------------------------------------------------------------------------- refusals

SMALL = """\
[playbook]
name = "Small"

[parties.om]
label = "Order Management"
email = ["om@example.com"]

[steps.told]
label = "Admin told"

[[scenarios]]
key = "quick"
label = "Quick"

[[scenarios.sections]]
key = "told"
label = "Admin told"
steps = ["told"]
"""
# SMALL ends on line 18; a [[tasks]] appended after a blank line is on line 20.


def task(*lines: str, key: str = "call") -> str:
    """A [[tasks]] table (on line 20 when appended to SMALL); its key on 21, then ``lines``."""
    body = [f'key = "{key}"', 'title = "Goodbye call"', 'parties = ["om"]']
    body += ['due = "day 1 after begin"', 'gates = "process"', *lines]
    return "\n[[tasks]]\n" + "\n".join(body) + "\n"


def refusal(text: str) -> str:
    with pytest.raises(PlaybookError) as caught:
        parse_playbook(text, "playbooks/x.toml")
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_small_playbooks_load() -> None:
    playbook = parse_playbook(SMALL + task(), "small.toml")

    assert playbook.name == "Small" and playbook.default_scenario == "quick"
    assert [task.key for task in playbook.gating(Milestone.PROCESS)] == ["call"]
    assert playbook.plan.tasks[0].line == 20
    assert playbook.plan.source == "small.toml"


def test_a_toml_syntax_error_is_reworded_with_its_line() -> None:
    text = SMALL.replace('name = "Small"', "name = Small")

    assert refusal(text) == (
        "playbooks/x.toml, line 2, column 8: this is not valid TOML (invalid value). "
        'Write key = "text", key = true or key = ["a", "b"] under a [table].'
    )


def test_an_unknown_table_is_refused_with_the_nearest_one() -> None:
    assert refusal(SMALL + "\n[task]\nkey = 'x'\n") == (
        "playbooks/x.toml, line 20, task: 'task' is not a table of a playbook; did you mean "
        "'tasks'? Use one of: playbook, sections, parties, sign_offs, steps, scenarios, tasks, "
        "approval."
    )


def test_an_unknown_key_is_refused_with_the_nearest_one() -> None:
    assert refusal(SMALL + task('gate = "close"')).startswith(
        "playbooks/x.toml, line 26, tasks[1].gate: 'gate' is not a key of a task; "
        "did you mean 'gates'? Use one of: key, title,"
    )
    assert refusal(SMALL.replace("name =", "nam =")).startswith(
        "playbooks/x.toml, line 2, playbook.nam: 'nam' is not a key of [playbook]; "
        "did you mean 'name'?"
    )
    assert refusal(
        SMALL.replace('label = "Quick"', 'label = "Quick"\nno_contct = true')
    ).startswith(
        "playbooks/x.toml, line 14, scenarios[1].no_contct: 'no_contct' is not a key of a "
        "scenario; did you mean 'no_contact'?"
    )


def test_an_unknown_party_is_refused_in_parties_cc_to_and_steps() -> None:
    assert refusal(SMALL + task().replace('["om"]', '["om", "legal"]')) == (
        "playbooks/x.toml, line 23, tasks[1].parties[2]: 'legal' is not a party; use one of: om "
        "(or add [parties.legal])."
    )
    mail = ('completed_by = "e-mail"', 'template = "final_termination_notice"')
    assert refusal(SMALL + task(*mail, 'cc = ["omm"]')).startswith(
        "playbooks/x.toml, line 28, tasks[1].cc: 'omm' is not a party; did you mean 'om'?"
    )
    assert refusal(SMALL + task(*mail, 'to = ["finance"]')).startswith(
        "playbooks/x.toml, line 28, tasks[1].to: 'finance' is not a party;"
    )
    step = 'label = "Admin told"\ntemplate = "offboarding_notice"\nto = ["admin"]'
    assert refusal(SMALL.replace('label = "Admin told"', step, 1)).startswith(
        "playbooks/x.toml, line 11, steps.told.to: 'admin' is not a party;"
    )


SIGN_OFFS_TEXT = """
[[sign_offs]]
key = "finance"
label = "Finance confirms payment"
team = "Finance"

[[sign_offs]]
key = "last"
label = "Order Management's final confirmation"
team = "Order Management"
final = true
"""
# Appended to SMALL: the first [[sign_offs]] on line 20, the second on 25, final = true on 29.


def test_sign_offs_need_exactly_one_final_and_it_comes_last() -> None:
    assert parse_playbook(SMALL + SIGN_OFFS_TEXT).final_sign_off is not None

    assert refusal(SMALL + SIGN_OFFS_TEXT.replace("final = true\n", "")) == (
        "playbooks/x.toml, line 25, sign_offs[2]: no sign-off is the final one: "
        "add final = true to the last [[sign_offs]]."
    )
    two = SIGN_OFFS_TEXT.replace('team = "Finance"', 'team = "Finance"\nfinal = true')
    assert refusal(SMALL + two) == (
        "playbooks/x.toml, line 30, sign_offs[2].final: only one sign-off is final "
        "(one already is, on line 24): remove one."
    )
    first = two.replace('team = "Order Management"\nfinal = true', 'team = "Order Management"')
    assert refusal(SMALL + first) == (
        "playbooks/x.toml, line 24, sign_offs[1].final: the final sign-off comes last: "
        "move this [[sign_offs]] after the others."
    )
    assert refusal(SMALL + SIGN_OFFS_TEXT.replace("final = true", 'final = "yes"')) == (
        "playbooks/x.toml, line 29, sign_offs[2].final: final is true or false (no quotes)."
    )


def test_duplicate_keys_are_refused() -> None:
    assert refusal(SMALL + task() + task(key="call")) == (
        "playbooks/x.toml, line 28, tasks[2].key: the task 'call' is given twice "
        "(first on line 21)."
    )
    assert refusal(SMALL + SIGN_OFFS_TEXT.replace('key = "last"', 'key = "finance"')) == (
        "playbooks/x.toml, line 26, sign_offs[2].key: the sign-off 'finance' is given twice "
        "(first on line 21)."
    )
    scenario = '\n[[scenarios]]\nkey = "quick"\nlabel = "Again"\n'
    assert refusal(SMALL + scenario) == (
        "playbooks/x.toml, line 21, scenarios[2].key: the scenario 'quick' is given twice "
        "(first on line 12)."
    )
    section = '\n[[scenarios.sections]]\nkey = "told"\nlabel = "Again"\nsteps = ["told"]\n'
    assert refusal(SMALL + section) == (
        "playbooks/x.toml, line 21, scenarios[1].sections[2].key: the section 'told' is given "
        "twice (first on line 16)."
    )
    # Parties and steps are tables by name: TOML itself refuses a second one.
    assert refusal(SMALL + '\n[parties.om]\nlabel = "Again"\n') == (
        "playbooks/x.toml, line 20, parties.om: given twice (first on line 4); keep one."
    )
    assert refusal(SMALL + '\n[steps.told]\nlabel = "Again"\n') == (
        "playbooks/x.toml, line 20, steps.told: given twice (first on line 8); keep one."
    )
    assert refusal(SMALL.replace('label = "Quick"', 'label = "Quick"\nlabel = "Q"')) == (
        "playbooks/x.toml, line 14, scenarios[1].label: given twice (first on line 13); keep one."
    )


def test_a_due_rule_that_does_not_parse_is_refused() -> None:
    assert refusal(SMALL + task().replace("day 1 after begin", "soon")) == (
        "playbooks/x.toml, line 24, tasks[1].due: 'soon' is not a due rule. Write '30 days "
        "before effective', '72 hours before effective', 'day 4 after begin' or 'on effective'."
    )
    closing = SMALL.replace('name = "Small"', 'name = "Small"\nclose_due = "day 33 after close"')
    assert refusal(closing) == (
        "playbooks/x.toml, line 3, playbook.close_due: 'close' is not an anchor of a due rule. "
        "Use one of: begin, effective."
    )


def test_a_due_rule_anchored_on_another_task_is_refused_so_no_cycle_can_be_written() -> None:
    chained = SMALL + task() + task(key="later").replace("day 1 after begin", "day 2 after call")

    assert refusal(chained) == (
        "playbooks/x.toml, line 31, tasks[2].due: 'call' is not an anchor of a due rule. "
        "Use one of: begin, effective."
    )


def test_a_task_gating_neither_milestone_is_refused() -> None:
    assert refusal(SMALL + task().replace('gates = "process"', 'gates = "proces"')) == (
        "playbooks/x.toml, line 25, tasks[1].gates: 'proces' is not a milestone; did you mean "
        "'process'? Use one of: process, close."
    )
    assert refusal(SMALL + task().replace('gates = "process"\n', "")) == (
        "playbooks/x.toml, line 20, tasks[1]: the task gates no milestone: add "
        'gates = "process" (done before Process) or gates = "close" (done before the '
        "termination case is closed)."
    )
    assert refusal(SMALL + task('completed_by = "process"')) == (
        "playbooks/x.toml, line 25, tasks[1].gates: a task done by Process cannot be needed "
        'before it: gates = "close".'
    )


def test_a_scenario_without_sections_or_steps_is_refused() -> None:
    bare = SMALL[: SMALL.index("\n[[scenarios.sections]]")] + "\n"
    assert refusal(bare) == (
        "playbooks/x.toml, line 11, scenarios[1]: the scenario has no sections: add a "
        "[[scenarios.sections]] after it, with the steps it asks for (or a note)."
    )
    assert refusal(SMALL.replace('steps = ["told"]', "steps = []")) == (
        "playbooks/x.toml, line 15, scenarios[1].sections[1]: a steps section needs the steps "
        'it asks for: add steps = ["…"].'
    )
    notified = SMALL.replace('steps = ["told"]', 'kind = "notified"')
    assert refusal(notified) == (
        "playbooks/x.toml, line 15, scenarios[1].sections[1]: a notified section needs the "
        'steps it asks for: add steps = ["…"].'
    )
    note = SMALL.replace('steps = ["told"]', 'kind = "note"')
    assert refusal(note) == (
        "playbooks/x.toml, line 15, scenarios[1].sections[1]: a note section shows its note: "
        'add note = "…".'
    )
    assert refusal(SMALL.replace('steps = ["told"]', 'kind = "notes"')).startswith(
        "playbooks/x.toml, line 18, scenarios[1].sections[1].kind: 'notes' is not a kind; "
        "did you mean 'note'?"
    )
    assert refusal(SMALL.replace("[[scenarios]]", "[[scenario]]")).startswith(
        "playbooks/x.toml, line 11, scenario: 'scenario' is not a table of a playbook;"
    )
    nothing = SMALL[: SMALL.index("[[scenarios]]")]
    assert refusal(nothing) == (
        "playbooks/x.toml: there are no [[scenarios]]: a cancellation is begun with one; "
        "add at least one."
    )


def test_an_unknown_step_is_refused() -> None:
    assert refusal(SMALL.replace('steps = ["told"]', 'steps = ["tol"]')) == (
        "playbooks/x.toml, line 18, scenarios[1].sections[1].steps: 'tol' is not a step; "
        "did you mean 'told'? Use one of: told (or add [steps.tol])."
    )


def test_an_unknown_template_is_refused() -> None:
    mail = SMALL + task('completed_by = "e-mail"', 'template = "goodbye"')
    assert refusal(mail).startswith(
        "playbooks/x.toml, line 27, tasks[1].template: 'goodbye' is not an e-mail template; "
        "use one of: cancellation_notification, final_termination_notice,"
    )
    step = 'label = "Admin told"\ntemplate = "offboardin_notice"\nto = ["om"]'
    assert refusal(SMALL.replace('label = "Admin told"', step, 1)).startswith(
        "playbooks/x.toml, line 10, steps.told.template: 'offboardin_notice' is not an e-mail "
        "template; did you mean 'offboarding_notice'?"
    )
    assert refusal(SMALL + task('completed_by = "e-mail"')) == (
        'playbooks/x.toml, line 20, tasks[1]: an e-mail task sends a template: add template = "…".'
    )


def test_an_e_mail_to_parties_without_addresses_is_refused() -> None:
    silent = SMALL.replace('email = ["om@example.com"]\n', "")
    mail = task('completed_by = "e-mail"', 'template = "final_termination_notice"')
    assert refusal(silent + mail) == (
        "playbooks/x.toml, line 22, tasks[1].parties: om has no e-mail address, so the e-mail "
        'would go to nobody: add email = ["…"] to [parties.om].'
    )
    assert refusal(SMALL.replace("om@example.com", "om at example")) == (
        "playbooks/x.toml, line 6, parties.om.email: 'om at example' is not an e-mail address "
        "(name@example.com)."
    )


def test_a_default_scenario_that_is_not_a_scenario_is_refused() -> None:
    text = SMALL.replace('name = "Small"', 'name = "Small"\ndefault_scenario = "quik"')

    assert refusal(text) == (
        "playbooks/x.toml, line 3, playbook.default_scenario: 'quik' is not a scenario; "
        "did you mean 'quick'? Use one of: quick."
    )


def test_an_unknown_section_or_use_is_refused() -> None:
    assert refusal(SMALL + '\n[sections]\ntimeline = "hidden"\nmoods = "shown"\n') == (
        "playbooks/x.toml, line 22, sections.moods: 'moods' is not a key of [sections]; did you "
        f"mean 'mood'? Use one of: {', '.join(TOOL_SECTIONS)}."
    )
    assert refusal(SMALL + '\n[sections]\nmood = "show"\n') == (
        "playbooks/x.toml, line 21, sections.mood: 'show' is not a use; did you mean 'shown'? "
        "Use one of: blocks, shown, hidden."
    )
    assert refusal(SMALL.replace('key = "told"', 'key = "mood"')) == (
        "playbooks/x.toml, line 16, scenarios[1].sections[1].key: 'mood' is a section of the "
        "tool itself: name this one otherwise."
    )


def test_an_unknown_completion_is_refused() -> None:
    assert refusal(SMALL + task('completed_by = "purged"')) == (
        "playbooks/x.toml, line 26, tasks[1].completed_by: 'purged' is not how a task is "
        "completed; did you mean 'purge'? Use one of: hand, deactivation, decision, purge, "
        "sign-offs, e-mail, process."
    )


def test_a_template_to_or_cc_on_a_task_that_is_no_e_mail_is_refused() -> None:
    assert refusal(SMALL + task('template = "final_termination_notice"')) == (
        "playbooks/x.toml, line 26, tasks[1].template: only a task with completed_by = "
        '"e-mail" has template: remove it, or make the task an e-mail.'
    )
    assert refusal(SMALL + task('completed_by = "hand"', 'cc = ["om"]')).startswith(
        "playbooks/x.toml, line 27, tasks[1].cc: only a task with completed_by = "
    )
    step = 'label = "Admin told"\ncc = ["om"]'
    assert refusal(SMALL.replace('label = "Admin told"', step, 1)) == (
        "playbooks/x.toml, line 10, steps.told.cc: to and cc are for a step that sends an "
        "e-mail: add its template, or remove them."
    )


def test_a_sign_off_task_needs_sign_offs_but_access_tasks_do_not() -> None:
    assert refusal(SMALL + task('completed_by = "sign-offs"')) == (
        "playbooks/x.toml, line 26, tasks[1].completed_by: there are no [[sign_offs]], so this "
        "task could never be done: add them, or complete the task otherwise."
    )
    assert parse_playbook(SMALL + SIGN_OFFS_TEXT + task('completed_by = "sign-offs"'))
    for how in ("deactivation", "decision", "purge"):
        assert (
            parse_playbook(SMALL + task(f'completed_by = "{how}"')).plan.tasks[0].completed_by
            == how
        )


def test_keys_and_texts_are_checked() -> None:
    assert refusal(SMALL.replace("[parties.om]", "[parties.Om]")) == (
        "playbooks/x.toml, line 4, parties.Om: 'Om' is not a party key: write a-z, 0-9, _ and -, "
        "starting with a letter, at most 48 characters."
    )
    assert refusal(SMALL.replace('key = "quick"', f'key = "{"q" * 25}"')).endswith(
        "at most 24 characters."
    )
    assert refusal(SMALL.replace('name = "Small"', "name = 3")) == (
        'playbooks/x.toml, line 2, playbook.name: name must be text in quotes, such as name = "…".'
    )
    assert refusal(SMALL.replace('name = "Small"\n', "")) == (
        "playbooks/x.toml, line 1, playbook: 'name' is missing: add name = \"…\"."
    )
    assert refusal(
        SMALL.replace("[playbook]\n", "[sections]\n").replace('name = "Small"\n', "")
    ) == (
        'playbooks/x.toml: the [playbook] table is missing: begin with [playbook] and name = "…".'
    )
    assert refusal(SMALL + '\ntasks = ["call"]\n').startswith(
        "playbooks/x.toml, line 20, scenarios[1].sections[1].tasks: 'tasks' is not a key"
    )
    assert refusal('tasks = ["call"]\n' + SMALL) == (
        "playbooks/x.toml, line 1, tasks: write the tasks as [[tasks]] tables, one per task."
    )


def test_a_file_that_cannot_be_read_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(PlaybookError, match=r"There is no playbook file at .*nowhere\.toml"):
        load_playbook(missing)
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'[playbook]\nname = "Caf\xe9"\n')
    with pytest.raises(PlaybookError, match=r"latin\.toml is not UTF-8 text"):
        load_playbook(latin)


# ----------------------------------------------------------------------------- the locator


def test_the_locator_finds_keys_past_strings_and_values_spanning_lines() -> None:
    text = '''\
[playbook]
name = "a [b] # c"
note = """
[not.a.table]
key = 1
"""
[[tasks]]
parties = [
  "x",  # [x]
]
[[tasks]]
"quoted key" = 1
inline = { a = 1 }
[[scenarios]]
[[scenarios.sections]]
[[scenarios.sections]]
key = "s"
[[scenarios]]
[[scenarios.sections]]
key = "t"
'''
    found = locate(text)

    assert found.lines[("playbook", "note")] == 3
    assert ("not", "a", "table") not in found.lines
    assert ("key",) not in found.lines and ("playbook", "key") not in found.lines
    assert found.lines[("tasks", 0)] == 7
    assert found.lines[("tasks", 0, "parties")] == 8
    assert found.lines[("tasks", 1)] == 11
    assert found.lines[("tasks", 1, "quoted key")] == 12
    assert found.lines[("scenarios", 0, "sections", 1, "key")] == 17
    assert found.lines[("scenarios", 1, "sections", 0, "key")] == 20
    assert found.line_of(("tasks", 0, "parties", 1)) == 8
    assert found.line_of(("tasks", 1, "gates")) == 11
    assert found.line_of(("nothing",)) == 1
    assert found.repeated == {}


# ----------------------------------------------------------------------------- the approval chain


def approval(*step_lines: str, head: tuple[str, ...] = ('handover = "om"',)) -> str:
    """An [approval] table (on line 20 when appended to SMALL), then one [[approval.steps]]
    (its header on 20 + len(head) + 2) with ``step_lines``."""
    steps = step_lines or ('key = "first"', 'label = "First"', 'approver = "role:approver"')
    return "\n[approval]\n" + "\n".join(head) + "\n\n[[approval.steps]]\n" + "\n".join(steps) + "\n"


def test_the_default_chain_is_seed_004s() -> None:
    chain = load_playbook(DEFAULT_PLAYBOOK).approval
    assert chain is not None
    assert [(s.key, s.approver) for s in chain.steps] == [
        ("approver_1", "role:approver"),
        ("approver_2", "role:approver"),
        ("finance", "role:finance"),
    ]
    assert (chain.handover, chain.distribution, chain.reminder_days) == (
        "accounting",
        ("dm_operations",),
        7,
    )
    no_credit = chain.steps_for(credit=Decimal("0"), kind="cancel")
    assert [s.key for s in no_credit] == ["approver_1", "approver_2"]
    assert [s.key for s in chain.steps_for(credit=Decimal("0.01"), kind="pause")][-1] == "finance"
    assert load_playbook(TOOL_ONLY).approval is None


def test_a_small_chain_loads_with_a_user_and_a_condition() -> None:
    playbook = parse_playbook(
        SMALL
        + approval(
            'key = "boss"',
            'label = "The boss"',
            'approver = "user:jeremy"',
            'when = "credit >= 100 and kind != pause"',
        ),
        "small.toml",
    )
    assert playbook.approval is not None
    [step] = playbook.approval.steps
    assert step.user == "jeremy" and step.role is None
    assert step.applies(credit=Decimal(100), kind="cancel")
    assert not step.applies(credit=Decimal(100), kind="pause")
    assert not step.applies(credit=Decimal(99), kind="cancel")


def test_bad_chain_entries_are_refused_with_their_line_and_key() -> None:
    step = ('key = "first"', 'label = "First"')
    assert refusal(SMALL + approval(*step, 'approver = "role:boss"')) == (
        "playbooks/x.toml, line 26, approval.steps[1].approver: 'boss' is not a role; use one "
        "of: customer-cancellation, crm-admin, retention, approver, finance, accounting."
    )
    assert refusal(SMALL + approval(*step, 'approver = "jeremy"')).startswith(
        "playbooks/x.toml, line 26, approval.steps[1].approver: 'jeremy' is not an approver: "
        'write "role:ROLE"'
    )
    assert refusal(
        SMALL + approval(*step, 'approver = "role:finance"', 'when = "credit > lots"')
    ) == (
        "playbooks/x.toml, line 27, approval.steps[1].when: 'lots' is not a number to compare "
        "the credit with."
    )
    assert refusal(
        SMALL + approval(*step, 'approver = "role:finance"', 'when = "__import__(os)"')
    ).startswith(
        "playbooks/x.toml, line 27, approval.steps[1].when: '__import__(os)' is not a condition"
    )
    assert refusal(SMALL + approval(head=('handover = "accounting"',))) == (
        "playbooks/x.toml, line 21, approval.handover: 'accounting' is not a party; use one of: "
        "om (or add [parties.accounting])."
    )
    assert refusal(SMALL + approval(head=('handover = "om"', "reminder_days = -1"))) == (
        "playbooks/x.toml, line 22, approval.reminder_days: reminder_days is a whole number of "
        "days from 0 to 365 (no quotes), such as 7."
    )
    assert refusal(SMALL + approval(head=('handover = "om"', 'approvers = "x"'))).startswith(
        "playbooks/x.toml, line 22, approval.approvers: 'approvers' is not a key of [approval]"
    )
    assert refusal(SMALL + '\n[approval]\nhandover = "om"\n') == (
        "playbooks/x.toml, line 20, approval: the chain has no steps: add an [[approval.steps]] "
        "with its approver."
    )
