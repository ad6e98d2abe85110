"""The termination timeline (seed 000): the plan of dated tasks with responsible parties, their due
dates computed with arrow in the customer's time zone, the termination team's sign-offs, and the
Timeline, Sign-offs and Access & data sections of the tool.

A plan is a text file (``data/plans/termination.plan``; an organisation may name its own in the
configuration). It is checked whole when it is loaded: an unknown anchor, party, completion or
template is an error that names the file and the line.

This package re-exports its public API, so ``from data import timeline`` and ``timeline.X`` read
as before; each job lives in its own module:

- ``plan``: the plan's format, its parser (PlanError) and the plan in use;
- ``schedule``: due rules, due moments by wall-clock rules, "now" and relative words;
- ``sign_offs``: the termination team's sign-offs;
- ``facts``: what has happened on each cancellation, read in a fixed number of queries;
- ``guids``: the GUIDs of deactivated access;
- ``tasks``: a cancellation's tasks judged against now (the Timeline);
- ``sections``: the Timeline, Sign-offs and Access & data sections (TerminationView);
- ``today``: the timelines of many pending cancellations and the Today list.
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
    current_plan,
    load_plan,
    parse_plan,
    parse_rule,
    use_plan,
)
from data.timeline.schedule import DayUnit, Due, DueRule, anchors, local_now, relative, start_of
from data.timeline.sections import (
    ACCESS_DATA,
    SIGN_OFFS_SECTION,
    TERMINATION_SECTION_NAMES,
    TIMELINE,
    TerminationView,
    access_section,
    sign_off_section,
    termination_sections,
    termination_view,
    timeline_section,
)
from data.timeline.sign_offs import SIGN_OFF_FINAL, SIGN_OFF_TEAMS, SIGN_OFFS, sign_off_key
from data.timeline.tasks import TaskState, TaskView, Timeline, timeline, urgency
from data.timeline.today import TodayTask, due_today, pending_query, pending_timelines, timelines_of

__all__ = [
    "ACCESS_DATA",
    "ANCHORS",
    "COMPLETIONS",
    "DEFAULT_PLAN",
    "KEY_LIMIT",
    "PARTIES",
    "PLANS",
    "SIGN_OFFS",
    "SIGN_OFFS_SECTION",
    "SIGN_OFF_FINAL",
    "SIGN_OFF_TEAMS",
    "TERMINATION_SECTION_NAMES",
    "TIMELINE",
    "DayUnit",
    "Done",
    "Due",
    "DueRule",
    "Facts",
    "Plan",
    "PlanError",
    "PlanTask",
    "TaskState",
    "TaskView",
    "TerminationView",
    "Timeline",
    "TodayTask",
    "access_section",
    "anchors",
    "current_plan",
    "due_today",
    "email_kind",
    "guid_list",
    "load_plan",
    "local_now",
    "parse_guids",
    "parse_plan",
    "parse_rule",
    "pending_query",
    "pending_timelines",
    "read_facts",
    "relative",
    "sign_off_key",
    "sign_off_section",
    "start_of",
    "termination_sections",
    "termination_view",
    "timeline",
    "timeline_section",
    "timelines_of",
    "urgency",
    "use_plan",
]
