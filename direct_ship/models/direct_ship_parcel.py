import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# Carriers whose tracking page is known: {code: (name, url with {ref})}.
CARRIERS = {
    "sf": ("SF Express", "https://www.sf-express.com/chn/sc/waybill/waybill-detail/{ref}"),
    "jd": ("JD Logistics", "https://www.jdl.com/orderSearch/?waybillCodes={ref}"),
    "ems": ("China Post EMS", "https://www.ems.com.cn/queryList?mailNum={ref}"),
    "zto": ("ZTO Express", "https://www.zto.com/?num={ref}"),
    "yto": ("YTO Express", "https://www.yto.net.cn/?waybillNo={ref}"),
    "sto": ("STO Express", "https://www.sto.cn/?waybillNo={ref}"),
    "yunda": ("Yunda Express", "https://www.yundaex.com/?waybillNo={ref}"),
}
TRACKING_RE = re.compile(r"[A-Za-z0-9\-]{4,40}")


class DirectShipParcel(models.Model):
    _name = "direct.ship.parcel"
    _description = "Direct-ship Parcel"
    _order = "id desc"
    _check_company_auto = True

    purchase_id = fields.Many2one(
        "purchase.order", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="purchase_id.company_id", store=True)
    sale_order_id = fields.Many2one(related="purchase_id.direct_sale_order_id", store=True, index=True)
    supplier_id = fields.Many2one(related="purchase_id.partner_id", store=True, string="Supplier")
    shopper_id = fields.Many2one(related="sale_order_id.partner_id", string="Shopper")
    destination_id = fields.Many2one(related="purchase_id.dest_address_id", string="Ship to")
    to_store = fields.Boolean(related="purchase_id.direct_to_store", store=True)
    carrier_code = fields.Selection(
        [(code, name) for code, (name, _url) in CARRIERS.items()] + [("other", "Other")]
    )
    carrier = fields.Char(required=True, readonly=True)
    tracking_ref = fields.Char("Tracking Number", required=True, readonly=True, index=True)
    tracking_url = fields.Char(compute="_compute_tracking_url")
    state = fields.Selection(
        [("shipped", "Shipped"), ("delivered", "Delivered")], default="shipped", required=True, readonly=True
    )
    date_shipped = fields.Datetime(readonly=True)
    date_delivered = fields.Datetime(readonly=True)

    _sql_constraints = [
        (
            "tracking_uniq",
            "unique(carrier, tracking_ref)",
            "This tracking number is already used by another parcel.",
        ),
    ]

    @api.depends("carrier_code", "tracking_ref")
    def _compute_tracking_url(self):
        for parcel in self:
            known = CARRIERS.get(parcel.carrier_code or "")
            parcel.tracking_url = (
                known[1].format(ref=parcel.tracking_ref) if known and parcel.tracking_ref else False
            )

    @api.model
    def _clean_input(self, carrier, tracking_ref):
        """Carrier and tracking number from a supplier: clear errors for bad input."""
        given = [value for value in (carrier, tracking_ref) if value not in (None, False)]
        if any(not isinstance(value, str) for value in given):
            raise ValidationError(_("Give the carrier and the tracking number as text."))
        carrier = (carrier or "").strip()
        tracking_ref = (tracking_ref or "").strip().replace(" ", "")
        code = carrier.lower() if carrier.lower() in CARRIERS else None
        if not carrier:
            raise ValidationError(_("Give the carrier of the parcel."))
        if len(carrier) > 64 or re.search(r"[<>{}]", carrier):
            raise ValidationError(_("The carrier name is too long or holds forbidden characters."))
        if not TRACKING_RE.fullmatch(tracking_ref):
            raise ValidationError(
                _(
                    "A tracking number holds 4 to 40 letters, digits or dashes; %s is not one.",
                    tracking_ref[:50] or "-",
                )
            )
        return (CARRIERS[code][0] if code else carrier), tracking_ref, code or "other"

    def action_mark_delivered(self):
        self.filtered(lambda p: p.state == "shipped").write(
            {"state": "delivered", "date_delivered": fields.Datetime.now()}
        )
