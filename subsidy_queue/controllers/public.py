from odoo import http
from odoo.http import request


class SubsidyPublic(http.Controller):
    @http.route("/subsidy/pool", type="http", auth="public", website=True, sitemap=True, readonly=True)
    def public_pool(self, **kw):
        """The pool's public figures: every cent in and out, the queue's length and head."""
        programs = (
            request.env["subsidy.program"].sudo().search([("company_id", "=", request.website.company_id.id)])
        )
        return request.render(
            "subsidy_queue.public_pool", {"programs": [p._public_figures() for p in programs]}
        )
