"""The termination team's sign-offs (seed 000, step 10) as a playbook lists them: which there
are, in order, who each waits for, which is final, and the sign-off a person names.

``SignOff`` and the two tables below are the default playbook's (the demo and tests name them);
what exists for a case is its playbook's ``sign_offs``."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from data.errors import InvalidInput
from data.models import key_named

if TYPE_CHECKING:
    from data.playbook.model import Playbook, SignOffTeam


class SignOff(StrEnum):
    """The default playbook's sign-offs (seed 000, step 10), in order; the final one comes last."""

    CUSTOMER_OPERATIONS = "customer_operations"
    FINANCE = "finance"
    MARKETING_EXCLUSION = "marketing_exclusion"
    MARKETING_REFERENCES = "marketing_references"
    SALES_OPS = "sales_ops"
    FINAL = "final"


SIGN_OFFS: dict[SignOff, str] = {
    SignOff.CUSTOMER_OPERATIONS: "Customer Operations confirms customer attrition",
    SignOff.FINANCE: "Finance confirms invoicing and payment status",
    SignOff.MARKETING_EXCLUSION: "Marketing adds the customer to the exclusion lists",
    SignOff.MARKETING_REFERENCES: "Marketing removes public references to the customer",
    SignOff.SALES_OPS: "Sales Ops confirms no pipeline",
    SignOff.FINAL: "Order Management's final confirmation",
}

# Who each sign-off waits for, in a few words.
SIGN_OFF_TEAMS: dict[SignOff, str] = {
    SignOff.CUSTOMER_OPERATIONS: "Customer Operations",
    SignOff.FINANCE: "Finance",
    SignOff.MARKETING_EXCLUSION: "Marketing (exclusion lists)",
    SignOff.MARKETING_REFERENCES: "Marketing (public references)",
    SignOff.SALES_OPS: "Sales Ops",
    SignOff.FINAL: "Order Management",
}


def _playbook(playbook: Playbook | None) -> Playbook:
    if playbook is not None:
        return playbook
    from data.playbook import current_playbook

    return current_playbook()


def sign_off_labels(playbook: Playbook | None = None) -> dict[str, str]:
    """The playbook's sign-offs in order, by key: what each confirms."""
    return {team.key: team.label for team in _playbook(playbook).sign_offs}


def sign_off_team(playbook: Playbook, key: str) -> SignOffTeam | None:
    return next((team for team in playbook.sign_offs if team.key == key), None)


def sign_off_key(text: str, playbook: Playbook | None = None) -> str:
    """The sign-off of the playbook (the one in force by default) named by its key or label."""
    labels = sign_off_labels(playbook)
    key = key_named(text, labels)
    if key is not None:
        return key
    known = ", ".join(labels) or "none (this playbook has no sign-offs)"
    raise InvalidInput(f"'{text}' is not a sign-off. Use one of: {known}.")
