"""Share the pool's funds over the queue.

``fifo``: the head of the queue takes all it still needs before the next
entry gets anything.

``rotation``: the first ``window`` queued entries are water-filled: each gets
the same amount, except that none gets more than it still needs, and what a
full entry cannot take is shared by the others. Units that cannot be split
evenly go one each to the earliest entries of the window. When every entry of
the window is complete and funds remain, the window moves on to the next
queued entries within the same run.
"""

from collections import namedtuple

Slot = namedtuple("Slot", ["key", "remaining"])
"""A queued entry as the engine sees it: an opaque key and what it still needs."""


def allocate_fifo(funds, slots):
    """Return ``[(key, amount)]`` paid from ``funds`` to ``slots`` in order."""
    paid = []
    for slot in slots:
        if funds <= 0:
            break
        if slot.remaining <= 0:
            continue
        amount = min(funds, slot.remaining)
        paid.append((slot.key, amount))
        funds -= amount
    return paid


def _water_fill(funds, window):
    """Water-fill ``funds`` over ``window`` (funds < total need of the window)."""
    given = dict.fromkeys((slot.key for slot in window), 0)
    open_slots = list(window)
    while funds > 0 and open_slots:
        level = funds // len(open_slots)
        filled = [s for s in open_slots if s.remaining - given[s.key] <= level]
        if filled:
            for slot in filled:
                need = slot.remaining - given[slot.key]
                given[slot.key] += need
                funds -= need
            open_slots = [s for s in open_slots if s not in filled]
            continue
        for slot in open_slots:
            given[slot.key] += level
        funds -= level * len(open_slots)
        # 0 <= funds < len(open_slots): one unit each to the earliest entries;
        # each of them still needs more than ``level`` so it can take it.
        for slot in open_slots[:funds]:
            given[slot.key] += 1
        funds = 0
    return [(slot.key, given[slot.key]) for slot in window if given[slot.key]]


def allocate_rotation(funds, slots, window):
    """Return ``[(key, amount)]`` paid from ``funds`` in rotation mode."""
    if window < 1:
        raise ValueError("the rotation window must hold at least one entry")
    queue = [slot for slot in slots if slot.remaining > 0]
    paid = []
    start = 0
    while funds > 0 and start < len(queue):
        current = queue[start : start + window]
        need = sum(slot.remaining for slot in current)
        if funds >= need:
            paid.extend((slot.key, slot.remaining) for slot in current)
            funds -= need
            start += window
            continue
        paid.extend(_water_fill(funds, current))
        funds = 0
    return paid


def allocate(mode, funds, slots, window=1):
    """Dispatch on the program's queue ``mode`` (``fifo`` or ``rotation``)."""
    if mode == "fifo":
        return allocate_fifo(funds, slots)
    if mode == "rotation":
        return allocate_rotation(funds, slots, window)
    raise ValueError(f"unknown queue mode {mode!r}")
