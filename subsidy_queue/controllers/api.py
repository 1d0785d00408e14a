"""JSON API for the shoppers' mobile app, authenticated with Odoo API keys.

    POST /api/subsidy/v1/auth/sign-in          login, password (and the 2FA code) -> an API key for the device
    POST /api/subsidy/v1/auth/sign-out         revokes the key of this device
    GET  /api/subsidy/v1/account               the shopper's subsidy accounts
    GET  /api/subsidy/v1/entries               their queue entries, with position and amount ahead (paged)
    GET  /api/subsidy/v1/entries/<id>          one entry and what it received
    GET  /api/subsidy/v1/withdrawals           their withdrawals (paged)
    POST /api/subsidy/v1/withdrawals           ask for one: {"amount", "payout_method", ...}
    POST /api/subsidy/v1/withdrawals/<id>/cancel
    GET  /api/subsidy/v1/pool                  the public figures of the pools
    GET  /api/subsidy/v1/openapi.json          the OpenAPI 3.1 document of all of it

Then ``Authorization: Bearer <API key>``. Every answer is JSON. Errors answer
{"error": {"code", "message"}}, the message in the user's language (the
``Accept-Language`` of an anonymous caller): 400 bad input, 401 no valid key
or credentials, 403 not allowed, 404 not found, 405 wrong method, 409
conflict, 413 body too large, 415 body not JSON, 429 too many sign-in
failures, 503 busy (try again), 500 anything else (logged). See README.md
and the OpenAPI document (``openapi.py``).
"""

import datetime
import json
import logging
import re
from urllib.parse import urlencode

import psycopg2
from werkzeug.exceptions import HTTPException

from odoo import _, http
from odoo.exceptions import AccessDenied, AccessError, MissingError, UserError
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ..models.ir_http import accept_language, bearer_token
from ..models.res_users import AppSecondFactorRequired, AppSecondFactorUnsupported
from ..models.res_users_apikeys import APP_SCOPE
from ..models.subsidy_protected_mixin import BusyError
from . import openapi
from .common import (
    MAX_BODY,
    MAX_ID,
    clean_sign_in_values,
    clean_withdrawal_values,
    parse_paging,
    parse_state,
)

_logger = logging.getLogger(__name__)

API_ROOT = "/api/subsidy/v1"


def _unique_keys(pairs):
    """A JSON object whose keys are given once (``{"amount": 12, "amount": 5000}`` is refused)."""
    keys = [key for key, _value in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key")
    return dict(pairs)


class ApiError(Exception):
    """An answer of the API's own, other than bad values: ``status``, ``code``, ``message``."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


def _error(status, code, message, headers=None):
    response = request.make_json_response({"error": {"code": code, "message": message}}, status=status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


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
    if isinstance(error, BusyError):  # another request holds the rows: nothing changed, try again
        return 503, "busy", str(error.args[0])
    if isinstance(error, UserError):  # and ValidationError
        return 400, "invalid", str(error.args[0]) if error.args else env._("Invalid request.")
    if isinstance(error, psycopg2.IntegrityError):
        return 409, "conflict", env._("The request conflicts with the data; nothing was changed.")
    if isinstance(error, (PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, psycopg2.errors.ReadOnlySqlTransaction)):
        return 503, "busy", env._("The service is busy; nothing was changed. Try again in a moment.")
    if isinstance(error, HTTPException) and error.code and error.code < 500:
        return error.code, "http_%s" % error.code, env._("Invalid request.")
    return 500, "internal", env._("Something went wrong on our side; it was logged. Nothing was changed.")


def _visitor_lang(env):
    """The caller's language: their user's when they send a valid key, else their ``Accept-Language``."""
    env = env(su=True)
    token = bearer_token()
    if token:
        Keys = env["res.users.apikeys"]
        uid = Keys._check_credentials(scope=APP_SCOPE, key=token) or Keys._check_credentials(
            scope="rpc", key=token
        )
        if uid:
            return env["res.users"].browse(uid).lang or "en_US"
    return accept_language(env) or "en_US"


def _pool_values(figures):
    """A program's public figures (``subsidy.program._public_figures``) as JSON."""
    program = figures["program"]
    return {
        "program": program.name,
        "currency": program.currency_id.name,
        "state": program.state,
        "contribution_rate": program.contribution_rate,
        "subsidy_rate": program.subsidy_rate,
        "completion_ratio": program.completion_ratio,
        "balance": figures["balance"],
        "paid_today": figures["paid_today"],
        "paid_total": figures["paid_total"],
        "contributed": figures["contributed"],
        "queued_count": figures["queued_count"],
        "queued_amount": figures["queued_amount"],
        "estimate_grown": figures["estimate_grown"],
        "head": [
            {key: row[key] for key in ("name", "shopper", "received", "target", "progress")}
            for row in figures["head"]
        ],
    }


class SubsidyApi(http.Controller):
    def _authenticate(self):
        """The shopper behind the API key (``auth="bearer"`` checked it), in their language."""
        user = request.env.user
        request.update_env(context=dict(request.env.context, lang=user.lang or request.env.lang))
        return user.partner_id.commercial_partner_id

    def _call(self, handler, params=(), method="GET", public=False):
        """Authenticate, check the query's parameters, run ``handler(partner, query)``; always JSON.

        ``public`` routes have no user (``partner`` is ``None``) and speak the
        visitor's ``Accept-Language``. Any exception rolls the transaction back
        and answers the JSON error of :func:`_error_values`. Concurrency errors
        are raised again so that Odoo retries the request; the JSON answer is
        kept for when it gives up. So is a write attempted on a
        ``readonly=True`` route's cursor (the replica's, when one is
        configured): Odoo runs the request again on the primary.
        """
        try:
            partner = None
            if public:
                request.update_env(context=dict(request.env.context, lang=_visitor_lang(request.env)))
            else:
                partner = self._authenticate()
            if request.httprequest.method != method:
                # Werkzeug lets OPTIONS (and HEAD) through to a route: only its own method acts.
                raise ApiError(
                    405, "method_not_allowed", _("Use %s on this address.", method), {"Allow": method}
                )
            if (request.httprequest.content_length or 0) > MAX_BODY:
                raise ApiError(413, "too_large", _("The body is too large."))
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
            headers = getattr(error, "headers", None)
            if isinstance(error, BusyError):
                headers = {"Retry-After": "1"}
            response = _error(status, code, message, headers)
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

    def _own(self, model, record_id, partner):
        """The shopper's own record ``record_id`` of ``model``, read as the user; else a 404
        (somebody else's answers exactly like one that does not exist)."""
        record = request.env[model].browse()
        if 0 < record_id <= MAX_ID:
            record = record.search([("id", "=", record_id), ("partner_id", "child_of", partner.id)], limit=1)
        if not record:
            raise ApiError(404, "not_found", _("This record does not exist or was deleted."))
        return record

    # ------------------------------------------------------------------
    # Signing the app in and out
    # ------------------------------------------------------------------

    @http.route(
        f"{API_ROOT}/auth/sign-in",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def api_sign_in(self, **kw):
        """Odoo's own login (its cooldown, its two-factor authentication), then an API key
        for this device, of the app's scope, valid the company's app lifetime."""

        def handler(_partner, query):
            values = clean_sign_in_values(self._json_body())
            env = request.env
            Users = env["res.users"].sudo()
            registry = env.registry
            failures, previous = getattr(registry, "_login_failures", {}).get(
                request.httprequest.remote_addr, (0, datetime.datetime.min)
            )
            if Users._on_login_cooldown(failures, previous):
                delay = env["ir.config_parameter"].sudo().get_param("base.login_cooldown_duration", "60")
                raise ApiError(
                    429,
                    "too_many_attempts",
                    _("Too many failed sign-ins from this address. Wait a minute, then try again."),
                    {"Retry-After": str(delay)},
                )
            credential = {"type": "password", "login": values["login"], "password": values["password"]}
            user_agent_env = {
                "interactive": True,
                "subsidy_app": True,
                "subsidy_app_totp": values.get("totp_code"),
                "HTTP_HOST": request.httprequest.environ.get("HTTP_HOST"),
                "REMOTE_ADDR": request.httprequest.environ.get("REMOTE_ADDR"),
            }
            try:
                # Its own cursor, as for /web/login: the login date and the cooldown's count stay.
                auth_info = registry["res.users"].authenticate(request.db, credential, user_agent_env)
            except AppSecondFactorRequired:
                raise ApiError(
                    401,
                    "totp_required",
                    _(
                        "Two-factor authentication is on: "
                        "send the 6-digit code of your authenticator app too."
                    ),
                ) from None
            except AppSecondFactorUnsupported:
                raise ApiError(
                    403,
                    "second_factor_unsupported",
                    _("This account signs in with a second step the app cannot do. Sign in on the website."),
                ) from None
            except AccessDenied:
                # Unknown login, wrong password or wrong code: one answer that tells none of them.
                raise ApiError(401, "invalid_credentials", _("Wrong login, password or code.")) from None
            user = Users.browse(auth_info["uid"])
            if not user.share or user._is_public():
                raise ApiError(
                    403,
                    "forbidden",
                    _("The app is for shoppers; sign in to the back office with this account instead."),
                )
            key, device = env["res.users.apikeys"]._subsidy_app_generate(user, values["device_name"])
            response = request.make_json_response(
                {"token_type": "Bearer", "api_key": key, "device": device._subsidy_app_values()},
                status=201,
            )
            response.headers["Cache-Control"] = "no-store"
            return response

        return self._call(handler, method="POST", public=True)

    @http.route(
        f"{API_ROOT}/auth/sign-out", type="http", auth="bearer", methods=["POST"], csrf=False, readonly=False
    )
    def api_sign_out(self, **kw):
        """Revoke the app's key this request came with: it answers 401 from now on."""

        def handler(partner, query):
            key = request.env["res.users.apikeys"]._subsidy_app_key_of(bearer_token())
            if not key or key.sudo().user_id != request.env.user:
                raise ApiError(
                    400,
                    "invalid",
                    _(
                        "Only a key the app got at sign-in signs out; "
                        "remove other keys in your account's security settings."
                    ),
                )
            key.sudo()._remove()
            return request.make_response("", status=204)

        return self._call(handler, method="POST")

    # ------------------------------------------------------------------
    # The shopper's own records
    # ------------------------------------------------------------------

    @http.route(f"{API_ROOT}/account", type="http", auth="bearer", methods=["GET"], csrf=False, readonly=True)
    def api_account(self, **kw):
        def handler(partner, query):
            accounts = request.env["subsidy.account"].search([("partner_id", "=", partner.id)])
            return request.make_json_response({"accounts": [a._portal_values() for a in accounts]})

        return self._call(handler)

    @http.route(f"{API_ROOT}/entries", type="http", auth="bearer", methods=["GET"], csrf=False, readonly=True)
    def api_entries(self, **kw):
        def handler(partner, query):
            state = parse_state(request.env["subsidy.entry"], query.get("state"))
            paging = parse_paging(query)
            entries, total = request.env["subsidy.entry"]._shopper_page(partner, state=state, **paging)
            return request.make_json_response(self._page("entries", entries, total, query, paging))

        return self._call(handler, ("state", "limit", "offset"))

    @http.route(
        f"{API_ROOT}/entries/<int:entry_id>",
        type="http",
        auth="bearer",
        methods=["GET"],
        csrf=False,
        readonly=True,
    )
    def api_entry(self, entry_id, **kw):
        def handler(partner, query):
            entry = self._own("subsidy.entry", entry_id, partner)
            values = dict(entry._portal_values(), allocations=entry._allocation_values())
            return request.make_json_response({"entry": values})

        return self._call(handler)

    @http.route(
        f"{API_ROOT}/withdrawals", type="http", auth="bearer", methods=["GET"], csrf=False, readonly=True
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
        f"{API_ROOT}/withdrawals",
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

    @http.route(
        f"{API_ROOT}/withdrawals/<int:withdrawal_id>/cancel",
        type="http",
        auth="bearer",
        methods=["POST"],
        csrf=False,
        readonly=False,
    )
    def api_withdrawal_cancel(self, withdrawal_id, **kw):
        """Cancel one of the shopper's draft or submitted withdrawals; its hold is released."""

        def handler(partner, query):
            withdrawal = self._own("subsidy.withdrawal", withdrawal_id, partner)
            if withdrawal.state not in ("draft", "submitted"):
                raise ApiError(
                    409,
                    "conflict",
                    _("Only draft or submitted withdrawals can be cancelled (%s).", withdrawal.name),
                )
            withdrawal.sudo().action_cancel()
            return request.make_json_response({"withdrawal": withdrawal._portal_values()})

        return self._call(handler, method="POST")

    # ------------------------------------------------------------------
    # Public
    # ------------------------------------------------------------------

    @http.route(
        f"{API_ROOT}/pool", type="http", auth="public", methods=["GET"], csrf=False, readonly=True,
        save_session=False,
    )  # fmt: skip
    def api_pool(self, **kw):
        """The public figures of the pools of the website's company, as on ``/subsidy/pool``."""

        def handler(_partner, query):
            company = request.env["website"].sudo().get_current_website().company_id
            programs = request.env["subsidy.program"].sudo().search([("company_id", "=", company.id)])
            return request.make_json_response(
                {"programs": [_pool_values(program._public_figures()) for program in programs]}
            )

        return self._call(handler, public=True)

    @http.route(
        f"{API_ROOT}/openapi.json", type="http", auth="public", methods=["GET"], csrf=False, readonly=True,
        save_session=False,
    )  # fmt: skip
    def api_openapi(self, **kw):
        """This API's OpenAPI 3.1 document."""

        def handler(_partner, query):
            return request.make_json_response(self._openapi_document())

        return self._call(handler, public=True)

    def _openapi_document(self):
        """The OpenAPI document; addons that add routes add their paths (see direct_ship)."""
        return openapi.document(request.env)

    def _allowed_methods(self, path):
        """The methods the document gives ``path`` (an address under the API), else ``None``."""
        relative = path[len(API_ROOT) :]
        for template, operations in self._openapi_document()["paths"].items():
            pattern = re.sub(r"\\\{[a-z_]+\\\}", "[0-9]+", re.escape(template))
            if re.fullmatch(pattern, relative):
                return sorted(method.upper() for method in operations if method != "parameters")
        return None

    @http.route(
        [API_ROOT, f"{API_ROOT}/", f"{API_ROOT}/<path:rest>"],
        type="http",
        auth="none",
        csrf=False,
        save_session=False,
    )
    def api_unknown(self, rest="", **kw):
        """Anything else under the API: a JSON 404, a 405 on a known address, a 413 for a big body."""
        request.update_env(context=dict(request.env.context, lang=_visitor_lang(request.env)))
        if (request.httprequest.content_length or 0) > MAX_BODY:
            return _error(413, "too_large", _("The body is too large."))
        allowed = self._allowed_methods(request.httprequest.path)
        if allowed:
            return _error(
                405,
                "method_not_allowed",
                _("This method is not allowed on this address. Use %s.", ", ".join(allowed)),
                {"Allow": ", ".join(allowed)},
            )
        return _error(404, "not_found", _("There is no such address in the API."))
