from odoo import api, fields, models
from odoo.tools import SQL


class PosSession(models.Model):
    _inherit = "pos.session"

    subsidy_balance_amount = fields.Monetary(
        "Subsidy Balance",
        compute="_compute_subsidy_figures",
        help="What customers' subsidy balances paid in this session, less what refunds gave back.",
    )
    subsidy_entry_count = fields.Integer("Queue Entries", compute="_compute_subsidy_figures")

    @api.depends("order_ids.payment_ids.amount")
    def _compute_subsidy_figures(self):
        balance, entries = {}, {}
        if self.ids:
            self.env["pos.payment"].flush_model(["amount", "session_id", "payment_method_id"])
            self.env.cr.execute(
                SQL(
                    """SELECT p.session_id, SUM(p.amount)
                         FROM pos_payment p
                         JOIN pos_payment_method m ON m.id = p.payment_method_id
                        WHERE p.session_id IN %s AND m.subsidy_balance
                     GROUP BY p.session_id""",
                    tuple(self.ids),
                )
            )
            balance = dict(self.env.cr.fetchall())
            self.env["subsidy.entry"].flush_model(["pos_session_id"])
            self.env.cr.execute(
                SQL(
                    """SELECT pos_session_id, COUNT(*) FROM subsidy_entry
                        WHERE pos_session_id IN %s GROUP BY pos_session_id""",
                    tuple(self.ids),
                )
            )
            entries = dict(self.env.cr.fetchall())
        for session in self:
            session.subsidy_balance_amount = balance.get(session.id, 0.0)
            session.subsidy_entry_count = entries.get(session.id, 0)

    def action_open_subsidy_entries(self):
        self.ensure_one()
        self.env["subsidy.entry"].check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id("subsidy_queue.subsidy_entry_action")
        action["domain"] = [("pos_session_id", "=", self.id)]
        action["context"] = {}
        return action

    def _create_combine_account_payment(self, payment_method, amounts, diff_amount):
        """The closing entry's debit of the shoppers' payable, for what their balances paid
        in the session, carries its program, as every other move of the program's money
        does: the accountant (and the books' checks) find it by program."""
        lines = super()._create_combine_account_payment(payment_method, amounts, diff_amount)
        self._subsidy_tag_payable(payment_method, lines)
        return lines

    def _create_split_account_payment(self, payment, amounts):
        lines = super()._create_split_account_payment(payment, amounts)
        self._subsidy_tag_payable(payment.payment_method_id, lines)
        return lines

    def _subsidy_tag_payable(self, payment_method, lines):
        program = payment_method.subsidy_balance and payment_method.subsidy_program_id
        if program:
            lines.move_id.line_ids.filtered(
                lambda line: line.account_id == program.payable_account_id
            ).sudo().subsidy_program_id = program
