import json

from odoo import api, fields, models

from .purchase_order import PARCEL_READERS


class StockPicking(models.Model):
    _inherit = "stock.picking"

    direct_parcel_ids = fields.One2many(
        "direct.ship.parcel", "picking_id", string="Parcels", readonly=True, groups=PARCEL_READERS
    )

    @api.depends("carrier_id.tracking_url", "carrier_tracking_ref", "direct_parcel_ids.tracking_url")
    def _compute_carrier_tracking_url(self):
        """A dropship transfer with several parcels links each to its own carrier's page.

        In the list of ``[tracking number, link]`` that Odoo's portal and Tracking button
        show for multi-parcel shipments (``get_multiple_carrier_tracking``): the parcels may
        travel with different carriers, and one link built from all the numbers would be
        wrong.
        """
        res = super()._compute_carrier_tracking_url()
        for picking in self:
            parcels = picking.sudo().direct_parcel_ids
            if len(parcels) > 1:
                links = [
                    [parcel.tracking_ref, parcel.tracking_url]
                    for parcel in parcels.sorted("id")
                    if parcel.tracking_url
                ]
                picking.carrier_tracking_url = json.dumps(links) if links else False
        return res
