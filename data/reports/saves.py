"""Save attempts as the reports read them (data.retention records them): how many were made
for a customer, as a subquery of another report's query."""

from __future__ import annotations


def attempts_subquery(customer_column: str) -> str:
    """SQL for the number of save attempts made for the customer in ``customer_column``."""
    return f"(SELECT COUNT(*) FROM save_attempt sa WHERE sa.customer_id = {customer_column})"
