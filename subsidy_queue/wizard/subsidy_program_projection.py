from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..engine import share
from ..models.subsidy_program import SHARE_HORIZONS

BASIS = [("7", "Last 7 days"), ("30", "Last 30 days"), ("90", "Last 90 days")]
SALES_CHANGE_LIMIT = 50
MAX_WEEKS = 260


class SubsidyProgramProjection(models.TransientModel):
    """The what-if dialog: where today's queue goes if sales change.

    The figures come from ``subsidy.program._projection`` (the engine's
    ``QueueProjection``); this dialog only asks, shows and draws.
    """

    _name = "subsidy.program.projection"
    _description = "What-if Projection of a Queue"

    program_id = fields.Many2one("subsidy.program", required=True, readonly=True, ondelete="cascade")
    currency_id = fields.Many2one(related="program_id.currency_id")
    sales_change = fields.Integer(
        "Sales Change (%)", default=0, help="From -50 to +50: -30 answers “if sales drop 30 %”."
    )
    basis = fields.Selection(BASIS, "Weekly Figures from", default="30", required=True)
    weeks = fields.Integer("Weeks Ahead", default=26)
    subject = fields.Selection(
        [("place", "The entry at place N"), ("new", "An entry joining today")],
        "Paid in Full When?",
        default="place",
        required=True,
    )
    place = fields.Integer(default=1)
    order_amount = fields.Monetary(
        default=100.0, help="Eligible untaxed amount of the order that joins the queue today."
    )

    queued_count = fields.Integer("Queued Today", readonly=True)
    owed = fields.Monetary("Owed Today", readonly=True)
    pool_balance = fields.Monetary("In the Pool", readonly=True)
    inflow_7 = fields.Monetary("Inflow, Last 7 Days", readonly=True)
    inflow_30 = fields.Monetary("Inflow, Last 30 Days", readonly=True)
    inflow_90 = fields.Monetary("Inflow, Last 90 Days", readonly=True)
    weekly_low = fields.Monetary("Weekly Inflow from", readonly=True)
    weekly_high = fields.Monetary("Weekly Inflow to", readonly=True)
    date_first = fields.Date("Paid in Full from", readonly=True)
    date_last = fields.Date("Paid in Full by", readonly=True)
    answer = fields.Char("Paid in Full", readonly=True)
    share_30_low = fields.Float("Paid within 30 Days (from)", readonly=True)
    share_30_high = fields.Float("Paid within 30 Days (to)", readonly=True)
    share_90_low = fields.Float("Paid within 90 Days (from)", readonly=True)
    share_90_high = fields.Float("Paid within 90 Days (to)", readonly=True)
    share_365_low = fields.Float("Paid within 365 Days (from)", readonly=True)
    share_365_high = fields.Float("Paid within 365 Days (to)", readonly=True)
    owed_end = fields.Monetary("Owed at the End", readonly=True)
    trend = fields.Char(readonly=True)
    line_ids = fields.One2many("subsidy.program.projection.week", "projection_id", readonly=True)
    chart = fields.Html(compute="_compute_chart", sanitize=False)

    @api.constrains("sales_change", "weeks", "place", "order_amount")
    def _check_question(self):
        for wizard in self:
            if abs(wizard.sales_change) > SALES_CHANGE_LIMIT:
                raise ValidationError(
                    _("The sales change goes from -%(limit)s %% to +%(limit)s %%.", limit=SALES_CHANGE_LIMIT)
                )
            if not 1 <= wizard.weeks <= MAX_WEEKS:
                raise ValidationError(_("Project from 1 to %s weeks ahead.", MAX_WEEKS))
            if wizard.place < 1 or wizard.order_amount < 0:
                raise ValidationError(_("The place starts at 1; the order amount cannot be negative."))

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        wizards.program_id._require_manager()
        return wizards

    def _reopen(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("What-if: %s", self.program_id.name),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_compute(self):
        """Project the queue with the question as it stands; the dialog stays open."""
        self.ensure_one()
        self.program_id._require_manager()
        program = self.program_id.sudo()
        join_units = None
        if self.subject == "new":
            base = program._units(self.order_amount)
            join_units = share(base, program.subsidy_rate)
            if program.cap_amount:
                join_units = min(join_units, program._units(program.cap_amount))
            if join_units <= 0:
                raise UserError(_("An order of this amount earns no subsidy: nothing to wait for."))
        place = self.place if self.subject == "place" else None
        queued = program.queued_count
        if place and queued and place > queued:
            place = queued
        result = program._projection(
            sales_change=self.sales_change,
            weeks=self.weeks,
            basis=int(self.basis),
            position=place if queued else None,
            join_units=join_units,
        )
        amount = program._amount
        weekly = sorted(result["weekly"].values())
        queued = result["queued"] or 1
        vals = {
            "place": place or self.place,
            "queued_count": result["queued"],
            "owed": amount(result["owed"]),
            "pool_balance": amount(result["pool"]),
            "inflow_7": amount(result["inflow"][7]),
            "inflow_30": amount(result["inflow"][30]),
            "inflow_90": amount(result["inflow"][90]),
            "weekly_low": amount(weekly[0]),
            "weekly_high": amount(weekly[-1]),
            "date_first": result["entry_first"],
            "date_last": result["entry_last"],
            "answer": self._answer(result, place),
            "owed_end": amount(result["weeks"][-1].owed),
            "trend": self._trend(result),
            "line_ids": [fields.Command.clear()]
            + [
                fields.Command.create(
                    {
                        "week": week.week,
                        "date": date,
                        "inflow": amount(week.inflow),
                        "paid": amount(week.paid),
                        "queued": week.queued,
                        "owed": amount(week.owed),
                        "pool_balance": amount(week.pool),
                    }
                )
                for week, date in zip(result["weeks"], result["dates"])
            ],
        }
        for days in SHARE_HORIZONS:
            low, high = result["shares"][days]
            vals[f"share_{days}_low"] = 100.0 * low / queued if result["queued"] else 100.0
            vals[f"share_{days}_high"] = 100.0 * high / queued if result["queued"] else 100.0
        self.sudo().write(vals)
        return self._reopen()

    def _answer(self, result, place):
        if not result["entry_weeks"]:
            return _("Nobody is waiting in the queue.")
        first, last = result["entry_first"], result["entry_last"]
        subject = _("An entry joining today") if self.subject == "new" else _("The entry at place %s", place)
        if not first:
            return _("%s: not within ten years at these sales.", subject)
        if not last:
            return _(
                "%(subject)s: from %(first)s at the fastest recent sales; "
                "not within ten years at the slowest.",
                subject=subject,
                first=fields.Date.to_string(first),
            )
        if first == last:
            return _("%(subject)s: by %(date)s.", subject=subject, date=fields.Date.to_string(first))
        return _(
            "%(subject)s: between %(first)s and %(last)s, after the last 7, 30 and 90 days of sales.",
            subject=subject,
            first=fields.Date.to_string(first),
            last=fields.Date.to_string(last),
        )

    def _trend(self, result):
        weeks = result["weeks"]
        if len(weeks) < 2:
            return False
        growth = weeks[-1].owed - weeks[0].owed
        program = self.program_id
        if growth > 0:
            return _(
                "At these sales the queue is owed %(amount)s more after %(weeks)s weeks: "
                "new entries need more than the pool receives.",
                amount=program.currency_id.format(program._amount(growth)),
                weeks=len(weeks) - 1,
            )
        return _(
            "At these sales what the queue is owed shrinks by %(amount)s in %(weeks)s weeks.",
            amount=program.currency_id.format(program._amount(-growth)),
            weeks=len(weeks) - 1,
        )

    @api.depends("line_ids")
    def _compute_chart(self):
        for wizard in self:
            wizard.chart = wizard._chart_svg()

    def _chart_svg(self):
        """Two small line charts, drawn here as SVG: money a week (inflow, paid out),
        and the queue (owed, entries waiting). No script, readable on a phone."""
        lines = self.line_ids.sorted("week")
        if len(lines) < 2:
            return False
        charts = [
            (
                _("Each week"),
                [
                    (_("Pool inflow"), "#2e7d32", lines.mapped("inflow")),
                    (_("Paid out"), "#1565c0", lines.mapped("paid")),
                ],
            ),
            (
                _("The queue"),
                [
                    (_("Still owed"), "#c62828", lines.mapped("owed")),
                    (_("Entries waiting"), "#6d4c41", lines.mapped("queued")),
                ],
            ),
        ]
        parts = []
        width, height, pad = 320, 160, 24
        for title, series in charts:
            svg = [
                f'<svg viewBox="0 0 {width} {height + 40}" class="o_subsidy_chart" '
                f'style="width: 100%; max-width: 480px;" role="img" aria-label="{escape(title)}">',
                f'<text x="{pad}" y="14" font-size="12" font-weight="bold">{escape(title)}</text>',
                f'<line x1="{pad}" y1="{height}" x2="{width - 4}" y2="{height}" stroke="#999"/>',
            ]
            for number, (label, colour, values) in enumerate(series):
                top = max(values) or 1
                step = (width - pad - 4) / (len(values) - 1)
                points = " ".join(
                    f"{pad + i * step:.1f},{height - (height - pad) * value / top:.1f}"
                    for i, value in enumerate(values)
                )
                svg.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
                peak = f"{top:,.2f}" if isinstance(top, float) else f"{top:,}"
                svg.append(
                    f'<text x="{pad + number * 150}" y="{height + 18}" font-size="11" fill="{colour}">'
                    f"{escape(label)} (max {escape(peak)})</text>"
                )
            svg.append(
                f'<text x="{pad}" y="{height + 34}" font-size="10" fill="#666">'
                f"{escape(_('Week 0 to %s', len(lines) - 1))}</text></svg>"
            )
            parts.append("".join(svg))
        return Markup('<div class="d-flex flex-wrap gap-3">%s</div>') % Markup("".join(parts))

    def action_open_graph(self):
        """The weekly figures in Odoo's own graph view (and as a list, to export)."""
        self.ensure_one()
        self.program_id._require_manager()
        return {
            "type": "ir.actions.act_window",
            "name": _("What-if: %s", self.program_id.name),
            "res_model": "subsidy.program.projection.week",
            "view_mode": "graph,list",
            "domain": [("projection_id", "=", self.id)],
            "context": {"create": False},
        }


class SubsidyProgramProjectionWeek(models.TransientModel):
    _name = "subsidy.program.projection.week"
    _description = "What-if Projection: One Week"
    _order = "projection_id, week"

    projection_id = fields.Many2one(
        "subsidy.program.projection", required=True, ondelete="cascade", index=True
    )
    currency_id = fields.Many2one(related="projection_id.currency_id")
    week = fields.Integer(readonly=True)
    date = fields.Date(readonly=True)
    inflow = fields.Monetary("Pool Inflow", readonly=True)
    paid = fields.Monetary("Paid Out", readonly=True)
    queued = fields.Integer("Entries Waiting", readonly=True)
    owed = fields.Monetary("Still Owed", readonly=True)
    pool_balance = fields.Monetary("In the Pool", readonly=True)
