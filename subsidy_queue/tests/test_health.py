"""Health warnings: the managers hear of a growing queue before it is too late."""

from odoo.tests import HttpCase, tagged

from .common import SubsidyCommon


@tagged("post_install", "-at_install")
class TestHealth(SubsidyCommon):
    def setUp(self):
        super().setUp()
        # DESIGN.md's orders and one fifo run: 195.00 owed, pool 0.00; 130.00 came in over the
        # last 7 and 30 days: 130.00 / 30 = 4.33 a day at the slower rate -> 45 days for
        # today's last entry; 195.00 is 1.5 months of inflow.
        self._worked_orders()
        self.program._settle()
        self.activities = self.env["mail.activity"].search([("res_model", "=", "subsidy.program")])

    def _activities(self):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "subsidy.program"),
                ("res_id", "=", self.program.id),
                ("id", "not in", self.activities.ids),
            ]
        )

    def test_a_wait_above_the_threshold(self):
        program = self.program
        program.write({"health_max_wait_days": 30, "health_owed_months": 0})
        program._check_health()
        self.assertEqual((program.health_state, program.health_wait_days), ("warning", 45))
        self.assertIn("45 days", program.health_message)
        self.assertAlmostEqual(program.health_owed_months_now, 1.5)
        activities = self._activities()
        self.assertEqual(activities.user_id, self.manager | self.manager_2)
        self.assertTrue(program._public_figures()["estimate_grown"])
        # Still too long the next day: no second round of activities.
        program._check_health()
        self.assertEqual(self._activities(), activities)
        # Back under the threshold: the warning is lifted and the activities are done.
        program.health_max_wait_days = 45
        program._check_health()
        self.assertEqual((program.health_state, program.health_message), ("ok", False))
        self.assertFalse(self._activities())
        self.assertFalse(program._public_figures()["estimate_grown"])

    def test_owed_above_months_of_inflow(self):
        program = self.program
        program.write({"health_max_wait_days": 0, "health_owed_months": 1})
        program._cron_check_health()
        self.assertEqual(program.health_state, "warning")
        self.assertIn("1.5 months", program.health_message)
        program.health_owed_months = 2
        program._check_health()
        self.assertEqual(program.health_state, "ok")

    def test_no_recent_sales(self):
        # The sales are older than 30 days: nothing comes in to pay the queue.
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE subsidy_pool_line SET date = date - interval '40 days' WHERE program_id = %s",
            [self.program.id],
        )
        self.program._check_health()
        self.assertEqual((self.program.health_state, self.program.health_wait_days), ("warning", -1))
        self.assertIn("for ever", self.program.health_message)

    def test_an_empty_queue_is_healthy(self):
        program = self.env["subsidy.program"].create(
            {
                "name": "Empty",
                "company_id": self.company.id,
                "currency_id": self.cny.id,
                "health_max_wait_days": 1,
            }
        )
        program._check_health()
        self.assertEqual(program.health_state, "ok")


@tagged("post_install", "-at_install")
class TestHealthOnThePublicPage(HttpCase):
    def test_the_public_page_says_the_estimate_has_grown(self):
        company = self.env.ref("base.main_company")
        program = self.env["subsidy.program"].create(
            {
                "name": "Public Queue",
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "contribution_rate": 20.0,
                "max_margin_rate": 25.0,
                "subsidy_rate": 50.0,
                "health_max_wait_days": 30,
            }
        )
        partners = self.env["res.partner"].create([{"name": f"Public shopper {i}"} for i in range(4)])
        program._lock()
        for partner, amount in zip(partners, (10000, 30000, 5000, 20000)):
            self.env["subsidy.entry"]._enqueue(program, partner, amount, "sale", "public")
        program._check_health()  # 195.00 beyond the pool at 4.33 a day: 45 days
        self.assertEqual(program.health_state, "warning")
        page = self.url_open("/subsidy/pool")
        self.assertEqual(page.status_code, 200)
        self.assertIn("The estimated wait has grown", page.text)
        program.health_max_wait_days = 60
        program._check_health()
        self.assertNotIn("The estimated wait has grown", self.url_open("/subsidy/pool").text)
