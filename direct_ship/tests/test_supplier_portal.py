import re
from unittest.mock import patch

from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import config

from .common import DirectShipCommon


@tagged("post_install", "-at_install")
class TestSupplierPortal(HttpCase, DirectShipCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_a = new_test_user(
            cls.env,
            login="supplier_alpha",
            password="supplier_alpha",
            groups="base.group_portal",
            partner_id=cls.supplier_a.id,
        )
        cls.user_b = new_test_user(
            cls.env,
            login="supplier_beta",
            password="supplier_beta",
            groups="base.group_portal",
            partner_id=cls.supplier_b.id,
        )
        cls.user_shopper = new_test_user(
            cls.env,
            login="zhou_xun",
            password="zhou_xun",
            groups="base.group_portal",
            partner_id=cls.shopper.id,
        )
        cls.order = cls._sale((cls.kettle, 1))
        cls.purchase = cls.order.direct_purchase_ids

    def _csrf(self, url):
        return re.search(r'name="csrf_token" value="([^"]+)"', self.url_open(url).text).group(1)

    def test_supplier_sees_only_its_own_orders(self):
        self.assertEqual(self.purchase.partner_id, self.supplier_b)
        self.authenticate("supplier_beta", "supplier_beta")
        self.assertIn(self.purchase.name, self.url_open("/my/direct-shipments").text)
        page = self.url_open(f"/my/direct-shipments/{self.purchase.id}")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("70.00", page.text, "no purchase price on the supplier's page")
        self.authenticate("supplier_alpha", "supplier_alpha")
        self.assertNotIn(self.purchase.name, self.url_open("/my/direct-shipments").text)
        self.assertEqual(self.url_open(f"/my/direct-shipments/{self.purchase.id}").status_code, 404)
        csrf = self._csrf("/my/direct-availability")
        for action in ("accept", "refuse", "parcel", "ship"):
            response = self.url_open(
                f"/my/direct-shipments/{self.purchase.id}/{action}",
                data={"csrf_token": csrf, "carrier_id": self.carrier_sf.id, "tracking_ref": "SF111111"},
            )
            self.assertEqual(response.status_code, 404, action)
        self.assertEqual((self.purchase.direct_state, self.purchase.state), ("waiting", "purchase"))
        self.assertFalse(self.purchase.direct_parcel_ids)
        # Sale orders, other partners and prices stay out of reach.
        response = self.url_open(f"/my/orders/{self.order.id}", allow_redirects=False)
        self.assertNotEqual(response.status_code, 200)
        self.assertEqual(
            self.url_open(f"/my/purchase/{self.purchase.id}", allow_redirects=False).status_code != 200, True
        )

    def _call_kw(self, method, *args):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": "purchase.order", "method": method, "args": [self.purchase.ids, *args], "kwargs": {}},
        )

    def test_supplier_actions_over_rpc(self):
        """/web/dataset/call_kw reaches the supplier actions: they check the caller and the arguments."""
        new_test_user(self.env, login="ds_rpc_invoicing", groups="account.group_account_invoice")
        # An accountant may read and write purchase orders, but is not the supplier.
        self.authenticate("ds_rpc_invoicing", "ds_rpc_invoicing")
        for method, args in (("action_direct_accept", ()), ("action_direct_refuse", ("no",))):
            with self.subTest(method=method), self.assertRaisesRegex(JsonRpcException, "AccessError"):
                self._call_kw(method, *args)
        self.authenticate("supplier_alpha", "supplier_alpha")
        with self.assertRaisesRegex(JsonRpcException, "AccessError"):
            self._call_kw("action_direct_accept")
        self.assertEqual((self.purchase.direct_state, self.purchase.state), ("waiting", "purchase"))
        # The supplier itself gets a clean error, not a crash, for arguments that are not text.
        self.purchase.action_direct_accept()
        self.authenticate("supplier_beta", "supplier_beta")
        for args in ((["SF"], "SF1234567"), ("SF", {"ref": 1}), (7, 8)):
            with self.subTest(args=args), self.assertRaisesRegex(JsonRpcException, "ValidationError"):
                self._call_kw("action_direct_add_parcel", *args)
        with self.assertRaisesRegex(JsonRpcException, "ValidationError"):
            self._call_kw("action_direct_refuse", ["no"])
        self.assertFalse(self.purchase.direct_parcel_ids)

    def test_bad_tracking_in_the_portal(self):
        self.purchase.action_direct_accept()
        self.authenticate("supplier_beta", "supplier_beta")
        page = self.url_open(f"/my/direct-shipments/{self.purchase.id}")
        self.assertIn(f'<option value="{self.carrier_sf.id}">SF Express</option>', page.text)
        csrf = self._csrf(f"/my/direct-shipments/{self.purchase.id}")
        url = f"/my/direct-shipments/{self.purchase.id}/parcel"
        sf = str(self.carrier_sf.id)
        for carrier, ref in (("", "SF1234"), (sf, "<script>x</script>"), (sf, "9" * 300)):
            response = self.url_open(
                url, data={"csrf_token": csrf, "carrier_id": carrier, "tracking_ref": ref}
            )
            self.assertEqual(response.status_code, 400)
            self.assertIn("direct_error", response.text)
        response = self.url_open(f"/my/direct-shipments/{self.purchase.id}/ship", data={"csrf_token": csrf})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.purchase.direct_parcel_ids)
        self.assertEqual(self.purchase.direct_state, "accepted")

    def test_the_portal_refuses_an_unknown_carrier(self):
        self.purchase.action_direct_accept()
        not_offered = self.env.ref("delivery.free_delivery_carrier")
        self.authenticate("supplier_beta", "supplier_beta")
        csrf = self._csrf(f"/my/direct-shipments/{self.purchase.id}")
        url = f"/my/direct-shipments/{self.purchase.id}/parcel"
        for carrier in ("SF", "999999999", "9" * 5000, "-1", "1.5", str(not_offered.id)):
            with self.subTest(carrier=carrier[:20]):
                response = self.url_open(
                    url, data={"csrf_token": csrf, "carrier_id": carrier, "tracking_ref": "SF77778888"}
                )
                self.assertEqual(response.status_code, 400)
                self.assertIn("Choose the carrier of the parcel from the list.", response.text)
        self.assertFalse(self.purchase.direct_parcel_ids)
        self.assertFalse(self.purchase.picking_ids.carrier_tracking_ref)
        response = self.url_open(
            url, data={"csrf_token": csrf, "carrier_id": self.carrier_sf.id, "tracking_ref": "SF77778888"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.purchase.direct_parcel_ids.carrier_id, self.carrier_sf)

    def test_supplier_availability(self):
        self.authenticate("supplier_beta", "supplier_beta")
        page = self.url_open("/my/direct-availability")
        self.assertIn("Kettle", page.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        lamp_seller = self.lamp.seller_ids
        self.url_open(
            "/my/direct-availability", data={"csrf_token": csrf, f"available_{lamp_seller.id}": "on"}
        )
        kettle_seller = self.kettle.seller_ids.filtered(lambda s: s.partner_id == self.supplier_b)
        self.assertEqual((kettle_seller.direct_available, lamp_seller.direct_available), (False, True))
        other = self.kettle.seller_ids.filtered(lambda s: s.partner_id == self.supplier_a)
        self.assertTrue(other.direct_available, "a supplier changes only its own products")

    def test_an_unreadable_availability_form_is_refused(self):
        """A checkbox name that is not a product line's id: a 400 that says so; nothing saved."""
        lamp_seller = self.lamp.seller_ids
        kettle_seller = self.kettle.seller_ids.filtered(lambda s: s.partner_id == self.supplier_b)
        kettle_seller.direct_available = True
        lamp_seller.direct_available = False
        self.authenticate("supplier_beta", "supplier_beta")
        csrf = self._csrf("/my/direct-availability")
        for key in ("available_abc", "available_", "available_1.5", "available_-3", "available_99999999999"):
            with self.subTest(key=key):
                response = self.url_open(
                    "/my/direct-availability",
                    data={"csrf_token": csrf, key: "on", f"available_{lamp_seller.id}": "on"},
                )
                self.assertEqual(response.status_code, 400)
                self.assertIn("This form could not be read: reload the page and try again.", response.text)
                self.assertNotIn("Availability saved.", response.text)
                self.assertEqual(
                    (kettle_seller.direct_available, lamp_seller.direct_available), (True, False)
                )
        # An id that is no line of the supplier's (a page older than a change) is left alone.
        response = self.url_open(
            "/my/direct-availability", data={"csrf_token": csrf, "available_2147483647": "on"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Availability saved.", response.text)
        self.assertFalse(kettle_seller.direct_available)

    def test_supplier_ships_and_the_shopper_tracks(self):
        self.start_tour(
            f"/my/direct-shipments/{self.purchase.id}", "direct_ship_supplier_tour", login="supplier_beta"
        )
        self.assertEqual(self.purchase.direct_state, "shipped")
        self.assertEqual(self.purchase.direct_parcel_ids.tracking_ref, "SF1234567890")
        picking = self.purchase.picking_ids
        self.assertEqual(
            (picking.state, picking.carrier_id, picking.carrier_tracking_ref),
            ("done", self.carrier_sf, "SF1234567890"),
        )
        self.start_tour(f"/my/orders/{self.order.id}", "direct_ship_shopper_tour", login="zhou_xun")

    def test_api_parcels_for_the_shopper(self):
        self.purchase.action_direct_accept()
        self.purchase.action_direct_add_parcel(self.carrier_sf.id, "SF5555666677")
        self.purchase.action_direct_ship()
        key = self.env["res.users.apikeys"].with_user(self.user_shopper).sudo()._generate("rpc", "app", None)
        response = self.url_open("/api/subsidy/v1/parcels", headers={"Authorization": f"Bearer {key}"})
        self.assertEqual(response.status_code, 200)
        orders = {row["order"]: row["parcels"] for row in response.json()["orders"]}
        parcel = orders[self.order.name][0]
        self.assertEqual((parcel["status"], parcel["tracking_number"]), ("shipped", "SF5555666677"))
        self.assertEqual(parcel["carrier"], "SF Express")
        self.assertIn("sf-express.com", parcel["tracking_url"])
        self.assertNotIn("Supplier", response.text)
        key_b = self.env["res.users.apikeys"].with_user(self.user_b).sudo()._generate("rpc", "app", None)
        response = self.url_open("/api/subsidy/v1/parcels", headers={"Authorization": f"Bearer {key_b}"})
        self.assertEqual(response.json()["orders"], [], "a supplier sees no shopper's orders")
        # The order page shows the dropship transfer among Odoo's deliveries, with the link.
        self.authenticate("zhou_xun", "zhou_xun")
        page = self.url_open(f"/my/orders/{self.order.id}")
        self.assertIn(f'href="{parcel["tracking_url"]}"', page.text)
        self.assertNotIn("Supplier Beta", page.text)
        self.assertNotIn("o_direct_delivered", page.text)
        # What Odoo's list lacks: the parcel reached the shopper.
        self.purchase.direct_parcel_ids.action_mark_delivered()
        self.assertIn("o_direct_delivered", self.url_open(f"/my/orders/{self.order.id}").text)

    # ------------------------------------------------------------------
    # Ship-to, packing slip, parcels, the list
    # ------------------------------------------------------------------

    def test_ship_to_shows_the_full_address_and_phone(self):
        self.shopper.phone = "+86 138 0013 8000"
        self.authenticate("supplier_beta", "supplier_beta")
        page = self.url_open(f"/my/direct-shipments/{self.purchase.id}").text
        ship_to = page[page.index("o_direct_ship_to") : page.index("Deadlines")]
        for part in (self.shopper.name, "1 Nanjing Rd", "Shanghai", "200001", "China", "+86 138 0013 8000"):
            self.assertIn(part, ship_to)
        self.assertIn('href="tel:+86 138 0013 8000"', ship_to)
        # A delivery address without a phone of its own: the carrier calls the shopper.
        home = self.env["res.partner"].create(
            {
                "name": "Zhou Xun (home)",
                "type": "delivery",
                "parent_id": self.shopper.id,
                "street": "8 Huaihai Rd",
                "city": "Shanghai",
                "zip": "200020",
                "country_id": self.env.ref("base.cn").id,
            }
        )
        home.phone = False
        order = self._sale((self.lamp, 1), confirm=False)
        order.partner_shipping_id = home
        order.action_confirm()
        purchase = order.direct_purchase_ids
        self.assertEqual(purchase.dest_address_id, home)
        page = self.url_open(f"/my/direct-shipments/{purchase.id}").text
        ship_to = page[page.index("o_direct_ship_to") : page.index("Deadlines")]
        self.assertIn("8 Huaihai Rd", ship_to)
        self.assertIn("200020", ship_to)
        self.assertIn("+86 138 0013 8000", ship_to)

    def test_packing_slip_for_the_supplier_of_the_order_only(self):
        """Supplier B prints the slip of its order (a real PDF); supplier A, the shopper and
        a missing order all answer 404, the same."""
        self.shopper.phone = "+86 138 0013 8000"
        url = f"/my/direct-shipments/{self.purchase.id}/packing-slip"
        self.authenticate("supplier_beta", "supplier_beta")
        self.assertIn(url, self.url_open(f"/my/direct-shipments/{self.purchase.id}").text)
        # Odoo renders reports as HTML while tests run; this one must be a real PDF. The test
        # server answers one request at a time: wkhtmltopdf must not wait for it to serve the
        # report's stylesheets (report.url, as a deployment points it to an internal address).
        self.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")
        with patch.dict(config.options, {"test_enable": False, "test_file": False}):
            response = self.url_open(url, timeout=120)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.assertIn(self.purchase.name, response.headers["Content-Disposition"])
        for login in ("supplier_alpha", "zhou_xun"):
            self.authenticate(login, login)
            with self.subTest(login=login):
                self.assertEqual(self.url_open(url).status_code, 404)
                missing = self.url_open("/my/direct-shipments/999999999/packing-slip")
                self.assertEqual(missing.status_code, 404)
        self.authenticate(None, None)
        response = self.url_open(url, allow_redirects=False)
        self.assertNotEqual(response.status_code, 200)
        # What the slip says: who receives what, never a price or the supplier's terms.
        html, _kind = self.env["ir.actions.report"]._render_qweb_html(
            "direct_ship.action_report_direct_packing_slip", self.purchase.ids
        )
        html = html.decode()
        for part in ("Packing Slip", self.purchase.name, self.order.name, self.shopper.name, "1 Nanjing Rd",
                     "+86 138 0013 8000", "Kettle"):  # fmt: skip
            self.assertIn(part, html)
        self.assertNotIn("70.00", html)

    def test_no_packing_slip_once_the_order_is_not_the_suppliers_to_ship(self):
        self.purchase.action_direct_refuse("Out of stock")
        self.authenticate("supplier_beta", "supplier_beta")
        response = self.url_open(f"/my/direct-shipments/{self.purchase.id}/packing-slip")
        self.assertEqual(response.status_code, 409, "a rerouted order is no longer the supplier's to ship")
        self.assertIn("no packing slip", response.text)
        self.assertNotIn("o_direct_packing_slip", response.text)

    def test_a_parcel_says_shipped_only_once_it_is(self):
        self.purchase.action_direct_accept()
        key = self.env["res.users.apikeys"].with_user(self.user_shopper).sudo()._generate("rpc", "app", None)

        def api_status():
            self.opener.cookies.clear()  # the app calls with its key only, no browser session
            response = self.url_open("/api/subsidy/v1/parcels", headers={"Authorization": f"Bearer {key}"})
            return [parcel["status"] for row in response.json()["orders"] for parcel in row["parcels"]]

        parcel = self.purchase.action_direct_add_parcel(self.carrier_sf.id, "SF2222333344")
        self.assertEqual((parcel.state, parcel.date_shipped), ("registered", False))
        self.assertEqual(api_status(), ["registered"])
        self.authenticate("supplier_beta", "supplier_beta")
        page = self.url_open(f"/my/direct-shipments/{self.purchase.id}").text
        parcels = page[page.index("o_direct_parcels") :]
        self.assertIn("Not Shipped Yet", parcels[: parcels.index("</table>")])
        self.assertNotIn(">Shipped<", parcels[: parcels.index("</table>")])
        self.purchase.action_direct_ship()
        self.assertEqual(parcel.state, "shipped")
        self.assertTrue(parcel.date_shipped)
        self.assertEqual(api_status(), ["shipped"])
        # A parcel added after the order left is registered until the supplier ships it too.
        self.authenticate("supplier_beta", "supplier_beta")
        url = f"/my/direct-shipments/{self.purchase.id}"
        csrf = self._csrf(url)
        self.assertNotIn('o_direct_ship"', self.url_open(url).text, "nothing left to ship")
        response = self.url_open(f"{url}/ship", data={"csrf_token": csrf})
        self.assertEqual(response.status_code, 400)
        self.assertIn("is already shipped: add the new parcel first.", response.text)
        response = self.url_open(
            f"{url}/parcel",
            data={"csrf_token": csrf, "carrier_id": self.carrier_zto.id, "tracking_ref": "ZT5555666677"},
        )
        self.assertEqual(response.status_code, 200)
        late = self.purchase.direct_parcel_ids - parcel
        self.assertEqual(
            (late.tracking_ref, late.state, late.date_shipped), ("ZT5555666677", "registered", False)
        )
        self.assertEqual(sorted(api_status()), ["registered", "shipped"])
        self.authenticate("supplier_beta", "supplier_beta")
        page = self.url_open(url).text
        self.assertIn("Mark the new parcels as shipped", page)
        csrf = self._csrf(url)
        shipped_date = self.purchase.direct_shipped_date
        response = self.url_open(f"{url}/ship", data={"csrf_token": csrf})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(late.state, "shipped")
        self.assertTrue(late.date_shipped)
        self.assertEqual(
            (self.purchase.direct_state, self.purchase.direct_shipped_date), ("shipped", shipped_date)
        )
        self.assertEqual(api_status(), ["shipped", "shipped"])
        # Delivered only once shipped.
        registered = self._sale((self.kettle, 1)).direct_purchase_ids
        registered.action_direct_accept()
        waiting = registered.action_direct_add_parcel(self.carrier_sf.id, "SF7777888899")
        waiting.action_mark_delivered()
        self.assertEqual(waiting.state, "registered")

    def test_the_list_pages_and_filters(self):
        self.purchase.action_direct_accept()
        for _index in range(21):
            self._sale((self.lamp, 1))
        mine = self.env["purchase.order"].search(
            [("direct_ship", "=", True), ("partner_id", "=", self.supplier_b.id)]
        )
        self.assertEqual(len(mine), 22)
        self.authenticate("supplier_beta", "supplier_beta")
        first = self.url_open("/my/direct-shipments").text
        second = self.url_open("/my/direct-shipments/page/2").text
        shown = {po.name for po in mine if f">{po.name}<" in first}
        shown_second = {po.name for po in mine if f">{po.name}<" in second}
        self.assertEqual((len(shown), len(shown_second)), (20, 2))
        self.assertFalse(shown & shown_second)
        self.assertIn("/my/direct-shipments/page/2", first)
        self.purchase.action_direct_add_parcel(self.carrier_sf.id, "SF1212343456")
        self.purchase.action_direct_ship()
        shipped = self.url_open("/my/direct-shipments?filterby=shipped").text
        self.assertIn(f">{self.purchase.name}<", shipped)
        self.assertFalse([po for po in mine - self.purchase if f">{po.name}<" in shipped])
        todo = self.url_open("/my/direct-shipments?filterby=todo").text
        self.assertNotIn(f">{self.purchase.name}<", todo)
        # Unknown filters fall back to all; another supplier and a shopper see none of these.
        self.assertEqual(self.url_open("/my/direct-shipments?filterby=<x>").status_code, 200)
        for login in ("supplier_alpha", "zhou_xun"):
            self.authenticate(login, login)
            page = self.url_open("/my/direct-shipments").text
            self.assertIn("o_direct_no_orders", page)
            self.assertFalse([po for po in mine if f">{po.name}<" in page])


@tagged("post_install", "-at_install")
class TestSupplierPortalPhone(HttpCase, DirectShipCommon):
    """The supplier's pages on a 375 px wide phone: nothing cut, nothing to scroll sideways."""

    browser_size = "375x667"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        new_test_user(
            cls.env,
            login="supplier_beta",
            password="supplier_beta",
            groups="base.group_portal",
            partner_id=cls.supplier_b.id,
        )
        cls.shopper.phone = "+86 138 0013 8000"
        cls.purchase = cls._sale((cls.kettle, 1)).direct_purchase_ids
        cls.purchase.action_direct_accept()
        cls.purchase.action_direct_add_parcel(cls.carrier_sf.id, "SF1234567890123456789012345")

    def test_supplier_pages_on_a_phone(self):
        self.start_tour("/my/direct-shipments", "direct_ship_supplier_phone_tour", login="supplier_beta")
