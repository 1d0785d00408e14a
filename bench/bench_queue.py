"""The queue at scale: settlement, positions and order overhead, measured side by side.

Run through bench/run.sh, which builds the two databases it needs. Prints one
table: each measure, its baseline measured in the same run, their ratio and
the goal.
"""

import argparse
import random
import statistics
import sys
import time

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tools import SQL, config


def env_of(cr):
    return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, "mail_notrack": True})


def p95(values):
    return statistics.quantiles(values, n=20)[18]


def vacuum(dbname):
    """VACUUM ANALYZE the queue, as autovacuum keeps a live database: index-only scans work."""
    import psycopg2

    _name, info = odoo.sql_db.connection_info_for(dbname)
    connection = psycopg2.connect(**info)
    try:
        connection.autocommit = True
        with connection.cursor() as cr:
            for table in ("subsidy_entry", "subsidy_queue_block", "subsidy_pool_line", "subsidy_account"):
                cr.execute(f"VACUUM ANALYZE {table}")
    finally:
        connection.close()


def settle_once(registry, program_id, count):
    """Fund the pool to complete ``count`` entries, settle, time it, roll back."""
    from generate import fund, units_to_complete

    cr = registry.cursor()
    try:
        env = env_of(cr)
        program = env["subsidy.program"].browse(program_id)
        fund(program, units_to_complete(program, count))
        env.flush_all()
        start = time.perf_counter()
        settlement = program._settle(trigger="manual")
        env.flush_all()
        elapsed = time.perf_counter() - start
        assert settlement.completed_count == count, settlement.completed_count
        return elapsed
    finally:
        cr.rollback()
        cr.close()


def raw_update_once(registry, program_id, count):
    cr = registry.cursor()
    try:
        cr.execute(
            "SELECT id FROM subsidy_entry WHERE program_id = %s AND state = 'queued' ORDER BY seq LIMIT %s",
            [program_id, count],
        )
        ids = [row[0] for row in cr.fetchall()]
        start = time.perf_counter()
        cr.execute(
            """UPDATE subsidy_entry SET received = target, state = 'done',
                      date_done = now() at time zone 'UTC' WHERE id = ANY(%s)""",
            [ids],
        )
        return time.perf_counter() - start
    finally:
        cr.rollback()
        cr.close()


def raw_same_writes_once(registry, program_id, count):
    """The three writes a settlement needs, as bare SQL: entries, ledger lines, accounts."""
    cr = registry.cursor()
    try:
        cr.execute(
            """SELECT id, account_id, target - received FROM subsidy_entry
                WHERE program_id = %s AND state = 'queued' ORDER BY seq LIMIT %s""",
            [program_id, count],
        )
        rows = cr.fetchall()
        ids = [r[0] for r in rows]
        accounts = [r[1] for r in rows]
        amounts = [r[2] for r in rows]
        start = time.perf_counter()
        cr.execute(
            """UPDATE subsidy_entry SET received = target, state = 'done',
                      date_done = now() at time zone 'UTC' WHERE id = ANY(%s)""",
            [ids],
        )
        cr.execute(
            """INSERT INTO subsidy_pool_line (program_id, kind, amount, balance, entry_id, account_id,
                                              date, prev_hash, hash)
               SELECT %s, 'allocation', -a, 0, e, acc, now() at time zone 'UTC', 'x', 'y'
                 FROM unnest(%s::int[], %s::int[], %s::numeric[]) AS t(e, acc, a)""",
            [program_id, ids, accounts, amounts],
        )
        cr.execute(
            """UPDATE subsidy_account a SET balance = a.balance + t.s, total_received = a.total_received + t.s
                 FROM (SELECT acc, SUM(amt) AS s FROM unnest(%s::int[], %s::numeric[]) AS u(acc, amt)
                       GROUP BY acc) t
                WHERE a.id = t.acc""",
            [accounts, amounts],
        )
        return time.perf_counter() - start
    finally:
        cr.rollback()
        cr.close()


def positions(registry, program_id, samples):
    with registry.cursor() as cr:
        env = env_of(cr)
        program = env["subsidy.program"].browse(program_id)
        cr.execute(
            "SELECT id, seq FROM subsidy_entry WHERE program_id = %s AND state = 'queued'", [program_id]
        )
        rows = cr.fetchall()
        rng = random.Random(7)
        picked = rng.sample(rows, samples)
        entries = env["subsidy.entry"].browse([row[0] for row in picked])
        entries.mapped("seq")  # read once: the lookup, not the record load, is measured
        program.currency_id.rounding  # noqa: B018
        ours, scans = [], []
        for entry in entries:
            start = time.perf_counter()
            entry._standing_units()
            ours.append(time.perf_counter() - start)
        for entry in entries[: max(20, samples // 10)]:
            start = time.perf_counter()
            cr.execute(
                SQL(
                    """SELECT COUNT(*), COALESCE(SUM(target - received), 0) FROM subsidy_entry
                        WHERE program_id = %s AND state = 'queued' AND seq < %s""",
                    program_id,
                    entry.seq,
                )
            )
            cr.fetchone()
            scans.append(time.perf_counter() - start)
        # Exactness on a few: the block sums agree with the scan.
        for entry in entries[:20]:
            position, ahead, _after = entry._standing_units()
            cr.execute(
                "SELECT COUNT(*), COALESCE(SUM(target - received), 0) FROM subsidy_entry "
                "WHERE program_id = %s AND state = 'queued' AND seq < %s",
                [program_id, entry.seq],
            )
            count, amount = cr.fetchone()
            assert (position, ahead) == (count + 1, program._units(amount)), (position, ahead, count, amount)
        cr.rollback()
    return ours, scans


def orders_once(registry, count, with_program):
    cr = registry.cursor()
    try:
        env = env_of(cr)
        company = env.ref("base.main_company")
        if with_program and not env["subsidy.program"].search([("name", "=", "Bench shop")]):
            env["subsidy.program"].create(
                {
                    "name": "Bench shop",
                    "company_id": company.id,
                    "currency_id": company.currency_id.id,
                    "contribution_rate": 10.0,
                    "max_margin_rate": 20.0,
                    "subsidy_rate": 50.0,
                    "sequence": -1,
                }
            )
        product = env["product.product"].create(
            {"name": "Bench kettle", "type": "service", "list_price": 120.0, "invoice_policy": "order"}
        )
        partners = env["res.partner"].create([{"name": f"Bench buyer {i}"} for i in range(20)])
        env.flush_all()
        start = time.perf_counter()
        for i in range(count):
            order = env["sale.order"].create(
                {
                    "partner_id": partners[i % 20].id,
                    "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 1})],
                }
            )
            order.action_confirm()
            invoice = order._create_invoices()
            invoice.action_post()
            env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({})._create_payments()
        env.flush_all()
        elapsed = time.perf_counter() - start
        if with_program:
            queued = env["subsidy.entry"].search_count(
                [("origin", "like", "S%"), ("program_id.name", "=", "Bench shop")]
            )
            assert queued >= count, queued
        return elapsed
    finally:
        cr.rollback()
        cr.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="subsidy_bench")
    parser.add_argument("--base-db", default="subsidy_bench_base")
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--complete", type=int, default=10_000)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args, rest = parser.parse_known_args()
    config.parse_config(["--addons-path", args.addons_path, "--log-level", "warn", *rest])
    odoo.service.server.load_server_wide_modules()
    registry = Registry(args.db)
    base_registry = Registry(args.base_db)

    from generate import bench_program

    with registry.cursor() as cr:
        env = env_of(cr)
        t0 = time.perf_counter()
        small = bench_program(env, args.small).id
        big = bench_program(env, args.big).id
        print(f"queues ready ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    vacuum(args.db)

    rows = []
    t_big = min(settle_once(registry, big, args.complete) for _ in range(args.repeat))
    t_small = min(settle_once(registry, small, args.complete) for _ in range(args.repeat))
    t_raw = min(raw_update_once(registry, big, args.complete) for _ in range(args.repeat))
    t_same = min(raw_same_writes_once(registry, big, args.complete) for _ in range(args.repeat))
    rows.append(
        (
            f"settle {args.complete:,} entries at {args.big:,} queued",
            t_big,
            f"at {args.small:,} queued",
            t_small,
            t_big / t_small,
            "<= 1.5",
            t_big / t_small <= 1.5,
        )
    )
    rows.append(
        (
            "  speed vs raw SQL UPDATE of the same rows",
            t_big,
            "raw UPDATE",
            t_raw,
            t_raw / t_big,
            ">= 0.5",
            t_raw / t_big >= 0.5,
        )
    )
    rows.append(
        (
            "  speed vs bare SQL of the same three writes",
            t_big,
            "bare SQL writes",
            t_same,
            t_same / t_big,
            "(context)",
            True,
        )
    )
    ours, scans = positions(registry, big, args.samples)
    rows.append(
        (
            f"position + amount ahead, p95 at {args.big:,}",
            p95(ours),
            "COUNT(*) scan p95",
            p95(scans),
            p95(ours) / p95(scans),
            "p95 <= 2 ms",
            p95(ours) <= 0.002,
        )
    )
    with_addon, without = [], []
    for _ in range(args.repeat):
        without.append(orders_once(base_registry, args.orders, False))
        with_addon.append(orders_once(registry, args.orders, True))
    rows.append(
        (
            f"confirm + pay {args.orders} orders, with the addon",
            min(with_addon),
            "without it",
            min(without),
            min(with_addon) / min(without),
            "<= 1.10",
            min(with_addon) / min(without) <= 1.10,
        )
    )

    print()
    print(f"{'measure':<46} {'value':>11}   {'baseline':<22} {'value':>11} {'ratio':>7}  {'goal':<12} met")
    for name, value, base_name, base, ratio, goal, met in rows:
        print(
            f"{name:<46} {fmt(value):>11}   {base_name:<22} {fmt(base):>11} {ratio:>7.3f}  {goal:<12} "
            f"{'yes' if met else 'NO'}"
        )


def fmt(seconds):
    return f"{seconds * 1000:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"


if __name__ == "__main__":
    main()
