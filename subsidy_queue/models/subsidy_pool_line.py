from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class SubsidyPoolLine(models.Model):
    """The pool ledger: append-only, hash-chained, one line per movement.

    Lines are written by the queue's own methods only (see
    ``subsidy.program._append_pool_lines``); nobody edits or deletes them.
    """

    _name = "subsidy.pool.line"
    _description = "Subsidy Pool Ledger Line"
    _order = "id desc"
    # Lines are immutable and carry their own date; the settlement or the order
    # they come from says who. No write/create stamps: fewer foreign keys to
    # check on the hot path of a settlement.
    _log_access = False

    name = fields.Char("Label", readonly=True)
    program_id = fields.Many2one("subsidy.program", required=True, readonly=True)
    company_id = fields.Many2one(related="program_id.company_id")
    currency_id = fields.Many2one(related="program_id.currency_id")
    kind = fields.Selection(
        [
            ("contribution", "Contribution"),
            ("allocation", "Allocation"),
            ("reversal", "Contribution Reversal"),
            ("clawback", "Clawback"),
        ],
        required=True,
        readonly=True,
    )
    source = fields.Selection(
        [("balance", "Shopper's balance"), ("refund", "Withheld from refund")],
        readonly=True,
        help="Where a clawback was taken from.",
    )
    amount = fields.Monetary(readonly=True, help="Positive into the pool, negative out of it.")
    balance = fields.Monetary("Pool Balance", readonly=True)
    date = fields.Datetime(required=True, readonly=True)
    entry_id = fields.Many2one("subsidy.entry", readonly=True, index="btree_not_null")
    account_id = fields.Many2one("subsidy.account", "Subsidy Account", readonly=True, index="btree_not_null")
    partner_id = fields.Many2one(related="account_id.partner_id", string="Shopper")
    sale_order_id = fields.Many2one("sale.order", readonly=True, index="btree_not_null")
    settlement_id = fields.Many2one("subsidy.settlement", readonly=True, index="btree_not_null")
    refund_move_id = fields.Many2one("account.move", "Credit Note", readonly=True)
    posted = fields.Boolean("Posted in Accounting", compute="_compute_posted", search="_search_posted")
    prev_hash = fields.Char(readonly=True)
    hash = fields.Char(readonly=True)

    def init(self):
        # Idempotency in the database: one contribution per entry, one
        # reversal per entry and credit note.
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS subsidy_pool_line_contribution_uniq
                   ON subsidy_pool_line (entry_id) WHERE kind = 'contribution'"""
        )
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS subsidy_pool_line_reversal_uniq
                   ON subsidy_pool_line (entry_id, COALESCE(refund_move_id, 0))
                WHERE kind = 'reversal'"""
        )
        # The 7- and 30-day inflow of the wait estimates.
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS subsidy_pool_line_inflow_idx
                   ON subsidy_pool_line (program_id, date) INCLUDE (amount)
                WHERE kind IN ('contribution', 'reversal')"""
        )
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS subsidy_pool_line_tail_idx
                   ON subsidy_pool_line (program_id, id DESC)"""
        )

    @api.depends("program_id.posted_line_id")
    def _compute_posted(self):
        for line in self:
            line.posted = line.id <= line.program_id.posted_line_id

    def _search_posted(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on the posting state."))
        posted = (operator == "=") == value
        return [
            (
                "id",
                "in",
                SQL(
                    """(SELECT l.id FROM subsidy_pool_line l
                          JOIN subsidy_program p ON p.id = l.program_id
                         WHERE (l.id <= COALESCE(p.posted_line_id, 0)) = %s)""",
                    posted,
                ),
            )
        ]

    @api.depends("kind", "entry_id", "program_id")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for line in self:
            line.display_name = " ".join(filter(None, [kinds.get(line.kind), line.entry_id.name]))

    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        raise UserError(_("Pool ledger lines are written by the queue itself, never by hand."))

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(_("The pool ledger is append-only: its lines cannot be changed."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_("The pool ledger is append-only: its lines cannot be deleted."))
