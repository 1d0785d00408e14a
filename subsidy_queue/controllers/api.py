"""JSON API for the shoppers' mobile app, authenticated with Odoo API keys.

    Authorization: Bearer <API key of the shopper's user>

    GET  /api/subsidy/v1/account       the shopper's subsidy accounts
    GET  /api/subsidy/v1/entries       their queue entries, with position and amount ahead
    GET  /api/subsidy/v1/withdrawals   their withdrawals
    POST /api/subsidy/v1/withdrawals   ask for one: {"amount", "payout_method", ...}

Errors answer with a 4xx status and {"error": {"code", "message"}}.
"""

import json
import logging

from odoo import _, http
from odoo.exceptions import AccessDenied, UserError, ValidationError
from odoo.http import request

_logger = logging.getLogger(__name__)


def _error(status, code, message):
    return request.make_json_response({"error": {"code": code, "message": message}}, status=status)


class SubsidyApi(http.Controller):
    def _authenticate(self):
        header = request.httprequest.headers.get("Authorization") or ""
        key = header[7:].strip() if header.lower().startswith("bearer ") else ""
        if not key:
            raise AccessDenied()
        uid = request.env["res.users.apikeys"]._check_credentials(scope="rpc", key=key)
        if not uid:
            raise AccessDenied()
        request.update_env(user=uid)
        return request.env.user.partner_id.commercial_partner_id

    def _call(self, handler):
        try:
            partner = self._authenticate()
        except AccessDenied:
            return _error(
                401, "unauthorized", _("A valid API key is required (Authorization: Bearer <key>).")
            )
        try:
            return handler(partner)
        except (UserError, ValidationError) as error:
            request.env.cr.rollback()
            return _error(400, "invalid", error.args[0])

    @http.route("/api/subsidy/v1/account", type="http", auth="none", methods=["GET"], csrf=False)
    def api_account(self, **kw):
        def handler(partner):
            accounts = request.env["subsidy.account"].search([("partner_id", "=", partner.id)])
            return request.make_json_response({"accounts": [a._portal_values() for a in accounts]})

        return self._call(handler)

    @http.route("/api/subsidy/v1/entries", type="http", auth="none", methods=["GET"], csrf=False)
    def api_entries(self, state=None, **kw):
        def handler(partner):
            domain = [("partner_id", "=", partner.id)]
            if state:
                domain.append(("state", "=", state))
            entries = request.env["subsidy.entry"].search(domain, limit=500)
            return request.make_json_response({"entries": [e._portal_values() for e in entries]})

        return self._call(handler)

    @http.route("/api/subsidy/v1/withdrawals", type="http", auth="none", methods=["GET"], csrf=False)
    def api_withdrawals(self, **kw):
        def handler(partner):
            withdrawals = request.env["subsidy.withdrawal"].search(
                [("partner_id", "=", partner.id)], limit=200
            )
            return request.make_json_response({"withdrawals": [w._portal_values() for w in withdrawals]})

        return self._call(handler)

    @http.route(
        "/api/subsidy/v1/withdrawals", type="http", auth="none", methods=["POST"], csrf=False, readonly=False
    )
    def api_withdraw(self, **kw):
        def handler(partner):
            try:
                payload = json.loads(request.httprequest.get_data(as_text=True) or "{}")
            except ValueError:
                return _error(400, "invalid", _("The body must be a JSON object."))
            if not isinstance(payload, dict):
                return _error(400, "invalid", _("The body must be a JSON object."))
            withdrawal = request.env["subsidy.withdrawal"]._request_for_shopper(partner, payload)
            return request.make_json_response({"withdrawal": withdrawal._portal_values()}, status=201)

        return self._call(handler)
