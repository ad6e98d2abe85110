"""Every e-mail the demo data set renders — the messages it queued (the notification of the
processed cancellations among them), the offboarding notices and each task's e-mail (the final
termination e-mail too) — is
signed and addressed with plain names: "(you)" never reaches a recipient (issue 14)."""

from __future__ import annotations

import pytest

from data import demo, notices
from data.cancellations.kernel import open_case
from data.db import connection
from data.models import Customer, OutboxMessage, User
from data.timeline import case_plan
from tests.conftest import OpenedDatabase

ME = "root"


def _pending_and_open() -> list[tuple[str, list[str]]]:
    """Each customer with an open case, and the tasks of its plan that send an e-mail."""
    with connection():
        found = []
        for customer in Customer.select().order_by(Customer.account):
            case = open_case(customer)
            if case is not None:
                tasks = [task.key for task in case_plan(case).tasks if task.template]
                found.append((str(customer.account), tasks))
        return found


def test_no_demo_email_says_you(db: OpenedDatabase) -> None:
    demo.load(login=ME)
    with connection():
        assert User.get(User.login == ME).display_name == "Root"
    rendered: list[str] = []
    cases = _pending_and_open()
    assert cases, "the demo has open cases"
    for account, tasks in cases:
        notice = notices.compose_offboarding_notice(account, ME)
        rendered += [notice.recipients, notice.subject, notice.body]
        for task in tasks:
            draft = notices.compose_task_email(account, ME, task)
            rendered += [draft.recipients, draft.cc, draft.subject, draft.body]
    # Written, not refused: the final termination e-mail of a case with its effective date.
    finals = [
        notices.compose_task_email(account, ME, task)
        for account, tasks in cases
        for task in tasks
        if task == "final_termination_mail"
    ]
    signed = [draft for draft in finals if not draft.refusal]
    assert signed, "at least one final termination e-mail is written"
    assert all("Root" in draft.body for draft in signed)
    with connection():
        messages = list(OutboxMessage.select())
    assert messages, "the demo queued e-mails"
    for message in messages:
        rendered += [str(message.recipients), str(message.subject), str(message.body)]
    offenders = [text for text in rendered if "(you)" in text]
    assert offenders == []


@pytest.mark.parametrize("login", ["lead", "pat"])
def test_the_demo_user_is_named_plainly(db: OpenedDatabase, login: str) -> None:
    demo.load(login=login)
    with connection():
        assert User.get(User.login == login).display_name == login.title()
