"""Hypothesis throws random and malicious input at every shopper route, over real HTTP.

Routes: the API's GET account, entries (filters, paging), withdrawals and
parcels, its POST withdrawals, and the portal's withdraw and cancel forms.
Input: wrong types, huge and negative numbers, NaN and Infinity, unicode,
SQL and HTML fragments, bodies that are not JSON, missing CSRF tokens, other
shoppers' ids. Zhao Lei, the attacker, has nothing to withdraw, so every
write he asks for must be refused: after each request, balances, holds,
withdrawals, ledger lines and bank accounts are exactly as before. Lin Mei
has money: her requests that succeed hold exactly amount and fee, and are
cancelled again.

Every answer must be below 500; every API answer must be JSON, either the
README's success shape or ``{"error": {"code", "message"}}``. The examples are
derandomized (reproducible in CI); 1,010 requests in all.
"""

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import tagged

from .test_api_hardening import ACCOUNT, ENTRIES, VICTIM_NUMBER, WITHDRAWALS, ShopperApiCase

PARCELS = "/api/subsidy/v1/parcels"
FIELDS = (
    "account_id",
    "amount",
    "payout_method",
    "bank_account_id",
    "bank_acc_number",
    "wallet_account",
    "holder_name",
)
MALICIOUS = [
    "' OR 1=1 --",
    "1; DROP TABLE subsidy_withdrawal; --",
    "1 UNION SELECT acc_number FROM res_partner_bank",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}",
    "${7*7}",
    "%s%s%s%n",
    "../../../etc/passwd",
    "\x00",
    "NaN",
    "nan",
    "Infinity",
    "-Infinity",
    "1e300",
    "1E-7",
    "-1",
    "0",
    "0x10",
    "1_000",
    "２０",
    "٣٠",
    "²",
    " 20 ",
    "20.",
    ".5",
    "20,50",
    "20.001",
    "99999999999999999999999",
    "null",
    "true",
    "[]",
    "{}",
    "\u202e01",
    "\U0001f4b0" * 40,
    "A" * 300,
    "queued",
    "done",
    "bank",
    "alipay",
    "wechat",
    "Zhao Lei",
    "Wang Fang",
    VICTIM_NUMBER,
]
SETTINGS = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "suppress_health_check": list(HealthCheck),
    "print_blob": False,
}
# Text that can travel in a URL or a form (no lone surrogates).
url_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
json_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**80), 2**80),
    st.floats(),
    st.text(max_size=40),
    st.sampled_from(MALICIOUS),
)
json_value = st.recursive(
    json_scalar,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


@tagged("post_install", "-at_install")
class TestFuzz(ShopperApiCase):
    # The query parameters each read route knows.
    _params = {
        ACCOUNT: (),
        ENTRIES: ("state", "limit", "offset"),
        WITHDRAWALS: ("state", "limit", "offset"),
        PARCELS: ("limit", "offset"),
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.foreign_ids = [
            cls.victim_account.id,
            cls.victim_bank.id,
            cls.victim_withdrawal.id,
            cls.victim_entry.id,
            cls.account.id,
            cls.shopper_bank.id,
            0,
            -1,
            2**31,
            2**63,
        ]

    # -- strategies that need the fixtures' ids ---------------------------

    def _ids(self):
        return st.sampled_from(self.foreign_ids) | st.integers(-(2**70), 2**70)

    def _field(self, key):
        """A value for ``key``: plausible, another shopper's, or anything at all."""
        plausible = {
            "amount": st.integers(1, 300)
            | st.floats(0.001, 1e12)
            | st.decimals(0, 1000, places=3).map(str)
            | st.sampled_from(["20", "20.00", 20, 20.0]),
            "account_id": self._ids() | st.just(self.poor_account.id),
            "bank_account_id": self._ids(),
            "payout_method": st.sampled_from(["bank", "alipay", "wechat"]),
            "bank_acc_number": st.sampled_from([VICTIM_NUMBER, "6222 0200 0000 0001", "6222020299998888"]),
            "wallet_account": st.sampled_from(["zhao@alipay", "wx_zhao"]),
            "holder_name": st.sampled_from(["Zhao Lei", "Wang Fang", "zhao lei"]),
        }[key]
        return st.one_of(plausible, plausible, json_value, self._ids())

    def _withdrawal_body(self):
        known = st.fixed_dictionaries({}, optional={key: self._field(key) for key in FIELDS})
        extra = st.dictionaries(st.text(max_size=12), json_value, max_size=2)
        return st.one_of(known, known, known, st.builds(lambda a, b: {**a, **b}, known, extra), json_value)

    def _authorization(self):
        return st.one_of(
            st.just(f"Bearer {self.keys[self.poor]}"),
            st.just(f"Bearer {self.keys[self.poor]}"),
            st.just(f"Bearer {self.keys[self.poor]}"),
            st.none(),
            st.sampled_from(["Bearer ", "Bearer nope", "Basic YWRtaW46YWRtaW4=", "bearer ' OR 1=1 --"]),
            st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60).map("Bearer {}".format),
        )

    def _query(self, names):
        """Query parameters: the route's own with fair or hostile values, unknown ones, repeats."""
        fair = {
            "state": st.sampled_from(["queued", "done", "cancelled", "expired", "submitted", "paid"]),
            "limit": st.integers(-5, 300).map(str),
            "offset": st.integers(-5, 10**12).map(str),
        }
        pair = st.one_of(
            *(st.tuples(st.just(name), fair[name] | st.sampled_from(MALICIOUS) | url_text) for name in names),
            st.tuples(st.sampled_from(["foo", "STATE", "state[]", "", "limit "]) | url_text, url_text),
        )
        return st.lists(pair, max_size=4) if names else st.lists(pair, max_size=2)

    # -- checks ----------------------------------------------------------

    def _run(self, count, test):
        """Run the hypothesis ``test`` ``count`` times (derandomized); prove it ran them all."""
        done = []

        @settings(max_examples=count, **SETTINGS)
        @given(st.data())
        def run(data):
            done.append(1)
            test(data)

        run()
        self.assertGreaterEqual(len(done), count)

    def assertWellFormed(self, response, success_keys):
        """Below 500, JSON, and either the README's success shape or its error shape."""
        self.assertLess(response.status_code, 500, response.text[:300])
        self.assertEqual(response.headers.get("Content-Type", "").split(";")[0], "application/json")
        body = response.json()
        if response.status_code < 300:
            self.assertEqual(set(body), set(success_keys), body)
        else:
            self.assertIn(response.status_code, (400, 401, 403, 404, 413, 415))
            self.assertEqual(set(body), {"error"})
            self.assertEqual(set(body["error"]), {"code", "message"})
            self.assertIsInstance(body["error"]["code"], str)
            self.assertTrue(isinstance(body["error"]["message"], str) and body["error"]["message"])
        self.assertNothingOfTheVictim(response.text)
        return body

    def _get(self, path, data):
        headers = {}
        if (authorization := data.draw(self._authorization(), "authorization")) is not None:
            headers["Authorization"] = authorization
        params = data.draw(self._query(self._params[path]), "query")
        return self.opener.get(self.base_url() + path, params=params, headers=headers, timeout=30)

    def _fuzz_get(self, path, count, success_keys, check=None):
        before = self._snapshot()

        def test(data):
            response = self._get(path, data)
            body = self.assertWellFormed(response, success_keys)
            if response.status_code == 200:
                self.assertLessEqual(len(body[success_keys[0]]), 200)
                if check:
                    check(body)
            self.assertEqual(self._snapshot(), before)

        self._run(count, test)

    # -- the API's reads ---------------------------------------------------

    def test_fuzz_api_account(self):
        def mine(body):
            self.assertEqual([a["id"] for a in body["accounts"]], self.poor_account.ids)

        self._fuzz_get(ACCOUNT, 60, ("accounts",), mine)

    def test_fuzz_api_entries(self):
        paged = ("total", "limit", "offset", "next", "next_offset")

        def mine(body):
            self.assertLessEqual({e["id"] for e in body["entries"]}, set(self.poor_entry.ids))
            self.assertLessEqual(len(body["entries"]), body["limit"])

        self._fuzz_get(ENTRIES, 210, ("entries", *paged), mine)

    def test_fuzz_api_withdrawals_list(self):
        paged = ("total", "limit", "offset", "next", "next_offset")

        def none(body):
            self.assertEqual((body["withdrawals"], body["total"]), ([], 0))

        self._fuzz_get(WITHDRAWALS, 120, ("withdrawals", *paged), none)

    def test_fuzz_api_parcels(self):
        if self.env["ir.module.module"]._get("direct_ship").state != "installed":
            # Without direct_ship the route does not exist: Odoo's own 404, never a 5xx.
            self._run(60, lambda data: self.assertEqual(self._get(PARCELS, data).status_code, 404))
            return
        paged = ("total", "limit", "offset", "next", "next_offset")
        self._fuzz_get(PARCELS, 60, ("orders", *paged), lambda body: self.assertEqual(body["orders"], []))

    # -- the API's write ---------------------------------------------------

    def test_fuzz_api_post_withdrawals(self):
        before = self._snapshot()
        content_types = st.sampled_from(
            ["application/json"] * 6
            + ["application/json; charset=utf-8", "application/x-www-form-urlencoded", "text/plain", None]
        )

        def test(data):
            headers = {}
            if (authorization := data.draw(self._authorization(), "authorization")) is not None:
                headers["Authorization"] = authorization
            if (content_type := data.draw(content_types, "content type")) is not None:
                headers["Content-Type"] = content_type
            shape = data.draw(st.sampled_from(["json"] * 8 + ["truncated", "bytes"]), "shape")
            if shape == "bytes":
                raw = data.draw(st.binary(max_size=200), "body")
            else:
                raw = json.dumps(data.draw(self._withdrawal_body(), "body")).encode()
                if shape == "truncated":
                    raw = raw[: data.draw(st.integers(0, max(len(raw) - 1, 0)), "cut")]
            response = self.opener.post(self.base_url() + WITHDRAWALS, data=raw, headers=headers, timeout=30)
            self.assertNotEqual(response.status_code, 201, "Zhao Lei has nothing to withdraw")
            self.assertWellFormed(response, ())
            self.assertEqual(self._snapshot(), before)

        self._run(300, test)

    # -- the portal's forms ------------------------------------------------

    def _form_value(self):
        return st.one_of(
            url_text,
            st.sampled_from(MALICIOUS),
            st.sampled_from(self.foreign_ids).map(str),
            st.integers(-(2**70), 2**70).map(str),
            st.floats().map(repr),
            st.sampled_from(["20", "20.00", "bank", "alipay", "Zhao Lei", str(self.poor_account.id)]),
        )

    def _portal_csrf_or_not(self, csrf):
        return st.sampled_from([csrf] * 6 + [None, "", "0" * 40, csrf[:-1] + "x"])

    def test_fuzz_portal_withdraw(self):
        csrf = self._portal_csrf("api_poor")
        before = self._snapshot()
        names = st.sampled_from(FIELDS) | st.sampled_from(["csrf_token", "redirect", "amount[]"]) | url_text

        def test(data):
            pairs = data.draw(st.lists(st.tuples(names, self._form_value()), max_size=9), "form")
            token = data.draw(self._portal_csrf_or_not(csrf), "csrf")
            if token is not None:
                pairs.insert(0, ("csrf_token", token))
            files = None
            if data.draw(st.integers(0, 9), "multipart") == 0:
                files = {"amount": ("amount.txt", b"20"), "holder_name": ("x.html", b"<b>x</b>")}
            response = self.opener.post(
                self.base_url() + "/my/subsidy/withdraw",
                data=pairs,
                files=files,
                allow_redirects=False,
                timeout=30,
            )
            self.assertLess(response.status_code, 500, response.text[-500:])
            self.assertIn(response.status_code, (400, 403), "Zhao Lei has nothing to withdraw")
            self.assertNothingOfTheVictim(response.text)
            self.assertNotIn("<script>alert(1)</script>", response.text)
            self.assertEqual(self._snapshot(), before)

        self._run(120, test)

    def test_fuzz_portal_cancel(self):
        csrf = self._portal_csrf("api_poor")
        before = self._snapshot()
        ids = st.sampled_from(self.foreign_ids[:4] + [0, 2**31, 2**63]) | st.integers(0, 2**70)

        def test(data):
            withdrawal_id = data.draw(ids, "withdrawal id")
            token = data.draw(self._portal_csrf_or_not(csrf), "csrf")
            form = data.draw(st.dictionaries(url_text, url_text, max_size=3), "form")
            if token is not None:
                form["csrf_token"] = token
            response = self.opener.post(
                f"{self.base_url()}/my/subsidy/withdrawal/{withdrawal_id}/cancel",
                data=form,
                allow_redirects=False,
                timeout=30,
            )
            self.assertIn(response.status_code, (400, 404), response.text[-300:])
            self.assertNothingOfTheVictim(response.text)
            self.assertEqual(self._snapshot(), before)

        self._run(80, test)
        self.assertEqual(self.victim_withdrawal.state, "submitted")

    # -- a shopper with money: what succeeds is exactly accounted for -------

    def test_fuzz_funded_withdrawals_hold_exactly_amount_and_fee(self):
        csrf = self._portal_csrf("api_shopper")
        plausible = st.fixed_dictionaries(
            {
                "amount": st.one_of(
                    st.integers(5, 60),
                    st.decimals(5, 60, places=2).map(str),
                    st.decimals(5, 60, places=3).map(str),
                    st.floats(5, 60),
                ),
                "payout_method": st.sampled_from(["bank", "alipay", "wechat"]),
            },
            optional={
                "account_id": st.sampled_from([self.account.id, self.victim_account.id]),
                "bank_account_id": st.sampled_from([self.shopper_bank.id, self.victim_bank.id]),
                "bank_acc_number": st.sampled_from(["6222 0200 7777 0001", "62-22", VICTIM_NUMBER]),
                "wallet_account": st.sampled_from(["lin@alipay", "", "x" * 200]),
                "holder_name": st.sampled_from(["Lin Mei", "lin  mei", "Wang Fang", "Lin\x00Mei"]),
            },
        )
        succeeded = []

        def test(data):
            body = data.draw(plausible, "body")
            before = self._snapshot()
            response = self._api(WITHDRAWALS, body=body)
            answer = self.assertWellFormed(response, ("withdrawal",))
            if response.status_code != 201:
                self.assertEqual(self._snapshot(), before)
                return
            succeeded.append(body)
            withdrawal = self.env["subsidy.withdrawal"].browse(answer["withdrawal"]["id"])
            self.assertEqual(withdrawal.partner_id, self.shopper.partner_id)
            self.assertEqual(withdrawal.state, "submitted")
            self.assertTrue(math.isclose(withdrawal.amount, float(body["amount"]), abs_tol=1e-9))
            after = self._snapshot()
            moved = withdrawal.amount_total
            self.assertTrue(self.currency.is_zero(withdrawal.amount + withdrawal.fee - moved))
            balances = {row[0]: row[1:] for row in before["balances"]}
            for account_id, balance, held, withdrawn in after["balances"]:
                if account_id == self.account.id:
                    old_balance, old_held, old_withdrawn = balances[account_id]
                    self.assertTrue(self.currency.is_zero(old_balance - moved - balance))
                    self.assertTrue(self.currency.is_zero(old_held + moved - held))
                    self.assertEqual(withdrawn, old_withdrawn)
                else:
                    self.assertEqual((balance, held, withdrawn), balances[account_id])
            new = (withdrawal.id, "submitted", withdrawal.amount)
            self.assertEqual(after["withdrawals"], sorted([*before["withdrawals"], new]))
            self.assertEqual(after["account_lines"], before["account_lines"] + 1, "one hold")
            self.assertEqual(after["pool_lines"], before["pool_lines"])
            self.assertIn(after["banks"] - before["banks"], (0, 1), "at most the new account given")
            # Cancelled again in the portal: the money is back where it was.
            cancel = self.url_open(
                f"/my/subsidy/withdrawal/{withdrawal.id}/cancel", data={"csrf_token": csrf}
            )
            self.assertEqual(cancel.status_code, 200)
            self.assertEqual(self._snapshot()["balances"], before["balances"])

        self._run(60, test)
        self.assertTrue(succeeded, "some fair requests went through")
