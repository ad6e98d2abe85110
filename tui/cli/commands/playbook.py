"""The playbook commands: ``playbook check FILE`` (is a playbook file usable? every error names
its line) and ``playbook show`` (the playbook in force, as text or JSON, its approval chain of
change requests too). Neither reads the database."""

from __future__ import annotations

import argparse

from data.playbook import Milestone, Playbook, ScenarioSectionKind, current_playbook
from data.playbook.approval import ApprovalChain
from data.playbook.load import PlaybookError, load_playbook
from tui.cli.output import Json, emit_json, fail, out
from tui.config import Settings

SHORT_DIGEST = 12


def _counts(playbook: Playbook) -> str:
    tasks = playbook.plan.tasks
    process = len(playbook.gating(Milestone.PROCESS))
    close = len(playbook.gating(Milestone.CLOSE))
    return (
        f"{_many(len(playbook.parties), 'party', 'parties')}, "
        f"{_many(len(playbook.sign_offs), 'sign-off', 'sign-offs')}, "
        f"{_many(len(playbook.scenarios), 'scenario', 'scenarios')}, "
        f"{_many(len(tasks), 'task', 'tasks')} "
        f"({process} {'gates' if process == 1 else 'gate'} Process, "
        f"{close} {'gates' if close == 1 else 'gate'} Close)"
    )


def _many(count: int, one: str, more: str) -> str:
    return f"{count} {one if count == 1 else more}"


def cmd_playbook_check(args: argparse.Namespace, settings: Settings) -> int:
    try:
        playbook = load_playbook(args.file)
    except PlaybookError as error:
        if args.json:
            emit_json({"file": args.file, "valid": False, "error": str(error)})
        return fail(str(error))
    if args.json:
        emit_json(
            {
                "file": args.file,
                "valid": True,
                "name": playbook.name,
                "digest": playbook.digest,
                "parties": len(playbook.parties),
                "sign_offs": len(playbook.sign_offs),
                "scenarios": len(playbook.scenarios),
                "tasks": len(playbook.plan.tasks),
                "gate_process": len(playbook.gating(Milestone.PROCESS)),
                "gate_close": len(playbook.gating(Milestone.CLOSE)),
            }
        )
        return 0
    out(f"{args.file}: the playbook is valid: {_counts(playbook)}")
    return 0


def playbook_json(playbook: Playbook) -> Json:
    """The playbook as ``playbook show --json`` prints it: every key always present."""
    return {
        "name": playbook.name,
        "source": playbook.source,
        "digest": playbook.digest,
        "default_scenario": playbook.default_scenario,
        "close_due": playbook.close_due.text if playbook.close_due else None,
        "sections": {key: use.value for key, use in playbook.sections.items()},
        "parties": [
            {"key": party.key, "label": party.label, "email": list(party.email)}
            for party in playbook.parties.values()
        ],
        "sign_offs": [
            {"key": team.key, "label": team.label, "team": team.team, "final": team.final}
            for team in playbook.sign_offs
        ],
        "steps": [
            {
                "key": step.key,
                "label": step.label,
                "waiting": step.waiting,
                "template": step.template,
                "to": list(step.to),
                "cc": list(step.cc),
            }
            for step in playbook.steps.values()
        ],
        "scenarios": [
            {
                "key": scenario.key,
                "label": scenario.label,
                "no_contact": scenario.no_contact,
                "deactivate_at_once": scenario.deactivate_at_once,
                "sections": [
                    {
                        "key": section.key,
                        "label": section.label,
                        "kind": section.kind.value,
                        "steps": list(section.steps),
                        "note": section.note,
                    }
                    for section in scenario.sections
                ],
            }
            for scenario in playbook.scenarios.values()
        ],
        "tasks": [
            {
                "key": task.key,
                "title": task.title,
                "parties": list(task.parties),
                "due": task.rule.text,
                "completed_by": task.completed_by,
                "template": task.template,
                "to": list(task.to),
                "cc": list(task.cc),
                "gates": task.gates.value,
            }
            for task in playbook.plan.tasks
        ],
        "approval": approval_json(playbook.approval),
    }


def approval_json(chain: ApprovalChain | None) -> Json | None:
    """The ``[approval]`` chain of change requests (None when the playbook has none): its
    steps in order, each with its approver and the condition it applies on (None: always)."""
    if chain is None:
        return None
    return {
        "handover": chain.handover,
        "distribution": list(chain.distribution),
        "reminder_days": chain.reminder_days,
        "steps": [
            {
                "key": step.key,
                "label": step.label,
                "approver": step.approver,
                "when": step.when.text if step.when is not None else None,
            }
            for step in chain.steps
        ],
    }


def _show_approval(playbook: Playbook) -> None:
    chain = playbook.approval
    out("Approval chain of change requests, in order")
    if chain is None:
        out("  none: the playbook has no [approval], so no change request can be submitted")
        return
    for number, step in enumerate(chain.steps, start=1):
        when = f" · when {step.when.text}" if step.when is not None else ""
        out(f"  {number:>2}. {step.key:<21} {step.label} · approver {step.approver}{when}")
    out(f"  {'handover':<17} {playbook.party_labels((chain.handover,))}")
    distribution = playbook.party_labels(chain.distribution) if chain.distribution else "none"
    out(f"  {'distribution':<17} {distribution}")
    days = _many(chain.reminder_days, "day", "days")
    out(f"  {'reminder':<17} {days} before the effective date")


def _show(playbook: Playbook) -> None:
    out(playbook.name)
    out(f"  {'file':<17} {playbook.source}")
    out(f"  {'version':<17} {playbook.digest[:SHORT_DIGEST]}")
    out(f"  {'default scenario':<17} {playbook.default_scenario}")
    out()
    out("Sections of the tool")
    for key, use in playbook.sections.items():
        out(f"  {key:<14} {use.value}")
    out()
    out("Parties")
    if not playbook.parties:
        out("  none")
    for party in playbook.parties.values():
        out(f"  {party.key:<20} {party.label:<40} {', '.join(party.email) or '—'}")
    out()
    out("Sign-offs, in order")
    if not playbook.sign_offs:
        out("  none")
    for number, team in enumerate(playbook.sign_offs, start=1):
        final = " · final" if team.final else ""
        out(f"  {number:>2}. {team.key:<21} {team.label} ({team.team}){final}")
    out()
    out("Scenarios")
    for scenario in playbook.scenarios.values():
        rules = [
            words
            for words, on in (
                ("no contact", scenario.no_contact),
                ("deactivates at once", scenario.deactivate_at_once),
            )
            if on
        ]
        out(f"  {scenario.key}: {scenario.label}" + "".join(f" · {rule}" for rule in rules))
        for section in scenario.sections:
            what = (
                section.note
                if section.kind is ScenarioSectionKind.NOTE
                else ", ".join(section.steps)
            )
            out(f"    {section.key:<17} {section.kind.value:<9} {section.label}: {what}")
    out()
    out("Steps")
    for step in playbook.steps.values():
        mail = ""
        if step.template:
            cc = f", cc {playbook.party_labels(step.cc)}" if step.cc else ""
            mail = f" · e-mail {step.template} to {playbook.party_labels(step.to)}{cc}"
        out(f"  {step.key:<22} {step.label}{mail}")
    out()
    process = len(playbook.gating(Milestone.PROCESS))
    close = len(playbook.gating(Milestone.CLOSE))
    due = f"; Close due {playbook.close_due.text}" if playbook.close_due else ""
    out(f"Tasks ({process} gate Process, {close} gate Close{due})")
    if not playbook.plan.tasks:
        out("  none: nothing gates Close, so Process closes the termination case too")
    for number, task in enumerate(playbook.plan.tasks, start=1):
        how = task.completed_by
        if task.template:
            to = playbook.party_labels(task.to or task.parties)
            cc = f", cc {playbook.party_labels(task.cc)}" if task.cc else ""
            how = f"{how} {task.template} to {to}{cc}"
        out(f"  {number:>2}. {task.key:<24} gates {task.gates.value:<8} {task.rule.text}")
        out(f"      {task.title}")
        out(f"      by {playbook.party_labels(task.parties)} · completed by {how}")
    out()
    _show_approval(playbook)


def cmd_playbook_show(args: argparse.Namespace, settings: Settings) -> int:
    playbook = current_playbook()
    if args.json:
        emit_json(playbook_json(playbook))
    else:
        _show(playbook)
    return 0
