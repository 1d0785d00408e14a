"""What-if projections: where the queue goes if sales change.

A projection is a weekly simulation. Week 0 is the next settlement run, which
pays out what the pool holds now; every later week the pool receives the
week's inflow and a run pays it out to the queue. What is paid out, what is
still owed and what waits in the pool follow from two cumulative sums:

- funds ``F[w]``: the pool balance now plus the inflow of weeks 1..w;
- demand ``D[w]``: what today's queue still needs, plus the targets of the
  entries the coming weeks' sales add at the back of the queue;

and the pool pays whatever it holds while anything is owed, so what has been
paid out by week ``w`` is ``P[w] = max(0, min(F[w], D[w]))``, whatever the
queue mode. The mode only decides *which* entries complete when: in ``fifo``
an entry is complete once ``P`` reaches the cumulative remainder up to it (a
bisection on prefix sums); in ``rotation`` the head of the queue is
water-filled run by run as ``allocation.allocate`` does, whole windows being
skipped with one bisection each. Today's entries always come before the new
ones. Either way the work is ``O(entries + weeks × window)`` on integers:
a million queued entries are one pass of ``itertools.accumulate``.

All amounts are integers of the currency's smallest unit. Nothing here is a
promise: it says what happens *if* sales follow the given inflow.
"""

import math
from bisect import bisect_right
from collections import namedtuple
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate

from .allocation import Slot, allocate

# Ten years: a completion later than this is reported as None ("not within ten years").
LIMIT_WEEKS = 520

WeekFigures = namedtuple("WeekFigures", ["week", "inflow", "paid", "queued", "owed", "pool"])
"""One week of a projection: ``inflow`` into the pool during the week, what the
week's run ``paid`` out, the number of entries still ``queued`` and what is
still ``owed`` to them after the run, and what waits in the ``pool``."""

Projection = namedtuple("Projection", ["weeks", "completion", "completed"])
"""``weeks``: a ``WeekFigures`` per week, 0 (the next run) to the horizon;
``completion``: ``{index: week}`` for the watched entries (``None``: not within
``LIMIT_WEEKS``); ``completed``: ``{week: count}`` of today's entries (the first
``counted``) complete by each checkpoint week."""


def _ratio(units, numerator, denominator):
    """``units × numerator / denominator``, rounded half up to a unit."""
    if not denominator:
        return 0
    value = Decimal(units) * Decimal(repr(numerator)) / Decimal(repr(denominator))
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def weekly_inflow(inflow, days, sales_change_percent=0):
    """The weekly pool inflow of ``inflow`` units received over ``days`` days,
    if sales change by ``sales_change_percent`` (-30: "if sales drop 30 %").

    Each step rounds half up to a unit: first the week (``inflow × 7 / days``),
    then the change (``× (100 + change) / 100``).
    """
    if days <= 0:
        raise ValueError("an inflow is observed over at least one day")
    if sales_change_percent < -100:
        raise ValueError("sales cannot drop by more than 100 %")
    week = _ratio(inflow, 7, days)
    return _ratio(week, 100 + sales_change_percent, 100)


def weeks_to_cover(needed, pool_balance, weekly):
    """First week ``w`` at which ``pool_balance + w × weekly >= needed``, or None.

    Week 0 is the next run (the pool as it is). None when the weekly inflow is
    nil or the week is beyond ``LIMIT_WEEKS``.
    """
    if needed <= max(0, pool_balance):
        return 0
    if weekly <= 0:
        return None
    week = max(0, math.ceil((needed - pool_balance) / weekly))
    # Integer check of the float division's rounding.
    while week > 0 and pool_balance + (week - 1) * weekly >= needed:
        week -= 1
    while pool_balance + week * weekly < needed:
        week += 1
    return week if week <= LIMIT_WEEKS else None


class QueueProjection:
    """Today's queue, ready to be projected under several inflows.

    The queue comes as blocks of consecutive entries, each with its count and
    what its entries still need (the running sums the queue keeps, see
    ``positions.py``), and ``expand(block)``: the remainders of one block's
    entries in turn, asked only where a single entry matters (the entry the
    funds of a week stop in, a watched entry, a rotation window). At a
    million entries that is a thousand block sums and a few blocks expanded,
    never the whole queue. ``QueueProjection(remainders, ...)`` takes a list
    and cuts it into blocks itself.

    ``pool_balance``: what the pool holds now (negative only through
    reversals); ``mode``/``window``: the program's queue mode and rotation
    window.
    """

    def __init__(self, remainders, pool_balance, mode="fifo", window=1, block_size=1024):
        remainders = list(remainders)
        if any(units < 0 for units in remainders):
            raise ValueError("a queued entry cannot need a negative amount")
        blocks = [
            (len(remainders[start : start + block_size]), sum(remainders[start : start + block_size]))
            for start in range(0, len(remainders), block_size)
        ]

        def expand(block):
            return remainders[block * block_size : (block + 1) * block_size]

        self._setup(blocks, expand, pool_balance, mode, window)

    @classmethod
    def from_blocks(cls, blocks, expand, pool_balance, mode="fifo", window=1):
        """A queue given as ``[(count, total)]`` block sums and ``expand(i)``,
        the remainders of the ``i``-th block (of this list) in turn."""
        queue = cls.__new__(cls)
        queue._setup(blocks, expand, pool_balance, mode, window)
        return queue

    def _setup(self, blocks, expand, pool_balance, mode, window):
        if mode not in ("fifo", "rotation"):
            raise ValueError(f"unknown queue mode {mode!r}")
        if mode == "rotation" and window < 1:
            raise ValueError("the rotation window must hold at least one entry")
        if any(count < 0 or total < 0 for count, total in blocks):
            raise ValueError("a block cannot hold a negative count or amount")
        self.mode = mode
        self.window = window
        self.pool_balance = pool_balance
        self._expand = expand
        self._expanded = {}
        self.block_counts = [0, *accumulate(count for count, _total in blocks)]
        self.block_totals = [0, *accumulate(total for _count, total in blocks)]
        self.count = self.block_counts[-1]
        self.total = self.block_totals[-1]

    def joined(self, units):
        """This queue with one more entry at its back, needing ``units``
        (an entry joining today)."""
        counts = self.block_counts
        totals = self.block_totals
        blocks = [(counts[i + 1] - counts[i], totals[i + 1] - totals[i]) for i in range(len(counts) - 1)]
        last = len(blocks)

        def expand(block):
            return [units] if block == last else self._expand(block)

        queue = QueueProjection.from_blocks(
            blocks + [(1, units)], expand, self.pool_balance, self.mode, self.window
        )
        queue._expanded = dict(self._expanded)
        return queue

    def _block_prefix(self, block):
        """Prefix sums of one block's remainders, fetched once."""
        prefix = self._expanded.get(block)
        if prefix is None:
            remainders = list(self._expand(block))
            count = self.block_counts[block + 1] - self.block_counts[block]
            total = self.block_totals[block + 1] - self.block_totals[block]
            if len(remainders) != count or sum(remainders) != total or any(r < 0 for r in remainders):
                raise ValueError(f"block {block} does not hold what its sums say")
            prefix = self._expanded[block] = [0, *accumulate(remainders)]
        return prefix

    def prefix(self, index):
        """What the entries before ``index`` (0..count) still need, in all."""
        if index >= self.count:
            return self.total
        block = bisect_right(self.block_counts, index) - 1
        return self.block_totals[block] + self._block_prefix(block)[index - self.block_counts[block]]

    def reach(self, amount):
        """How many entries, from the head, ``amount`` completes: the largest
        ``i`` with ``prefix(i) <= amount``."""
        if amount >= self.total:
            return self.count
        block = bisect_right(self.block_totals, amount) - 1
        # Empty blocks (all paid) share their total with the next: go to the last.
        inner = self._block_prefix(block) if self.block_counts[block + 1] > self.block_counts[block] else [0]
        return self.block_counts[block] + bisect_right(inner, amount - self.block_totals[block]) - 1

    def remainder(self, index):
        return self.prefix(index + 1) - self.prefix(index)

    def run(
        self, weekly, weeks, new_owed_ratio=None, new_entry_size=0, watch=(), checkpoints=(), counted=None
    ):
        """Project the queue over ``weeks`` weeks at ``weekly`` units of inflow a week.

        ``new_owed_ratio``: ``(target, contribution)`` of the entries future
        sales add: each week they are owed ``inflow × target / contribution``
        (None: no new entries); ``new_entry_size``: the mean target of one new
        entry, to count them (0: they are not counted). ``watch``: indices of
        today's entries whose week of completion is wanted. ``checkpoints``:
        weeks at which the entries complete among the first ``counted`` (all by
        default) are counted.
        """
        if weekly < 0 or weeks < 0:
            raise ValueError("a projection needs a non-negative inflow and horizon")
        counted = self.count if counted is None else min(counted, self.count)
        horizon = max([weeks, *checkpoints])
        new_owed = _ratio(weekly, *new_owed_ratio) if new_owed_ratio else 0
        new_count = _ratio(new_owed, 1, new_entry_size) if new_entry_size > 0 else 0
        paid_series = self._paid_series(weekly, horizon, new_owed)
        today = [min(paid, self.total) for paid in paid_series]
        if self.mode == "fifo":
            # Only the weeks shown and the checkpoints: each is one bisection.
            wanted = set(range(weeks + 1)) | set(checkpoints)
            done = {week: self.reach(today[week]) for week in wanted}
            completion = {index: self._fifo_week(index, weekly) for index in watch}
            done_counted = {week: min(count, counted) for week, count in done.items()}
        else:
            done, done_counted, completion = self._rotation(weekly, horizon, watch, counted)
        figures = []
        previous = 0
        for week in range(weeks + 1):
            funds = self.pool_balance + week * weekly
            demand = self.total + week * new_owed
            paid = paid_series[week]
            # The new entries: the same size each week, paid in turn after today's queue.
            new_paid = max(0, paid - self.total)
            new_waiting = 0
            if new_count and week:
                full = min(week, new_paid // new_owed)
                partial = new_paid - full * new_owed
                new_waiting = (week - full) * new_count - new_count * partial // new_owed
            figures.append(
                WeekFigures(
                    week,
                    weekly if week else 0,
                    paid - previous,
                    self.count - done[week] + new_waiting,
                    demand - paid,
                    funds - paid,
                )
            )
            previous = paid
        completed = {week: done_counted[week] for week in checkpoints}
        return Projection(figures, completion, completed)

    def _paid_series(self, weekly, horizon, new_owed):
        """``P[w]``, cumulative paid out by the run of week ``w``, for 0..horizon."""
        return [
            max(0, min(self.pool_balance + week * weekly, self.total + week * new_owed))
            for week in range(horizon + 1)
        ]

    def _fifo_week(self, index, weekly):
        if not 0 <= index < self.count:
            raise IndexError(f"no queued entry at index {index}")
        return weeks_to_cover(self.prefix(index + 1), self.pool_balance, weekly)

    def _rotation(self, weekly, horizon, watch, counted):
        """Run the rotation week by week over today's queue.

        Today's entries come before the new ones, so what reaches them by week
        ``w`` is ``min(total, P[w])``. The simulation goes on past the horizon
        (up to ``LIMIT_WEEKS``) until the watched entries are complete: a
        water-filled window can complete an entry long before the entries
        ahead of it, so no shortcut is exact. Each week costs a window and a
        bisection, whatever the length of the queue. Returns the per-week
        counts of complete entries (all, and among the first ``counted``) and
        the watched entries' weeks.
        """
        for index in watch:
            if not 0 <= index < self.count:
                raise IndexError(f"no queued entry at index {index}")
        count, window = self.count, self.window
        pending = []  # [index, still needed] of the entries before ``ptr`` that are not complete
        ptr = 0
        done, done_counted = [], []
        completion = dict.fromkeys(watch)
        open_watch = set(watch)
        previous = 0
        week = 0
        while week <= horizon or (open_watch and week <= LIMIT_WEEKS and previous < self.total):
            cumulative = min(self.total, max(0, self.pool_balance + week * weekly))
            funds = cumulative - previous
            previous = cumulative
            while funds > 0 and (pending or ptr < count):
                take = min(window - len(pending), count - ptr)
                current = pending + [[i, self.remainder(i)] for i in range(ptr, ptr + take)]
                need = sum(still for _i, still in current)
                ptr += take
                if funds < need:
                    slots = [Slot(i, still) for i, still in current]
                    paid = dict(allocate("rotation", funds, slots, window))
                    pending = [[i, still - paid.get(i, 0)] for i, still in current if still > paid.get(i, 0)]
                    break
                funds -= need
                pending = []
                # The whole windows the rest of the funds pay in full: one bisection.
                start = self.prefix(ptr)
                last = self.reach(start + funds)
                if last < count:
                    last = ptr + (last - ptr) // window * window
                funds -= self.prefix(last) - start
                ptr = last
            waiting = {i for i, _still in pending}
            done.append(ptr - len(pending))
            done_counted.append(min(ptr, counted) - sum(1 for i in waiting if i < counted))
            for index in list(open_watch):
                if index < ptr and index not in waiting:
                    completion[index] = week
                    open_watch.discard(index)
            week += 1
        return done, done_counted, completion
