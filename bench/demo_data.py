"""Fill a database with a realistic history: run with ``odoo shell`` (see bench/demo.sh).

Twenty-odd shoppers (one of them a portal user), a few hundred paid orders
over the past six weeks from the back office and the online shop, some
refunds, and a settlement every few days, each day at its own date.
"""

import random
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo import Command

env = env  # noqa: F821  (given by odoo shell)
rng = random.Random(18)
company = env.ref("base.main_company")
program = env.ref("subsidy_queue.demo_program")
currency = company.currency_id
program_vals = {"currency_id": currency.id}
if program.currency_id != currency and not program.last_seq:
    program.write(program_vals)

manager_group = env.ref("subsidy_queue.group_subsidy_manager")
env.ref("base.user_admin").groups_id |= manager_group
second_manager = env["res.users"].search([("login", "=", "manager")])
if not second_manager:
    second_manager = env["res.users"].create(
        {
            "name": "Mei Lin (second manager)",
            "login": "manager",
            "email": "mei.lin@example.com",
            "password": "manager",
            "groups_id": [
                Command.set(
                    [
                        env.ref("base.group_user").id,
                        manager_group.id,
                        env.ref("sales_team.group_sale_manager").id,
                        env.ref("account.group_account_manager").id,
                    ]
                )
            ],
        }
    )

names = [
    "Wang Fang", "Li Na", "Zhang Wei", "Liu Yang", "Chen Jing", "Yang Min", "Zhao Lei",
    "Huang Yong", "Zhou Jie", "Wu Xia", "Xu Tao", "Sun Li", "Ma Jun", "Zhu Hong",
    "Hu Bin", "Guo Ping", "He Yan", "Lin Qiang", "Gao Hui", "Luo Mei", "Zheng Hao",
    "Liang Qing",
]  # fmt: skip
shopper_user = env["res.users"].search([("login", "=", "shopper")])
if not shopper_user:
    shopper_user = env["res.users"].create(
        {
            "name": "Wang Fang",
            "login": "shopper",
            "password": "shopper",
            "email": "wang.fang@example.com",
            "groups_id": [Command.set([env.ref("base.group_portal").id])],
        }
    )
shoppers = shopper_user.partner_id | env["res.partner"].create(
    [{"name": name, "email": f"{name.lower().replace(' ', '.')}@example.com"} for name in names[1:]]
)
products = env["product.product"].search(
    [("sale_ok", "=", True), ("type", "=", "consu"), ("list_price", ">", 10)], limit=15
) or env["product.product"].create(
    [{"name": f"Demo product {i}", "list_price": 20 + 30 * i, "type": "consu"} for i in range(8)]
)
products.product_tmpl_id.write({"invoice_policy": "order"})
website = env["website"].search([("company_id", "=", company.id)], limit=1)
journal = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)


def paid_order(partner, day):
    lines = [
        Command.create({"product_id": product.id, "product_uom_qty": rng.randint(1, 3)})
        for product in rng.sample(list(products), rng.randint(1, 3))
    ]
    vals = {"partner_id": partner.id, "order_line": lines, "date_order": day}
    if website and rng.random() < 0.6:
        vals["website_id"] = website.id
    order = env["sale.order"].create(vals)
    order.action_confirm()
    for picking in order.picking_ids if "picking_ids" in order else []:
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        picking.with_context(skip_backorder=True, skip_sms=True).button_validate()
    invoice = order._create_invoices()
    invoice.invoice_date = day.date()
    invoice.action_post()
    env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
        {"journal_id": journal.id, "payment_date": day.date()}
    )._create_payments()
    return order


class _TryAgain(Exception):
    pass


def settle_reaching_the_shopper(day):
    """The day's settlement, with as many more sales that day as it takes for the pool to
    reach one of the portal shopper's entries and pay it in part: the demo shows an entry
    paid in part (a settlement pays the queue in turn, so only the head can be)."""
    others = shoppers - wang

    def partly_paid():
        entries = program.entry_ids.filtered(lambda e: e.partner_id == wang and e.state == "queued")
        return entries.filtered(lambda e: e.received > 0)

    for _attempt in range(120):
        try:
            with env.cr.savepoint():
                program._settle(trigger="cron")
                env.flush_all()
                env.invalidate_all()
                if not partly_paid():
                    raise _TryAgain
        except _TryAgain:
            env.invalidate_all()
            paid_order(rng.choice(others), day + timedelta(minutes=rng.randint(600, 700)))
            continue
        return
    program._settle(trigger="cron")


def void_and_refund_two_of_the_shoppers_entries():
    """Two of the portal shopper's latest entries leave the queue: one voided by two
    managers, one cancelled by a refund (before the day's settlement: the pool stays
    positive)."""
    mine = program.entry_ids.filtered(lambda e: e.partner_id == wang and e.state == "queued")
    untouched = mine.filtered(lambda e: not e.received).sorted("seq")
    if len(untouched) < 3:
        return
    voided = untouched[-2]
    voided.with_user(env.ref("base.user_admin"))._request_void("Ordered twice by mistake")
    voided.with_user(second_manager).action_approve_void()
    invoice = untouched[-3].sale_order_id.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")[:1]
    reversal = (
        env["account.move.reversal"]
        .with_context(active_model="account.move", active_ids=invoice.ids)
        .create({"journal_id": invoice.journal_id.id, "reason": "Returned by the shopper"})
    )
    env["account.move"].browse(reversal.reverse_moves()["res_id"]).action_post()


# The portal shopper buys every day: entries paid in full early on, one paid in part at
# the end, the rest queued (one voided and one refunded on the last day).
wang = shopper_user.partner_id
start = datetime.now().replace(hour=10, minute=0, second=0, microsecond=0) - timedelta(days=42)
orders = env["sale.order"]
for offset in range(42):
    day = start + timedelta(days=offset)
    with freeze_time(day):
        orders |= paid_order(wang, day)
        for _i in range(rng.randint(4, 10)):
            orders |= paid_order(rng.choice(shoppers), day + timedelta(minutes=rng.randint(0, 600)))
        if rng.random() < 0.5 and len(orders) > 10:
            victim = rng.choice(orders[-30:])
            invoice = victim.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")[:1]
            if invoice and not victim.invoice_ids.filtered(lambda m: m.move_type == "out_refund"):
                reversal = (
                    env["account.move.reversal"]
                    .with_context(active_model="account.move", active_ids=invoice.ids)
                    .create({"journal_id": invoice.journal_id.id, "reason": "Returned by the shopper"})
                )
                refund = env["account.move"].browse(reversal.reverse_moves()["res_id"])
                refund.action_post()
        if offset == 41:
            void_and_refund_two_of_the_shoppers_entries()
            settle_reaching_the_shopper(day)
        elif offset % 3 == 2:
            program._settle(trigger="cron")
    env.cr.commit()

with freeze_time(start + timedelta(days=41, hours=8)):
    queued = program.entry_ids.filtered(lambda e: e.state == "queued")
    if len(queued) > 5:
        queued[-1].with_user(env.ref("base.user_admin"))._request_void(
            "Duplicate account of the same shopper"
        )
env.cr.commit()
states = {}
for entry in program.entry_ids.filtered(lambda e: e.partner_id == wang):
    key = "partly paid" if entry.state == "queued" and entry.received else entry.state
    key = "voided" if entry.void_approved_by_id else key
    states[key] = states.get(key, 0) + 1
print("demo shopper's entries: " + ", ".join(f"{count} {state}" for state, count in sorted(states.items())))

# Withdrawals in every state, and a paid batch.
admin = env.ref("base.user_admin")
accounts = program.account_ids.filtered(lambda a: a.balance >= 60).sorted("balance", reverse=True)
Withdrawal = env["subsidy.withdrawal"]
made = Withdrawal
for index, account in enumerate(accounts[:9]):
    partner = account.partner_id
    bank = env["res.partner.bank"].search([("partner_id", "=", partner.id)], limit=1) or env[
        "res.partner.bank"
    ].create({"acc_number": f"6222 0200 {index:04d} {partner.id:04d}", "partner_id": partner.id})
    made |= Withdrawal.create(
        {"account_id": account.id, "amount": 20.0 + 5 * index, "bank_account_id": bank.id}
    )
draft, submitted, approved, paid_1, paid_2, rejected, cancelled, failed, waiting = list(made) + [
    Withdrawal
] * (9 - len(made))
for withdrawal in made - draft:
    withdrawal.action_submit()
(approved | paid_1 | paid_2 | failed).with_user(second_manager).action_approve()
rejected.with_user(second_manager).action_reject("The bank account is not in the shopper's name")
cancelled.action_cancel()
if paid_1:
    journal = program.payout_journal_id or journal
    batch = env["subsidy.payout.batch"].create({"journal_id": journal.id})
    batch._add_withdrawals(paid_1 | paid_2 | failed)
    batch.action_post_payments()
    batch.action_mark_paid()
    failed._mark_failed("Returned by the bank: account closed")
del waiting
env.cr.commit()
print("demo withdrawals: " + ", ".join(f"{w.name} {w.state}" for w in made))
# Direct shipment: products with two suppliers each, orders in every state.
if "direct.ship.parcel" in env:
    from datetime import timedelta as _td

    suppliers = env["res.partner"].search([("ref", "=like", "demo-supplier-%")])
    if not suppliers:
        suppliers = env["res.partner"].create(
            [
                {
                    "name": "Hangzhou Home Goods Co.",
                    "ref": "demo-supplier-1",
                    "email": "hz@example.com",
                    "city": "Hangzhou",
                },
                {
                    "name": "Shenzhen Kitchen Works",
                    "ref": "demo-supplier-2",
                    "email": "sz@example.com",
                    "city": "Shenzhen",
                },
                {
                    "name": "Ningbo Appliance Factory",
                    "ref": "demo-supplier-3",
                    "email": "nb@example.com",
                    "city": "Ningbo",
                },
            ]
        )
    if not env["res.users"].search([("login", "=", "supplier")]):
        env["res.users"].create(
            {
                "name": "Hangzhou Home Goods (portal)",
                "login": "supplier",
                "password": "supplier",
                "partner_id": suppliers[0].id,
                "groups_id": [Command.set([env.ref("base.group_portal").id])],
            }
        )
    direct_products = env["product.product"].create(
        [
            {
                "name": name,
                "list_price": price,
                "is_storable": True,
                "direct_ship": True,
                "invoice_policy": "order",
                "seller_ids": [
                    Command.create({"partner_id": suppliers[i % 3].id, "price": price * 0.6, "delay": 2}),
                    Command.create(
                        {"partner_id": suppliers[(i + 1) % 3].id, "price": price * 0.65, "delay": 1}
                    ),
                ],
            }
            for i, (name, price) in enumerate(
                [
                    ("Electric kettle (direct)", 159.0),
                    ("Rice cooker (direct)", 399.0),
                    ("Air fryer (direct)", 459.0),
                    ("Tea set (direct)", 129.0),
                ]
            )
        ]
    )
    # On sale in the online shop, for every website.
    direct_products.product_tmpl_id.write({"is_published": True, "website_id": False})
    direct_orders = []
    for i in range(8):
        order = env["sale.order"].create(
            {
                "partner_id": rng.choice(shoppers).id,
                "order_line": [
                    Command.create({"product_id": direct_products[i % 4].id, "product_uom_qty": 1})
                ],
            }
        )
        order.action_confirm()
        direct_orders.append(order)
    live = [o.direct_purchase_ids.filtered(lambda p: p.state != "cancel") for o in direct_orders]
    # 0 waiting, 1 accepted, 2 shipped, 3 delivered, 4 refused then waiting at the next supplier,
    # 5 late then rerouted, 6 shipped with two parcels, 7 waiting.
    for index in (1, 2, 3, 6):
        live[index].action_direct_accept()
    sf, jd, zto = (env.ref(f"direct_ship.delivery_carrier_{code}").id for code in ("sf", "jd", "zto"))
    live[2].action_direct_add_parcel(sf, f"SF10{rng.randint(10**9, 10**10 - 1)}")
    live[2].action_direct_ship()
    parcel = live[3].action_direct_add_parcel(jd, f"JD00{rng.randint(10**9, 10**10 - 1)}")
    live[3].action_direct_ship()
    parcel.action_mark_delivered()
    live[6].action_direct_add_parcel(zto, f"73{rng.randint(10**9, 10**10 - 1)}")
    live[6].action_direct_add_parcel(zto, f"73{rng.randint(10**9, 10**10 - 1)}")
    live[6].action_direct_ship()
    live[4].action_direct_refuse("Out of stock this week")
    live[5].direct_accept_deadline = datetime.now() - _td(hours=2)
    env["purchase.order"]._cron_direct_deadlines()
    env.cr.commit()
    print(
        "demo direct shipments: "
        + ", ".join(
            f"{o.name}: {'/'.join(o.direct_purchase_ids.mapped('direct_state'))}" for o in direct_orders
        )
    )

# The website in English and Chinese, with its language switcher.
if website:
    zh_cn = env["res.lang"]._activate_lang("zh_CN") or env["res.lang"]._create_lang("zh_CN")
    if zh_cn not in website.language_ids:
        env["base.language.install"].create(
            {
                "lang_ids": [Command.set(zh_cn.ids)],
                "website_ids": [Command.set(website.ids)],
                "overwrite": False,
            }
        ).lang_install()
    website.language_ids |= zh_cn | env.ref("base.lang_en")
    website.default_lang_id = env.ref("base.lang_en")
    env.ref("website.header_language_selector").active = True
    env.cr.commit()
    print("demo website languages: " + ", ".join(website.language_ids.mapped("code")))

print(
    f"demo data: {len(shoppers)} shoppers, {len(orders)} paid orders, "
    f"{len(program.settlement_ids)} settlements, pool {program.pool_balance:.2f} {currency.name}, "
    f"{program.queued_count} entries queued"
)
