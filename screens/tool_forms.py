"""The forms the Cancellation Tool opens on its sections: the reasons, the new owner, a future
expiry, the customer's mood, a scenario section's steps, the sign-offs, and the scenario itself.

Each form saves through one data operation with the customer version the tool last read (an
``Expected``: after a conflict over the form's own part, saving again goes over the change)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial
from typing import ClassVar

from textual.binding import Binding, BindingType

from data import cancellations
from data.cancellations import Outcome
from data.customers import ToolView, expiries
from data.models import MOODS
from data.sections import SectionKey
from data.users import ReasonRow, UserRow
from data.views import scenario_choices, section_steps, section_title
from screens.form_confirmations import StepForm
from screens.form_screen import Expected
from screens.forms import ChoiceForm, DateForm, ReasonsForm
from screens.timeline import sign_off_form

NOT_RECORDED = "(not recorded)"

# What a scenario section's step form says, for the default playbook's sections; a playbook's
# own sections get the general sentence.
STEP_EXPLANATIONS: dict[str, str] = {
    SectionKey.FINAL_AMOUNT: "Finance sends the customer the final-amount e-mail; once the "
    "customer has paid, confirm the payment. Note who told you (e.g. Finance, Kim).",
    SectionKey.BILL_TILL_PAYOUT: "In the customer's case, set the account to Bill till Payout, "
    "then confirm it here.",
    SectionKey.AUTO_RENEWAL: "Ask Billing to disable the account's auto-renewal billing; "
    "confirm once Billing says it is done.",
    SectionKey.ADMIN_NOTIFIED: "Green once the offboarding notice is sent (press e on the tool "
    "to write it), or once you record here that you told the admin in a call or meeting.",
}
STEPS_IN_GENERAL = "Confirm each step once it is done, in order; a step may send an e-mail."

SectionForm = ChoiceForm | DateForm | ReasonsForm | StepForm


def expiry_lines(account: str) -> list[str]:
    """The expiries already on record, as the expiry form lists them (runs in a worker)."""
    rows = expiries(account, limit=5)
    if not rows:
        return ["No expiry on record yet."]
    lines = ["On record:"]
    for row in rows:
        when = "future" if row.future else "past"
        note = f": {row.note}" if row.note else ""
        lines.append(f"  {row.date} ({when}){note}")
    return lines


def section_form(
    view: ToolView,
    key: str,
    login: str,
    reasons: Sequence[ReasonRow],
    users: Sequence[UserRow],
) -> SectionForm:
    """The form that clears the section ``key`` of a pending cancellation."""
    assert view.cancellation is not None
    if section_steps(view, key):
        return step_form(view, key, login)
    if key == SectionKey.SIGN_OFFS and view.termination is not None:
        return sign_off_form(view.termination, login)
    expected = Expected(view.customer.version)
    form = _field_form(view, key, login, reasons, users, expected)
    form.expected = expected
    return form


def _field_form(
    view: ToolView,
    key: str,
    login: str,
    reasons: Sequence[ReasonRow],
    users: Sequence[UserRow],
    expected: Expected,
) -> ChoiceForm | DateForm | ReasonsForm:
    assert view.cancellation is not None
    account = view.customer.account
    cancellation = view.cancellation
    if key == SectionKey.REASONS:

        def save_reasons(ids: list[int], text: str, extra: str) -> Outcome:
            return cancellations.set_reasons(
                login, account, ids, text, extra, expected_version=expected.version
            )

        return ReasonsForm(
            reasons=list(reasons),
            chosen=cancellation.reason_ids,
            reason_text=cancellation.reason_text,
            extra_information=cancellation.extra_information,
            save=save_reasons,
        )
    if key == SectionKey.OWNERSHIP:

        def save_owner(owner: str, now: bool) -> Outcome:
            return cancellations.choose_owner(
                login, account, owner, apply_now=now, expected_version=expected.version
            )

        owner = view.customer.owner_login
        now_owned = f" {view.customer.owner} owns it now." if view.customer.owner else ""
        return ChoiceForm(
            "Manage Ownership",
            "Who owns the customer once it is cancelled (often a telesales user who will "
            f"call back).{now_owned} Type a name to find it, or use the arrows; Enter chooses.",
            choices=[
                (f"{user.display_name} ({user.login})", user.login)
                for user in users
                if user.login != owner
            ],
            current=cancellation.new_owner_login,
            save=save_owner,
            toggle="Perform Now: reassign at once, not at Process",
            preselect=False,
            nothing_chosen="Choose the new owner (type a name, or the arrows), then press Enter.",
        )
    if key == SectionKey.EXPIRY:

        def save_expiry(date: dt.date, note: str) -> Outcome:
            return cancellations.add_expiry(
                login, account, date, note, expected_version=expected.version
            )

        return DateForm(
            "Manage Future expiry: add an expiry",
            "A future expiry is a reminder for future sales. The section is clear once one "
            f"is dated after today in {view.customer.time_zone}.",
            time_zone=view.customer.time_zone,
            save=save_expiry,
            with_note=True,
            existing=partial(expiry_lines, account),
        )

    def save_mood(mood: str, _ticked: bool) -> Outcome:
        return cancellations.set_mood(
            login,
            account,
            None if mood == NOT_RECORDED else mood,
            expected_version=expected.version,
        )

    return ChoiceForm(
        "Manage Customer mood",
        "The customer's general mood, for future conversations (optional).",
        choices=[(mood, mood) for mood in MOODS] + [("Not recorded", NOT_RECORDED)],
        current=cancellation.mood or NOT_RECORDED,
        save=save_mood,
    )


class ScenarioStepForm(StepForm):
    """A scenario section's steps; z (or ctrl+u) undoes the highlighted confirmed step while
    the cancellation is pending."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *StepForm.BINDINGS,
        Binding("z", "take_back", "Undo step"),
    ]


def step_form(view: ToolView, key: str, login: str) -> StepForm:
    """The steps of a scenario's section, each confirmed (with a note) or taken back."""
    assert view.cancellation is not None
    account = view.customer.account
    cancellation = view.cancellation
    expected = Expected(view.customer.version)

    def confirm(step: str, note: str) -> Outcome:
        return cancellations.confirm_step(
            login, account, step, note, expected_version=expected.version
        )

    def take_back(step: str) -> Outcome:
        return cancellations.unconfirm_step(login, account, step, expected_version=expected.version)

    form = ScenarioStepForm(
        f"Manage {section_title(view, key)}",
        STEP_EXPLANATIONS.get(key, STEPS_IN_GENERAL),
        steps=[(step, label, cancellation.step(step)) for step, label in section_steps(view, key)],
        confirm=confirm,
        take_back=take_back,
    )
    form.expected = expected
    return form


def scenario_form(view: ToolView, login: str) -> ChoiceForm:
    """Change how the customer is leaving (the scenarios of the case's playbook)."""
    assert view.cancellation is not None
    account = view.customer.account
    expected = Expected(view.customer.version)

    def save(scenario: str, _ticked: bool) -> Outcome:
        return cancellations.set_scenario(
            login, account, scenario, expected_version=expected.version
        )

    form = ChoiceForm(
        "Change the scenario",
        "How the customer is leaving. The tool's sections follow the scenario; steps "
        "already confirmed stay on record. Sent to collections withdraws every unsent "
        "e-mail to the customer.",
        choices=scenario_choices(view),
        current=view.cancellation.scenario,
        save=save,
    )
    form.expected = expected
    return form
