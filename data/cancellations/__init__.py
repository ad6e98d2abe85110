"""The operations of the Cancellation Tool: begin, remove, process, close the termination case,
and resolving the records that keep a section red. Each is one change (``kernel``): one
transaction that checks permission and the customer's version and writes its audit trail.

Every operation takes the acting user's login and the customer's account number, and may take
the customer ``version`` the caller last read: a stale version is refused with a message that
says to refresh, so two team leads on one database never overwrite each other unseen.
"""

from data.cancellations.closing import close_case
from data.cancellations.contact import set_billing_status
from data.cancellations.fields import add_expiry, choose_owner, set_mood, set_notify, set_reasons
from data.cancellations.kernel import Outcome
from data.cancellations.lifecycle import begin, process, remove
from data.cancellations.records import allowed_states, cease_assets, close_cases, close_records
from data.cancellations.scenarios import (
    confirm_step,
    queue_offboarding_notice,
    set_scenario,
    unconfirm_step,
)

__all__ = [
    "Outcome",
    "add_expiry",
    "allowed_states",
    "begin",
    "cease_assets",
    "choose_owner",
    "close_case",
    "close_cases",
    "close_records",
    "confirm_step",
    "process",
    "queue_offboarding_notice",
    "remove",
    "set_billing_status",
    "set_mood",
    "set_notify",
    "set_reasons",
    "set_scenario",
    "unconfirm_step",
]
