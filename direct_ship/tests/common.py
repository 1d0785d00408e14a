from odoo import Command
from odoo.tests import TransactionCase


class DirectShipCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))
        cls.company = cls.env.company
        cls.company.write({"direct_ship_policy": "cheapest", "direct_ship_auto_confirm": True})
        cls.carrier_sf = cls.env.ref("direct_ship.delivery_carrier_sf")
        cls.carrier_zto = cls.env.ref("direct_ship.delivery_carrier_zto")
        cls.supplier_a, cls.supplier_b, cls.supplier_c = cls.env["res.partner"].create(
            [
                {"name": "Supplier Alpha", "email": "alpha@example.com", "zip": "100000"},
                {"name": "Supplier Beta", "email": "beta@example.com"},
                {"name": "Supplier Gamma", "email": "gamma@example.com"},
            ]
        )
        cls.shopper = cls.env["res.partner"].create(
            {
                "name": "Zhou Xun",
                "email": "zhou@example.com",
                "street": "1 Nanjing Rd",
                "city": "Shanghai",
                "zip": "200001",
                "country_id": cls.env.ref("base.cn").id,
            }
        )
        cls.kettle = cls.env["product.product"].create(
            {
                "name": "Kettle",
                "is_storable": True,
                "direct_ship": True,
                "list_price": 120.0,
                "invoice_policy": "order",
                "seller_ids": [
                    Command.create({"partner_id": cls.supplier_a.id, "price": 80.0, "delay": 5}),
                    Command.create({"partner_id": cls.supplier_b.id, "price": 70.0, "delay": 3}),
                    Command.create({"partner_id": cls.supplier_c.id, "price": 90.0, "delay": 1}),
                ],
            }
        )
        cls.lamp = cls.env["product.product"].create(
            {
                "name": "Lamp",
                "is_storable": True,
                "direct_ship": True,
                "list_price": 60.0,
                "seller_ids": [Command.create({"partner_id": cls.supplier_b.id, "price": 30.0, "delay": 2})],
            }
        )

    @classmethod
    def _sale(cls, *lines, partner=None, confirm=True):
        order = cls.env["sale.order"].create(
            {
                "partner_id": (partner or cls.shopper).id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty})
                    for product, qty in lines
                ],
            }
        )
        if confirm:
            order.action_confirm()
        return order
