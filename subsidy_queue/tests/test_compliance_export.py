"""The auditor's file: every movement of the period with its documents; totals equal the ledger's."""

import base64
import csv
import io
from collections import defaultdict

from odoo import fields
from odoo.tests import tagged

from .common import WindDownCommon


@tagged("post_install", "-at_install")
class TestComplianceExport(WindDownCommon):
    def _export(self, file_format="csv"):
        today = fields.Date.context_today(self.program)
        wizard = (
            self.env["subsidy.compliance.export"]
            .with_user(self.manager)
            .create(
                {
                    "program_id": self.program.id,
                    "date_from": today,
                    "date_to": today,
                    "file_format": file_format,
                }
            )
        )
        wizard.action_export()
        return wizard

    def _rows(self, wizard):
        text = base64.b64decode(wizard.export_file).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        blank = rows.index([])
        return rows[0], rows[1:blank], dict(rows[blank + 1 :])

    def test_the_totals_equal_the_ledger(self):
        _entries, _orders, withdrawal = self._prepare()
        self._close("share")
        withdrawal.with_user(self.manager_2).action_approve()
        withdrawal._create_payment(self.program.payout_journal_id)
        withdrawal._mark_paid()
        wizard = self._export()
        header, movements, summary = self._rows(wizard)
        column = {name: index for index, name in enumerate(header)}
        totals = defaultdict(float)
        for row in movements:
            totals[row[column["Ledger"]], row[column["Type"]]] += float(row[column["Amount"]])
        kinds = dict(self.env["subsidy.pool.line"]._fields["kind"]._description_selection(self.env))
        ledger = self.env["subsidy.pool.line"].read_group(
            [("program_id", "=", self.program.id)], ["amount:sum"], ["kind"]
        )
        self.assertTrue(ledger)
        for group in ledger:
            self.assertAlmostEqual(totals["Pool ledger", kinds[group["kind"]]], group["amount"], places=2)
            self.assertAlmostEqual(
                float(summary[f"Pool ledger: {kinds[group['kind']]}"]), group["amount"], places=2
            )
        self.assertEqual(
            sum(1 for row in movements if row[column["Ledger"]] == "Pool ledger"),
            self.env["subsidy.pool.line"].search_count([("program_id", "=", self.program.id)]),
        )
        # Every pool line names its documents and the journal entry that posted it.
        for row in movements:
            if row[column["Type"]] == kinds["contribution"]:
                self.assertTrue(row[column["Order"]].startswith("S"))
            if row[column["Ledger"]] == "Pool ledger":
                self.assertTrue(row[column["Journal Entry"]] or row[column["Posted by"]])
        self.assertIn("Credit Note", header)
        refunds = [row for row in movements if row[column["Credit Note"]]]
        self.assertTrue(refunds)
        # The withdrawal: held, then paid, with its payment.
        account_kinds = dict(
            self.env["subsidy.account.line"]._fields["kind"]._description_selection(self.env)
        )
        self.assertAlmostEqual(totals["Shoppers' accounts", account_kinds["hold"]], 20.0)
        paid = [row for row in movements if row[column["Type"]] == account_kinds["pay"]]
        self.assertEqual([row[column["Withdrawal"]] for row in paid], [withdrawal.name])
        self.assertTrue(paid[0][column["Journal Entry"]])
        # The ledger verified, the general ledger reconciled.
        self.assertTrue(summary["Ledger verification"].startswith("Intact"))
        self.assertEqual(float(summary["Pool balance at the end"]), 0.0)
        self.assertEqual(float(summary["Reconciliation now: difference"]), 0.0)
        self.assertEqual(float(summary["Pool account in the general ledger at the end"]), 0.0)
        self.assertEqual(summary["Start + movements = end"], "yes")

    def test_xlsx_and_the_printed_report(self):
        self._prepare()
        self._close("full")
        wizard = self._export("xlsx")
        self.assertEqual(base64.b64decode(wizard.export_file)[:2], b"PK")
        self.assertTrue(wizard.export_filename.endswith(".xlsx"))
        action = wizard.action_print()
        self.assertEqual(action["report_name"], "subsidy_queue.report_subsidy_compliance")
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            "subsidy_queue.report_subsidy_compliance", wizard.ids
        )
        html = html.decode()
        self.assertIn("Worked example", html)
        self.assertIn("Converted to Store Credit", html)
        self.assertIn("Intact", html)

    def test_a_tampered_ledger_shows_in_the_file(self):
        self._prepare()
        line = self.env["subsidy.pool.line"].search(
            [("program_id", "=", self.program.id)], order="id", limit=1
        )
        self.env.flush_all()
        self.env.cr.execute("UPDATE subsidy_pool_line SET amount = amount + 1 WHERE id = %s", [line.id])
        _header, _movements, summary = self._rows(self._export())
        self.assertIn(f"#{line.id}", summary["Ledger verification"])

    def test_a_cold_cache_loses_no_movement(self):
        """Found from outside: the first export of a worker (labels not cached yet)
        came out empty, its summary and verification still filled in."""
        self._prepare()
        count = self.env["subsidy.pool.line"].search_count([("program_id", "=", self.program.id)])
        self.env.registry.clear_all_caches()
        self.env.invalidate_all()
        _header, movements, _summary = self._rows(self._export())
        self.assertGreaterEqual(len(movements), count)
