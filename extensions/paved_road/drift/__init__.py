"""``paved-road drift``: how far a product has moved from the template it was made from.

The check re-renders the template at the product's recorded commit with its recorded answers,
reads the ownership policy from that re-render (never from the product), and compares.
Exit codes: 0 in policy, 1 violations, 2 cannot check.
"""

from .check import run_check
from .errors import CannotCheck
from .report import Report

__all__ = ["CannotCheck", "Report", "run_check"]
