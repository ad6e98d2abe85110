"""The offers a save attempt may make (discount, plan change, extension, pause, other): a list
the CRM admins edit, like the cancellation reasons. A retired offer is no longer offered but
stays on the attempts that made it."""

from __future__ import annotations

from data.errors import InvalidInput, NotFound
from data.pick_lists import Listed, PickList
from data.retention.models import Offer

DEFAULT_OFFERS = ("Discount", "Plan change", "Extension", "Pause", "Other")


OfferRow = Listed  # an offer in the list
OFFERS = PickList(Offer, "offer", article="An")


def list_offers(*, include_retired: bool = False) -> list[OfferRow]:
    return OFFERS.entries(include_retired=include_retired)


def add_offer(acting_login: str, name: str) -> OfferRow:
    """Add an offer to the list (CRM admins only)."""
    return OFFERS.add(acting_login, name)


def retire_offer(acting_login: str, offer_id: int, *, active: bool = False) -> OfferRow:
    """Retire an offer (it stays on the attempts that made it) or bring it back."""
    return OFFERS.retire(acting_login, offer_id, active=active)


def offers_named(names: list[str]) -> list[str]:
    """The offers named (by id or name, any case), as the list spells them; a retired or unknown
    one is refused. Runs inside a connection."""
    known = {str(o.name).casefold(): o for o in Offer.select()}
    by_id = {str(o.id): o for o in known.values()}
    chosen: list[str] = []
    for name in names:
        text = " ".join((name or "").split())
        if not text:
            continue
        offer = by_id.get(text) or known.get(text.casefold())
        if offer is None:
            listed = ", ".join(str(o.name) for o in known.values() if o.active) or "none yet"
            raise NotFound(
                f"There is no offer '{text}'. Offers: {listed} (a CRM admin adds one with "
                "offboard offers add NAME)."
            )
        if not offer.active:
            raise InvalidInput(f"The offer '{offer.name}' is retired and can no longer be made.")
        if str(offer.name) not in chosen:
            chosen.append(str(offer.name))
    return chosen
