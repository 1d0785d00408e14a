from odoo import fields, models, tools
from odoo.tools import SQL


class SubsidyQueueHistory(models.Model):
    """A program's queue and pool, day by day (UTC days, as the ledger's dates).

    One row per program and day on which something happened: entries joined or
    left the queue, money came into or left the pool. The running figures
    (queue length, still owed, pool balance) are those at the end of the day.

    Read from the queue's entries (one pass over them, grouped by day) and the
    pool's per-day figures (``subsidy_pool_day``, kept by the ledger), never
    from the ledger's lines. "Still owed" is rebuilt from the entries' targets
    as they stand today, the allocations and clawbacks of each day and what the
    entries that left the queue were still owed: it ends exactly on today's
    figure; before a refund changed a target, it shows the target as refunded.
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
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """CREATE VIEW %s AS (
                   WITH entry_days AS (
                       SELECT e.program_id, v.day,
                              SUM(v.joined) AS joined, SUM(v.left_count) AS left_count,
                              SUM(v.completed) AS completed, SUM(v.owed_change) AS owed_change
                         FROM subsidy_entry e
                        CROSS JOIN LATERAL (VALUES
                              (e.date_queued::date, 1, 0, 0, e.target),
                              (CASE WHEN e.state != 'queued' THEN COALESCE(
                                   CASE e.state WHEN 'done' THEN e.date_done
                                                WHEN 'converted' THEN e.date_converted
                                                ELSE e.date_cancelled END,
                                   e.write_date)::date END,
                               0, 1, (e.state = 'done')::int, -(e.target - e.received))
                              ) AS v(day, joined, left_count, completed, owed_change)
                        WHERE v.day IS NOT NULL
                     GROUP BY e.program_id, v.day),
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
