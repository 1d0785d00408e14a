"""The mobile app over real HTTP: sign-in (Odoo's login, cooldown and 2FA), device keys
with the company's lifetime, the shopper's devices in the portal and their revocation,
the routes of one entry and of cancelling a withdrawal, and the API's JSON errors."""

import base64
import json
import re
import time
from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, get_db_name, new_test_user, tagged
from odoo.tests.common import Opener

from odoo.addons.auth_totp.models.totp import hotp

from ..engine.estimates import WaitEstimate
from ..models.res_users_apikeys import APP_MAX_DEVICES, APP_SCOPE

API = "/api/subsidy/v1"
SIGN_IN = f"{API}/auth/sign-in"
SECRET = base64.b32encode(b"queue-subsidy-app-2fa").decode()


class AppCase(HttpCase):
    """Lin Mei (portal) with 100.00 received, an entry queued and a withdrawal to come;
    Zhao Lei (portal), whose records Lin must never reach; a clerk (internal user)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))
        company = cls.env.ref("base.main_company")
        cls.program = cls.env["subsidy.program"].create(
            {
                "name": "App Queue",
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "contribution_rate": 25.0,
                "max_margin_rate": 25.0,
                "subsidy_rate": 25.0,
                "withdraw_min_amount": 10.0,
                "withdraw_daily_count": 0,
                "withdraw_daily_amount": 0.0,
                "withdraw_fee_fixed": 1.0,
                "withdraw_fee_percent": 0.0,
                "sequence": -1,
            }
        )
        cls.shopper = new_test_user(
            cls.env, login="app_lin", password="app_lin_pw", groups="base.group_portal", name="Lin Mei"
        )
        cls.other = new_test_user(
            cls.env, login="app_zhao", password="app_zhao_pw", groups="base.group_portal", name="Zhao Lei"
        )
        cls.clerk = new_test_user(
            cls.env, login="app_clerk", password="app_clerk_pw", groups="base.group_user"
        )
        Entry = cls.env["subsidy.entry"]
        cls.program._lock()
        cls.paid = Entry._enqueue(cls.program, cls.shopper.partner_id, 40000, "website", "S20001")
        cls.program._settle()  # 100.00 into the pool, all to Lin's first entry
        cls.others_entry = Entry._enqueue(cls.program, cls.other.partner_id, 40000, "sale", "S20002")
        cls.queued = Entry._enqueue(cls.program, cls.shopper.partner_id, 20000, "website", "S20003")
        cls.account = cls.env["subsidy.account"].search([("partner_id", "=", cls.shopper.partner_id.id)])

    def setUp(self):
        super().setUp()
        # The login cooldown counts failures per address in the registry: none left for other tests.
        self.addCleanup(lambda: getattr(self.registry, "_login_failures", {}).clear())
        self.app = Opener(self.cr)  # the app: no cookie, no session of the browser's
        self.addCleanup(self.app.close)

    # -- helpers -------------------------------------------------------

    def request(self, method, path, key=None, body=None, data=None, headers=None):
        """One call of the app: JSON ``body`` (or raw ``data``), with the bearer ``key``."""
        headers = dict(headers or {})
        if key:
            headers["Authorization"] = f"Bearer {key}"
        if body is not None:
            headers.setdefault("Content-Type", "application/json")
            data = json.dumps(body)
        return self.app.request(
            method, self.base_url() + path, data=data, headers=headers, timeout=30, allow_redirects=False
        )

    def sign_in(self, login="app_lin", password="app_lin_pw", device="Lin's phone", **extra):
        return self.request(
            "POST", SIGN_IN, body=dict(login=login, password=password, device_name=device, **extra)
        )

    def key_of(self, login="app_lin", password="app_lin_pw", device="Lin's phone"):
        response = self.sign_in(login, password, device)
        self.assertEqual(response.status_code, 201, response.text)
        return response.json()["api_key"]

    def assertJsonError(self, response, status, code=None):
        self.assertEqual(response.status_code, status, response.text[:300])
        self.assertEqual(response.headers.get("Content-Type", "").split(";")[0], "application/json")
        body = response.json()
        self.assertEqual(set(body), {"error"})
        if code:
            self.assertEqual(body["error"]["code"], code)
        self.assertTrue(body["error"]["message"])
        return body["error"]["message"]

    def app_keys(self, user):
        return (
            self.env["res.users.apikeys"]
            .sudo()
            .search([("user_id", "=", user.id), ("scope", "=", APP_SCOPE)])
        )

    def totp_code(self, offset=0):
        return "%06d" % hotp(base64.b32decode(SECRET), int(time.time() / 30) + offset)


@tagged("post_install", "-at_install")
class TestAppSignIn(AppCase):
    def test_sign_in_gives_a_device_key_that_opens_the_api_only(self):
        before = fields.Datetime.now()
        response = self.sign_in(device="Lin's iPhone 15")
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        answer = response.json()
        self.assertEqual(answer["token_type"], "Bearer")
        self.assertEqual(answer["device"]["name"], "Lin's iPhone 15")
        self.assertNotIn("Set-Cookie", response.headers, "the app gets no browser session")
        key = self.app_keys(self.shopper)
        self.assertEqual((len(key), key.name, key.id), (1, "Lin's iPhone 15", answer["device"]["id"]))
        # The key works on the API ...
        accounts = self.request("GET", f"{API}/account", answer["api_key"]).json()["accounts"]
        self.assertEqual([a["balance"] for a in accounts if a["program"] == "App Queue"], [100.0])
        # ... and nowhere else: not as a password over RPC, not on Odoo's own bearer routes.
        common = self.xmlrpc_common
        self.assertFalse(common.authenticate(get_db_name(), "app_lin", answer["api_key"], {}))
        self.assertTrue(common.authenticate(get_db_name(), "app_lin", "app_lin_pw", {}))
        # The key's lifetime: the company's default, 90 days.
        self.assertGreaterEqual(key.expiration_date, before + timedelta(days=90) - timedelta(seconds=1))
        self.assertLessEqual(key.expiration_date, fields.Datetime.now() + timedelta(days=90))

    def test_key_lifetime_is_the_companys_and_bounded(self):
        company = self.shopper.company_id
        company.subsidy_app_key_days = 30
        token = self.key_of()
        key = self.app_keys(self.shopper)
        self.assertLessEqual(key.expiration_date, fields.Datetime.now() + timedelta(days=30))
        self.assertGreater(key.expiration_date, fields.Datetime.now() + timedelta(days=29))
        for days in (0, -5, 366, 10000):
            with self.subTest(days=days), self.assertRaises(ValidationError), self.env.cr.savepoint():
                company.subsidy_app_key_days = days
        self.assertEqual(self.request("GET", f"{API}/account", token).status_code, 200)
        # Past its date, the key is refused at once.
        self.env.cr.execute(
            "UPDATE res_users_apikeys SET expiration_date = now() at time zone 'utc' - interval '1 second' "
            "WHERE id = %s",
            [key.id],
        )
        self.assertJsonError(self.request("GET", f"{API}/account", token), 401, "unauthorized")

    def test_wrong_credentials_are_one_generic_401(self):
        answers = set()
        for login, password in (
            ("app_lin", "wrong"),
            ("nobody_at_all", "app_lin_pw"),
            ("app_lin", "app_zhao_pw"),
            ("APP_LIN ", "app_lin_pw "),
        ):
            with self.subTest(login=login):
                response = self.sign_in(login, password)
                message = self.assertJsonError(response, 401, "invalid_credentials")
                answers.add((response.status_code, message, response.text))
        self.assertEqual(len(answers), 1, "an unknown login and a wrong password answer alike")
        self.assertFalse(self.app_keys(self.shopper))

    def test_login_cooldown_applies(self):
        ICP = self.env["ir.config_parameter"].sudo()
        ICP.set_param("base.login_cooldown_after", 3)
        ICP.set_param("base.login_cooldown_duration", 600)
        for _attempt in range(3):
            self.assertJsonError(self.sign_in(password="guess"), 401, "invalid_credentials")
        response = self.sign_in()  # the right password, but on cooldown
        self.assertJsonError(response, 429, "too_many_attempts")
        self.assertEqual(response.headers["Retry-After"], "600")
        self.assertFalse(self.app_keys(self.shopper))
        self.registry._login_failures.clear()  # the cooldown is over
        self.assertEqual(self.sign_in().status_code, 201)

    def test_two_factor_authentication(self):
        self.assertTrue(self.shopper.with_user(self.shopper)._totp_try_setting(SECRET, int(self.totp_code())))
        self.assertTrue(self.shopper.totp_enabled)
        message = self.assertJsonError(self.sign_in(), 401, "totp_required")
        self.assertIn("6-digit", message)
        wrong = "%06d" % ((int(self.totp_code()) + 1) % 10**6)
        self.assertJsonError(self.sign_in(totp_code=wrong), 401, "invalid_credentials")
        self.assertJsonError(
            self.sign_in(password="guess", totp_code=self.totp_code()), 401, "invalid_credentials"
        )
        self.assertFalse(self.app_keys(self.shopper))
        response = self.sign_in(totp_code=self.totp_code())
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(self.request("GET", f"{API}/account", response.json()["api_key"]).status_code, 200)

    def test_wrong_codes_count_toward_the_cooldown(self):
        """The right password with wrong codes: each a failed login, as Odoo's cooldown counts them."""
        self.shopper.with_user(self.shopper)._totp_try_setting(SECRET, int(self.totp_code()))
        self.env["ir.config_parameter"].sudo().set_param("base.login_cooldown_after", 2)
        wrong = "%06d" % ((int(self.totp_code()) + 7) % 10**6)
        for _attempt in range(2):
            self.assertJsonError(self.sign_in(totp_code=wrong), 401, "invalid_credentials")
        self.assertJsonError(self.sign_in(totp_code=self.totp_code()), 429, "too_many_attempts")
        self.assertFalse(self.app_keys(self.shopper))

    def test_staff_cannot_sign_in_to_the_app(self):
        self.assertJsonError(self.sign_in("app_clerk", "app_clerk_pw"), 403, "forbidden")
        self.assertFalse(self.app_keys(self.clerk))

    def test_bad_sign_in_bodies_are_400_413_415(self):
        good = {"login": "app_lin", "password": "app_lin_pw", "device_name": "Phone"}
        for body in (
            {},
            {"login": "app_lin", "password": "app_lin_pw"},
            dict(good, login=True),
            dict(good, password=True),
            dict(good, password=123456),
            dict(good, device_name=""),
            dict(good, device_name="x" * 65),
            dict(good, device_name="Phone\x00"),
            dict(good, device_name=["Phone"]),
            dict(good, totp_code=123456),
            dict(good, totp_code=True),
            dict(good, totp_code="12345"),
            dict(good, totp_code="abcdef"),
            dict(good, remember_me=True),
            [good],
        ):
            with self.subTest(body=body):
                self.assertJsonError(self.sign_in_raw(json.dumps(body)), 400, "invalid")
        self.assertJsonError(
            self.sign_in_raw(
                '{"login": "app_lin", "login": "app_zhao", "password": "x", "device_name": "P"}'
            ),
            400,
            "invalid",
        )
        self.assertJsonError(
            self.request("POST", SIGN_IN, data=good, headers={}), 415, "unsupported_media_type"
        )
        self.assertJsonError(self.sign_in_raw(json.dumps(dict(good, password="x" * 20000))), 413, "too_large")
        self.assertFalse(self.app_keys(self.shopper))

    def sign_in_raw(self, data):
        return self.request("POST", SIGN_IN, data=data, headers={"Content-Type": "application/json"})

    def test_devices_beyond_the_limit_sign_the_oldest_out(self):
        Keys = self.env["res.users.apikeys"]
        first, _device = Keys._subsidy_app_generate(self.shopper, "Phone 0")
        for number in range(1, APP_MAX_DEVICES + 1):
            Keys._subsidy_app_generate(self.shopper, f"Phone {number}")
        devices = Keys._subsidy_app_devices(self.shopper)
        self.assertEqual(len(devices), APP_MAX_DEVICES)
        self.assertNotIn("Phone 0", devices.mapped("name"))
        self.assertJsonError(self.request("GET", f"{API}/account", first), 401)


@tagged("post_install", "-at_install")
class TestAppDevices(AppCase):
    def _csrf(self, page):
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def test_portal_lists_and_revokes_devices(self):
        phone = self.key_of(device="Lin's phone")
        tablet = self.key_of(device="Lin's <b>tablet</b>")
        others = self.key_of("app_zhao", "app_zhao_pw", "Zhao's phone")
        self.authenticate("app_lin", "app_lin_pw")
        page = self.url_open("/my/subsidy/devices")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Lin&#39;s phone", page.text)
        self.assertIn("Lin&#39;s &lt;b&gt;tablet&lt;/b&gt;", page.text, "device names are escaped")
        self.assertNotIn("Zhao", page.text)
        self.assertEqual(page.text.count('class="o_subsidy_device"'), 2)
        expires = self.app_keys(self.shopper)[0].expiration_date
        self.assertIn(str(expires.year), page.text)
        phone_id = self.app_keys(self.shopper).filtered(lambda k: k.name == "Lin's phone").id
        self.assertIn(f'href="/my/subsidy/devices/{phone_id}/revoke"', page.text)
        self.assertNotIn("Sign this device out?", page.text)
        # Signing out asks first: the device, and a form that posts.
        confirm = self.url_open(f"/my/subsidy/devices/{phone_id}/revoke")
        self.assertEqual(confirm.status_code, 200)
        self.assertIn("Sign this device out?", confirm.text)
        self.assertIn(f'action="/my/subsidy/devices/{phone_id}/revoke"', confirm.text)
        self.assertEqual(
            self.request("GET", f"{API}/account", phone).status_code, 200, "asking revokes nothing"
        )
        csrf = self._csrf(confirm)
        # Without the CSRF token: refused, the key still works.
        response = self.url_open(
            f"/my/subsidy/devices/{phone_id}/revoke", data={"x": "1"}, allow_redirects=False
        )
        self.assertIn(response.status_code, (400, 403))
        self.assertEqual(self.request("GET", f"{API}/account", phone).status_code, 200)
        # Zhao's device, or no device: a 404, nothing revoked.
        zhao_id = self.app_keys(self.other).id
        for device_id in (zhao_id, 987654321, 99999999999):
            with self.subTest(device_id=device_id):
                self.assertEqual(self.url_open(f"/my/subsidy/devices/{device_id}/revoke").status_code, 404)
                response = self.url_open(
                    f"/my/subsidy/devices/{device_id}/revoke",
                    data={"csrf_token": csrf},
                    allow_redirects=False,
                )
                self.assertEqual(response.status_code, 404)
        self.assertEqual(self.request("GET", f"{API}/account", others).status_code, 200)
        # Lin signs her phone out: its key answers 401 at once, the tablet goes on.
        response = self.url_open(
            f"/my/subsidy/devices/{phone_id}/revoke", data={"csrf_token": csrf}, allow_redirects=False
        )
        self.assertEqual(response.status_code, 303)
        self.assertTrue(response.headers["Location"].endswith("/my/subsidy/devices?revoked=1"))
        self.assertJsonError(self.request("GET", f"{API}/account", phone), 401, "unauthorized")
        self.assertEqual(self.request("GET", f"{API}/account", tablet).status_code, 200)
        page = self.url_open("/my/subsidy/devices?revoked=1")
        self.assertIn("subsidy_device_revoked", page.text)
        self.assertEqual(page.text.count('class="o_subsidy_device"'), 1)

    def test_empty_device_list_says_how_to_sign_in(self):
        self.authenticate("app_lin", "app_lin_pw")
        page = self.url_open("/my/subsidy/devices")
        self.assertEqual(page.status_code, 200)
        self.assertIn("o_subsidy_devices_empty", page.text)
        self.assertNotIn('class="o_subsidy_device"', page.text)

    def test_devices_page_needs_a_login(self):
        response = self.url_open("/my/subsidy/devices", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])

    def test_sign_out_revokes_this_device_only(self):
        phone = self.key_of(device="Phone")
        tablet = self.key_of(device="Tablet")
        response = self.request("POST", f"{API}/auth/sign-out", phone)
        self.assertEqual((response.status_code, response.content), (204, b""))
        self.assertJsonError(self.request("GET", f"{API}/account", phone), 401, "unauthorized")
        self.assertJsonError(self.request("POST", f"{API}/auth/sign-out", phone), 401, "unauthorized")
        self.assertEqual(self.request("GET", f"{API}/account", tablet).status_code, 200)
        self.assertEqual(self.app_keys(self.shopper).mapped("name"), ["Tablet"])
        # A key made in Odoo (not the app's) is not signed out by the app.
        rpc_key = (
            self.env["res.users.apikeys"].with_user(self.shopper).sudo()._generate("rpc", "script", None)
        )
        self.assertJsonError(self.request("POST", f"{API}/auth/sign-out", rpc_key), 400, "invalid")
        self.assertEqual(self.request("GET", f"{API}/account", rpc_key).status_code, 200)


@tagged("post_install", "-at_install")
class TestAppRoutes(AppCase):
    def setUp(self):
        super().setUp()
        self.key = self.key_of()

    def get(self, path, key=None, **kwargs):
        return self.request("GET", API + path, key or self.key, **kwargs)

    def test_one_entry_with_its_allocations(self):
        entry = self.get(f"/entries/{self.paid.id}").json()["entry"]
        self.assertEqual((entry["name"], entry["state"], entry["received"]), (self.paid.name, "done", 100.0))
        self.assertEqual([(a["kind"], a["amount"]) for a in entry["allocations"]], [("allocation", 100.0)])
        self.assertTrue(entry["allocations"][0]["settlement"])
        queued = self.get(f"/entries/{self.queued.id}").json()["entry"]
        self.assertEqual((queued["position"], queued["allocations"]), (2, []))

    def test_an_entry_that_left_the_queue_waits_for_nothing(self):
        """Refunded after it was paid, voided, expired: nothing still to receive and no
        progress it does not have, in the app and on the portal page; only the entry
        paid in full is at 100 % and says when it was paid."""
        Entry, partner = self.env["subsidy.entry"], self.shopper.partner_id
        self.program._lock()
        refunded = Entry._enqueue(self.program, partner, 8000, "website", "S20004")
        self.program._settle()  # each entry funds itself: the whole queue is paid
        self.assertEqual((refunded.state, refunded.received), ("done", 20.0))
        refunded._sync_refund(8000, reason="Credit note RINV/2026/0001")
        voided = Entry._enqueue(self.program, partner, 23640, "sale", "S20005")
        voided._leave_queue("cancelled", "Ordered twice by mistake")
        expired = Entry._enqueue(self.program, partner, 4000, "website", "S20006")
        expired._leave_queue("expired", "Entry expired")
        queued = Entry._enqueue(self.program, partner, 20000, "website", "S20007")
        self.assertEqual((refunded.state, refunded.target, refunded.received), ("cancelled", 0.0, 0.0))
        self.assertTrue(refunded.date_done, "it was paid in full once")
        self.assertEqual((voided.target, voided.received), (59.1, 0.0))
        expected = {
            refunded: ("cancelled", 0.0, 0.0),
            voided: ("cancelled", 0.0, 0.0),
            expired: ("expired", 0.0, 0.0),
            self.paid: ("done", 0.0, 100.0),
            queued: ("queued", 50.0, 0.0),
        }
        self.authenticate("app_lin", "app_lin_pw")
        for entry, (state, remaining, progress) in expected.items():
            with self.subTest(entry=entry.origin):
                answer = self.get(f"/entries/{entry.id}").json()["entry"]
                self.assertEqual(
                    (answer["state"], answer["remaining"], answer["progress"]), (state, remaining, progress)
                )
                listed = [e for e in self.get("/entries?limit=100").json()["entries"] if e["id"] == entry.id]
                self.assertEqual((listed[0]["remaining"], listed[0]["progress"]), (remaining, progress))
                page = self.url_open(f"/my/subsidy/entries/{entry.id}")
                self.assertEqual(page.status_code, 200)
                self.assertEqual("Paid in full on" in page.text, state == "done")
                self.assertEqual("Still to receive" in page.text, state == "queued")
                self.assertIn(f"width: {int(progress)}%", page.text)
        self.assertIn("Left the queue on", self.url_open(f"/my/subsidy/entries/{refunded.id}").text)

    def test_a_one_day_wait_is_said_in_the_singular(self):
        """The queue is paid; 250.00 came in this week. At 30 % back on 25 % into the pool, a
        100.00 purchase needs 5.00 more than it brings: about 1 day at either rate."""
        self.program._lock()
        self.program._settle()
        self.program.subsidy_rate = 30.0  # for new entries only
        self.env["website"].get_current_website().company_id = self.program.company_id
        product = self.env["product.product"].create(
            {"name": "Tea Cup", "list_price": 100.0, "taxes_id": False, "is_published": True}
        )
        earn = self.url_open(f"/subsidy/earn?product_id={product.id}&quantity=1").json()
        self.assertEqual((earn["target"], earn["wait_days_min"], earn["wait_days_max"]), (30.0, 1, 1))
        self.assertEqual(earn["wait"], "About 1 day, if sales go on as recently")
        entry = self.env["subsidy.entry"]._enqueue(
            self.program, self.shopper.partner_id, 10000, "website", "S20008"
        )
        answer = self.get(f"/entries/{entry.id}").json()["entry"]
        self.assertEqual((answer["wait_days_min"], answer["wait_days_max"]), (1, 1))
        self.assertEqual(answer["wait_estimate"], "About 1 day, if sales go on as recently")
        self.authenticate("app_lin", "app_lin_pw")
        self.assertIn("About 1 day, if sales go on as recently", self.url_open("/my/subsidy").text)
        # The other forms: a range is always plural; an open range in the singular too.
        Entry = self.env["subsidy.entry"]
        self.assertEqual(
            Entry._format_estimate(WaitEstimate(500, 1, 2)), "1 to 2 days, if sales go on as recently"
        )
        self.assertEqual(
            Entry._format_estimate(WaitEstimate(500, 1, None)),
            "At least 1 day (recent sales are too low to say more)",
        )
        self.assertEqual(
            Entry._format_estimate(WaitEstimate(500, 3, None)),
            "At least 3 days (recent sales are too low to say more)",
        )

    def test_another_shoppers_ids_answer_404(self):
        missing = self.get("/entries/987654321")
        others = self.get(f"/entries/{self.others_entry.id}")
        self.assertJsonError(others, 404, "not_found")
        self.assertEqual(others.json(), missing.json(), "somebody else's entry is answered as a missing one")
        self.assertNotIn(self.others_entry.name, others.text)
        for path in ("/entries/99999999999999999999", "/entries/0", "/entries/abc", "/entries/-1"):
            with self.subTest(path=path):
                self.assertJsonError(self.get(path), 404, "not_found")
        response = self.request("POST", f"{API}/withdrawals/987654321/cancel", self.key)
        self.assertJsonError(response, 404, "not_found")

    def test_withdrawal_cancel(self):
        body = {
            "amount": 40,
            "payout_method": "alipay",
            "wallet_account": "lin@alipay",
            "holder_name": "Lin Mei",
        }
        created = self.request("POST", f"{API}/withdrawals", self.key, body=body)
        self.assertEqual(created.status_code, 201, created.text)
        withdrawal_id = created.json()["withdrawal"]["id"]
        self.account.invalidate_recordset()
        self.assertEqual((self.account.balance, self.account.held), (59.0, 41.0))
        # Zhao cannot cancel it: a 404, as for a missing one.
        zhao = self.key_of("app_zhao", "app_zhao_pw", "Zhao's phone")
        self.assertJsonError(self.request("POST", f"{API}/withdrawals/{withdrawal_id}/cancel", zhao), 404)
        response = self.request("POST", f"{API}/withdrawals/{withdrawal_id}/cancel", self.key)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["withdrawal"]["state"], "cancelled")
        self.account.invalidate_recordset()
        self.assertEqual((self.account.balance, self.account.held), (100.0, 0.0))
        again = self.request("POST", f"{API}/withdrawals/{withdrawal_id}/cancel", self.key)
        self.assertJsonError(again, 409, "conflict")

    def test_a_payout_account_of_somebody_else_or_with_hidden_marks_is_refused(self):
        """Zhao's bank account number, typed by Lin, is not Lin's account (whatever name
        the new copy gets); a number or name with marks that reorder or hide text is
        refused. Nothing is held either time."""
        self.env["res.partner.bank"].create(
            {"acc_number": "6222 0200 0001 0047", "partner_id": self.other.partner_id.id}
        )
        stolen = {"amount": 20, "payout_method": "bank", "bank_acc_number": "6222-0200-0001-0047"}
        response = self.request("POST", f"{API}/withdrawals", self.key, body=stolen)
        message = self.assertJsonError(response, 400, "invalid")
        self.assertIn("belongs to somebody else", message)
        self.assertNotIn("Zhao", message)
        for body in (
            {
                "amount": 20,
                "payout_method": "wechat",
                "wallet_account": "\u202ewx1234",
                "holder_name": "Lin Mei",
            },
            {
                "amount": 20,
                "payout_method": "alipay",
                "wallet_account": "lin@alipay",
                "holder_name": "Lin\u200bMei",
            },
            {"amount": 20, "payout_method": "bank", "bank_acc_number": "6222\u20660200\u20690001"},
        ):
            with self.subTest(body=body):
                self.assertJsonError(
                    self.request("POST", f"{API}/withdrawals", self.key, body=body), 400, "invalid"
                )
        self.account.invalidate_recordset()
        self.assertEqual((self.account.balance, self.account.held), (100.0, 0.0))
        self.assertFalse(
            self.env["subsidy.withdrawal"].search([("partner_id", "=", self.shopper.partner_id.id)])
        )

    def test_somebody_elses_number_with_leading_zeros_or_wallet_is_refused(self):
        """Leading zeros do not make another person's bank number the shopper's; a wallet
        somebody else was paid to is not the shopper's either; marks that do not show
        (a soft hyphen, a variation selector, a tag) are refused with a message that says so."""
        self.env["res.partner.bank"].create(
            {"acc_number": "6222 0200 0001 0047", "partner_id": self.other.partner_id.id}
        )
        for number in ("06222020000010047", "006222 0200 0001 0047"):
            with self.subTest(number=number):
                body = {"amount": 20, "payout_method": "bank", "bank_acc_number": number}
                message = self.assertJsonError(
                    self.request("POST", f"{API}/withdrawals", self.key, body=body), 400
                )
                self.assertIn("belongs to somebody else", message)
        zhao = self.env["subsidy.account"].sudo()._get_or_create(self.program, self.other.partner_id)
        self.env["subsidy.withdrawal"].sudo().create(
            {
                "account_id": zhao.id,
                "amount": 10.0,
                "payout_method": "alipay",
                "wallet_account": "zhao@alipay",
                "holder_name": "Zhao Lei",
            }
        )
        body = {
            "amount": 20,
            "payout_method": "alipay",
            "wallet_account": "ZHAO@alipay ",
            "holder_name": "Lin Mei",
        }
        message = self.assertJsonError(self.request("POST", f"{API}/withdrawals", self.key, body=body), 400)
        self.assertIn("belongs to somebody else", message)
        for wallet in ("lin\u00ad@alipay", "lin@alipay\ufe0f", "lin\U000e0041@alipay"):
            with self.subTest(wallet=wallet):
                body = {
                    "amount": 20,
                    "payout_method": "alipay",
                    "wallet_account": wallet,
                    "holder_name": "Lin Mei",
                }
                message = self.assertJsonError(
                    self.request("POST", f"{API}/withdrawals", self.key, body=body), 400
                )
                self.assertIn("do not show", message)
        self.account.invalidate_recordset()
        self.assertEqual((self.account.balance, self.account.held), (100.0, 0.0))

    def test_paging_with_a_next_link(self):
        Entry = self.env["subsidy.entry"]
        self.program._lock()
        for number in range(3):
            Entry._enqueue(self.program, self.shopper.partner_id, 4000, "website", f"P{number}")
        first = self.get("/entries?state=queued&limit=2").json()
        self.assertEqual((first["total"], len(first["entries"])), (4, 2))
        self.assertEqual(first["next"], f"{API}/entries?state=queued&limit=2&offset=2")
        second = self.request("GET", first["next"], self.key).json()
        self.assertEqual((len(second["entries"]), second["next"], second["next_offset"]), (2, None, None))
        seen = [e["id"] for e in first["entries"] + second["entries"]]
        self.assertEqual(len(set(seen)), 4)

    def test_unknown_filters_and_true_are_400(self):
        for path in (
            "/entries?color=red",
            "/entries?State=queued",
            "/entries?limit=true",
            "/entries?offset=true",
            "/entries?limit=1.0",
            f"/entries/{self.paid.id}?expand=1",
            "/withdrawals?state=true",
            "/account?x=1",
            "/pool?program=1",
            "/openapi.json?format=yaml",
        ):
            with self.subTest(path=path):
                self.assertJsonError(self.get(path), 400, "invalid")
        body = {"amount": True, "payout_method": "alipay", "wallet_account": "l", "holder_name": "Lin Mei"}
        self.assertJsonError(self.request("POST", f"{API}/withdrawals", self.key, body=body), 400, "invalid")
        body["amount"] = "true"
        self.assertJsonError(self.request("POST", f"{API}/withdrawals", self.key, body=body), 400, "invalid")

    def test_unknown_paths_methods_and_big_bodies_answer_json(self):
        for path in ("/nowhere", "/", "", "/entries/1/allocations", "/v2/entries"):
            with self.subTest(path=path):
                response = self.get(path)
                self.assertJsonError(response, 404, "not_found")
                self.assertNotIn("<html", response.text)
        for method, path, allow in (
            ("DELETE", "/entries", "GET"),
            ("PUT", f"/entries/{self.paid.id}", "GET"),
            ("POST", "/account", "GET"),
            ("GET", "/auth/sign-in", "POST"),
            ("PATCH", "/withdrawals", "GET, POST"),
            ("GET", "/withdrawals/1/cancel", "POST"),
            ("OPTIONS", "/entries", "GET"),
        ):
            with self.subTest(method=method, path=path):
                response = self.request(method, API + path, self.key)
                self.assertJsonError(response, 405, "method_not_allowed")
                self.assertEqual(response.headers["Allow"], allow)
        big = "x" * 17000
        for path in ("/withdrawals", "/nowhere", "/auth/sign-in", "/auth/sign-out"):
            with self.subTest(path=path):
                response = self.request(
                    "POST", API + path, self.key, data=big, headers={"Content-Type": "application/json"}
                )
                self.assertJsonError(response, 413, "too_large")
        self.assertEqual(self.request("GET", f"{API}/account", self.key).status_code, 200, "not signed out")

    def test_public_figures(self):
        self.env["website"].get_current_website().company_id = self.program.company_id
        response = self.request("GET", f"{API}/pool")
        self.assertEqual(response.status_code, 200, response.text)
        programs = {p["program"]: p for p in response.json()["programs"]}
        figures = programs["App Queue"]
        self.assertEqual((figures["paid_total"], figures["queued_count"]), (100.0, 2))
        self.assertEqual([row["name"] for row in figures["head"]], [self.others_entry.name, self.queued.name])
        self.assertNotIn("Lin Mei", response.text)
        self.assertNotIn("Zhao Lei", response.text)


@tagged("post_install", "-at_install")
class TestAppLanguage(AppCase):
    def setUp(self):
        super().setUp()
        self.env["res.lang"]._activate_lang("zh_CN")

    def test_errors_in_the_users_language(self):
        self.other.lang = "zh_CN"
        key = self.key_of("app_zhao", "app_zhao_pw", "Zhao's phone")
        response = self.request("GET", f"{API}/entries?color=red", key)
        self.assertEqual(self.assertJsonError(response, 400), "未知参数。已知参数：state, limit, offset。")
        response = self.request("GET", f"{API}/entries/{self.paid.id}", key)
        self.assertEqual(self.assertJsonError(response, 404), "该记录不存在或已被删除。")
        response = self.request("GET", f"{API}/nowhere", key, headers={"Accept-Language": "en-US"})
        self.assertEqual(
            self.assertJsonError(response, 404), "API 中没有这个地址。", "the user's, not the header's"
        )
        # Lin (English) asking in Chinese gets English: the user's language wins.
        response = self.request(
            "GET", f"{API}/entries?color=red", self.key_of(), headers={"Accept-Language": "zh-CN"}
        )
        self.assertEqual(
            self.assertJsonError(response, 400), "Unknown parameter. Known parameters: state, limit, offset."
        )

    def test_anonymous_errors_in_the_accept_language(self):
        chinese = {"Accept-Language": "fr-FR;q=0.9, zh-CN;q=0.8, en;q=0.1"}
        response = self.request("GET", f"{API}/nowhere", headers=chinese)
        self.assertEqual(self.assertJsonError(response, 404), "API 中没有这个地址。")
        response = self.request("GET", f"{API}/account", "not-a-key", headers=chinese)
        self.assertIn("API", self.assertJsonError(response, 401, "unauthorized"))
        self.assertRegex(response.json()["error"]["message"], "[\u4e00-\u9fff]")
        response = self.request("GET", f"{API}/nowhere", headers={"Accept-Language": "de-DE"})
        self.assertEqual(self.assertJsonError(response, 404), "There is no such address in the API.")
        response = self.request(
            "POST",
            SIGN_IN,
            body={"login": "app_lin", "password": "wrong", "device_name": "P"},
            headers=chinese,
        )
        message = self.assertJsonError(response, 401, "invalid_credentials")
        chinese_env = self.env(context=dict(self.env.context, lang="zh_CN"))
        self.assertEqual(message, chinese_env._("Wrong login, password or code."))
