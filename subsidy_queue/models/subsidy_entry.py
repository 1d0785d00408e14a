from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..engine import (
    BLOCK_SIZE,
    block_of,
    estimate_wait,
    from_units,
    refund_figures,
    share,
    standing_from_sums,
    to_units,
)
from .subsidy_protected_mixin import DEFAULT_LIMIT

# Fields only the queue itself may change: no hand-edited amounts, no
# reordering, no state changes outside the workflow, no forged approvals.
PROTECTED_FIELDS = (
    "name",
    "program_id",
    "account_id",
    "partner_id",
    "seq",
    "channel",
    "origin",
    "base_amount",
    "refunded_base",
    "contribution_rate",
    "subsidy_rate",
    "cap_amount",
    "contribution",
    "target",
    "received",
    "state",
    "sale_order_id",
    "date_queued",
    "date_done",
    "date_cancelled",
    "cancel_reason",
    "void_reason",
    "void_requested_by_id",
    "void_approved_by_id",
    "credited",
    "date_converted",
)

STANDING_FIELDS = [
    "position",
    "amount_ahead",
    "paid_in_full_after",
    "wait_days_min",
    "wait_days_max",
    "wait_estimate",
]


class SubsidyEntry(models.Model):
    _name = "subsidy.entry"
    _description = "Subsidy Queue Entry"
    _inherit = ["mail.thread", "subsidy.protected.mixin"]
    # By the program's id, not its own order: the list reads the queue's index, no sort.
    _order = "program_id.id, seq"
    _check_company_auto = True
    _rec_name = "name"
    _protected_fields = PROTECTED_FIELDS

    name = fields.Char("Queue Number", required=True, readonly=True, index=True)
    # (program_id, seq) is indexed by its unique constraint.
    program_id = fields.Many2one("subsidy.program", required=True, readonly=True)
    company_id = fields.Many2one(related="program_id.company_id", store=True)
    currency_id = fields.Many2one(related="program_id.currency_id", store=True)
    account_id = fields.Many2one("subsidy.account", required=True, readonly=True, index=True)
    partner_id = fields.Many2one("res.partner", "Shopper", required=True, readonly=True, index=True)
    seq = fields.Integer("Turn", required=True, readonly=True)
    channel = fields.Selection(
        [("website", "Online Shop"), ("sale", "Back Office"), ("pos", "Point of Sale")],
        required=True,
        readonly=True,
    )
    sale_order_id = fields.Many2one("sale.order", readonly=True, index="btree_not_null")
    origin = fields.Char(readonly=True)
    base_amount = fields.Monetary("Eligible Amount", readonly=True)
    refunded_base = fields.Monetary("Refunded Amount", readonly=True)
    contribution_rate = fields.Float("Contribution (%)", digits=(5, 2), readonly=True)
    subsidy_rate = fields.Float("Subsidy (%)", digits=(5, 2), readonly=True)
    cap_amount = fields.Monetary(
        "Cap per Entry", readonly=True, help="The program's cap when this entry was created; 0 for none."
    )
    contribution = fields.Monetary("Pool Contribution", readonly=True)
    target = fields.Monetary("Target Subsidy", readonly=True)
    received = fields.Monetary(readonly=True)
    remaining = fields.Monetary("Still to Receive", compute="_compute_remaining")
    progress = fields.Float(compute="_compute_remaining")
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("done", "Paid in Full"),
            ("cancelled", "Cancelled"),
            ("expired", "Expired"),
            ("converted", "Store Credit"),
        ],
        default="queued",
        required=True,
        readonly=True,
        tracking=True,
    )
    date_queued = fields.Datetime(readonly=True, default=fields.Datetime.now)
    date_done = fields.Datetime("Paid in Full on", readonly=True)
    date_cancelled = fields.Datetime(readonly=True)
    cancel_reason = fields.Char(readonly=True, tracking=True)
    void_reason = fields.Char(readonly=True, tracking=True)
    void_requested_by_id = fields.Many2one("res.users", readonly=True, tracking=True)
    void_approved_by_id = fields.Many2one("res.users", readonly=True, tracking=True)
    # The program's wind-down: what the entry got as store credit instead of its remainder.
    credited = fields.Monetary("Store Credit", readonly=True)
    date_converted = fields.Datetime("Converted on", readonly=True)
    pool_line_ids = fields.One2many(
        "subsidy.pool.line", "entry_id", readonly=True, groups="subsidy_queue.group_subsidy_user"
    )

    position = fields.Integer(compute="_compute_standing")
    amount_ahead = fields.Monetary(compute="_compute_standing")
    paid_in_full_after = fields.Monetary(compute="_compute_standing")
    wait_days_min = fields.Integer("Estimated Wait from (days)", compute="_compute_standing")
    wait_days_max = fields.Integer("Estimated Wait to (days)", compute="_compute_standing")
    wait_estimate = fields.Char("Estimated Wait", compute="_compute_standing")

    _sql_constraints = [
        ("sale_order_uniq", "unique(sale_order_id)", "An order takes one place in the queue only."),
        ("program_seq_uniq", "unique(program_id, seq)", "Two entries cannot share a turn."),
        (
            "amounts_valid",
            "CHECK(received >= 0 AND received <= target AND target >= 0)",
            "An entry can never receive more than its target.",
        ),
        (
            "credited_valid",
            "CHECK(credited >= 0 AND received + credited <= target)",
            "An entry's store credit and what it received never exceed its target.",
        ),
    ]

    def init(self):
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS subsidy_entry_queue_idx
                   ON subsidy_entry (program_id, seq) INCLUDE (target, received)
                WHERE state = 'queued'"""
        )
        # A shopper's queued entries and the best placed one (the till's lookup, the portal's card).
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS subsidy_entry_account_queue_idx
                   ON subsidy_entry (account_id, seq) WHERE state = 'queued'"""
        )

    @api.depends("state", "target", "received", "credited")
    def _compute_remaining(self):
        """What the entry still waits for, and the share of its target it got.

        Only a queued entry waits for anything: one that left the queue (cancelled,
        voided, expired, converted to store credit) receives nothing more. Only an entry
        paid in full is at 100 %; the others show what they got (store credit included),
        0 % when nothing is left of their target (a refunded order).
        """
        for entry in self:
            queued = entry.state == "queued"
            entry.remaining = entry.currency_id.round(entry.target - entry.received) if queued else 0.0
            if entry.state == "done":
                entry.progress = 100.0
            elif entry.currency_id.is_zero(entry.target):
                entry.progress = 0.0
            else:
                entry.progress = min(100.0, 100.0 * (entry.received + entry.credited) / entry.target)

    @api.depends_context("lang")
    def _compute_standing(self):
        """Standing of a batch of entries (a list page, a portal page): a fixed number of
        queries for the whole batch, one of them per program, never one per entry. The
        wait is said in the reader's language (a receipt at a till in another one than the
        sync's, a page read in two languages in one request)."""
        self.env["subsidy.entry"].flush_model(["state", "target", "received", "seq", "program_id"])
        queued = self.filtered(lambda e: e.state == "queued" and e.id)
        (self - queued).update(
            {
                "position": 0,
                "amount_ahead": 0.0,
                "paid_in_full_after": 0.0,
                "wait_days_min": 0,
                "wait_days_max": 0,
                "wait_estimate": False,
            }
        )
        # Per program, one statement: its queue's totals, its pool and its inflow.
        queued._set_standing({program: program.sudo()._queue_figures() for program in queued.program_id})

    def _set_standing(self, figures):
        """Set the standing fields of these queued entries from ``figures``, their programs'
        ``_queue_figures`` by program (by ``_compute_standing``, or by ``_enqueue`` for the
        entry it queued, from what its own statements read and wrote)."""
        standing = self._standing_units_batch(figures)
        texts = {}  # the same wait is said the same way: one translation per page
        now = fields.Datetime.now()
        week, month = now - timedelta(days=7), now - timedelta(days=30)
        for entry in self:
            program = entry.program_id
            _count, _outstanding, balance, in7, in30, _last_seq = figures[program]
            step = program.currency_id.rounding
            position, ahead, after = standing[entry.id] if entry.id in standing else entry._standing_units()
            # The entry's own contribution is a payment it made, not a rate of sales: the
            # recent inflow leaves it out, or a bigger purchase would be promised a shorter
            # wait (it counts where it is: in the pool, or paid out to the queue).
            joined = entry.date_queued
            if joined and joined > month:
                own = to_units(entry.contribution, step)
                in30 = max(0, in30 - own)
                if joined > week:
                    in7 = max(0, in7 - own)
            estimate = estimate_wait(after, balance, in7, in30)
            key = (estimate.needed == 0, estimate.days_min, estimate.days_max)
            if key not in texts:
                texts[key] = entry._format_estimate(estimate)
            entry.position = position
            entry.amount_ahead = from_units(ahead, step)
            entry.paid_in_full_after = from_units(after, step)
            entry.wait_days_min = estimate.days_min or 0
            entry.wait_days_max = estimate.days_max or 0
            entry.wait_estimate = texts[key]

    def _standing_units_batch(self, figures=None):
        """``{entry id: (position, amount_ahead, paid_in_full_after)}`` in units, for the
        queued entries of ``self``, in one query (none for the newest entry of a program
        whose ``_queue_figures`` the caller read, in ``figures`` by program).

        The same sums as ``_standing_units``, for many entries at once: the block sums
        of each program added up once (a running total over its blocks, a few hundred
        rows at a million entries), and the queued entries of each block the batch
        touches numbered once, up to the batch's last entry in it (at most
        ``BLOCK_SIZE`` rows of the queue's index per block). A list page sorted by turn
        touches one or two blocks. Each block is read by its own indexed range with
        constant bounds: PostgreSQL sees how few rows that is (on a vague estimate it
        would compile the query, which costs more than running it).
        """
        entries = self.filtered(lambda e: e.state == "queued" and e.id)
        if not entries:
            return {}
        known = len(entries) == 1 and (figures or {}).get(entries.program_id)
        if len(entries) == 1 and entries.seq == (known[5] if known else entries.program_id.sudo().last_seq):
            # The newest entry (a receipt, a confirmation page): last in the queue, behind
            # everything the block sums hold. One sum over them, no numbering of its block.
            program = entries.program_id
            count, outstanding = known[:2] if known else program._queue_totals()
            remaining = program._units(entries.target) - program._units(entries.received)
            return {entries.id: standing_from_sums(count - 1, outstanding - remaining, remaining)}
        self.env["subsidy.queue.block"].flush_model()
        last_seq = defaultdict(int)
        for entry in entries:
            key = (entry.program_id.id, block_of(entry.seq))
            last_seq[key] = max(last_seq[key], entry.seq)
        in_block = SQL(" UNION ALL ").join(
            SQL(
                """(SELECT e.id, e.program_id, %(block)s AS block,
                           COUNT(*) OVER w - 1 AS count_before,
                           SUM(e.target - e.received) OVER w - (e.target - e.received)
                               AS outstanding_before,
                           e.target - e.received AS remaining
                      FROM subsidy_entry e
                     WHERE e.program_id = %(program)s AND e.state = 'queued'
                       AND e.seq >= %(low)s AND e.seq <= %(high)s
                    WINDOW w AS (ORDER BY e.seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW))""",
                block=block,
                program=program_id,
                low=block * BLOCK_SIZE,
                high=seq,
            )
            for (program_id, block), seq in sorted(last_seq.items())
        )
        self.env.cr.execute(
            SQL(
                """WITH blocks AS (
                       SELECT b.program_id, b.block,
                              SUM(b.queued_count) OVER w - b.queued_count AS count_before,
                              SUM(b.outstanding) OVER w - b.outstanding AS outstanding_before
                         FROM subsidy_queue_block b
                        WHERE b.program_id = ANY(%(programs)s)
                       WINDOW w AS (PARTITION BY b.program_id ORDER BY b.block)),
                   in_block AS (%(in_block)s)
                   SELECT i.id, i.program_id, b.count_before + i.count_before,
                          b.outstanding_before + i.outstanding_before, i.remaining
                     FROM in_block i
                     JOIN blocks b ON b.program_id = i.program_id AND b.block = i.block
                    WHERE i.id = ANY(%(ids)s)""",
                programs=sorted({program_id for program_id, _block in last_seq}),
                in_block=in_block,
                ids=entries.ids,
            )
        )
        programs = {program.id: program for program in entries.program_id}
        result = {}
        for entry_id, program_id, count, outstanding, remaining in self.env.cr.fetchall():
            units = programs[program_id]._units
            result[entry_id] = standing_from_sums(count, units(outstanding), units(remaining))
        return result

    def _portal_values(self):
        """What the shopper's app and portal show of an entry: no other shopper's data."""
        self.ensure_one()
        queued = self.state == "queued"
        return {
            "id": self.id,
            "name": self.name,
            "order": self.origin or None,
            "state": self.state,
            "date_queued": fields.Datetime.to_string(self.date_queued),
            "base_amount": self.base_amount,
            "target": self.target,
            "received": self.received,
            "remaining": self.remaining,
            "progress": round(self.progress, 1),
            "position": self.position if queued else None,
            "amount_ahead": self.amount_ahead if queued else None,
            "paid_in_full_after": self.paid_in_full_after if queued else None,
            "wait_days_min": self.wait_days_min if queued else None,
            "wait_days_max": self.wait_days_max if queued else None,
            "wait_estimate": (self.wait_estimate or None) if queued else None,
            "currency": self.currency_id.name,
        }

    @api.model
    def _shopper_page(self, partner, state=None, limit=DEFAULT_LIMIT, offset=0):
        """The shopper's entries, one page, for the portal and the API: ``(entries, total)``.

        Queued entries come first, in their turn; then the others, newest first.
        """
        mine = [("partner_id", "child_of", partner.commercial_partner_id.id)]
        queued = (mine + [("state", "=", "queued")], "program_id, seq, id")
        history = "date_queued desc, id desc"
        if state == "queued":
            parts = [queued]
        elif state:
            parts = [(mine + [("state", "=", state)], history)]
        else:
            parts = [queued, (mine + [("state", "!=", "queued")], history)]
        return self._read_pages(parts, limit, offset)

    def _portal_order_url(self):
        """The portal page of the entry's sale order, when it has one."""
        self.ensure_one()
        return self.sudo().sale_order_id.access_url or False

    def _portal_movements(self):
        """What moved for this entry, oldest first, as the shopper reads it.

        One row per pool ledger line of the entry: what the purchase put into
        the pool, what each settlement paid, what refunds gave back or took
        back, with the date and the document it came from. ``to_you`` rows
        carry an amount signed for the shopper (+ received, − taken back);
        the others are the pool's side of the purchase. The caller has
        checked that the entry is the shopper's own.
        """
        self.ensure_one()
        lines = self.env["subsidy.pool.line"].sudo().search([("entry_id", "=", self.id)], order="date, id")
        rows = []
        for line in lines:
            to_you = True
            amount = -line.amount
            if line.kind == "contribution":
                label, to_you, amount = _("Your purchase paid into the pool"), False, line.amount
                source = line.sale_order_id.name or self.origin
            elif line.kind == "allocation":
                label, source = _("Paid to you by the queue"), line.settlement_id.name
            elif line.kind == "reversal":
                label = (
                    _("Refund: the pool gave the contribution back")
                    if line.amount < 0
                    else _("Refund undone: the contribution came back")
                )
                to_you, amount = False, line.amount
                source = line.refund_move_id.name or line.name or self.origin
            elif line.kind == "clawback":
                label = (
                    _("Taken back from your balance after a refund")
                    if line.source == "balance"
                    else _("Withheld from your refund")
                )
                source = line.refund_move_id.name or line.name or self.origin
            else:
                label = dict(line._fields["kind"]._description_selection(self.env))[line.kind]
                source = line.settlement_id.name or self.origin
            rows.append(
                {
                    "date": line.date,
                    "label": label,
                    "source": source or "",
                    "amount": amount,
                    "to_you": to_you,
                    "currency": self.currency_id,
                }
            )
        return rows

    def _format_estimate(self, estimate):
        """The wait in words, for the portal, the shop's badge and the app. A wait is a whole
        number of days, at least 1 once something is needed: one day is said in the singular
        (a range ends above 1, so it is always plural)."""
        if estimate.needed == 0:
            return _("Next settlement run")
        if estimate.days_min is None:
            return _("No estimate: no sales in the last 30 days")
        if estimate.days_max is None:
            if estimate.days_min == 1:
                return _("At least 1 day (recent sales are too low to say more)")
            return _("At least %s days (recent sales are too low to say more)", estimate.days_min)
        if estimate.days_min == estimate.days_max:
            if estimate.days_min == 1:
                return _("About 1 day, if sales go on as recently")
            return _("About %s days, if sales go on as recently", estimate.days_min)
        return _(
            "%(low)s to %(high)s days, if sales go on as recently",
            low=estimate.days_min,
            high=estimate.days_max,
        )

    def _standing_units(self):
        """Return ``(position, amount_ahead, paid_in_full_after)`` in units.

        Two indexed reads: the block sums before the entry's block, and the
        queued entries of its own block before it.
        """
        self.ensure_one()
        program = self.program_id
        block = block_of(self.seq)
        cr = self.env.cr
        cr.execute(
            SQL(
                """SELECT COALESCE(SUM(queued_count), 0), COALESCE(SUM(outstanding), 0)
                     FROM subsidy_queue_block WHERE program_id = %s AND block < %s""",
                program.id,
                block,
            )
        )
        count, outstanding = cr.fetchone()
        cr.execute(
            SQL(
                """SELECT COUNT(*), COALESCE(SUM(target - received), 0)
                     FROM subsidy_entry
                    WHERE program_id = %s AND state = 'queued' AND seq >= %s AND seq < %s""",
                program.id,
                block * BLOCK_SIZE,
                self.seq,
            )
        )
        in_block, in_block_outstanding = cr.fetchone()
        return standing_from_sums(
            count + in_block,
            program._units(outstanding) + program._units(in_block_outstanding),
            program._units(self.target - self.received),
        )

    def _compute_display_name(self):
        for entry in self:
            entry.display_name = entry.name or _("New Entry")

    # ------------------------------------------------------------------
    # Protection
    # ------------------------------------------------------------------

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_("Queue entries cannot be deleted; they can only be voided."))

    # ------------------------------------------------------------------
    # Creation
    # ------------------------------------------------------------------

    @api.model
    def _enqueue(self, program, partner, base_units, channel, origin, extra_vals=None):
        """Create an entry and its pool contribution for a paid order.

        ``program`` is locked by the caller, or by the first statement here, which
        writes its row as ``subsidy.program._lock`` does (under REPEATABLE READ, it
        fails on a row changed since this transaction's snapshot): what was read of
        the program before is current. Returns the new entry.
        """
        if program.state != "open":
            raise UserError(_("The program %s is closed: it takes no more entries.", program.name))
        contribution_units = share(base_units, program.contribution_rate)
        target_units = share(base_units, program.subsidy_rate)
        if program.cap_amount:
            target_units = min(target_units, program._units(program.cap_amount))
        cr = self.env.cr
        program.flush_recordset()
        self.env["subsidy.pool.line"].flush_model()
        self.env["subsidy.queue.block"].flush_model()
        # The turn, the entry's id, the ledger's tail and the account, in the statement that
        # takes the turn, with the queue's figures before it (the new entry's standing).
        cr.execute(
            SQL(
                """WITH taken AS (
                       UPDATE subsidy_program
                          SET last_seq = COALESCE(last_seq, 0) + 1, queue_version = queue_version + 1
                        WHERE id = %(program)s
                    RETURNING last_seq, nextval('subsidy_entry_id_seq') AS entry_id,
                              pool_tail_hash, pool_tail_balance,
                              (SELECT id FROM subsidy_account
                                WHERE program_id = %(program)s AND partner_id = %(partner)s) AS account_id)
                   SELECT t.last_seq, t.entry_id, t.pool_tail_hash, t.pool_tail_balance, t.account_id, f.*
                     FROM taken t, (%(figures)s) f""",
                program=program.id,
                partner=partner.commercial_partner_id.id,
                figures=program._queue_figures_sql(),
            )
        )
        seq, entry_id, tail_hash, tail_balance, account_id, *before = cr.fetchone()
        program.invalidate_recordset(["last_seq", "queue_version"], flush=False)
        if not account_id:
            account_id = self.env["subsidy.account"]._get_or_create(program, partner).id
        now = fields.Datetime.now()
        vals = {
            "id": entry_id,
            "name": f"{program.code}{seq:07d}",
            "program_id": program.id,
            # Stored related fields, given: no second UPDATE to compute them.
            "company_id": program.company_id.id,
            "currency_id": program.currency_id.id,
            "account_id": account_id,
            "partner_id": partner.id,
            "seq": seq,
            "channel": channel,
            "origin": origin,
            "base_amount": program._amount(base_units),
            "contribution_rate": program.contribution_rate,
            "subsidy_rate": program.subsidy_rate,
            "cap_amount": program.cap_amount,
            "contribution": program._amount(contribution_units),
            "target": program._amount(target_units),
            "received": 0.0,
            "state": "queued" if target_units > 0 else "done",
            "date_queued": now,
        }
        vals.update(extra_vals or {})
        rows = [
            {
                "kind": "contribution",
                "amount_units": contribution_units,
                "entry_id": entry_id,
                "account_id": account_id,
                "sale_order_id": vals.get("sale_order_id"),
                "name": origin,
            }
        ]
        # The entry, its turn in the block sums, its contribution to the pool ledger, the
        # ledger's day figures and tail: one statement, each part written by its model.
        Line = self.env["subsidy.pool.line"]
        tail = program._pool_tail_of(tail_hash, tail_balance)
        columns, last_hash, balance = Line._chain(program, rows, tail, now)
        vals = self._insert_values(vals)
        parts = {
            "entry": self._insert_sql(vals),
            "line": Line._insert_sql(program, columns, now),
            "day": self.env["subsidy.pool.figures"]._add_lines_sql(program, now, rows),
        }
        if target_units > 0:
            turn = {block_of(seq): (1, target_units)}
            parts["block"] = self.env["subsidy.queue.block"]._move_sql(program, turn)
        cr.execute(
            SQL(
                "WITH %s %s",
                SQL(", ").join(SQL("%s AS (%s)", SQL.identifier(name), part) for name, part in parts.items()),
                program._set_pool_tail_sql(SQL('(SELECT MAX(id) FROM "line")'), last_hash, balance),
            )
        )
        self.env["subsidy.queue.block"]._moved()
        Line.invalidate_model()
        program._pool_tail_set()
        entry = self._inserted(vals)
        if entry.state == "queued":
            # Its standing, from the figures before it and what it added: last in the queue.
            count, outstanding, _balance, in7, in30, _last_seq = program._queue_figures_of(before)
            after = (
                count + 1,
                outstanding + target_units,
                balance,
                in7 + contribution_units,
                in30 + contribution_units,
                seq,
            )
            with self.env.protecting([self._fields[name] for name in STANDING_FIELDS], entry):
                entry._set_standing({program: after})
        return entry

    @api.model
    def _insert_values(self, vals):
        """Every column of a new entry of ``vals``, as ``_insert_sql`` writes them.

        Entries are born only here, from the workflow, on every paid order of
        every till: the ORM's create (defaults, tracking, followers, company
        checks, a second UPDATE for stored related fields) costs more than the
        rest of the queueing together, and none of it applies. ``vals`` holds
        every column the entry needs (its ``id``, the related ``company_id`` and
        ``currency_id`` included); an unknown or non-stored name is a bug.
        """
        now = fields.Datetime.now()
        vals = dict(
            {"date_queued": now, "refunded_base": 0.0, "received": 0.0, "credited": 0.0},
            **vals,
            create_uid=self.env.uid,
            write_uid=self.env.uid,
            create_date=now,
            write_date=now,
        )
        for name in vals:
            field = self._fields[name]
            if not field.store or not field.column_type:
                raise ValueError(f"subsidy.entry._insert_values: {name} is not a column")
        return vals

    @api.model
    def _insert_sql(self, vals):
        """The INSERT of one new entry of ``_insert_values``."""
        return SQL(
            "INSERT INTO subsidy_entry (%s) VALUES %s",
            SQL(", ").join(SQL.identifier(name) for name in vals),
            tuple(vals.values()),
        )

    @api.model
    def _inserted(self, vals):
        """The entry of ``vals`` (``_insert_values``) was inserted in SQL: the records it
        points at list it now (their cached one2manys are dropped), and the cache holds
        what it was written with (a receipt reads it without a query). Returns it."""
        for name in vals:
            for inverse in self.pool.field_inverses[self._fields[name]]:
                self.env[inverse.model_name].invalidate_model([inverse.name], flush=False)
        entry = self.browse(vals["id"])
        entry._update_cache(vals, validate=False)
        return entry

    # ------------------------------------------------------------------
    # Settlement
    # ------------------------------------------------------------------

    @api.model
    def _apply_allocations(self, program, settlement, paid, remaining, accounts, seqs):
        """Write a run's allocations in a few set-based statements.

        ``paid`` is the engine's ``[(entry_id, units)]``; ``remaining``,
        ``accounts`` and ``seqs`` map entry ids to what they needed, to their
        account and to their turn.
        """
        if not paid:
            return
        now = fields.Datetime.now()
        per_account = defaultdict(int)
        per_block = defaultdict(lambda: [0, 0])
        ids, units, done = [], [], []
        for entry_id, amount in paid:
            complete = amount == remaining[entry_id]
            ids.append(entry_id)
            units.append(amount)
            done.append(complete)
            per_account[accounts[entry_id]] += amount
            block = per_block[block_of(seqs[entry_id])]
            block[0] -= 1 if complete else 0
            block[1] -= amount
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """UPDATE subsidy_entry AS e
                      SET received = e.received + v.units * %(step)s::numeric,
                          state = CASE WHEN v.done THEN 'done' ELSE e.state END,
                          date_done = CASE WHEN v.done THEN %(now)s ELSE e.date_done END,
                          write_date = %(now)s, write_uid = %(uid)s
                     FROM unnest(%(ids)s::int[], %(units)s::bigint[], %(done)s::bool[]) AS v(id, units, done)
                    WHERE e.id = v.id""",
                step=program._step(),
                now=now,
                uid=self.env.uid,
                ids=ids,
                units=units,
                done=done,
            )
        )
        program._append_pool_lines(
            [
                {
                    "kind": "allocation",
                    "amount_units": -amount,
                    "entry_id": entry_id,
                    "account_id": accounts[entry_id],
                    "settlement_id": settlement.id,
                }
                for entry_id, amount in paid
            ]
        )
        self.env["subsidy.account"]._add_received(program, per_account)
        self.env["subsidy.queue.block"]._move(program, {block: tuple(d) for block, d in per_block.items()})
        self.invalidate_model()

    # ------------------------------------------------------------------
    # Leaving the queue
    # ------------------------------------------------------------------

    def _leave_queue(self, state, reason=None):
        """Take queued entries out of the queue (cancel, void, expire)."""
        per_program = defaultdict(lambda: self.env["subsidy.entry"])
        for entry in self:
            per_program[entry.program_id] |= entry
        for program, entries in per_program.items():
            program._lock()
            entries.invalidate_recordset()
            queued = entries.filtered(lambda e: e.state == "queued")
            deltas = defaultdict(lambda: [0, 0])
            for entry in queued:
                delta = deltas[block_of(entry.seq)]
                delta[0] -= 1
                delta[1] -= program._units(entry.target - entry.received)
            self.env["subsidy.queue.block"]._move(program, {b: tuple(d) for b, d in deltas.items()})
            vals = {"state": state, "date_cancelled": fields.Datetime.now()}
            if reason:
                vals["cancel_reason"] = reason
            queued._workflow().write(vals)

    def _sync_refund(self, refunded_units, refund_move=None, reason=None, give_back=None):
        """Bring the entry to what ``refunded_units`` of refunds leave of it.

        ``refunded_units`` is what every refund standing now takes off the
        order's eligible amount, in all (not one more credit note): the entry
        is recomputed from its original base at its own rates and cap, so a
        credit note edited, re-posted or cancelled later, or the same document
        seen twice, moves it exactly to where it belongs. ``give_back`` are
        credit notes that no longer stand: what was clawed back for them is
        returned first. The contribution follows (a reversal line, positive
        when a refund is undone); what the entry received above its new target
        is clawed back per the program's policy. A voided or expired entry
        never comes back to the queue. The program must be locked.
        """
        self.ensure_one()
        if self.program_id.state == "closed":
            return self._refund_after_close(reason)
        program = self.program_id
        units = program._units
        common = {
            "entry_id": self.id,
            "account_id": self.account_id.id,
            "sale_order_id": self.sale_order_id.id or None,
            "refund_move_id": refund_move.id if refund_move else None,
            "name": reason or "",
        }
        lines, given_back, balance_back = self._clawbacks_given_back(give_back, common)
        received = units(self.received) + given_back
        original = units(self.base_amount) + units(self.refunded_base)
        refunded_units = min(max(0, refunded_units), original)
        figures = refund_figures(
            original,
            refunded_units,
            received,
            self.contribution_rate,
            self.subsidy_rate,
            units(self.cap_amount) if self.cap_amount else None,
        )
        if not lines and refunded_units == units(self.refunded_base):
            return False
        reversal = figures.contribution - units(self.contribution)
        if reversal:
            lines.append(dict(common, kind="reversal", amount_units=reversal))
        from_balance = 0
        if figures.clawback:
            if program.clawback_policy == "balance":
                from_balance = min(figures.clawback, self.account_id._lock_balance_units() + balance_back)
            if from_balance:
                lines.append(dict(common, kind="clawback", amount_units=from_balance, source="balance"))
            if figures.clawback - from_balance:
                lines.append(
                    dict(
                        common, kind="clawback", amount_units=figures.clawback - from_balance, source="refund"
                    )
                )
        if balance_back - from_balance:
            self.account_id._clawback(from_balance - balance_back)
        received -= figures.clawback
        was_queued = self.state == "queued"
        state = self.state
        comes_back = state in ("queued", "done") or (state == "cancelled" and not self.void_approved_by_id)
        vals = {
            "base_amount": program._amount(figures.base),
            "refunded_base": program._amount(refunded_units),
            "target": program._amount(figures.target),
            "contribution": program._amount(figures.contribution),
            "received": program._amount(received),
        }
        if comes_back:
            if figures.cancelled:
                state = "cancelled"
                vals.update(date_cancelled=fields.Datetime.now(), cancel_reason=reason or _("Order refunded"))
            elif received >= figures.target:
                state = "done"
                vals["date_done"] = self.date_done or fields.Datetime.now()
            else:
                state = "queued"
                vals.update(date_done=False, date_cancelled=False, cancel_reason=False)
            vals["state"] = state
        old = (1, units(self.target) - units(self.received)) if was_queued else (0, 0)
        new = (1, figures.target - received) if state == "queued" else (0, 0)
        if old != new:
            self.env["subsidy.queue.block"]._move(
                program, {block_of(self.seq): (new[0] - old[0], new[1] - old[1])}
            )
        self._workflow().write(vals)
        program._append_pool_lines(lines)
        return True

    def _clawbacks_given_back(self, moves, common):
        """Ledger lines returning what was clawed back for credit notes that no
        longer stand; with the units back on the entry and those back on the balance."""
        self.ensure_one()
        if not moves:
            return [], 0, 0
        units = self.program_id._units
        clawbacks = self.env["subsidy.pool.line"].search(
            [("entry_id", "=", self.id), ("kind", "=", "clawback"), ("refund_move_id", "in", moves.ids)]
        )
        totals = defaultdict(int)
        for line in clawbacks:
            totals[line.refund_move_id, line.source] += units(line.amount)
        lines, received, balance = [], 0, 0
        for (move, source), amount in totals.items():
            if not amount:
                continue
            lines.append(
                dict(
                    common,
                    kind="clawback",
                    amount_units=-amount,
                    source=source,
                    refund_move_id=move.id,
                    name=_("Credit note %s no longer stands", move.name),
                )
            )
            received += amount
            balance += amount if source == "balance" else 0
        return lines, received, balance

    # ------------------------------------------------------------------
    # Voids
    # ------------------------------------------------------------------

    def action_request_void(self):
        self.ensure_one()
        self._require_manager()
        return {
            "type": "ir.actions.act_window",
            "name": _("Void Entry"),
            "res_model": "subsidy.entry.void",
            "view_mode": "form",
            "target": "new",
            "context": {"default_entry_id": self.id},
        }

    def _check_voidable(self):
        for entry in self:
            if entry.state == "done":
                raise UserError(_("Entry %s is already paid in full and cannot be voided.", entry.name))
            if entry.state != "queued":
                raise UserError(_("Entry %s is no longer in the queue.", entry.name))

    def _request_void(self, reason):
        """Ask for a void, as the current user: the requester is who calls, never a value passed in."""
        self.ensure_one()
        self._require_manager()
        self._check_voidable()
        if not (reason or "").strip():
            raise UserError(_("Give the reason of the void."))
        if self.void_requested_by_id:
            raise UserError(_("A void of entry %s is already waiting for approval.", self.name))
        self._workflow().write({"void_reason": reason.strip(), "void_requested_by_id": self.env.uid})
        self.message_post(body=_("Void requested: %s", reason.strip()))

    def action_approve_void(self):
        self._require_manager()
        for entry in self:
            entry._check_voidable()
            if not entry.void_requested_by_id:
                raise UserError(_("Nobody asked to void entry %s.", entry.name))
            if entry.void_requested_by_id == self.env.user:
                raise UserError(
                    _("A second manager must approve the void of entry %s, not its requester.", entry.name)
                )
            entry._workflow()._leave_queue("cancelled", _("Voided: %s", entry.void_reason))
            entry._workflow().write({"void_approved_by_id": self.env.uid})
            entry.message_post(body=_("Void approved; the entry left the queue."))

    def action_reject_void(self):
        self._require_manager()
        for entry in self.filtered("void_requested_by_id"):
            entry.message_post(body=_("Void request rejected."))
            entry._workflow().write({"void_reason": False, "void_requested_by_id": False})

    @api.model
    def _cron_expire(self, limit=1000):
        """Expire queued entries older than their program allows; re-trigger when a batch was full."""
        now = fields.Datetime.now()
        full = False
        for program in self.env["subsidy.program"].sudo().search([("entry_expiry_days", ">", 0)]):
            cutoff = now - timedelta(days=program.entry_expiry_days)
            entries = self.sudo().search(
                [("program_id", "=", program.id), ("state", "=", "queued"), ("date_queued", "<", cutoff)],
                order="seq",
                limit=limit,
            )
            entries._leave_queue("expired", _("Expired"))
            full = full or len(entries) >= limit
        if full:
            self.env.ref("subsidy_queue.ir_cron_expire")._trigger()

    # ------------------------------------------------------------------
    # Wind-down: the queue's remainders to store credit
    # ------------------------------------------------------------------

    @api.model
    def _convert_to_credit(self, program, credits, rows):
        """Every queued entry of ``program`` leaves the queue with its store credit.

        ``credits``: the engine's ``[(entry_id, units)]`` (every queued entry,
        0 included); ``rows``: ``(entry_id, account_id, seq, remaining)`` of the
        same entries. The program must be locked. One set-based update of the
        entries, the block sums and the accounts; returns ``{account_id: units}``.
        """
        if not credits:
            return {}
        accounts = {row[0]: row[1] for row in rows}
        per_account = defaultdict(int)
        per_block = defaultdict(lambda: [0, 0])
        for _entry_id, _account_id, seq, remaining in rows:
            block = per_block[block_of(seq)]
            block[0] -= 1
            block[1] -= program._units(remaining)
        for entry_id, units in credits:
            per_account[accounts[entry_id]] += units
        self.flush_model()
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """UPDATE subsidy_entry AS e
                      SET state = 'converted', credited = v.units * %(step)s::numeric,
                          date_converted = %(now)s, write_date = %(now)s, write_uid = %(uid)s
                     FROM unnest(%(ids)s::int[], %(units)s::bigint[]) AS v(id, units)
                    WHERE e.id = v.id AND e.state = 'queued'""",
                step=program._step(),
                now=now,
                uid=self.env.uid,
                ids=[entry_id for entry_id, _units in credits],
                units=[units for _entry_id, units in credits],
            )
        )
        if self.env.cr.rowcount != len(credits):
            raise UserError(_("The queue of %s changed during its wind-down; try again.", program.name))
        self.env["subsidy.queue.block"]._move(program, {block: tuple(d) for block, d in per_block.items()})
        self.env["subsidy.account"]._add_credited(program, per_account)
        self.invalidate_model()
        return dict(per_account)

    def _refund_after_close(self, reason):
        """A refund of an order whose program is closed: its ledger takes no more lines.

        What the entry received or got as store credit stays with the shopper;
        the refund is noted on the entry for the audit trail.
        """
        self.ensure_one()
        self.sudo().message_post(
            body=_(
                "%(reason)s: the program %(program)s is closed, its pool and this entry no longer change.",
                reason=reason or _("Refund"),
                program=self.program_id.name,
            )
        )
        return False

    # ------------------------------------------------------------------
    # The shopper's app
    # ------------------------------------------------------------------

    def _allocation_values(self):
        """What the entry received, and what was taken back, in order: for its owner's app.

        ``amount`` is as the shopper sees it: positive when paid to the entry (an
        allocation of a settlement, store credit at a wind-down), negative when
        taken back after a refund (``source``: from the balance or the refund).
        """
        self.ensure_one()
        lines = (
            self.env["subsidy.pool.line"]
            .sudo()
            .search(
                [("entry_id", "=", self.id), ("kind", "in", ("allocation", "clawback", "conversion"))],
                order="date, id",
            )
        )
        return [
            {
                "date": fields.Datetime.to_string(line.date),
                "kind": line.kind,
                "amount": self.currency_id.round(-line.amount),
                "settlement": line.settlement_id.name or None,
                "source": line.source or None,
            }
            for line in lines
        ]
