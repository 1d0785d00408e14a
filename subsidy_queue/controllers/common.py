"""What the shopper's portal and JSON API share: strict input checks.

Both channels read the shopper's entries and withdrawals through the models'
``_shopper_page`` (same order, same limits), and check what a shopper sends
through :func:`clean_withdrawal_values` and :func:`parse_paging` before any
model sees it. A bad value raises a
translated ``ValidationError`` that never quotes anybody's record.
"""

import math
import re
from decimal import Decimal

from odoo import _
from odoo.exceptions import ValidationError
from odoo.http import request

from ..models.subsidy_protected_mixin import DEFAULT_LIMIT, MAX_LIMIT
from ..models.subsidy_withdrawal import has_hidden_marks

MAX_ID = 2**31 - 1  # PostgreSQL's integer: a larger id can only be a probe
MAX_BODY = 16 * 1024  # the API's request bodies
MAX_AMOUNT = Decimal(10**9)
MAX_TEXT = {"payout_method": 16, "bank_acc_number": 64, "wallet_account": 128, "holder_name": 128}
WITHDRAWAL_KEYS = frozenset({"account_id", "amount", "bank_account_id"} | MAX_TEXT.keys())
_DECIMAL = re.compile(r"[0-9]{1,10}(\.[0-9]{1,6})?")
_DIGITS = re.compile(r"[0-9]{1,10}")
# Control characters (tabs and line breaks aside) and the invisible marks that reorder
# or hide text (bidi overrides and isolates, zero-width characters).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


# ----------------------------------------------------------------------
# Values a shopper sends
# ----------------------------------------------------------------------


def parse_id(value, form=False):
    """A record id: a positive JSON integer (or, from a form, its digits), else ``None``."""
    if form and isinstance(value, str) and _DIGITS.fullmatch(value):
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID:
        return value
    return None


def parse_amount(value):
    """An amount: a finite, positive JSON number or decimal string, within bounds; a ``Decimal``.

    ``true``/``false`` are not numbers; the currency's precision is checked
    by the withdrawal itself, which knows the account's currency.
    """
    number = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, float) and math.isfinite(value):
        number = Decimal(repr(value))
    elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        number = Decimal(value.strip())
    if number is None or not number.is_finite():
        raise ValidationError(_("The amount must be a number, such as 50 or 49.90."))
    if number <= 0:
        raise ValidationError(_("A withdrawal must be of a positive amount."))
    if number > MAX_AMOUNT:
        raise ValidationError(_("The amount is too large."))
    return number


def parse_text(value, size):
    """Text of at most ``size`` characters, printable; ``None`` when absent."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > size:
        raise ValidationError(_("A text field holds at most %s printable characters.", size))
    if _CONTROL.search(value) or has_hidden_marks(
        value.replace("\t", " ").replace("\n", " ").replace("\r", " ")
    ):
        raise ValidationError(_("A text field cannot hold control characters or marks that do not show."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(_("A text field holds at most %s printable characters.", size)) from None
    return value.strip()


def clean_withdrawal_values(values, form=False):
    """Check the types of a withdrawal request; return the values the model expects.

    ``form`` says the values come from the portal's HTML form (all strings,
    an empty field means "not given", other fields are ignored); from the
    API, ``values`` is the JSON object and an unknown key is refused.
    """
    if form:
        values = {key: value for key, value in values.items() if key in WITHDRAWAL_KEYS and value != ""}
    else:
        unknown = sorted(set(values) - WITHDRAWAL_KEYS)
        if unknown:
            raise ValidationError(
                _(
                    "Unknown field: %(field)s. Known fields: %(known)s.",
                    field=str(unknown[0])[:32],
                    known=", ".join(sorted(WITHDRAWAL_KEYS)),
                )
            )
        values = {key: value for key, value in values.items() if value is not None}
    clean = {"amount": float(parse_amount(values.get("amount")))}
    for key in ("account_id", "bank_account_id"):
        if key in values:
            clean[key] = parse_id(values[key], form=form)
            if not clean[key]:
                raise ValidationError(_("An id is a positive whole number."))
    for key, size in MAX_TEXT.items():
        text = parse_text(values.get(key), size)
        if text:
            clean[key] = text
    return clean


def parse_paging(args):
    """``limit`` (1 to MAX_LIMIT, default DEFAULT_LIMIT) and ``offset`` (0 or more) from a query."""
    paging = {"limit": DEFAULT_LIMIT, "offset": 0}
    for key, low in (("limit", 1), ("offset", 0)):
        value = args.get(key)
        if value is None:
            continue
        if not _DIGITS.fullmatch(value) or not low <= int(value) <= (MAX_LIMIT if key == "limit" else MAX_ID):
            if key == "limit":
                raise ValidationError(_("limit must be a whole number from 1 to %s.", MAX_LIMIT))
            raise ValidationError(_("offset must be a whole number, 0 or more."))
        paging[key] = int(value)
    return paging


def parse_state(model, value):
    """A state filter: one of the model's states, else a ``ValidationError``."""
    if value is None:
        return None
    states = [state for state, _label in model._fields["state"].selection]
    if value not in states:
        raise ValidationError(_("Unknown state. Known states: %s.", ", ".join(states)))
    return value


SIGN_IN_KEYS = frozenset({"login", "password", "device_name", "totp_code"})
_TOTP_CODE = re.compile(r"[0-9]{6}")


def clean_sign_in_values(values):
    """The app's sign-in: ``login``, ``password``, ``device_name`` and, for a user with
    two-factor authentication, ``totp_code`` (the 6 digits of their authenticator)."""
    unknown = sorted(set(values) - SIGN_IN_KEYS)
    if unknown:
        raise ValidationError(
            _(
                "Unknown field: %(field)s. Known fields: %(known)s.",
                field=str(unknown[0])[:32],
                known=", ".join(sorted(SIGN_IN_KEYS)),
            )
        )
    clean = {}
    for key, size in (("login", 256), ("password", 1024), ("device_name", 64)):
        value = values.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(_("Give the login, the password and a name for this device."))
        clean[key] = value if key == "password" else parse_text(value, size)
        if len(value) > size:
            raise ValidationError(_("A text field holds at most %s printable characters.", size))
    code = values.get("totp_code")
    if code is not None:
        if not isinstance(code, str) or not _TOTP_CODE.fullmatch(code):
            raise ValidationError(_("The code of your authenticator app is 6 digits."))
        clean["totp_code"] = code
    return clean


def readonly_unless(*params):
    """A route's ``readonly``: served from the replica, except when the request carries
    one of ``params``.

    A form that writes redirects to a page that confirms the write (``?submitted=``,
    ``?cancelled=``, ``?revoked=``). The replica may not have the write yet: that page
    would say nothing, show the old balance and invite the shopper to submit again. It
    is read on the primary; the same page opened any other time stays on the replica.
    """

    def readonly(_controller):
        args = request.httprequest.args
        return not any(param in args for param in params)

    return readonly
