"""The store's till in the demo: run with ``odoo shell`` after demo_data.py (see bench/demo.sh).

A shop, *Nanjing Road Store*, with cash, card and *Subsidy balance* payment
methods and a cashier (cashier / cashier). Its history: a closed session three
days ago with paid orders (some without a customer), orders paid partly or
wholly from the subsidy balance, a full and a partial refund (one giving the
balance back) — and today's session, left open, with a few more orders. An
online order waits to be collected at the store.
"""

import random
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command, fields

env = env  # noqa: F821  (given by odoo shell)
rng = random.Random(42)
company = env.ref("base.main_company")
program = env.ref("subsidy_queue.demo_program")
if not program.channel_pos:
    program.channel_pos = True
currency = company.currency_id

cashier = env["res.users"].search([("login", "=", "cashier")])
if not cashier:
    cashier = env["res.users"].create(
        {
            "name": "Zhou Ting (cashier)",
            "login": "cashier",
            "password": "cashier",
            "email": "zhou.ting@example.com",
            "groups_id": [
                Command.set(
                    [
                        env.ref("base.group_user").id,
                        env.ref("base.group_partner_manager").id,
                        env.ref("point_of_sale.group_pos_user").id,
                    ]
                )
            ],
        }
    )

subsidy_pm = program._subsidy_pos_payment_method()
Journal = env["account.journal"]
cash_journal = Journal.search([("code", "=", "NJCSH"), ("company_id", "=", company.id)]) or Journal.create(
    {"name": "Nanjing Road Cash", "code": "NJCSH", "type": "cash", "company_id": company.id}
)
bank_journal = Journal.search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
Method = env["pos.payment.method"]
cash_pm = Method.search([("journal_id", "=", cash_journal.id)], limit=1) or Method.create(
    {"name": "Cash", "journal_id": cash_journal.id, "company_id": company.id}
)
card_pm = Method.search(
    [("name", "=", "UnionPay card"), ("company_id", "=", company.id)], limit=1
) or Method.create({"name": "UnionPay card", "journal_id": bank_journal.id, "company_id": company.id})
shop = env["pos.config"].search([("name", "=", "Nanjing Road Store")]) or env["pos.config"].create(
    {
        "name": "Nanjing Road Store",
        "company_id": company.id,
        "payment_method_ids": [Command.set((cash_pm | card_pm | subsidy_pm).ids)],
    }
)
products = env["product.product"].search([("default_code", "=like", "NJ-%")]) or env[
    "product.product"
].create(
    [
        {
            "name": name,
            "default_code": f"NJ-{i}",
            "list_price": price,
            "type": "consu",
            "is_storable": True,
            "available_in_pos": True,
            "taxes_id": [Command.clear()],
        }
        for i, (name, price) in enumerate(
            [("Rice cooker", 399.0), ("Thermos", 89.0), ("Tea set", 168.0), ("Bamboo steamer", 45.0)]
        )
    ]
)
warehouse = shop.picking_type_id.warehouse_id
if not env["stock.quant"].search_count([("product_id", "in", products.ids)]):
    for product in products:
        env["stock.quant"].with_context(inventory_mode=True).create(
            {"product_id": product.id, "inventory_quantity": 50, "location_id": warehouse.lot_stock_id.id}
        ).action_apply_inventory()
shoppers = program.account_ids.partner_id
with_balance = program.account_ids.filtered(lambda a: a.balance >= 30).sorted("balance", reverse=True)


def order_data(session, lines, partner=None, payments=None):
    """What the till sends for an order: ``lines`` of (product, qty), ``payments`` of (method, amount)."""
    commands = [
        Command.create(
            {
                "id": rng.randint(1, 10**6),
                "product_id": product.id,
                "qty": qty,
                "price_unit": product.lst_price,
                "price_subtotal": product.lst_price * qty,
                "price_subtotal_incl": product.lst_price * qty,
                "discount": 0.0,
                "tax_ids": [Command.set([])],
                "pack_lot_ids": [],
                **extra,
            }
        )
        for product, qty, extra in lines
    ]
    total = currency.round(sum(c[2]["price_subtotal_incl"] for c in commands))
    payments = payments or [(rng.choice([cash_pm, card_pm]), total)]
    uuid = f"{rng.randint(1, 99999):05d}-{session.id:03d}-{rng.randint(1, 9999):04d}"
    return {
        "amount_paid": sum(amount for _m, amount in payments),
        "amount_return": 0,
        "amount_tax": 0,
        "amount_total": total,
        "date_order": fields.Datetime.to_string(fields.Datetime.now()),
        "fiscal_position_id": False,
        "pricelist_id": shop.pricelist_id.id,
        "name": f"Order {uuid}",
        "last_order_preparation_change": "{}",
        "lines": commands,
        "partner_id": partner.id if partner else False,
        "session_id": session.id,
        "sequence_number": 1,
        "payment_ids": [
            Command.create({"amount": amount, "name": fields.Datetime.now(), "payment_method_id": method.id})
            for method, amount in payments
        ],
        "uuid": uuid,
        "access_token": False,
        "user_id": cashier.id,
        "to_invoice": False,
        "state": "paid",
    }


def sync(session, lines, partner=None, payments=None):
    lines = [(line[0], line[1], line[2] if len(line) > 2 else {}) for line in lines]
    data = order_data(session, lines, partner, payments)
    env["pos.order"].with_user(cashier).sync_from_ui([data])
    return env["pos.order"].search([("uuid", "=", data["uuid"])])


def refund(session, order, qty_by_line, payments):
    lines = [(line.product_id, -qty, {"refunded_orderline_id": line.id}) for line, qty in qty_by_line.items()]
    return sync(session, lines, order.partner_id, payments)


def open_session():
    shop.with_user(cashier).open_ui()
    session = shop.current_session_id
    if session.state == "opening_control":
        session.set_opening_control(0, None)
    return session


if not shop.session_ids:
    # Three days ago: a day of sales, closed in the evening.
    with freeze_time(datetime.now() - timedelta(days=3, hours=4)):
        session = open_session()
        paid = [
            sync(session, [(rng.choice(products), rng.randint(1, 2))], rng.choice(shoppers)) for _ in range(8)
        ]
        for _ in range(3):  # walk-in shoppers: no entry, the receipt invites them to register
            sync(session, [(rng.choice(products), 1)])
        balance_paid = []
        for account in with_balance[:3]:
            product = products[1] if account.balance < 100 else products[2]
            share = currency.round(min(account.balance, product.lst_price) * 0.8)
            payments = [(subsidy_pm, share)]
            if product.lst_price - share:
                payments.append((cash_pm, product.lst_price - share))
            balance_paid.append(sync(session, [(product, 1)], account.partner_id, payments))
        # A full refund, and a partial one of an order the balance paid.
        first = paid[0]
        refund(session, first, {line: line.qty for line in first.lines}, [(cash_pm, -first.amount_total)])
        if balance_paid:
            order = balance_paid[0]
            line = order.lines[:1]
            spent = order.subsidy_balance_amount
            back = currency.round(spent / 2)
            refund(session, order, {line: 1}, [(subsidy_pm, -back), (cash_pm, -(line.price_unit - back))])
        cash = sum(
            session.order_ids.payment_ids.filtered(lambda p: p.payment_method_id == cash_pm).mapped("amount")
        )
        session.post_closing_cash_details(cash)
        session.close_session_from_ui()
    env.cr.commit()
    # Today: the session is open, a few orders already in.
    session = open_session()
    for _ in range(3):
        sync(session, [(rng.choice(products), 1)], rng.choice(shoppers))
    if len(with_balance) > 3:
        account = with_balance[3]
        amount = min(currency.round(account.balance), products[3].lst_price)
        payments = [(subsidy_pm, amount)]
        if products[3].lst_price - amount:
            payments.append((card_pm, products[3].lst_price - amount))
        sync(session, [(products[3], 1)], account.partner_id, payments)
    env.cr.commit()

# An online order to collect at the store.
carrier = env["delivery.carrier"].search([("name", "=", "Pick up at Nanjing Road Store")])
if not carrier:
    carrier = env["delivery.carrier"].create(
        {
            "name": "Pick up at Nanjing Road Store",
            "delivery_type": "in_store",
            "product_id": env["product.product"].create({"name": "Pick up in store", "type": "service"}).id,
            "warehouse_ids": [Command.set(warehouse.ids)],
            "company_id": company.id,
        }
    )
    thermos = products.filtered(lambda p: p.name == "Thermos")
    order = env["sale.order"].create(
        {
            "partner_id": (
                env["res.users"].search([("login", "=", "shopper")]).partner_id or shoppers[:1]
            ).id,
            "carrier_id": carrier.id,
            "warehouse_id": warehouse.id,
            "order_line": [Command.create({"product_id": thermos.id, "product_uom_qty": 2})],
        }
    )
    order.action_confirm()
    invoice = order._create_invoices()
    invoice.action_post()
    env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
        {}
    )._create_payments()
    env.cr.commit()

orders = env["pos.order"].search([("config_id", "=", shop.id)])
print(
    f"demo till: {shop.name}, {len(shop.session_ids)} sessions ({shop.current_session_id.name} open), "
    f"{len(orders)} POS orders, {len(orders.filtered(lambda o: o.amount_total < 0))} refunds, "
    f"{len(orders.filtered('subsidy_balance_amount'))} with the subsidy balance, "
    f"{env['subsidy.entry'].search_count([('pos_config_id', '=', shop.id)])} queue entries; "
    f"cashier / cashier"
)
