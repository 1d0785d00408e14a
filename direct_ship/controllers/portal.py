import re

from odoo import _, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import content_disposition, request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager
from odoo.addons.subsidy_queue.controllers.common import parse_id

# The orders a packing slip may be printed for: the supplier still ships them.
PACKING_SLIP_STATES = ("waiting", "accepted", "shipped")


class DirectShipPortal(CustomerPortal):
    """The supplier portal: a supplier sees and handles its own direct-ship orders only."""

    _direct_per_page = 20

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

    def _direct_filters(self):
        return {
            "all": {"label": _("All"), "domain": []},
            "todo": {"label": _("To do"), "domain": [("direct_state", "in", ("waiting", "accepted"))]},
            "shipped": {"label": _("Shipped"), "domain": [("direct_state", "=", "shipped")]},
        }

    @http.route(
        ["/my/direct-shipments", "/my/direct-shipments/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_direct_shipments(self, page=1, filterby="all", **kw):
        filters = self._direct_filters()
        if filterby not in filters:
            filterby = "all"
        domain = self._direct_domain() + filters[filterby]["domain"]
        Purchase = request.env["purchase.order"].sudo()
        pager = portal_pager(
            url="/my/direct-shipments",
            url_args={"filterby": filterby},
            total=Purchase.search_count(domain),
            page=page,
            step=self._direct_per_page,
        )
        orders = Purchase.search(
            domain,
            order="direct_sent_date desc, id desc",
            limit=self._direct_per_page,
            offset=pager["offset"],
        )
        return request.render(
            "direct_ship.portal_direct_shipments",
            {
                "orders": orders,
                "page_name": "direct_shipments",
                "pager": pager,
                "default_url": "/my/direct-shipments",
                "searchbar_filters": filters,
                "filterby": filterby,
            },
        )

    def _render_order(self, order, error=None, status=200):
        values = {
            "order": order,
            "ship_to_phone": order._direct_ship_to_phone(),
            "collector": order._direct_collector(),
            "packing_slip": order.direct_state in PACKING_SLIP_STATES,
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
        ["/my/direct-shipments/<int:order_id>/packing-slip"],
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def portal_direct_packing_slip(self, order_id, **kw):
        """The packing slip (PDF) of the supplier's own order; anyone else's answers 404."""
        order = self._direct_order(order_id)
        if not order:
            return request.not_found()
        if order.direct_state not in PACKING_SLIP_STATES:
            return self._render_order(
                order,
                error=_("Order %s is not yours to ship any more: no packing slip.", order.name),
                status=409,
            )
        pdf, _kind = (
            request.env["ir.actions.report"]
            .sudo()
            .with_company(order.company_id)
            ._render_qweb_pdf("direct_ship.action_report_direct_packing_slip", order.ids)
        )
        filename = "%s.pdf" % re.sub(r"\W+", "_", _("Packing Slip %s", order.name))
        return request.make_response(
            pdf,
            headers=[
                ("Content-Type", "application/pdf"),
                ("Content-Length", len(pdf)),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )

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
        values = {"sellers": sellers, "page_name": "direct_availability", "title": _("My products")}
        if request.httprequest.method == "POST":
            # One checkbox per product line: ``available_<id>``; an id that is not one of the
            # supplier's lines (a page older than a change) is left alone.
            available = {
                parse_id(key[len("available_") :], form=True) for key in post if key.startswith("available_")
            }
            if None in available:
                values["error"] = _("This form could not be read: reload the page and try again.")
                return request.render("direct_ship.portal_direct_availability", values, status=400)
            for seller in sellers:
                if seller.direct_available != (seller.id in available):
                    seller.direct_available = seller.id in available
            values["saved"] = True
        return request.render("direct_ship.portal_direct_availability", values)
