import json
import re

from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestShopperPortalAndApi(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.ref("base.main_company")
        cls.program = cls.env["subsidy.program"].create(
            {
                "name": "Portal Queue",
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "contribution_rate": 25.0,
                "max_margin_rate": 25.0,
                "subsidy_rate": 25.0,
                "withdraw_fee_fixed": 1.0,
                "withdraw_fee_percent": 0.0,
                "sequence": -1,
            }
        )
        cls.shopper = new_test_user(
            cls.env,
            login="queue_shopper",
            password="queue_shopper",
            groups="base.group_portal",
            name="Lin Mei",
        )
        cls.other = new_test_user(
            cls.env, login="other_shopper", password="other_shopper", groups="base.group_portal", name="Other"
        )
        partner = cls.shopper.partner_id
        cls.program._lock()
        Entry = cls.env["subsidy.entry"]
        Entry._enqueue(cls.program, partner, 40000, "website", "S00001")  # 100.00, funds itself
        cls.program._settle()
        cls.queued = Entry._enqueue(cls.program, cls.other.partner_id, 80000, "sale", "S00002")
        cls.mine = Entry._enqueue(cls.program, partner, 20000, "website", "S00003")
        cls.account = cls.env["subsidy.account"].search([("partner_id", "=", partner.id)])
        cls.other_account = cls.env["subsidy.account"].search([("partner_id", "=", cls.other.partner_id.id)])
        cls.key = cls.env["res.users.apikeys"].with_user(cls.shopper).sudo()._generate("rpc", "app", None)

    def _api(self, path, key=None, body=None):
        headers = {"Authorization": f"Bearer {key or self.key}"}
        if body is None:
            return self.url_open(path, headers=headers)
        headers["Content-Type"] = "application/json"
        return self.url_open(path, data=json.dumps(body), headers=headers)

    def test_api_shows_own_account_and_entries(self):
        response = self._api("/api/subsidy/v1/account")
        self.assertEqual(response.status_code, 200)
        accounts = [a for a in response.json()["accounts"] if a["program"] == "Portal Queue"]
        self.assertEqual([(a["balance"], a["held"]) for a in accounts], [(100.0, 0.0)])
        entries = self._api("/api/subsidy/v1/entries?state=queued").json()["entries"]
        self.assertEqual(len(entries), 1)
        self.assertEqual(
            (entries[0]["name"], entries[0]["position"], entries[0]["amount_ahead"], entries[0]["target"]),
            (self.mine.name, 2, 200.0, 50.0),
        )
        self.assertNotIn("S00002", json.dumps(entries))

    def test_api_refuses_without_a_valid_key(self):
        self.assertEqual(self.url_open("/api/subsidy/v1/account").status_code, 401)
        response = self._api("/api/subsidy/v1/account", key="not-a-key")
        self.assertEqual(response.status_code, 401)
        self.assertIn("API key", response.json()["error"]["message"])

    def test_api_withdrawal(self):
        response = self._api(
            "/api/subsidy/v1/withdrawals",
            body={
                "amount": 40,
                "payout_method": "alipay",
                "wallet_account": "lin@alipay",
                "holder_name": "Lin Mei",
            },
        )
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["withdrawal"]["state"], "submitted")
        self.account.invalidate_recordset()
        self.assertEqual((self.account.balance, self.account.held), (59.0, 41.0))
        listed = self._api("/api/subsidy/v1/withdrawals").json()["withdrawals"]
        self.assertEqual([w["amount"] for w in listed], [40.0])

    def test_api_bad_input_is_a_400_and_writes_nothing(self):
        for body, message in (
            (
                {"amount": 500, "payout_method": "alipay", "wallet_account": "x", "holder_name": "Lin Mei"},
                "cover",
            ),
            (
                {"amount": -1, "payout_method": "alipay", "wallet_account": "x", "holder_name": "Lin Mei"},
                "positive",
            ),
            ({"amount": "ten"}, "number"),
            (
                {"amount": 20, "payout_method": "alipay", "wallet_account": "x", "holder_name": "Mallory"},
                "holder",
            ),
            (
                {
                    "amount": 20,
                    "account_id": self.other_account.id,
                    "payout_method": "alipay",
                    "wallet_account": "x",
                    "holder_name": "Lin Mei",
                },
                "not yours",
            ),
            ({"amount": 20, "payout_method": "bank", "bank_acc_number": "<script>1</script>" * 3}, "digits"),
            ({"amount": 20, "payout_method": "bank"}, "Choose the bank account"),
        ):
            with self.subTest(body=body):
                response = self._api("/api/subsidy/v1/withdrawals", body=body)
                self.assertEqual(response.status_code, 400, response.text)
                self.assertIn(message, response.json()["error"]["message"])
        response = self.url_open(
            "/api/subsidy/v1/withdrawals",
            data="[1, 2",
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 400)
        self.account.invalidate_recordset()
        self.assertEqual((self.account.balance, self.account.held), (100.0, 0.0))
        self.assertFalse(
            self.env["subsidy.withdrawal"].search([("partner_id", "=", self.shopper.partner_id.id)])
        )

    def test_public_pool_page(self):
        self.env["website"].get_current_website().company_id = self.program.company_id
        page = self.url_open("/subsidy/pool")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Portal Queue", page.text)
        self.assertIn(self.queued.name, page.text)
        self.assertIn("O***", page.text)
        self.assertNotIn("Lin Mei", page.text, "shoppers' names stay private")
        figures = self.program._public_figures()
        self.assertEqual(
            (figures["paid_total"], figures["contributed"], figures["queued_count"]), (100.0, 350.0, 2)
        )
        self.assertEqual(figures["balance"], figures["contributed"] - figures["paid_total"])

    def test_portal_page_and_form_errors(self):
        self.authenticate("queue_shopper", "queue_shopper")
        page = self.url_open("/my/subsidy")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.mine.name, page.text)
        self.assertNotIn("S00002", page.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.url_open(
            "/my/subsidy/withdraw",
            data={
                "csrf_token": csrf,
                "account_id": self.account.id,
                "amount": "1000",
                "payout_method": "bank",
                "bank_acc_number": "6222 1111",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("does not cover", response.text)
        self.assertFalse(self.env["res.partner.bank"].search([("acc_number", "=", "6222 1111")]))
        response = self.url_open(
            "/my/subsidy/withdraw",
            data={
                "csrf_token": csrf,
                "account_id": self.other_account.id,
                "amount": "10",
                "payout_method": "alipay",
                "wallet_account": "x",
                "holder_name": "Lin Mei",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("not yours", response.text)

    def test_shopper_withdraws_in_the_portal(self):
        self.start_tour("/my/subsidy", "subsidy_portal_withdraw_tour", login="queue_shopper")
        withdrawal = self.env["subsidy.withdrawal"].search([("partner_id", "=", self.shopper.partner_id.id)])
        self.assertEqual((withdrawal.amount, withdrawal.state, withdrawal.fee), (50.0, "submitted", 1.0))
        self.assertEqual(withdrawal.bank_account_id.acc_number, "6222 0200 1234 5678")
        self.assertEqual(withdrawal.bank_account_id.partner_id, self.shopper.partner_id)
