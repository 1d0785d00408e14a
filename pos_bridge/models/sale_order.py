from odoo import _, fields, models
from odoo.exceptions import UserError

from odoo.addons.subsidy_queue.models.subsidy_protected_mixin import WORKFLOW

COLLECT_FIELDS = {
    "pos_collected_date",
    "pos_collected_user_id",
    "pos_collected_config_id",
    "pos_collected_session_id",
}


class SaleOrder(models.Model):
    _inherit = "sale.order"

    pos_collected_date = fields.Datetime("Collected on", readonly=True, copy=False, tracking=True)
    pos_collected_user_id = fields.Many2one("res.users", "Handed over by", readonly=True, copy=False)
    pos_collected_config_id = fields.Many2one("pos.config", "Collected at", readonly=True, copy=False)
    pos_collected_session_id = fields.Many2one("pos.session", "Collection Session", readonly=True, copy=False)

    def write(self, vals):
        if COLLECT_FIELDS & vals.keys() and self.env.context.get("subsidy_workflow") is not WORKFLOW:
            raise UserError(_("A hand-over is recorded by the till only, never by hand."))
        return super().write(vals)

    def _pos_collect_pickings(self):
        """The transfers that bring the goods into the shopper's hands at the store:
        the store's own deliveries, and the suppliers' shipments to the store."""
        self.ensure_one()
        pickings = self.picking_ids.filtered(lambda p: p.state != "cancel")
        own = pickings.filtered(lambda p: p.picking_type_code == "outgoing")
        dropship = pickings.filtered(lambda p: p.picking_type_code == "dropship")
        return own, dropship

    def _pos_collect_status(self):
        """``(ready, reason)``: can the order be handed over now, and if not, why."""
        self.ensure_one()
        if not self._subsidy_is_paid():
            return False, _("Not paid yet: settle it from Quotation/Order first.")
        if self.invoice_ids.filtered(lambda m: m.move_type == "out_refund" and m.state == "posted"):
            return False, _("A credit note was issued for this order: a manager decides what is handed over.")
        own, dropship = self._pos_collect_pickings()
        if dropship.filtered(lambda p: p.state != "done"):
            return False, _("The supplier has not shipped it yet.")
        waiting = own.filtered(lambda p: p.state not in ("assigned", "done"))
        if waiting:
            return False, _("The goods are not in the store yet.")
        if not own and not dropship:
            return False, _("Nothing to hand over.")
        return True, False

    def _pos_collect_values(self):
        self.ensure_one()
        ready, reason = self._pos_collect_status() if not self.pos_collected_date else (False, False)
        return {
            "id": self.id,
            "name": self.name,
            "partner": self.partner_id.name or "",
            "phone": self.partner_id.phone or self.partner_id.mobile or "",
            "date_order": fields.Datetime.to_string(self.date_order),
            "amount_total": self.amount_total,
            "products": ", ".join(self.order_line.filtered("product_id").mapped("product_id.display_name")),
            "ready": ready,
            "reason": reason or "",
            "collected": bool(self.pos_collected_date),
            "collected_date": fields.Datetime.to_string(self.pos_collected_date)
            if self.pos_collected_date
            else False,
            "collected_by": self.pos_collected_user_id.name or "",
        }

    def _pos_collect_hand_over(self, config):
        """Validate the store's pick-up transfers and record the hand-over (row locked by the caller)."""
        self.ensure_one()
        ready, reason = self._pos_collect_status()
        if not ready:
            raise UserError(
                _("Order %(order)s cannot be handed over: %(reason)s", order=self.name, reason=reason)
            )
        own, _dropship = self._pos_collect_pickings()
        for picking in own.filtered(lambda p: p.state == "assigned"):
            for move in picking.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
                move.quantity = move.product_uom_qty
                move.picked = True
            result = picking.with_context(
                skip_backorder=True, skip_sms=True, skip_immediate=True
            ).button_validate()
            if result is not True:
                raise UserError(
                    _("The pick-up transfer %s needs attention in the back office.", picking.name)
                )
        session = config.current_session_id
        self.with_context(subsidy_workflow=WORKFLOW).write(
            {
                "pos_collected_date": fields.Datetime.now(),
                "pos_collected_user_id": self.env.uid,
                "pos_collected_config_id": config.id,
                "pos_collected_session_id": session.id,
            }
        )
        self.message_post(
            body=_(
                "Handed over to the shopper at %(store)s by %(cashier)s.",
                store=config.name,
                cashier=self.env.user.name,
            )
        )
