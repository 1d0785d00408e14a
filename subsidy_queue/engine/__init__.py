"""The queue subsidy engine: plain Python, standard library only.

Every amount handled here is an ``int`` of the currency's smallest unit
(cents for CNY), so that the rules are exact and deterministic. The Odoo
models convert to and from these units at the edges and call the engine once
per batch.
"""

from .allocation import Slot, allocate
from .estimates import estimate_wait, project_completion
from .ledger import GENESIS, first_broken_link, line_hash
from .money import share, to_units, from_units
from .positions import BLOCK_SIZE, block_of, standing_from_sums
from .projection import LIMIT_WEEKS, QueueProjection, weekly_inflow, weeks_to_cover
from .refunds import refund_figures
from .wind_down import proportional_split, wind_down_split

__all__ = [
    "BLOCK_SIZE",
    "GENESIS",
    "LIMIT_WEEKS",
    "QueueProjection",
    "Slot",
    "allocate",
    "block_of",
    "estimate_wait",
    "first_broken_link",
    "line_hash",
    "from_units",
    "project_completion",
    "proportional_split",
    "refund_figures",
    "share",
    "standing_from_sums",
    "to_units",
    "weekly_inflow",
    "weeks_to_cover",
    "wind_down_split",
]
