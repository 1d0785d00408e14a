from odoo import fields, models


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    direct_ship = fields.Boolean(
        help="Suppliers may choose this carrier for their parcels in the supplier portal.",
    )

    def _direct_tracking_link(self, tracking_ref):
        """The carrier's tracking page for one tracking number.

        Built by the carrier itself, as for a transfer (``get_tracking_link``), so that a
        carrier with its own integration gives its own link, and a fixed-price carrier its
        ``tracking_url`` with the number in place of ``<shipmenttrackingnumber>``.
        """
        self.ensure_one()
        picking = self.env["stock.picking"].new({"carrier_id": self.id, "carrier_tracking_ref": tracking_ref})
        return self.get_tracking_link(picking) or False
