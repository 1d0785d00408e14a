from odoo import fields, models, tools
from odoo.tools import SQL

# Each program's figures per day counted from its entries, one pass over them: what the
# triggers keep in ``subsidy_queue_day``, and how the table starts on existing entries.
ENTRY_DAYS = SQL(
    """SELECT e.program_id, v.day, SUM(v.joined) AS joined, SUM(v.left_count) AS left_count,
              SUM(v.completed) AS completed, SUM(v.owed_change) AS owed_change
         FROM subsidy_entry e
        CROSS JOIN LATERAL (VALUES
              (e.date_queued::date, 1, 0, 0, e.target),
              (subsidy_queue_day_left(e), 0, 1, (e.state = 'done')::int, -(e.target - e.received))
              ) AS v(day, joined, left_count, completed, owed_change)
        WHERE v.day IS NOT NULL AND e.program_id IS NOT NULL
     GROUP BY e.program_id, v.day"""
)


class SubsidyQueueHistory(models.Model):
    """A program's queue and pool, day by day (UTC days, as the ledger's dates).

    One row per program and day on which something happened: entries joined or
    left the queue, money came into or left the pool. The running figures
    (queue length, still owed, pool balance) are those at the end of the day.

    Read from two per-day tables, never from the entries or the ledger's lines:
    ``subsidy_queue_day``, the entries' joins and departures per day, kept by
    a trigger on ``subsidy_entry`` (every write of an entry, by the ORM or in
    SQL, moves its old figures out and its new ones in, in the same
    transaction), and ``subsidy_pool_day``, kept by the ledger. A read costs
    a few hundred rows a year, whatever the size of the queue.

    "Still owed" is rebuilt from the entries' targets as they stand today, the
    allocations and clawbacks of each day and what the entries that left the
    queue were still owed: it ends exactly on today's figure; before a refund
    changed a target, it shows the target as refunded.
    """

    _name = "subsidy.queue.history"
    _description = "Subsidy Queue History"
    _auto = False
    _order = "day desc, program_id"
    _rec_name = "day"
    _depends = {
        "subsidy.entry": [
            "program_id", "state", "target", "received", "date_queued", "date_done",
            "date_cancelled", "date_converted",
        ],
        "subsidy.program": ["company_id", "currency_id"],
    }  # fmt: skip

    day = fields.Date(readonly=True)
    program_id = fields.Many2one("subsidy.program", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    joined = fields.Integer("Joined the Queue", readonly=True)
    left_count = fields.Integer("Left the Queue", readonly=True)
    completed = fields.Integer("Paid in Full", readonly=True)
    queue_length = fields.Integer(
        readonly=True, aggregator="max", help="Queued entries at the end of the day."
    )
    owed = fields.Monetary(
        "Still Owed",
        readonly=True,
        aggregator="max",
        help="What the queued entries were still owed at the end of the day.",
    )
    contributed = fields.Monetary(
        "Into the Pool", readonly=True, help="Contributions of paid sales, less those reversed by refunds."
    )
    paid_out = fields.Monetary(readonly=True, help="Paid to queue entries by settlement runs.")
    clawed_back = fields.Monetary(readonly=True)
    other = fields.Monetary(
        "Other Movements", readonly=True, help="A wind-down's funding, store credit and release."
    )
    pool_balance = fields.Monetary(
        readonly=True, aggregator="max", help="The pool's balance at the end of the day."
    )

    def init(self):
        self._init_queue_days()
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """CREATE VIEW %s AS (
                   WITH entry_days AS (
                       SELECT program_id, day, joined, left_count, completed, owed_change
                         FROM subsidy_queue_day
                        WHERE joined != 0 OR left_count != 0 OR owed_change != 0),
                   pool_days AS (
                       SELECT program_id, day, contributed + reversed AS contributed,
                              -allocated AS paid_out, clawed_back, other
                         FROM subsidy_pool_day),
                   daily AS (
                       SELECT COALESCE(e.program_id, p.program_id) AS program_id,
                              COALESCE(e.day, p.day) AS day,
                              COALESCE(e.joined, 0) AS joined,
                              COALESCE(e.left_count, 0) AS left_count,
                              COALESCE(e.completed, 0) AS completed,
                              COALESCE(p.contributed, 0) AS contributed,
                              COALESCE(p.paid_out, 0) AS paid_out,
                              COALESCE(p.clawed_back, 0) AS clawed_back,
                              COALESCE(p.other, 0) AS other,
                              COALESCE(e.owed_change, 0) - COALESCE(p.paid_out, 0)
                                  + COALESCE(p.clawed_back, 0) AS owed_change
                         FROM entry_days e
                         FULL JOIN pool_days p ON p.program_id = e.program_id AND p.day = e.day)
                   SELECT d.program_id::bigint * 100000 + (d.day - DATE '2000-01-01') AS id,
                          d.day, d.program_id, prog.company_id, prog.currency_id,
                          d.joined, d.left_count, d.completed,
                          SUM(d.joined - d.left_count) OVER w AS queue_length,
                          SUM(d.owed_change) OVER w AS owed,
                          d.contributed, d.paid_out, d.clawed_back, d.other,
                          SUM(d.contributed - d.paid_out + d.clawed_back + d.other) OVER w AS pool_balance
                     FROM daily d
                     JOIN subsidy_program prog ON prog.id = d.program_id
                   WINDOW w AS (PARTITION BY d.program_id ORDER BY d.day)
                )""",
                SQL.identifier(self._table),
            )
        )

    def _init_queue_days(self):
        """The per-day table of the entries and the triggers that keep it.

        An entry counts on the day it joined the queue (``joined``, and its
        target in ``owed_change``) and, once it left the queue, on the day it
        left (``left_count``, ``completed`` when paid in full, and minus what
        it was still owed). After each statement that writes entries, its
        trigger takes the old figures of the rows it changed out and puts their
        new ones in, added up per program and day: one upsert per day touched,
        whatever the number of rows (a settlement paying ten thousand entries
        writes one row), and none when nothing counted changed (allocations to
        entries still queued). The queue's own writers hold the program's lock
        when they write entries, so the rows add no contention of their own.
        """
        cr = self.env.cr
        cr.execute(
            """CREATE TABLE IF NOT EXISTS subsidy_queue_day (
                   program_id integer NOT NULL REFERENCES subsidy_program (id) ON DELETE CASCADE,
                   day date NOT NULL,
                   joined integer NOT NULL DEFAULT 0,
                   left_count integer NOT NULL DEFAULT 0,
                   completed integer NOT NULL DEFAULT 0,
                   owed_change numeric NOT NULL DEFAULT 0,
                   PRIMARY KEY (program_id, day)
               )"""
        )
        # The row-level trigger of the first version of this table.
        cr.execute("DROP TRIGGER IF EXISTS subsidy_queue_day_track ON subsidy_entry")
        cr.execute("DROP FUNCTION IF EXISTS subsidy_queue_day_track, subsidy_queue_day_add")
        cr.execute(
            """CREATE OR REPLACE FUNCTION subsidy_queue_day_left(e subsidy_entry) RETURNS date AS $$
                   SELECT CASE WHEN e.state != 'queued' THEN COALESCE(
                              CASE e.state WHEN 'done' THEN e.date_done
                                           WHEN 'converted' THEN e.date_converted
                                           ELSE e.date_cancelled END,
                              e.write_date)::date END
               $$ LANGUAGE sql IMMUTABLE"""
        )

        def figures(sign, rows):
            """The figures of the transition table ``rows``, per program and day, signed."""
            return SQL(
                """SELECT e.program_id, v.day, %(sign)s * v.joined AS joined,
                          %(sign)s * v.left_count AS left_count, %(sign)s * v.completed AS completed,
                          %(sign)s * v.owed_change AS owed_change
                     FROM %(rows)s e
                    CROSS JOIN LATERAL (VALUES
                          (e.date_queued::date, 1, 0, 0, e.target),
                          (subsidy_queue_day_left(e), 0, 1, (e.state = 'done')::int,
                           -(e.target - e.received))
                          ) AS v(day, joined, left_count, completed, owed_change)
                    WHERE v.day IS NOT NULL AND e.program_id IS NOT NULL""",
                sign=SQL(sign),
                rows=SQL.identifier(rows),
            )

        for event, transition, rows in (
            ("insert", SQL("NEW TABLE AS new_rows"), figures("1", "new_rows")),
            (
                "update",
                SQL("OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                SQL("%s UNION ALL %s", figures("-1", "old_rows"), figures("1", "new_rows")),
            ),
            ("delete", SQL("OLD TABLE AS old_rows"), figures("-1", "old_rows")),
        ):
            name = SQL.identifier(f"subsidy_queue_day_{event}")
            cr.execute(
                SQL(
                    """CREATE OR REPLACE FUNCTION %(name)s() RETURNS trigger AS $$
                       BEGIN
                           INSERT INTO subsidy_queue_day AS q
                                  (program_id, day, joined, left_count, completed, owed_change)
                           SELECT program_id, day, SUM(joined), SUM(left_count), SUM(completed),
                                  SUM(owed_change)
                             FROM (%(rows)s) AS d
                         GROUP BY program_id, day
                           HAVING SUM(joined) != 0 OR SUM(left_count) != 0 OR SUM(completed) != 0
                               OR SUM(owed_change) != 0
                         ORDER BY program_id, day
                      ON CONFLICT (program_id, day) DO UPDATE
                              SET joined = q.joined + EXCLUDED.joined,
                                  left_count = q.left_count + EXCLUDED.left_count,
                                  completed = q.completed + EXCLUDED.completed,
                                  owed_change = q.owed_change + EXCLUDED.owed_change;
                           RETURN NULL;
                       END $$ LANGUAGE plpgsql""",
                    name=name,
                    rows=rows,
                )
            )
            cr.execute(SQL("DROP TRIGGER IF EXISTS %s ON subsidy_entry", name))
            cr.execute(
                SQL(
                    """CREATE TRIGGER %(name)s AFTER %(event)s ON subsidy_entry
                           REFERENCING %(transition)s FOR EACH STATEMENT EXECUTE FUNCTION %(name)s()""",
                    name=name,
                    event=SQL(event.upper()),
                    transition=transition,
                )
            )
        # Entries written before the table was kept: add them up once.
        cr.execute(
            SQL(
                """INSERT INTO subsidy_queue_day (program_id, day, joined, left_count, completed, owed_change)
                   SELECT * FROM (%s) AS d
                    WHERE NOT EXISTS (SELECT 1 FROM subsidy_queue_day q WHERE q.program_id = d.program_id)""",
                ENTRY_DAYS,
            )
        )
