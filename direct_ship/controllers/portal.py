from odoo import _, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class DirectShipPortal(CustomerPortal):
    """The supplier portal: a supplier sees and handles its own direct-ship orders only."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "direct_shipment_count" in counters:
            values["direct_shipment_count"] = (
                request.env["purchase.order"].sudo().search_count(self._direct_domain())
            )
        return values

    def _direct_domain(self):
        supplier = request.env.user.partner_id.commercial_partner_id
        return [("direct_ship", "=", True), ("partner_id", "child_of", supplier.id), ("state", "!=", "draft")]

    def _direct_order(self, order_id):
        """The supplier's own order, or nothing (another supplier's order is not found)."""
        if not 0 < order_id < 2**31:  # an id past the database's integers is nobody's order
            return request.env["purchase.order"]
        return request.env["purchase.order"].sudo().search(self._direct_domain() + [("id", "=", order_id)])

    @staticmethod
    def _direct_parse_id(value):
        """A record id from a form field; anything else is passed on for the model to refuse."""
        try:
            return int(value)
        except (TypeError, ValueError):
            return value

    @http.route(["/my/direct-shipments"], type="http", auth="user", website=True)
    def portal_direct_shipments(self, **kw):
        orders = request.env["purchase.order"].sudo().search(self._direct_domain(), limit=200)
        return request.render(
            "direct_ship.portal_direct_shipments", {"orders": orders, "page_name": "direct_shipments"}
        )

    def _render_order(self, order, error=None, status=200):
        values = {
            "order": order,
            "carriers": order._direct_carriers(),
            "error": error,
            "page_name": "direct_shipment",
        }
        return request.render("direct_ship.portal_direct_shipment", values, status=status)

    @http.route(["/my/direct-shipments/<int:order_id>"], type="http", auth="user", website=True)
    def portal_direct_shipment(self, order_id, **kw):
        order = self._direct_order(order_id)
        if not order:
            return request.not_found()
        return self._render_order(order)

    @http.route(
        ["/my/direct-shipments/<int:order_id>/<string:action>"],
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_direct_shipment_action(self, order_id, action, **post):
        order = self._direct_order(order_id)
        if not order:
            return request.not_found()
        try:
            with request.env.cr.savepoint():
                if action == "accept":
                    order.action_direct_accept()
                elif action == "refuse":
                    order.action_direct_refuse(post.get("reason"))
                elif action == "parcel":
                    order.action_direct_add_parcel(
                        self._direct_parse_id(post.get("carrier_id")), post.get("tracking_ref")
                    )
                elif action == "ship":
                    order.action_direct_ship()
                else:
                    return request.not_found()
        except (UserError, ValidationError) as error:
            return self._render_order(order, error=error.args[0], status=400)
        if action == "refuse":
            return request.redirect("/my/direct-shipments")
        return request.redirect(f"/my/direct-shipments/{order.id}")

    @http.route(["/my/direct-availability"], type="http", auth="user", website=True, methods=["GET", "POST"])
    def portal_direct_availability(self, **post):
        supplier = request.env.user.partner_id.commercial_partner_id
        sellers = (
            request.env["product.supplierinfo"]
            .sudo()
            .search([("partner_id", "child_of", supplier.id), ("product_tmpl_id.direct_ship", "=", True)])
        )
        if request.httprequest.method == "POST":
            available = {int(key.split("_", 1)[1]) for key in post if key.startswith("available_")}
            for seller in sellers:
                if seller.direct_available != (seller.id in available):
                    seller.direct_available = seller.id in available
        return request.render(
            "direct_ship.portal_direct_availability",
            {
                "sellers": sellers,
                "page_name": "direct_availability",
                "saved": request.httprequest.method == "POST",
                "title": _("My products"),
            },
        )
