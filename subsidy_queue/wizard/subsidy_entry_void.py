from odoo import api, fields, models


class SubsidyEntryVoid(models.TransientModel):
    _name = "subsidy.entry.void"
    _description = "Ask to Void a Queue Entry"

    entry_id = fields.Many2one("subsidy.entry", required=True, readonly=True)
    reason = fields.Text(required=True)

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        wizards.entry_id._require_manager()
        return wizards

    def action_request(self):
        self.ensure_one()
        self.entry_id._require_manager()
        self.entry_id._request_void(self.reason)
        return {"type": "ir.actions.act_window_close"}
