"""The termination timeline (seed 000): the plan of dated tasks with responsible parties, their due
dates computed with arrow in the customer's time zone, the termination team's sign-offs, and the
Timeline, Sign-offs and Access & data sections of the tool.

A plan is a text file (``data/plans/termination.plan``; an organisation may name its own in the
configuration). It is checked whole when it is loaded: an unknown anchor, party, completion or
template is an error that names the file and the line.

This package re-exports its public API, so ``from data import timeline`` and ``timeline.X`` read
as before; each job lives in its own module:

- ``plan``: the plan's format, its parser (PlanError) and the plan each case runs on (its
  playbook's);
- ``schedule``: due rules, due moments by wall-clock rules, "now" and relative words;
- ``sign_offs``: the termination team's sign-offs; several signed at once, and an undo while
  the cancellation is pending;
- ``facts``: what has happened on each cancellation, read in a fixed number of queries;
- ``guids``: the GUIDs of deactivated access;
- ``tasks``: a cancellation's tasks judged against now (the Timeline);
- ``sections``: the Timeline, Sign-offs and Access & data sections (TerminationView), and what
  is left of an open case (``case_summary``);
- ``today``: the timelines of many open cases and the Today list.
"""

from data.timeline.facts import Done, Facts, email_kind, read_facts
from data.timeline.guids import guid_list, parse_guids
from data.timeline.plan import (
    ANCHORS,
    COMPLETIONS,
    DEFAULT_PLAN,
    KEY_LIMIT,
    PARTIES,
    PLANS,
    Plan,
    PlanError,
    PlanTask,
    case_plan,
    current_plan,
    load_plan,
    parse_plan,
    parse_rule,
    plan_in_force,
    plan_of,
    playbook_of,
    playbooks_of,
    use_plan,
)
from data.timeline.schedule import (
    Anchor,
    DayUnit,
    Due,
    DueRule,
    anchors,
    local_now,
    relative,
    start_of,
    zoned,
)
from data.timeline.sections import (
    TERMINATION_SECTION_NAMES,
    TerminationView,
    access_section,
    case_open,
    case_summary,
    left_for_close,
    sign_off_section,
    termination_sections,
    termination_view,
    timeline_section,
)
from data.timeline.sign_offs import (
    SIGN_OFF_TEAMS,
    SIGN_OFFS,
    SignOff,
    sign_off_key,
    sign_off_labels,
    sign_off_many,
    sign_off_team,
    undo_sign_off,
    undo_task,
)
from data.timeline.tasks import TaskState, TaskView, Timeline, timeline, urgency
from data.timeline.today import (
    TodayTask,
    due_today,
    open_case_query,
    open_timelines,
    timelines_of,
)

__all__ = [
    "ANCHORS",
    "COMPLETIONS",
    "DEFAULT_PLAN",
    "KEY_LIMIT",
    "PARTIES",
    "PLANS",
    "SIGN_OFFS",
    "SIGN_OFF_TEAMS",
    "TERMINATION_SECTION_NAMES",
    "Anchor",
    "DayUnit",
    "Done",
    "Due",
    "DueRule",
    "Facts",
    "Plan",
    "PlanError",
    "PlanTask",
    "SignOff",
    "TaskState",
    "TaskView",
    "TerminationView",
    "Timeline",
    "TodayTask",
    "access_section",
    "anchors",
    "case_open",
    "case_plan",
    "case_summary",
    "current_plan",
    "due_today",
    "email_kind",
    "guid_list",
    "left_for_close",
    "load_plan",
    "local_now",
    "open_case_query",
    "open_timelines",
    "parse_guids",
    "parse_plan",
    "parse_rule",
    "plan_in_force",
    "plan_of",
    "playbook_of",
    "playbooks_of",
    "read_facts",
    "relative",
    "sign_off_key",
    "sign_off_labels",
    "sign_off_many",
    "sign_off_section",
    "sign_off_team",
    "start_of",
    "termination_sections",
    "termination_view",
    "timeline",
    "timeline_section",
    "timelines_of",
    "undo_sign_off",
    "undo_task",
    "urgency",
    "use_plan",
    "zoned",
]
