import logging
from collections import defaultdict

import psycopg2

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..engine import Slot, allocate

_logger = logging.getLogger(__name__)


class SubsidySettlement(models.Model):
    """One settlement run of a program, or one posting of its ledger.

    A run picks the head of the queue, asks the engine once how the pool is
    paid out, writes the allocations in a few set-based statements and posts
    one aggregated journal entry. What the ledger gets outside a run
    (contributions, reversals, clawbacks) is posted by a document of kind
    *posting*. Either way the document remembers the last ledger line it
    posted: a line is in the general ledger once a document of its program
    reaches it.
    """

    _name = "subsidy.settlement"
    _description = "Subsidy Settlement Run"
    _inherit = ["mail.thread", "subsidy.protected.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, default="/", copy=False)
    kind = fields.Selection(
        [("run", "Settlement run"), ("posting", "Ledger posting"), ("wind_down", "Wind-down")],
        required=True,
        readonly=True,
        default="run",
        help="A run pays the pool out to the queue; a posting only brings the ledger's "
        "contributions, reversals and clawbacks to the general ledger; a wind-down is a "
        "closing program's last settlement: the queue's remainders became store credit.",
    )
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
    last_line_id = fields.Many2one(
        "subsidy.pool.line",
        "Posted up to",
        readonly=True,
        index="btree_not_null",
        help="The last pool ledger line this document brought to the general ledger.",
    )
    pool_line_ids = fields.One2many("subsidy.pool.line", "settlement_id", readonly=True)
    notify_state = fields.Selection(
        [("pending", "Being sent"), ("sent", "Sent")],
        "Shoppers' Messages",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Each shopper the run paid gets one message listing what it paid them; they are "
        "sent right after the run, a batch of accounts at a time.",
    )
    notified_account_id = fields.Integer(
        readonly=True,
        copy=False,
        help="The messages went out to the accounts up to this id (accounts are taken in id order).",
    )

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

    # ------------------------------------------------------------------
    # The run
    # ------------------------------------------------------------------

    @api.model
    def _run(self, program, trigger="cron", raise_if_nothing=False):
        """Run one settlement of ``program``; return the settlement or nothing.

        At most one run per program at a time: the program row is locked (and
        written) without waiting, and a second run meanwhile gets a clear
        error (by hand) or is skipped (cron). Everything is read after the
        lock, so a run that finds no new funds changes nothing.
        """
        Settlement = self.sudo()
        program = program.sudo()

        def nothing(message):
            if raise_if_nothing:
                raise UserError(message)
            return Settlement

        if not program._lock(nowait=True):
            return nothing(
                _(
                    "A settlement or a payment of %s is being processed right now; try again in a moment.",
                    program.name,
                )
            )
        if not program.active:
            return nothing(_("The program %s is archived.", program.name))
        _prev_hash, funds = program._pool_tail()
        if funds <= 0:
            return nothing(_("The pool of %s has no funds to pay out; nothing was changed.", program.name))
        slots, accounts, seqs = Settlement._queue_head(program, funds)
        if not slots:
            return nothing(_("No entry of %s is waiting in the queue; nothing was changed.", program.name))
        paid = allocate(program.queue_mode, funds, slots, program.rotation_size)
        settlement = Settlement.create(
            {
                "program_id": program.id,
                "trigger": trigger,
                "funds_available": program._amount(funds),
                "notify_state": "pending",
            }
        )
        remaining = {slot.key: slot.remaining for slot in slots}
        self.env["subsidy.entry"]._apply_allocations(program, settlement, paid, remaining, accounts, seqs)
        completed = sum(1 for key, amount in paid if amount == remaining[key])
        total = sum(amount for _key, amount in paid)
        settlement.write(
            {"amount_paid": program._amount(total), "entry_count": len(paid), "completed_count": completed}
        )
        settlement._post()
        settlement.message_post(
            body=_(
                "%(count)s entries received %(amount)s; %(done)s of them are now complete.",
                count=len(paid),
                amount=program.currency_id.format(program._amount(total)),
                done=completed,
            )
        )
        # The shoppers hear of it once this run is committed, from their own job: one
        # message per account, sent in batches outside the program's lock.
        self.env.ref("subsidy_queue.ir_cron_notify_shoppers").sudo()._trigger()
        return settlement

    # ------------------------------------------------------------------
    # The shoppers' messages
    # ------------------------------------------------------------------

    @api.model
    def _cron_notify_shoppers(self, limit=500):
        """Send the messages of the settlements that paid shoppers, ``limit`` accounts a run.

        One message per account per settlement, whatever the number of its
        entries the run paid or completed. Each settlement row is locked
        (``SKIP LOCKED``: a second worker leaves it alone) and keeps how far
        its messages went, written in the transaction that posts them: a
        batch that rolls back is posted again whole, one that commits is never
        posted again. Re-triggers itself when the batch was full.
        """
        left = limit
        for settlement in self.sudo().search([("notify_state", "=", "pending")], order="id"):
            if not settlement._try_lock():
                continue
            left -= settlement._notify_shoppers(left)
            if left <= 0:
                self.env.ref("subsidy_queue.ir_cron_notify_shoppers").sudo()._trigger()
                break

    def _try_lock(self):
        """Lock this settlement's row unless another transaction holds it; say whether it is ours."""
        self.ensure_one()
        self.flush_recordset()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM subsidy_settlement WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED",
                self.id,
            )
        )
        locked = bool(self.env.cr.fetchone())
        self.invalidate_recordset()
        return locked and self.notify_state == "pending"

    def _notify_shoppers(self, limit):
        """Post the next ``limit`` accounts' messages of this (locked) settlement; return their number."""
        self.ensure_one()
        self.env["subsidy.pool.line"].flush_model()
        self.env["subsidy.entry"].flush_model(["state"])
        cr = self.env.cr
        cr.execute(
            SQL(
                """SELECT DISTINCT account_id FROM subsidy_pool_line
                    WHERE settlement_id = %s AND kind = 'allocation' AND account_id > %s
                 ORDER BY account_id LIMIT %s""",
                self.id,
                self.notified_account_id,
                limit,
            )
        )
        account_ids = [row[0] for row in cr.fetchall()]
        paid = defaultdict(list)
        if account_ids:
            # An entry this run completed: done, and this run's allocation was its last one.
            cr.execute(
                SQL(
                    """SELECT l.account_id, l.entry_id, -l.amount,
                              e.state = 'done' AND NOT EXISTS (
                                  SELECT 1 FROM subsidy_pool_line n
                                   WHERE n.entry_id = l.entry_id AND n.kind = 'allocation' AND n.id > l.id)
                         FROM subsidy_pool_line l
                         JOIN subsidy_entry e ON e.id = l.entry_id
                        WHERE l.settlement_id = %s AND l.kind = 'allocation' AND l.account_id = ANY(%s)
                     ORDER BY l.account_id, e.seq""",
                    self.id,
                    account_ids,
                )
            )
            for account_id, entry_id, amount, completed in cr.fetchall():
                paid[account_id].append((entry_id, amount, completed))
        accounts = self.env["subsidy.account"].sudo().browse(account_ids)
        self.env["subsidy.entry"].sudo().browse([row[0] for rows in paid.values() for row in rows]).mapped(
            "name"
        )  # one read for every entry named in the batch
        for account in accounts:
            try:
                with self.env.cr.savepoint():
                    account._notify_settlement(self, paid[account.id])
            except psycopg2.Error:
                raise  # a serialization failure: the whole batch is run again
            except Exception:
                # One shopper's message must not hold back everybody else's.
                _logger.exception("Settlement %s: no message for subsidy account %s", self.name, account.id)
        vals = {"notify_state": "sent" if len(account_ids) < limit else "pending"}
        if account_ids:
            vals["notified_account_id"] = account_ids[-1]
        self.write(vals)
        return len(account_ids)

    @api.model
    def _queue_head(self, program, funds):
        """Fetch the head of the queue: just the entries the funds can reach.

        Returns ``(slots, accounts, seqs)`` with ``accounts`` and ``seqs``
        mapping entry ids to their subsidy account ids and their turns.
        """
        self.env["subsidy.entry"].flush_model()
        extra = program.rotation_size if program.queue_mode == "rotation" else 0
        chunk = max(1000, extra)
        slots, accounts, seqs = [], {}, {}
        need = 0
        last_seq = 0
        while True:
            self.env.cr.execute(
                SQL(
                    """SELECT id, account_id, seq, target - received
                         FROM subsidy_entry
                        WHERE program_id = %s AND state = 'queued' AND seq > %s
                     ORDER BY seq LIMIT %s""",
                    program.id,
                    last_seq,
                    chunk,
                )
            )
            rows = self.env.cr.fetchall()
            for entry_id, account_id, seq, remaining in rows:
                units = program._units(remaining)
                if need >= funds:
                    if extra <= 0:
                        break
                    extra -= 1
                slots.append(Slot(entry_id, units))
                accounts[entry_id] = account_id
                seqs[entry_id] = seq
                need += units
                last_seq = seq
            else:
                if len(rows) == chunk:
                    continue
            break
        return slots, accounts, seqs

    # ------------------------------------------------------------------
    # Accounting
    # ------------------------------------------------------------------

    @api.model
    def _posted_up_to(self, program):
        """Id of the last ledger line of ``program`` in the general ledger (0: none)."""
        self.flush_model(["last_line_id", "program_id"])
        self.env.cr.execute(
            SQL(
                "SELECT COALESCE(MAX(last_line_id), 0) FROM subsidy_settlement WHERE program_id = %s",
                program.id,
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _post_pending(self, program):
        """Post what ``program``'s ledger holds and the general ledger does not
        yet, as a document of kind *posting*. The program must be locked.
        Returns the journal entry, or nothing when every line is posted."""
        groups = self._pending_groups(program)
        if not groups or not program.sudo()._has_accounting():
            return self.env["account.move"]
        posting = self.sudo().create({"program_id": program.id, "kind": "posting", "trigger": "cron"})
        return posting._post(groups)

    @api.model
    def _pending_groups(self, program):
        """The ledger lines of ``program`` not posted yet, aggregated for a journal entry."""
        self.env["subsidy.pool.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT l.kind, l.source, CASE WHEN l.kind = 'clawback' AND l.source = 'refund'
                                             THEN a.partner_id END,
                          SUM(l.amount), MAX(l.id)
                     FROM subsidy_pool_line l
                LEFT JOIN subsidy_account a ON a.id = l.account_id
                    WHERE l.program_id = %s AND l.id > %s
                 GROUP BY 1, 2, 3""",
                program.id,
                self._posted_up_to(program),
            )
        )
        return self.env.cr.fetchall()

    def _post(self, groups=None):
        """Post one journal entry for the ledger lines not posted yet; link it here.

        Contributions and reversals: subsidy expense against the pool.
        Allocations: the pool against the shoppers' payable. Clawbacks: the
        shoppers' payable (from their balance) or the shopper's receivable
        (withheld from the refund) against the pool. Lines are aggregated: a
        run or a day makes one entry whatever the number of orders. Lines
        that net to zero need no journal item; they are posted all the same.
        """
        self.ensure_one()
        program = self.program_id.sudo()
        if not program._has_accounting():
            return self.env["account.move"]
        groups = groups or self._pending_groups(program)
        if not groups:
            return self.env["account.move"]
        move_vals = self._prepare_move_vals(groups)
        move = self.env["account.move"]
        if move_vals["line_ids"]:
            move = self.env["account.move"].sudo().create(move_vals)
            move.action_post()
        self.write({"last_line_id": max(row[4] for row in groups), "move_id": move.id})
        return move

    def _add_wind_down_pairs(self, groups, pair):
        """A wind-down's postings: the operator funds what the pool lacks (expense
        against the pool), the queue's remainders move from the pool to the
        shoppers' store credit (a liability until spent), and what nobody is owed
        goes back from the pool to the expense. ``pair`` adds a balanced pair of lines."""
        program = self.program_id.sudo()
        totals = {
            kind: sum(row[3] for row in groups if row[0] == kind)
            for kind in ("funding", "conversion", "release")
        }
        if totals["conversion"] and not program.store_credit_account_id:
            raise UserError(_("Set the store credit account of %s before winding it down.", program.name))
        pair(
            _("The operator's funding of the wind-down"),
            program.expense_account_id,
            program.pool_account_id,
            totals["funding"],
        )
        pair(
            _("Queue converted to store credit"),
            program.pool_account_id,
            program.store_credit_account_id,
            -totals["conversion"],
        )
        pair(
            _("Pool released to the operator"),
            program.pool_account_id,
            program.expense_account_id,
            -totals["release"],
        )

    def _prepare_move_vals(self, groups):
        """Return balanced ``account.move`` values for aggregated ledger groups."""
        self.ensure_one()
        program = self.program_id.sudo()
        currency = program.currency_id
        lines = []

        def pair(label, debit_account, credit_account, amount, partner=None):
            amount = currency.round(amount)
            if currency.is_zero(amount):
                return
            if amount < 0:
                debit_account, credit_account, amount = credit_account, debit_account, -amount
            common = {"name": label, "subsidy_program_id": program.id, "partner_id": partner}
            lines.append((0, 0, dict(common, account_id=debit_account.id, debit=amount, credit=0.0)))
            lines.append((0, 0, dict(common, account_id=credit_account.id, debit=0.0, credit=amount)))

        contributions = sum(row[3] for row in groups if row[0] in ("contribution", "reversal"))
        allocations = -sum(row[3] for row in groups if row[0] == "allocation")
        pair(_("Pool contributions"), program.expense_account_id, program.pool_account_id, contributions)
        pair(_("Pool allocations"), program.pool_account_id, program.payable_account_id, allocations)
        from_balance = sum(row[3] for row in groups if row[0] == "clawback" and row[1] != "refund")
        pair(_("Clawback from balances"), program.payable_account_id, program.pool_account_id, from_balance)
        self._add_wind_down_pairs(groups, pair)
        for kind, source, partner_id, amount, _max_id in groups:
            if kind == "clawback" and source == "refund":
                partner = self.env["res.partner"].browse(partner_id)
                receivable = partner.with_company(program.company_id).property_account_receivable_id
                pair(
                    _("Clawback withheld from refund"),
                    receivable,
                    program.pool_account_id,
                    amount,
                    partner_id,
                )
        return {
            "move_type": "entry",
            "journal_id": program.journal_id.id,
            "company_id": program.company_id.id,
            "currency_id": currency.id,
            "date": fields.Date.context_today(self),
            "ref": _("%(program)s: %(ref)s", program=program.name, ref=self.name),
            "line_ids": lines,
        }
