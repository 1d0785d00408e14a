import logging
from datetime import timedelta

from psycopg2 import errors

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_is_zero

from odoo.addons.subsidy_queue.models.subsidy_protected_mixin import lock_rows

# Who may read parcels (the groups of direct.ship.parcel's access rules).
PARCEL_READERS = "purchase.group_purchase_user,sales_team.group_sale_salesman,stock.group_stock_user"

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
            ("cancelled", "Sale cancelled"),
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
    direct_parcel_ids = fields.One2many(
        "direct.ship.parcel", "purchase_id", string="Parcels", readonly=True, groups=PARCEL_READERS
    )
    # Stored on the order row on purpose: registering a parcel writes this row, so a deadline
    # run or a sale cancellation that locks the order sees the parcel or fails to serialize.
    direct_parcel_count = fields.Integer(
        "Parcel Count",
        compute="_compute_direct_parcel_count",
        store=True,
        help="How many parcels the supplier registered for this order.",
    )
    direct_sale_changed_date = fields.Datetime(
        "Sale Changed on",
        readonly=True,
        copy=False,
        help="The shopper's order was cancelled or asks for less since this order was sent to the supplier.",
    )
    direct_late_reported_date = fields.Datetime(
        "Reported Late on",
        readonly=True,
        copy=False,
        help="Parcels were registered but the order was not shipped in time: a person was asked to act, "
        "the order is not rerouted (the goods must not be sent twice).",
    )

    @api.depends("group_id.sale_id", "order_line.sale_line_id", "dest_address_id")
    def _compute_direct_sale_order_id(self):
        store_addresses = self.env["stock.warehouse"].sudo().search([]).partner_id
        for purchase in self:
            sale = purchase.group_id.sale_id or purchase.order_line.sale_line_id.order_id[:1]
            direct = bool(sale) and any(purchase.order_line.mapped("product_id.direct_ship"))
            purchase.direct_sale_order_id = sale if direct else False
            purchase.direct_ship = direct
            purchase.direct_to_store = direct and purchase.dest_address_id in store_addresses

    @api.depends("direct_parcel_ids")
    def _compute_direct_parcel_count(self):
        for purchase in self:
            purchase.direct_parcel_count = len(purchase.direct_parcel_ids)

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
        """Lock the order row, or refuse at once if another worker holds it; re-read its state.

        Whoever changes what a supplier action relies on (a sale cancellation, a parcel, a
        deadline run) locks this row *and writes it*: under REPEATABLE READ, a transaction
        whose snapshot predates that write then fails to serialize here instead of acting on
        stale data.
        """
        self.ensure_one()
        lock_rows(
            self,
            nowait=True,
            busy_message=_("Order %s is being changed by someone else; try again.", self.name),
        )

    def _direct_check_caller(self):
        """Supplier actions are for the order's supplier, or a purchase user acting for it."""
        user = self.env.user
        if user._is_superuser() or user.has_group("purchase.group_purchase_user"):
            return
        partner = user.partner_id.commercial_partner_id
        for purchase in self.sudo():
            if not purchase.direct_ship or purchase.partner_id.commercial_partner_id != partner:
                raise AccessError(
                    _("Only the supplier of order %s or a purchase user can act on it.", purchase.name)
                )

    def _direct_goods_wanted(self):
        """Does the shopper still want what this order ships?

        No when the sale is cancelled (or back to draft), or when a sale line behind one of
        the order's lines has no quantity left.
        """
        self.ensure_one()
        purchase = self.sudo()
        if purchase.direct_state == "cancelled" or purchase.direct_sale_order_id.state != "sale":
            return False
        for line in purchase.order_line.filtered("sale_line_id"):
            sale_line = line.sale_line_id
            ordered = not float_is_zero(line.product_qty, precision_rounding=line.product_uom.rounding)
            gone = float_is_zero(sale_line.product_uom_qty, precision_rounding=sale_line.product_uom.rounding)
            if sale_line.state != "sale" or (ordered and gone):
                return False
        return True

    def _direct_check_state(self, allowed, action):
        if (
            self.direct_ship
            and (self.direct_state == "cancelled" or self.state != "cancel")
            and not self._direct_goods_wanted()
        ):
            raise UserError(
                _(
                    "The shopper cancelled order %(sale)s or no longer wants these goods: "
                    "order %(name)s must not be accepted, refused or shipped.",
                    sale=self.sudo().direct_sale_order_id.name,
                    name=self.name,
                )
            )
        if not self.direct_ship or self.state == "cancel" or self.direct_state not in allowed:
            raise UserError(_("Order %(name)s cannot be %(action)s now.", name=self.name, action=action))

    def action_direct_accept(self):
        self._direct_check_caller()
        for purchase in self:
            purchase._direct_lock()
            purchase._direct_check_state(("waiting",), _("accepted"))
            purchase.write({"direct_state": "accepted", "direct_accepted_date": fields.Datetime.now()})
        return True

    def action_direct_refuse(self, reason=None):
        self._direct_check_caller()
        if reason not in (None, False) and not isinstance(reason, str):
            raise ValidationError(_("Give the reason of the refusal as text."))
        for purchase in self:
            purchase._direct_lock()
            purchase._direct_check_state(("waiting", "accepted"), _("refused"))
            if purchase.sudo().direct_parcel_ids:
                raise UserError(
                    _(
                        "Order %s already has a parcel on its way: it cannot be refused any more. "
                        "Ship it, or contact us.",
                        purchase.name,
                    )
                )
            purchase.write({"direct_refuse_reason": (reason or "").strip()[:200] or _("No reason given")})
            purchase._direct_reroute("refused")
        return True

    def _direct_carriers(self):
        """The carriers a supplier may choose for this order's parcels."""
        self.ensure_one()
        return (
            self.env["delivery.carrier"]
            .sudo()
            .search([("direct_ship", "=", True), ("company_id", "in", (False, self.company_id.id))])
        )

    def _direct_ship_to_phone(self):
        """The phone number the carrier calls: the delivery address's, else the shopper's.

        A parcel for a store is called in at the store (its address's phone).
        """
        self.ensure_one()
        purchase = self.sudo()
        dest = purchase.dest_address_id
        partners = [dest, dest.commercial_partner_id]
        if not purchase.direct_to_store:
            sale = purchase.direct_sale_order_id
            partners += [sale.partner_shipping_id, sale.partner_id]
        for partner in partners:
            if partner and (partner.phone or partner.mobile):
                return partner.phone or partner.mobile
        return ""

    def _direct_collector(self):
        """Who picks up a parcel sent to a store: the shopper, with a phone; else nothing."""
        self.ensure_one()
        purchase = self.sudo()
        if not purchase.direct_to_store:
            return {}
        shopper = purchase.direct_sale_order_id.partner_id
        return {"name": shopper.name or "", "phone": shopper.phone or shopper.mobile or ""}

    def _direct_packing_lines(self):
        """What the parcel holds: products and quantities, never a price."""
        self.ensure_one()
        return self.sudo().order_line.filtered(lambda line: not line.display_type and line.product_qty)

    def _direct_picking(self):
        """The dropship transfer the supplier's parcels travel on."""
        self.ensure_one()
        return self.sudo().picking_ids.filtered(
            lambda p: p.picking_type_code == "dropship" and p.state != "cancel"
        )[:1]

    def _direct_update_transfer(self):
        """The dropship transfer shows the parcels as Odoo shows any shipment's tracking.

        Parcels not yet on a transfer join the order's dropship transfer; its carrier is the
        first parcel's (unless it already has one of the parcels'), its tracking reference
        the parcels' numbers, comma-separated as Odoo writes several.
        """
        for purchase in self.sudo():
            parcels = purchase.direct_parcel_ids
            picking = purchase._direct_picking()
            if picking:
                parcels.filtered(lambda p: not p.picking_id).picking_id = picking
            for transfer in parcels.picking_id:
                transfer_parcels = transfer.direct_parcel_ids.sorted("id")
                vals = {"carrier_tracking_ref": ",".join(transfer_parcels.mapped("tracking_ref"))}
                if transfer.carrier_id not in transfer_parcels.carrier_id:
                    vals["carrier_id"] = transfer_parcels[:1].carrier_id.id
                transfer.write(vals)

    def action_direct_add_parcel(self, carrier_id, tracking_ref):
        """The supplier sent a parcel: ``carrier_id`` is the id of one of ``_direct_carriers()``."""
        self.ensure_one()
        self._direct_check_caller()
        carrier, ref = self.env["direct.ship.parcel"]._clean_input(
            self._direct_carriers(), carrier_id, tracking_ref
        )
        self._direct_lock()
        self._direct_check_state(("accepted", "shipped"), _("given a parcel"))
        Parcel = self.env["direct.ship.parcel"].sudo()
        if Parcel.search_count([("carrier_id", "=", carrier.id), ("tracking_ref", "=", ref)]):
            raise ValidationError(_("Tracking number %s is already used by another parcel.", ref))
        # A parcel is only registered until the supplier marks it shipped: with the order,
        # or, added after the order was shipped, on its own (action_direct_ship again).
        parcel = Parcel.create({"purchase_id": self.id, "carrier_id": carrier.id, "tracking_ref": ref})
        self._direct_update_transfer()
        # The parcel changes the order row itself (its stored parcel count), in this
        # transaction: see _direct_lock.
        self.flush_recordset(["direct_parcel_count"])
        return parcel

    def action_direct_ship(self):
        """Shipped: validate the dropship transfer in Odoo; its registered parcels are on
        their way. On an order already shipped, the parcels registered since are."""
        self._direct_check_caller()
        for purchase in self:
            purchase._direct_lock()
            purchase._direct_check_state(("accepted", "shipped"), _("shipped"))
            parcels = purchase.sudo().direct_parcel_ids
            registered = parcels.filtered(lambda p: p.state == "registered")
            if not parcels:
                raise ValidationError(
                    _("Enter the carrier and tracking number of at least one parcel first.")
                )
            if not registered:
                raise UserError(
                    _("Every parcel of order %s is already shipped: add the new parcel first.", purchase.name)
                )
            now = fields.Datetime.now()
            if purchase.direct_state == "accepted":
                purchase._direct_update_transfer()
                for picking in purchase.picking_ids.filtered(lambda p: p.state not in ("done", "cancel")):
                    for move in picking.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
                        move.quantity = move.product_uom_qty
                        move.picked = True
                    picking.with_context(skip_backorder=True, skip_sms=True).button_validate()
                purchase.write({"direct_state": "shipped", "direct_shipped_date": now})
            registered.write({"state": "shipped", "date_shipped": now})
        return True

    # ------------------------------------------------------------------
    # The sale changes (the caller has locked the orders: see _direct_lock)
    # ------------------------------------------------------------------

    def _direct_in_transit(self):
        """Goods may be on their way (or billed): the order cannot simply be cancelled."""
        self.ensure_one()
        return (
            bool(self.sudo().direct_parcel_ids)
            or self.direct_state == "shipped"
            or any(move.state not in ("cancel", "draft") for move in self.invoice_ids)
        )

    def _direct_sale_cancelled(self, schedule_activity=True):
        """The shopper no longer wants the goods of these orders.

        Not on its way yet: the order is cancelled and the supplier told. On its way: the
        order stays, marked "Sale cancelled" (the supplier can do nothing more with it) and a
        person arranges the return.
        """
        now = fields.Datetime.now()
        for purchase in self.filtered(lambda p: p.direct_ship and p.state != "cancel"):
            in_transit = purchase._direct_in_transit()
            purchase.write({"direct_state": "cancelled", "direct_sale_changed_date": now})
            if in_transit:
                purchase.message_post(
                    body=_(
                        "The shopper cancelled the order behind %s after its goods were registered "
                        "for shipping: stop the shipment if you still can; we will contact you about "
                        "the return.",
                        purchase.name,
                    ),
                    partner_ids=purchase.partner_id.ids,
                    subtype_xmlid="mail.mt_comment",
                )
                if schedule_activity:
                    purchase.activity_schedule(
                        "mail.mail_activity_data_warning",
                        summary=_("Sale cancelled, goods on their way"),
                        note=_(
                            "The shopper no longer wants the goods of %s, but the supplier has "
                            "already registered parcels: arrange the return with the supplier.",
                            purchase.name,
                        ),
                        user_id=purchase.user_id.id or self.env.ref("base.user_admin").id,
                    )
            else:
                purchase.button_cancel()
                purchase.message_post(
                    body=_("The shopper cancelled the order behind %s: do not ship it.", purchase.name),
                    partner_ids=purchase.partner_id.ids,
                    subtype_xmlid="mail.mt_comment",
                )

    def _direct_sale_reduced(self):
        """The sale asks for less than these orders: a person agrees the change with the supplier."""
        now = fields.Datetime.now()
        for purchase in self.filtered(lambda p: p.direct_ship and p.state != "cancel"):
            purchase.write({"direct_sale_changed_date": now})
            purchase.activity_schedule(
                "mail.mail_activity_data_warning",
                summary=_("The sale asks for less"),
                note=_(
                    "The shopper's order now asks for less than %s: agree the change with the supplier; "
                    "the supplier cannot ship lines whose sale quantity is zero.",
                    purchase.name,
                ),
                user_id=purchase.user_id.id or self.env.ref("base.user_admin").id,
            )

    # ------------------------------------------------------------------
    # Reroute
    # ------------------------------------------------------------------

    def _direct_reroute(self, why):
        """Cancel at this supplier and send the lines to the next eligible one.

        The order row is locked by the caller; a second reroute of the same
        order (cron and a refusal at the same moment) finds it cancelled and
        does nothing. An order with a parcel is never rerouted: the goods would
        be sent twice.
        """
        self.ensure_one()
        if self.state == "cancel":
            return self.env["purchase.order"]
        if self.sudo().direct_parcel_ids:
            raise UserError(
                _("Order %s has a parcel on its way: it cannot go to another supplier.", self.name)
            )
        sale_lines = self.order_line.sale_line_id
        supplier = self.partner_id.commercial_partner_id
        for line in sale_lines:
            line.sudo().direct_excluded_partner_ids = [(4, supplier.id)]
        self.write({"direct_state": why if why in ("refused", "late") else "late"})
        self.button_cancel()
        self.message_post(body=_("Cancelled and rerouted to another supplier (%s).", why))
        sales = sale_lines.order_id.sudo()
        before = sales.direct_purchase_ids
        sale_lines.sudo()._action_launch_stock_rule()
        sales.invalidate_recordset(["direct_purchase_ids"])
        new = sales.direct_purchase_ids - before
        new.filtered(lambda po: po.state == "draft")._direct_dispatch()
        return new

    def _direct_report_late(self):
        """Parcels registered, not shipped in time: a person checks with the supplier (no reroute)."""
        now = fields.Datetime.now()
        for purchase in self:
            purchase.write({"direct_late_reported_date": now})
            purchase.activity_schedule(
                "mail.mail_activity_data_warning",
                summary=_("Parcels registered but not shipped in time"),
                note=_(
                    "The supplier registered parcels for %(name)s but did not mark it shipped by "
                    "%(deadline)s. It is not rerouted, so the goods are not sent twice: check with "
                    "the supplier.",
                    name=purchase.name,
                    deadline=fields.Datetime.to_string(purchase.direct_ship_deadline),
                ),
                user_id=purchase.user_id.id or self.env.ref("base.user_admin").id,
            )

    @api.model
    def _cron_direct_deadlines(self, limit=200):
        """Reroute the orders a supplier did not accept or ship in time, ``limit`` at a time.

        An accepted order that already has a parcel is never rerouted (a second supplier
        would ship the same goods): it is reported late to a person, once. A full batch runs
        the job again at once for the rest, unless nothing in it could be handled.
        """
        now = fields.Datetime.now()
        late = self.search(
            [
                ("direct_ship", "=", True),
                ("state", "!=", "cancel"),
                ("direct_late_reported_date", "=", False),
                "|",
                "&",
                ("direct_state", "=", "waiting"),
                ("direct_accept_deadline", "<", now),
                "&",
                ("direct_state", "=", "accepted"),
                ("direct_ship_deadline", "<", now),
            ],
            order="id",
            limit=limit,
        )
        handled = 0
        for purchase in late:
            try:
                with self.env.cr.savepoint():
                    purchase._direct_lock()
                    if purchase.state != "cancel" and purchase.direct_state in ("waiting", "accepted"):
                        if purchase.direct_parcel_ids:
                            purchase._direct_report_late()
                        else:
                            purchase._direct_reroute("late")
                handled += 1
            except (UserError, errors.SerializationFailure):
                # Locked, or changed since this run's snapshot (a parcel, a cancellation): next run.
                _logger.info("Order %s is being changed elsewhere; next run", purchase.name)
        if len(late) == limit and handled:
            self.env.ref("direct_ship.ir_cron_direct_deadlines")._trigger()


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    def _direct_handling_days(self):
        self.ensure_one()
        seller = self.sale_line_id.direct_supplierinfo_id
        return int(seller.delay) if seller else 0
