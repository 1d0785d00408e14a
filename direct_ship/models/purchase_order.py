import logging
from datetime import timedelta

from psycopg2 import errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    direct_sale_order_id = fields.Many2one(
        "sale.order",
        "Direct-ship Sale",
        compute="_compute_direct_sale_order_id",
        store=True,
        index="btree_not_null",
    )
    direct_ship = fields.Boolean(compute="_compute_direct_sale_order_id", store=True)
    direct_to_store = fields.Boolean(
        "Ship to Store",
        compute="_compute_direct_sale_order_id",
        store=True,
        help="The supplier ships to the store the shopper collects the order from.",
    )
    direct_state = fields.Selection(
        [
            ("waiting", "Waiting for the supplier"),
            ("accepted", "Accepted"),
            ("refused", "Refused"),
            ("shipped", "Shipped"),
            ("late", "Missed its deadline"),
        ],
        string="Supplier Status",
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    direct_sent_date = fields.Datetime("Sent to Supplier", readonly=True, copy=False)
    direct_accept_deadline = fields.Datetime("Accept by", readonly=True, copy=False)
    direct_ship_deadline = fields.Datetime("Ship by", readonly=True, copy=False)
    direct_accepted_date = fields.Datetime("Accepted on", readonly=True, copy=False)
    direct_shipped_date = fields.Datetime("Shipped on", readonly=True, copy=False)
    direct_refuse_reason = fields.Char("Refusal Reason", readonly=True, copy=False)
    direct_parcel_ids = fields.One2many("direct.ship.parcel", "purchase_id", string="Parcels", readonly=True)

    @api.depends("group_id.sale_id", "order_line.sale_line_id", "dest_address_id")
    def _compute_direct_sale_order_id(self):
        store_addresses = self.env["stock.warehouse"].sudo().search([]).partner_id
        for purchase in self:
            sale = purchase.group_id.sale_id or purchase.order_line.sale_line_id.order_id[:1]
            direct = bool(sale) and any(purchase.order_line.mapped("product_id.direct_ship"))
            purchase.direct_sale_order_id = sale if direct else False
            purchase.direct_ship = direct
            purchase.direct_to_store = direct and purchase.dest_address_id in store_addresses

    # ------------------------------------------------------------------
    # Dispatch
    # ------------------------------------------------------------------

    def _direct_dispatch(self):
        """Deadlines, confirmation and the message to the supplier."""
        now = fields.Datetime.now()
        for purchase in self.filtered("direct_ship"):
            company = purchase.company_id
            handling = max(purchase.order_line.mapped(lambda line: line._direct_handling_days()) or [0])
            purchase.write(
                {
                    "direct_state": "waiting",
                    "direct_sent_date": now,
                    "direct_accept_deadline": now + timedelta(hours=company.direct_ship_accept_hours or 24),
                    "direct_ship_deadline": now + timedelta(days=max(1, handling)),
                }
            )
            if company.direct_ship_auto_confirm:
                purchase.button_confirm()
                purchase.message_post(
                    body=_(
                        "New direct-ship order %(name)s: accept it by %(deadline)s and ship it within "
                        "%(days)s days in your supplier portal.",
                        name=purchase.name,
                        deadline=fields.Datetime.to_string(purchase.direct_accept_deadline),
                        days=max(1, handling),
                    ),
                    partner_ids=purchase.partner_id.ids,
                    subtype_xmlid="mail.mt_comment",
                )

    # ------------------------------------------------------------------
    # Supplier actions (from the supplier portal)
    # ------------------------------------------------------------------

    def _direct_lock(self):
        """Lock the order row, or refuse at once if another worker holds it; re-read its state."""
        self.ensure_one()
        self.flush_recordset()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL("SELECT id FROM purchase_order WHERE id = %s FOR NO KEY UPDATE NOWAIT", self.id),
                    log_exceptions=False,
                )
        except errors.LockNotAvailable:
            raise UserError(_("Order %s is being changed by someone else; try again.", self.name)) from None
        self.invalidate_recordset()

    def _direct_check_state(self, allowed, action):
        if not self.direct_ship or self.state == "cancel" or self.direct_state not in allowed:
            raise UserError(_("Order %(name)s cannot be %(action)s now.", name=self.name, action=action))

    def action_direct_accept(self):
        for purchase in self:
            purchase._direct_lock()
            purchase._direct_check_state(("waiting",), _("accepted"))
            purchase.write({"direct_state": "accepted", "direct_accepted_date": fields.Datetime.now()})
        return True

    def action_direct_refuse(self, reason=None):
        for purchase in self:
            purchase._direct_lock()
            purchase._direct_check_state(("waiting", "accepted"), _("refused"))
            purchase.write({"direct_refuse_reason": (reason or "").strip()[:200] or _("No reason given")})
            purchase._direct_reroute("refused")
        return True

    def action_direct_add_parcel(self, carrier, tracking_ref):
        self.ensure_one()
        self._direct_lock()
        self._direct_check_state(("accepted", "shipped"), _("given a parcel"))
        name, ref, code = self.env["direct.ship.parcel"]._clean_input(carrier, tracking_ref)
        if (
            self.env["direct.ship.parcel"]
            .sudo()
            .search_count([("carrier", "=", name), ("tracking_ref", "=", ref)])
        ):
            raise ValidationError(_("Tracking number %s is already used by another parcel.", ref))
        return (
            self.env["direct.ship.parcel"]
            .sudo()
            .create(
                {
                    "purchase_id": self.id,
                    "carrier": name,
                    "carrier_code": code,
                    "tracking_ref": ref,
                    "date_shipped": fields.Datetime.now(),
                }
            )
        )

    def action_direct_ship(self):
        """Shipped: validate the dropship transfer in Odoo."""
        for purchase in self:
            purchase._direct_lock()
            purchase._direct_check_state(("accepted",), _("shipped"))
            if not purchase.direct_parcel_ids:
                raise ValidationError(
                    _("Enter the carrier and tracking number of at least one parcel first.")
                )
            for picking in purchase.picking_ids.filtered(lambda p: p.state not in ("done", "cancel")):
                for move in picking.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
                    move.quantity = move.product_uom_qty
                    move.picked = True
                picking.with_context(skip_backorder=True, skip_sms=True).button_validate()
            purchase.write({"direct_state": "shipped", "direct_shipped_date": fields.Datetime.now()})
        return True

    # ------------------------------------------------------------------
    # Reroute
    # ------------------------------------------------------------------

    def _direct_reroute(self, why):
        """Cancel at this supplier and send the lines to the next eligible one.

        The order row is locked by the caller; a second reroute of the same
        order (cron and a refusal at the same moment) finds it cancelled and
        does nothing.
        """
        self.ensure_one()
        if self.state == "cancel":
            return self.env["purchase.order"]
        sale_lines = self.order_line.sale_line_id
        supplier = self.partner_id.commercial_partner_id
        for line in sale_lines:
            line.sudo().direct_excluded_partner_ids = [(4, supplier.id)]
        self.write({"direct_state": why if why in ("refused", "late") else "late"})
        self.button_cancel()
        self.message_post(body=_("Cancelled and rerouted to another supplier (%s).", why))
        before = sale_lines.order_id.direct_purchase_ids
        sale_lines.sudo()._action_launch_stock_rule()
        sale_lines.order_id.invalidate_recordset(["direct_purchase_ids"])
        new = sale_lines.order_id.direct_purchase_ids - before
        new.filtered(lambda po: po.state == "draft")._direct_dispatch()
        return new

    @api.model
    def _cron_direct_deadlines(self, limit=200):
        """Reroute the orders a supplier did not accept or ship in time."""
        now = fields.Datetime.now()
        late = self.search(
            [
                ("direct_ship", "=", True),
                ("state", "!=", "cancel"),
                "|",
                "&",
                ("direct_state", "=", "waiting"),
                ("direct_accept_deadline", "<", now),
                "&",
                ("direct_state", "=", "accepted"),
                ("direct_ship_deadline", "<", now),
            ],
            limit=limit,
        )
        for purchase in late:
            try:
                with self.env.cr.savepoint():
                    purchase._direct_lock()
                    if purchase.state != "cancel" and purchase.direct_state in ("waiting", "accepted"):
                        purchase._direct_reroute("late")
            except UserError:
                _logger.info("Order %s is being changed elsewhere; next run", purchase.name)


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    def _direct_handling_days(self):
        self.ensure_one()
        seller = self.sale_line_id.direct_supplierinfo_id
        return int(seller.delay) if seller else 0
