"""JSON API for the shoppers' mobile app, authenticated with Odoo API keys.

    Authorization: Bearer <API key of the shopper's user>

    GET  /api/subsidy/v1/account       the shopper's subsidy accounts
    GET  /api/subsidy/v1/entries       their queue entries, with position and amount ahead (paged)
    GET  /api/subsidy/v1/withdrawals   their withdrawals (paged)
    POST /api/subsidy/v1/withdrawals   ask for one: {"amount", "payout_method", ...}

Every answer is JSON. Errors answer {"error": {"code", "message"}}, the message
in the user's language: 400 bad input, 401 no valid key, 403 not allowed,
404 not found, 409 conflict, 413 body too large, 415 body not JSON, 503 busy
(try again), 500 anything else (logged). See README.md.
"""

import json
import logging
from urllib.parse import urlencode

import psycopg2
from werkzeug.exceptions import HTTPException

from odoo import _, http
from odoo.exceptions import AccessDenied, AccessError, MissingError, UserError
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from .common import (
    clean_withdrawal_values,
    parse_paging,
    parse_state,
)

_logger = logging.getLogger(__name__)

MAX_BODY = 16 * 1024


def _unique_keys(pairs):
    """A JSON object whose keys are given once (``{"amount": 12, "amount": 5000}`` is refused)."""
    keys = [key for key, _value in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)


class ApiError(Exception):
    """An answer of the API's own, other than bad values: ``status``, ``code``, ``message``."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _error(status, code, message):
    return request.make_json_response({"error": {"code": code, "message": message}}, status=status)


def _error_values(error, env):
    """The one mapping of an exception to the API's error: ``(status, code, message)``.

    Messages of access and missing-record errors are replaced by generic
    ones: Odoo's name models, ids and users, somebody else's perhaps. The
    message is in the language of ``env``.
    """
    if isinstance(error, ApiError):
        return error.status, error.code, error.message
    if isinstance(error, AccessDenied):
        return 401, "unauthorized", env._("A valid API key is required (Authorization: Bearer <key>).")
    if isinstance(error, AccessError):
        return 403, "forbidden", env._("You are not allowed to see or change this.")
    if isinstance(error, MissingError):
        return 404, "not_found", env._("This record does not exist or was deleted.")
    if isinstance(error, UserError):  # and ValidationError
        return 400, "invalid", str(error.args[0]) if error.args else env._("Invalid request.")
    if isinstance(error, psycopg2.IntegrityError):
        return 409, "conflict", env._("The request conflicts with the data; nothing was changed.")
    if isinstance(error, (PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, psycopg2.errors.ReadOnlySqlTransaction)):
        return 503, "busy", env._("The service is busy; nothing was changed. Try again in a moment.")
    if isinstance(error, HTTPException) and error.code and error.code < 500:
        return error.code, "http_%s" % error.code, env._("Invalid request.")
    return 500, "internal", env._("Something went wrong on our side; it was logged. Nothing was changed.")


class SubsidyApi(http.Controller):
    def _authenticate(self):
        """The shopper behind the API key (``auth="bearer"`` checked it), in their language."""
        user = request.env.user
        request.update_env(context=dict(request.env.context, lang=user.lang or request.env.lang))
        return user.partner_id.commercial_partner_id

    def _call(self, handler, params=(), method="GET"):
        """Authenticate, check the query's parameters, run ``handler(partner, query)``; always JSON.

        Any exception rolls the transaction back and answers the JSON error of
        :func:`_error_values`. Concurrency errors are raised again so that Odoo
        retries the request; the JSON answer is kept for when it gives up. So is
        a write attempted on a ``readonly=True`` route's cursor (the replica's,
        when one is configured): Odoo runs the request again on the primary.
        """
        try:
            if request.httprequest.method != method:
                # Werkzeug lets OPTIONS (and HEAD) through to a route: only its own method acts.
                raise ApiError(405, "method_not_allowed", _("Use %s on this address.", method))
            partner = self._authenticate()
            query = self._query(params)
            response = handler(partner, query)
            request.env.cr.flush()
            return response
        except Exception as error:
            retry = isinstance(
                error, (PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, psycopg2.errors.ReadOnlySqlTransaction)
            )
            request.env.cr.rollback()
            status, code, message = _error_values(error, request.env)
            if status >= 500 and not retry:
                _logger.exception(
                    "Subsidy API: %s %s failed", request.httprequest.method, request.httprequest.path
                )
            response = _error(status, code, message)
            if retry:
                error.error_response = response
                raise
            return response

    def _query(self, params):
        """The query string's parameters, each known and given once; else a 400."""
        args = request.httprequest.args
        for key in args:
            if key not in params:
                raise ApiError(
                    400,
                    "invalid",
                    _("Unknown parameter. Known parameters: %s.", ", ".join(params) or "-"),
                )
            if len(args.getlist(key)) > 1:
                raise ApiError(400, "invalid", _("Give each parameter once."))
        return {key: args[key] for key in args}

    def _json_body(self):
        """The request's body: a JSON object sent as application/json."""
        if request.httprequest.mimetype != "application/json":
            raise ApiError(
                415, "unsupported_media_type", _("Send the body as JSON (Content-Type: application/json).")
            )
        if (request.httprequest.content_length or 0) > MAX_BODY:
            raise ApiError(413, "too_large", _("The body is too large."))
        data = request.httprequest.get_data()
        if len(data) > MAX_BODY:
            raise ApiError(413, "too_large", _("The body is too large."))

        def refuse_constant(name):
            raise ValueError(name)

        try:
            payload = json.loads(
                data.decode("utf-8"), parse_constant=refuse_constant, object_pairs_hook=_unique_keys
            )
        except (ValueError, RecursionError):
            payload = None
        if not isinstance(payload, dict):
            raise ApiError(400, "invalid", _("The body must be a JSON object."))
        return payload

    def _page(self, key, records, total, query, paging, values=None):
        """A list's answer: one page of ``records`` (each as ``values(record)``, by default its
        ``_portal_values()``) and the link to the next page when there is one."""
        end = paging["offset"] + len(records)
        following = None
        if end < total:
            following = "%s?%s" % (request.httprequest.path, urlencode(dict(query, offset=end)))
        values = values or (lambda record: record._portal_values())
        return {
            key: [values(record) for record in records],
            "total": total,
            "limit": paging["limit"],
            "offset": paging["offset"],
            "next": following,
            "next_offset": end if following else None,
        }

    @http.route(
        "/api/subsidy/v1/account", type="http", auth="bearer", methods=["GET"], csrf=False, readonly=True
    )
    def api_account(self, **kw):
        def handler(partner, query):
            accounts = request.env["subsidy.account"].search([("partner_id", "=", partner.id)])
            return request.make_json_response({"accounts": [a._portal_values() for a in accounts]})

        return self._call(handler)

    @http.route(
        "/api/subsidy/v1/entries", type="http", auth="bearer", methods=["GET"], csrf=False, readonly=True
    )
    def api_entries(self, **kw):
        def handler(partner, query):
            state = parse_state(request.env["subsidy.entry"], query.get("state"))
            paging = parse_paging(query)
            entries, total = request.env["subsidy.entry"]._shopper_page(partner, state=state, **paging)
            return request.make_json_response(self._page("entries", entries, total, query, paging))

        return self._call(handler, ("state", "limit", "offset"))

    @http.route(
        "/api/subsidy/v1/withdrawals", type="http", auth="bearer", methods=["GET"], csrf=False, readonly=True
    )
    def api_withdrawals(self, **kw):
        def handler(partner, query):
            state = parse_state(request.env["subsidy.withdrawal"], query.get("state"))
            paging = parse_paging(query)
            withdrawals, total = request.env["subsidy.withdrawal"]._shopper_page(
                partner, state=state, **paging
            )
            return request.make_json_response(self._page("withdrawals", withdrawals, total, query, paging))

        return self._call(handler, ("state", "limit", "offset"))

    @http.route(
        "/api/subsidy/v1/withdrawals",
        type="http",
        auth="bearer",
        methods=["POST"],
        csrf=False,
        readonly=False,
    )
    def api_withdraw(self, **kw):
        def handler(partner, query):
            values = clean_withdrawal_values(self._json_body())
            withdrawal = request.env["subsidy.withdrawal"]._request_for_shopper(partner, values)
            return request.make_json_response({"withdrawal": withdrawal._portal_values()}, status=201)

        return self._call(handler, method="POST")

    @http.route("/api/subsidy/v1/<path:rest>", type="http", auth="none", csrf=False, save_session=False)
    def api_unknown(self, rest, **kw):
        """Anything else under the API: a JSON 404, or a 405 on a known address."""
        known = {"account", "entries", "withdrawals", "parcels"}
        if rest.strip("/") in known:
            return _error(405, "method_not_allowed", _("This method is not allowed on this address."))
        return _error(404, "not_found", _("There is no such address in the API."))
