"""What a refund does to an entry.

A refund of ``refunded`` units out of an order's eligible ``base`` shrinks
the entry in proportion: its new base is what was kept, its target and the
contribution follow the rates it was created with. A full refund cancels it.
What the entry received above its new target goes back to the pool (the
clawback).
"""

from collections import namedtuple

from .money import share

RefundOutcome = namedtuple(
    "RefundOutcome",
    ["base", "target", "contribution", "reversal", "clawback", "cancelled"],
)


def refund_outcome(base, target, contribution, received, refunded, contribution_rate, subsidy_rate, cap=None):
    """Return the entry's figures after ``refunded`` units of its base are refunded.

    ``refunded`` larger than ``base`` counts as a full refund: an order cannot
    give back more subsidy than it earned.
    """
    if refunded < 0:
        raise ValueError("a refund cannot be negative")
    new_base = max(0, base - refunded)
    if new_base == 0:
        return RefundOutcome(0, 0, 0, contribution, received, True)
    new_target = share(new_base, subsidy_rate)
    if cap is not None:
        new_target = min(new_target, cap)
    new_target = min(new_target, target)
    new_contribution = min(share(new_base, contribution_rate), contribution)
    return RefundOutcome(
        new_base,
        new_target,
        new_contribution,
        contribution - new_contribution,
        max(0, received - new_target),
        False,
    )
