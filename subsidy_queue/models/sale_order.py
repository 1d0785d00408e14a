import logging
from datetime import timedelta

from psycopg2 import errors

from odoo import _, api, fields, models

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    _inherit = "sale.order"

    subsidy_state = fields.Selection(
        [
            ("none", "Not paid yet"),
            ("waiting", "Paid, in the return window"),
            ("queued", "In the queue"),
            ("ineligible", "Not eligible"),
        ],
        string="Subsidy",
        default="none",
        readonly=True,
        copy=False,
        index=True,
    )
    subsidy_paid_date = fields.Datetime("Paid on", readonly=True, copy=False)
    subsidy_entry_ids = fields.One2many("subsidy.entry", "sale_order_id", readonly=True)
    subsidy_entry_id = fields.Many2one("subsidy.entry", "Queue Entry", compute="_compute_subsidy_entry_id")
    # The entry's standing, on the order's form (computed for the entry, in one batch).
    subsidy_entry_state = fields.Selection(
        lambda self: self.env["subsidy.entry"]._fields["state"].selection,
        string="Entry Status",
        compute="_compute_subsidy_entry_standing",
        compute_sudo=True,
    )
    subsidy_entry_position = fields.Integer(
        "Place in the Queue", compute="_compute_subsidy_entry_standing", compute_sudo=True
    )
    subsidy_entry_wait = fields.Char(
        "Estimated Wait", compute="_compute_subsidy_entry_standing", compute_sudo=True
    )
    subsidy_entry_progress = fields.Float(
        "Subsidy Received (%)", compute="_compute_subsidy_entry_standing", compute_sudo=True
    )

    @api.depends("subsidy_entry_ids")
    def _compute_subsidy_entry_id(self):
        for order in self:
            order.subsidy_entry_id = order.subsidy_entry_ids[:1]

    @api.depends("subsidy_entry_ids.state", "subsidy_entry_ids.received")
    def _compute_subsidy_entry_standing(self):
        # The entries of all the orders at once: their standing is computed in one batch.
        self.subsidy_entry_ids.mapped("position")
        for order in self:
            entry = order.subsidy_entry_ids[:1]
            order.subsidy_entry_state = entry.state
            order.subsidy_entry_position = entry.position
            order.subsidy_entry_wait = entry.wait_estimate
            order.subsidy_entry_progress = entry.progress

    # ------------------------------------------------------------------
    # Eligibility
    # ------------------------------------------------------------------

    def _subsidy_channel(self):
        self.ensure_one()
        return "website" if self.website_id else "sale"

    def _subsidy_program(self):
        """Return the program this order queues in, or an empty recordset."""
        self.ensure_one()
        channel_field = {"website": "channel_website", "sale": "channel_sale", "pos": "channel_pos"}[
            self._subsidy_channel()
        ]
        programs = (
            self.env["subsidy.program"]
            .sudo()
            .search([("company_id", "=", self.company_id.id), (channel_field, "=", True)])
        )
        # The first program (by sequence) some line of the order is eligible in; a program
        # for other products must not hide the one this order belongs to.
        for program in programs:
            if self._subsidy_eligible_lines(program, self.order_line):
                return program
        return programs[:1]

    def _subsidy_eligible_lines(self, program, lines):
        """Filter ``lines`` (sale or invoice lines) down to eligible products.

        Never a down payment, a delivery, a gift card or an eWallet bought or spent
        (``product.product._subsidy_prepaid_ids``): they are payments, not sales.
        Discount and promotion lines are judged like any other line.
        """
        products = program.product_ids
        categories = program.product_category_ids
        if categories:
            categories = self.env["product.category"].sudo().search([("id", "child_of", categories.ids)])
        prepaid = self.env["product.product"]._subsidy_prepaid_ids()

        def eligible(line):
            if line.display_type not in (False, "product") or not line.product_id:
                return False
            if getattr(line, "is_downpayment", False) or getattr(line, "is_delivery", False):
                return False
            if line.product_id.id in prepaid:
                return False
            if not products and not categories:
                return True
            return line.product_id in products or line.product_id.categ_id in categories

        return lines.filtered(eligible)

    def _subsidy_eligible_units(self, program):
        """Eligible untaxed amount of the order, less what credit notes gave back."""
        self.ensure_one()
        amount = sum(self._subsidy_eligible_lines(program, self.order_line).mapped("price_subtotal"))
        return max(0, program._units(amount) - self._subsidy_refunded_units(program))

    def _subsidy_refunded_units(self, program):
        """What the credit notes standing now give back of the order's eligible amount."""
        self.ensure_one()
        refunds = self.invoice_ids.filtered(
            lambda m: (
                m.move_type == "out_refund" and m.state == "posted" and m.currency_id == program.currency_id
            )
        )
        refund_lines = refunds.invoice_line_ids.filtered(lambda line: self in line.sale_line_ids.order_id)
        return max(
            0,
            program._units(sum(self._subsidy_eligible_lines(program, refund_lines).mapped("price_subtotal"))),
        )

    def _subsidy_is_paid(self):
        """An order is paid when its invoices are paid and cover it, or when
        done online payments cover it."""
        self.ensure_one()
        currency = self.currency_id
        invoices = self.invoice_ids.filtered(lambda m: m.move_type == "out_invoice" and m.state == "posted")
        if (
            invoices
            and all(inv.payment_state in ("paid", "in_payment") for inv in invoices)
            and currency.compare_amounts(sum(invoices.mapped("amount_total")), self.amount_total) >= 0
        ):
            return True
        done = self.transaction_ids.filtered(lambda tx: tx.state == "done" and tx.operation != "validation")
        paid = sum(done.mapped("amount"))
        return bool(done) and currency.compare_amounts(paid, self.amount_total) >= 0

    # ------------------------------------------------------------------
    # Hooks
    # ------------------------------------------------------------------

    def _subsidy_on_paid(self):
        """Called whenever an order may have become paid; safe to call again."""
        for order in self.sudo():
            if order.subsidy_state not in ("none", False) or order.state != "sale":
                continue
            if not order._subsidy_is_paid():
                continue
            program = order._subsidy_program()
            if not program:
                continue
            order.write({"subsidy_paid_date": fields.Datetime.now(), "subsidy_state": "waiting"})
            if program.trigger == "paid":
                order._subsidy_enqueue()

    def _subsidy_enqueue(self):
        """Give each paid order its entry and contribution, exactly once.

        The program row is locked, so turns follow payment order; a second
        attempt (a retry, another worker) finds the entry or meets the unique
        constraint on the order and does nothing.
        """
        Entry = self.env["subsidy.entry"].sudo()
        for order in self.sudo():
            program = order._subsidy_program()
            if not program:
                continue
            program._lock()
            order.invalidate_recordset(["subsidy_state"])
            if order.subsidy_state in ("queued", "ineligible") or Entry.search_count(
                [("sale_order_id", "=", order.id)]
            ):
                continue
            reason = order._subsidy_ineligible_reason(program)
            if reason:
                order.subsidy_state = "ineligible"
                order._message_log(body=_("No queue subsidy: %s", reason))
                continue
            units = order._subsidy_eligible_units(program)
            try:
                # No flush of the whole transaction here: _enqueue flushes its own rows,
                # so a concurrent duplicate meets the unique constraint inside.
                with self.env.cr.savepoint(flush=False):
                    entry = Entry._enqueue(
                        program,
                        order.partner_id.commercial_partner_id,
                        units,
                        order._subsidy_channel(),
                        order.name,
                        {
                            "sale_order_id": order.id,
                            # Credit notes posted before the order queued: the base already lacks them.
                            "refunded_base": program._amount(order._subsidy_refunded_units(program)),
                        },
                    )
            except errors.UniqueViolation:
                _logger.info("Order %s was queued by another transaction", order.name)
                continue
            order.subsidy_state = "queued"
            order._message_log(
                body=_(
                    "Queued as %(entry)s: %(target)s of subsidy to come.",
                    entry=entry.name,
                    target=entry.target,
                )
            )

    def _subsidy_ineligible_reason(self, program):
        self.ensure_one()
        if self.currency_id != program.currency_id:
            return _(
                "the order is in %(order)s, the program in %(program)s.",
                order=self.currency_id.name,
                program=program.currency_id.name,
            )
        if self.company_id != program.company_id:
            return _("the order belongs to another company.")
        units = self._subsidy_eligible_units(program)
        if units <= 0:
            return _("no eligible product is left on the order.")
        if program.min_order_amount and units < program._units(program.min_order_amount):
            return _(
                "the eligible amount is below the minimum of %s.",
                program.min_order_amount,
            )
        return False

    # ------------------------------------------------------------------
    # What the shopper sees: the cart, the confirmation and the order page
    # ------------------------------------------------------------------

    def _subsidy_earn_preview(self):
        """What the order earns if it is paid now (``subsidy.program._earn_preview``), or None
        when it queues in no open program (no eligible product, another currency...)."""
        self.ensure_one()
        order = self.sudo()
        program = order._subsidy_program()
        if not program or program.state != "open":
            return None
        if order.currency_id != program.currency_id or order.company_id != program.company_id:
            return None
        units = order._subsidy_eligible_units(program)
        return program._earn_preview(units) if units > 0 else None

    def _subsidy_status(self):
        """The order's place in the subsidy queue, for its shopper: a dict with ``kind``

        - ``entry``: it has its entry (``entry``: queued, paid in full, cancelled...);
        - ``waiting``: paid, it queues on ``date`` (after the return window), with ``preview``;
        - ``unpaid``: it queues when paid (``days`` after, with a return window), with ``preview``;

        or None when the order takes no part in the queue.
        """
        self.ensure_one()
        order = self.sudo()
        entry = order.subsidy_entry_id
        if entry:
            return {"kind": "entry", "entry": entry}
        if order.state == "cancel" or order.subsidy_state in ("ineligible", "queued"):
            return None
        preview = order._subsidy_earn_preview()
        if not preview:
            return None
        if order.subsidy_state == "waiting":
            days = preview["return_window_days"]
            paid = order.subsidy_paid_date
            date = paid + timedelta(days=days) if days and paid else None
            return {"kind": "waiting", "date": date, "preview": preview}
        return {"kind": "unpaid", "days": preview["return_window_days"], "preview": preview}

    def _action_cancel(self):
        res = super()._action_cancel()
        self._subsidy_sync_refunds()
        for order in self.sudo():
            if order.subsidy_state == "waiting":
                order.subsidy_state = "ineligible"
        return res

    def _subsidy_sync_refunds(self, refund_move=None, give_back=None):
        """Bring the orders' entries to what their standing credit notes say.

        A cancelled order (or one taken back out of the sale state) is refunded
        in full. ``refund_move`` is the credit note that caused the change (it
        names the ledger lines); ``give_back`` one that no longer stands.
        """
        for order in self.sudo():
            entry = order.subsidy_entry_ids[:1]
            if not entry:
                continue
            program = entry.program_id
            program._lock()
            entry.invalidate_recordset()
            order.invalidate_recordset()
            if order.state != "sale":
                refunded = program._units(entry.base_amount + entry.refunded_base)
                reason = _("Order %s cancelled", order.name)
            else:
                refunded = order._subsidy_refunded_units(program)
                reason = (
                    _("Credit note %s", refund_move.name) if refund_move else _("Refunds of %s", order.name)
                )
            entry._sync_refund(refunded, refund_move=refund_move, reason=reason, give_back=give_back)

    @api.model
    def _cron_enqueue_due(self, limit=500):
        """Queue paid orders whose return window is over."""
        now = fields.Datetime.now()
        todo = self.browse()
        for program in self.env["subsidy.program"].sudo().search([("trigger", "=", "return_window")]):
            todo |= self.sudo().search(
                [
                    ("company_id", "=", program.company_id.id),
                    ("subsidy_state", "=", "waiting"),
                    ("subsidy_paid_date", "<=", now - timedelta(days=program.return_window_days)),
                ],
                order="subsidy_paid_date, id",
                limit=limit,
            )
        todo._subsidy_enqueue()
        if len(todo) >= limit:
            self.env.ref("subsidy_queue.ir_cron_enqueue_due")._trigger()
