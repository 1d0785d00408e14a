from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    subsidy_program_id = fields.Many2one("subsidy.program", index="btree_not_null", readonly=True, copy=False)
