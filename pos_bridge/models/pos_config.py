from psycopg2 import errors

from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from odoo.addons.subsidy_queue.engine import BLOCK_SIZE, block_of, standing_from_sums

COLLECT_LIMIT = 40


class PosConfig(models.Model):
    _inherit = "pos.config"

    subsidy_program_id = fields.Many2one(
        "subsidy.program",
        "Queue Subsidy Program",
        compute="_compute_subsidy_program_id",
        help="The program this shop's orders queue in (the company's program open to the point of sale).",
    )
    subsidy_enabled = fields.Boolean("Queue Subsidy", compute="_compute_subsidy_program_id")

    def _compute_subsidy_program_id(self):
        Program = self.env["subsidy.program"].sudo()
        for config in self:
            config.subsidy_program_id = Program._pos_programs(config.company_id)[:1]
            config.subsidy_enabled = bool(config.subsidy_program_id)

    def _subsidy_check_cashier(self):
        """The caller works at this till: a POS user who may read the shop."""
        if len(self) != 1:
            raise UserError(_("Choose one point of sale."))
        if not self.env.user.has_group("point_of_sale.group_pos_user"):
            raise AccessError(_("Only point of sale users can do this."))
        # ``check_access`` in one statement: the record rules in SQL, not evaluated in
        # Python on the fetched company (the lookup is on every customer set at the till).
        if not self.search_count([("id", "=", self.id)], limit=1):
            raise AccessError(_("You cannot work at this point of sale."))

    def _subsidy_account_program(self):
        """The program whose account the till shows: the one its balance method spends,
        else the one its orders queue in."""
        self.ensure_one()
        method = self.sudo().payment_method_ids.filtered("subsidy_balance")[:1]
        return method.subsidy_program_id or self.sudo().subsidy_program_id

    # ------------------------------------------------------------------
    # The customer's account at the till
    # ------------------------------------------------------------------

    def subsidy_account_info(self, partner_id):
        """The customer's subsidy account, as the till shows it when the customer is set.

        A handful of indexed reads, whatever the size of the queue: the account
        row, the customer's queued entries, and the running sums ahead of the
        best placed one.
        """
        self._subsidy_check_cashier()
        if isinstance(partner_id, bool) or not isinstance(partner_id, int) or not 0 < partner_id < 2**31:
            raise UserError(_("Set a customer of this shop."))
        # The customer as the cashier may read them (the record rules in SQL, archived ones
        # too): one they may not read is answered as one that does not exist.
        partner = self.env["res.partner"].with_context(active_test=False).search([("id", "=", partner_id)])
        program = self._subsidy_account_program()
        if not partner or not program:
            return {"enabled": bool(program), "partner_id": partner.id}
        return self._subsidy_account_figures(program, partner.sudo())

    def _subsidy_account_figures(self, program, partner):
        values = {
            "enabled": True,
            "partner_id": partner.id,
            "program": program.name,
            "enrolled": False,
            "other_company": False,
            "balance": 0.0,
            "held": 0.0,
            "queued_count": 0,
            "best_entry": False,
            "best_position": False,
            "amount_ahead": False,
            "best_remaining": False,
        }
        cr = self.env.cr
        partner.flush_recordset(["commercial_partner_id", "company_id"])
        # The customer's commercial partner (accounts are theirs) and its company, its
        # account, the queued entries and the best placed one's own figures.
        cr.execute(
            SQL(
                """SELECT c.company_id, a.id, a.balance, a.held, q.count, q.seq, e.name,
                          e.target - e.received
                     FROM res_partner p
                     JOIN res_partner c ON c.id = COALESCE(p.commercial_partner_id, p.id)
                     LEFT JOIN subsidy_account a ON a.partner_id = c.id AND a.program_id = %(program)s
                     LEFT JOIN LATERAL (SELECT COUNT(*) AS count, MIN(seq) AS seq FROM subsidy_entry
                                         WHERE account_id = a.id AND state = 'queued') q ON TRUE
                     LEFT JOIN subsidy_entry e ON e.program_id = %(program)s AND e.seq = q.seq
                    WHERE p.id = %(partner)s""",
                program=program.id,
                partner=partner.id,
            )
        )
        company_id, account_id, balance, held, count, best_seq, name, remaining = cr.fetchone()
        values["other_company"] = bool(company_id and company_id != program.company_id.id)
        if not account_id:
            return values
        values.update(enrolled=True, balance=float(balance or 0), held=float(held or 0), queued_count=count)
        if not count:
            return values
        # What is queued ahead of it: the block sums before its block, its block's entries
        # before it (constant bounds: PostgreSQL sees how few rows each range holds).
        block = block_of(best_seq)
        cr.execute(
            SQL(
                """SELECT b.count, b.outstanding, i.count, i.outstanding
                     FROM (SELECT COALESCE(SUM(queued_count), 0) AS count,
                                  COALESCE(SUM(outstanding), 0) AS outstanding
                             FROM subsidy_queue_block
                            WHERE program_id = %(program)s AND block < %(block)s) b,
                          (SELECT COUNT(*) AS count, COALESCE(SUM(target - received), 0) AS outstanding
                             FROM subsidy_entry
                            WHERE program_id = %(program)s AND state = 'queued'
                              AND seq >= %(low)s AND seq < %(seq)s) i""",
                program=program.id,
                block=block,
                low=block * BLOCK_SIZE,
                seq=best_seq,
            )
        )
        ahead_count, ahead_amount, in_block, in_block_amount = cr.fetchone()
        position, ahead, _after = standing_from_sums(
            ahead_count + in_block,
            program._units(ahead_amount) + program._units(in_block_amount),
            program._units(remaining),
        )
        values.update(
            best_entry=name,
            best_position=position,
            amount_ahead=program._amount(ahead),
            best_remaining=float(remaining),
        )
        return values

    # ------------------------------------------------------------------
    # Collect in store
    # ------------------------------------------------------------------

    def _subsidy_collect_domain(self):
        self.ensure_one()
        warehouse = self.picking_type_id.warehouse_id
        return [
            ("company_id", "=", self.company_id.id),
            ("state", "=", "sale"),
            ("carrier_id.delivery_type", "=", "in_store"),
            ("warehouse_id", "=", warehouse.id),
            ("pos_collected_date", "=", False),
        ]

    def subsidy_collect_orders(self, search=""):
        """Online orders to collect at this store, for the till's *Collect* screen."""
        self._subsidy_check_cashier()
        domain = self._subsidy_collect_domain()
        search = (search or "").strip()
        if search:
            domain += [
                "|",
                "|",
                "|",
                ("name", "ilike", search),
                ("partner_id.name", "ilike", search),
                ("partner_id.phone", "ilike", search),
                ("partner_id.email", "ilike", search),
            ]
        orders = self.env["sale.order"].sudo().search(domain, order="date_order", limit=COLLECT_LIMIT)
        return [order._pos_collect_values() for order in orders]

    def subsidy_collect_hand_over(self, sale_order_id):
        """Hand an order over at this till: validate its pick-up transfer, record who and when."""
        self._subsidy_check_cashier()
        order = self.env["sale.order"].sudo().browse(int(sale_order_id)).exists()
        if not order or not order.filtered_domain(self._subsidy_collect_domain()):
            raise UserError(_("This order is not waiting to be collected at this store."))
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL("SELECT id FROM sale_order WHERE id = %s FOR NO KEY UPDATE NOWAIT", order.id),
                    log_exceptions=False,
                )
        except errors.LockNotAvailable:
            raise UserError(_("Order %s is being handed over at another till.", order.name)) from None
        order.invalidate_recordset()
        if order.pos_collected_date:
            raise UserError(_("Order %s was already handed over.", order.name))
        order._pos_collect_hand_over(self)
        return order._pos_collect_values()
