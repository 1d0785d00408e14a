"""Who may see and do what once direct_ship is installed.

A salesperson without purchase rights still sells (Odoo's own sale access rights hold, with a
direct-ship line on the order); supplier actions are for the order's supplier or a purchase user
only; arguments coming over RPC are checked, not trusted.
"""

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged

# The module, not the class: a test class imported by name would be collected and run twice.
from odoo.addons.sale.tests import test_access_rights

from .common import DirectShipCommon


@tagged("post_install", "-at_install")
class TestDirectShipAccess(DirectShipCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = new_test_user(
            cls.env, login="ds_salesperson", groups="sales_team.group_sale_salesman"
        )
        cls.sales_manager = new_test_user(
            cls.env, login="ds_sales_manager", groups="sales_team.group_sale_manager"
        )
        cls.buyer = new_test_user(cls.env, login="ds_buyer", groups="purchase.group_purchase_user")
        cls.invoicing_user = new_test_user(
            cls.env, login="ds_invoicing", groups="account.group_account_invoice"
        )
        cls.warehouse_user = new_test_user(cls.env, login="ds_stock", groups="stock.group_stock_user")
        cls.supplier_b_user = new_test_user(
            cls.env, login="ds_supplier_beta", groups="base.group_portal", partner_id=cls.supplier_b.id
        )
        cls.supplier_a_user = new_test_user(
            cls.env, login="ds_supplier_alpha", groups="base.group_portal", partner_id=cls.supplier_a.id
        )
        cls.shopper_user = new_test_user(
            cls.env, login="ds_shopper", groups="base.group_portal", partner_id=cls.shopper.id
        )

    def test_salesperson_without_purchase_rights_sells_direct_ship_products(self):
        for user in (self.salesperson, self.sales_manager):
            self.assertFalse(user.has_group("purchase.group_purchase_user"))
        with Form(self.env["sale.order"].with_user(self.salesperson)) as form:
            form.partner_id = self.shopper
            with form.order_line.new() as line:
                line.product_id = self.kettle
                line.product_uom_qty = 2
        order = form.record
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        # Read it back the ways a client does: all fields, and the form view (with its lines).
        order.read()
        Form(order)
        # Routed by the system although the salesperson cannot see purchases.
        purchase = order.sudo().direct_purchase_ids
        self.assertEqual((purchase.partner_id, purchase.direct_state), (self.supplier_b, "waiting"))
        self.assertNotIn("direct_purchase_ids", order.read()[0])
        # A sales manager without purchase rights reads it too.
        as_manager = order.with_user(self.sales_manager)
        as_manager.read()
        Form(as_manager)
        # The salesperson cancels: the supplier's order is cancelled with it.
        order.with_context(disable_cancel_warning=True).action_cancel()
        self.assertEqual((purchase.state, purchase.direct_state), ("cancel", "cancelled"))

    def test_shopper_never_sees_the_supplier(self):
        order = self._sale((self.kettle, 1))
        lines = order.order_line.with_user(self.shopper_user)
        lines.check_access("read")
        self.assertNotIn("direct_supplier_id", lines.fields_get())
        for field in ("direct_supplier_id", "direct_supplierinfo_id", "direct_excluded_partner_ids"):
            with self.subTest(field=field), self.assertRaises(AccessError):
                lines.read([field])
        with self.assertRaises(AccessError):
            order.with_user(self.shopper_user).read(["direct_purchase_ids"])

    def test_supplier_actions_check_the_caller(self):
        purchase = self._sale((self.kettle, 1)).direct_purchase_ids
        # Users who may read (some even write) purchase orders, but are not its supplier.
        for user in (self.invoicing_user, self.warehouse_user, self.salesperson, self.supplier_a_user):
            as_user = purchase.with_user(user)
            for action, call in (
                ("accept", lambda p: p.action_direct_accept()),
                ("refuse", lambda p: p.action_direct_refuse("no")),
                ("parcel", lambda p: p.action_direct_add_parcel(self.carrier_sf.id, "SF30300001")),
                ("ship", lambda p: p.action_direct_ship()),
            ):
                with self.subTest(user=user.login, action=action), self.assertRaises(AccessError):
                    call(as_user)
            # Not even through sudo(): the check is on who calls, not on the rights in use.
            with self.subTest(user=user.login, action="sudo"), self.assertRaises(AccessError):
                purchase.with_user(user).sudo().action_direct_accept()
        self.assertEqual(purchase.direct_state, "waiting")
        self.assertFalse(purchase.direct_parcel_ids)
        # The supplier itself (as the supplier portal calls it) and a buyer acting for it may.
        purchase.with_user(self.supplier_b_user).sudo().action_direct_accept()
        purchase.with_user(self.buyer).action_direct_add_parcel(self.carrier_sf.id, "SF30300002")
        purchase.with_user(self.buyer).action_direct_ship()
        self.assertEqual(purchase.direct_state, "shipped")

    def test_rpc_arguments_are_checked(self):
        purchase = self._sale((self.kettle, 1)).direct_purchase_ids
        purchase.action_direct_accept()
        sf = self.carrier_sf.id
        for carrier, ref, message in (
            ([sf], "SF30300003", "carrier of the parcel from the list"),
            ("SF", "SF30300003", "carrier of the parcel from the list"),
            (True, "SF30300003", "carrier of the parcel from the list"),
            ({"x": 1}, ["y"], "carrier of the parcel from the list"),
            (sf, {"ref": "SF30300003"}, "as text"),
            (sf, 30300003, "as text"),
        ):
            with self.subTest(carrier=carrier, ref=ref), self.assertRaisesRegex(ValidationError, message):
                purchase.action_direct_add_parcel(carrier, ref)
        with self.assertRaisesRegex(ValidationError, "as text"):
            purchase.action_direct_refuse({"reason": "x"})
        self.assertFalse(purchase.direct_parcel_ids)
        self.assertEqual(purchase.direct_state, "accepted")


@tagged("post_install", "-at_install")
class TestSaleAccessRightsWithDirectShip(test_access_rights.TestAccessRights):
    """Odoo's own sale access-rights scenario, with a direct-ship line on the order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        supplier = cls.env["res.partner"].create({"name": "Access Supplier"})
        cls.direct_product = cls.env["product.product"].create(
            {
                "name": "Direct kettle",
                "is_storable": True,
                "direct_ship": True,
                "list_price": 50.0,
                "invoice_policy": "order",
                "seller_ids": [Command.create({"partner_id": supplier.id, "price": 30.0})],
            }
        )
        cls.sale_order.order_line = [Command.create({"product_id": cls.direct_product.id})]
        for user in (cls.sale_user, cls.sale_user2, cls.sale_manager):
            assert not user.has_group("purchase.group_purchase_user")

    # Odoo's own scenarios, declared here so that Odoo's runner (which runs only the
    # test methods a module defines) runs them too, not only pytest.
    def test_access_sales_manager(self):
        return super().test_access_sales_manager()

    def test_access_sales_person(self):
        return super().test_access_sales_person()

    def test_access_portal_user(self):
        return super().test_access_portal_user()

    def test_access_employee(self):
        return super().test_access_employee()

    def test_direct_ship_line_is_routed_for_the_salesperson(self):
        self.sale_order.write({"user_id": self.sale_user2.id})
        order = self.sale_order.with_user(self.sale_user2)
        order.action_confirm()
        order.read()
        purchase = self.sale_order.sudo().direct_purchase_ids
        self.assertEqual(purchase.partner_id.name, "Access Supplier")
        self.assertEqual(purchase.order_line.product_id, self.direct_product)
