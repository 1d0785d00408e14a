from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..engine import first_broken_link, line_hash


class SubsidyPoolLine(models.Model):
    """The pool ledger: append-only, hash-chained, one line per movement.

    Lines are appended by ``_append`` only, under the program's lock, and
    the program row keeps the tail (last line, hash, running balance): every
    change of a pool writes that row, so two workers can never both build on
    the same tail. Nobody edits or deletes a line.
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
            ("funding", "Operator's Funding (wind-down)"),
            ("conversion", "Converted to Store Credit"),
            ("release", "Released to the Operator"),
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
    # The same amount as people read it: what came in, and what was paid out, both positive.
    amount_in = fields.Monetary("Into the Pool", compute="_compute_amount_in_out")
    amount_out = fields.Monetary(
        "Out of the Pool",
        compute="_compute_amount_in_out",
        help="What left the pool: paid to an entry, a contribution reversed, store credit.",
    )
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
        # Idempotency in the database: one contribution per entry.
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS subsidy_pool_line_contribution_uniq
                   ON subsidy_pool_line (entry_id) WHERE kind = 'contribution'"""
        )
        # Refunds are idempotent by construction: an entry is recomputed from
        # the credit notes standing now, under the program's lock; the same
        # credit note may be reset, edited and posted again.
        self.env.cr.execute("DROP INDEX IF EXISTS subsidy_pool_line_reversal_uniq")
        # The 7- and 30-day inflow of the wait estimates.
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS subsidy_pool_line_inflow_idx
                   ON subsidy_pool_line (program_id, date) INCLUDE (amount)
                WHERE kind IN ('contribution', 'reversal')"""
        )
        # Programs whose ledger was written before the tail was kept on their row.
        self.env.cr.execute(
            """UPDATE subsidy_program p
                  SET pool_tail_line_id = l.id, pool_tail_hash = l.hash, pool_tail_balance = l.balance
                 FROM (SELECT DISTINCT ON (program_id) program_id, id, hash, balance
                         FROM subsidy_pool_line ORDER BY program_id, id DESC) l
                WHERE l.program_id = p.id AND p.pool_tail_hash IS NULL"""
        )
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS subsidy_pool_line_tail_idx
                   ON subsidy_pool_line (program_id, id DESC)"""
        )

    @api.depends("amount")
    def _compute_amount_in_out(self):
        for line in self:
            line.amount_in = max(line.amount, 0.0)
            line.amount_out = max(-line.amount, 0.0)

    def _compute_posted(self):
        Settlement = self.env["subsidy.settlement"]
        reached = {program: Settlement._posted_up_to(program) for program in self.program_id}
        for line in self:
            line.posted = bool(line.id) and line.id <= reached.get(line.program_id, 0)

    def _search_posted(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on the posting state."))
        posted = (operator == "=") == value
        self.env["subsidy.settlement"].flush_model(["program_id", "last_line_id"])
        return [
            (
                "id",
                "in",
                SQL(
                    """(SELECT l.id FROM subsidy_pool_line l
                         WHERE (l.id <= COALESCE((SELECT MAX(s.last_line_id) FROM subsidy_settlement s
                                                   WHERE s.program_id = l.program_id), 0)) = %s)""",
                    posted,
                ),
            )
        ]

    # ------------------------------------------------------------------
    # The chain
    # ------------------------------------------------------------------

    @api.model
    def _hash_content(self, program_id, kind, units, balance_units, entry_id, account_id, sale_order_id,
                      settlement_id, source, stamp, refund_move_id, name):  # fmt: skip
        """What a line's hash covers: everything it says, its label and credit note last."""
        return (
            program_id,
            kind,
            units,
            balance_units,
            entry_id or "",
            account_id or "",
            sale_order_id or "",
            settlement_id or "",
            source or "",
            stamp,
            refund_move_id or "",
            name or "",
        )

    @api.model
    def _append(self, program, rows):
        """Append lines to ``program``'s ledger: chained, with running balances.

        ``rows`` are dicts with ``kind``, ``amount_units`` (signed) and the
        optional ``entry_id``, ``account_id``, ``sale_order_id``,
        ``settlement_id``, ``refund_move_id``, ``source``, ``name``. The
        program must be locked (``program._lock()``). One INSERT for the whole
        batch, the columns passed as arrays, and one UPDATE of the tail.
        """
        if not rows:
            return []
        if program.state == "closed":
            # Its wind-down settled the pool to zero, for good (see subsidy.program._wind_down).
            raise UserError(_("The pool ledger of %s is closed: the program has ended.", program.name))
        self.flush_model()
        now = fields.Datetime.now()
        columns, prev_hash, balance = self._chain(program, rows, program._pool_tail(), now)
        self.env.cr.execute(self._insert_sql(program, columns, now))
        ids = [row[0] for row in self.env.cr.fetchall()]
        program._set_pool_tail(ids[-1], prev_hash, balance)
        self.invalidate_model()
        self.env["subsidy.pool.figures"]._add_lines(program, now, rows)
        return ids

    @api.model
    def _chain(self, program, rows, tail, now):
        """Chain ``rows`` (as ``_append`` takes them) onto ``tail``, ``(last hash, balance
        units)`` of ``program``'s ledger, at ``now``: ``(columns, last hash, balance)``,
        the columns as ``_insert_sql`` takes them."""
        prev_hash, balance = tail
        stamp = now.isoformat()
        columns = {
            name: []
            for name in (
                "kind", "units", "balance", "entry", "account", "sale_order", "settlement",
                "refund_move", "source", "name", "prev_hash", "hash",
            )
        }  # fmt: skip
        for row in rows:
            balance += row["amount_units"]
            content = self._hash_content(
                program.id,
                row["kind"],
                row["amount_units"],
                balance,
                row.get("entry_id"),
                row.get("account_id"),
                row.get("sale_order_id"),
                row.get("settlement_id"),
                row.get("source"),
                stamp,
                row.get("refund_move_id"),
                row.get("name"),
            )
            digest = line_hash(prev_hash, content)
            for name, value in (
                ("kind", row["kind"]),
                ("units", row["amount_units"]),
                ("balance", balance),
                ("entry", row.get("entry_id")),
                ("account", row.get("account_id")),
                ("sale_order", row.get("sale_order_id")),
                ("settlement", row.get("settlement_id")),
                ("refund_move", row.get("refund_move_id")),
                ("source", row.get("source")),
                ("name", row.get("name") or ""),
                ("prev_hash", prev_hash),
                ("hash", digest),
            ):
                columns[name].append(value)
            prev_hash = digest
        return columns, prev_hash, balance

    @api.model
    def _insert_sql(self, program, columns, now):
        """The INSERT of chained lines (``_chain``), ``RETURNING id`` in chain order."""
        return SQL(
            """INSERT INTO subsidy_pool_line
                   (program_id, kind, amount, balance, entry_id, account_id, sale_order_id,
                    settlement_id, refund_move_id, source, name, date, prev_hash, hash)
               SELECT %(program)s, t.kind, t.units * %(step)s::numeric,
                      t.balance * %(step)s::numeric, t.entry, t.account, t.sale_order, t.settlement,
                      t.refund_move, t.source, t.name, %(now)s, t.prev_hash, t.hash
                 FROM unnest(%(kind)s::varchar[], %(units)s::bigint[], %(balance)s::bigint[],
                             %(entry)s::int[], %(account)s::int[], %(sale_order)s::int[],
                             %(settlement)s::int[], %(refund_move)s::int[], %(source)s::varchar[],
                             %(name)s::varchar[], %(prev_hash)s::varchar[], %(hash)s::varchar[])
                      WITH ORDINALITY AS t(kind, units, balance, entry, account, sale_order,
                                           settlement, refund_move, source, name, prev_hash,
                                           hash, n)
             ORDER BY t.n
            RETURNING id""",
            program=program.id,
            step=program._step(),
            now=now,
            **columns,
        )

    @api.model
    def _find_broken(self, program):
        """Return the id of the first line of ``program``'s ledger whose hash
        does not hold (or ``"tail"``), or None when the chain is intact and
        ends where the program says it ends."""
        self.flush_model()
        tail_hash, tail_balance = program._pool_tail()
        cr = self.env.cr
        cr.execute(
            SQL(
                """SELECT id, kind, amount, balance, entry_id, account_id, sale_order_id,
                          settlement_id, source, date, refund_move_id, name, prev_hash, hash
                     FROM subsidy_pool_line WHERE program_id = %s ORDER BY id""",
                program.id,
            )
        )

        def lines():
            while rows := cr.fetchmany(5000):
                for row in rows:
                    content = self._hash_content(
                        program.id,
                        row[1],
                        program._units(row[2]),
                        program._units(row[3]),
                        *row[4:9],
                        row[9].isoformat(),
                        row[10],
                        row[11],
                    )
                    yield row[0], content, row[12], row[13]

        broken = first_broken_link(lines(), tail_hash=tail_hash)
        if broken is None:
            cr.execute(
                SQL(
                    """SELECT id, balance FROM subsidy_pool_line
                        WHERE program_id = %s ORDER BY id DESC LIMIT 1""",
                    program.id,
                )
            )
            last = cr.fetchone()
            if last and program._units(last[1]) != tail_balance:
                broken = last[0]
        return broken

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
