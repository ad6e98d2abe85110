"""The offboarding notice to the customer's admin (seed 001): written from the template with the
customer's own modules, for the team lead to read and edit before it is queued."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import arrow

from data import outbox
from data.cancellations.kernel import (
    Outcome,
    change,
    display_name,
    latest_processed,
    open_case,
)
from data.dates import today_in, when, zone
from data.db import connection
from data.errors import InvalidInput, NotFound, clip
from data.models import (
    Cancellation,
    CancellationState,
    Customer,
    Decision,
    DoneBy,
    NotifyUser,
    User,
)
from data.playbook.model import Playbook
from data.playbook.store import playbook_for
from data.rules import sends_notice
from data.text import NUL
from data.timeline import PlanTask, TaskView, plan_of, timeline

DEFAULT_NOTICE_DAYS = 3
MODULE_GUIDE = "module_guide"
_HEADING = re.compile(r"^##\s+(.+?)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Draft:
    """An e-mail ready to be read, edited and queued, or the reason there may be none."""

    account: str
    customer_name: str
    recipients: str
    subject: str
    body: str
    notice_days: int
    deactivation_date: dt.date | None
    refusal: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)
    cc: str = ""  # the addresses copied in (comma-separated), apart from the recipients


def _guide_sections() -> list[tuple[str, str]]:
    """The module guide's sections in file order: (module name as written, its steps)."""
    path = outbox.template_path(MODULE_GUIDE)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"The module guide cannot be read from {path}: {error}.") from error
    if NUL in text:
        raise InvalidInput(
            f"The module guide ({path}) contains a NUL character (\\x00); remove it from the file."
        )
    headings = list(_HEADING.finditer(text))
    sections = []
    for number, heading in enumerate(headings):
        end = headings[number + 1].start() if number + 1 < len(headings) else len(text)
        sections.append((heading.group(1), text[heading.end() : end].strip()))
    return sections


def module_guide() -> dict[str, str]:
    """The "save your data" instructions by module (the key is the module name, case-folded)."""
    return {name.casefold(): steps for name, steps in _guide_sections()}


def save_data_text(modules: list[str]) -> tuple[str, list[str]]:
    """The notice's module-by-module part, and warnings for modules the guide does not cover."""
    sections = _guide_sections()
    guide = {name.casefold(): steps for name, steps in sections}
    warnings = []
    if not modules:
        warnings.append(
            "The customer has no modules on record, so the notice lists every module. "
            "Delete the ones they do not use."
        )
        modules = [name for name, _ in sections]
    parts = []
    for module in modules:
        steps = guide.get(module.casefold())
        if steps is None:
            warnings.append(
                f"The module guide has no section for '{clip(module)}': write its export steps "
                "into the notice yourself."
            )
            steps = "- (Write how to export this module's data here.)"
        parts.append(f"### {outbox.as_text(module)}\n\n{steps}")
    return "\n\n".join(parts), warnings


def deactivation_date(customer: Customer, notice_days: int) -> dt.date:
    """Today where the customer is, plus the notice period."""
    return today_in(str(customer.time_zone)) + dt.timedelta(days=notice_days)


def compose_offboarding_notice(
    account: str, login: str, *, notice_days: int = DEFAULT_NOTICE_DAYS
) -> Draft:
    """The offboarding notice for the customer's pending cancellation, filled and ready to edit.

    When no notice may be sent (no contact, wrong scenario, nothing pending) the draft is empty
    and ``refusal`` says why."""
    if (
        isinstance(notice_days, bool)
        or not isinstance(notice_days, int)
        or not 0 <= notice_days <= 60
    ):
        raise InvalidInput(f"'{clip(notice_days)}' is not a notice period: give 0 to 60 days.")
    with connection():
        customer = Customer.by_account(account)

        def refused(reason: str) -> Draft:
            return Draft(
                customer.account, customer.name, "", "", "", notice_days, None, refusal=reason
            )

        reason = outbox.no_contact_reason(customer)
        if reason:
            return refused(reason)
        cancellation = (
            Cancellation.select()
            .where(
                (Cancellation.customer == customer)
                & (Cancellation.state == CancellationState.PENDING)
            )
            .first()
        )
        if cancellation is None:
            return refused(
                f"{customer.name} has no pending cancellation: the offboarding notice is sent "
                "while a cancellation is in progress."
            )
        if not sends_notice(str(cancellation.scenario), playbook_for(cancellation)):
            return refused("This cancellation's scenario sends no offboarding notice.")
        lead = User.get_or_none(User.login == (login or "").strip())
        save_data, warnings = save_data_text(customer.module_list)
        if not customer.admin_email:
            warnings.append(
                "There is no admin e-mail address on record: type the recipient's address."
            )
        when = deactivation_date(customer, notice_days)
        rendered = outbox.render(
            "offboarding_notice",
            {
                "admin_name": customer.admin_name or "there",
                "customer_name": customer.name,
                "account": customer.account,
                "notice_days": notice_days,
                "deactivation_date": arrow.get(when).format("dddd D MMMM YYYY"),
                "save_data": outbox.Markdown(save_data),  # the guide's own Markdown
                "team_lead": lead.display_name if lead is not None else login,
                "team_lead_email": lead.email if lead is not None else "",
            },
        )
        return Draft(
            customer.account,
            customer.name,
            str(customer.admin_email),
            rendered.subject,
            rendered.body,
            notice_days,
            when,
            warnings=tuple(warnings),
        )


def purge_information(
    customer: Customer, cancellation: Cancellation, purge: TaskView | None
) -> str:
    """When the purge was done, or is planned: never before the de-provisioning (effective)
    date, however the plan's due rule falls."""
    if cancellation.purged_at is not None:
        done = arrow.get(cancellation.purged_at, tzinfo="UTC").to(zone(str(customer.time_zone)))
        return f"done on {done.format('ddd YYYY-MM-DD')}"
    if purge is None or purge.due is None:
        return "to be planned"
    planned = purge.due.absolute()
    effective = cancellation.effective_date
    if effective is not None and purge.due.date < effective:
        planned = str(arrow.get(effective).format("ddd YYYY-MM-DD"))
    return f"planned for {planned} by {purge.task.party_names}"


def task_copies(playbook: Playbook, task: PlanTask) -> list[str]:
    """The addresses a task's e-mail copies in: its cc parties', when its own parties have
    addresses (else it goes to the users notified on the cancellation, copying nobody)."""
    addressed = playbook.addresses(task.to or task.parties)
    return outbox.copies(addressed, playbook.addresses(task.cc)) if addressed else []


def compose_task_email(account: str, login: str, task: str) -> Draft:
    """The e-mail a timeline task sends (the final termination e-mail to the account team),
    filled from its template: to the users notified on the cancellation, with the effective
    date, the data decision and when the purge is planned (never before the de-provisioning
    date) or was done. The task is one of the plan the case was begun with.

    When it cannot be written yet (no effective date, no open termination case) the draft is
    empty and ``refusal`` says why."""
    with connection():
        customer = Customer.by_account(account)

        def refused(reason: str) -> Draft:
            return Draft(customer.account, customer.name, "", "", "", 0, None, refusal=reason)

        cancellation = open_case(customer)
        if cancellation is None:
            return refused(f"{customer.name} has no pending cancellation or open termination case.")
        playbook = playbook_for(cancellation)
        plan = plan_of(playbook)  # case_plan(cancellation), without reading the playbook again
        planned = plan.task(task)
        if not planned.template:
            raise InvalidInput(f"'{planned.title}' sends no e-mail.")
        view = timeline(customer, cancellation, plan=plan, playbook=playbook)
        if view.effective_date is None:
            return refused(
                "Set the effective date first (f on the Timeline): the e-mail gives the "
                "de-provisioning date."
            )
        lead = User.get_or_none(User.login == (login or "").strip())
        # To the task's parties (its "to", else its own parties), copying its cc parties, at the
        # addresses the playbook gives; else to the users notified on the cancellation.
        addressed = playbook.addresses(planned.to or planned.parties)
        copied = ", ".join(task_copies(playbook, planned))
        if addressed:
            recipients = ", ".join(addressed)
        else:
            users = (
                User.select(User.email)
                .join(NotifyUser)
                .where((NotifyUser.cancellation == cancellation) & (User.email != ""))
                .order_by(User.login)
            )
            told = [str(user.email) for user in users if user.email]
            told += [address for _, address in notified_parties(cancellation, playbook)]
            recipients = ", ".join(dict.fromkeys(told))
        purge = next((t for t in view.tasks if t.task.completed_by == DoneBy.PURGE), None)
        decision = next((t for t in view.tasks if t.task.completed_by == DoneBy.DECISION), None)
        if cancellation.data_decision == Decision.HOLD:
            data = f"on hold until {cancellation.review_date}: {cancellation.decision_reason}"
        elif cancellation.data_decision == Decision.APPROVE:
            data = "approved for deletion"
        else:
            data = "no decision yet: approved for deletion unless the account team holds it"
        rendered = outbox.render(
            planned.template,
            {
                "customer_name": customer.name,
                "account": customer.account,
                "deprovision_date": arrow.get(view.effective_date).format("dddd D MMMM YYYY"),
                "effective_date": str(view.effective_date),
                "time_zone": customer.time_zone,
                "data_decision": data,
                "purge_information": purge_information(customer, cancellation, purge),
                "decision_due": (
                    decision.due.absolute()
                    if decision is not None and decision.due is not None
                    else "the end of the notice period"
                ),
                "team_lead": lead.display_name if lead is not None else login,
            },
        )
        warnings = (
            ()
            if recipients
            else (
                "Nobody notified on the cancellation has an e-mail address: type the recipients.",
            )
        )
        return Draft(
            customer.account,
            customer.name,
            recipients,
            rendered.subject,
            rendered.body,
            0,
            view.effective_date,
            warnings=warnings,
            cc=copied,
        )


# ----------------------------------------------------------------------------- who is told


@dataclass(frozen=True)
class Recipient:
    """Someone who may be notified when the cancellation is processed: a user (``key`` is the
    login) or one of the playbook's parties (``key`` is the party's key, ``party`` is True)."""

    key: str
    name: str
    email: str  # the address(es), comma-separated; empty: nothing can reach them
    party: bool
    chosen: bool


@dataclass(frozen=True)
class NotifyChoices:
    """Everyone who may be notified on Process, the chosen ones marked, and the customer's
    version they were read at (a change made from them is refused if it moved on)."""

    account: str
    version: int
    users: tuple[Recipient, ...]
    parties: tuple[Recipient, ...]
    # Why there is nothing left to Process: "Redwood Legal LLP was processed by Riley Chen at
    # 2026-01-15 09:30" (empty while the cancellation is pending).
    settled: str = ""

    @property
    def chosen_logins(self) -> tuple[str, ...]:
        return tuple(user.key for user in self.users if user.chosen)

    @property
    def chosen_parties(self) -> tuple[str, ...]:
        return tuple(party.key for party in self.parties if party.chosen)


def party_keys(cancellation: Cancellation) -> tuple[str, ...]:
    """The parties chosen on a cancellation, in the order they were chosen."""
    text = str(cancellation.notify_parties or "")
    return tuple(key for key in (part.strip() for part in text.split(",")) if key)


def notified_parties(cancellation: Cancellation, playbook: Playbook) -> list[tuple[str, str]]:
    """The chosen parties the playbook still gives addresses: (label, address) for each
    address, in the order chosen."""
    found: list[tuple[str, str]] = []
    for key in party_keys(cancellation):
        party = playbook.parties.get(key)
        for address in party.email if party is not None else ():
            found.append((party.label if party is not None else key, address))
    return found


def not_pending(customer: Customer) -> str:
    """What became of a customer's cancellation that is no longer pending, in a clause: "Redwood
    Legal LLP was processed by Riley Chen at 2026-01-15 09:30". Runs inside a connection."""
    done = latest_processed(customer)
    if done is not None:
        return (
            f"{customer.name} was processed by {display_name(done.processed_by_id)} at "
            f"{when(done.processed_at)}"
        )
    removed = (
        Cancellation.select()
        .where(
            (Cancellation.customer == customer) & (Cancellation.state == CancellationState.REMOVED)
        )
        .order_by(Cancellation.removed_at.desc())
        .first()
    )
    if removed is not None:
        return (
            f"{customer.name}'s cancellation was removed by "
            f"{display_name(removed.removed_by_id)} at {when(removed.removed_at)}"
        )
    return f"{customer.name} has no pending cancellation"


def notify_choices(account: str) -> NotifyChoices:
    """Every active user and every party of the case's playbook that has an address, with those
    chosen to be notified on Process marked (a chosen user who was deactivated since is listed
    too, so the choice can be seen and undone)."""
    with connection():
        customer = Customer.by_account(account)
        cancellation = open_case(customer)
        if cancellation is None or cancellation.state != CancellationState.PENDING:
            return NotifyChoices(
                str(customer.account), int(customer.version), (), (), not_pending(customer)
            )
        chosen = {
            int(user.id)
            for user in User.select(User.id)
            .join(NotifyUser)
            .where(NotifyUser.cancellation == cancellation)
        }
        users = tuple(
            Recipient(
                str(user.login),
                str(user.display_name),
                str(user.email or ""),
                False,
                int(user.id) in chosen,
            )
            for user in User.select()
            .where(User.active | User.id.in_(list(chosen) or [0]))
            .order_by(User.display_name, User.login)
        )
        picked = set(party_keys(cancellation))
        playbook = playbook_for(cancellation)
        parties = tuple(
            Recipient(key, party.label, ", ".join(party.email), True, key in picked)
            for key, party in playbook.parties.items()
            if party.email
        )
        return NotifyChoices(str(customer.account), int(customer.version), users, parties)


def choose_notified(
    login: str,
    account: str,
    logins: Sequence[str],
    parties: Sequence[str] = (),
    *,
    expected_version: int | None = None,
) -> Outcome:
    """Choose who is notified when the cancellation is processed: users (any active one) and
    the playbook's parties that have an address. The choice replaces the one before; an empty
    one notifies nobody."""
    with change(login, account, expected_version, doing="choose who is notified") as c:
        users = []
        for name in dict.fromkeys(str(n).strip().lower() for n in logins):
            user = User.get_or_none(User.login == name)
            if user is None:
                raise NotFound(
                    f"There is no user '{clip(name)}' to notify. 'offboard users list' shows "
                    "the logins."
                )
            if not user.active:
                raise InvalidInput(f"{user.display_name} is deactivated and cannot be notified.")
            users.append(user)
        playbook = playbook_for(c.cancellation)
        reachable = [key for key, party in playbook.parties.items() if party.email]
        keys = list(dict.fromkeys(str(k).strip() for k in parties if str(k).strip()))
        for key in keys:
            if key not in reachable:
                named = key in playbook.parties
                raise InvalidInput(
                    f"The playbook's party '{clip(key)}' "
                    + (
                        "has no e-mail address, so it cannot be notified"
                        if named
                        else "does not exist"
                    )
                    + f". Parties that can be notified: {', '.join(reachable) or 'none'}."
                )
        before_users = [
            str(u.login)
            for u in User.select(User.login)
            .join(NotifyUser)
            .where(NotifyUser.cancellation == c.cancellation)
            .order_by(User.login)
        ]
        before_parties = list(party_keys(c.cancellation))
        NotifyUser.delete().where(NotifyUser.cancellation == c.cancellation).execute()
        if users:
            NotifyUser.insert_many(
                [{"cancellation": c.cancellation.id, "user": user.id} for user in users]
            ).execute()
        Cancellation.update(notify_parties=",".join(keys)).where(
            Cancellation.id == c.cancellation.id
        ).execute()
        c.audit(
            "set notify",
            before={"notify": before_users, "parties": before_parties},
            after={"notify": [str(u.login) for u in users], "parties": keys},
        )
        names = [str(u.display_name) for u in users] + [playbook.parties[k].label for k in keys]
        told = ", ".join(names) or "nobody"
        return c.outcome(f"On Process, {told} will be notified.", len(names))
