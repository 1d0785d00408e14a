"""Conversions between currency amounts and whole minor units."""

from decimal import ROUND_HALF_UP, Decimal


def to_units(amount, rounding):
    """Return ``amount`` (a float or Decimal) as an int of ``rounding`` steps.

    Rounds half away from zero, as Odoo's ``float_round`` does.
    """
    steps = Decimal(repr(amount)) / Decimal(repr(rounding))
    return int(steps.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_units(units, rounding):
    """Return ``units`` steps of ``rounding`` as a float amount."""
    step = Decimal(repr(rounding))
    return float(Decimal(units) * step)


def share(units, rate_percent):
    """Return ``rate_percent`` % of ``units``, rounded half up to a unit."""
    if units < 0:
        return -share(-units, rate_percent)
    value = Decimal(units) * Decimal(repr(rate_percent)) / Decimal(100)
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
