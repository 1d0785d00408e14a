"""The product page's earn badge at a big queue: server time with the badge ÷ without it, goal <= 1.05.

Standalone, like bench_projection.py (same database, same generator):

    source tests/odoo_env.sh
    cd bench && python3 bench_earn_badge.py --db subsidy_bench --addons-path "$ADDONS_PATH"
    python3 bench_earn_badge.py --db subsidy_bench --addons-path "$ADDONS_PATH" --big 20000   # a quick look

The program ``Bench <big>`` (generate.py) takes online orders of one published
product, and its pool received ``--inflow-lines`` contributions lately (what the
estimate sums over the last 30 days). A visitor's GET of the product page goes
through Odoo's WSGI application in this process (no network, no browser): the
time measured is the server's, from the request to the rendered page. The badge
is the website option ``subsidy_queue.product_earn_badge`` (the editor's
Customize switch); the rounds alternate with it on and off, after a warm-up each
time (switching a view recompiles the templates), each mode first every other
round; the ratio is the median of the rounds' ratios of medians. Beside the wall
clock, each page's own work (the thread's CPU time plus its queries' time) and
its SQL queries are measured: other processes on a busy machine disturb them much
less. The badge's own refresh route (``/subsidy/earn``) is timed for context. Everything
runs in one transaction that is rolled back: the queue stays as generated.
"""

import argparse
import re
import statistics
import sys
import threading
import time

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tools import config

BADGE = "subsidy_queue.product_earn_badge"


def env_of(cr):
    return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, "mail_notrack": True})


def fmt(seconds):
    return f"{seconds * 1000:.1f} ms"


def prepare(env, program, inflow_lines):
    """The bench program takes the shop's orders of one product; its pool received sales lately."""
    product = env["product.template"].create(
        {
            "name": "Bench earn kettle",
            "list_price": 100.0,
            "is_published": True,
            "taxes_id": [Command.clear()],
        }
    )
    program.write(
        {
            "channel_website": True,
            "product_ids": [Command.set(product.product_variant_ids.ids)],
            "sequence": -100,
        }
    )
    program._lock()
    program._append_pool_lines(
        [{"kind": "contribution", "amount_units": 2000, "name": "bench sale"} for _i in range(inflow_lines)]
    )
    env.flush_all()
    return product


def timed(client, url, expect, cr, queries, work):
    """Server time of a GET of ``url`` (in this process). The SQL queries it ran go to
    ``queries``; its own work, the thread's CPU time plus the time its queries took
    (Odoo's ``query_time``, as in the request log), to ``work``: a measure that other
    processes on a busy machine disturb much less than the wall clock."""
    count = cr.sql_log_count
    cpu = time.thread_time()
    start = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - start
    queries.append(cr.sql_log_count - count)
    work.append(time.thread_time() - cpu + threading.current_thread().query_time)
    body = response.get_data(as_text=True)
    assert response.status_code == 200, (url, response.status_code, body[:500])
    assert expect(body), url
    return elapsed


def measure(registry, program_id, args):
    """``{measure: {badge shown: [per request]}}``, the rounds' ratios of medians, and context."""
    from werkzeug.test import Client

    cr = registry.cursor()
    registry.enter_test_mode(cr)
    try:
        env = env_of(cr)
        program = env["subsidy.program"].browse(program_id)
        product = prepare(env, program, args.inflow_lines)
        website = env["website"].get_current_website()
        earn = product.product_variant_id._subsidy_earn_preview(website)
        assert earn and earn["target"] == 50.0, earn
        badge = env.ref(BADGE)
        client = Client(odoo.http.root)
        url = product.website_url
        earn_url = f"/subsidy/earn?product_id={product.product_variant_id.id}&quantity=2"
        data = {name: {True: [], False: []} for name in ("wall", "work", "queries")}
        ratios = {"wall": [], "work": []}
        earn_samples = []
        for round_ in range(args.rounds):
            medians = {"wall": {}, "work": {}}
            # Alternate which mode goes first: the machine's load drifts, the order must not count.
            for active in (True, False) if round_ % 2 == 0 else (False, True):
                badge.active = active
                env.flush_all()

                def shown(body, active=active):
                    return ("o_subsidy_earn_target" in body) == active

                sink = {"queries": [], "work": []}
                for _i in range(args.warmup):
                    timed(client, url, shown, cr, sink["queries"], sink["work"])
                round_data = {"wall": [], "work": [], "queries": []}
                for _i in range(args.requests):
                    round_data["wall"].append(
                        timed(client, url, shown, cr, round_data["queries"], round_data["work"])
                    )
                for name, values in round_data.items():
                    data[name][active] += values
                for name in medians:
                    medians[name][active] = statistics.median(round_data[name])
            for name in ratios:
                ratios[name].append(medians[name][True] / medians[name][False])
            earn_samples += [
                timed(client, earn_url, lambda body: '"eligible": true' in body, cr, [], [])
                for _i in range(5)
            ]
        queued = program._queue_totals()[0]
        return data, ratios, earn_samples, queued, earn
    finally:
        registry.leave_test_mode()
        cr.rollback()
        cr.close()


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="subsidy_bench")
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--inflow-lines", type=int, default=30_000, help="contributions in the last 30 days")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=10, help="measured requests per mode and round")
    parser.add_argument("--warmup", type=int, default=3)
    args, rest = parser.parse_known_args()
    config.parse_config(["--addons-path", args.addons_path, "--log-level", "warn", *rest])
    config["db_name"] = args.db
    config["dbfilter"] = f"^{re.escape(args.db)}$"
    odoo.service.server.load_server_wide_modules()
    registry = Registry(args.db)

    from bench_queue import vacuum
    from generate import bench_program

    with registry.cursor() as cr:
        t0 = time.perf_counter()
        big = bench_program(env_of(cr), args.big).id
        print(f"queue ready ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    vacuum(args.db)

    data, ratios, earn_samples, queued, earn = measure(registry, big, args)
    print()
    print(
        f"product page at {queued:,} queued, {args.inflow_lines:,} contributions in 30 days "
        f"({len(data['wall'][True])} requests per mode over {args.rounds} rounds)"
    )
    print(f"{'measure (median)':<44} {'badge':>9} {'no badge':>9} {'ratio':>7}  goal <= 1.05")
    for name, label in (("wall", "server time (wall clock)"), ("work", "its CPU + SQL time")):
        ratio = statistics.median(ratios[name])
        met = "met" if ratio <= 1.05 else "NOT MET"
        print(
            f"{label:<44} {fmt(statistics.median(data[name][True])):>9} "
            f"{fmt(statistics.median(data[name][False])):>9} {ratio:>7.3f}  {met}"
        )
    print(
        f"{'SQL queries per page':<44} {statistics.median(data['queries'][True]):>9.0f} "
        f"{statistics.median(data['queries'][False]):>9.0f}"
    )
    print(f"{'/subsidy/earn (the badge refreshed)':<44} {fmt(statistics.median(earn_samples)):>9}")
    print(f"the badge said: {earn['target']:.2f} back, {earn['wait']}")
    print("(ratios: the median of the rounds' ratios of medians)")


if __name__ == "__main__":
    main()
