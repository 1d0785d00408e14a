from odoo import fields, models


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
