from odoo import fields, models, tools


class SubsidyPoolReconciliation(models.Model):
    """The pool's balance in the ledger beside its balance in the general ledger."""

    _name = "subsidy.pool.reconciliation"
    _description = "Subsidy Pool Reconciliation"
    _auto = False
    _order = "program_id"
    _depends = {
        "account.move.line": ["account_id", "balance", "parent_state", "subsidy_program_id"],
        "subsidy.pool.line": ["amount", "program_id"],
        "subsidy.program": ["company_id", "currency_id", "pool_account_id"],
        "subsidy.settlement": ["program_id", "last_line_id"],
    }

    program_id = fields.Many2one("subsidy.program", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    pool_account_id = fields.Many2one("account.account", readonly=True)
    ledger_balance = fields.Monetary("Pool Ledger Balance", readonly=True)
    unposted_amount = fields.Monetary("Not Posted Yet", readonly=True)
    posted_balance = fields.Monetary("Pool Ledger Balance, Posted", readonly=True)
    gl_balance = fields.Monetary("General Ledger Balance", readonly=True)
    difference = fields.Monetary(readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE VIEW {self._table} AS (
                SELECT p.id AS id, p.id AS program_id, p.company_id, p.currency_id,
                       p.pool_account_id,
                       COALESCE(l.total, 0) AS ledger_balance,
                       COALESCE(l.unposted, 0) AS unposted_amount,
                       COALESCE(l.total, 0) - COALESCE(l.unposted, 0) AS posted_balance,
                       COALESCE(g.balance, 0) AS gl_balance,
                       COALESCE(l.total, 0) - COALESCE(l.unposted, 0) - COALESCE(g.balance, 0)
                           AS difference
                  FROM subsidy_program p
             LEFT JOIN (SELECT pl.program_id, SUM(pl.amount) AS total,
                               SUM(pl.amount) FILTER (WHERE pl.id > COALESCE(ps.posted, 0)) AS unposted
                          FROM subsidy_pool_line pl
                     LEFT JOIN (SELECT program_id, MAX(last_line_id) AS posted
                                  FROM subsidy_settlement GROUP BY program_id) ps
                            ON ps.program_id = pl.program_id
                      GROUP BY pl.program_id) l ON l.program_id = p.id
             LEFT JOIN (SELECT aml.subsidy_program_id, -SUM(aml.balance) AS balance
                          FROM account_move_line aml
                          JOIN subsidy_program sp ON sp.id = aml.subsidy_program_id
                                                 AND sp.pool_account_id = aml.account_id
                         WHERE aml.parent_state = 'posted'
                      GROUP BY aml.subsidy_program_id) g ON g.subsidy_program_id = p.id
            )"""
        )
