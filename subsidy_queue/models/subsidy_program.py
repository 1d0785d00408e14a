import logging
from decimal import Decimal

from psycopg2 import errors

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from ..engine import GENESIS, from_units, to_units
from .account_chart_template import SUBSIDY_ACCOUNTS, SUBSIDY_JOURNAL

_logger = logging.getLogger(__name__)


def _mask_name(name):
    """'Wang Fang' -> 'W*** F***': the head of the queue is public, the shoppers are not."""
    return " ".join(f"{word[0]}***" for word in (name or "?").split()[:3]) or "***"


STAFF = "subsidy_queue.group_subsidy_user"


class SubsidyProgram(models.Model):
    _name = "subsidy.program"
    _description = "Subsidy Program"
    _inherit = ["mail.thread", "mail.activity.mixin", "subsidy.protected.mixin"]
    _order = "sequence, id"
    _check_company_auto = True
    # The queue's own state: written under the program's lock by the queue only.
    _protected_fields = (
        "last_seq",
        "queue_version",
        "pool_tail_line_id",
        "pool_tail_hash",
        "pool_tail_balance",
    )

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(
        required=True,
        default="Q",
        size=8,
        help="Prefix of the queue numbers of this program's entries.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        tracking=True,
    )

    # Rates: they apply to entries created after a change only; every entry
    # keeps the rates it was created with.
    contribution_rate = fields.Float(
        "Pool Contribution (%)",
        digits=(5, 2),
        required=True,
        default=10.0,
        tracking=True,
        help="Share of the eligible untaxed amount of each paid order that goes into the subsidy pool.",
    )
    subsidy_rate = fields.Float(
        "Target Subsidy (%)",
        digits=(5, 2),
        required=True,
        default=50.0,
        tracking=True,
        help="What each entry receives in the end, as a share of the eligible "
        "untaxed amount of its order (100 % is a free order).",
    )
    max_margin_rate = fields.Float(
        "Allowed Margin (%)",
        digits=(5, 2),
        required=True,
        default=20.0,
        tracking=True,
        groups=STAFF,
        help="The gross margin share the pool contribution may take at most: "
        "the contribution must come out of the margin, not out of thin air.",
    )
    completion_ratio = fields.Float(
        "Flat-sales Completion (%)",
        compute="_compute_completion_ratio",
        digits=(5, 1),
        help="With sales flat, the share of entries that ever complete: pool share ÷ target subsidy.",
    )
    cap_amount = fields.Monetary(
        "Cap per Entry",
        tracking=True,
        help="Largest target subsidy of one entry; leave empty for no cap.",
    )
    min_order_amount = fields.Monetary(
        "Minimum Order Amount",
        tracking=True,
        help="Orders whose eligible untaxed amount is below this do not queue.",
    )
    channel_website = fields.Boolean("Online Shop", default=True)
    channel_sale = fields.Boolean("Back-office Sales", default=True)
    channel_pos = fields.Boolean("Point of Sale", default=True)
    product_ids = fields.Many2many(
        "product.product",
        string="Eligible Products",
        check_company=True,
        help="Leave empty (with no categories) to make every product eligible.",
    )
    product_category_ids = fields.Many2many("product.category", string="Eligible Product Categories")
    trigger = fields.Selection(
        [("paid", "When paid"), ("return_window", "When paid and the return window is over")],
        required=True,
        default="paid",
        tracking=True,
    )
    return_window_days = fields.Integer("Return Window (days)", default=7, tracking=True)
    queue_mode = fields.Selection(
        [("fifo", "First in, first out"), ("rotation", "Rotation over the head of the queue")],
        required=True,
        default="fifo",
        tracking=True,
        help="First in, first out: the head of the queue is paid in full before "
        "the next entry.\nRotation: each run shares the funds equally over the "
        "first entries of the queue.",
    )
    rotation_size = fields.Integer("Rotation Window", default=10, tracking=True)
    entry_expiry_days = fields.Integer(
        "Entry Expiry (days)",
        tracking=True,
        help="Queued entries older than this expire; 0 means they never expire.",
    )
    clawback_policy = fields.Selection(
        [
            ("balance", "From the shopper's balance, then from the refund"),
            ("refund", "Withheld from the refund"),
        ],
        required=True,
        default="balance",
        tracking=True,
        help="Where a refunded order's subsidy comes back from, when its entry already received money.",
    )

    journal_id = fields.Many2one(
        "account.journal",
        "Subsidy Journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
        groups=STAFF,
    )
    expense_account_id = fields.Many2one(
        "account.account", "Subsidy Expense Account", check_company=True, groups=STAFF
    )
    pool_account_id = fields.Many2one(
        "account.account",
        "Subsidy Pool Account",
        check_company=True,
        groups=STAFF,
        help="Liability account holding the pool: what has been contributed and not yet allocated.",
    )
    payable_account_id = fields.Many2one(
        "account.account",
        "Shoppers' Subsidy Payable Account",
        check_company=True,
        groups=STAFF,
        help="Liability account holding what the shoppers have received and not yet withdrawn.",
    )

    # Withdrawals
    withdraw_min_amount = fields.Monetary("Minimum Withdrawal", default=10.0, tracking=True)
    withdraw_max_amount = fields.Monetary("Maximum Withdrawal", default=5000.0, tracking=True)
    withdraw_daily_count = fields.Integer("Withdrawals per Day", default=3, tracking=True)
    withdraw_daily_amount = fields.Monetary("Withdrawn per Day at Most", default=10000.0, tracking=True)
    withdraw_fee_fixed = fields.Monetary("Fixed Withdrawal Fee", tracking=True)
    withdraw_fee_percent = fields.Float("Withdrawal Fee (%)", digits=(5, 2), tracking=True)
    withdraw_double_approval_amount = fields.Monetary(
        "Second Approval Above",
        default=1000.0,
        tracking=True,
        help="Withdrawals above this amount need the approval of two different managers.",
    )
    payout_journal_id = fields.Many2one(
        "account.journal",
        check_company=True,
        groups=STAFF,
        domain="[('type', '=', 'bank')]",
        help="Bank journal the withdrawals are paid from.",
    )
    fee_income_account_id = fields.Many2one(
        "account.account", "Withdrawal Fee Income Account", check_company=True, groups=STAFF
    )

    # Internal counters, only ever changed under the program's row lock.
    last_seq = fields.Integer(readonly=True, copy=False, default=0, groups=STAFF)
    # Every change of the pool or the queue locks and writes this row: bumped
    # by every lock, so a transaction that began before another one changed
    # the queue fails on its lock instead of computing on a stale snapshot.
    queue_version = fields.Integer(readonly=True, copy=False, default=0, groups=STAFF)
    pool_tail_line_id = fields.Many2one(
        "subsidy.pool.line", "Last Ledger Line", readonly=True, copy=False, groups=STAFF
    )
    pool_tail_hash = fields.Char("Last Ledger Hash", readonly=True, copy=False, groups=STAFF)
    pool_tail_balance = fields.Monetary("Pool Balance (ledger tail)", readonly=True, copy=False, groups=STAFF)

    entry_ids = fields.One2many("subsidy.entry", "program_id", groups=STAFF)
    account_ids = fields.One2many("subsidy.account", "program_id", groups=STAFF)
    settlement_ids = fields.One2many("subsidy.settlement", "program_id", groups=STAFF)
    pool_balance = fields.Monetary(compute="_compute_pool_figures")
    pool_total_in = fields.Monetary("Contributed", compute="_compute_pool_figures")
    pool_total_out = fields.Monetary("Allocated", compute="_compute_pool_figures")
    queued_count = fields.Integer("Queued Entries", compute="_compute_queue_figures")
    queued_amount = fields.Monetary("Still Owed", compute="_compute_queue_figures")
    settlement_count = fields.Integer(compute="_compute_queue_figures", groups=STAFF)
    account_count = fields.Integer(compute="_compute_queue_figures", groups=STAFF)

    @api.constrains("contribution_rate", "max_margin_rate", "subsidy_rate", "cap_amount", "min_order_amount")
    def _check_rates(self):
        for program in self:
            if program.cap_amount < 0 or program.min_order_amount < 0:
                raise ValidationError(_("The cap per entry and the minimum order amount cannot be negative."))
            if not 0 < program.contribution_rate <= 100 or not 0 < program.subsidy_rate <= 100:
                raise ValidationError(_("Rates must be more than 0 % and at most 100 %."))
            if not 0 <= program.max_margin_rate <= 100:
                raise ValidationError(_("The allowed margin must be between 0 % and 100 %."))
            if program.contribution_rate > program.max_margin_rate:
                raise ValidationError(
                    _(
                        "The pool contribution of %(program)s (%(rate)s %%) is above the "
                        "margin it allows (%(margin)s %%): contributions must come out "
                        "of the gross margin.",
                        program=program.name,
                        rate=program.contribution_rate,
                        margin=program.max_margin_rate,
                    )
                )

    @api.depends("contribution_rate", "subsidy_rate")
    def _compute_completion_ratio(self):
        for program in self:
            ratio = 100.0 * program.contribution_rate / program.subsidy_rate if program.subsidy_rate else 0.0
            program.completion_ratio = min(100.0, ratio)

    @api.constrains(
        "withdraw_min_amount",
        "withdraw_max_amount",
        "withdraw_daily_count",
        "withdraw_daily_amount",
        "withdraw_fee_fixed",
        "withdraw_fee_percent",
        "withdraw_double_approval_amount",
    )
    def _check_withdrawal_rules(self):
        for program in self:
            amounts = (
                program.withdraw_min_amount,
                program.withdraw_max_amount,
                program.withdraw_daily_amount,
                program.withdraw_fee_fixed,
                program.withdraw_double_approval_amount,
            )
            if any(amount < 0 for amount in amounts) or program.withdraw_daily_count < 0:
                raise ValidationError(_("Withdrawal limits and fees cannot be negative."))
            if not 0 <= program.withdraw_fee_percent < 100:
                raise ValidationError(_("The withdrawal fee must be at least 0 % and below 100 %."))
            if program.withdraw_max_amount and program.withdraw_min_amount > program.withdraw_max_amount:
                raise ValidationError(_("The minimum withdrawal cannot be above the maximum."))

    @api.constrains("queue_mode", "rotation_size", "trigger", "return_window_days", "entry_expiry_days")
    def _check_queue_rules(self):
        for program in self:
            if program.queue_mode == "rotation" and program.rotation_size < 1:
                raise ValidationError(_("The rotation window must hold at least one entry."))
            if program.trigger == "return_window" and program.return_window_days < 1:
                raise ValidationError(_("The return window must last at least one day."))
            if program.entry_expiry_days < 0:
                raise ValidationError(_("The entry expiry cannot be negative."))

    @api.constrains(
        "currency_id", "journal_id", "expense_account_id", "pool_account_id", "payable_account_id"
    )
    def _check_accounting(self):
        for program in self.sudo():
            if program.journal_id and program.journal_id.currency_id not in (
                program.currency_id,
                self.env["res.currency"],
            ):
                raise ValidationError(
                    _("The subsidy journal of %s must be in the program's currency.", program.name)
                )
            accounts = program.expense_account_id | program.pool_account_id | program.payable_account_id
            if program.pool_account_id and program.pool_account_id == program.payable_account_id:
                raise ValidationError(_("The pool and the shoppers' payable must be two different accounts."))
            if len(accounts.filtered(lambda a: a.account_type == "asset_receivable")):
                raise ValidationError(_("Subsidy accounts cannot be receivable accounts."))

    def write(self, vals):
        locked = {"currency_id", "queue_mode", "company_id"} & vals.keys()
        if locked and self.filtered("last_seq"):
            raise UserError(
                _(
                    "The currency, company and queue mode of a program cannot change once "
                    "it has entries: create a new program instead."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        if self.filtered("last_seq"):
            raise UserError(_("A program with entries cannot be deleted; archive it instead."))

    @api.model_create_multi
    def create(self, vals_list):
        programs = super().create(vals_list)
        programs._ensure_accounting()
        return programs

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------

    def _compute_pool_figures(self):
        figures = {}
        if self.ids:
            self.env["subsidy.pool.line"].flush_model()
            self.env.cr.execute(
                SQL(
                    """
                    SELECT program_id,
                           COALESCE(SUM(amount) FILTER (WHERE kind = 'contribution'), 0)
                         + COALESCE(SUM(amount) FILTER (WHERE kind = 'reversal'), 0),
                           -COALESCE(SUM(amount) FILTER (WHERE kind = 'allocation'), 0)
                         - COALESCE(SUM(amount) FILTER (WHERE kind = 'clawback'), 0),
                           COALESCE(SUM(amount), 0)
                      FROM subsidy_pool_line
                     WHERE program_id IN %s
                  GROUP BY program_id
                    """,
                    tuple(self.ids),
                )
            )
            figures = {row[0]: row[1:] for row in self.env.cr.fetchall()}
        for program in self:
            total_in, total_out, _balance = figures.get(program.id, (0.0, 0.0, 0.0))
            program.pool_total_in = total_in
            program.pool_total_out = total_out
            program.pool_balance = program._amount(program._pool_tail()[1]) if program.id else 0.0

    def _compute_queue_figures(self):
        queued = dict.fromkeys(self.ids, (0, 0.0))
        if self.ids:
            self.env["subsidy.queue.block"].flush_model()
            self.env.cr.execute(
                SQL(
                    """SELECT program_id, SUM(queued_count), SUM(outstanding)
                         FROM subsidy_queue_block WHERE program_id IN %s GROUP BY program_id""",
                    tuple(self.ids),
                )
            )
            queued.update({row[0]: row[1:] for row in self.env.cr.fetchall()})
        settlements = dict(
            self.env["subsidy.settlement"]
            .sudo()
            ._read_group([("program_id", "in", self.ids)], ["program_id"], ["__count"])
        )
        accounts = dict(
            self.env["subsidy.account"]
            .sudo()
            ._read_group([("program_id", "in", self.ids)], ["program_id"], ["__count"])
        )
        for program in self:
            program.queued_count, program.queued_amount = queued.get(program.id, (0, 0.0))
            program.settlement_count = settlements.get(program, 0)
            program.account_count = accounts.get(program, 0)

    def _inflow_units(self):
        """Return ``(pool_balance, net_inflow_7d, net_inflow_30d)`` in units."""
        self.ensure_one()
        self.env["subsidy.pool.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT COALESCE(SUM(amount) FILTER (WHERE date >= now() - interval '7 days'), 0),
                          COALESCE(SUM(amount), 0)
                     FROM subsidy_pool_line
                    WHERE program_id = %s AND kind IN ('contribution', 'reversal')
                      AND date >= now() - interval '30 days'""",
                self.id,
            )
        )
        in7, in30 = self.env.cr.fetchone()
        return self._pool_tail()[1], self._units(in7), self._units(in30)

    def _public_figures(self, head=10):
        """Figures for the public transparency page; shoppers only as masked names."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                """SELECT COALESCE(SUM(amount) FILTER (
                              WHERE kind = 'allocation'
                                AND date >= date_trunc('day', now() at time zone 'UTC')
                          ), 0),
                          COALESCE(SUM(amount) FILTER (WHERE kind IN ('contribution', 'reversal')), 0),
                          COALESCE(SUM(amount) FILTER (WHERE kind IN ('allocation', 'clawback')), 0)
                     FROM subsidy_pool_line WHERE program_id = %s""",
                self.id,
            )
        )
        today, total_in, total_out = self.env.cr.fetchone()
        entries = self.env["subsidy.entry"].search(
            [("program_id", "=", self.id), ("state", "=", "queued")], order="seq", limit=head
        )
        return {
            "program": self,
            "balance": self._amount(self._pool_tail()[1]),
            "paid_today": -today,
            "contributed": total_in,
            "paid_total": -total_out,
            "queued_count": self.queued_count,
            "queued_amount": self.queued_amount,
            "head": [
                {
                    "name": e.name,
                    "shopper": _mask_name(e.partner_id.name),
                    "received": e.received,
                    "target": e.target,
                    "progress": int(e.progress),
                }
                for e in entries
            ],
        }

    def _step(self):
        """The currency's rounding as an exact decimal string, for SQL arithmetic."""
        return str(Decimal(repr(self.currency_id.rounding)))

    def _units(self, amount):
        return to_units(amount, self.currency_id.rounding)

    def _amount(self, units):
        return from_units(units, self.currency_id.rounding)

    # ------------------------------------------------------------------
    # Accounting set-up
    # ------------------------------------------------------------------

    def _ensure_accounting(self):
        """Give each program its company's subsidy journal and accounts (from
        the chart template, see ``account_chart_template.py``) where it has none."""
        for program in self:
            company = program.company_id
            ChartTemplate = self.env["account.chart.template"].sudo().with_company(company)
            vals = {}
            for fname, xmlid in [*SUBSIDY_ACCOUNTS.items(), ("journal_id", SUBSIDY_JOURNAL)]:
                if not program[fname]:
                    # No chart loaded (yet) in the company: nothing to take.
                    vals[fname] = (ChartTemplate.ref(xmlid, raise_if_not_found=False) or program[fname]).id
            if not program.payout_journal_id:
                vals["payout_journal_id"] = (
                    self.env["account.journal"]
                    .sudo()
                    .search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
                    .id
                )
            vals = {fname: value for fname, value in vals.items() if value}
            if vals:
                program.write(vals)

    # ------------------------------------------------------------------
    # Locks and the pool ledger
    # ------------------------------------------------------------------

    def _lock(self, nowait=False):
        """Lock and write the program rows: the one serialization point of a queue.

        Every change of a program's pool or queue (contribution, allocation,
        reversal, clawback, void, expiry, posting) starts here, and reads what
        it needs only after. The row is written (``queue_version``) as well as
        locked: under REPEATABLE READ, a transaction whose snapshot is older
        than the last change fails on this lock with a serialization error,
        which Odoo's request and cron retries absorb, instead of computing on
        a stale pool. Returns False instead of waiting when ``nowait`` and
        another transaction holds the lock.
        """
        if not self:
            return True
        try:
            self._lock_rows(nowait=nowait)
        except UserError:
            return False
        self.env.cr.execute(
            SQL(
                "UPDATE subsidy_program SET queue_version = queue_version + 1 WHERE id IN %s",
                tuple(self.ids),
            ),
            log_exceptions=False,
        )
        return True

    def _pool_tail(self):
        """Return ``(last_hash, balance_units)`` of the program's pool ledger, from its row."""
        self.ensure_one()
        self.env.cr.execute(
            SQL("SELECT pool_tail_hash, pool_tail_balance FROM subsidy_program WHERE id = %s", self.id)
        )
        row = self.env.cr.fetchone()
        if not row or not row[0]:
            return GENESIS, 0
        return row[0], self._units(row[1] or 0.0)

    def _set_pool_tail(self, line_id, line_hash, balance_units):
        """The ledger's new tail; called by ``subsidy.pool.line._append`` under the lock."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                """UPDATE subsidy_program
                      SET pool_tail_line_id = %s, pool_tail_hash = %s,
                          pool_tail_balance = %s * %s::numeric
                    WHERE id = %s""",
                line_id,
                line_hash,
                balance_units,
                self._step(),
                self.id,
            )
        )
        self.invalidate_recordset(
            ["pool_tail_line_id", "pool_tail_hash", "pool_tail_balance", "pool_balance"], flush=False
        )

    def _append_pool_lines(self, rows):
        """Append ``rows`` to this program's ledger (see ``subsidy.pool.line._append``)."""
        self.ensure_one()
        return self.env["subsidy.pool.line"]._append(self, rows)

    def action_verify_ledger(self):
        """Recompute the hash chain and name the first line that was altered."""
        self.ensure_one()
        self._require_user()
        broken = self.env["subsidy.pool.line"].sudo()._find_broken(self.sudo())
        if broken:
            raise UserError(
                _(
                    "The pool ledger of %(program)s was altered at line #%(id)s: it does not match "
                    "its hash, or the chain does not end where the program says. Every later line "
                    "is suspect.",
                    program=self.name,
                    id=broken,
                )
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("The pool ledger of %s is intact.", self.name),
                "sticky": False,
            },
        }

    def _find_broken_line(self):
        """Return the id of the first pool line whose hash does not hold, or None."""
        self.ensure_one()
        return self.env["subsidy.pool.line"].sudo()._find_broken(self.sudo())

    # ------------------------------------------------------------------
    # Settlement
    # ------------------------------------------------------------------

    def action_settle(self):
        """Pay the pool out to the queue now (a manager's button)."""
        self.ensure_one()
        self._require_manager()
        settlement = self.sudo()._settle(trigger="manual", raise_if_nothing=True)
        return {
            "type": "ir.actions.act_window",
            "res_model": "subsidy.settlement",
            "res_id": settlement.id,
            "view_mode": "form",
        }

    def _settle(self, trigger="cron", raise_if_nothing=False):
        """Run one settlement of this program (see ``subsidy.settlement._run``)."""
        self.ensure_one()
        return self.env["subsidy.settlement"]._run(self, trigger, raise_if_nothing)

    @api.model
    def _cron_settle(self):
        """Settle every active program that has funds and a queue."""
        for program in self.search([("company_id.subsidy_auto_settle", "=", True)]):
            try:
                with self.env.cr.savepoint():
                    program._settle(trigger="cron")
            except errors.SerializationFailure:
                # The queue changed after this run's snapshot: the next run settles it.
                _logger.info("Settlement of subsidy program %s met a concurrent change; next run", program.id)
            except Exception:
                _logger.exception("Settlement of subsidy program %s failed", program.id)

    # ------------------------------------------------------------------
    # Accounting
    # ------------------------------------------------------------------

    def _has_accounting(self):
        self.ensure_one()
        return bool(
            self.journal_id and self.pool_account_id and self.expense_account_id and self.payable_account_id
        )

    def _post_pending_pool_lines(self):
        """Post what the ledger holds and the general ledger does not yet (see
        ``subsidy.settlement._post_pending``). The program must be locked."""
        self.ensure_one()
        return self.env["subsidy.settlement"]._post_pending(self)

    def action_post_pool_lines(self):
        """Post what the ledger holds and the general ledger does not yet (a manager's button)."""
        self.ensure_one()
        self._require_manager()
        program = self.sudo()
        program._lock()
        move = program._post_pending_pool_lines()
        if not move:
            raise UserError(_("Every pool ledger line of %s is already posted.", program.name))
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": move.id,
            "view_mode": "form",
        }

    @api.model
    def _cron_post_pool_lines(self):
        for program in self.search([]):
            try:
                with self.env.cr.savepoint():
                    if program._lock(nowait=True):
                        program._post_pending_pool_lines()
            except errors.SerializationFailure:
                _logger.info("Posting of subsidy program %s met a concurrent change; next run", program.id)

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def _action_open(self, xmlid):
        """A stat button: the XML action, narrowed to this program."""
        self.ensure_one()
        self._require_user()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("program_id", "=", self.id)]
        action["context"] = {"default_program_id": self.id}
        return action

    def action_open_entries(self):
        return self._action_open("subsidy_queue.subsidy_entry_action")

    def action_open_settlements(self):
        return self._action_open("subsidy_queue.subsidy_settlement_action")

    def action_open_accounts(self):
        return self._action_open("subsidy_queue.subsidy_account_action")

    def action_open_pool_lines(self):
        return self._action_open("subsidy_queue.subsidy_pool_line_action")
