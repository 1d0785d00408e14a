"""What refunds do to an entry.

An entry keeps the eligible amount of its order as it was paid (its original
base) and the rates and cap it was created with, for life. Whatever credit
notes stand at a given moment refund ``refunded`` units of that base in all;
the entry's figures follow from those two numbers alone: what was kept, the
target and the contribution at the entry's own rates, and what it received
above its new target (the clawback). A full refund cancels it. Computing from
the original every time makes a credit note that is later edited, re-posted
or cancelled simply a new ``refunded``: nothing depends on the order in which
documents changed.
"""

from collections import namedtuple

from .money import share

RefundFigures = namedtuple("RefundFigures", ["base", "target", "contribution", "clawback", "cancelled"])


def refund_figures(original_base, refunded, received, contribution_rate, subsidy_rate, cap=None):
    """Return the entry's figures once ``refunded`` units of ``original_base`` are refunded.

    ``refunded`` larger than the base counts as a full refund: an order cannot
    give back more subsidy than it earned.
    """
    if refunded < 0 or original_base < 0:
        raise ValueError("a refund or a base cannot be negative")
    kept = max(0, original_base - refunded)
    if kept == 0:
        return RefundFigures(0, 0, 0, received, True)
    target = share(kept, subsidy_rate)
    if cap is not None:
        target = min(target, cap)
    return RefundFigures(kept, target, share(kept, contribution_rate), max(0, received - target), False)
