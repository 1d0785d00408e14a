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

The tests keep a reference model of the queue (``QueueBook`` in
``tests/common.py``) and compare it with a brute-force count.
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
