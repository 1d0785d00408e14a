import json
import os
import re

import polib

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import file_open
from odoo.tools.misc import file_path
from odoo.tools.translate import extract_spreadsheet_terms

FIGURES = 9
PIVOT_VALUE = re.compile(r'PIVOT\.VALUE\((\d+),"([^"]+)"')
PIVOT_HEADER = re.compile(r'PIVOT\.HEADER\((\d+),"#?([^"]+)"')
CELL_REFERENCE = re.compile(r"^(\w+)!([A-Z]+\d+)$")


@tagged("post_install", "-at_install")
class TestQueueSubsidyDashboard(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))
        cls.dashboard = cls.env.ref("subsidy_dashboard.spreadsheet_dashboard_queue_subsidy")
        cls.data = json.loads(cls.dashboard.spreadsheet_data)
        company = cls.env.ref("base.main_company")
        in_company = {"company_id": company.id, "company_ids": [(6, 0, company.ids)]}
        cls.manager = new_test_user(
            cls.env,
            login="dash_manager",
            groups="base.group_user,subsidy_queue.group_subsidy_manager",
            **in_company,
        )
        cls.subsidy_user = new_test_user(
            cls.env,
            login="dash_user",
            groups="base.group_user,subsidy_queue.group_subsidy_user",
            **in_company,
        )
        # A queue with something in every figure: entries, a run, a withdrawal waiting.
        program = cls.env["subsidy.program"].create(
            {
                "name": "Dashboard Queue",
                "code": "DQ",
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "contribution_rate": 20.0,
                "max_margin_rate": 25.0,
                "subsidy_rate": 50.0,
                "withdraw_min_amount": 1.0,
            }
        )
        shopper = cls.env["res.partner"].create({"name": "Dashboard Shopper"})
        for amount in (100.0, 300.0, 50.0):
            program._lock()
            cls.env["subsidy.entry"]._enqueue(program, shopper, program._units(amount), "website", "DASH")
        program._settle()
        account = cls.env["subsidy.account"].search([("program_id", "=", program.id)])
        cls.env["subsidy.withdrawal"].create(
            {
                "account_id": account.id,
                "amount": 10.0,
                "payout_method": "alipay",
                "wallet_account": "dash@alipay",
                "holder_name": "Dashboard Shopper",
            }
        ).action_submit()

    def _field(self, model, chain):
        """The last field of a dotted ``chain`` on ``model`` (fails if any step is unknown)."""
        field = None
        for name in chain.split("."):
            self.assertIn(name, self.env[model]._fields, f"{model} has no field {name}")
            field = self.env[model]._fields[name]
            model = field.comodel_name or model
        return field

    def _check_group_by(self, model, group_by):
        field = self._field(model, group_by.split(":")[0])
        self.assertTrue(field._description_groupable(self.env), f"{model}.{field.name} cannot be grouped by")

    def _check_measure(self, model, name):
        if name != "__count":
            field = self._field(model, name)
            self.assertTrue(field.store and field.type in ("integer", "float", "monetary"), f"{model}.{name}")

    def _check_matching(self, model, matching):
        filters = {flt["id"] for flt in self.data["globalFilters"]}
        for filter_id, match in matching.items():
            self.assertIn(filter_id, filters)
            self._field(model, match["chain"])

    def test_the_dashboard_is_valid_and_reads_existing_models_and_fields(self):
        data = self.data
        self.assertEqual([sheet["name"] for sheet in data["sheets"]], ["Dashboard", "Data"])
        self.assertEqual(self.dashboard.dashboard_group_id.name, "Queue Subsidy")
        pivots = data["pivots"]
        self.assertEqual(len(pivots), 5)
        for pivot_id, pivot in pivots.items():
            with self.subTest(pivot=pivot["name"]):
                model = pivot["model"]
                self.assertIn(model, self.env)
                measures = [m["fieldName"] for m in pivot["measures"]]
                for name in measures:
                    self._check_measure(model, name)
                group_by = [row["fieldName"] for row in pivot["rows"] + pivot["columns"]]
                for name in group_by:
                    self._check_group_by(model, name)
                self._check_matching(model, pivot.get("fieldMatching", {}))
                # The reads the spreadsheet makes, as the Subsidy Manager the dashboard is for.
                specs = [
                    f"{m['fieldName']}:{m.get('aggregator', 'sum')}"
                    for m in pivot["measures"]
                    if m["fieldName"] != "__count"
                ]
                groups = (
                    self.env[model]
                    .with_user(self.manager)
                    .read_group(pivot["domain"], specs, group_by, lazy=False)
                )
                self.assertIsInstance(groups, list)
                self.assertEqual(pivot["id"], pivot_id)
        charts = [f["data"] for sheet in data["sheets"] for f in sheet["figures"]]
        self.assertEqual(len(charts), FIGURES)
        odoo_charts = [chart for chart in charts if chart["type"].startswith("odoo_")]
        self.assertEqual(len(odoo_charts), 4)
        for chart in odoo_charts:
            meta = chart["metaData"]
            with self.subTest(chart=meta["resModel"], measure=meta["measure"]):
                self._check_measure(meta["resModel"], meta["measure"])
                for group_by in meta["groupBy"]:
                    self._check_group_by(meta["resModel"], group_by)
                self._check_matching(meta["resModel"], chart.get("fieldMatching", {}))
                groups = (
                    self.env[meta["resModel"]]
                    .with_user(self.manager)
                    .read_group(
                        chart["searchParams"]["domain"], [meta["measure"]], meta["groupBy"], lazy=False
                    )
                )
                self.assertTrue(groups, "the test data shows in every chart")
        # Formulas name existing pivots, measures and rows; scorecards existing cells.
        cells = {sheet["name"]: sheet["cells"] for sheet in data["sheets"]}
        formulas = [cell["content"] for sheet in cells.values() for cell in sheet.values()]
        for formula in formulas:
            for pivot_id, measure in PIVOT_VALUE.findall(formula):
                self.assertIn(measure, [m["id"] for m in pivots[pivot_id]["measures"]], formula)
            for pivot_id, group_by in PIVOT_HEADER.findall(formula):
                if group_by != "measure":
                    self.assertIn(group_by, [row["fieldName"] for row in pivots[pivot_id]["rows"]], formula)
        for chart in charts:
            if chart["type"] == "scorecard":
                for reference in (chart["keyValue"], chart.get("baseline")):
                    sheet, cell = CELL_REFERENCE.match(reference).groups()
                    self.assertIn(cell, cells[sheet], reference)
        for xmlid in data["chartOdooMenusReferences"].values():
            self.assertEqual(self.env.ref(xmlid)._name, "ir.ui.menu")
        for global_filter in data["globalFilters"]:
            if global_filter["type"] == "relation":
                self.assertIn(global_filter["modelName"], self.env)

    def test_a_subsidy_manager_opens_it_a_subsidy_user_does_not_see_it(self):
        self.assertEqual(self.dashboard.group_ids, self.env.ref("subsidy_queue.group_subsidy_manager"))
        Dashboard = self.env["spreadsheet.dashboard"]
        self.assertIn(self.dashboard, Dashboard.with_user(self.manager).search([]))
        readonly = self.dashboard.with_user(self.manager).get_readonly_dashboard()
        self.assertEqual(readonly["snapshot"]["pivots"].keys(), self.data["pivots"].keys())
        self.assertNotIn(self.dashboard, Dashboard.with_user(self.subsidy_user).search([]))
        self.start_tour(
            "/odoo/action-spreadsheet_dashboard.ir_actions_dashboard_action",
            "subsidy_dashboard_tour",
            login="dash_manager",
        )

    def test_a_new_company_sees_sample_figures_until_its_first_entry(self):
        """Until a manager's companies have queued anything, the dashboard shows sample
        figures, drawn as Odoo draws its own samples (no pivots, no reads), and says so."""
        company = self.env["res.company"].create({"name": "Empty Shop"})
        new_test_user(
            self.env,
            login="dash_new_manager",
            groups="base.group_user,subsidy_queue.group_subsidy_manager",
            company_id=company.id,
            company_ids=[(6, 0, company.ids)],
        )
        manager = self.env["res.users"].search([("login", "=", "dash_new_manager")])
        readonly = self.dashboard.with_user(manager).get_readonly_dashboard()
        self.assertTrue(readonly.get("is_sample"))
        sample = readonly["snapshot"]
        self.assertEqual(sample["pivots"], {})
        self.assertEqual(sample["globalFilters"], [])
        cells = {sheet["name"]: sheet["cells"] for sheet in sample["sheets"]}
        figures = [f["data"] for sheet in sample["sheets"] for f in sheet["figures"]]
        self.assertEqual(len(figures), FIGURES)
        for chart in figures:
            self.assertFalse(chart["type"].startswith("odoo_"), "a sample reads nothing")
            references = [chart.get("keyValue"), chart.get("baseline"), chart.get("labelRange")]
            references += [data_set["dataRange"] for data_set in chart.get("dataSets", [])]
            for reference in filter(None, references):
                sheet, cell = reference.split("!")
                self.assertIn(cell.split(":")[0], cells[sheet], reference)
        self.assertNotIn("PIVOT", json.dumps(sample))
        # The manager who has entries sees the real one.
        self.assertFalse(self.dashboard.with_user(self.manager).get_readonly_dashboard().get("is_sample"))
        self.start_tour(
            "/odoo/action-spreadsheet_dashboard.ir_actions_dashboard_action",
            "subsidy_dashboard_sample_tour",
            login="dash_new_manager",
        )

    def test_every_text_of_the_dashboard_speaks_chinese(self):
        folder = os.path.dirname(file_path("subsidy_dashboard/i18n/zh_CN.po"))
        chinese = {entry.msgid: entry.msgstr for entry in polib.pofile(os.path.join(folder, "zh_CN.po"))}
        terms = set()
        for name in ("queue_subsidy_dashboard.json", "queue_subsidy_sample_dashboard.json"):
            with file_open(f"subsidy_dashboard/data/files/{name}", "rb") as data:
                terms |= {
                    term for _line, _func, term, _comments in extract_spreadsheet_terms(data, [], [], {})
                }
        self.assertIn("Pool in and out per day", terms)
        self.assertEqual([term for term in sorted(terms) if not chinese.get(term)], [])
        self.assertEqual(chinese["Queue Subsidy"], "排队补贴")
