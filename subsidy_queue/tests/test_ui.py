from odoo.tests import HttpCase, tagged


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
