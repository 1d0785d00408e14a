"""Positions and amounts ahead, exact and cheap at a million queued entries.

Each entry has a sequence number that fixes its turn. The queue is cut into
blocks of ``BLOCK_SIZE`` consecutive sequence numbers, and each block keeps
two running sums over its *queued* entries: how many there are and what they
still need (target - received). Then, for an entry:

- position = queued entries ahead of it + 1,
- amount ahead = what the entries ahead of it still need,

and both are a sum over at most ``n / BLOCK_SIZE`` block rows plus at most
``BLOCK_SIZE`` entries of the entry's own block: a few hundred rows at a
million entries, never a scan of the queue. Every change of an entry
(created, paid, cancelled, expired) is one update of its block's sums.

``QueueBook`` is the reference model of the queue that the database mirrors;
the tests compare it with a brute-force count.
"""

BLOCK_SIZE = 1024


def block_of(seq):
    """Return the block number of sequence number ``seq``."""
    return seq // BLOCK_SIZE


def standing_from_sums(queued_before, outstanding_before, remaining):
    """Return ``(position, amount_ahead, paid_in_full_after)`` of an entry.

    ``queued_before`` and ``outstanding_before`` are the count and the
    outstanding amount of the queued entries with a lower sequence;
    ``remaining`` is what the entry itself still needs. ``paid_in_full_after``
    is what the pool must still pay out before the entry is complete in
    ``fifo`` order.
    """
    return queued_before + 1, outstanding_before, outstanding_before + remaining


class QueueBook:
    """An in-memory queue of one program, with its block sums."""

    def __init__(self):
        self.entries = {}  # seq -> [target, received, state]
        self.blocks = {}  # block -> [queued_count, outstanding]
        self.next_seq = 1

    def _block(self, seq):
        return self.blocks.setdefault(block_of(seq), [0, 0])

    def add(self, target):
        """Queue a new entry needing ``target``; return its sequence."""
        if target <= 0:
            raise ValueError("an entry's target must be positive")
        seq = self.next_seq
        self.next_seq += 1
        self.entries[seq] = [target, 0, "queued"]
        block = self._block(seq)
        block[0] += 1
        block[1] += target
        return seq

    def pay(self, seq, amount):
        """Pay ``amount`` to the queued entry ``seq``."""
        entry = self.entries[seq]
        target, received, state = entry
        if state != "queued" or amount <= 0 or received + amount > target:
            raise ValueError(f"cannot pay {amount} to entry {seq}")
        entry[1] = received + amount
        block = self._block(seq)
        block[1] -= amount
        if entry[1] == target:
            entry[2] = "done"
            block[0] -= 1

    def leave(self, seq, state="cancelled"):
        """Take the queued entry ``seq`` out of the queue."""
        entry = self.entries[seq]
        if entry[2] != "queued":
            raise ValueError(f"entry {seq} is not queued")
        entry[2] = state
        block = self._block(seq)
        block[0] -= 1
        block[1] -= entry[0] - entry[1]

    def queued(self):
        """Yield ``(seq, remaining)`` of the queued entries in turn."""
        for seq in sorted(self.entries):
            target, received, state = self.entries[seq]
            if state == "queued":
                yield seq, target - received

    def standing(self, seq):
        """Return ``(position, amount_ahead, paid_in_full_after)`` from the sums."""
        target, received, _state = self.entries[seq]
        mine = block_of(seq)
        count = outstanding = 0
        for number, (queued, need) in self.blocks.items():
            if number < mine:
                count += queued
                outstanding += need
        for other in range(mine * BLOCK_SIZE, seq):
            row = self.entries.get(other)
            if row and row[2] == "queued":
                count += 1
                outstanding += row[0] - row[1]
        return standing_from_sums(count, outstanding, target - received)

    def standing_by_scan(self, seq):
        """The same figures by a full scan: the slow, obvious reference."""
        target, received, _state = self.entries[seq]
        ahead = [(t - r) for s, (t, r, st) in self.entries.items() if s < seq and st == "queued"]
        return standing_from_sums(len(ahead), sum(ahead), target - received)
