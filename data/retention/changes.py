"""The change context of the retention operations: the Cancellation Tool's one change kernel
(data.cancellations.kernel.customer_change), with the retention rules' own permission check
instead of the customer-cancellation role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from data.cancellations.kernel import CustomerChange, customer_change
from data.errors import NotAllowed
from data.models import Customer, Role, User

# Who works on retention besides the account manager (the customer's owner).
RETENTION_ROLES = (Role.RETENTION, Role.CANCELLATION, Role.ADMIN)


def works_on(who: User, customer: Customer) -> bool:
    """The account manager, or someone with a retention role."""
    return who.id == customer.owner_id or who.has_any_role(*RETENTION_ROLES)


def require_works_on(who: User, customer: Customer, doing: str) -> None:
    if not works_on(who, customer):
        roles = " or ".join(f"'{role}'" for role in RETENTION_ROLES)
        raise NotAllowed(
            f"{who.display_name} cannot {doing}: only {customer.name}'s account manager or "
            f"someone with the {roles} role may."
        )


@contextmanager
def retention_change(
    login: str,
    account: str,
    *,
    expected_version: int | None = None,
    allowed: Callable[[User, Customer], None],
) -> Iterator[CustomerChange]:
    """One retention change to a customer through the one change kernel (one transaction, the
    customer locked, its version checked and bumped, the audit written): ``allowed`` refuses the
    user (or the customer's state) instead of the customer-cancellation role;
    ``expected_version`` is the customer's."""
    with customer_change(
        login, account, expected_version, doing="change retention", allowed=allowed
    ) as current:
        yield current
