import re

from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged

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
