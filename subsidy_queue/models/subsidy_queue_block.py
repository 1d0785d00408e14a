from odoo import api, fields, models
from odoo.tools import SQL

from .subsidy_entry import STANDING_FIELDS


class SubsidyQueueBlock(models.Model):
    """Running sums of the queued entries of one block of sequence numbers.

    Internal: written only by the queue's own methods, under the program's
    lock, so that positions and amounts ahead stay a subtraction (see
    ``engine/positions.py``).
    """

    _name = "subsidy.queue.block"
    _description = "Subsidy Queue Block"
    _log_access = False

    program_id = fields.Many2one("subsidy.program", required=True, ondelete="cascade")
    block = fields.Integer(required=True)
    currency_id = fields.Many2one(related="program_id.currency_id")
    queued_count = fields.Integer(required=True, default=0)
    outstanding = fields.Monetary(required=True, default=0.0)

    _sql_constraints = [
        ("program_block_uniq", "unique(program_id, block)", "A block exists once per program."),
    ]

    @api.model
    def _move(self, program, deltas):
        """Add ``{block: (count_delta, outstanding_units_delta)}`` to the block sums."""
        if not deltas:
            return
        self.env.cr.execute(self._move_sql(program, deltas))
        self._moved()

    @api.model
    def _move_sql(self, program, deltas):
        """The statement of ``_move`` (a caller may run it as part of its own; then it
        calls ``_moved``)."""
        blocks = sorted(deltas)
        return SQL(
            """INSERT INTO subsidy_queue_block AS b (program_id, block, queued_count, outstanding)
               SELECT %s, t.block, t.count, t.units * %s::numeric
                 FROM unnest(%s::int[], %s::int[], %s::bigint[]) AS t(block, count, units)
               ON CONFLICT (program_id, block) DO UPDATE
                  SET queued_count = b.queued_count + EXCLUDED.queued_count,
                      outstanding = b.outstanding + EXCLUDED.outstanding""",
            program.id,
            program._step(),
            blocks,
            [deltas[block][0] for block in blocks],
            [deltas[block][1] for block in blocks],
        )

    @api.model
    def _moved(self):
        """The block sums changed in SQL: drop what the cache holds of them."""
        self.invalidate_model()
        self.env["subsidy.entry"].invalidate_model(STANDING_FIELDS, flush=False)
