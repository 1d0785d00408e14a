from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class PosPaymentMethod(models.Model):
    _inherit = "pos.payment.method"

    subsidy_balance = fields.Boolean(
        "Pays from the Subsidy Balance",
        help="Pays all or part of an order from the customer's subsidy balance. The balance is "
        "spent on the server while it records the order: it needs a connection to the server.",
    )
    subsidy_program_id = fields.Many2one(
        "subsidy.program",
        check_company=True,
        help="The program whose balances this method spends.",
    )

    @api.model
    def _load_pos_data_fields(self, config_id):
        return [*super()._load_pos_data_fields(config_id), "subsidy_balance"]

    @api.constrains(
        "subsidy_balance", "subsidy_program_id", "journal_id", "outstanding_account_id", "split_transactions"
    )
    def _check_subsidy_balance(self):
        for method in self.filtered("subsidy_balance").sudo():
            program = method.subsidy_program_id
            if not program:
                raise ValidationError(_("Choose the subsidy program whose balances %s spends.", method.name))
            if method.journal_id.type != "bank":
                raise ValidationError(
                    _(
                        "The subsidy balance method %s needs a journal of type Bank "
                        "(not cash, not customer account).",
                        method.name,
                    )
                )
            if method.outstanding_account_id != program.payable_account_id:
                raise ValidationError(
                    _(
                        "The outstanding account of %(method)s must be the shoppers' subsidy payable "
                        "of %(program)s (%(account)s): what balances pay is taken off that liability.",
                        method=method.name,
                        program=program.name,
                        account=program.payable_account_id.display_name,
                    )
                )
            if method.use_payment_terminal or method.payment_method_type != "none":
                raise ValidationError(
                    _("The subsidy balance method %s takes no terminal and no QR code.", method.name)
                )
