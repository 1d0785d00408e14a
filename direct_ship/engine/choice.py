"""Choose the supplier of a direct-ship line.

Candidates the supplier declared unavailable, or that already refused or
missed this line, are out. Then, by policy:

- ``cheapest``: the lowest price, then the shortest handling time;
- ``fastest``: the shortest handling time, then the lowest price;
- ``preferred``: a preferred supplier first, then the cheapest;
- ``region``: suppliers serving the shopper's address first, then the cheapest.

Ties keep the product's own supplier order (``rank``), so the choice is
deterministic. Returns ``(candidate, reason_code)`` or ``(None, reason_code)``.
"""

from collections import namedtuple

Candidate = namedtuple(
    "Candidate", ["key", "rank", "price", "delay", "preferred", "serves", "available", "excluded"]
)

POLICIES = ("cheapest", "fastest", "preferred", "region")


def choose(candidates, policy):
    if policy not in POLICIES:
        raise ValueError(f"unknown supplier policy {policy!r}")
    eligible = [c for c in candidates if c.available and not c.excluded]
    if not eligible:
        if any(c.excluded for c in candidates):
            return None, "all_excluded"
        return None, "none_available" if candidates else "no_supplier"
    keys = {
        "cheapest": lambda c: (c.price, c.delay, c.rank),
        "fastest": lambda c: (c.delay, c.price, c.rank),
        "preferred": lambda c: (not c.preferred, c.price, c.delay, c.rank),
        "region": lambda c: (not c.serves, c.price, c.delay, c.rank),
    }
    best = min(eligible, key=keys[policy])
    if policy == "preferred" and not best.preferred:
        return best, "cheapest"
    if policy == "region" and not best.serves:
        return best, "no_region_match"
    return best, policy
