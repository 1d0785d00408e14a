from odoo import http
from odoo.http import request

from odoo.addons.subsidy_queue.controllers import openapi
from odoo.addons.subsidy_queue.controllers.api import API_ROOT, SubsidyApi
from odoo.addons.subsidy_queue.controllers.common import parse_paging

PARCEL_STATES = ["ordered", "accepted", "registered", "shipped", "delivered"]


class DirectShipApi(SubsidyApi):
    @http.route(f"{API_ROOT}/parcels", type="http", auth="bearer", methods=["GET"], csrf=False, readonly=True)
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

    def _openapi_document(self):
        document = super()._openapi_document()
        nullable, obj, ref = openapi.nullable, openapi.obj, openapi.ref
        document["components"]["schemas"].update(
            {
                "Parcel": obj(
                    {
                        "products": {"type": "string", "description": "What is in it."},
                        "status": {
                            "enum": PARCEL_STATES,
                            "description": (
                                "ordered from the supplier, accepted by them, a parcel registered "
                                "but not shipped yet, shipped, delivered."
                            ),
                        },
                        "carrier": nullable({"type": "string"}),
                        "tracking_number": nullable({"type": "string"}),
                        "tracking_url": nullable({"type": "string", "format": "uri"}),
                    }
                ),
                "ParcelOrder": obj(
                    {"order": {"type": "string"}, "parcels": {"type": "array", "items": ref("Parcel")}}
                ),
            }
        )
        document["paths"]["/parcels"] = {
            "get": openapi.operation(
                "The parcels of the shopper's orders shipped direct: carrier and tracking, no supplier, "
                "no price (with the direct_ship addon)",
                {
                    "200": openapi.answer(
                        "One page of orders, newest first.",
                        openapi.page("orders", ref("ParcelOrder"), "The orders and their parcels."),
                    ),
                    "400": openapi.error("BadRequest"),
                    "401": openapi.error("Unauthorized"),
                },
                op_id="listParcels",
                tag="Shopper",
                parameters=openapi.PAGING,
            )
        }
        return document
