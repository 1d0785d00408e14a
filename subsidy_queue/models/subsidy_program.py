import logging
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from psycopg2 import errors

from odoo import Command, _, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, format_amount

from ..engine import (
    BLOCK_SIZE,
    GENESIS,
    QueueProjection,
    estimate_wait,
    from_units,
    project_completion,
    share,
    to_units,
    weekly_inflow,
    wind_down_split,
)
from .account_chart_template import SUBSIDY_ACCOUNTS, SUBSIDY_JOURNAL
from .subsidy_entry import STANDING_FIELDS

_logger = logging.getLogger(__name__)


def _category_path(category):
    """The ids of ``category`` and of the categories above it (``parent_path`` is "1/5/9/")."""
    return {int(part) for part in (category.parent_path or "").split("/") if part}


def _mask_name(name):
    """'Wang Fang' -> 'W*** F***': the head of the queue is public, the shoppers are not."""
    return " ".join(f"{word[0]}***" for word in (name or "?").split()[:3]) or "***"


STAFF = "subsidy_queue.group_subsidy_user"
MANAGER = "subsidy_queue.group_subsidy_manager"

WIND_DOWN_OPTIONS = [
    ("full", "Every remainder in full, the excess over the pool as the operator's expense"),
    ("share", "The pool shared in proportion to what each entry is owed"),
]
# The inflow windows of the projections and health checks, in days.
INFLOW_DAYS = (7, 30, 90)
# "Paid within 30/90/365 days", in whole weeks that fit in the days.
SHARE_HORIZONS = {30: 4, 90: 12, 365: 52}
# What the shop's cached rules (``_shop_rules``) are made of.
SHOP_RULES = {
    "ewallet_program_id",  # product.product._subsidy_prepaid_ids
    "company_id",
    "channel_website",
    "product_ids",
    "product_category_ids",
    "state",
    "sequence",
    "active",
}
# What a closed program still lets anybody change: nothing of its rules.
CLOSED_WRITABLE = {"sequence", "message_main_attachment_id"}


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
        "state",
        "date_closed",
        "wind_down_option",
        "wind_down_reason",
        "wind_down_requested_by_id",
        "wind_down_approved_by_id",
        "wind_down_settlement_id",
        "ewallet_program_id",
        "health_state",
        "health_message",
        "health_wait_days",
        "health_owed_months_now",
        "health_checked_on",
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

    # Ending the program in good order (see ``_wind_down``): two managers, the
    # queue's remainders to store credit on an Odoo eWallet card per shopper.
    state = fields.Selection(
        [("open", "Open"), ("closed", "Closed")],
        default="open",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
        help="A closed program takes no more entries; what its queue was still owed became "
        "store credit. It can no longer change.",
    )
    date_closed = fields.Datetime("Closed on", readonly=True, copy=False)
    wind_down_option = fields.Selection(
        WIND_DOWN_OPTIONS, "Wind-down", readonly=True, copy=False, tracking=True, groups=STAFF
    )
    wind_down_reason = fields.Char(readonly=True, copy=False, tracking=True, groups=STAFF)
    wind_down_requested_by_id = fields.Many2one(
        "res.users", "Wind-down Asked by", readonly=True, copy=False, tracking=True, groups=STAFF
    )
    wind_down_approved_by_id = fields.Many2one(
        "res.users", "Wind-down Approved by", readonly=True, copy=False, tracking=True, groups=STAFF
    )
    wind_down_settlement_id = fields.Many2one(
        "subsidy.settlement", "Wind-down Settlement", readonly=True, copy=False, groups=STAFF
    )
    ewallet_program_id = fields.Many2one(
        "loyalty.program",
        "Store Credit eWallet",
        readonly=True,
        copy=False,
        groups=STAFF,
        help="The Odoo eWallet that holds the shoppers' store credit once the program closed.",
    )
    store_credit_account_id = fields.Many2one(
        "account.account",
        check_company=True,
        groups=STAFF,
        help="Liability account holding the store credit the wind-down gave the shoppers; "
        "spending it in the shop or at the till debits it.",
    )

    # Health: warn before the queue grows past what sales can pay.
    health_max_wait_days = fields.Integer(
        "Warn Above a Wait of (days)",
        default=365,
        tracking=True,
        help="Warn the managers when, at the recent sales, the last entry of today's queue "
        "would wait longer than this; 0: never.",
    )
    health_owed_months = fields.Integer(
        "Warn Above (months of inflow)",
        default=12,
        tracking=True,
        help="Warn the managers when the queue is owed more than this many months of the "
        "pool's recent inflow; 0: never.",
    )
    health_state = fields.Selection(
        [("ok", "Healthy"), ("warning", "Estimate has grown")],
        "Health",
        default="ok",
        required=True,
        readonly=True,
        copy=False,
    )
    health_message = fields.Char("Health Warning", readonly=True, copy=False)
    health_wait_days = fields.Integer(
        "Last Entry's Wait (days)",
        readonly=True,
        copy=False,
        help="At the slower of the last 7 and 30 days' inflow; -1: no inflow to pay it.",
    )
    health_owed_months_now = fields.Float(
        "Owed (months of inflow)",
        digits=(8, 1),
        readonly=True,
        copy=False,
        help="What the queue is owed, in months of the last 30 days' inflow; -1: no inflow.",
    )
    health_checked_on = fields.Datetime("Health Checked on", readonly=True, copy=False)

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

    @api.constrains("health_max_wait_days", "health_owed_months")
    def _check_health_rules(self):
        for program in self:
            if program.health_max_wait_days < 0 or program.health_owed_months < 0:
                raise ValidationError(_("The health thresholds cannot be negative."))

    def write(self, vals):
        if (
            not self._is_workflow()
            and set(vals) - CLOSED_WRITABLE
            and self.filtered(lambda p: p.state == "closed")
        ):
            raise UserError(_("A closed program cannot change any more."))
        locked = {"currency_id", "queue_mode", "company_id"} & vals.keys()
        if locked and self.filtered("last_seq"):
            raise UserError(
                _(
                    "The currency, company and queue mode of a program cannot change once "
                    "it has entries: create a new program instead."
                )
            )
        if SHOP_RULES & vals.keys():
            self.env.registry.clear_cache()  # _shop_rules
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        if self.filtered("last_seq"):
            raise UserError(_("A program with entries cannot be deleted; archive it instead."))
        self.env.registry.clear_cache()  # _shop_rules

    @api.model_create_multi
    def create(self, vals_list):
        programs = super().create(vals_list)
        programs._ensure_accounting()
        self.env.registry.clear_cache()  # _shop_rules
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
                           COALESCE(SUM(amount) FILTER (
                               WHERE kind IN ('contribution', 'reversal', 'funding')), 0),
                           -COALESCE(SUM(amount) FILTER (
                               WHERE kind IN ('allocation', 'clawback', 'conversion', 'release')), 0),
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
        # Kept by the ledger as it appends: no sum over the whole ledger per request.
        today, total_in, total_out = self.env["subsidy.pool.figures"]._public_totals(self)
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
            # The health check found the wait or the debt above the program's thresholds.
            "estimate_grown": self.health_state == "warning",
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

    # ------------------------------------------------------------------
    # What a purchase in the shop earns (product page, cart, explanation page)
    # ------------------------------------------------------------------

    @api.model
    @tools.ormcache("company_id")
    def _shop_rules(self, company_id):
        """``(program id, open, product ids, category ids)`` of the programs of the company
        that take online orders, by sequence: read once per worker until a program changes
        (``create``, ``write`` and ``unlink`` clear the cache), as product pages ask often."""
        programs = self.sudo().search([("company_id", "=", company_id), ("channel_website", "=", True)])
        return tuple(
            (
                program.id,
                program.state == "open",
                frozenset(program.product_ids.ids),
                frozenset(program.product_category_ids.ids),
            )
            for program in programs
        )

    @api.model
    def _shop_program(self, company, products):
        """The program a web shop purchase of ``products`` queues in, as ``sale.order`` chooses
        it (``_subsidy_program``: the first program, by sequence, taking online orders that
        one of them is eligible in), if it is open; else an empty recordset."""
        products = products.sudo()
        for program_id, is_open, product_ids, category_ids in self._shop_rules(company.id):
            for product in products:
                if (
                    (not product_ids and not category_ids)
                    or product.id in product_ids
                    or (category_ids and category_ids & _category_path(product.categ_id))
                ):
                    return self.sudo().browse(program_id) if is_open else self.browse()
        return self.browse()

    def _target_units(self, base_units):
        """The target subsidy of an entry of ``base_units`` eligible amount, at today's rules."""
        self.ensure_one()
        target = share(base_units, self.subsidy_rate)
        if self.cap_amount:
            target = min(target, self._units(self.cap_amount))
        return max(0, target)

    def _join_estimate(self, target_units, contribution_units=0):
        """The honest wait of an entry of ``target_units`` joining the queue now: a ``WaitEstimate``.

        What the entry would show the moment it joins (``subsidy.entry._compute_standing``):
        it comes last, so the pool must pay what the whole queue still needs and its own
        target, while its own ``contribution_units`` are in the pool. They are one payment,
        not a rate of sales: the recent inflow does not count them, or a bigger purchase
        would be promised a shorter wait.
        """
        self.ensure_one()
        outstanding, balance, in7, in30 = self._join_figures()
        return estimate_wait(outstanding + target_units, balance + contribution_units, in7, in30)

    def _join_figures(self):
        """``(what the queue still needs, pool balance, net inflow of the last 7 days, of the
        last 30 days)`` in units (see ``_queue_figures``)."""
        return self._queue_figures()[1:5]

    def _queue_figures(self):
        """``(queued entries, what they still need, pool balance, net inflow of the last 7
        days, of the last 30 days, last seq)``, amounts in units: the queue's and
        ``_inflow_units``' figures, read in one statement that stays cheap at any size: the
        queue's block sums (a few hundred rows at a million entries), the ledger's per-day
        figures (``subsidy.pool.figures``, a row a day) and only the ledger lines of the day
        each window starts in."""
        self.ensure_one()
        self.env["subsidy.pool.line"].flush_model()
        self.env["subsidy.queue.block"].flush_model()
        self.env.cr.execute(self._queue_figures_sql())
        return self._queue_figures_of(self.env.cr.fetchone())

    def _queue_figures_sql(self):
        """The SELECT of ``_queue_figures`` (a caller may run it as part of its own)."""
        self.ensure_one()
        return SQL(
            """WITH since AS (
                   SELECT (now() at time zone 'UTC') - interval '7 days' AS t,
                          ((now() at time zone 'UTC') - interval '7 days')::date AS d, 7 AS days
                    UNION ALL
                   SELECT (now() at time zone 'UTC') - interval '30 days',
                          ((now() at time zone 'UTC') - interval '30 days')::date, 30),
               inflow AS (
                   SELECT s.days,
                          (SELECT COALESCE(SUM(f.contributed + f.reversed), 0) FROM subsidy_pool_day f
                            WHERE f.program_id = %(program)s AND f.day > s.d)
                        + (SELECT COALESCE(SUM(l.amount), 0) FROM subsidy_pool_line l
                            WHERE l.program_id = %(program)s AND l.kind IN ('contribution', 'reversal')
                              AND l.date >= s.t AND l.date < s.d + 1) AS amount
                     FROM since s),
               queue AS (
                   SELECT COALESCE(SUM(queued_count), 0) AS count,
                          COALESCE(SUM(outstanding), 0) AS outstanding
                     FROM subsidy_queue_block WHERE program_id = %(program)s)
               SELECT q.count, q.outstanding, COALESCE(p.pool_tail_balance, 0),
                      (SELECT amount FROM inflow WHERE days = 7),
                      (SELECT amount FROM inflow WHERE days = 30),
                      COALESCE(p.last_seq, 0)
                 FROM queue q, subsidy_program p WHERE p.id = %(program)s""",
            program=self.id,
        )

    def _queue_figures_of(self, row):
        """``_queue_figures`` from a row of ``_queue_figures_sql``."""
        count, *amounts, last_seq = row
        return (int(count), *(self._units(value) for value in amounts), last_seq)

    def _queue_totals(self):
        """``(queued entries, what they still need in units)``, from the block sums."""
        self.ensure_one()
        self.env["subsidy.queue.block"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT COALESCE(SUM(queued_count), 0), COALESCE(SUM(outstanding), 0)
                     FROM subsidy_queue_block WHERE program_id = %s""",
                self.id,
            )
        )
        count, outstanding = self.env.cr.fetchone()
        return int(count), self._units(outstanding)

    def _explanation_figures(self, example=100.0):
        """The public explanation page's figures: the pool's totals, the queue's, and what a
        purchase of ``example`` (eligible, untaxed) earns if it joins now."""
        self.ensure_one()
        _today, contributed, allocated = self.env["subsidy.pool.figures"]._public_totals(self)
        count, outstanding = self._queue_totals()
        return {
            "program": self,
            "currency": self.currency_id,
            "contributed": contributed,
            "paid_total": -allocated,
            "balance": self._amount(self._pool_tail()[1]),
            "queued_count": count,
            "queued_amount": self._amount(outstanding),
            "example_base": example,
            "example": self._earn_preview(self._units(example)),
        }

    def _earn_preview(self, base_units):
        """What a purchase of ``base_units`` eligible untaxed amount earns if it joins now.

        Public figures only (the program's rules and the queue's totals): shown to anybody
        on the product page, in the cart and on the explanation page.
        """
        self.ensure_one()
        target = self._target_units(base_units)
        if target <= 0:
            return None
        estimate = self._join_estimate(target, share(base_units, self.contribution_rate))
        return {
            "program": self,
            "currency": self.currency_id,
            "base": self._amount(base_units),
            "target": self._amount(target),
            "rate": self.subsidy_rate,
            "capped": bool(self.cap_amount) and target == self._units(self.cap_amount),
            "below_minimum": bool(self.min_order_amount) and base_units < self._units(self.min_order_amount),
            "minimum": self.min_order_amount,
            "days_min": estimate.days_min,
            "days_max": estimate.days_max,
            "wait": self.env["subsidy.entry"]._format_estimate(estimate),
            "return_window_days": self.return_window_days if self.trigger == "return_window" else 0,
            "completion_ratio": self.completion_ratio,
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
        bump = SQL(
            "UPDATE subsidy_program SET queue_version = queue_version + 1 WHERE id IN %s",
            tuple(self.ids),
        )
        # Once the UPDATE went through, this transaction's snapshot holds the row's
        # latest version (a newer one would have failed it): what the cache read of
        # the row stays true, only the counter changed.
        if len(self) == 1 and not nowait:
            # One row, waiting allowed: the UPDATE takes the very lock (FOR NO KEY
            # UPDATE) and fails the same way on a stale snapshot; one statement.
            self.flush_recordset()
            self.env.cr.execute(bump, log_exceptions=False)
            self.invalidate_recordset(["queue_version"], flush=False)
            return True
        try:
            self._lock_rows(nowait=nowait)
        except UserError:
            return False
        self.env.cr.execute(bump, log_exceptions=False)
        self.invalidate_recordset(["queue_version"], flush=False)
        return True

    def _pool_tail(self):
        """Return ``(last_hash, balance_units)`` of the program's pool ledger, from its row."""
        self.ensure_one()
        self.env.cr.execute(
            SQL("SELECT pool_tail_hash, pool_tail_balance FROM subsidy_program WHERE id = %s", self.id)
        )
        row = self.env.cr.fetchone()
        return self._pool_tail_of(*row) if row else (GENESIS, 0)

    def _pool_tail_of(self, tail_hash, tail_balance):
        """``(last_hash, balance_units)`` from the row's ``pool_tail_hash`` and ``pool_tail_balance``."""
        if not tail_hash:
            return GENESIS, 0
        return tail_hash, self._units(tail_balance or 0.0)

    def _set_pool_tail(self, line_id, line_hash, balance_units):
        """The ledger's new tail; called by ``subsidy.pool.line._append`` under the lock."""
        self.env.cr.execute(self._set_pool_tail_sql(line_id, line_hash, balance_units))
        self._pool_tail_set()

    def _set_pool_tail_sql(self, line_id, line_hash, balance_units):
        """The statement of ``_set_pool_tail`` (a caller may run it as part of its own, with
        ``line_id`` an ``SQL`` expression; then it calls ``_pool_tail_set``)."""
        self.ensure_one()
        return SQL(
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

    def _pool_tail_set(self):
        """The tail changed in SQL: drop what the cache holds of it (and the entries' wait
        estimates, which count the pool)."""
        self.invalidate_recordset(
            ["pool_tail_line_id", "pool_tail_hash", "pool_tail_balance", "pool_balance"], flush=False
        )
        self.env["subsidy.entry"].invalidate_model(STANDING_FIELDS, flush=False)

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

    # ------------------------------------------------------------------
    # What-if projection
    # ------------------------------------------------------------------

    def _queue_projection(self):
        """Today's queue for the engine (``QueueProjection``), from the block sums.

        One read of the program's running sums per block of turns (a thousand
        rows at a million entries); a block's entries are read, in one indexed
        query, only when the engine needs them (the entry a week's funds stop
        in, a watched entry, a rotation window).
        """
        self.ensure_one()
        self.env["subsidy.queue.block"].flush_model()
        self.env["subsidy.entry"].flush_model(["state", "target", "received", "seq", "program_id"])
        cr = self.env.cr
        cr.execute(
            SQL(
                """SELECT block, queued_count, outstanding FROM subsidy_queue_block
                    WHERE program_id = %s AND queued_count > 0 ORDER BY block""",
                self.id,
            )
        )
        rows = cr.fetchall()
        numbers = [row[0] for row in rows]
        step = Decimal(self._step())
        # Units as an integer multiple where the rounding allows it (0.01 -> × 100): no numeric division.
        units = (
            SQL("(target - received) * %s", int(1 / step))
            if (1 / step) % 1 == 0
            else SQL("round((target - received) / %s::numeric)", str(step))
        )

        def expand(index):
            block = numbers[index]
            # The queue's covering index (program, turn) with target and received: an index-only scan.
            cr.execute(
                SQL(
                    """SELECT string_agg((%s)::bigint::text, ',' ORDER BY seq)
                         FROM subsidy_entry
                        WHERE program_id = %s AND state = 'queued' AND seq >= %s AND seq < %s""",
                    units,
                    self.id,
                    block * BLOCK_SIZE,
                    (block + 1) * BLOCK_SIZE,
                )
            )
            text = cr.fetchone()[0]
            return list(map(int, text.split(","))) if text else []

        return QueueProjection.from_blocks(
            [(count, self._units(outstanding)) for _block, count, outstanding in rows],
            expand,
            self._pool_tail()[1],
            self.queue_mode,
            self.rotation_size,
        )

    def _inflow_by_days(self, days=INFLOW_DAYS):
        """Net contributions (contributions less reversals) of the last ``days`` days, in units."""
        self.ensure_one()
        self.env["subsidy.pool.line"].flush_model()
        columns = SQL(", ").join(
            SQL(
                "COALESCE(SUM(amount) FILTER (WHERE date >= now() - make_interval(days => %s)), 0)",
                number,
            )
            for number in days
        )
        self.env.cr.execute(
            SQL(
                """SELECT %s FROM subsidy_pool_line
                    WHERE program_id = %s AND kind IN ('contribution', 'reversal')
                      AND date >= now() - make_interval(days => %s)""",
                columns,
                self.id,
                max(days),
            )
        )
        return dict(zip(days, (self._units(amount) for amount in self.env.cr.fetchone())))

    def _new_entries_profile(self, sample=1000):
        """``((target, contribution), mean target)`` of the entries future sales add.

        From the program's latest ``sample`` entries (their rates and caps as
        they are: rule changes apply to new entries only); without any, from
        the program's rates and the queue's mean remainder.
        """
        self.ensure_one()
        self.env["subsidy.entry"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT COALESCE(SUM(target), 0), COALESCE(SUM(contribution), 0), COUNT(*)
                     FROM (SELECT target, contribution FROM subsidy_entry
                            WHERE program_id = %s AND state != 'cancelled'
                         ORDER BY seq DESC LIMIT %s) latest""",
                self.id,
                sample,
            )
        )
        target, contribution, count = self.env.cr.fetchone()
        if count and contribution > 0:
            target_units = self._units(target)
            return (target_units, self._units(contribution)), target_units // count
        self.env.cr.execute(
            SQL(
                """SELECT COALESCE(SUM(outstanding), 0), COALESCE(SUM(queued_count), 0)
                     FROM subsidy_queue_block WHERE program_id = %s""",
                self.id,
            )
        )
        outstanding, queued = self.env.cr.fetchone()
        mean = self._units(outstanding) // queued if queued else 0
        return (self.subsidy_rate, self.contribution_rate), mean

    def _projection(self, sales_change=0, weeks=26, basis=30, position=None, join_units=None):
        """The what-if projection of the queue, if sales change by ``sales_change`` %.

        ``basis``: the inflow window (7, 30 or 90 days) of the weekly figures;
        ``position``: the place (1 = head) of the entry whose payment date is
        wanted, or ``join_units``: the target of an entry joining today (it
        joins the back of the queue, and the figures). Dates come as a range
        over the 7-, 30- and 90-day inflows. Returns a dict of units, weeks
        and dates; the engine does the arithmetic (``QueueProjection``).
        """
        self.ensure_one()
        if basis not in INFLOW_DAYS:
            raise UserError(_("The projection is based on the last 7, 30 or 90 days of sales."))
        if sales_change <= -100:
            raise UserError(_("Sales cannot drop by 100 % or more."))
        queue = self._queue_projection()
        queued = queue.count
        watch = ()
        if join_units:
            queue = queue.joined(join_units)
            watch = (queued,)
        elif position:
            if not 1 <= position <= queued:
                raise UserError(
                    _("Place %(place)s is not in the queue (1 to %(count)s).", place=position, count=queued)
                )
            watch = (position - 1,)
        pool = queue.pool_balance
        inflow = self._inflow_by_days()
        ratio, size = self._new_entries_profile()
        runs = {}
        for days in INFLOW_DAYS:
            weekly = weekly_inflow(inflow[days], days, sales_change)
            runs[days] = (
                weekly,
                queue.run(
                    weekly,
                    weeks if days == basis else 0,
                    new_owed_ratio=ratio,
                    new_entry_size=size,
                    watch=watch,
                    checkpoints=tuple(SHARE_HORIZONS.values()),
                    counted=queued,
                ),
            )
        today = fields.Date.context_today(self)
        entry_weeks = [run.completion[watch[0]] for _weekly, run in runs.values()] if watch else []
        known = [week for week in entry_weeks if week is not None]
        shares = {}
        for days, week in SHARE_HORIZONS.items():
            counts = [run.completed[week] for _weekly, run in runs.values()]
            shares[days] = (min(counts), max(counts))
        return {
            "queued": queued,
            "owed": queue.total - (join_units or 0),
            "pool": pool,
            "inflow": inflow,
            "weekly": {days: weekly for days, (weekly, _run) in runs.items()},
            "weeks": runs[basis][1].weeks,
            "dates": [today + timedelta(days=7 * figures.week) for figures in runs[basis][1].weeks],
            "entry_weeks": entry_weeks,
            "entry_first": today + timedelta(days=7 * min(known)) if known else False,
            "entry_last": today + timedelta(days=7 * max(known))
            if known and len(known) == len(entry_weeks)
            else False,
            "shares": shares,
        }

    def action_open_projection(self):
        """The what-if dialog, computed at once with flat sales."""
        self.ensure_one()
        self._require_manager()
        # The question a manager asks first: when is today's last entry paid?
        wizard = self.env["subsidy.program.projection"].create(
            {"program_id": self.id, "place": max(1, self.queued_count)}
        )
        wizard.action_compute()
        return wizard._reopen()

    # ------------------------------------------------------------------
    # Health
    # ------------------------------------------------------------------

    def _health_figures(self):
        """``(wait_days, owed_months)`` at flat sales; None where no inflow can pay."""
        self.ensure_one()
        self.env["subsidy.queue.block"].flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT COALESCE(SUM(outstanding), 0) FROM subsidy_queue_block WHERE program_id = %s", self.id
            )
        )
        owed = self._units(self.env.cr.fetchone()[0])
        pool = self._pool_tail()[1]
        inflow = self._inflow_by_days((7, 30))
        # The slower of the two recent rates (the upper end of the shoppers' estimate), as
        # exact fractions: 195.00 at 130.00 a month is 45 days, not 46.
        per_day = max(0, min(Fraction(inflow[7], 7), Fraction(inflow[30], 30)))
        wait = project_completion(max(0, owed - max(0, pool)), per_day)
        months = owed / inflow[30] if inflow[30] > 0 else (0.0 if not owed else None)
        return owed, wait, months

    def _check_health(self):
        """Compare the projection with the program's thresholds; warn once when it crosses them.

        A warning shows on the program and on the public page, and schedules
        an activity for each manager of the company; it is lifted (activities
        done) when the figures are back under the thresholds.
        """
        warning = "mail.mail_activity_data_warning"
        activity_type = self.env.ref(warning)
        for program in self.filtered(lambda p: p.state == "open"):
            owed, wait, months = program._health_figures()
            reasons = []
            if (
                owed
                and program.health_max_wait_days
                and (wait is None or wait > program.health_max_wait_days)
            ):
                reasons.append(
                    _(
                        "at recent sales the last entry of the queue would wait %(wait)s, "
                        "above %(limit)s days",
                        wait=_("for ever") if wait is None else _("%s days", wait),
                        limit=program.health_max_wait_days,
                    )
                )
            if (
                owed
                and program.health_owed_months
                and (months is None or months > program.health_owed_months)
            ):
                reasons.append(
                    _(
                        "the queue is owed %(months)s months of the pool's inflow, above %(limit)s",
                        months=_("endless") if months is None else f"{months:.1f}",
                        limit=program.health_owed_months,
                    )
                )
            state = "warning" if reasons else "ok"
            message = "; ".join(reasons)
            if message:
                message = message[0].upper() + message[1:] + "."
            was = program.health_state
            program._workflow().write(
                {
                    "health_state": state,
                    "health_message": message or False,
                    "health_wait_days": -1 if wait is None else wait,
                    "health_owed_months_now": -1.0 if months is None else months,
                    "health_checked_on": fields.Datetime.now(),
                }
            )
            if state == "warning" and was != "warning":
                program.sudo().message_post(body=_("The queue's estimate has grown: %s", message))
                for user in program._managers():
                    program.sudo().activity_schedule(
                        activity_type_id=activity_type.id,
                        user_id=user.id,
                        summary=_("Queue estimate has grown"),
                        note=message,
                    )
            elif state == "ok" and was == "warning":
                program.sudo().activity_feedback(
                    [warning], feedback=_("The queue's figures are back under the thresholds.")
                )

    def _managers(self):
        """The active Subsidy Managers of the program's company (not the system user)."""
        self.ensure_one()
        group = self.env.ref(MANAGER)
        return group.sudo().users.filtered(
            lambda user: self.company_id in user.company_ids and not user._is_superuser() and user.active
        )

    @api.model
    def _cron_check_health(self):
        for program in self.search([("state", "=", "open")]):
            try:
                with self.env.cr.savepoint():
                    program._check_health()
            except errors.SerializationFailure:
                _logger.info(
                    "Health check of subsidy program %s met a concurrent change; next run", program.id
                )

    # ------------------------------------------------------------------
    # Wind-down
    # ------------------------------------------------------------------

    def _wind_down_figures(self):
        """What each option would do now, for the managers to see before confirming (amounts)."""
        self.ensure_one()
        self.env["subsidy.entry"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT COUNT(*), COUNT(DISTINCT account_id), COALESCE(SUM(target - received), 0)
                     FROM subsidy_entry WHERE program_id = %s AND state = 'queued'""",
                self.id,
            )
        )
        count, shoppers, owed = self.env.cr.fetchone()
        owed = self._units(owed)
        pool = self._pool_tail()[1]
        full = wind_down_split("full", pool, [(None, owed)])
        shared = wind_down_split("share", pool, [(None, owed)])
        return {
            "entries": count,
            "shoppers": shoppers,
            "owed": self._amount(owed),
            "pool": self._amount(pool),
            "full_credit": self._amount(full.credited),
            "full_expense": self._amount(full.funding),
            "full_release": self._amount(full.release),
            "share_credit": self._amount(shared.credited),
            "share_percent": 100.0 * shared.credited / owed if owed else 100.0,
            "share_expense": self._amount(shared.funding),
            "share_release": self._amount(shared.release),
        }

    def action_open_wind_down(self):
        """The wind-down dialog: both options' figures; ask, or approve another manager's request."""
        self.ensure_one()
        self._require_manager()
        if self.state != "open":
            raise UserError(_("The program %s is already closed.", self.name))
        return {
            "type": "ir.actions.act_window",
            "name": _("Wind Down %s", self.name),
            "res_model": "subsidy.program.wind.down",
            "view_mode": "form",
            "target": "new",
            "context": {"default_program_id": self.id},
        }

    def _request_wind_down(self, option, reason):
        """Ask to close the program, as the current manager; a second manager approves."""
        self.ensure_one()
        self._require_manager()
        if self.state != "open":
            raise UserError(_("The program %s is already closed.", self.name))
        if option not in dict(WIND_DOWN_OPTIONS):
            raise UserError(_("Choose how the queue's remainders become store credit."))
        if not (reason or "").strip():
            raise UserError(_("Give the reason of the wind-down."))
        program = self.sudo()
        if program.wind_down_requested_by_id:
            raise UserError(_("A wind-down of %s is already waiting for approval.", self.name))
        program._workflow().write(
            {
                "wind_down_option": option,
                "wind_down_reason": reason.strip(),
                "wind_down_requested_by_id": self.env.uid,
            }
        )
        options = dict(self._fields["wind_down_option"]._description_selection(self.env))
        program.message_post(
            body=_(
                "Wind-down requested (%(option)s): %(reason)s", option=options[option], reason=reason.strip()
            )
        )
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        for user in program._managers() - self.env.user:
            program.activity_schedule(
                activity_type_id=activity_type.id, user_id=user.id, summary=_("Wind-down to approve")
            )

    def action_approve_wind_down(self, option=None, requested_by_id=None):
        """The second manager's approval: the program closes now (see ``_wind_down``).

        ``option`` and ``requested_by_id``: the request the approver was shown
        (the dialog passes them); a request taken back and made again since,
        with another option or by another manager, is refused.
        """
        self.ensure_one()
        self._require_manager()
        program = self.sudo()
        program._lock()
        if (option and option != program.wind_down_option) or (
            requested_by_id and requested_by_id != program.wind_down_requested_by_id.id
        ):
            raise UserError(
                _(
                    "The wind-down request of %s changed since you opened it: open it again "
                    "and check the figures before you approve.",
                    self.name,
                )
            )
        if program.state != "open":
            raise UserError(_("The program %s is already closed.", self.name))
        if not program.wind_down_requested_by_id:
            raise UserError(_("Nobody asked to wind down %s.", self.name))
        if program.wind_down_requested_by_id == self.env.user:
            raise UserError(
                _("A second manager must approve the wind-down of %s, not its requester.", self.name)
            )
        program._wind_down()
        return True

    def action_reject_wind_down(self):
        """Drop a wind-down request; the program stays open."""
        self.ensure_one()
        self._require_manager()
        program = self.sudo()
        if not program.wind_down_requested_by_id or program.state != "open":
            raise UserError(_("No wind-down of %s is waiting for approval.", self.name))
        program._workflow().write(
            {"wind_down_option": False, "wind_down_reason": False, "wind_down_requested_by_id": False}
        )
        program.activity_unlink(["mail.mail_activity_data_todo"])
        program.message_post(body=_("Wind-down request rejected; the program stays open."))
        return True

    def _wind_down(self):
        """Close the program: no more entries, a last settlement, the queue to store credit.

        Under the program's lock: every queued entry leaves the queue with what
        the chosen option gives it (``engine.wind_down_split``), as ledger
        lines of a settlement of kind *wind-down* (the operator's funding, one
        conversion per entry, what is released), posted at once with whatever
        the general ledger did not hold yet; each shopper's credit lands on
        their card of the program's eWallet; the pool ends at zero; the program
        is closed (and archived: no channel finds it any more). Runs as
        superuser on behalf of the approving manager.
        """
        self.ensure_one()
        program = self.sudo()
        program._lock()
        if program.state != "open" or not program.wind_down_option:
            raise UserError(_("The program %s has no wind-down to carry out.", program.name))
        program._ensure_store_credit_accounting()
        cr = self.env.cr
        self.env["subsidy.entry"].flush_model()
        cr.execute(
            SQL(
                """SELECT id, account_id, seq, target - received FROM subsidy_entry
                    WHERE program_id = %s AND state = 'queued' ORDER BY seq""",
                program.id,
            )
        )
        rows = cr.fetchall()
        accounts = {row[0]: row[1] for row in rows}
        _prev_hash, pool = program._pool_tail()
        split = wind_down_split(
            program.wind_down_option, pool, [(row[0], program._units(row[3])) for row in rows]
        )
        Settlement = self.env["subsidy.settlement"].sudo()
        settlement = Settlement.create(
            {
                "program_id": program.id,
                "kind": "wind_down",
                "trigger": "manual",
                "funds_available": program._amount(pool),
            }
        )
        lines = []
        if split.funding:
            lines.append(
                {
                    "kind": "funding",
                    "amount_units": split.funding,
                    "settlement_id": settlement.id,
                    "name": _("The operator's funding of the wind-down"),
                }
            )
        lines += [
            {
                "kind": "conversion",
                "amount_units": -units,
                "entry_id": entry_id,
                "account_id": accounts[entry_id],
                "settlement_id": settlement.id,
                "name": _("Store credit"),
            }
            for entry_id, units in split.credits
            if units
        ]
        if split.release:
            lines.append(
                {
                    "kind": "release",
                    "amount_units": -split.release,
                    "settlement_id": settlement.id,
                    "name": _("Released to the operator: nobody is owed it"),
                }
            )
        program._append_pool_lines(lines)
        per_account = self.env["subsidy.entry"]._convert_to_credit(program, split.credits, rows)
        cards = program._credit_ewallet(per_account)
        settlement.write(
            {
                "amount_paid": program._amount(split.credited),
                "entry_count": sum(1 for _entry, units in split.credits if units),
                "completed_count": sum(
                    1 for (_entry, units), row in zip(split.credits, rows) if units == program._units(row[3])
                ),
            }
        )
        settlement._post()
        program._workflow().write(
            {
                "state": "closed",
                "active": False,
                "date_closed": fields.Datetime.now(),
                "wind_down_approved_by_id": self.env.uid,
                "wind_down_settlement_id": settlement.id,
            }
        )

        def money(units):
            return format_amount(self.env, program._amount(units), program.currency_id)

        settlement.message_post(
            body=_(
                "Wind-down: %(count)s entries got %(credit)s of store credit; "
                "the operator added %(funding)s, "
                "%(release)s went back to the operator.",
                count=settlement.entry_count,
                credit=money(split.credited),
                funding=money(split.funding),
                release=money(split.release),
            )
        )
        program.message_post(
            body=_(
                "Program closed: what the queue was still owed (%(owed)s) became %(credit)s of store credit "
                "on %(cards)s eWallet cards (%(settlement)s).",
                owed=money(split.owed),
                credit=money(split.credited),
                cards=len(cards),
                settlement=settlement.name,
            )
        )
        self.env["subsidy.account"].browse(list(per_account))._notify_store_credit(
            program, cards, per_account
        )
        return settlement

    def _ensure_store_credit_accounting(self):
        """The store credit account, from the chart template (added to charts loaded before it)."""
        self.ensure_one()
        if self.store_credit_account_id or not self._has_accounting():
            return
        company = self.company_id
        if company.chart_template:
            self.env["account.chart.template"].sudo()._subsidy_load_accounting(company)
        self._ensure_accounting()
        if not self.store_credit_account_id:
            raise UserError(
                _("Set the store credit account of %s (Accounting tab) before winding it down.", self.name)
            )

    def _ewallet(self):
        """The program's own eWallet: store credit, issued by the wind-down only (no top-up product)."""
        self.ensure_one()
        if self.ewallet_program_id:
            return self.ewallet_program_id
        company = self.company_id
        ewallet = (
            self.env["loyalty.program"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "name": _("%s store credit", self.name),
                    "program_type": "ewallet",
                    "company_id": company.id,
                    "currency_id": self.currency_id.id,
                    "trigger": "auto",
                    "applies_on": "future",
                    "portal_visible": True,
                    "rule_ids": [Command.clear()],
                    "communication_plan_ids": [Command.clear()],
                    "reward_ids": [
                        Command.clear(),
                        Command.create(
                            {
                                "reward_type": "discount",
                                "discount_mode": "per_point",
                                "discount": 1,
                                "discount_applicability": "order",
                                "required_points": 1,
                                "description": _("Store credit"),
                            }
                        ),
                    ],
                }
            )
        )
        # Spending the credit (a sale or a till order's eWallet line) then debits the liability.
        product = ewallet.reward_ids.discount_line_product_id
        if product and self.store_credit_account_id:
            product.product_tmpl_id.with_company(
                company
            ).property_account_income_id = self.store_credit_account_id
        self._workflow().write({"ewallet_program_id": ewallet.id})
        return ewallet

    def _credit_ewallet(self, per_account):
        """Put ``{account_id: units}`` on each shopper's card of the eWallet, with its history line."""
        self.ensure_one()
        if not any(per_account.values()):
            return self.env["loyalty.card"]
        ewallet = self._ewallet()
        Card = self.env["loyalty.card"].sudo().with_context(loyalty_no_mail=True, tracking_disable=True)
        accounts = self.env["subsidy.account"].sudo().browse(sorted(per_account))
        cards = Card.search([("program_id", "=", ewallet.id), ("partner_id", "in", accounts.partner_id.ids)])
        by_partner = {card.partner_id: card for card in cards}
        history = []
        for account in accounts:
            units = per_account[account.id]
            if not units:
                continue
            card = by_partner.get(account.partner_id)
            if not card:
                card = by_partner[account.partner_id] = Card.create(
                    {"program_id": ewallet.id, "partner_id": account.partner_id.id, "points": 0.0}
                )
            card.points = self.currency_id.round(card.points + self._amount(units))
            account._workflow().write({"ewallet_card_id": card.id})
            history.append(
                {
                    "card_id": card.id,
                    "description": _("Store credit: what the queue of %s still owed you", self.name),
                    "issued": self._amount(units),
                    "used": 0.0,
                    "order_model": self._name,
                    "order_id": self.id,
                }
            )
        self.env["loyalty.history"].sudo().create(history)
        return self.env["loyalty.card"].browse([card.id for card in by_partner.values()])

    def action_open_compliance_export(self):
        """The auditor's file and report of a period."""
        self.ensure_one()
        self._require_manager()
        return {
            "type": "ir.actions.act_window",
            "name": _("Compliance Export"),
            "res_model": "subsidy.compliance.export",
            "view_mode": "form",
            "target": "new",
            "context": {"default_program_id": self.id},
        }
