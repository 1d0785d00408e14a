"""Ending a program: what the queue is still owed becomes store credit.

Two ways, the manager's choice:

``full``
    every queued entry gets its whole remainder as credit; what the pool does
    not hold is the operator's expense (a *funding* of the pool);
``share``
    the pool's balance is shared over the queued entries in proportion to
    what each is still owed, never above it. Units that cannot be split
    exactly go, one each, to the entries with the largest fractions (the
    earliest in the queue first when fractions tie), so the split is exact
    and deterministic.

Either way the pool ends at exactly zero: a pool left negative by reversals
is brought back by the operator's funding, and what nobody is owed any more
is released to the operator. ``pool + funding - credited - release == 0``.
"""

import heapq
from collections import namedtuple

WindDownSplit = namedtuple("WindDownSplit", ["credits", "credited", "owed", "funding", "release"])
"""``credits``: ``[(key, units)]`` for every queued entry, in turn (0 when an
entry gets nothing); ``credited``: their sum; ``owed``: what the queue was
owed; ``funding``: what the operator adds to the pool; ``release``: what goes
back from the pool to the operator."""

OPTIONS = ("full", "share")


def proportional_split(amount, owed):
    """Share ``amount`` units over ``owed`` (``[(key, units)]``, in turn) in proportion.

    Largest remainder: each key first gets ``floor(amount × own / total)``;
    the units left go one each to the largest fractions, ties to the earliest.
    ``0 <= amount <= total`` of what is owed.
    """
    total = sum(units for _key, units in owed)
    if amount < 0 or amount > total:
        raise ValueError("a proportional share is between nothing and what is owed")
    if not total:
        return [(key, 0) for key, _units in owed]
    shares = []
    fractions = []
    for position, (key, units) in enumerate(owed):
        whole, fraction = divmod(amount * units, total)
        shares.append([key, whole])
        fractions.append((fraction, -position))
    left = amount - sum(whole for _key, whole in shares)
    # left < number of entries; a fraction > 0 exists for each unit left, and
    # an entry with a fraction got less than it is owed, so +1 never exceeds it.
    for _fraction, negative_position in heapq.nlargest(left, fractions):
        shares[-negative_position][1] += 1
    return [tuple(share) for share in shares]


def wind_down_split(option, pool_balance, owed):
    """What each queued entry gets, and how the pool ends, when a program closes.

    ``option``: ``"full"`` or ``"share"``; ``pool_balance``: what the pool holds
    (may be negative through reversals); ``owed``: ``[(key, remainder)]`` of the
    queued entries, in turn.
    """
    if option not in OPTIONS:
        raise ValueError(f"unknown wind-down option {option!r}")
    if any(units < 0 for _key, units in owed):
        raise ValueError("an entry cannot be owed a negative amount")
    total = sum(units for _key, units in owed)
    if option == "full":
        credits = list(owed)
        credited = total
    else:
        credited = max(0, min(pool_balance, total))
        credits = proportional_split(credited, owed)
    funding = max(0, credited - pool_balance)
    release = max(0, pool_balance - credited)
    return WindDownSplit(credits, credited, total, funding, release)
