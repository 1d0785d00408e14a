"""The shopper's JSON API and portal forms against hostile and malformed input.

Each test sends real HTTP requests: another shopper's ids never reveal
anything, malformed values answer a JSON 400 (the portal: the page again,
status 400), never a 500 and never a half-write, and long histories are
reachable page by page.
"""

import json
import re

import psycopg2

from odoo.exceptions import MissingError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from odoo.addons.subsidy_queue.controllers.api import _error_values
from odoo.addons.subsidy_queue.models.subsidy_protected_mixin import BusyError

ENTRIES = "/api/subsidy/v1/entries"
WITHDRAWALS = "/api/subsidy/v1/withdrawals"
ACCOUNT = "/api/subsidy/v1/account"
VICTIM_NUMBER = "6222 0211 2233 4455"


class ShopperApiCase(HttpCase):
    """Three portal shoppers: Lin Mei with 100.00 to withdraw, Zhao Lei with
    nothing (an entry still queued) and Wang Fang, the victim, with 1000.00,
    a bank account and a submitted withdrawal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))
        company = cls.env.ref("base.main_company")
        cls.program = cls.env["subsidy.program"].create(
            {
                "name": "Hardening Queue",
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "contribution_rate": 25.0,
                "max_margin_rate": 25.0,
                "subsidy_rate": 25.0,
                "withdraw_min_amount": 10.0,
                "withdraw_max_amount": 5000.0,
                "withdraw_daily_count": 0,
                "withdraw_daily_amount": 0.0,
                "withdraw_fee_fixed": 1.0,
                "withdraw_fee_percent": 0.0,
                "sequence": -1,
            }
        )
        cls.currency = cls.program.currency_id

        def shopper(login, name):
            return new_test_user(cls.env, login=login, password=login, groups="base.group_portal", name=name)

        cls.shopper = shopper("api_shopper", "Lin Mei")
        cls.poor = shopper("api_poor", "Zhao Lei")
        cls.victim = shopper("api_victim", "Wang Fang")
        Entry = cls.env["subsidy.entry"]
        cls.program._lock()
        Entry._enqueue(cls.program, cls.shopper.partner_id, 40000, "website", "S10001")  # earns 100.00
        Entry._enqueue(cls.program, cls.victim.partner_id, 400000, "sale", "S10002")  # earns 1000.00
        cls.program._settle()
        cls.poor_entry = Entry._enqueue(cls.program, cls.poor.partner_id, 20000, "website", "S10003")
        cls.victim_entry = Entry._enqueue(cls.program, cls.victim.partner_id, 20000, "sale", "S10004")
        Account = cls.env["subsidy.account"]
        cls.account = Account.search([("partner_id", "=", cls.shopper.partner_id.id)])
        cls.poor_account = Account.search([("partner_id", "=", cls.poor.partner_id.id)])
        cls.victim_account = Account.search([("partner_id", "=", cls.victim.partner_id.id)])
        cls.shopper_bank = cls.env["res.partner.bank"].create(
            {"acc_number": "6222 0200 0000 0001", "partner_id": cls.shopper.partner_id.id}
        )
        cls.victim_bank = cls.env["res.partner.bank"].create(
            {"acc_number": VICTIM_NUMBER, "partner_id": cls.victim.partner_id.id}
        )
        cls.victim_withdrawal = (
            cls.env["subsidy.withdrawal"]
            .with_user(cls.victim)
            ._request_for_shopper(
                cls.victim.partner_id,
                {"account_id": cls.victim_account.id, "amount": 50.0, "bank_account_id": cls.victim_bank.id},
            )
        )
        cls.keys = {
            user: cls.env["res.users.apikeys"].with_user(user).sudo()._generate("rpc", "app", None)
            for user in (cls.shopper, cls.poor)
        }

    # -- helpers -------------------------------------------------------

    def _api(self, path, user=None, body=None, data=None, headers=None):
        """GET ``path``; or POST ``body`` as JSON, or ``data`` as it is (with ``headers``)."""
        headers = dict({"Authorization": f"Bearer {self.keys[user or self.shopper]}"}, **(headers or {}))
        if body is not None:
            headers.setdefault("Content-Type", "application/json")
            data = json.dumps(body)
        method = "GET" if data is None else "POST"
        return self.opener.request(
            method, self.base_url() + path, data=data, headers=headers, allow_redirects=False, timeout=30
        )

    def _snapshot(self):
        """Balances, holds, withdrawals, ledger lines and bank accounts of everybody."""
        self.env.invalidate_all()
        accounts = self.env["subsidy.account"].search([])
        withdrawals = self.env["subsidy.withdrawal"].search([])
        return {
            "balances": sorted(accounts.mapped(lambda a: (a.id, a.balance, a.held, a.total_withdrawn))),
            "withdrawals": sorted(withdrawals.mapped(lambda w: (w.id, w.state, w.amount))),
            "account_lines": self.env["subsidy.account.line"].search_count([]),
            "pool_lines": self.env["subsidy.pool.line"].search_count([]),
            "banks": self.env["res.partner.bank"].search_count([]),
        }

    def assertJsonError(self, response, status, code=None):
        self.assertEqual(response.status_code, status, response.text[:500])
        self.assertEqual(response.headers.get("Content-Type", "").split(";")[0], "application/json")
        body = response.json()
        self.assertEqual(set(body), {"error"})
        self.assertEqual(set(body["error"]), {"code", "message"})
        self.assertTrue(body["error"]["message"])
        if code:
            self.assertEqual(body["error"]["code"], code)
        return body["error"]["message"]

    def assertNothingOfTheVictim(self, text):
        for secret in (
            VICTIM_NUMBER,
            VICTIM_NUMBER.replace(" ", ""),
            "Wang Fang",
            self.victim_withdrawal.name,
        ):
            self.assertNotIn(secret, text)

    def _portal_csrf(self, login):
        self.authenticate(login, login)
        page = self.url_open("/my/subsidy")
        self.assertEqual(page.status_code, 200)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


@tagged("post_install", "-at_install")
class TestApiHardening(ShopperApiCase):
    # -- (2) somebody else's bank account ------------------------------

    def test_api_someone_elses_bank_account_is_not_yours(self):
        before = self._snapshot()
        messages = set()
        for bank_id in (self.victim_bank.id, 987654321):
            response = self._api(
                WITHDRAWALS, body={"amount": 20, "payout_method": "bank", "bank_account_id": bank_id}
            )
            messages.add(self.assertJsonError(response, 400, "invalid"))
            self.assertNothingOfTheVictim(response.text)
        self.assertEqual(messages, {"This bank account is not yours."}, "unknown and foreign: one answer")
        self.assertEqual(self._snapshot(), before)

    def test_portal_someone_elses_bank_account_is_not_yours(self):
        csrf = self._portal_csrf("api_shopper")
        before = self._snapshot()
        response = self.url_open(
            "/my/subsidy/withdraw",
            data={
                "csrf_token": csrf,
                "account_id": str(self.account.id),
                "amount": "20",
                "payout_method": "bank",
                "bank_account_id": str(self.victim_bank.id),
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("This bank account is not yours.", response.text)
        self.assertNothingOfTheVictim(response.text)
        self.assertEqual(self._snapshot(), before)

    def test_errors_never_quote_another_shoppers_records(self):
        before = self._snapshot()
        for body in (
            {"amount": 20, "account_id": self.victim_account.id, "bank_account_id": self.victim_bank.id},
            {"amount": 20, "account_id": self.victim_account.id, "payout_method": "alipay"},
            {"amount": 20, "bank_account_id": self.victim_bank.id, "payout_method": "wechat"},
        ):
            with self.subTest(body=body):
                response = self._api(WITHDRAWALS, body=body)
                self.assertJsonError(response, 400)
                self.assertNothingOfTheVictim(response.text)
        csrf = self._portal_csrf("api_shopper")
        response = self.url_open(
            f"/my/subsidy/withdrawal/{self.victim_withdrawal.id}/cancel", data={"csrf_token": csrf}
        )
        self.assertEqual(response.status_code, 404)
        self.assertIn("This withdrawal is not yours.", response.text)
        self.assertNothingOfTheVictim(response.text)
        self.assertEqual(self._snapshot(), before)
        self.assertEqual(self.victim_withdrawal.state, "submitted")

    # -- (11) malformed input: a JSON 400, never a 500, nothing written --

    def test_malformed_values_answer_json_400_and_write_nothing(self):
        def body(**values):
            return dict(
                {"amount": 20, "payout_method": "alipay", "wallet_account": "lin", "holder_name": "Lin Mei"},
                **values,
            )

        before = self._snapshot()
        cases = [
            body(amount="1e300"),
            body(amount=1e300),
            body(amount=True),
            body(amount=False),
            body(amount=[20]),
            body(amount={"$gt": 0}),
            body(amount="20 CNY"),
            body(amount="-20"),
            body(amount=-20),
            body(amount=0),
            body(amount=""),
            body(amount=None),
            body(amount=10**30),
            body(amount="20.001"),
            body(amount=20.001),
            body(account_id="abc"),
            body(account_id=True),
            body(account_id=-3),
            body(account_id=1.5),
            body(account_id=2**40),
            body(account_id=[1]),
            body(payout_method=["x"]),
            body(payout_method=123),
            body(payout_method="cash"),
            body(wallet_account=123),
            body(wallet_account={"a": 1}),
            body(wallet_account="x" * 10000),
            body(holder_name="Lin\x00Mei"),
            body(holder_name=["Lin Mei"]),
            {"amount": 20, "payout_method": "bank", "bank_account_id": "abc"},
            {"amount": 20, "payout_method": "bank", "bank_account_id": 2**63},
            {"amount": 20, "payout_method": "bank", "bank_acc_number": 62220200},
            body(unknown_field=1),
            {"nested": {"amount": 20}},
            {},
        ]
        for case in cases:
            with self.subTest(body=case):
                self.assertJsonError(self._api(WITHDRAWALS, body=case), 400, "invalid")
        json_header = {"Content-Type": "application/json"}
        for raw in (
            '{"amount": Infinity, "payout_method": "alipay", "wallet_account": "l", "holder_name": "L"}',
            '{"amount": NaN, "payout_method": "alipay", "wallet_account": "l", "holder_name": "L"}',
            '{"amount": -Infinity}',
            '{"amount": 20, "holder_name": "\\ud800"}',
            "[1, 2]",
            '[{"amount": 20}]',
            '"amount"',
            "null",
            "20",
            "",
            "[1, 2",
            "[" * 5000 + "]" * 5000,
            b"\xff\xfe{}",
        ):
            with self.subTest(raw=raw[:40]):
                self.assertJsonError(self._api(WITHDRAWALS, data=raw, headers=json_header), 400, "invalid")
        self.assertEqual(self._snapshot(), before)

    def test_a_body_that_is_not_json_is_a_415(self):
        before = self._snapshot()
        form = {"amount": "20", "payout_method": "alipay", "wallet_account": "lin", "holder_name": "Lin Mei"}
        self.assertJsonError(self._api(WITHDRAWALS, data=form), 415, "unsupported_media_type")
        for content_type in ("text/plain", "multipart/form-data; boundary=x", None):
            with self.subTest(content_type=content_type):
                headers = {"Content-Type": content_type} if content_type else {}
                response = self._api(WITHDRAWALS, data=json.dumps({"amount": 20}), headers=headers)
                self.assertJsonError(response, 415, "unsupported_media_type")
        big = json.dumps({"amount": 20, "holder_name": "x" * 20000})
        response = self._api(WITHDRAWALS, data=big, headers={"Content-Type": "application/json"})
        self.assertJsonError(response, 413, "too_large")
        self.assertEqual(self._snapshot(), before)

    def test_bad_query_parameters_are_a_400(self):
        for path in (
            f"{ENTRIES}?state=bogus",
            f"{ENTRIES}?state=",
            f"{ENTRIES}?state=queued&state=done",
            f"{ENTRIES}?limit=0",
            f"{ENTRIES}?limit=201",
            f"{ENTRIES}?limit=abc",
            f"{ENTRIES}?limit=-1",
            f"{ENTRIES}?offset=-1",
            f"{ENTRIES}?offset=1.5",
            f"{ENTRIES}?offset=99999999999999999999",
            f"{ENTRIES}?color=red",
            f"{WITHDRAWALS}?state=' OR 1=1 --",
            f"{WITHDRAWALS}?limit=1e3",
            f"{ACCOUNT}?limit=5",
        ):
            with self.subTest(path=path):
                self.assertJsonError(self._api(path), 400, "invalid")

    def test_errors_speak_the_users_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.poor.lang = "zh_CN"
        response = self._api(WITHDRAWALS, user=self.poor, body={"amount": "abc"})
        self.assertEqual(self.assertJsonError(response, 400), "金额必须是数字，例如 50 或 49.90。")
        response = self._api(WITHDRAWALS, user=self.poor, data={"amount": "20"})
        self.assertEqual(
            self.assertJsonError(response, 415),
            "请以 JSON 格式发送请求正文（Content-Type: application/json）。",
        )
        response = self._api(f"{ENTRIES}?state=bogus", user=self.poor)
        self.assertIn("未知状态", self.assertJsonError(response, 400))
        response = self._api(
            WITHDRAWALS, user=self.poor, body={"amount": 20, "bank_account_id": self.victim_bank.id}
        )
        self.assertEqual(self.assertJsonError(response, 400), "这不是您的银行账户。")

    def test_access_errors_are_a_json_403(self):
        """An employee's key without subsidy rights: Odoo's AccessError, answered as JSON."""
        employee = new_test_user(self.env, login="api_employee", groups="base.group_user", name="Clerk")
        key = self.env["res.users.apikeys"].with_user(employee).sudo()._generate("rpc", "app", None)
        for path in (ACCOUNT, ENTRIES, WITHDRAWALS):
            with self.subTest(path=path):
                response = self.url_open(path, headers={"Authorization": f"Bearer {key}"})
                message = self.assertJsonError(response, 403, "forbidden")
                self.assertNotIn("subsidy.", message, "no model names")
        self.assertJsonError(self.url_open(ACCOUNT, headers={"Authorization": "Bearer nope"}), 401)

    def test_one_mapping_of_odoo_exceptions(self):
        """The helper behind every API answer; the 404, 409, 503 and 500 cannot be provoked
        over HTTP without a fault, so they are checked on the mapping itself."""
        english = self.env(context=dict(self.env.context, lang="en_US"))
        self.assertEqual(_error_values(UserError("Too late."), english), (400, "invalid", "Too late."))
        status, code, message = _error_values(MissingError("Record 7 of Wang Fang"), english)
        self.assertEqual((status, code), (404, "not_found"))
        self.assertNotIn("Wang Fang", message)
        self.assertEqual(_error_values(psycopg2.IntegrityError("6222"), english)[:2], (409, "conflict"))
        self.assertEqual(_error_values(psycopg2.errors.SerializationFailure(), english)[:2], (503, "busy"))
        # Rows another request holds (a NOWAIT lock): nothing changed, try again; not a bad request.
        self.assertEqual(
            _error_values(BusyError("Being processed."), english), (503, "busy", "Being processed.")
        )
        self.env["res.lang"]._activate_lang("zh_CN")
        chinese = self.env(context=dict(self.env.context, lang="zh_CN"))
        self.assertEqual(_error_values(MissingError("x"), chinese)[2], "该记录不存在或已被删除。")
        status, code, message = _error_values(ZeroDivisionError("secret detail"), english)
        self.assertEqual((status, code), (500, "internal"))
        self.assertNotIn("secret", message)

    def test_portal_form_bad_values_rerender_with_400(self):
        csrf = self._portal_csrf("api_shopper")
        before = self._snapshot()
        base = {"csrf_token": csrf, "account_id": str(self.account.id), "payout_method": "alipay"}
        base.update(wallet_account="lin", holder_name="Lin Mei")
        for values, message in (
            ({"amount": "1e300"}, "must be a number"),
            ({"amount": "Infinity"}, "must be a number"),
            ({"amount": "NaN"}, "must be a number"),
            ({"amount": "-5"}, "must be a number"),
            ({"amount": "20", "account_id": "abc"}, "positive whole number"),
            ({"amount": "20", "account_id": "99999999999"}, "positive whole number"),
            ({"amount": "20", "payout_method": "cash"}, "Unknown payout method"),
            ({"amount": "20", "holder_name": "Lin\x00Mei"}, "control characters"),
            ({"amount": "20", "payout_method": "bank", "bank_account_id": "abc"}, "positive whole number"),
            (
                {"amount": "20", "payout_method": "bank", "bank_account_id": str(self.victim_bank.id)},
                "not yours",
            ),
        ):
            with self.subTest(values=values):
                response = self.url_open("/my/subsidy/withdraw", data=dict(base, **values))
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
                self.assertIn('id="subsidy_error"', response.text)
        response = self.url_open("/my/subsidy/withdrawal/99999999999/cancel", data={"csrf_token": csrf})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self._snapshot(), before)

    # -- (13) every entry reachable, page by page ------------------------

    def _long_history(self, finished=205):
        """``finished`` more entries paid in full, then one entry still queued."""
        program = self.program
        program._lock()
        Entry = self.env["subsidy.entry"]
        for number in range(finished):
            Entry._enqueue(program, self.shopper.partner_id, 400, "website", f"H{number:05d}")
        # Pays the two entries queued ahead (50.00 each); its own turn comes after.
        Entry._enqueue(program, self.victim.partner_id, 40000, "sale", "FUNDS")
        program._settle()
        queued = Entry._enqueue(program, self.shopper.partner_id, 4000000, "website", "LATEST")
        self.env.flush_all()
        return queued

    def test_portal_shows_queued_entries_beyond_200_finished_ones(self):
        queued = self._long_history()
        self.authenticate("api_shopper", "api_shopper")
        page = self.url_open("/my/subsidy")
        self.assertEqual(page.status_code, 200)
        self.assertIn(queued.name, page.text, "the summary shows what waits in the queue")
        self.assertNotIn("Nothing waiting in the queue.", page.text)
        entries = self.env["subsidy.entry"].search(
            [("partner_id", "=", self.shopper.partner_id.id)], order="date_queued desc, id desc"
        )
        self.assertEqual(len(entries), 207)
        first = self.url_open("/my/subsidy/entries")
        self.assertIn(queued.name, first.text, "newest first")
        self.assertIn("o_portal_pager", first.text)
        oldest = entries[-1]
        last = self.url_open("/my/subsidy/entries/page/5")
        self.assertEqual(last.status_code, 200)
        self.assertIn(oldest.name, last.text)
        self.assertIn(queued.name, self.url_open("/my/subsidy/entries?filterby=queued").text)
        self.assertEqual(self.url_open("/my/subsidy/entries/page/999").status_code, 200)

    def test_api_pages_through_every_entry(self):
        queued = self._long_history()
        first = self._api(ENTRIES).json()
        self.assertEqual((first["total"], first["limit"], first["offset"]), (207, 50, 0))
        self.assertEqual(first["entries"][0]["name"], queued.name, "the queued entry comes first")
        seen, url = [], ENTRIES
        while url:
            page = self._api(url)
            self.assertEqual(page.status_code, 200, page.text)
            answer = page.json()
            seen += [entry["id"] for entry in answer["entries"]]
            url = answer["next"]
        self.assertEqual(len(seen), 207)
        self.assertEqual(len(set(seen)), 207)
        big = self._api(f"{ENTRIES}?limit=200&offset=200").json()
        self.assertEqual((len(big["entries"]), big["next"]), (7, None))
        done = self._api(f"{ENTRIES}?state=done&limit=5").json()
        self.assertEqual((done["total"], len(done["entries"])), (206, 5))
        self.assertEqual(done["next"], f"{ENTRIES}?state=done&limit=5&offset=5")
        self.assertEqual(done["next_offset"], 5)

    def test_api_pages_through_withdrawals(self):
        for amount in (10, 11, 12):
            self.env["subsidy.withdrawal"].with_user(self.shopper)._request_for_shopper(
                self.shopper.partner_id,
                {
                    "amount": float(amount),
                    "payout_method": "alipay",
                    "wallet_account": "l",
                    "holder_name": "Lin Mei",
                },
            )
        first = self._api(f"{WITHDRAWALS}?limit=2").json()
        self.assertEqual([w["amount"] for w in first["withdrawals"]], [12.0, 11.0])
        self.assertEqual((first["total"], first["next_offset"]), (3, 2))
        rest = self._api(first["next"]).json()
        self.assertEqual(([w["amount"] for w in rest["withdrawals"]], rest["next"]), ([10.0], None))
        self.assertEqual(self._api(f"{WITHDRAWALS}?state=paid").json()["withdrawals"], [])

    def test_portal_and_api_read_the_same_page(self):
        self._long_history(finished=60)
        api_names = [
            entry["name"] for entry in self._api(f"{ENTRIES}?state=done&offset=50").json()["entries"]
        ]
        self.authenticate("api_shopper", "api_shopper")
        page = self.url_open("/my/subsidy/entries/page/2?filterby=done").text
        positions = [page.index(name) for name in api_names]
        self.assertEqual(positions, sorted(positions), "same entries, same order")
        self.assertNotIn(self._api(f"{ENTRIES}?state=done&limit=1").json()["entries"][0]["name"], page)
