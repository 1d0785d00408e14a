"""The queue subsidy at the till, measured side by side with its baseline.

- syncing POS orders (``sync_from_ui``, one order per call as a till sends
  them, each with a customer) with ``pos_bridge`` ÷ the same in a database
  without it (goal ≤ 1.10); the program holds ``--big`` queued entries, so
  every receipt's place in the queue is computed at that size;
- the customer-account lookup the till makes when a customer is set
  (``pos.config.subsidy_account_info``), p95 over ``--samples`` random
  shoppers at ``--big`` queued entries (goal < 20 ms).

Two databases, built when missing (``--build``): ``--db`` with the addons
(subsidy_queue, direct_ship, pos_bridge) and ``--base-db`` with only the Odoo
modules they extend. Each run is rolled back: the queue stays as generated.

    python3 bench/bench_pos.py --addons-path "$ADDONS_PATH" --build
    python3 bench/bench_pos.py --addons-path "$ADDONS_PATH" --big 20000 --orders 20 --repeat 1
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import time

import odoo
from odoo import SUPERUSER_ID, Command, api, fields
from odoo.modules.registry import Registry
from odoo.tools import config

ADDONS = "subsidy_queue,direct_ship,pos_bridge,loyalty"
BASE_MODULES = (
    "point_of_sale,pos_sale,sale_management,account,portal,website_sale,website_sale_collect,"
    "sale_stock,purchase_stock,stock_dropshipping,stock_delivery,loyalty"
)


def env_of(cr, uid=SUPERUSER_ID):
    return api.Environment(cr, uid, {"tracking_disable": True, "mail_notrack": True})


def p95(values):
    return statistics.quantiles(values, n=20)[18]


def fmt(seconds):
    return f"{seconds * 1000:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


def build(db, modules, addons_path, rc_args):
    """Create ``db`` with ``modules`` unless it exists."""
    from odoo.service import db as db_service

    if db_service.exp_db_exist(db):
        return
    print(f"building {db} with {modules} ...", file=sys.stderr)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            *rc_args,
            f"--addons-path={addons_path}",
            "-d",
            db,
            "-i",
            modules,
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
        ],  # fmt: skip
        check=True,
    )


def cashier(env):
    """A cashier of the main company (POS user), as the tills call the server."""
    user = env["res.users"].search([("login", "=", "bench_cashier")])
    if not user:
        user = env["res.users"].create(
            {
                "name": "Bench cashier",
                "login": "bench_cashier",
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
    return user


def shop(env, with_program, big):
    """A shop of the main company with an open session (in the run's transaction)."""
    company = env.ref("base.main_company")
    methods = env["pos.payment.method"]
    cash_journal = env["account.journal"].search(
        [("type", "=", "cash"), ("company_id", "=", company.id)], limit=1
    ) or env["account.journal"].create({"name": "Bench cash", "code": "BCSH", "type": "cash"})
    cash = methods.create({"name": "Bench cash", "journal_id": cash_journal.id, "company_id": company.id})
    payment_methods = cash
    if with_program:
        from generate import bench_program

        program = bench_program(env, big)
        program.write({"channel_pos": True, "sequence": -100})
        payment_methods |= program._subsidy_pos_payment_method()
    config_ = env["pos.config"].create(
        {"name": "Bench shop", "payment_method_ids": [Command.set(payment_methods.ids)]}
    )
    user = cashier(env)
    config_.with_user(user).open_ui()
    config_.current_session_id.set_opening_control(0, None)
    return config_, cash, user


def order_data(session, cash, product, partner, uuid):
    amount = product.lst_price
    return {
        "amount_paid": amount,
        "amount_return": 0,
        "amount_tax": 0,
        "amount_total": amount,
        "date_order": fields.Datetime.to_string(fields.Datetime.now()),
        "fiscal_position_id": False,
        "pricelist_id": session.config_id.pricelist_id.id,
        "name": f"Order {uuid}",
        "last_order_preparation_change": "{}",
        "lines": [
            Command.create(
                {
                    "id": random.randint(1, 10**6),
                    "product_id": product.id,
                    "qty": 1,
                    "price_unit": amount,
                    "price_subtotal": amount,
                    "price_subtotal_incl": amount,
                    "discount": 0.0,
                    "tax_ids": [Command.set([])],
                    "pack_lot_ids": [],
                }
            )
        ],
        "partner_id": partner.id,
        "session_id": session.id,
        "sequence_number": 2,
        "payment_ids": [
            Command.create({"amount": amount, "name": fields.Datetime.now(), "payment_method_id": cash.id})
        ],
        "uuid": uuid,
        "access_token": False,
        "user_id": session.user_id.id,
        "to_invoice": False,
        "state": "paid",
    }


def sync_once(registry, count, with_program, big):
    """Sync ``count`` orders, one call each, time it, roll back."""
    cr = registry.cursor()
    try:
        env = env_of(cr)
        config_, cash, user = shop(env, with_program, big)
        session = config_.current_session_id
        product = env["product.product"].create(
            {
                "name": "Bench kettle",
                "type": "service",
                "list_price": 120.0,
                "available_in_pos": True,
                "taxes_id": [Command.clear()],
            }  # fmt: skip
        )
        partners = env["res.partner"].create([{"name": f"Bench walk-in {i}"} for i in range(20)])
        rng = random.Random(11)
        data = [
            order_data(session, cash, product, partners[i % 20], f"{rng.randint(1, 99999):05d}-001-{i:04d}")
            for i in range(count)
        ]
        PosOrder = env["pos.order"].with_user(user)
        env.flush_all()
        start = time.perf_counter()
        for order in data:
            PosOrder.sync_from_ui([order])
            env.flush_all()
        elapsed = time.perf_counter() - start
        orders = env["pos.order"].search([("session_id", "=", session.id)])
        assert len(orders) == count and set(orders.mapped("state")) == {"paid"}, orders.mapped("state")
        if with_program:
            queued = env["subsidy.entry"].search_count([("pos_order_id", "in", orders.ids)])
            assert queued == count, queued
        return elapsed
    finally:
        cr.rollback()
        cr.close()


def lookups(registry, big, samples):
    """The till's account lookup for ``samples`` random shoppers of the big queue."""
    cr = registry.cursor()
    try:
        env = env_of(cr)
        config_, _cash, user = shop(env, True, big)
        from generate import bench_program

        program = bench_program(env, big)
        cr.execute("SELECT partner_id FROM subsidy_account WHERE program_id = %s", [program.id])
        partners = [row[0] for row in cr.fetchall()]
        picked = random.Random(5).sample(partners, min(samples, len(partners)))
        till = config_.with_user(user)
        env.flush_all()
        timings = []
        for partner_id in picked:
            env.invalidate_all()
            start = time.perf_counter()
            info = till.subsidy_account_info(partner_id)
            timings.append(time.perf_counter() - start)
            assert info["enrolled"], info
        # Exactness on a few: the figures agree with a plain scan of the queue.
        for partner_id in picked[:10]:
            info = till.subsidy_account_info(partner_id)
            if not info["best_position"]:
                continue
            cr.execute(
                """SELECT COUNT(*), COALESCE(SUM(e.target - e.received), 0) FROM subsidy_entry e
                    WHERE e.program_id = %s AND e.state = 'queued'
                      AND e.seq < (SELECT MIN(seq) FROM subsidy_entry
                                    WHERE program_id = %s AND partner_id = %s AND state = 'queued')""",
                [program.id, program.id, partner_id],
            )
            count, amount = cr.fetchone()
            assert info["best_position"] == count + 1, (info, count)
            assert program.currency_id.is_zero(info["amount_ahead"] - float(amount)), (info, amount)
        return timings
    finally:
        cr.rollback()
        cr.close()


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="pos_bench")
    parser.add_argument("--base-db", default="pos_bench_base")
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--build", action="store_true", help="build the databases when missing")
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args, rest = parser.parse_known_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    config.parse_config(["--addons-path", args.addons_path, "--log-level", "warn", *rest])
    if args.build:
        build(args.base_db, BASE_MODULES, args.addons_path, rest)
        build(args.db, ADDONS, args.addons_path, rest)
    odoo.service.server.load_server_wide_modules()
    registry = Registry(args.db)
    base_registry = Registry(args.base_db)

    from generate import bench_program

    with registry.cursor() as cr:
        t0 = time.perf_counter()
        bench_program(env_of(cr), args.big)
        print(f"queue of {args.big:,} ready ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)

    rows = []
    with_addon, without = [], []
    for _ in range(args.repeat):
        without.append(sync_once(base_registry, args.orders, False, args.big))
        with_addon.append(sync_once(registry, args.orders, True, args.big))
    ratio = min(with_addon) / min(without)
    rows.append(
        (
            f"sync {args.orders} POS orders, with pos_bridge",
            min(with_addon),
            "without it",
            min(without),
            ratio,
            "<= 1.10",
            ratio <= 1.10,
        )
    )
    timings = lookups(registry, args.big, args.samples)
    rows.append(
        (
            f"account lookup at {args.big:,} queued, p95",
            p95(timings),
            "median",
            statistics.median(timings),
            p95(timings) / statistics.median(timings),
            "p95 < 20 ms",
            p95(timings) < 0.020,
        )
    )
    print()
    print(f"{'measure':<46} {'value':>11}   {'baseline':<12} {'value':>11} {'ratio':>7}  {'goal':<12} met")
    for name, value, base_name, base, ratio, goal, met in rows:
        print(
            f"{name:<46} {fmt(value):>11}   {base_name:<12} {fmt(base):>11} {ratio:>7.3f}  {goal:<12} "
            f"{'yes' if met else 'NO'}"
        )


if __name__ == "__main__":
    main()
