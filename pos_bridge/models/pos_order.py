from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_compare

from odoo.addons.subsidy_queue.models.subsidy_protected_mixin import WORKFLOW

# A POS order that reached one of these states was paid at the till.
PAID_STATES = ("paid", "done", "invoiced")
SUBSIDY_USER = "subsidy_queue.group_subsidy_user"


class PosOrder(models.Model):
    _name = "pos.order"
    _inherit = ["pos.order", "subsidy.protected.mixin"]
    # The queue's own fields: written by the sync's workflow only, never over RPC.
    _protected_fields = ("subsidy_state", "subsidy_paid_date", "subsidy_note")

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
    subsidy_paid_date = fields.Datetime("Subsidy Paid on", readonly=True, copy=False)
    subsidy_note = fields.Char(
        "Why no Queue Entry", readonly=True, copy=False, help="Why this paid order did not queue."
    )
    subsidy_entry_ids = fields.One2many("subsidy.entry", "pos_order_id", readonly=True, groups=SUBSIDY_USER)
    subsidy_entry_id = fields.Many2one(
        "subsidy.entry", "Queue Entry", compute="_compute_subsidy_entry_id", groups=SUBSIDY_USER
    )
    subsidy_balance_amount = fields.Monetary(
        "Paid with Subsidy Balance",
        compute="_compute_subsidy_balance_amount",
        help="What the shopper's subsidy balance paid of this order (negative: given back to it).",
    )
    subsidy_receipt = fields.Json(
        compute="_compute_subsidy_receipt",
        compute_sudo=True,
        help="What the receipt prints of the queue subsidy: entry, place in the queue, target, estimate.",
    )

    @api.depends("subsidy_entry_ids")
    def _compute_subsidy_entry_id(self):
        for order in self:
            order.subsidy_entry_id = order.subsidy_entry_ids[:1]

    @api.depends("payment_ids.amount", "payment_ids.payment_method_id")
    def _compute_subsidy_balance_amount(self):
        for order in self:
            payments = order.payment_ids.filtered(lambda p: p.payment_method_id.subsidy_balance)
            order.subsidy_balance_amount = order.currency_id.round(sum(payments.mapped("amount")))

    @api.depends_context("lang")
    @api.depends("subsidy_state", "state", "partner_id")
    def _compute_subsidy_receipt(self):
        for order in self:
            order.subsidy_receipt = order._subsidy_receipt_values()

    # ------------------------------------------------------------------
    # The sync: everything happens in the order's own transaction
    # ------------------------------------------------------------------

    @api.model
    def _process_order(self, order, existing_order):
        """Lock what a balance payment will change before the order is processed.

        The program row first, then the shopper's account row: the order every
        other flow takes them in (settlements and refunds lock the program,
        then the accounts), so two tills never wait on each other crosswise.
        """
        # The till sends back what it loaded: the queue's own fields are the server's.
        for fname in self._protected_fields:
            order.pop(fname, None)
        self._subsidy_prelock(order)
        # Only the sync may record a Subsidy balance payment (see pos.payment).
        return super(PosOrder, self.with_context(subsidy_pos_sync=WORKFLOW))._process_order(
            order, existing_order
        )

    def _process_saved_order(self, draft):
        """Once the order is paid: spend the balance, queue the entry, follow refunds.

        Called by the sync (``sync_from_ui`` → ``_process_order``) and by the
        back office's payment wizard, inside their transaction: an error here
        undoes the whole order, which stays in the POS to be paid otherwise.
        """
        res = super()._process_saved_order(draft)
        if not draft and self.state in PAID_STATES:
            self._subsidy_on_paid()
        return res

    @api.model
    def _subsidy_prelock(self, order):
        if order.get("state") == "draft" or not order.get("partner_id"):
            return
        method_ids = [
            line[2].get("payment_method_id")
            for line in order.get("payment_ids") or []
            if line[0] == 0 and isinstance(line[2], dict)
        ]
        methods = self.env["pos.payment.method"].sudo().browse(method_ids).filtered("subsidy_balance")
        if not methods:
            return
        partner = self.env["res.partner"].browse(order["partner_id"]).exists()
        if not partner:
            return
        for program in methods.subsidy_program_id.sorted("id"):
            program._lock()
            account = (
                self.env["subsidy.account"]
                .sudo()
                .search(
                    [("program_id", "=", program.id), ("partner_id", "=", partner.commercial_partner_id.id)]
                )
            )
            if account:
                account._lock_balance_units()

    def _subsidy_on_paid(self):
        """Called when the order became paid at the till; safe to call again.

        Every program the order changes is locked first (the one it queues in,
        the ones its balance payments and refunds touch), once, in id order;
        then the balance is spent, refunds are followed and the entry queued. An
        order that changes only the program it queues in leaves the lock to the
        queueing, whose first statement writes the program's row.
        """
        for order in self.sudo():
            order._subsidy_check_direct_ship()
            order._subsidy_check_refunds()
            sale_lines = order._subsidy_sale_lines()
            program = order._subsidy_program() if sale_lines else self.env["subsidy.program"]
            queue_now = program.trigger == "paid" and order.subsidy_state in ("none", False)
            # What the order says of itself needs no lock: an ineligible order locks nothing.
            units = queue_now and order._subsidy_units(program)
            reason = queue_now and order._subsidy_ineligible_reason(program, units)
            programs = program if queue_now and not reason else self.env["subsidy.program"]
            programs |= order.payment_ids.payment_method_id.filtered("subsidy_balance").subsidy_program_id
            roots = order._subsidy_refunded_roots()
            programs |= roots.sudo().subsidy_entry_ids.program_id
            if programs != program:
                for locked in programs.sudo().sorted("id"):
                    locked._lock()
            # else: the queueing locks the only program it changes by writing its row.
            order._subsidy_spend()
            if roots:
                order._subsidy_sync_refunds(roots)
            if order.subsidy_state not in ("none", False) or not sale_lines:
                continue
            vals = {
                "subsidy_paid_date": order.date_order or fields.Datetime.now(),
                "subsidy_state": "waiting",
            }
            if not program:
                order._workflow().write(
                    dict(
                        vals,
                        subsidy_state="ineligible",
                        subsidy_note=_("No program queues sales of this shop."),
                    )
                )
            elif reason:
                order._workflow().write(dict(vals, subsidy_state="ineligible", subsidy_note=reason))
            elif queue_now:
                # Queued at once: the state is written once, by the queueing.
                order._subsidy_enqueue(program, vals, checked=True, units=units)
            else:
                order._workflow().write(vals)

    def _subsidy_check_direct_ship(self):
        """Direct-ship goods are never in the store: the till cannot hand them over.

        They are sold as online or back-office orders (with ship-to-store when the
        shopper wants to collect them here), which route them to a supplier. Lines
        settling such a sale order (``pos_sale``) are that very order and pass.
        """
        self.ensure_one()
        lines = self.lines.filtered(
            lambda line: (
                line.product_id.direct_ship
                and line.qty > 0
                and not line.refunded_orderline_id
                and not line.sale_order_line_id
            )
        )
        if lines:
            raise UserError(
                _(
                    "%(products)s ship directly from a supplier and are never in the store: "
                    "sell them as an online or back-office order (to collect here if the shopper "
                    "wishes), not at the till.",
                    products=", ".join(lines.product_id.mapped("display_name")),
                )
            )

    def _subsidy_check_refunds(self):
        """A refund gives back what its customer bought, no more, to that customer.

        The till sends the refunded line's id: it must be a line of a paid order
        of the same customer (a refund moves that order's entry and may return its
        balance payment), refunded as it was sold (the same product, unit price and
        taxes: in an exchange, the refund pays for the new goods), and what is
        refunded of it, in all, never exceeds what was sold.
        """
        self.ensure_one()
        refunds = self.lines.filtered("refunded_orderline_id")
        for line in refunds:
            original = line.refunded_orderline_id
            if original.order_id.partner_id.commercial_partner_id != self.partner_id.commercial_partner_id:
                raise UserError(
                    _("A refund is made to the customer of the order it refunds: set that customer.")
                )
            if original.order_id.state not in PAID_STATES:
                raise UserError(_("Only a paid order can be refunded."))
            # As it was sold, to the unit price's last digit (a difference below the cent
            # adds up over the quantity) and with the taxes the order applied.
            currency = original.order_id.currency_id
            sold_at = original.price_unit * (1 - (original.discount or 0.0) / 100.0)
            back_at = line.price_unit * (1 - (line.discount or 0.0) / 100.0)
            sold_taxes = original.order_id.fiscal_position_id.map_tax(original.tax_ids)
            back_taxes = self.fiscal_position_id.map_tax(line.tax_ids)
            if (
                line.product_id != original.product_id
                or float_compare(sold_at, back_at, precision_digits=6)
                or sold_taxes != back_taxes
            ):
                raise UserError(
                    _(
                        "%(product)s is refunded at the price it was sold at, %(price)s a unit, with "
                        "its taxes: sell anything else on a line of its own.",
                        product=original.product_id.display_name,
                        price=currency.format(sold_at),
                    )
                )
            # A refund takes back the opposite of the line (a refund of a refund re-sells).
            sign = 1 if original.qty > 0 else -1
            taken_back = -sign * sum(
                other.qty
                for other in original.refund_orderline_ids
                if other.order_id.state in PAID_STATES or other.order_id == self
            )
            rounding = original.product_uom_id.rounding or 0.01
            if float_compare(taken_back, abs(original.qty), precision_rounding=rounding) > 0:
                raise UserError(
                    _(
                        "%(product)s: %(refunded)s would be refunded of the %(sold)s sold.",
                        product=original.product_id.display_name,
                        refunded=taken_back,
                        sold=abs(original.qty),
                    )
                )

    @api.model
    def _subsidy_line_units(self, program, lines):
        """The lines' untaxed amount in units, as the server computes it from
        their price, quantity, discount and taxes (never the till's subtotal)."""
        return sum(program._units(line._subsidy_amounts()[0]) for line in lines)

    # ------------------------------------------------------------------
    # Eligibility (mirrors sale.order's)
    # ------------------------------------------------------------------

    def _subsidy_program(self):
        """The program this order queues in, or an empty recordset: as for sale
        orders, the first (by sequence) some line of the order is eligible in."""
        self.ensure_one()
        programs = self.env["subsidy.program"].sudo()._pos_programs(self.company_id)
        if len(programs) > 1:
            lines = self._subsidy_sale_lines()
            for program in programs:
                if self._subsidy_eligible_lines(program, lines):
                    return program
        return programs[:1]

    def _subsidy_sale_lines(self):
        """What this order sells itself: not a refund of another order, not a tip,
        not the settlement of a sale order that queues on its own."""
        self.ensure_one()
        tip = self.config_id.tip_product_id
        return self.lines.filtered(
            lambda line: (
                line.product_id
                and not line.refunded_orderline_id
                and line.product_id != tip
                and not line.sale_order_origin_id.sudo().subsidy_entry_ids
            )
        )

    @api.model
    def _subsidy_eligible_lines(self, program, lines):
        """As for sale orders: never a gift card or an eWallet bought or spent (a payment)."""
        products, categories = program._pos_eligible_ids()
        prepaid = self.env["product.product"]._subsidy_prepaid_ids()
        lines = lines.filtered(lambda line: line.product_id and line.product_id.id not in prepaid)
        if not products and not categories:
            return lines

        def eligible(line):
            if line.product_id.id in products:
                return True
            path = line.product_id.categ_id.parent_path or ""
            return bool(categories) and any(int(part) in categories for part in path.split("/") if part)

        return lines.filtered(eligible)

    def _subsidy_original_units(self, program):
        """Eligible untaxed amount the order sold, in units (a negative line, an item
        taken back in the same ticket, lowers it)."""
        self.ensure_one()
        lines = self._subsidy_eligible_lines(program, self._subsidy_sale_lines())
        units = self._subsidy_line_units(program, lines)
        # Never more than the order was paid (goods given back in the same ticket
        # count as paid, and so does a gift card or an eWallet spent on it), whatever its
        # lines and total say.
        prepaid = self.env["product.product"]._subsidy_prepaid_ids()
        credit = -sum(
            line._subsidy_amounts()[1]
            for line in self.lines.filtered(
                lambda line: (
                    line.refunded_orderline_id
                    or (line.product_id.id in prepaid and line.qty * line.price_unit < 0)
                )
            )
        )
        # What the payments brought in: the change given back is a payment of its own
        # (negative, netted in ``amount_paid`` by the sync), and a "change" the till says
        # it took in (positive) is no money paid.
        paid = sum(p.amount for p in self.payment_ids if not (p.is_change and p.amount > 0))
        paid += max(0.0, credit)
        return max(0, min(units, program._units(paid)))

    def _subsidy_refund_lines(self):
        """Every paid line refunding this order's own lines, refunds of refunds included."""
        self.ensure_one()
        found = self.env["pos.order.line"]
        frontier = self._subsidy_sale_lines()
        while frontier:
            children = (
                frontier.refund_orderline_ids.filtered(lambda line: line.order_id.state in PAID_STATES)
                - found
            )
            found |= children
            frontier = children
        return found

    def _subsidy_refunded_units(self, program):
        """What the refunds standing now take off the order's eligible amount, in units.

        A refund line is negative, a refund of a refund positive: their sum,
        negated, is what is refunded in all.
        """
        self.ensure_one()
        lines = self._subsidy_eligible_lines(program, self._subsidy_refund_lines())
        return max(0, -self._subsidy_line_units(program, lines))

    def _subsidy_refunded_roots(self):
        """The orders whose lines this order refunds, at the root of their refund chain."""
        self.ensure_one()
        roots = self.browse()
        for line in self.lines.filtered("refunded_orderline_id"):
            parent = line.refunded_orderline_id
            while parent.refunded_orderline_id:
                parent = parent.refunded_orderline_id
            roots |= parent.order_id
        return roots

    def _subsidy_units(self, program):
        """``(original, refunded)``: the order's eligible amount and what its refunds
        standing now take off it, in units (each line's amount is computed by the tax
        engine, so the two are computed once per sync and passed on)."""
        original = self._subsidy_original_units(program)
        return original, min(original, self._subsidy_refunded_units(program))

    def _subsidy_ineligible_reason(self, program, units=None):
        """Why the order does not queue in ``program``, or ``False``; ``units``: its
        ``_subsidy_units``, when the caller has them."""
        self.ensure_one()
        if self.currency_id != program.currency_id:
            return _(
                "the order is in %(order)s, the program in %(program)s.",
                order=self.currency_id.name,
                program=program.currency_id.name,
            )
        if not self.partner_id:
            return _("no customer was set on the order.")
        partner_company = self.partner_id.commercial_partner_id.company_id
        if partner_company and partner_company != program.company_id:
            return _("the customer belongs to another company.")
        original, refunded = units or self._subsidy_units(program)
        units = original - refunded
        if units <= 0:
            return _("no eligible product is left on the order.")
        if program.min_order_amount and units < program._units(program.min_order_amount):
            return _("the eligible amount is below the minimum of %s.", program.min_order_amount)
        return False

    # ------------------------------------------------------------------
    # Entries
    # ------------------------------------------------------------------

    def _subsidy_enqueue(self, program=None, vals=None, checked=False, units=None):
        """Give each paid order its entry and contribution, exactly once.

        The program row is locked (by the caller when it passes ``program``),
        so turns follow the order in which the server learns of the payments;
        a second attempt finds the order queued, or meets the unique
        constraint on the POS order, and does nothing. ``vals`` are written
        on the order with the outcome; ``checked``: the caller found the order
        eligible already, with its ``_subsidy_units`` ``units`` (one order then).
        """
        Entry = self.env["subsidy.entry"].sudo()
        for order in self.sudo():
            values = dict(vals or {})
            order_program = program or order._subsidy_program()
            if not order_program:
                continue
            if not program:
                order_program._lock()
                order.invalidate_recordset(["subsidy_state"])
                if order.subsidy_state in ("queued", "ineligible"):
                    continue
            if checked and units:
                original, refunded = units
            else:
                original, refunded = order._subsidy_units(order_program)
            reason = not checked and order._subsidy_ineligible_reason(order_program, (original, refunded))
            if reason:
                order._workflow().write(dict(values, subsidy_state="ineligible", subsidy_note=reason))
                continue
            # No savepoint for the unique constraint on the POS order: every queueing locks
            # and writes the program row first, so a transaction that queued this order
            # meanwhile makes our lock fail (a serialization failure, retried), and one that
            # committed before our snapshot left the order queued, as we read it.
            entry = Entry._enqueue(
                order_program,
                order.partner_id.commercial_partner_id,
                original - refunded,
                "pos",
                order.name,
                {
                    "pos_order_id": order.id,
                    # Stored related fields, given: no second UPDATE to compute them.
                    "pos_config_id": order.config_id.id,
                    "pos_session_id": order.session_id.id,
                    # Refunds synced before the order queued: the base already lacks them.
                    "refunded_base": order_program._amount(refunded),
                },
            )
            # The order's only entry (see the unique constraint): its receipt reads it so.
            order._update_cache({"subsidy_entry_ids": entry}, validate=False)
            order._workflow().write(dict(values, subsidy_state="queued", subsidy_note=False))

    def _subsidy_sync_refunds(self, roots=None):
        """This order refunds lines of earlier orders: move their entries to what
        every refund standing now says (idempotent, as for credit notes)."""
        self.ensure_one()
        for root in roots if roots is not None else self._subsidy_refunded_roots():
            entry = root.sudo().subsidy_entry_ids[:1]
            if not entry:
                continue
            program = entry.program_id
            program._lock()
            entry.invalidate_recordset()
            refunded = root._subsidy_refunded_units(program)
            entry._sync_refund(
                refunded, reason=_("POS refund %(refund)s of %(order)s", refund=self.name, order=root.name)
            )

    @api.model
    def _cron_subsidy_enqueue_due(self, limit=500):
        """Queue paid POS orders whose return window is over."""
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
        for order in todo:
            with self.env.cr.savepoint():
                order._subsidy_enqueue()
        if len(todo) >= limit:
            self.env.ref("pos_bridge.ir_cron_pos_enqueue_due")._trigger()

    # ------------------------------------------------------------------
    # Paying with the subsidy balance
    # ------------------------------------------------------------------

    def _subsidy_spend(self):
        """Spend (or give back) what the order's *Subsidy balance* payments say.

        Runs in the order's sync transaction, the account row locked: a
        balance never pays more than it holds, and a second till spending the
        same balance meanwhile either waits or is retried on a fresh snapshot
        and refused. What was already spent for this order is subtracted, so
        a second call changes nothing.
        """
        self.ensure_one()
        payments = self.payment_ids.filtered(lambda p: p.payment_method_id.subsidy_balance)
        per_program = defaultdict(float)
        for payment in payments:
            per_program[payment.payment_method_id.subsidy_program_id] += payment.amount
        for program, amount in per_program.items():
            program = program.sudo()
            if self.currency_id != program.currency_id:
                raise UserError(
                    _(
                        "The subsidy balance is in %(program)s: it cannot pay an order in %(order)s.",
                        program=program.currency_id.name,
                        order=self.currency_id.name,
                    )
                )
            units = program._units(amount)
            others = sum(
                p.amount
                for p in self.payment_ids
                if not p.payment_method_id.subsidy_balance and not p.is_change
            )
            if units > 0 and units > program._units(self.amount_total - others):
                raise UserError(
                    _(
                        "The subsidy balance pays at most what is due, %(due)s: it never gives change.",
                        due=program.currency_id.format(max(0.0, self.amount_total - others)),
                    )
                )
            delta = units - self._subsidy_net_spent([self.id], program)
            if not delta:
                continue
            account = self._subsidy_spending_account(program)
            balance = account._lock_balance_units()
            if delta > 0:
                if balance < delta:
                    raise UserError(
                        _(
                            "The subsidy balance of %(customer)s is %(balance)s: it cannot pay "
                            "%(amount)s. Remove the Subsidy balance payment or lower it, and pay the "
                            "rest otherwise.",
                            customer=self.partner_id.name,
                            balance=program.currency_id.format(program._amount(balance)),
                            amount=program.currency_id.format(program._amount(delta)),
                        )
                    )
                account._move_funds("spend", delta, pos_order=self)
            else:
                returnable = self._subsidy_returnable_units(program)
                if -units > returnable:
                    raise UserError(
                        _(
                            "Only %(amount)s can go back to the subsidy balance: what the refunded "
                            "order was paid with from it. Give the rest back otherwise.",
                            amount=program.currency_id.format(program._amount(max(0, returnable))),
                        )
                    )
                account._move_funds("spend_refund", -delta, pos_order=self)

    def _subsidy_spending_account(self, program):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        if not partner:
            raise UserError(_("Set the customer whose subsidy balance pays this order."))
        if partner.company_id and partner.company_id != program.company_id:
            raise UserError(
                _("%s is a customer of another company: their subsidy balance cannot pay here.", partner.name)
            )
        return self.env["subsidy.account"].sudo()._get_or_create(program, partner)

    def _subsidy_net_spent(self, order_ids, program):
        """Units the balance paid for ``order_ids``, less what went back to it."""
        if not order_ids:
            return 0
        self.env["subsidy.account.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT COALESCE(SUM(CASE l.kind WHEN 'spend' THEN l.amount ELSE -l.amount END), 0)
                     FROM subsidy_account_line l
                     JOIN subsidy_account a ON a.id = l.account_id
                    WHERE l.pos_order_id IN %s AND a.program_id = %s
                      AND l.kind IN ('spend', 'spend_refund')""",
                tuple(order_ids),
                program.id,
            )
        )
        return program._units(self.env.cr.fetchone()[0])

    def _subsidy_returnable_units(self, program):
        """What a refund may give back to the balance: what the refunded orders were
        paid with from it, less what their other refunds already gave back."""
        self.ensure_one()
        originals = self.lines.refunded_orderline_id.order_id
        siblings = originals.lines.refund_orderline_ids.order_id - self
        return self._subsidy_net_spent(originals.ids, program) + self._subsidy_net_spent(
            siblings.ids, program
        )

    # ------------------------------------------------------------------
    # Receipt
    # ------------------------------------------------------------------

    def _subsidy_receipt_values(self):
        """What the receipt prints: in the language of the till (the context's)."""
        self.ensure_one()
        values = {"state": self.subsidy_state or "none"}
        if self.state not in PAID_STATES:
            return values
        base_url = self.get_base_url()
        values["portal_url"] = f"{base_url}/my/subsidy"
        values["register_url"] = f"{base_url}/web/signup"
        spent = self.subsidy_balance_amount
        if not self.currency_id.is_zero(spent):
            values["balance_paid"] = spent
            program = self.payment_ids.payment_method_id.filtered("subsidy_balance").subsidy_program_id[:1]
            account = self.env["subsidy.account"].search(
                [
                    ("program_id", "=", program.id),
                    ("partner_id", "=", self.partner_id.commercial_partner_id.id),
                ]
            )
            if account:
                values["balance_left"] = account.balance
        entry = self.subsidy_entry_ids[:1]
        if entry:
            values["entry"] = self._subsidy_entry_receipt(entry)
        elif self.subsidy_state == "waiting":
            program = self._subsidy_program()
            values["return_window_days"] = program.return_window_days
        elif self.subsidy_state == "ineligible":
            values["note"] = self.subsidy_note or ""
        if not self.partner_id and self._subsidy_sale_lines() and self._subsidy_program():
            values["invite"] = True
        refunded = self._subsidy_refunded_roots().subsidy_entry_ids
        if refunded:
            values["refunded_entries"] = [self._subsidy_entry_receipt(e) for e in refunded]
        return values

    @api.model
    def _subsidy_entry_receipt(self, entry):
        states = dict(entry._fields["state"]._description_selection(self.env))
        queued = entry.state == "queued"
        return {
            "name": entry.name,
            "state": entry.state,
            "state_label": states.get(entry.state),
            "position": entry.position if queued else False,
            "amount_ahead": entry.amount_ahead if queued else False,
            "target": entry.target,
            "received": entry.received,
            "estimate": entry.wait_estimate if queued else False,
        }
