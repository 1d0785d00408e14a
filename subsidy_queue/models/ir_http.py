import re

import werkzeug.exceptions

from odoo import http, models
from odoo.exceptions import AccessDenied
from odoo.http import request

from .res_users_apikeys import APP_SCOPE

API_PREFIX = "/api/subsidy/"
_BEARER = re.compile(r"^bearer\s+(.+)$", re.IGNORECASE)


def bearer_token():
    """The token of the request's ``Authorization: Bearer`` header, else ``None``."""
    match = _BEARER.match(request.httprequest.headers.get("Authorization") or "")
    return match.group(1) if match else None


def accept_language(env):
    """The installed language the visitor's ``Accept-Language`` prefers, else ``None``."""
    installed = [code for code, _name in env["res.lang"].sudo().get_installed()]
    by_base = {}
    for code in installed:
        by_base.setdefault(code.split("_")[0].lower(), code)
    for value, _quality in request.httprequest.accept_languages:
        tag = value.replace("-", "_")
        for code in installed:
            if code.lower() == tag.lower():
                return code
        if tag.split("_")[0].lower() in by_base:
            return by_base[tag.split("_")[0].lower()]
    return None


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _auth_method_bearer(cls):
        """Odoo's API keys; on the subsidy API also the app's keys (scope ``subsidy_app``,
        given at sign-in, good for this API only). A refusal there is the API's JSON 401."""
        if not request.httprequest.path.startswith(API_PREFIX):
            return super()._auth_method_bearer()
        try:
            uid = request.env["res.users.apikeys"]._check_credentials(
                scope=APP_SCOPE, key=bearer_token() or "-"
            )
            if not uid:
                return super()._auth_method_bearer()
            if request.env.uid and request.env.uid != uid:
                raise AccessDenied()  # a browser session of another user, as Odoo refuses it
            request.update_env(user=uid)
            return cls._auth_method_user()
        except (AccessDenied, http.SessionExpiredException, werkzeug.exceptions.Unauthorized) as error:
            env = request.env(context=dict(request.env.context, lang=accept_language(request.env) or "en_US"))
            body = {
                "error": {
                    "code": "unauthorized",
                    "message": env._("A valid API key is required (Authorization: Bearer <key>)."),
                }
            }
            response = request.make_json_response(body, status=401)
            response.headers["WWW-Authenticate"] = "Bearer"
            raise werkzeug.exceptions.Unauthorized(response=response) from error
