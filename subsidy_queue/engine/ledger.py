"""The pool ledger's hash chain.

Each line's hash covers its own content and the previous line's hash, so
altering, inserting or deleting a line breaks every later link.
"""

import hashlib

GENESIS = "0" * 64


def chain_hash(prev_hash, content):
    """Return the hex SHA-256 of ``prev_hash`` followed by ``content``.

    ``content`` is a sequence of values; each is written with ``str`` and
    separated by a unit separator so that no two contents collide.
    """
    payload = "\x1f".join([prev_hash] + [str(value) for value in content])
    return hashlib.sha256(payload.encode()).hexdigest()


def first_broken_link(lines):
    """Return the key of the first line whose stored hash does not match.

    ``lines`` yields ``(key, content, prev_hash, stored_hash)`` in chain
    order; returns ``None`` when the whole chain holds.
    """
    expected_prev = GENESIS
    for key, content, prev_hash, stored_hash in lines:
        if prev_hash != expected_prev or chain_hash(prev_hash, content) != stored_hash:
            return key
        expected_prev = stored_hash
    return None
