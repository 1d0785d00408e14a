from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestBackOfficeUi(HttpCase):
    def test_manager_settles_by_hand(self):
        company = self.env.ref("base.main_company")
        program = self.env["subsidy.program"].create(
            {
                "name": "Tour Queue",
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "contribution_rate": 20.0,
                "max_margin_rate": 25.0,
                "subsidy_rate": 50.0,
                "sequence": -1,
            }
        )
        partners = self.env["res.partner"].create([{"name": f"Tour shopper {i}"} for i in range(4)])
        program._lock()
        for partner, amount in zip(partners, (10000, 30000, 5000, 20000)):
            self.env["subsidy.entry"]._enqueue(program, partner, amount, "sale", "tour")
        self.start_tour("/odoo", "subsidy_settle_tour", login="admin")
        settlement = program.settlement_ids
        self.assertEqual((settlement.amount_paid, settlement.completed_count), (130.0, 1))
        self.assertEqual(settlement.user_id.login, "admin")


@tagged("post_install", "-at_install")
class TestWindDownUi(HttpCase):
    def test_what_if_and_wind_down(self):
        company = self.env.ref("base.main_company")
        program = self.env["subsidy.program"].create(
            {
                "name": "Tour Wind-down",
                "code": "TW",
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "contribution_rate": 20.0,
                "max_margin_rate": 25.0,
                "subsidy_rate": 50.0,
                "sequence": -2,
            }
        )
        partners = self.env["res.partner"].create([{"name": f"Tour shopper {i}"} for i in range(4)])
        program._lock()
        for partner, amount in zip(partners, (10000, 30000, 5000, 20000)):
            self.env["subsidy.entry"]._enqueue(program, partner, amount, "sale", "tour")
        second = new_test_user(
            self.env,
            login="tour_manager_2",
            password="tour_manager_2",
            groups="base.group_user,subsidy_queue.group_subsidy_manager",
            company_id=company.id,
        )
        self.start_tour("/odoo", "subsidy_what_if_tour", login="admin")
        self.assertEqual(program.wind_down_option, "share")
        self.assertEqual(program.wind_down_requested_by_id.login, "admin")
        self.start_tour("/odoo", "subsidy_wind_down_approve_tour", login="tour_manager_2")
        program.invalidate_recordset()
        self.assertEqual((program.state, program.wind_down_approved_by_id), ("closed", second))
        # 130.00 over 50.00, 150.00, 25.00, 100.00 (325.00): 40 % each.
        cards = self.env["loyalty.card"].search([("program_id", "=", program.ewallet_program_id.id)])
        self.assertEqual(sorted(cards.mapped("points")), [10.0, 20.0, 40.0, 60.0])
