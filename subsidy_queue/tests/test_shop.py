"""The shopper's side in the web shop: the explanation page, what a purchase earns on the
product page and in the cart, the entry on the confirmation and order pages, the /my card.

Each page is opened over HTTP as a visitor, as the shopper and as another shopper;
the tours run on a 375 px wide phone.
"""

import pathlib
import struct
from base64 import b64decode
from datetime import timedelta

import lxml.html

import odoo
from odoo import Command
from odoo.tests import HttpCase, get_db_name, new_test_user, tagged
from odoo.tests.common import ChromeBrowser
from odoo.tools import SQL, config, format_date

from ..models.subsidy_pool_figures import LEDGER_SUMS
from .common import SubsidyCommon

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def page_text(html):
    """The text of a page's main content (no menu, no footer), spaces normalised (a
    currency's non-breaking space too)."""
    page = lxml.html.fromstring(html)
    main = page.xpath("//main") or [page]
    return " ".join(main[0].text_content().split())


class ShopSubsidyCase(HttpCase):
    """The default website sells a kettle (113.00 with 13 % VAT included: 100.00 untaxed)
    and a teapot (Small 100.00, Large 150.00, no tax) in the program "Shop Queue" (20 %
    into the pool, 50 % back), and gift wrap, which is not eligible. Another shopper paid
    a large teapot online (target 75.00), then the shopper paid a kettle (target 50.00):
    the shopper's entry is second, 75.00 behind, and 125.00 is owed to the queue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))
        cls.website = cls.env.ref("website.default_website")
        company = cls.website.company_id
        if not company.chart_template:
            cls.env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
        cls.currency = cls.website.currency_id
        vat = cls.env["account.tax"].create(
            {
                "name": "VAT 13 % included",
                "amount": 13.0,
                "price_include_override": "tax_included",
                "company_id": company.id,
            }
        )
        cls.kettle = cls.env["product.template"].create(
            {
                "name": "Subsidy Kettle",
                "list_price": 113.0,
                "taxes_id": [Command.set(vat.ids)],
                "is_published": True,
                "website_sequence": 1,
            }
        )
        size = cls.env["product.attribute"].create(
            {
                "name": "Teapot size",
                "display_type": "radio",
                "value_ids": [Command.create({"name": "Small"}), Command.create({"name": "Large"})],
            }
        )
        cls.teapot = cls.env["product.template"].create(
            {
                "name": "Subsidy Teapot",
                "list_price": 100.0,
                "taxes_id": [Command.clear()],
                "is_published": True,
                "website_sequence": 2,
                "attribute_line_ids": [
                    Command.create({"attribute_id": size.id, "value_ids": [Command.set(size.value_ids.ids)]})
                ],
            }
        )
        large = cls.teapot.attribute_line_ids.product_template_value_ids.filtered(lambda v: v.name == "Large")
        large.price_extra = 50.0
        cls.teapot_large = cls.teapot._get_variant_for_combination(large)
        cls.wrap = cls.env["product.template"].create(
            {"name": "Gift wrap", "list_price": 10.0, "taxes_id": [Command.clear()], "is_published": True}
        )
        cls.program = cls.env["subsidy.program"].create(
            {
                "name": "Shop Queue",
                "code": "SQ",
                "company_id": company.id,
                "currency_id": cls.currency.id,
                "contribution_rate": 20.0,
                "max_margin_rate": 25.0,
                "subsidy_rate": 50.0,
                "sequence": -5,
                "product_ids": [
                    Command.set((cls.kettle.product_variant_ids | cls.teapot.product_variant_ids).ids)
                ],
            }
        )
        cls.shopper = new_test_user(
            cls.env, login="shop_shopper", password="shop_shopper", groups="base.group_portal", name="Lin Mei"
        )
        cls.other = new_test_user(
            cls.env, login="shop_other", password="shop_other", groups="base.group_portal", name="Zhao Lei"
        )
        cls.newcomer = new_test_user(
            cls.env,
            login="shop_newcomer",
            password="shop_newcomer",
            groups="base.group_portal",
            name="Wu Fang",
        )
        for user in (cls.shopper, cls.other, cls.newcomer):
            user.partner_id.write(
                {"street": "1 Nanjing Road", "city": "Shanghai", "country_id": cls.env.ref("base.cn").id}
            )
        journal = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
        )
        method = cls.env.ref("payment.payment_method_unknown")
        cls.provider = cls.env["payment.provider"].create(
            {
                "name": "Test provider",
                "code": "none",
                "state": "test",
                "company_id": company.id,
                "payment_method_ids": [Command.set(method.ids)],
            }
        )
        method.active = True
        if not cls.env["account.payment.method"].search(
            [("code", "=", "none"), ("payment_type", "=", "inbound")]
        ):
            cls.env["account.payment.method"].sudo().create(
                {"name": "Test provider", "code": "none", "payment_type": "inbound"}
            )
        cls.provider.journal_id = journal
        cls.other_order = cls._paid_order(cls.other, cls.teapot_large)
        cls.order = cls._paid_order(cls.shopper, cls.kettle.product_variant_id)
        cls.entry = cls.order.subsidy_entry_id
        cls.last_order = None

    @classmethod
    def _web_order(cls, user, product, quantity=1):
        return cls.env["sale.order"].create(
            {
                "partner_id": user.partner_id.id,
                "website_id": cls.website.id,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": quantity})],
            }
        )

    @classmethod
    def _pay(cls, order):
        """Pay the order online, as the payment provider's notification does."""
        tx = cls.env["payment.transaction"].create(
            {
                "provider_id": cls.provider.id,
                "payment_method_id": cls.provider.payment_method_ids.id,
                "amount": order.amount_total,
                "currency_id": order.currency_id.id,
                "partner_id": order.partner_id.id,
                "reference": f"{order.name}-tx",
                "operation": "online_redirect",
                "sale_order_ids": [Command.set(order.ids)],
            }
        )
        tx._set_done()
        tx._post_process()
        return tx

    @classmethod
    def _paid_order(cls, user, product, quantity=1):
        order = cls._web_order(user, product, quantity)
        cls._pay(order)
        return order

    def authenticate(self, user, password, browser=None):
        """Log in; with ``last_order`` set, the session is the one that just paid it
        (``/shop/confirmation`` shows the session's last order)."""
        session = super().authenticate(user, password, browser=browser)
        if self.last_order:
            session["sale_last_order_id"] = self.last_order.id
            odoo.http.root.session_store.save(session)
        return session

    def money(self, amount):
        """``amount`` as the pages write it, spaces normalised."""
        return " ".join(self.currency.format(amount).split())


@tagged("post_install", "-at_install")
class TestShopPages(ShopSubsidyCase):
    def test_fixture_is_the_documented_queue(self):
        self.assertEqual((self.entry.target, self.entry.position, self.entry.amount_ahead), (50.0, 2, 75.0))
        self.assertEqual(self.other_order.subsidy_entry_id.target, 75.0)
        self.assertEqual(self.program._queue_totals(), (2, 12500))

    def test_explanation_page_for_anybody(self):
        for login in (None, "shop_shopper"):
            self.authenticate(login, login)
            response = self.url_open("/subsidy")
            self.assertEqual(response.status_code, 200)
            text = page_text(response.text)
            self.assertIn("How the queue subsidy works", text)
            self.assertIn("Shop Queue", text)
            self.assertIn("Into the pool, from every eligible paid sale 20 % of its untaxed price", text)
            self.assertIn("the share of entries that will ever be paid in full is only about: 40 %", text)
            self.assertIn(f"Contributed {self.money(50.0)}", text)
            self.assertIn(f"Still owed {self.money(125.0)} Entries waiting today: 2", text)
            self.assertIn("never a promise", text)
            # A purchase of 100.00 joining now: owed 50.00, with the estimate it would show.
            example = self.program._earn_preview(10000)
            self.assertIn(f"Owed to its entry {self.money(50.0)} Estimated wait {example['wait']}", text)
            for name in ("Lin Mei", "Zhao Lei", self.entry.name):
                self.assertNotIn(name, text, "the explanation shows no shopper and no entry")
        self.assertIn('href="/subsidy/pool"', response.text)

    def test_every_odds_are_told(self):
        """Rates that pay every entry in turn are said so; a closed program is not explained."""
        self.program.write({"contribution_rate": 25.0, "subsidy_rate": 20.0})
        text = page_text(self.url_open("/subsidy").text)
        self.assertIn("every entry is paid in turn", text)
        self.program.sudo()._workflow().write({"state": "closed"})
        text = page_text(self.url_open("/subsidy").text)
        self.assertNotIn("Shop Queue", text)
        self.assertIn("There is no subsidy program open here at the moment.", text)

    def test_menu_footer_and_pool_page_lead_to_the_explanation(self):
        home = lxml.html.fromstring(self.url_open("/").text)
        self.assertTrue(home.xpath("//header//a[@href='/subsidy']"), "the website menu links to /subsidy")
        self.assertTrue(home.xpath("//footer//a[@href='/subsidy']"), "the footer links to /subsidy")
        menus = self.env["website.menu"].search(
            [("url", "=", "/subsidy"), ("website_id", "=", self.website.id)]
        )
        self.assertEqual(len(menus), 1)
        pool = lxml.html.fromstring(self.url_open("/subsidy/pool").text)
        self.assertTrue(pool.xpath("//main//a[@href='/subsidy']"))
        self.assertIn("/subsidy</loc>", self.url_open("/sitemap.xml").text)

    def test_pool_page_explains_its_figures_without_a_table(self):
        response = self.url_open("/subsidy/pool")
        self.assertEqual(response.status_code, 200)
        page = lxml.html.fromstring(response.text)
        text = page_text(response.text)
        self.assertIn(f"Still owed to the queue {self.money(125.0)} What the entries waiting today", text)
        self.assertIn("Contributed = paid out in total + in the pool now", text)
        program = page.xpath(
            "//section[contains(@class, 'o_pool_program')][.//h2[normalize-space()='Shop Queue']]"
        )[0]
        self.assertFalse(program.xpath(".//table"), "the head of the queue stacks on a phone")
        head = [
            " ".join(li.text_content().split())
            for li in program.xpath(".//ol[contains(@class, 'o_pool_head')]/li")
        ]
        self.assertEqual(len(head), 2)
        self.assertIn(self.other_order.subsidy_entry_id.name, head[0])
        self.assertIn("Z*** L***", head[0])
        self.assertIn(f"{self.money(0.0)} / {self.money(75.0)}", head[0])
        self.assertNotIn("Lin Mei", text)
        self.assertNotIn("Zhao Lei", text)


@tagged("post_install", "-at_install")
class TestEarnBadge(ShopSubsidyCase):
    def _badge(self, template):
        response = self.url_open(template.website_url)
        self.assertEqual(response.status_code, 200)
        badges = lxml.html.fromstring(response.text).xpath(
            "//div[contains(@class, 'o_subsidy_earn_product')]"
        )
        return badges[0] if badges else None

    def test_product_page_shows_what_the_purchase_earns(self):
        # 113.00 with VAT included: 100.00 untaxed, 50 % of it back.
        preview = self.kettle.product_variant_id._subsidy_earn_preview(self.website, 1)
        self.assertEqual((preview["base"], preview["target"]), (100.0, 50.0))
        for login in (None, "shop_other"):
            self.authenticate(login, login)
            badge = self._badge(self.kettle)
            self.assertNotIn("d-none", badge.get("class"))
            text = " ".join(badge.text_content().split())
            self.assertIn(f"Queue subsidy back to you: {self.money(50.0)}", text)
            self.assertIn(f"Estimated wait if paid now: {preview['wait']}", text)
            self.assertIn("never a promise", text)
        self.assertNotIn("Lin Mei", text)

    def test_the_estimate_is_what_the_entry_shows_when_it_joins(self):
        preview = self.kettle.product_variant_id._subsidy_earn_preview(self.website, 2)
        order = self._paid_order(self.newcomer, self.kettle.product_variant_id, 2)
        entry = order.subsidy_entry_id
        self.assertEqual(entry.target, preview["target"])
        self.assertEqual(entry.target, 100.0)
        self.assertEqual(
            (entry.wait_estimate, entry.wait_days_min, entry.wait_days_max),
            (preview["wait"], preview["days_min"], preview["days_max"]),
        )

    def test_a_bigger_purchase_is_never_promised_a_shorter_wait(self):
        """The purchase's own contribution is one payment into the pool, not a rate of
        sales: buying more never shortens the estimate, before joining or after."""
        kettle = self.kettle.product_variant_id
        previews = [kettle._subsidy_earn_preview(self.website, qty) for qty in (1, 10, 100, 1000, 10000)]
        for smaller, bigger in zip(previews, previews[1:], strict=False):
            self.assertLess(smaller["target"], bigger["target"])
            self.assertLessEqual(smaller["days_min"] or 0, bigger["days_min"] or 0, (smaller, bigger))
            self.assertLessEqual(smaller["days_max"] or 0, bigger["days_max"] or 0, (smaller, bigger))
        order = self._paid_order(self.newcomer, kettle, 1000)
        entry = order.subsidy_entry_id
        self.assertEqual(
            (entry.wait_days_min, entry.wait_days_max), (previews[3]["days_min"], previews[3]["days_max"])
        )
        # Entries that came before it are not promised a later payment by its contribution either.
        earlier = self.env["subsidy.entry"].search(
            [("program_id", "=", self.program.id), ("state", "=", "queued"), ("id", "!=", entry.id)]
        )
        self.assertTrue(earlier)
        self.assertTrue(all(e.wait_days_max <= entry.wait_days_max for e in earlier))

    def test_nothing_for_ineligible_products(self):
        badge = self._badge(self.wrap)
        self.assertIn("d-none", badge.get("class"))
        self.assertEqual(badge.text_content().strip(), "")
        self.assertIsNone(self.wrap.product_variant_id._subsidy_earn_preview(self.website))
        # A program for the POS only earns nothing online.
        self.program.channel_website = False
        self.assertIn("d-none", self._badge(self.kettle).get("class"))

    def test_gift_cards_and_ewallet_top_ups_earn_nothing(self):
        """A gift card or an eWallet top-up is money paid in advance, not a sale: even in a
        program for every product, no badge on its page, ``/subsidy/earn`` says it is not
        eligible, and a cart earns for its goods only."""
        self.program.product_ids = False
        products = self.env["product.template"].create(
            [
                {"name": name, "list_price": 50.0, "taxes_id": [Command.clear()], "is_published": True}
                for name in ("Gift Card 50", "eWallet Top-up 50")
            ]
        )
        for program_type, product in zip(("gift_card", "ewallet"), products, strict=True):
            self.env["loyalty.program"].create(
                {
                    "name": product.name,
                    "program_type": program_type,
                    "company_id": self.website.company_id.id,
                    "applies_on": "future",
                    "trigger": "auto",
                    "rule_ids": [
                        Command.create(
                            {
                                "product_ids": [Command.set(product.product_variant_ids.ids)],
                                "reward_point_amount": 1,
                                "reward_point_mode": "money",
                            }
                        )
                    ],
                    "reward_ids": [
                        Command.create(
                            {
                                "reward_type": "discount",
                                "discount": 1,
                                "discount_mode": "per_point",
                                "discount_applicability": "order",
                            }
                        )
                    ],
                }
            )
        self.assertTrue(self.wrap.product_variant_id._subsidy_earn_preview(self.website), "every product")
        for product in products:
            with self.subTest(product=product.name):
                self.assertIn("d-none", self._badge(product).get("class"))
                earn = self.url_open(f"/subsidy/earn?product_id={product.product_variant_id.id}&quantity=2")
                self.assertEqual(earn.json(), {"eligible": False})
        values = self.make_jsonrpc_request(
            "/shop/cart/update_json", {"product_id": self.kettle.product_variant_id.id, "add_qty": 1}
        )
        self.make_jsonrpc_request(
            "/shop/cart/update_json", {"product_id": products[0].product_variant_id.id, "add_qty": 1}
        )
        self.assertIn(
            f"Queue subsidy back to you: {self.money(50.0)}", page_text(self.url_open("/shop/cart").text)
        )
        self.assertTrue(values["cart_quantity"])

    def test_eligibility_follows_the_program(self):
        """Categories count with their sub-categories; a change of the program shows at once."""
        gifts = self.env["product.category"].create({"name": "Gifts"})
        self.wrap.categ_id = self.env["product.category"].create({"name": "Wrapping", "parent_id": gifts.id})
        self.assertIn("d-none", self._badge(self.wrap).get("class"))
        self.program.product_category_ids = gifts
        badge = self._badge(self.wrap)
        self.assertNotIn("d-none", badge.get("class"))
        self.assertIn(f"Queue subsidy back to you: {self.money(5.0)}", " ".join(badge.text_content().split()))
        self.program.product_category_ids = False
        self.assertIn("d-none", self._badge(self.wrap).get("class"))
        # A second program, first in turn, takes the kettle: its rules apply.
        second = self.program.copy(
            {"name": "First Queue", "code": "FQ", "sequence": -10, "subsidy_rate": 10.0}
        )
        self.assertEqual(self.kettle.product_variant_id._subsidy_earn_preview(self.website)["target"], 10.0)
        second.action_archive()
        self.assertEqual(self.kettle.product_variant_id._subsidy_earn_preview(self.website)["target"], 50.0)

    def test_the_badge_can_be_switched_off(self):
        self.env.ref("subsidy_queue.product_earn_badge").active = False
        self.assertIsNone(self._badge(self.kettle))

    def test_earn_route_follows_variant_and_quantity(self):
        def earn(product, quantity="1"):
            return self.url_open(f"/subsidy/earn?product_id={product}&quantity={quantity}")

        kettle = self.kettle.product_variant_id
        response = earn(kettle.id, "3")
        self.assertEqual(response.status_code, 200)
        data = response.json()
        self.assertEqual(
            (data["eligible"], data["target"], data["currency"]), (True, 150.0, self.currency.name)
        )
        self.assertIn(self.money(150.0), " ".join(lxml.html.fromstring(data["html"]).text_content().split()))
        self.assertEqual(earn(self.teapot_large.id, "1").json()["target"], 75.0)
        self.assertEqual(earn(self.teapot.product_variant_ids[0].id, "1.5").json()["target"], 75.0)
        # Not eligible, not published, not there: the same answer.
        self.teapot.is_published = False
        for product in (self.wrap.product_variant_id.id, self.teapot_large.id, 2_000_000_000):
            self.assertEqual(earn(product).json(), {"eligible": False})
        for product, quantity in (
            ("abc", "1"),
            ("-3", "1"),
            ("99999999999", "1"),
            (kettle.id, "0"),
            (kettle.id, "-1"),
            (kettle.id, "1e3"),
            (kettle.id, "true"),
            (kettle.id, "100001"),
            (kettle.id, "1.2345"),
        ):
            response = earn(product, quantity)
            self.assertEqual(response.status_code, 400, (product, quantity))
            self.assertIn("error", response.json())
        self.assertEqual(self.url_open("/subsidy/earn").status_code, 400)

    def test_earn_route_is_strict_and_speaks_json(self):
        """As the app's API: each parameter known and given once, else a 400; any other method
        than GET a 405 with ``Allow``; always JSON."""
        kettle = self.kettle.product_variant_id.id
        self.assertEqual(self.url_open(f"/subsidy/earn?product_id={kettle}").json()["target"], 50.0)
        for query in (
            f"product_id={kettle}&product_id={self.wrap.product_variant_id.id}",
            f"product_id={kettle}&quantity=1&quantity=3",
            f"product_id={kettle}&quantity=1&colour=red",
            f"product_id={kettle}&Quantity=2",
            f"product_id={kettle}&debug=1",
        ):
            with self.subTest(query=query):
                response = self.url_open(f"/subsidy/earn?{query}")
                self.assertEqual(response.status_code, 400)
                self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
                self.assertEqual(
                    response.json(), {"error": "Give product_id and quantity once each, and nothing else."}
                )
        url = f"{self.base_url()}/subsidy/earn?product_id={kettle}&quantity=1"
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS"):
            with self.subTest(method=method):
                response = self.opener.request(method, url, data={"product_id": kettle}, timeout=12)
                self.assertEqual(response.status_code, 405)
                self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
                self.assertEqual(response.headers["Allow"], "GET")
                self.assertEqual(response.json(), {"error": "Use GET on this address."})

    def test_cart_follows_the_quantity(self):
        def cart_update(**params):
            response = self.make_jsonrpc_request("/shop/cart/update_json", params)
            return response

        values = cart_update(product_id=self.kettle.product_variant_id.id, add_qty=1)
        total = lxml.html.fromstring(values["website_sale.total"])
        self.assertIn(
            f"Queue subsidy back to you: {self.money(50.0)}", " ".join(total.text_content().split())
        )
        values = cart_update(
            product_id=self.kettle.product_variant_id.id, line_id=values["line_id"], set_qty=3
        )
        self.assertIn(
            self.money(150.0),
            " ".join(lxml.html.fromstring(values["website_sale.total"]).text_content().split()),
        )
        cart = page_text(self.url_open("/shop/cart").text)
        self.assertIn(f"Queue subsidy back to you: {self.money(150.0)}", cart)
        # Gift wrap earns nothing: the cart still earns for the kettles only.
        cart_update(product_id=self.wrap.product_variant_id.id, add_qty=1)
        self.assertIn(
            f"Queue subsidy back to you: {self.money(150.0)}", page_text(self.url_open("/shop/cart").text)
        )

    def test_no_badge_in_a_cart_of_ineligible_products(self):
        values = self.make_jsonrpc_request(
            "/shop/cart/update_json", {"product_id": self.wrap.product_variant_id.id, "add_qty": 1}
        )
        self.assertNotIn("o_subsidy_earn", values["website_sale.total"])

    def test_below_the_minimum_the_badge_says_so(self):
        self.program.min_order_amount = 200.0
        text = " ".join(self._badge(self.kettle).text_content().split())
        self.assertIn(
            f"Orders join the queue from this amount of eligible products: {self.money(200.0)}", text
        )


@tagged("post_install", "-at_install")
class TestOrderPages(ShopSubsidyCase):
    def test_confirmation_shows_the_entry_once_paid(self):
        self.last_order = self.order
        self.authenticate("shop_shopper", "shop_shopper")
        response = self.url_open("/shop/confirmation")
        self.assertEqual(response.status_code, 200)
        text = page_text(response.text)
        self.assertIn(f"Entry: {self.entry.name}", text)
        self.assertIn("Place in the queue: 2", text)
        self.assertIn(f"Ahead of you: {self.money(75.0)}", text)
        self.assertIn(f"Received / target: {self.money(0.0)} / {self.money(50.0)}", text)
        self.assertIn(f"Estimated wait: {self.entry.wait_estimate}", text)
        self.assertIn(f'href="/my/orders/{self.order.id}"', response.text)
        self.assertNotIn(self.other_order.subsidy_entry_id.name, text)

    def test_order_page_shows_the_entry_to_its_shopper_only(self):
        self.authenticate("shop_shopper", "shop_shopper")
        response = self.url_open(f"/my/orders/{self.order.id}")
        self.assertEqual(response.status_code, 200)
        text = page_text(response.text)
        self.assertIn(f"Entry: {self.entry.name}", text)
        self.assertIn(f"Place in the queue: 2 Ahead of you: {self.money(75.0)}", text)
        # Another shopper, and a visitor, are sent away without a word of the entry.
        for login in ("shop_other", None):
            self.authenticate(login, login)
            response = self.url_open(f"/my/orders/{self.order.id}")
            self.assertNotIn(f"/my/orders/{self.order.id}", response.url)
            self.assertNotIn(self.entry.name, response.text)
            self.assertNotIn("Place in the queue", response.text)

    def test_before_payment_it_queues_when_paid(self):
        order = self._web_order(self.shopper, self.kettle.product_variant_id)
        order.action_confirm()
        self.authenticate("shop_shopper", "shop_shopper")
        text = page_text(self.url_open(f"/my/orders/{order.id}").text)
        self.assertIn(f"Queue subsidy back to you: {self.money(50.0)} It queues when it is paid.", text)
        self.last_order = order
        self.authenticate("shop_shopper", "shop_shopper")
        self.assertIn("It queues when it is paid.", page_text(self.url_open("/shop/confirmation").text))

    def test_after_payment_it_queues_after_the_return_window(self):
        self.program.write({"trigger": "return_window", "return_window_days": 7})
        order = self._web_order(self.shopper, self.kettle.product_variant_id)
        order.action_confirm()
        self.authenticate("shop_shopper", "shop_shopper")
        self.assertIn(
            "It queues when the return window after payment is over, in days: 7",
            page_text(self.url_open("/my/orders/%s" % order.id).text),
        )
        self._pay(order)
        self.assertEqual((order.subsidy_state, order.subsidy_entry_id.id), ("waiting", False))
        day = format_date(self.env, order.subsidy_paid_date + timedelta(days=7))
        text = page_text(self.url_open(f"/my/orders/{order.id}").text)
        self.assertIn(f"Paid. It queues when the return window is over, on: {day}", text)

    def test_nothing_for_an_order_without_eligible_products(self):
        order = self._paid_order(self.shopper, self.wrap.product_variant_id)
        self.authenticate("shop_shopper", "shop_shopper")
        response = self.url_open(f"/my/orders/{order.id}")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("o_subsidy_order_status", response.text)


@tagged("post_install", "-at_install")
class TestMySubsidyCard(ShopSubsidyCase):
    def test_every_shopper_has_the_card(self):
        self.authenticate("shop_newcomer", "shop_newcomer")
        page = lxml.html.fromstring(self.url_open("/my").text)
        card = page.xpath("//a[@href='/my/subsidy']")
        self.assertEqual(len(card), 1, "one card, there without any entry")
        card_div = card[0].getparent()
        self.assertNotIn("d-none", card_div.get("class"))
        text = " ".join(card[0].text_content().split())
        self.assertIn("My subsidy", text)
        self.assertIn("No entry yet: every eligible purchase you pay in our shop", text)

        self.authenticate("shop_shopper", "shop_shopper")
        page = lxml.html.fromstring(self.url_open("/my").text)
        text = " ".join(page.xpath("//a[@href='/my/subsidy']")[0].text_content().split())
        self.assertIn("Waiting in the queue: 1", text)
        self.assertNotIn("No entry yet", text)

    def test_my_subsidy_links_each_entry_to_its_order(self):
        self.authenticate("shop_shopper", "shop_shopper")
        response = self.url_open("/my/subsidy")
        links = lxml.html.fromstring(response.text).xpath(
            "//a[contains(@class, 'o_subsidy_entry_order')]/@href"
        )
        self.assertEqual(links, [f"/my/orders/{self.order.id}"])
        self.assertNotIn(f"/my/orders/{self.other_order.id}", response.text)


@tagged("post_install", "-at_install")
class TestShopOnAPhone(ShopSubsidyCase):
    browser_size = "375x800"

    def test_visitor_finds_the_program_and_what_a_purchase_earns(self):
        self.start_tour("/", "subsidy_visitor_tour")

    def test_shopper_follows_the_paid_order(self):
        self.last_order = self.order
        self.start_tour("/shop/confirmation", "subsidy_order_tour", login="shop_shopper")

    def test_screenshots_for_the_reviewer(self):
        """The product page, the explanation and the pool's page at 375 px, in English and in
        Chinese, as PNG files in the test screenshots folder (not committed)."""
        chinese = self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["web", "website", "website_sale", "portal", "sale", "product", "payment", "subsidy_queue"],
            ["zh_CN"],
            overwrite=True,
        )
        self.website.language_ids |= chinese
        folder = pathlib.Path(config["screenshots"]) / get_db_name() / "subsidy_375"
        folder.mkdir(parents=True, exist_ok=True)
        pages = {
            "product": (self.kettle.website_url, ".o_subsidy_earn_product:not(.d-none)"),
            "explanation": ("/subsidy", ".o_subsidy_explanation"),
            "pool": ("/subsidy/pool", ".o_pool_head"),
        }
        for lang, prefix in (("en", ""), ("zh_CN", f"/{chinese.url_code}")):
            for name, (url, ready) in pages.items():
                path = folder / f"{name}_{lang}.png"
                path.unlink(missing_ok=True)
                self._screenshot(prefix + url, ready, path)
                data = path.read_bytes()
                self.assertTrue(data.startswith(PNG_MAGIC), path)
                width, height = struct.unpack(">II", data[16:24])
                self.assertEqual(width, 375, path)
                self.assertGreater(height, 800, f"{path}: the whole page, not only the screen")

    def _screenshot(self, url, ready, path):
        """Open ``url`` as a visitor in the test's 375 px browser; save the whole page as ``path``."""
        browser = ChromeBrowser(self)
        try:
            self.http_request_key = self.canonical_tag + "_browser_js"
            self.authenticate(None, None, browser=browser)
            self.cr.flush()
            self.cr.clear()
            browser.navigate_to(self.base_url() + url, wait_stop=True)
            self.assertTrue(
                browser._wait_ready(
                    f"document.readyState === 'complete' && !!document.querySelector({ready!r})"
                ),
                f"{url} did not show {ready}",
            )
            metrics = browser._websocket_request("Page.getLayoutMetrics")
            height = min(int(metrics["cssContentSize"]["height"]), 8000)
            shot = browser._websocket_request(
                "Page.captureScreenshot",
                params={
                    "format": "png",
                    "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": 375, "height": height, "scale": 1},
                },
                timeout=30,
            )
            path.write_bytes(b64decode(shot["data"]))
        finally:
            browser.stop()
            self._wait_remaining_requests()
            self.http_request_key = self.canonical_tag


@tagged("post_install", "-at_install")
class TestJoinFigures(SubsidyCommon):
    def test_join_figures_are_the_entries_own(self):
        """The badge's cheap figures (per-day sums and the two boundary days of the ledger)
        equal the queue's block sums and ``_inflow_units``, whatever the lines' dates."""
        ages = (
            "2 hours",
            "3 days",
            "6 days 23 hours",
            "7 days 1 hour",
            "29 days",
            "29 days 23 hours",
            "31 days",
        )
        entries, _orders = self._worked_orders()
        entries += [self._paid_order(self.shoppers[4], 10.0 * (i + 1)).subsidy_entry_id for i in range(3)]
        self.program._settle()
        lines = self.env["subsidy.pool.line"].search(
            [("program_id", "=", self.program.id), ("kind", "=", "contribution")], order="id"
        )
        self.assertEqual(len(lines), len(ages))
        for line, age in zip(lines, ages):
            self.env.cr.execute(
                SQL(
                    """UPDATE subsidy_pool_line SET date = (now() at time zone 'UTC') - %s::interval
                        WHERE id = %s""",
                    age,
                    line.id,
                )
            )
        # The per-day figures follow the ledger's dates, as if the sales had happened then.
        self.env.cr.execute(SQL("DELETE FROM subsidy_pool_day WHERE program_id = %s", self.program.id))
        self.env.cr.execute(
            SQL(
                """INSERT INTO subsidy_pool_day
                       (program_id, day, contributed, reversed, allocated, clawed_back, other, line_count)
                   SELECT l.program_id, l.date::date, %s FROM subsidy_pool_line l
                    WHERE l.program_id = %s GROUP BY l.program_id, l.date::date""",
                LEDGER_SUMS,
                self.program.id,
            )
        )
        self.env.invalidate_all()
        self.assertEqual(self.env["subsidy.pool.figures"]._differences(self.program), [])
        balance, in7, in30 = self.program._inflow_units()
        outstanding, *inflow = self.program._join_figures()
        self.assertEqual(inflow, [balance, in7, in30])
        self.assertEqual(outstanding, self.program._units(self.program.queued_amount))
        # Three contributions within 7 days (20 + 60 + 10), six within 30 (+ 40 + 2 + 4).
        self.assertEqual((in7, in30), (9000, 13600))
