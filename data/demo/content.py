"""What the demo data set holds: its users and the reason list, the forty companies and the words
their records are made of, how many assets each has, Billing's notes, and which accounts play
which part (nearly ready, many red, sent to collections, already cancelled).

Nothing here touches the database: data/demo/accounts.py and data/demo/cancelling.py make the
rows from it."""

from __future__ import annotations

from data.models import Role

# The one seed of the demo's random choices, so every load is the same.
SEED = 20261121

# login, display name, e-mail, roles, active
USERS = [
    ("sam", "Sam Lee", "sam.lee@example.com", f"{Role.ADMIN},{Role.CANCELLATION}", True),
    ("alex", "Alex Morgan", "alex.morgan@example.com", Role.CANCELLATION, True),
    ("riley", "Riley Chen", "riley.chen@example.com", Role.CANCELLATION, True),
    (
        "tess",
        "Tess Okafor",
        "tess.okafor@example.com",
        "",
        True,
    ),  # telesales: takes over cancelled accounts
    (
        "jordan",
        "Jordan Price",
        "jordan.price@example.com",
        "",
        True,
    ),  # account manager, browses only
    ("casey", "Casey Ward", "casey.ward@example.com", Role.CANCELLATION, False),  # has left
    # Retention (seeds 003 and 004): the retention team, the two approvers and Finance.
    ("amy", "Amy Alvarez", "amy.alvarez@example.com", Role.RETENTION, True),
    ("anglee", "Anglee Park", "anglee.park@example.com", Role.RETENTION, True),
    ("jeremy", "Jeremy Blake", "jeremy.blake@example.com", Role.APPROVER, True),
    ("dustin", "Dustin Hale", "dustin.hale@example.com", Role.APPROVER, True),
    ("kim", "Kim Novak", "kim.novak@example.com", Role.FINANCE, True),
]
# Who owns the customers, in turn.
OWNERS = ["alex", "riley", "jordan", "sam"]

REASONS = [
    "Price",
    "Moved to a competitor",
    "Not using the product",
    "Missing features",
    "Poor support experience",
    "Business closed or merged",
    "Budget cuts",
    "Other",
]

COMPANIES = [
    "Northwind Dental Group",
    "Blue Harbor Logistics",
    "Cedar Valley Clinics",
    "Meridian Health Partners",
    "Apex Roofing Supply",
    "Brightside Pediatrics",
    "Summit Veterinary Care",
    "Oakridge Property Management",
    "Harborview Marine",
    "Lakeshore Physical Therapy",
    "Pinecrest Home Health",
    "Redwood Legal LLP",
    "Silverline Credit Union",
    "Granite State Dermatology",
    "Coastal Urgent Care",
    "Evergreen Senior Living",
    "Ironwood Manufacturing",
    "Juniper Family Medicine",
    "Keystone Auto Group",
    "Lighthouse Counseling",
    "Maple Street Orthodontics",
    "Nova Imaging Center",
    "Orchard Pharmacy",
    "Prairie Wind Energy",
    "Quarry Hill Surgical",
    "Riverbend Eye Associates",
    "Sagebrush Hospice",
    "Tidewater Staffing",
    "Union Square Fitness",
    "Vantage Point Realty",
    "Willow Creek Behavioral",
    "Yellowstone Outfitters",
    "Zenith Sleep Centers",
    "Alder & Finch Accounting",
    "Bayside Chiropractic",
    "Canyon Ridge Schools",
    "Driftwood Hospitality",
    "Foxglove Speech Therapy",
    "Greenfield Agronomy",
    "Hollis Street Bakery",
]
# The first account number; the companies follow in order.
FIRST_ACCOUNT = 100001
ADMIN_FIRST_NAMES = ["Dana", "Chris", "Pat", "Morgan", "Lee", "Robin", "Jamie", "Avery"]
ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "America/Phoenix",
]
ASSET_NAMES = [
    "LMS seat bundle",
    "Credentialing module",
    "Compliance library",
    "Policy manager",
    "Incident reporting",
    "Safety data sheets",
    "E-signature pack",
    "Analytics add-on",
]
CASE_SUBJECTS = [
    "Login issue for admin",
    "Invoice question",
    "Request to export training records",
    "Escalation: cancellation request",
    "Course assignment not showing",
    "Billing note: bill till payout",
    "Data export before deactivation",
    "SSO configuration",
    "Collections follow-up",
]
OPPORTUNITY_NAMES = [
    "Renewal",
    "Upsell: analytics",
    "Add 50 seats",
    "Multi-site expansion",
    "Cross-sell: credentialing",
]

MODULES = [
    "LMS",
    "Compliance",
    "Credentialing Software",
    "Credentialing Service",
    "Incident Reporting",
    "Safety Data Sheets",
]
BILLING_NOTES = [
    "Final amount e-mail sent by Finance on request of the TL. Customer paid in full.",
    "Account set to bill till payout per the contract's terms and conditions.",
    "Two invoices past due; reminder sent. If unpaid by month end it goes to collections.",
    "Sent to collections. No further contact with the admin.",
    "Card on file updated; next invoice goes out as usual.",
]

NEARLY_READY = "100011"  # a month into its timeline, everything clear but one sales order
MANY_RED = "100012"
ALREADY_CANCELLED = "100027"
COLLECTIONS = "100015"  # past due, sent to collections: pending, no contact
PAST_DUE = "100020"  # past due, still Live
LARGE = "100004"  # Meridian Health Partners: 420 assets

# Retention (issue 15): save attempts with each outcome, a change request waiting at each step
# of the approval chain, and a paused customer.
SAVED = "100003"  # Cedar Valley Clinics: saved with a discount
DOWNGRADED = "100005"  # Apex Roofing Supply: moved to a smaller plan
PAUSED = "100006"  # Brightside Pediatrics: paused, its pause ends in six days
OPEN_ATTEMPT = "100007"  # Summit Veterinary Care: an attempt still open
AT_FIRST_STEP = "100008"  # a reduce request waiting for the first approval
AT_SECOND_STEP = "100009"  # a cancel request waiting for the second approval
AT_FINANCE = "100010"  # a reduce request with a credit, waiting for Finance
REJECTED = "100013"  # a cancel request rejected at the second approval

# What a deactivation in the demo (and in tests and benchmarks) records.
SAMPLE_GUID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"


def customer_size(index: int) -> int:
    """How many assets: mostly small, a few mid-sized, one very large."""
    if index == 3:
        return 420
    if index % 9 == 0:
        return 0
    if index % 7 == 0:
        return 60
    if index % 5 == 0:
        return 25
    return 1 + index % 6


def billing_note(account: str) -> str | None:
    """Billing's note on an account, if it has one."""
    note = {
        COLLECTIONS: BILLING_NOTES[3],
        PAST_DUE: BILLING_NOTES[2],
        NEARLY_READY: BILLING_NOTES[0],
        ALREADY_CANCELLED: BILLING_NOTES[0],
        MANY_RED: BILLING_NOTES[1],
    }.get(account)
    if note is None and int(account) % 6 == 0:
        note = BILLING_NOTES[4]
    return note
