from odoo import http
from odoo.http import request

from odoo.addons.subsidy_queue.controllers.api import SubsidyApi


class DirectShipApi(SubsidyApi):
    @http.route("/api/subsidy/v1/parcels", type="http", auth="none", methods=["GET"], csrf=False)
    def api_parcels(self, **kw):
        """Parcels of the shopper's orders: status, carrier, tracking; never a supplier or a price."""

        def handler(partner):
            orders = request.env["sale.order"].search(
                [("partner_id", "child_of", partner.id), ("state", "=", "sale")], limit=100
            )
            return request.make_json_response(
                {
                    "orders": [
                        {"order": o.name, "parcels": o._direct_tracking()}
                        for o in orders
                        if o.sudo().direct_purchase_ids
                    ]
                }
            )

        return self._call(handler)
