import werkzeug.exceptions

from odoo import http, models
from odoo.exceptions import AccessDenied
from odoo.http import request

API_PREFIX = "/api/subsidy/"


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _auth_method_bearer(cls):
        """Odoo's API keys; a refusal on the subsidy API is the API's JSON 401, not a page."""
        try:
            return super()._auth_method_bearer()
        except (AccessDenied, http.SessionExpiredException, werkzeug.exceptions.Unauthorized) as error:
            if not request.httprequest.path.startswith(API_PREFIX):
                raise
            body = {
                "error": {
                    "code": "unauthorized",
                    "message": request.env._("A valid API key is required (Authorization: Bearer <key>)."),
                }
            }
            response = request.make_json_response(body, status=401)
            response.headers["WWW-Authenticate"] = "Bearer"
            raise werkzeug.exceptions.Unauthorized(response=response) from error
