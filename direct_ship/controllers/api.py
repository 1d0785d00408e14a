from odoo import http
from odoo.http import request

from odoo.addons.subsidy_queue.controllers.api import SubsidyApi
from odoo.addons.subsidy_queue.controllers.common import parse_paging


class DirectShipApi(SubsidyApi):
    @http.route(
        "/api/subsidy/v1/parcels", type="http", auth="bearer", methods=["GET"], csrf=False, readonly=True
    )
    def api_parcels(self, **kw):
        """Parcels of the shopper's orders: status, carrier, tracking; never a supplier or a price."""

        def handler(partner, query):
            paging = parse_paging(query)
            # The shopper's own confirmed orders that went direct; read as superuser because
            # the purchase side is not the shopper's to see, hence the explicit partner.
            domain = [
                ("partner_id", "child_of", partner.id),
                ("state", "=", "sale"),
                ("direct_purchase_ids", "!=", False),
            ]
            Order = request.env["sale.order"].sudo()
            total = Order.search_count(domain)
            orders = Order.search(domain, order="date_order desc, id desc", **paging)
            return request.make_json_response(
                self._page(
                    "orders",
                    orders,
                    total,
                    query,
                    paging,
                    lambda order: {"order": order.name, "parcels": order._direct_tracking()},
                )
            )

        return self._call(handler, ("limit", "offset"))
