"""The pool ledger's hash chain.

Each line's hash covers its own content and the previous line's hash, so
altering, inserting or deleting a line breaks every later link.

A line's content is a tuple of values whose last two are its credit note and
its label. Lines written before these were covered carry a bare hex hash of
the content without them; lines written since carry ``"2:"`` and the hash of
the whole content. Nobody can turn a line of the second kind into one of the
first: the prefix is part of the hash the next line (or the program's tail)
chains to.
"""

import hashlib

GENESIS = "0" * 64
VERSION_PREFIX = "2:"


def chain_hash(prev_hash, content):
    """Return the hex SHA-256 of ``prev_hash`` followed by ``content``.

    ``content`` is a sequence of values; each is written with ``str`` and
    separated by a unit separator so that no two contents collide.
    """
    payload = "\x1f".join([prev_hash] + [str(value) for value in content])
    return hashlib.sha256(payload.encode()).hexdigest()


def line_hash(prev_hash, content):
    """The hash a new line stores: all of its content, marked as such."""
    return VERSION_PREFIX + chain_hash(prev_hash, content)


def _expected(prev_hash, content, stored_hash):
    if stored_hash and stored_hash.startswith(VERSION_PREFIX):
        return line_hash(prev_hash, content)
    return chain_hash(prev_hash, content[:-2])


def first_broken_link(lines, tail_hash=None):
    """Return the key of the first line whose stored hash does not match.

    ``lines`` yields ``(key, content, prev_hash, stored_hash)`` in chain
    order; returns ``None`` when the whole chain holds. With ``tail_hash``
    (the last hash the ledger's owner remembers), a chain that stops short of
    it, or runs past it, is broken at its last line (``"tail"`` when empty).
    """
    expected_prev = GENESIS
    key = None
    for key, content, prev_hash, stored_hash in lines:
        if prev_hash != expected_prev or _expected(prev_hash, content, stored_hash) != stored_hash:
            return key
        expected_prev = stored_hash
    if tail_hash is not None and tail_hash != expected_prev:
        return key if key is not None else "tail"
    return None
