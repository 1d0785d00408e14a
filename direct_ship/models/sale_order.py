from odoo import _, fields, models
from odoo.tools import float_compare

from ..engine import Candidate, choose
from .purchase_order import PARCEL_READERS


class SaleOrder(models.Model):
    _inherit = "sale.order"

    direct_purchase_ids = fields.One2many(
        "purchase.order",
        "direct_sale_order_id",
        string="Direct-ship Purchases",
        readonly=True,
        groups="purchase.group_purchase_user",
    )
    direct_parcel_ids = fields.One2many(
        "direct.ship.parcel", "sale_order_id", readonly=True, groups=PARCEL_READERS
    )

    def _action_confirm(self):
        res = super()._action_confirm()
        # A salesperson confirms without purchase rights: the routing is the system's work.
        self.sudo().direct_purchase_ids.filtered(lambda po: po.state == "draft")._direct_dispatch()
        return res

    def _action_cancel(self):
        """The shopper no longer wants the goods: stop the direct-ship purchases first.

        Each live purchase is locked before anything changes and then written (see
        ``purchase.order._direct_lock``), so a supplier accepting or shipping at the same
        moment either sees the cancellation or fails to serialize.
        """
        purchases = self.sudo().direct_purchase_ids.filtered(
            lambda po: po.state != "cancel" and po.direct_state != "cancelled"
        )
        for purchase in purchases:
            purchase._direct_lock()
        # sale_purchase schedules its own activity on the purchases left open.
        purchases._direct_sale_cancelled(schedule_activity=False)
        if self.sudo().direct_purchase_ids and not self.env.user.has_group("purchase.group_purchase_user"):
            # Cancelling the dropship transfers makes purchase_stock look for their
            # purchase lines (upstream documents), which a salesperson without purchase
            # rights may not read; the caller already passed action_cancel's checks.
            return super(SaleOrder, self.sudo())._action_cancel()
        return super()._action_cancel()

    def _direct_tracking(self):
        """What the shopper's app may see of the parcels (the API): no supplier, no price.

        The portal shows the same through Odoo's own display of the dropship transfers
        (their carrier and tracking reference, see ``purchase.order._direct_update_transfer``).
        """
        self.ensure_one()
        rows = []
        for purchase in self.sudo().direct_purchase_ids.filtered(lambda p: p.state != "cancel"):
            products = ", ".join(purchase.order_line.mapped("product_id.display_name"))
            if not purchase.direct_parcel_ids:
                rows.append(
                    {
                        "products": products,
                        "status": "accepted" if purchase.direct_state == "accepted" else "ordered",
                        "carrier": None,
                        "tracking_number": None,
                        "tracking_url": None,
                    }
                )
            for parcel in purchase.direct_parcel_ids:
                rows.append(
                    {
                        "products": products,
                        "status": parcel.state,
                        "carrier": parcel.carrier_id.name,
                        "tracking_number": parcel.tracking_ref,
                        "tracking_url": parcel.tracking_url or None,
                    }
                )
        return rows

    def _direct_no_supplier_left(self, lines):
        """Nobody can ship: a person must act, and the shopper is told of the delay."""
        for order in self:
            order_lines = lines.filtered(lambda line, o=order: line.order_id == o)
            products = ", ".join(order_lines.mapped("product_id.display_name"))
            order.sudo().activity_schedule(
                "mail.mail_activity_data_warning",
                summary=_("No supplier can ship %s", products),
                note=_("Every supplier refused, missed its deadline or has the product unavailable."),
                user_id=order.user_id.id or self.env.ref("base.user_admin").id,
            )
            order.sudo().message_post(
                body=_(
                    "Your order %(order)s is delayed: we are finding another supplier for %(products)s.",
                    order=order.name,
                    products=products,
                ),
                partner_ids=order.partner_id.ids,
                subtype_xmlid="mail.mt_comment",
            )


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    direct_ship = fields.Boolean(related="product_id.direct_ship")
    # Purchasing information: never shown to a shopper, nor needed by a salesperson.
    direct_supplierinfo_id = fields.Many2one(
        "product.supplierinfo", readonly=True, copy=False, groups="purchase.group_purchase_user"
    )
    direct_supplier_id = fields.Many2one(
        "res.partner",
        "Supplier",
        related="direct_supplierinfo_id.partner_id",
        store=True,
        groups="purchase.group_purchase_user",
    )
    direct_choice_reason = fields.Char(
        "Why this Supplier", readonly=True, copy=False, groups="purchase.group_purchase_user"
    )
    direct_excluded_partner_ids = fields.Many2many(
        "res.partner",
        "sale_line_direct_excluded_rel",
        string="Refused or Missed by",
        readonly=True,
        copy=False,
        groups="purchase.group_purchase_user",
    )

    def write(self, vals):
        """A lower quantity on a direct-ship line reaches the supplier's order.

        The purchases are locked before the change and written after it (see
        ``purchase.order._direct_lock``): one whose sale lines have nothing left is handled
        like a cancelled sale, the others are flagged for a person.
        """
        purchases = self.env["purchase.order"]
        if "product_uom_qty" in vals:
            reduced = self.filtered(
                lambda line: (
                    line.state == "sale"
                    and line.product_id.direct_ship
                    and float_compare(
                        vals["product_uom_qty"] or 0.0,
                        line.product_uom_qty,
                        precision_rounding=line.product_uom.rounding,
                    )
                    < 0
                )
            )
            purchases = reduced.sudo().purchase_line_ids.order_id.filtered(
                lambda po: po.direct_ship and po.state != "cancel" and po.direct_state != "cancelled"
            )
            for purchase in purchases:
                purchase._direct_lock()
        res = super().write(vals)
        for purchase in purchases:
            sale_lines = purchase.order_line.sale_line_id
            if any(
                float_compare(line.product_uom_qty, 0.0, precision_rounding=line.product_uom.rounding) > 0
                for line in sale_lines
            ):
                purchase._direct_sale_reduced()
            else:
                purchase._direct_sale_cancelled()
        return res

    def _direct_candidates(self):
        self.ensure_one()
        company = self.order_id.company_id
        address = self.order_id.partner_shipping_id
        sellers = self.product_id.with_company(company).seller_ids.filtered(
            lambda s: (
                (not s.company_id or s.company_id == company)
                and (not s.product_id or s.product_id == self.product_id)
            )
        )
        candidates = []
        for rank, seller in enumerate(sellers):
            candidates.append(
                Candidate(
                    key=seller.id,
                    rank=rank,
                    price=seller.currency_id._convert(
                        seller.price, company.currency_id, company, fields.Date.today()
                    ),
                    delay=seller.delay,
                    preferred=seller.direct_preferred,
                    serves=seller.partner_id._direct_serves(address),
                    available=seller.direct_available,
                    excluded=seller.partner_id.commercial_partner_id in self.direct_excluded_partner_ids,
                )
            )
        return candidates

    def _direct_choose_supplier(self):
        """Choose and remember the line's supplier; return the supplierinfo or nothing."""
        self.ensure_one()
        policy = self.order_id.company_id.direct_ship_policy
        best, reason = choose(self._direct_candidates(), policy)
        seller = (
            self.env["product.supplierinfo"].browse(best.key) if best else self.env["product.supplierinfo"]
        )
        labels = {
            "cheapest": _("cheapest available supplier"),
            "fastest": _("fastest handling time"),
            "preferred": _("preferred supplier"),
            "region": _("serves the shopper's region"),
            "no_region_match": _("no supplier serves the region: cheapest"),
            "all_excluded": _("every supplier refused or missed the order"),
            "none_available": _("no supplier has the product available"),
            "no_supplier": _("the product has no supplier"),
        }
        self.sudo().write({"direct_supplierinfo_id": seller.id, "direct_choice_reason": labels[reason]})
        return seller

    def _prepare_procurement_values(self, group_id=False):
        values = super()._prepare_procurement_values(group_id)
        supplierinfo = self.sudo().direct_supplierinfo_id
        if self.product_id.direct_ship and supplierinfo:
            values["route_ids"] = self.env.ref("stock_dropshipping.route_drop_shipping")
            values["supplierinfo_id"] = supplierinfo.with_env(self.env)
            order = self.order_id
            if order.carrier_id.delivery_type == "in_store" and order.warehouse_id.partner_id:
                # Ship to the store the shopper picks the order up from.
                values["partner_id"] = order.warehouse_id.partner_id.id
        return values

    def _action_launch_stock_rule(self, previous_product_uom_qty=False):
        direct = self.filtered(lambda line: line.product_id.direct_ship and line.state == "sale")
        stuck = self.browse()
        for line in direct:
            # The supplier choice reads and writes purchasing fields a salesperson cannot.
            if not line.sudo()._direct_choose_supplier():
                stuck |= line
        res = super(SaleOrderLine, self - stuck)._action_launch_stock_rule(previous_product_uom_qty)
        stuck.order_id._direct_no_supplier_left(stuck)
        return res
