"""The OpenAPI 3.1 document of the shoppers' JSON API (``GET /api/subsidy/v1/openapi.json``).

Built from the running database (the states and payout methods are the
models' own selections), so that it says what the routes really answer; the
tests validate the document and check every route's answers against it, and
that every route of ``/api/subsidy/v1/`` in Odoo's routing map is in it and
the other way round. An addon that adds a route adds its path and schemas
(``direct_ship``: ``/parcels``).
"""

from ..models.res_company import APP_KEY_DAYS_MAX, APP_KEY_DAYS_MIN
from ..models.subsidy_protected_mixin import DEFAULT_LIMIT, MAX_LIMIT
from .common import MAX_BODY, MAX_ID, MAX_TEXT

VERSION = "1.1.0"


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema):
    """``schema`` or ``null``."""
    return {"anyOf": [schema, {"type": "null"}]}


def obj(properties, required=None):
    """A closed object: every property listed, none other allowed (the tests check real answers)."""
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(properties) if required is None else required,
        "additionalProperties": False,
    }


def json_content(schema):
    return {"application/json": {"schema": schema}}


def answer(description, schema):
    return {"description": description, "content": json_content(schema)}


def error(name):
    return {"$ref": f"#/components/responses/{name}"}


def page(key, item, description):
    """A page of a list: the items, the totals and the link to the next page."""
    return obj(
        {
            key: {"type": "array", "items": item, "maxItems": MAX_LIMIT, "description": description},
            "total": {"type": "integer", "minimum": 0, "description": "How many there are in all."},
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            "offset": {"type": "integer", "minimum": 0},
            "next": nullable(
                {
                    "type": "string",
                    "format": "uri-reference",
                    "description": "Path and query of the next page, the same filters kept.",
                }
            ),
            "next_offset": nullable({"type": "integer", "minimum": 1}),
        }
    )


PAGING = [
    {"$ref": "#/components/parameters/limit"},
    {"$ref": "#/components/parameters/offset"},
]
BEARER = [{"bearer": []}]


def operation(summary, responses, *, op_id, tag, parameters=(), body=None, public=False, description=None):
    """One operation: ``responses`` maps status codes to answers; every operation also
    has the ``default`` error (500 internal, 503 busy)."""
    result = {
        "operationId": op_id,
        "summary": summary,
        "tags": [tag],
        "security": [] if public else BEARER,
        "responses": dict(responses, default=error("Unexpected")),
    }
    if description:
        result["description"] = description
    if parameters:
        result["parameters"] = list(parameters)
    if body:
        result["requestBody"] = {"required": True, "content": json_content(body)}
    return result


def entry_object(properties):
    """An entry: only a queued entry waits for anything, only one paid in full is at 100 %."""
    return dict(
        obj(properties),
        allOf=[
            {
                "if": {"properties": {"state": {"const": "queued"}}},
                "else": {"properties": {"remaining": {"const": 0}}},
            },
            {
                "if": {"properties": {"state": {"const": "done"}}},
                "then": {"properties": {"progress": {"const": 100}}},
            },
        ],
    )


def selection(env, model, field):
    return [value for value, _label in env[model]._fields[field]._description_selection(env)]


def schemas(env):
    money = {"type": "number", "description": "An amount in the currency of the record."}
    timestamp = {
        "type": "string",
        "pattern": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$",
        "description": "A date and time in UTC, as YYYY-MM-DD HH:MM:SS.",
    }
    currency = {"type": "string", "description": "ISO 4217 code of the currency.", "examples": ["CNY"]}
    entry_states = selection(env, "subsidy.entry", "state")
    withdrawal_states = selection(env, "subsidy.withdrawal", "state")
    payout_methods = selection(env, "subsidy.withdrawal", "payout_method")
    entry = {
        "id": {"type": "integer", "minimum": 1},
        "name": {"type": "string", "description": "The queue number."},
        "order": nullable({"type": "string", "description": "The order it came from."}),
        "state": {"enum": entry_states},
        "date_queued": ref("Timestamp"),
        "base_amount": money,
        "target": money,
        "received": money,
        "remaining": {
            "type": "number",
            "minimum": 0,
            "description": "What the entry still waits for: 0 once it left the queue (paid in full, "
            "cancelled, voided, expired or converted to store credit).",
        },
        "progress": {
            "type": "number",
            "minimum": 0,
            "maximum": 100,
            "description": "The share of the target received (store credit included), in %: 100 only "
            "for an entry paid in full; 0 when nothing is left of the target (a refunded order).",
        },
        "position": nullable({"type": "integer", "minimum": 1}),
        "amount_ahead": nullable(money),
        "paid_in_full_after": nullable(money),
        "wait_days_min": nullable({"type": "integer", "minimum": 0}),
        "wait_days_max": nullable({"type": "integer", "minimum": 0}),
        "wait_estimate": nullable(
            {"type": "string", "description": "An honest range if sales go on as recently; never a promise."}
        ),
        "currency": currency,
    }
    return {
        "Error": obj(
            {
                "error": obj(
                    {
                        "code": {
                            "type": "string",
                            "description": "Stable, for programs: invalid, unauthorized, "
                            "invalid_credentials, totp_required, second_factor_unsupported, forbidden, "
                            "not_found, method_not_allowed, conflict, too_large, "
                            "unsupported_media_type, too_many_attempts, busy, internal.",
                        },
                        "message": {
                            "type": "string",
                            "minLength": 1,
                            "description": "For people, in the user's language (else the Accept-Language's).",
                        },
                    }
                )
            }
        ),
        "Money": money,
        "Timestamp": timestamp,
        "SignInRequest": obj(
            {
                "login": {"type": "string", "minLength": 1, "maxLength": 256},
                "password": {"type": "string", "minLength": 1, "maxLength": 1024},
                "device_name": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 64,
                    "description": "Shown in the shopper's list of devices, e.g. \"Lin's phone\".",
                },
                "totp_code": {
                    "type": "string",
                    "pattern": "^[0-9]{6}$",
                    "description": "The 6 digits of the authenticator app, when the user has "
                    "two-factor authentication on (else the answer is 401 totp_required).",
                },
            },
            required=["device_name", "login", "password"],
        ),
        "Device": obj(
            {
                "id": {"type": "integer", "minimum": 1},
                "name": {"type": "string"},
                "created": nullable(ref("Timestamp")),
                "expires": nullable(ref("Timestamp")),
            }
        ),
        "SignIn": obj(
            {
                "token_type": {"const": "Bearer"},
                "api_key": {
                    "type": "string",
                    "minLength": 16,
                    "description": "Send it as Authorization: Bearer <api_key>; shown only this once.",
                },
                "device": ref("Device"),
            }
        ),
        "WithdrawalRules": obj(
            {
                "minimum": money,
                "maximum": money,
                "per_day": {"type": "integer", "minimum": 0, "description": "0: no limit."},
                "amount_per_day": money,
                "fee_fixed": money,
                "fee_percent": {"type": "number", "minimum": 0},
            }
        ),
        "Account": obj(
            {
                "id": {"type": "integer", "minimum": 1},
                "program": {"type": "string"},
                "currency": currency,
                "balance": money,
                "held": money,
                "total_received": money,
                "total_withdrawn": money,
                "withdrawal_rules": ref("WithdrawalRules"),
            }
        ),
        "Entry": entry_object(entry),
        "Allocation": obj(
            {
                "date": ref("Timestamp"),
                "kind": {
                    "enum": ["allocation", "clawback", "conversion"],
                    "description": "allocation: paid by a settlement; clawback: taken back after a refund; "
                    "conversion: the remainder given as store credit when the program closed.",
                },
                "amount": {
                    "type": "number",
                    "description": "Positive when received, negative when taken back.",
                },
                "settlement": nullable({"type": "string"}),
                "source": nullable(
                    {"enum": ["balance", "refund"], "description": "Where a clawback was taken from."}
                ),
            }
        ),
        "EntryDetail": entry_object(dict(entry, allocations={"type": "array", "items": ref("Allocation")})),
        "Withdrawal": obj(
            {
                "id": {"type": "integer", "minimum": 1},
                "name": {"type": "string"},
                "amount": money,
                "fee": money,
                "currency": currency,
                "state": {"enum": withdrawal_states},
                "payout_method": {"enum": payout_methods},
                "date_submitted": nullable(ref("Timestamp")),
                "reject_reason": nullable({"type": "string"}),
                "fail_reason": nullable({"type": "string"}),
            }
        ),
        "WithdrawalRequest": obj(
            {
                "amount": {
                    "anyOf": [
                        {"type": "number", "exclusiveMinimum": 0, "maximum": 10**9},
                        {"type": "string", "pattern": r"^\s*[0-9]{1,10}(\.[0-9]{1,6})?\s*$"},
                    ],
                    "description": "A JSON number or a decimal string; true and false are not numbers.",
                },
                "account_id": {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_ID,
                    "description": "Which of the shopper's accounts; by default the one with the most.",
                },
                "payout_method": {"enum": payout_methods},
                "bank_account_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                "bank_acc_number": {"type": "string", "maxLength": MAX_TEXT["bank_acc_number"]},
                "wallet_account": {"type": "string", "maxLength": MAX_TEXT["wallet_account"]},
                "holder_name": {"type": "string", "maxLength": MAX_TEXT["holder_name"]},
            },
            required=["amount"],
        ),
        "QueueHead": obj(
            {
                "name": {"type": "string"},
                "shopper": {"type": "string", "description": "Masked: the initial, then stars."},
                "received": money,
                "target": money,
                "progress": {"type": "integer", "minimum": 0, "maximum": 100},
            }
        ),
        "PoolFigures": obj(
            {
                "program": {"type": "string"},
                "currency": currency,
                "state": {"enum": selection(env, "subsidy.program", "state")},
                "contribution_rate": {"type": "number", "description": "% of eligible sales into the pool."},
                "subsidy_rate": {
                    "type": "number",
                    "description": "% of the eligible amount an entry receives in the end.",
                },
                "completion_ratio": {
                    "type": "number",
                    "description": "With flat sales, the % of entries that ever complete.",
                },
                "balance": money,
                "paid_today": money,
                "paid_total": money,
                "contributed": money,
                "queued_count": {"type": "integer", "minimum": 0},
                "queued_amount": {**money, "description": "Still owed to the queue."},
                "estimate_grown": {"type": "boolean"},
                "head": {"type": "array", "items": ref("QueueHead")},
            }
        ),
    }


def paths():
    entry_id = {
        "name": "entry_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
    withdrawal_id = dict(entry_id, name="withdrawal_id")
    return {
        "/auth/sign-in": {
            "post": operation(
                "Sign the app in: an API key for this device",
                {
                    "201": answer("Signed in; the key is valid the company's app lifetime.", ref("SignIn")),
                    "400": error("BadRequest"),
                    "401": error("SignInRefused"),
                    "403": error("Forbidden"),
                    "413": error("TooLarge"),
                    "415": error("UnsupportedMediaType"),
                    "429": error("TooManyAttempts"),
                },
                op_id="signIn",
                tag="Sign-in",
                body=ref("SignInRequest"),
                public=True,
                description="Odoo's own login: its cooldown after failed attempts and its two-factor "
                f"authentication apply. For shoppers (portal users) only. The key lasts {APP_KEY_DAYS_MIN} "
                f"to {APP_KEY_DAYS_MAX} days as the company sets (90 by default) and opens this API only; "
                "the shopper sees and revokes their devices on /my/subsidy/devices.",
            )
        },
        "/auth/sign-out": {
            "post": operation(
                "Sign this device out: its key answers 401 from now on",
                {
                    "204": {"description": "Signed out."},
                    "400": error("BadRequest"),
                    "401": error("Unauthorized"),
                    "413": error("TooLarge"),
                },
                op_id="signOut",
                tag="Sign-in",
            )
        },
        "/account": {
            "get": operation(
                "The shopper's subsidy accounts",
                {
                    "200": answer(
                        "The accounts.", obj({"accounts": {"type": "array", "items": ref("Account")}})
                    ),
                    "400": error("BadRequest"),
                    "401": error("Unauthorized"),
                    "403": error("Forbidden"),
                },
                op_id="getAccount",
                tag="Shopper",
            )
        },
        "/entries": {
            "get": operation(
                "The shopper's queue entries: queued ones first in their turn, then the others, newest first",
                {
                    "200": answer("One page of entries.", page("entries", ref("Entry"), "The entries.")),
                    "400": error("BadRequest"),
                    "401": error("Unauthorized"),
                    "403": error("Forbidden"),
                },
                op_id="listEntries",
                tag="Shopper",
                parameters=[{"$ref": "#/components/parameters/entry_state"}, *PAGING],
            )
        },
        "/entries/{entry_id}": {
            "get": operation(
                "One of the shopper's entries, with what it received",
                {
                    "200": answer("The entry.", obj({"entry": ref("EntryDetail")})),
                    "400": error("BadRequest"),
                    "401": error("Unauthorized"),
                    "403": error("Forbidden"),
                    "404": error("NotFound"),
                },
                op_id="getEntry",
                tag="Shopper",
                parameters=[entry_id],
            )
        },
        "/withdrawals": {
            "get": operation(
                "The shopper's withdrawals, newest first",
                {
                    "200": answer(
                        "One page of withdrawals.", page("withdrawals", ref("Withdrawal"), "The withdrawals.")
                    ),
                    "400": error("BadRequest"),
                    "401": error("Unauthorized"),
                    "403": error("Forbidden"),
                },
                op_id="listWithdrawals",
                tag="Shopper",
                parameters=[{"$ref": "#/components/parameters/withdrawal_state"}, *PAGING],
            ),
            "post": operation(
                "Ask for a withdrawal: it is submitted and its amount (and fee) held at once",
                {
                    "201": answer("Submitted.", obj({"withdrawal": ref("Withdrawal")})),
                    "400": error("BadRequest"),
                    "401": error("Unauthorized"),
                    "413": error("TooLarge"),
                    "415": error("UnsupportedMediaType"),
                },
                op_id="createWithdrawal",
                tag="Shopper",
                body=ref("WithdrawalRequest"),
                description="Either bank_account_id (one of the shopper's own) or bank_acc_number with "
                "payout_method bank; or wallet_account and holder_name with alipay or wechat. The "
                "program's minimum, maximum, daily limits and fee apply; the holder must be the shopper.",
            ),
        },
        "/withdrawals/{withdrawal_id}/cancel": {
            "post": operation(
                "Cancel a draft or submitted withdrawal; what it held is released",
                {
                    "200": answer("Cancelled.", obj({"withdrawal": ref("Withdrawal")})),
                    "400": error("BadRequest"),
                    "401": error("Unauthorized"),
                    "403": error("Forbidden"),
                    "404": error("NotFound"),
                    "409": error("Conflict"),
                    "413": error("TooLarge"),
                },
                op_id="cancelWithdrawal",
                tag="Shopper",
                parameters=[withdrawal_id],
            )
        },
        "/pool": {
            "get": operation(
                "The public figures of the pools (as on the page /subsidy/pool)",
                {
                    "200": answer(
                        "Every program of the website's company.",
                        obj({"programs": {"type": "array", "items": ref("PoolFigures")}}),
                    ),
                    "400": error("BadRequest"),
                },
                op_id="getPool",
                tag="Public",
                public=True,
            )
        },
        "/openapi.json": {
            "get": operation(
                "This document",
                {
                    "200": answer("The OpenAPI 3.1 document.", {"type": "object", "required": ["openapi"]}),
                    "400": error("BadRequest"),
                },
                op_id="getOpenApi",
                tag="Public",
                public=True,
            )
        },
    }


def responses():
    def err(description, headers=None):
        result = answer(description, ref("Error"))
        if headers:
            result["headers"] = {
                name: {"description": text, "schema": {"type": "string"}} for name, text in headers.items()
            }
        return result

    return {
        "BadRequest": err(
            "Bad input (code invalid): an unknown or repeated query parameter, a bad value, a body that is "
            "not a JSON object, an unknown field, a rule of the program."
        ),
        "Unauthorized": err(
            "No valid API key (code unauthorized): none, unknown, expired, revoked or signed out.",
            {"WWW-Authenticate": "Bearer"},
        ),
        "SignInRefused": err(
            "Code invalid_credentials: unknown login, wrong password or wrong code (one answer for all); "
            "code totp_required: the password is right, send totp_code too."
        ),
        "Forbidden": err("The user may not do this (code forbidden, second_factor_unsupported)."),
        "NotFound": err(
            "No such record of the shopper's (code not_found); somebody else's is answered alike."
        ),
        "MethodNotAllowed": err(
            "A known address, another method (code method_not_allowed).", {"Allow": "The methods it takes."}
        ),
        "Conflict": err("The record's state does not allow it (code conflict)."),
        "TooLarge": err(f"A body above {MAX_BODY // 1024} KiB (code too_large)."),
        "UnsupportedMediaType": err(
            "The body is not sent as Content-Type: application/json (code unsupported_media_type)."
        ),
        "TooManyAttempts": err(
            "Too many failed sign-ins from this address: Odoo's login cooldown (code too_many_attempts).",
            {"Retry-After": "Seconds to wait."},
        ),
        "Unexpected": err("503 busy (nothing changed; try again) or 500 internal (logged; nothing changed)."),
    }


def parameters(env):
    def state(model):
        return {
            "in": "query",
            "name": "state",
            "required": False,
            "schema": {"enum": selection(env, model, "state")},
            "description": "Only those in this state.",
        }

    return {
        "limit": {
            "in": "query",
            "name": "limit",
            "required": False,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        },
        "offset": {
            "in": "query",
            "name": "offset",
            "required": False,
            "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID, "default": 0},
        },
        "entry_state": state("subsidy.entry"),
        "withdrawal_state": state("subsidy.withdrawal"),
    }


def document(env):
    """The whole document, for ``env``'s database."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Queue Subsidy: the shoppers' app API",
            "version": VERSION,
            "summary": "A shopper's subsidy accounts, queue entries, withdrawals and parcels; the pools' "
            "public figures.",
            "description": 'Every answer is JSON; an error is {"error": {"code", "message"}}, the message '
            "in the user's language. Unknown query parameters, repeated ones and unknown body fields are "
            "a 400; an unknown address under /api/subsidy/v1/ a JSON 404, another method on a known "
            "address a JSON 405 (see components.responses.MethodNotAllowed), a body above 16 KiB a 413. "
            "nginx answers 429 beyond the request rate of a key. Lists are paged by limit and offset; "
            "next is the path of the next page, null on the last one.",
            "license": {"name": "LGPL-3.0-only", "identifier": "LGPL-3.0-only"},
        },
        "servers": [{"url": "/api/subsidy/v1", "description": "This server."}],
        "tags": [
            {"name": "Sign-in", "description": "The app's device keys."},
            {"name": "Shopper", "description": "The signed-in shopper's own records."},
            {"name": "Public", "description": "Without a key."},
        ],
        "paths": paths(),
        "components": {
            "schemas": schemas(env),
            "responses": responses(),
            "parameters": parameters(env),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key: the app's from /auth/sign-in, or one the user made in Odoo.",
                }
            },
        },
    }
