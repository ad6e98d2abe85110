"""The termination team's sign-offs (seed 000, step 10): which there are, in order, who each
waits for, and the sign-off a person names."""

from __future__ import annotations

from data.errors import InvalidInput
from data.models import key_named

# The termination team's sign-offs (seed 000, step 10), in order; the final one comes last.
SIGN_OFF_FINAL = "final"
SIGN_OFFS: dict[str, str] = {
    "customer_operations": "Customer Operations confirms customer attrition",
    "finance": "Finance confirms invoicing and payment status",
    "marketing_exclusion": "Marketing adds the customer to the exclusion lists",
    "marketing_references": "Marketing removes public references to the customer",
    "sales_ops": "Sales Ops confirms no pipeline",
    SIGN_OFF_FINAL: "Order Management's final confirmation",
}

# Who each sign-off waits for, in a few words.
SIGN_OFF_TEAMS: dict[str, str] = {
    "customer_operations": "Customer Operations",
    "finance": "Finance",
    "marketing_exclusion": "Marketing (exclusion lists)",
    "marketing_references": "Marketing (public references)",
    "sales_ops": "Sales Ops",
    SIGN_OFF_FINAL: "Order Management",
}


def sign_off_key(text: str) -> str:
    key = key_named(text, SIGN_OFFS)
    if key is not None:
        return key
    raise InvalidInput(f"'{text}' is not a sign-off. Use one of: {', '.join(SIGN_OFFS)}.")
