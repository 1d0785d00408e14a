import re

from odoo import _, http
from odoo.http import request

from .common import MAX_ID, parse_id

# A quantity from the product page: digits, up to three decimals, within reason.
_QUANTITY = re.compile(r"[0-9]{1,6}(\.[0-9]{1,3})?")
MAX_QUANTITY = 100000
EARN_PARAMS = frozenset({"product_id", "quantity"})


class SubsidyPublic(http.Controller):
    def _open_programs(self):
        return (
            request.env["subsidy.program"]
            .sudo()
            .search([("company_id", "=", request.website.company_id.id), ("state", "=", "open")])
        )

    @http.route("/subsidy/pool", type="http", auth="public", website=True, sitemap=True, readonly=True)
    def public_pool(self, **kw):
        """The pool's public figures: every cent in and out, the queue's length and head."""
        programs = (
            request.env["subsidy.program"].sudo().search([("company_id", "=", request.website.company_id.id)])
        )
        return request.render(
            "subsidy_queue.public_pool", {"programs": [p._public_figures() for p in programs]}
        )

    @http.route("/subsidy", type="http", auth="public", website=True, sitemap=True, readonly=True)
    def public_explanation(self, **kw):
        """The program in plain words: the queue, the pool, today's rates and the honest odds."""
        return request.render(
            "subsidy_queue.public_explanation",
            {"programs": [p._explanation_figures() for p in self._open_programs()]},
        )

    @http.route(
        "/subsidy/earn",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
        readonly=True,
        # Every method reaches the route, to be answered in JSON; only GET reads anything.
        csrf=False,
    )
    def public_earn(self, **kw):
        """What buying ``quantity`` of a published product earns if paid now (the product page's
        badge, refreshed when the variant or the quantity changes). A product that is not for
        sale here answers exactly like an ineligible one. Strict as the app's API: each
        parameter known and given once, else a 400; another method than GET, a 405."""
        if request.httprequest.method != "GET":
            response = request.make_json_response({"error": _("Use %s on this address.", "GET")}, status=405)
            response.headers["Allow"] = "GET"
            return response
        args = request.httprequest.args
        if set(args) - EARN_PARAMS or any(len(args.getlist(key)) > 1 for key in args):
            return request.make_json_response(
                {"error": _("Give product_id and quantity once each, and nothing else.")}, status=400
            )
        product_id = parse_id(args.get("product_id"), form=True)
        quantity = args.get("quantity", "1")
        if not product_id or not _QUANTITY.fullmatch(quantity):
            return request.make_json_response(
                {"error": _("Give a product and a quantity, such as product_id=12&quantity=2.")}, status=400
            )
        quantity = float(quantity)
        if not 0 < quantity <= MAX_QUANTITY:
            return request.make_json_response(
                {"error": _("The quantity must be more than 0 and at most %s.", MAX_QUANTITY)}, status=400
            )
        product = request.env["product.product"].sudo().browse(product_id if product_id <= MAX_ID else 0)
        earn = None
        if (
            product.exists()
            and product._is_add_to_cart_allowed()
            and product.product_tmpl_id.can_access_from_current_website()
        ):
            earn = product._subsidy_earn_preview(request.website, quantity)
        if not earn:
            return request.make_json_response({"eligible": False})
        html = request.env["ir.ui.view"]._render_template("subsidy_queue.earn_badge_content", {"earn": earn})
        return request.make_json_response(
            {
                "eligible": True,
                "target": earn["target"],
                "currency": earn["currency"].name,
                "wait_days_min": earn["days_min"],
                "wait_days_max": earn["days_max"],
                "wait": earn["wait"],
                "html": str(html),
            }
        )
