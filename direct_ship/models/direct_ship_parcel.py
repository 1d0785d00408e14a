import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

TRACKING_RE = re.compile(r"[A-Za-z0-9\-]{4,40}")


class DirectShipParcel(models.Model):
    """One parcel a supplier sent for a direct-ship order.

    The dropship transfer carries the carrier and the tracking numbers the way Odoo shows
    them (``carrier_id``, ``carrier_tracking_ref``); a transfer holds one carrier and one
    text of numbers, so each parcel keeps its own carrier, number and delivery here.
    """

    _name = "direct.ship.parcel"
    _description = "Direct-ship Parcel"
    _order = "id desc"
    _check_company_auto = True

    purchase_id = fields.Many2one(
        "purchase.order", required=True, readonly=True, index=True, ondelete="cascade"
    )
    picking_id = fields.Many2one(
        "stock.picking",
        "Dropship Transfer",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
    )
    company_id = fields.Many2one(related="purchase_id.company_id", store=True)
    sale_order_id = fields.Many2one(related="purchase_id.direct_sale_order_id", store=True, index=True)
    supplier_id = fields.Many2one(related="purchase_id.partner_id", store=True, string="Supplier")
    shopper_id = fields.Many2one(related="sale_order_id.partner_id", string="Shopper")
    destination_id = fields.Many2one(related="purchase_id.dest_address_id", string="Ship to")
    to_store = fields.Boolean(related="purchase_id.direct_to_store", store=True)
    carrier_id = fields.Many2one(
        "delivery.carrier", required=True, readonly=True, ondelete="restrict", check_company=True
    )
    tracking_ref = fields.Char("Tracking Number", required=True, readonly=True, index=True)
    tracking_url = fields.Char(compute="_compute_tracking_url", compute_sudo=True)
    # A parcel is *registered* when the supplier enters its carrier and number, and says
    # *shipped* only once the supplier marks the order shipped (the dropship transfer is
    # validated then), or, for a parcel added after that, marks it shipped on its own:
    # a label printed is not a parcel on its way.
    state = fields.Selection(
        [("registered", "Not Shipped Yet"), ("shipped", "Shipped"), ("delivered", "Delivered")],
        default="registered",
        required=True,
        readonly=True,
    )
    date_shipped = fields.Datetime(readonly=True)
    date_delivered = fields.Datetime(readonly=True)

    _sql_constraints = [
        (
            "tracking_uniq",
            "unique(carrier_id, tracking_ref)",
            "This tracking number is already used by another parcel.",
        ),
    ]

    @api.depends("carrier_id.tracking_url", "carrier_id.delivery_type", "tracking_ref")
    def _compute_tracking_url(self):
        for parcel in self:
            parcel.tracking_url = (
                parcel.carrier_id._direct_tracking_link(parcel.tracking_ref)
                if parcel.carrier_id and parcel.tracking_ref
                else False
            )

    @api.model
    def _clean_input(self, carriers, carrier_id, tracking_ref):
        """The carrier (one of ``carriers``, by id) and tracking number a supplier gave.

        Clear errors for bad input: a carrier id that is not a number or not in the list,
        a tracking number that is not text or not a tracking number.
        """
        if isinstance(carrier_id, bool) or not isinstance(carrier_id, int):
            raise ValidationError(_("Choose the carrier of the parcel from the list."))
        if tracking_ref not in (None, False) and not isinstance(tracking_ref, str):
            raise ValidationError(_("Give the tracking number as text."))
        carrier = carriers.filtered(lambda c: c.id == carrier_id)
        if not carrier:
            raise ValidationError(_("Choose the carrier of the parcel from the list."))
        tracking_ref = (tracking_ref or "").strip().replace(" ", "")
        if not TRACKING_RE.fullmatch(tracking_ref):
            raise ValidationError(
                _(
                    "A tracking number holds 4 to 40 letters, digits or dashes; %s is not one.",
                    tracking_ref[:50] or "-",
                )
            )
        return carrier, tracking_ref

    def action_mark_delivered(self):
        # Purchase and stock users (who may write parcels) mark them delivered; nobody else.
        self.check_access("write")
        self.filtered(lambda p: p.state == "shipped").write(
            {"state": "delivered", "date_delivered": fields.Datetime.now()}
        )
