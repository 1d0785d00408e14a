from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL

# Ledger kind -> column of a day's row; each holds the ledger's signed sum of that kind.
# Any other kind (a wind-down's funding, conversion, release) adds to ``other``: the
# columns of a day always add up to that day's movement of the pool.
KIND_COLUMNS = {
    "contribution": "contributed",
    "reversal": "reversed",
    "allocation": "allocated",
    "clawback": "clawed_back",
}
COLUMNS = (*KIND_COLUMNS.values(), "other")
# The same sums, from the ledger lines ``l``.
LEDGER_SUMS = SQL(
    """COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'contribution'), 0) AS contributed,
       COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'reversal'), 0) AS reversed,
       COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'allocation'), 0) AS allocated,
       COALESCE(SUM(l.amount) FILTER (WHERE l.kind = 'clawback'), 0) AS clawed_back,
       COALESCE(SUM(l.amount) FILTER (
           WHERE l.kind NOT IN ('contribution', 'reversal', 'allocation', 'clawback')), 0) AS other,
       COUNT(*) AS line_count"""
)


class SubsidyPoolFigures(models.AbstractModel):
    """The pool ledger's sums per program and day (UTC), kept by the ledger itself.

    ``subsidy.pool.line._append`` adds every batch of lines here, in the same
    transaction and under the program's lock the append already holds: the
    figures are always exactly the ledger's (a rolled back change rolls them
    back too) and add no contention of their own. The public pool page reads
    a program's rows (one per day with movements: a few hundred a year)
    instead of summing the whole ledger on every request.

    Why not a short cache: every worker would still sum the whole ledger
    once per expiry (the slow request a crowd finds first), and the page
    would show figures that lag the ledger by the cache's age.

    The rows live in the table ``subsidy_pool_day``, created here. They are
    an index of the ledger, not records: nobody reads or writes them over
    RPC; the ledger's own rules (append-only, hash chain) stay on the ledger.
    """

    _name = "subsidy.pool.figures"
    _description = "Subsidy Pool Figures"

    def init(self):
        cr = self.env.cr
        cr.execute(
            """CREATE TABLE IF NOT EXISTS subsidy_pool_day (
                   program_id integer NOT NULL REFERENCES subsidy_program (id) ON DELETE CASCADE,
                   day date NOT NULL,
                   contributed numeric NOT NULL DEFAULT 0,
                   reversed numeric NOT NULL DEFAULT 0,
                   allocated numeric NOT NULL DEFAULT 0,
                   clawed_back numeric NOT NULL DEFAULT 0,
                   other numeric NOT NULL DEFAULT 0,
                   line_count integer NOT NULL DEFAULT 0,
                   PRIMARY KEY (program_id, day)
               )"""
        )
        cr.execute("ALTER TABLE subsidy_pool_day ADD COLUMN IF NOT EXISTS other numeric NOT NULL DEFAULT 0")
        # Ledgers written before the figures were kept: add them up once.
        cr.execute(
            SQL(
                """INSERT INTO subsidy_pool_day
                       (program_id, day, contributed, reversed, allocated, clawed_back, other, line_count)
                   SELECT l.program_id, l.date::date, %s
                     FROM subsidy_pool_line l
                    WHERE NOT EXISTS (SELECT 1 FROM subsidy_pool_day d WHERE d.program_id = l.program_id)
                 GROUP BY l.program_id, l.date::date""",
                LEDGER_SUMS,
            )
        )

    @api.model
    def _add_lines(self, program, when, rows):
        """Count ``rows`` (those of ``subsidy.pool.line._append``, ``amount_units``
        signed) appended to ``program``'s ledger at ``when``: one upsert."""
        self.env.cr.execute(self._add_lines_sql(program, when, rows))

    @api.model
    def _add_lines_sql(self, program, when, rows):
        """The statement of ``_add_lines`` (a caller may run it as part of its own)."""
        units = defaultdict(int)
        for row in rows:
            units[KIND_COLUMNS.get(row["kind"], "other")] += row["amount_units"]
        return SQL(
            """INSERT INTO subsidy_pool_day AS d
                   (program_id, day, contributed, reversed, allocated, clawed_back, other, line_count)
               VALUES (%(program)s, %(day)s, %(contributed)s * %(step)s::numeric,
                       %(reversed)s * %(step)s::numeric, %(allocated)s * %(step)s::numeric,
                       %(clawed_back)s * %(step)s::numeric, %(other)s * %(step)s::numeric, %(count)s)
               ON CONFLICT (program_id, day) DO UPDATE
                  SET contributed = d.contributed + EXCLUDED.contributed,
                      reversed = d.reversed + EXCLUDED.reversed,
                      allocated = d.allocated + EXCLUDED.allocated,
                      clawed_back = d.clawed_back + EXCLUDED.clawed_back,
                      other = d.other + EXCLUDED.other,
                      line_count = d.line_count + EXCLUDED.line_count""",
            program=program.id,
            day=when.date(),
            step=program._step(),
            count=len(rows),
            **{column: units[column] for column in COLUMNS},
        )

    @api.model
    def _public_totals(self, program):
        """``(allocated today, contributed less reversals, allocated less clawbacks)`` of
        ``program``, signed as in the ledger; today is the UTC day, as the ledger's dates."""
        self.env.cr.execute(
            SQL(
                """SELECT COALESCE(SUM(allocated) FILTER (
                              WHERE day = (now() at time zone 'UTC')::date), 0),
                          COALESCE(SUM(contributed + reversed), 0),
                          COALESCE(SUM(allocated + clawed_back), 0)
                     FROM subsidy_pool_day WHERE program_id = %s""",
                program.id,
            )
        )
        return self.env.cr.fetchone()

    @api.model
    def _differences(self, program):
        """Where the kept figures differ from ``program``'s ledger, summed again:
        ``[(day, column, kept, ledger)]``; empty when they agree."""
        self.env["subsidy.pool.line"].flush_model()
        self.env.cr.execute(
            SQL(
                """WITH ledger AS (
                       SELECT l.date::date AS day, %(sums)s
                         FROM subsidy_pool_line l WHERE l.program_id = %(program)s GROUP BY 1),
                   kept AS (SELECT * FROM subsidy_pool_day WHERE program_id = %(program)s)
                   SELECT COALESCE(k.day, l.day),
                          k.contributed, l.contributed, k.reversed, l.reversed,
                          k.allocated, l.allocated, k.clawed_back, l.clawed_back, k.other, l.other,
                          k.line_count, l.line_count
                     FROM kept k FULL JOIN ledger l ON l.day = k.day
                 ORDER BY 1""",
                sums=LEDGER_SUMS,
                program=program.id,
            )
        )
        differences = []
        for row in self.env.cr.fetchall():
            for index, column in enumerate((*COLUMNS, "line_count")):
                kept, ledger = row[1 + 2 * index] or 0, row[2 + 2 * index] or 0
                if kept != ledger:
                    differences.append((row[0], column, kept, ledger))
        return differences
