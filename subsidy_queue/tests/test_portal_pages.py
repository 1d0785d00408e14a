"""The shopper's portal pages over real HTTP: as the shopper, another shopper
and an anonymous visitor; the withdrawal form's Post/Redirect/Get and
confirmation; a 375 px phone walking through it all; screenshots for a
reviewer."""

import base64
import html
import math
import pathlib
import re
import threading
from unittest.mock import patch

import odoo
from odoo.tests import HttpCase, get_db_name, new_test_user, tagged
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME, ChromeBrowser

from ..controllers.common import DEFAULT_LIMIT
from ..engine import BLOCK_SIZE
from .common import SubsidyCommon

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@tagged("post_install", "-at_install")
class TestShopperPortalPages(HttpCase):
    # A phone: the tour and the screenshots run at this size.
    browser_size = "375x812"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.ref("base.main_company")
        cls.currency = company.currency_id
        cls.program = cls.env["subsidy.program"].create(
            {
                "name": "Pages Queue",
                "code": "TQ",
                "company_id": company.id,
                "currency_id": cls.currency.id,
                "contribution_rate": 25.0,
                "max_margin_rate": 25.0,
                "subsidy_rate": 25.0,
                "withdraw_min_amount": 10.0,
                "withdraw_max_amount": 5000.0,
                "withdraw_daily_count": 0,
                "withdraw_daily_amount": 0.0,
                "withdraw_fee_fixed": 1.0,
                "withdraw_fee_percent": 0.5,
                "sequence": -1,
            }
        )
        cls.shopper = new_test_user(
            cls.env,
            login="pages_shopper",
            password="pages_shopper",
            groups="base.group_portal",
            name="Lin Mei",
        )
        cls.other = new_test_user(
            cls.env, login="pages_other", password="pages_other", groups="base.group_portal", name="Wang Fang"
        )
        partner = cls.shopper.partner_id
        program = cls.program
        program._lock()
        Entry = cls.env["subsidy.entry"]
        # TQ0000001: 100.00 that funds itself; paid in full by the first settlement.
        cls.first = Entry._enqueue(program, partner, 40000, "website", "S-FIRST")
        cls.settlement = program._settle()
        cls.foreign = Entry._enqueue(program, cls.other.partner_id, 80000, "sale", "S-FOREIGN")
        small = Entry.browse()
        for number in range(54):
            small |= Entry._enqueue(program, partner, 400, "website", f"S-{number:03d}")
        cls.cancelled = small[:2]
        cls.cancelled._leave_queue("cancelled", "Order cancelled")
        cls.refunded = small[2]
        cls.refunded._sync_refund(200, reason="Credit note RINV/TEST/0001")
        cls.latest = small[-1]
        cls.mine = cls.first | small  # 55 entries: 52 queued, 1 done, 2 cancelled
        cls.account = cls.env["subsidy.account"].search([("partner_id", "=", partner.id)])
        cls.env.flush_all()

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _names(self, text):
        """The entry names of a page, in the order they appear."""
        return re.findall(r"TQ\d{7}", text)

    def _csrf(self, path="/my/subsidy"):
        page = self.url_open(path)
        self.assertEqual(page.status_code, 200)
        return CSRF.search(page.text).group(1)

    def assertIn(self, member, container, msg=None):
        # A page is long: say what is missing, not the whole page.
        if isinstance(container, str) and len(container) > 1000 and member not in container:
            self.fail(f"{member!r} not found in the page" + (f": {msg}" if msg else ""))
        return super().assertIn(member, container, msg)

    def assertNotIn(self, member, container, msg=None):
        if isinstance(container, str) and len(container) > 1000 and member in container:
            self.fail(f"{member!r} unexpectedly found in the page" + (f": {msg}" if msg else ""))
        return super().assertNotIn(member, container, msg)

    def _money(self, amount):
        return self.currency.format(amount)

    def _text(self, response):
        """A page's text without its tags: amounts read as the shopper reads them."""
        return html.unescape(re.sub(r"<[^>]+>", "", response.text))

    def _withdrawal_of_other(self, amount=10.0):
        """A withdrawal of the other shopper (who has nothing to withdraw: set as submitted)."""
        account = self.env["subsidy.account"].search([("partner_id", "=", self.other.partner_id.id)])
        withdrawal = (
            self.env["subsidy.withdrawal"]
            .sudo()
            .create({"account_id": account.id, "amount": amount, "payout_method": "alipay"})
        )
        withdrawal._workflow().write({"state": "submitted", "name": "WD/OTHER/00001"})
        return withdrawal

    def _withdraw(self, partner, amount, **values):
        values = {"amount": amount, "payout_method": "alipay", "wallet_account": "lin@alipay", **values}
        values.setdefault("holder_name", partner.name)
        return self.env["subsidy.withdrawal"]._request_for_shopper(partner, values)

    def _own_withdrawals(self):
        return self.env["subsidy.withdrawal"].search([("partner_id", "=", self.shopper.partner_id.id)])

    # ------------------------------------------------------------------
    # Entries: pages, filters, one entry
    # ------------------------------------------------------------------

    def test_summary_and_entries_newest_first_page_by_page(self):
        self.authenticate("pages_shopper", "pages_shopper")
        summary = self.url_open("/my/subsidy")
        self.assertEqual(summary.status_code, 200)
        self.assertIn('href="/my/subsidy/entries"', summary.text)
        self.assertIn('href="/my/subsidy/withdrawals"', summary.text)
        head = self.mine.filtered(lambda e: e.state == "queued").sorted("seq")[:3]
        self.assertEqual(self._names(summary.text)[:3], head.mapped("name"), "the next ones paid, in turn")
        self.assertIn(
            "/my/subsidy/entries?filterby=queued", summary.text, "52 queued: the rest is one click away"
        )
        newest_first = self.mine.sorted(lambda e: (e.date_queued, e.id), reverse=True).mapped("name")
        first = self.url_open("/my/subsidy/entries")
        self.assertEqual(first.status_code, 200)
        self.assertEqual(self._names(first.text), newest_first[:DEFAULT_LIMIT])
        self.assertIn('href="/my/subsidy/entries/page/2"', first.text)
        second = self.url_open("/my/subsidy/entries/page/2")
        self.assertEqual(self._names(second.text), newest_first[DEFAULT_LIMIT:])
        self.assertEqual(self._names(second.text)[-1], self.first.name, "the oldest comes last")
        for page in (first, second, summary):
            self.assertNotIn(self.foreign.name, page.text)
            self.assertNotIn("Wang Fang", page.text)
        # The breadcrumbs, as Odoo's portal pages have them.
        self.assertRegex(first.text, r'<a href="/my/subsidy">Queue Subsidy</a>')
        # The old pages of the summary lead to the entries' pages.
        moved = self.url_open("/my/subsidy/page/2", allow_redirects=False)
        self.assertEqual(moved.status_code, 301)
        self.assertTrue(moved.headers["Location"].endswith("/my/subsidy/entries/page/2"))

    def test_entries_filter_by_state(self):
        self.authenticate("pages_shopper", "pages_shopper")
        expected = {
            "queued": self.mine.filtered(lambda e: e.state == "queued"),
            "done": self.first,
            "cancelled": self.cancelled,
        }
        self.assertEqual(len(expected["queued"]), 52)
        for filterby, entries in expected.items():
            with self.subTest(filterby=filterby):
                names = []
                url = f"/my/subsidy/entries?filterby={filterby}"
                for _page in range(3):
                    page = self.url_open(url)
                    self.assertEqual(page.status_code, 200)
                    names += self._names(page.text)
                    following = re.search(
                        rf'href="(/my/subsidy/entries/page/\d+\?filterby={filterby})"[^>]*>'
                        r'\s*<span class="fa fa-chevron-right',
                        page.text,
                    )
                    if not following or following.group(1) in url:
                        break
                    url = following.group(1)
                self.assertEqual(sorted(set(names)), sorted(entries.mapped("name")))
        badges = self.url_open("/my/subsidy/entries?filterby=cancelled").text
        self.assertIn("o_subsidy_state_cancelled", badges)
        self.assertNotIn("o_subsidy_state_queued", badges)

    def test_fuzzed_page_and_filter_parameters(self):
        self.authenticate("pages_shopper", "pages_shopper")
        everything = self._names(self.url_open("/my/subsidy/entries").text)
        for query in (
            "page=abc",
            "page=-1",
            "page=0",
            "page=2.5",
            "page=99999999999999999999",
            "page=%00",
            "filterby=",
            "filterby=nope",
            "filterby=queued'--",
            "filterby=%3Cscript%3Ealert(1)%3C/script%3E",
            "filterby=done&filterby=queued",
            "filterby[]=done",
            "sortby=id",
        ):
            with self.subTest(query=query):
                response = self.url_open(f"/my/subsidy/entries?{query}")
                self.assertEqual(response.status_code, 200)
                self.assertNotIn("<script>alert(1)</script>", response.text)
                if query.startswith("filterby=") and "done" not in query and "queued'" not in query:
                    self.assertEqual(self._names(response.text), everything, "an unknown filter shows all")
        for path in (
            "/my/subsidy/entries/page/0",
            "/my/subsidy/entries/page/-1",
            "/my/subsidy/entries/page/3",
            "/my/subsidy/entries/page/99999999999",
            "/my/subsidy/withdrawals/page/99999999999",
        ):
            with self.subTest(path=path):
                self.assertEqual(self.url_open(path).status_code, 200)
        for path in ("/my/subsidy/entries/-1", "/my/subsidy/entries/page/x", "/my/subsidy/entries/x"):
            with self.subTest(path=path):
                self.assertEqual(self.url_open(path).status_code, 404)

    def test_entry_page_shows_its_movements(self):
        self.authenticate("pages_shopper", "pages_shopper")
        page = self.url_open(f"/my/subsidy/entries/{self.first.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Paid to you by the queue", page.text)
        self.assertIn(self.settlement.name, page.text)
        self.assertIn("Your purchase paid into the pool", page.text)
        self.assertIn("S-FIRST", page.text)
        self.assertIn(self._money(100.0), self._text(page))
        self.assertIn('<a href="/my/subsidy/entries">Entries</a>', page.text)
        refunded = self.url_open(f"/my/subsidy/entries/{self.refunded.id}")
        self.assertEqual(refunded.status_code, 200)
        self.assertIn("Refund: the pool gave the contribution back", refunded.text)
        self.assertIn("Credit note RINV/TEST/0001", refunded.text)
        self.assertIn(self._money(-0.5), self._text(refunded))
        queued = self.url_open(f"/my/subsidy/entries/{self.latest.id}")
        self.assertIn("o_subsidy_position", queued.text)
        self.assertIn("never a promise", queued.text)

    def test_foreign_and_missing_ids_answer_the_same_404(self):
        self.authenticate("pages_shopper", "pages_shopper")
        missing_id = self.env["subsidy.entry"].search([], order="id desc", limit=1).id + 1000
        answers = {}
        for label, path in (
            ("foreign", f"/my/subsidy/entries/{self.foreign.id}"),
            ("missing", f"/my/subsidy/entries/{missing_id}"),
            ("huge", "/my/subsidy/entries/99999999999"),
            ("zero", "/my/subsidy/entries/0"),
        ):
            response = self.url_open(path)
            self.assertEqual(response.status_code, 404, label)
            self.assertNotIn(self.foreign.name, response.text)
            self.assertNotIn("Wang Fang", response.text)
            text = response.text.replace(path, "/PATH")
            answers[label] = CSRF.sub("", re.sub(r'csrf_token: "[^"]*"', "", text))
        self.assertTrue(
            answers["foreign"] == answers["missing"], "somebody else's id reads like a missing one"
        )
        withdrawal = self._withdrawal_of_other()
        for path in (
            f"/my/subsidy/withdrawal/{withdrawal.id}/cancel",
            "/my/subsidy/withdrawal/99999999999/cancel",
        ):
            with self.subTest(path=path):
                response = self.url_open(path)
                self.assertEqual(response.status_code, 404)
                self.assertNotIn(withdrawal.name, response.text)
        # The other shopper sees their own entry, and not ours.
        self.authenticate("pages_other", "pages_other")
        self.assertEqual(self.url_open(f"/my/subsidy/entries/{self.foreign.id}").status_code, 200)
        self.assertEqual(self.url_open(f"/my/subsidy/entries/{self.first.id}").status_code, 404)
        self.assertNotIn(self.first.name, self.url_open("/my/subsidy/entries").text)

    def test_summary_shows_what_the_queue_told_the_shopper(self):
        self.env["subsidy.settlement"]._cron_notify_shoppers()
        self.authenticate("pages_shopper", "pages_shopper")
        text = self._text(self.url_open("/my/subsidy"))
        self.assertIn("Latest news", text)
        self.assertIn(f"The queue paid you {self._money(100.0)} (settlement {self.settlement.name}).", text)
        self.authenticate("pages_other", "pages_other")
        text = self._text(self.url_open("/my/subsidy"))
        self.assertNotIn("Latest news", text)
        self.assertNotIn(self.settlement.name, text)

    def test_anonymous_visitors_are_sent_to_log_in(self):
        self.authenticate(None, None)
        for path in (
            "/my/subsidy",
            "/my/subsidy/entries",
            f"/my/subsidy/entries/{self.first.id}",
            "/my/subsidy/withdrawals",
        ):
            with self.subTest(path=path):
                response = self.url_open(path, allow_redirects=False)
                self.assertEqual(response.status_code, 303)
                self.assertIn("/web/login", response.headers["Location"])

    def test_read_routes_are_readonly(self):
        with patch.object(threading.current_thread(), "dbname", self.env.cr.dbname, create=True):
            rules = list(self.env["ir.http"].routing_map().iter_rules())
        readonly = {
            rule.rule: rule.endpoint.routing["readonly"]
            for rule in rules
            if not rule.methods or "GET" in rule.methods
        }
        for path in (
            "/my/subsidy/entries",
            "/my/subsidy/entries/page/<int:page>",
            "/my/subsidy/entries/<int:entry_id>",
        ):
            self.assertIs(readonly[path], True, path)
        # A page a form lands on after a write reads on the primary when it confirms the
        # write (test_stack proves it against a lagging replica); the cancel page always.
        for path in ("/my/subsidy", "/my/subsidy/withdrawals"):
            self.assertTrue(callable(readonly[path]), path)
        self.assertIs(readonly["/my/subsidy/withdrawal/<int:withdrawal_id>/cancel"], False)
        self.authenticate("pages_shopper", "pages_shopper")
        self.assertTrue(self.env.registry.test_readonly_enabled)
        withdrawal = self._withdraw(self.shopper.partner_id, 10.0)
        for path in (
            "/my/subsidy",
            "/my/subsidy/entries?filterby=queued",
            f"/my/subsidy/entries/{self.first.id}",
            "/my/subsidy/withdrawals",
            f"/my/subsidy/withdrawal/{withdrawal.id}/cancel",
        ):
            with self.subTest(path=path), self.assertNoLogs("odoo.http", "WARNING"):
                self.assertEqual(self.url_open(path).status_code, 200)

    # ------------------------------------------------------------------
    # Withdrawals: Post/Redirect/Get, formats, confirmation, badges, numbers
    # ------------------------------------------------------------------

    def test_withdrawal_post_redirects_and_a_reload_submits_nothing(self):
        self.authenticate("pages_shopper", "pages_shopper")
        csrf = self._csrf()
        response = self.url_open(
            "/my/subsidy/withdraw",
            data={
                "csrf_token": csrf,
                "account_id": str(self.account.id),
                "amount": "40",
                "payout_method": "alipay",
                "wallet_account": "lin@alipay",
                "holder_name": "Lin Mei",
                "bank_acc_number": "6222 0200 1111 2222",  # a hidden field of another method: ignored
            },
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 303)
        withdrawal = self._own_withdrawals()
        self.assertEqual(len(withdrawal), 1)
        self.assertFalse(withdrawal.bank_account_id)
        self.assertTrue(response.headers["Location"].endswith(f"/my/subsidy?submitted={withdrawal.id}"))
        for _reload in range(2):
            page = self.url_open(response.headers["Location"])
            self.assertEqual(page.status_code, 200)
            self.assertIn(
                f"Your withdrawal {withdrawal.name} of {self._money(40.0)} was submitted.", page.text
            )
        self.assertEqual(len(self._own_withdrawals()), 1, "reloading the page after the POST sends nothing")
        self.assertNotIn("40.0 ", page.text)
        # Somebody else's withdrawal in the address says nothing.
        theirs = self._withdrawal_of_other()
        page = self.url_open(f"/my/subsidy?submitted={theirs.id}")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn(theirs.name, page.text)
        self.assertNotIn("subsidy_success", page.text)

    def test_messages_show_amounts_in_the_currency_format(self):
        self.authenticate("pages_shopper", "pages_shopper")
        csrf = self._csrf()
        base = {
            "csrf_token": csrf,
            "payout_method": "alipay",
            "wallet_account": "lin",
            "holder_name": "Lin Mei",
        }
        for amount, message in (
            ("5", f"The minimum withdrawal is {self._money(10.0)}."),
            ("5000.01", f"The maximum withdrawal is {self._money(5000.0)}."),
            (
                "1000",
                f"The balance ({self._money(100.0)}) does not cover {self._money(1006.0)} "
                "(the amount and its fee).",
            ),
        ):
            with self.subTest(amount=amount):
                response = self.url_open("/my/subsidy/withdraw", data=dict(base, amount=amount))
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
                self.assertNotIn(f" {self.currency.name}.", response.text)
        self.program.withdraw_daily_amount = 15.0
        self._withdraw(self.shopper.partner_id, 10.0)
        response = self.url_open("/my/subsidy/withdraw", data=dict(base, amount="10"))
        self.assertIn(f"At most {self._money(15.0)} a day can be withdrawn.", response.text)
        # The form shows the program's limits and fee before anything is sent.
        page = self.url_open("/my/subsidy")
        form, text = page.text, self._text(page)
        for amount in (10.0, 5000.0, 15.0, 1.0):
            self.assertIn(self._money(amount), text)
        self.assertIn('data-fee-fixed="100"', form)
        self.assertIn('data-fee-percent="0.5"', form)
        self.assertIn(f'data-balance="{int(round(self.account.balance * 100))}"', form)

    def test_cancelling_asks_for_confirmation(self):
        withdrawal = self._withdraw(self.shopper.partner_id, 20.0)
        self.authenticate("pages_shopper", "pages_shopper")
        listing = self.url_open("/my/subsidy/withdrawals")
        self.assertEqual(listing.status_code, 200)
        confirm_url = f"/my/subsidy/withdrawal/{withdrawal.id}/cancel"
        self.assertIn(f'href="{confirm_url}"', listing.text)
        self.assertNotIn(f'action="{confirm_url}"', listing.text, "no one-click cancel")
        page = self.url_open(confirm_url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Yes, cancel it", page.text)
        self.assertIn(self._money(21.1), self._text(page), "what goes back to the balance: amount and fee")
        self.assertIn(f'action="{confirm_url}"', page.text)
        self.assertEqual(withdrawal.state, "submitted", "asking is not cancelling")
        # Without the form's token, nothing happens.
        with self.assertLogs("odoo.http", "WARNING"):
            refused = self.url_open(confirm_url, data={"confirm": "1"}, allow_redirects=False)
        self.assertEqual(refused.status_code, 400)
        self.assertEqual(withdrawal.state, "submitted")
        done = self.url_open(
            confirm_url, data={"csrf_token": CSRF.search(page.text).group(1)}, allow_redirects=False
        )
        self.assertEqual(done.status_code, 303)
        self.assertEqual(withdrawal.state, "cancelled")
        after = self.url_open(done.headers["Location"])
        self.assertIn(f"Your withdrawal {withdrawal.name} was cancelled: {self._money(21.1)}", after.text)
        self.assertIn("o_subsidy_state_cancelled", after.text)
        self.account.invalidate_recordset()
        self.assertEqual((self.account.balance, self.account.held), (100.0, 0.0))
        late = self.url_open(confirm_url)
        self.assertEqual(late.status_code, 200)
        self.assertIn("can no longer be cancelled", late.text)
        self.assertNotIn(f'action="{confirm_url}"', late.text)

    def test_withdrawals_page_by_page_with_a_badge_per_state(self):
        Withdrawal = self.env["subsidy.withdrawal"].sudo()
        states = ["draft", "submitted", "approved", "paid", "rejected", "cancelled", "failed"]
        drafts = Withdrawal.create(
            [
                {"account_id": self.account.id, "amount": 10.0 + n, "payout_method": "alipay"}
                for n in range(52)
            ]
        )
        for withdrawal, state in zip(drafts, states):
            withdrawal._workflow().write({"state": state})
        self.authenticate("pages_shopper", "pages_shopper")
        first = self.url_open("/my/subsidy/withdrawals")
        self.assertEqual(first.status_code, 200)
        rows = re.findall(r'data-withdrawal-id="(\d+)"', first.text)
        self.assertEqual(len(rows), DEFAULT_LIMIT)
        second = self.url_open("/my/subsidy/withdrawals/page/2").text
        rows += re.findall(r'data-withdrawal-id="(\d+)"', second)
        self.assertEqual(sorted(map(int, rows)), sorted(drafts.ids))
        self.assertEqual([int(r) for r in rows], sorted(drafts.ids, reverse=True), "newest first")
        badges = dict(re.findall(r"o_subsidy_state_(\w+) (text-bg-\w+)", first.text + second))
        self.assertEqual(sorted(badges), sorted(states))
        self.assertEqual(len(set(badges.values())), len(states), "each state its own colour")

    def test_numbers_are_taken_on_submission_without_gaps(self):
        partner = self.shopper.partner_id
        first = self._withdraw(partner, 10.0)
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            self._withdraw(partner, 11.0)  # takes a number, then its transaction fails
            raise RuntimeError("the request failed after the withdrawal was submitted")
        draft = (
            self.env["subsidy.withdrawal"]
            .sudo()
            .create({"account_id": self.account.id, "amount": 12.0, "payout_method": "alipay"})
        )
        self.assertEqual(draft.name, "/", "a draft has no number")
        second = self._withdraw(partner, 13.0)
        prefix, number = first.name.rsplit("/", 1)
        self.assertEqual(second.name, f"{prefix}/{int(number) + 1:05d}")
        sequence = self.env.ref("subsidy_queue.seq_subsidy_withdrawal")
        self.assertEqual(sequence.implementation, "no_gap")

    # ------------------------------------------------------------------
    # A phone
    # ------------------------------------------------------------------

    def test_phone_tour_pages_withdraws_reloads_and_cancels(self):
        self.start_tour("/my/subsidy", "subsidy_portal_phone_tour", login="pages_shopper")
        withdrawal = self._own_withdrawals()
        self.assertEqual(len(withdrawal), 1, "the reload did not ask again")
        self.assertEqual((withdrawal.amount, withdrawal.fee, withdrawal.state), (11.0, 1.06, "cancelled"))
        self.assertEqual(withdrawal.payout_method, "alipay")
        self.assertFalse(withdrawal.bank_account_id)
        self.account.invalidate_recordset()
        self.assertEqual(self.account.balance, 100.0)

    def _load_chinese(self):
        chinese = self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["web", "portal", "website", "subsidy_queue"], ["zh_CN"], overwrite=True
        )
        self.env["website"].get_current_website().language_ids |= chinese
        return chinese

    def test_phone_entries_fit_without_scrolling_sideways(self):
        """Long till order names and big amounts, in English and Chinese: the list of
        entries fits 375 px, each state and place in sight."""
        shopper = new_test_user(
            self.env,
            login="pages_phone",
            password="pages_phone",
            groups="base.group_portal",
            name="Chen Jing",
        )
        partner, program, Entry = shopper.partner_id, self.program, self.env["subsidy.entry"]
        program._lock()
        for units, origin in (
            (480240, "Nanjing Road Store/0012"),
            (493827120, "南京路旗舰店/0012"),
            (23640, "Nanjing Road Store/0013"),
            (700000, "S00403"),
        ):
            Entry._enqueue(program, partner, units, "pos", origin)
        Entry.search([("origin", "=", "Nanjing Road Store/0013")])._leave_queue("cancelled", "Refunded")
        self.assertEqual(
            self.currency.format(Entry.search([("origin", "=", "南京路旗舰店/0012")]).target),
            self._money(1234567.8),
        )
        chinese = self._load_chinese()
        for url in ("/my/subsidy/entries", f"/{chinese.url_code}/my/subsidy/entries"):
            with self.subTest(url=url):
                self.start_tour(url, "subsidy_portal_entries_fit_tour", login="pages_phone")

    def _screenshot(self, path, url, login, selector=".o_subsidy_portal"):
        """Open ``url`` as ``login`` in the 375 px browser and save the whole page to ``path``."""
        browser = ChromeBrowser(self)
        try:
            self.http_request_key = self.canonical_tag + "_browser_js"
            self.authenticate(login, login, browser=browser)
            self.cr.flush()
            self.cr.clear()
            browser.navigate_to(self.base_url() + url, wait_stop=True)
            # Loaded and its scripts started (the public root is mounted once every
            # service, translations included, has started): nothing left in flight.
            ready = (
                f"document.readyState === 'complete' && !!document.querySelector('{selector}') "
                "&& !!(window.odoo && odoo.__WOWL_DEBUG__)"
            )
            self.assertTrue(browser._wait_ready(ready), url)
            height = browser._websocket_request("Page.getLayoutMetrics")["cssContentSize"]["height"]
            shot = browser._websocket_request(
                "Page.captureScreenshot",
                params={
                    "format": "png",
                    "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": 375, "height": math.ceil(height), "scale": 1},
                },
                timeout=30,
            )
            path.write_bytes(base64.b64decode(shot["data"]))
        finally:
            browser.stop()
            self._wait_remaining_requests()
            self.http_request_key = self.canonical_tag
            self.opener.cookies[TEST_CURSOR_COOKIE_NAME] = self.http_request_key

    def test_screenshots_of_my_subsidy_in_english_and_chinese(self):
        """For a reviewer, not committed: ``<screenshots dir>/<db>/subsidy_portal/``."""
        chinese = self._load_chinese()
        self._withdraw(self.shopper.partner_id, 20.0)
        folder = pathlib.Path(odoo.tools.config["screenshots"]) / get_db_name() / "subsidy_portal"
        folder.mkdir(parents=True, exist_ok=True)
        for lang, prefix in (("en", ""), ("zh_CN", f"/{chinese.url_code}")):
            path = folder / f"my_subsidy_375_{lang}.png"
            path.unlink(missing_ok=True)
            self._screenshot(path, f"{prefix}/my/subsidy", "pages_shopper")
        entries = folder / "my_subsidy_entries_375_en.png"
        entries.unlink(missing_ok=True)
        self._screenshot(entries, "/my/subsidy/entries", "pages_shopper", ".o_subsidy_entries")
        for lang in ("en", "zh_CN"):
            path = folder / f"my_subsidy_375_{lang}.png"
            with self.subTest(lang=lang):
                self.assertTrue(path.is_file())
                self.assertEqual(path.read_bytes()[:8], b"\x89PNG\r\n\x1a\n")
                self.assertGreater(path.stat().st_size, 10000)
        self.assertTrue(entries.is_file())


@tagged("post_install", "-at_install")
class TestStandingsOfAPage(SubsidyCommon):
    def test_a_page_of_entries_reads_its_standings_at_once(self):
        """Places, amounts ahead and remainders read for a whole page (two
        queries) are those read entry by entry, across blocks and holes."""
        program, Entry = self.program, self.env["subsidy.entry"]
        program._lock()
        entries = Entry.browse()
        for jump in (None, 1030, 2100, 5000):
            if jump:  # the next entries open later blocks of the queue
                self.env.cr.execute(
                    "UPDATE subsidy_program SET last_seq = %s WHERE id = %s", [jump, program.id]
                )
                program.invalidate_recordset(["last_seq"])
            for number in range(4):
                partner = self.shoppers[number % len(self.shoppers)]
                entries |= Entry._enqueue(program, partner, 10000 + 2500 * number, "sale", f"P{len(entries)}")
        self.assertEqual(len({entry.seq // BLOCK_SIZE for entry in entries}), 4)
        entries[1:3]._leave_queue("cancelled", "holes in the queue")
        entries[9]._leave_queue("cancelled", "a hole in a later block")
        program._settle()  # the head is paid, in part
        self.env.flush_all()
        queued = entries.filtered(lambda e: e.state == "queued")
        self.assertTrue(any(e.received for e in queued), "someone was paid in part")
        expected = {entry.id: entry._standing_units() for entry in queued}
        self.assertEqual(queued._standing_units_batch(), expected)
        page = queued[::3]
        self.assertEqual(page._standing_units_batch(), {entry.id: expected[entry.id] for entry in page})
        with self.assertQueryCount(__system__=2):
            queued._standing_units_batch()
