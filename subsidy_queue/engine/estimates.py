"""Honest wait estimates and what-if projections.

Nothing here is a promise: the pool is funded only by future sales. The
estimate is a range built from two observed inflow rates (the last 7 and 30
days); when either rate is zero the upper end is open.
"""

import math
from collections import namedtuple

WaitEstimate = namedtuple("WaitEstimate", ["needed", "days_min", "days_max"])
"""``needed``: units the pool must still receive before the entry is complete;
``days_min``/``days_max``: whole days at the faster/slower inflow rate, ``None``
when that rate is zero (no estimate)."""


def _days(needed, per_day):
    if needed <= 0:
        return 0
    if per_day <= 0:
        return None
    return math.ceil(needed / per_day)


def estimate_wait(paid_in_full_after, pool_balance, inflow_7d, inflow_30d):
    """Estimate the wait of an entry.

    ``paid_in_full_after``: what the pool must pay out before the entry is
    complete; ``pool_balance``: funds already in the pool, waiting for the
    next run; ``inflow_7d``/``inflow_30d``: net contributions of the last 7
    and 30 days.
    """
    needed = max(0, paid_in_full_after - max(0, pool_balance))
    rates = sorted((inflow_7d / 7, inflow_30d / 30))
    return WaitEstimate(needed, _days(needed, rates[1]), _days(needed, rates[0]))


def project_completion(needed, inflow_per_day, sales_change_percent=0):
    """Days until ``needed`` units have come in, if sales change by ``sales_change_percent``.

    ``sales_change_percent`` of -30 answers "if sales drop 30 %".
    Returns ``None`` when no money would come in at all.
    """
    per_day = inflow_per_day * (100 + sales_change_percent) / 100
    return _days(needed, per_day)
