from odoo import api, fields, models


class SubsidySettlement(models.Model):
    _name = "subsidy.settlement"
    _description = "Subsidy Settlement Run"
    _inherit = ["mail.thread", "subsidy.protected.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, default="/", copy=False)
    program_id = fields.Many2one("subsidy.program", required=True, readonly=True, index=True)
    company_id = fields.Many2one(related="program_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="program_id.currency_id", store=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    user_id = fields.Many2one("res.users", "Run by", readonly=True, default=lambda self: self.env.user)
    trigger = fields.Selection(
        [("cron", "Scheduled"), ("manual", "By hand")], required=True, readonly=True, default="manual"
    )
    funds_available = fields.Monetary(readonly=True)
    amount_paid = fields.Monetary(readonly=True)
    entry_count = fields.Integer("Entries Paid", readonly=True)
    completed_count = fields.Integer("Entries Completed", readonly=True)
    move_id = fields.Many2one("account.move", "Journal Entry", readonly=True)
    pool_line_ids = fields.One2many("subsidy.pool.line", "settlement_id", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("subsidy.settlement") or "/"
        return super().create(vals_list)

    def action_open_move(self):
        self.ensure_one()
        self._require_user()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.move_id.id,
            "view_mode": "form",
        }
