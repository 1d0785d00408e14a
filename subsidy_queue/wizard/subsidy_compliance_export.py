import base64
import csv
import io
from datetime import datetime, time, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL
from odoo.tools.misc import xlsxwriter

POOL_KINDS = ("contribution", "reversal", "allocation", "clawback", "funding", "conversion", "release")
ACCOUNT_KINDS = ("hold", "release", "pay", "restore")


class SubsidyComplianceExport(models.TransientModel):
    """What an auditor gets for a period: every movement with its source document,
    the ledger's verification and its reconciliation with the general ledger.

    Pool ledger lines (contributions, allocations, reversals, clawbacks, and a
    wind-down's funding, conversions and release) and the shoppers' account
    lines of withdrawals (hold, release, payment, failed payout) of the period,
    as CSV or XLSX; and a printable report of the period's figures (QWeb).
    Days are the company's (its address's timezone).
    """

    _name = "subsidy.compliance.export"
    _description = "Subsidy Compliance Export"

    program_id = fields.Many2one("subsidy.program", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="program_id.company_id")
    currency_id = fields.Many2one(related="program_id.currency_id")
    date_from = fields.Date(
        required=True, default=lambda self: fields.Date.context_today(self).replace(day=1)
    )
    date_to = fields.Date(required=True, default=fields.Date.context_today)
    file_format = fields.Selection([("xlsx", "Excel (XLSX)"), ("csv", "CSV")], default="xlsx", required=True)
    export_file = fields.Binary("File", readonly=True, attachment=False)
    export_filename = fields.Char(readonly=True)
    verification = fields.Char("Ledger Verification", readonly=True)

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(_("The period must start before it ends."))

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        wizards.program_id._require_manager()
        return wizards

    # ------------------------------------------------------------------
    # The period
    # ------------------------------------------------------------------

    def _tz(self):
        return pytz.timezone(self.program_id.sudo().company_id.partner_id.tz or "UTC")

    def _bounds(self):
        """The period as naive UTC datetimes ``[start, end)``: whole days of the company."""
        tz = self._tz()

        def utc(day):
            return tz.localize(datetime.combine(day, time.min)).astimezone(pytz.utc).replace(tzinfo=None)

        return utc(self.date_from), utc(self.date_to + timedelta(days=1))

    def _local(self, stamp):
        return pytz.utc.localize(stamp).astimezone(self._tz()).strftime("%Y-%m-%d %H:%M:%S")

    def _movements(self):
        """Every pool line and withdrawal line of the period, with its documents, in order."""
        self.ensure_one()
        program = self.program_id.sudo()
        start, end = self._bounds()
        self.env.flush_all()
        # The kinds' labels first: reading them may query the database (a cold
        # cache), and a query between execute() and fetchall() empties the result.
        kinds = dict(self.env["subsidy.pool.line"]._fields["kind"]._description_selection(self.env))
        account_kinds = dict(
            self.env["subsidy.account.line"]._fields["kind"]._description_selection(self.env)
        )
        cr = self.env.cr
        cr.execute(
            SQL(
                """SELECT l.date, l.kind, l.id, e.name, p.name, l.amount, l.balance, so.name, rm.name,
                          s.name, posting.name, posting.move, l.name, l.hash
                     FROM subsidy_pool_line l
                LEFT JOIN subsidy_entry e ON e.id = l.entry_id
                LEFT JOIN subsidy_account a ON a.id = l.account_id
                LEFT JOIN res_partner p ON p.id = a.partner_id
                LEFT JOIN sale_order so ON so.id = l.sale_order_id
                LEFT JOIN account_move rm ON rm.id = l.refund_move_id
                LEFT JOIN subsidy_settlement s ON s.id = l.settlement_id
                LEFT JOIN LATERAL (
                          SELECT ps.name, m.name AS move FROM subsidy_settlement ps
                       LEFT JOIN account_move m ON m.id = ps.move_id
                           WHERE ps.program_id = l.program_id AND ps.last_line_id >= l.id
                        ORDER BY ps.last_line_id LIMIT 1) posting ON TRUE
                    WHERE l.program_id = %s AND l.date >= %s AND l.date < %s
                 ORDER BY l.id""",
                program.id,
                start,
                end,
            )
        )
        rows = []
        for (
            date,
            kind,
            line,
            entry,
            shopper,
            amount,
            balance,
            order,
            note,
            run,
            posting,
            move,
            label,
            digest,
        ) in cr.fetchall():
            rows.append(
                {
                    "date": date,
                    "ledger": "pool",
                    "kind": kind,
                    "values": (
                        self._local(date),
                        _("Pool ledger"),
                        kinds.get(kind, kind),
                        line,
                        entry or "",
                        shopper or "",
                        float(amount),
                        float(balance),
                        order or "",
                        note or "",
                        run or "",
                        "",
                        posting or _("not posted yet"),
                        move or "",
                        label or "",
                        digest or "",
                    ),
                }
            )
        cr.execute(
            SQL(
                """SELECT al.create_date, al.kind, al.id, p.name, al.amount, w.name, pm.name, em.name, al.name
                     FROM subsidy_account_line al
                     JOIN subsidy_account a ON a.id = al.account_id
                LEFT JOIN res_partner p ON p.id = a.partner_id
                LEFT JOIN subsidy_withdrawal w ON w.id = al.withdrawal_id
                LEFT JOIN account_payment ap ON ap.id = w.payment_id
                LEFT JOIN account_move pm ON pm.id = ap.move_id
                LEFT JOIN account_move em ON em.id = w.approval_move_id
                    WHERE a.program_id = %s AND al.create_date >= %s AND al.create_date < %s
                 ORDER BY al.id""",
                program.id,
                start,
                end,
            )
        )
        for date, kind, line, shopper, amount, withdrawal, payment, earmark, label in cr.fetchall():
            rows.append(
                {
                    "date": date,
                    "ledger": "account",
                    "kind": kind,
                    "values": (
                        self._local(date),
                        _("Shoppers' accounts"),
                        account_kinds.get(kind, kind),
                        line,
                        "",
                        shopper or "",
                        float(amount),
                        "",
                        "",
                        "",
                        "",
                        withdrawal or "",
                        "",
                        payment or earmark or "",
                        label or "",
                        "",
                    ),
                }
            )
        rows.sort(key=lambda row: (row["date"], row["ledger"] != "pool", row["values"][3]))
        return rows

    def _period_figures(self):
        """The period's figures: opening and closing pool balance, totals per kind,
        the ledger's verification and the reconciliation with the general ledger."""
        self.ensure_one()
        program = self.program_id.sudo()
        start, end = self._bounds()
        self.env.flush_all()
        cr = self.env.cr

        def balance_before(stamp):
            cr.execute(
                SQL(
                    """SELECT balance FROM subsidy_pool_line WHERE program_id = %s AND date < %s
                    ORDER BY id DESC LIMIT 1""",
                    program.id,
                    stamp,
                )
            )
            row = cr.fetchone()
            return float(row[0]) if row else 0.0

        cr.execute(
            SQL(
                """SELECT kind, COALESCE(SUM(amount), 0), COUNT(*) FROM subsidy_pool_line
                    WHERE program_id = %s AND date >= %s AND date < %s GROUP BY kind""",
                program.id,
                start,
                end,
            )
        )
        pool = {kind: (0.0, 0) for kind in POOL_KINDS}
        pool.update({kind: (float(amount), count) for kind, amount, count in cr.fetchall()})
        cr.execute(
            SQL(
                """SELECT al.kind, COALESCE(SUM(al.amount), 0), COUNT(*) FROM subsidy_account_line al
                     JOIN subsidy_account a ON a.id = al.account_id
                    WHERE a.program_id = %s AND al.create_date >= %s AND al.create_date < %s
                 GROUP BY al.kind""",
                program.id,
                start,
                end,
            )
        )
        accounts = {kind: (0.0, 0) for kind in ACCOUNT_KINDS}
        accounts.update({kind: (float(amount), count) for kind, amount, count in cr.fetchall()})
        cr.execute(
            SQL(
                """SELECT COUNT(*) FILTER (WHERE date_queued >= %(start)s AND date_queued < %(end)s),
                          COALESCE(SUM(target) FILTER (
                              WHERE date_queued >= %(start)s AND date_queued < %(end)s), 0),
                          COUNT(*) FILTER (WHERE date_done >= %(start)s AND date_done < %(end)s),
                          COUNT(*) FILTER (WHERE date_converted >= %(start)s AND date_converted < %(end)s),
                          COUNT(*) FILTER (WHERE state = 'queued')
                     FROM subsidy_entry WHERE program_id = %(program)s""",
                start=start,
                end=end,
                program=program.id,
            )
        )
        queued_in, targets_in, done_in, converted_in, queued_now = cr.fetchone()
        gl_end = 0.0
        if program.pool_account_id:
            cr.execute(
                SQL(
                    """SELECT COALESCE(-SUM(balance), 0) FROM account_move_line
                        WHERE subsidy_program_id = %s AND account_id = %s AND parent_state = 'posted'
                          AND date <= %s""",
                    program.id,
                    program.pool_account_id.id,
                    self.date_to,
                )
            )
            gl_end = float(cr.fetchone()[0])
        reconciliation = self.env["subsidy.pool.reconciliation"].sudo().browse(program.id)
        broken = program._find_broken_line()
        opening, closing = balance_before(start), balance_before(end)
        currency = program.currency_id
        return {
            "program": program,
            "currency": currency,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "timezone": self._tz().zone,
            "opening": opening,
            "closing": closing,
            "moved": currency.round(sum(amount for amount, _count in pool.values())),
            "adds_up": currency.is_zero(opening + sum(amount for amount, _count in pool.values()) - closing),
            "pool": pool,
            "accounts": accounts,
            "pool_labels": dict(
                self.env["subsidy.pool.line"]._fields["kind"]._description_selection(self.env)
            ),
            "account_labels": dict(
                self.env["subsidy.account.line"]._fields["kind"]._description_selection(self.env)
            ),
            "entries_queued": queued_in,
            "targets_queued": float(targets_in),
            "entries_done": done_in,
            "entries_converted": converted_in,
            "entries_waiting": queued_now,
            "verification": (
                _("Intact: every line matches its hash and the chain ends where the program says.")
                if broken is None
                else _("Altered at line #%s: that line and every later one are suspect.", broken)
            ),
            "intact": broken is None,
            "gl_end": gl_end,
            "ledger_balance": reconciliation.ledger_balance,
            "unposted": reconciliation.unposted_amount,
            "posted_balance": reconciliation.posted_balance,
            "gl_balance": reconciliation.gl_balance,
            "difference": reconciliation.difference,
            "state": dict(program._fields["state"]._description_selection(self.env))[program.state],
        }

    def _summary_rows(self, figures):
        currency = figures["currency"]
        rows = [
            (_("Program"), figures["program"].name),
            (_("Company"), figures["program"].company_id.name),
            (_("Currency"), currency.name),
            (_("Period"), f"{figures['date_from']} – {figures['date_to']} ({figures['timezone']})"),
            (_("Program state"), figures["state"]),
            (_("Pool balance at the start"), figures["opening"]),
        ]
        rows += [
            (_("Pool ledger: %s", figures["pool_labels"][kind]), figures["pool"][kind][0])
            for kind in POOL_KINDS
        ]
        rows += [
            (_("Pool balance at the end"), figures["closing"]),
            (_("Start + movements = end"), _("yes") if figures["adds_up"] else _("NO")),
        ]
        rows += [
            (_("Withdrawals: %s", figures["account_labels"][kind]), figures["accounts"][kind][0])
            for kind in ACCOUNT_KINDS
        ]
        rows += [
            (_("Ledger verification"), figures["verification"]),
            (_("Pool account in the general ledger at the end"), figures["gl_end"]),
            (_("Reconciliation now: pool ledger"), figures["ledger_balance"]),
            (_("Reconciliation now: not posted yet"), figures["unposted"]),
            (_("Reconciliation now: general ledger"), figures["gl_balance"]),
            (_("Reconciliation now: difference"), figures["difference"]),
        ]
        return rows

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_export(self):
        """Build the file (CSV or XLSX): the movements, then the summary."""
        self.ensure_one()
        self.program_id._require_manager()
        movements = self._movements()
        figures = self._period_figures()
        summary = self._summary_rows(figures)
        header = self._header()
        if self.file_format == "csv":
            content = self._csv(header, movements, summary)
        else:
            content = self._xlsx(header, movements, summary)
        name = f"{self.program_id.code}_{self.date_from}_{self.date_to}.{self.file_format}"
        self.write(
            {
                "export_file": base64.b64encode(content),
                "export_filename": name,
                "verification": figures["verification"],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": _("Compliance Export"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _header(self):
        return [
            _("Date"),
            _("Ledger"),
            _("Type"),
            _("Line"),
            _("Entry"),
            _("Shopper"),
            _("Amount"),
            _("Pool Balance"),
            _("Order"),
            _("Credit Note"),
            _("Settlement"),
            _("Withdrawal"),
            _("Posted by"),
            _("Journal Entry"),
            _("Label"),
            _("Hash"),
        ]

    def _csv(self, header, movements, summary):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in movements:
            writer.writerow(row["values"])
        writer.writerow([])
        for label, value in summary:
            writer.writerow([label, value])
        return buffer.getvalue().encode("utf-8-sig")

    def _xlsx(self, header, movements, summary):
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True})
        bold = book.add_format({"bold": True})
        money = book.add_format({"num_format": "#,##0.00"})
        sheet = book.add_worksheet(_("Movements"))
        sheet.write_row(0, 0, header, bold)
        for number, row in enumerate(movements, start=1):
            for column, value in enumerate(row["values"]):
                if isinstance(value, float):
                    sheet.write_number(number, column, value, money)
                else:
                    sheet.write(number, column, value)
        sheet.freeze_panes(1, 0)
        sheet = book.add_worksheet(_("Summary"))
        for number, (label, value) in enumerate(summary):
            sheet.write(number, 0, label, bold)
            if isinstance(value, float):
                sheet.write_number(number, 1, value, money)
            else:
                sheet.write(number, 1, value)
        sheet.set_column(0, 0, 48)
        sheet.set_column(1, 1, 60)
        book.close()
        return buffer.getvalue()

    def action_print(self):
        """The period's figures as a printable report."""
        self.ensure_one()
        self.program_id._require_manager()
        return self.env.ref("subsidy_queue.action_report_subsidy_compliance").report_action(self)
