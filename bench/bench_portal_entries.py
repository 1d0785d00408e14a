"""The shopper's entries page against Odoo's own orders page: goal <= 1.2.

Standalone, like bench_queue.py (same database, same generator):

    source tests/odoo_env.sh
    cd bench && python3 bench_portal_entries.py --db subsidy_bench --addons-path "$ADDONS_PATH"
    python3 bench_portal_entries.py --db mydb --addons-path "$ADDONS_PATH" --big 20000 --cleanup

One portal shopper has ``--entries`` (50) entries at the end of a queue of
``--big`` (1,000,000) entries, each from its own confirmed sale order. The
measure is the server's time to answer ``GET /my/subsidy/entries`` (one page:
the 50 entries, their places in the queue, badges and pager) divided by its
time to answer ``GET /my/orders`` (Odoo's list of the same 50 orders), for
that shopper.

How the server's time is taken: each request goes through Odoo's whole WSGI
application, ``odoo.http.root``, in this process, with a werkzeug test client
and the shopper's real session cookie: session loading, routing, the
authentication, ``ir.http`` dispatch, record rules, QWeb rendering of the
whole page with the website layout, the commit. Left out, for both pages
alike: the network, the HTTP server's parsing, the browser fetching assets.
Both pages alternate, after a warm-up (compiled templates, caches), and the
median of ``--repeat`` requests of each is compared; the SQL query count of
one request is shown beside it.
"""

import argparse
import statistics
import sys
import time

import werkzeug.test

import odoo
from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.service import security
from odoo.tools import SQL, config

LOGIN = "bench_portal_shopper"


def env_of(cr, uid=SUPERUSER_ID):
    return api.Environment(cr, uid, {"tracking_disable": True, "mail_notrack": True})


def prepare(registry, big, count):
    """The program of ``big`` entries and a portal shopper with ``count`` orders and entries at its end."""
    from generate import bench_program

    with registry.cursor() as cr:
        env = env_of(cr)
        started = time.perf_counter()
        program = bench_program(env, big)
        user = env["res.users"].with_context(active_test=False).search([("login", "=", LOGIN)])
        if not user:
            user = env["res.users"].create(
                {
                    "name": "Bench Portal Shopper",
                    "login": LOGIN,
                    "password": LOGIN,
                    "email": "bench.portal@example.com",
                    "groups_id": [Command.set([env.ref("base.group_portal").id])],
                }
            )
        partner = user.partner_id
        Entry = env["subsidy.entry"]
        have = Entry.search_count([("partner_id", "=", partner.id), ("program_id", "=", program.id)])
        if have < count:
            product = env["product.product"].search([("default_code", "=", "BENCH-PORTAL")]) or env[
                "product.product"
            ].create({"name": "Bench portal product", "default_code": "BENCH-PORTAL", "type": "service"})
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "order_line": [Command.create({"product_id": product.id, "price_unit": 100.0})],
                    }
                    for _n in range(count - have)
                ]
            )
            orders.action_confirm()
            program._lock()
            for order in orders:
                Entry._enqueue(program, partner, 10000, "sale", order.name, {"sale_order_id": order.id})
        cr.execute("ANALYZE subsidy_entry")
        print(f"data ready ({time.perf_counter() - started:.1f} s)", file=sys.stderr)
        return program.id, user.id


def client_for(registry, uid):
    """A werkzeug client on Odoo's WSGI application, logged in as ``uid``."""
    root = odoo.http.root
    session = root.session_store.new()
    session.update(odoo.http.get_default_session(), db=registry.db_name)
    with registry.cursor() as cr:
        env = env_of(cr, uid)
        session.uid = uid
        session.login = env.user.login
        session.session_token = security.compute_session_token(session, env)
        session.context = dict(env["res.users"].context_get())
    root.session_store.save(session)
    # The session cookie goes in each request's headers (any werkzeug version).
    client = werkzeug.test.Client(root, use_cookies=False)
    client.session_cookie = f"session_id={session.sid}"
    return client


def timed(client, path):
    """One request: ``(seconds, queries, response)``."""
    queries = odoo.sql_db.sql_counter
    start = time.perf_counter()
    response = client.get(path, headers={"Host": "localhost", "Cookie": client.session_cookie})
    elapsed = time.perf_counter() - start
    return elapsed, odoo.sql_db.sql_counter - queries, response


def measure(client, program_id, registry, count, repeat):
    with registry.cursor() as cr:
        env = env_of(cr)
        names = (
            env["subsidy.entry"]
            .search([("program_id", "=", program_id), ("partner_id.user_ids.login", "=", LOGIN)])
            .mapped("name")
        )
        orders = env["sale.order"].search([("partner_id.user_ids.login", "=", LOGIN)]).mapped("name")
    pages = {"entries": "/my/subsidy/entries", "orders": "/my/orders"}
    for _warm in range(3):
        for path in pages.values():
            _elapsed, _queries, response = timed(client, path)
            assert response.status_code == 200, (path, response.status_code)
    _elapsed, _queries, response = timed(client, pages["entries"])
    body = response.get_data(as_text=True)
    assert sum(name in body for name in names) == min(count, 50), "the entries page shows the entries"
    _elapsed, _queries, response = timed(client, pages["orders"])
    body = response.get_data(as_text=True)
    assert sum(name in body for name in orders) >= min(count, 50), "the orders page shows the orders"
    times = {name: [] for name in pages}
    queries = {}
    for _run in range(repeat):
        for name, path in pages.items():
            elapsed, count_queries, response = timed(client, path)
            assert response.status_code == 200
            times[name].append(elapsed)
            queries[name] = count_queries
    return times, queries


def cleanup(registry, program_id, uid):
    """Remove what this benchmark and the generator created (on a database used for other things)."""
    with registry.cursor() as cr:
        env = env_of(cr)
        partner = env["res.users"].browse(uid).partner_id
        orders = env["sale.order"].search([("partner_id", "=", partner.id)])
        for table in ("subsidy_pool_line", "subsidy_queue_block", "subsidy_entry", "subsidy_settlement"):
            cr.execute(SQL("DELETE FROM %s WHERE program_id = %s", SQL.identifier(table), program_id))
        cr.execute(
            SQL(
                """DELETE FROM subsidy_account_line WHERE account_id IN
                       (SELECT id FROM subsidy_account WHERE program_id = %s)""",
                program_id,
            )
        )
        cr.execute(SQL("DELETE FROM subsidy_account WHERE program_id = %s", program_id))
        cr.execute(SQL("DELETE FROM subsidy_program WHERE id = %s", program_id))
        env.invalidate_all()
        orders._action_cancel()
        orders.unlink()
        env["res.users"].browse(uid).unlink()
        cr.execute("DELETE FROM res_partner WHERE ref LIKE 'bench-%%' OR id = %s", [partner.id])
        print("bench data removed", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="subsidy_bench")
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--big", type=int, default=1_000_000, help="queued entries of the program")
    parser.add_argument("--entries", type=int, default=50, help="the shopper's entries (and orders)")
    parser.add_argument("--repeat", type=int, default=20, help="requests of each page")
    parser.add_argument("--cleanup", action="store_true", help="remove the bench data afterwards")
    args, rest = parser.parse_known_args()
    config.parse_config(["--addons-path", args.addons_path, "--log-level", "warn", *rest])
    config["db_name"] = args.db
    odoo.service.server.load_server_wide_modules()
    registry = Registry(args.db)
    program_id, uid = prepare(registry, args.big, args.entries)
    try:
        client = client_for(registry, uid)
        times, queries = measure(client, program_id, registry, args.entries, args.repeat)
    finally:
        if args.cleanup:
            cleanup(registry, program_id, uid)
    entries, orders = statistics.median(times["entries"]), statistics.median(times["orders"])
    ratio = entries / orders
    print()
    print(
        f"shopper with {args.entries} entries at {args.big:,} queued, median of {args.repeat} requests each"
    )
    print(f"{'page':<22} {'median':>10} {'best':>10} {'queries':>8}")
    for name, path in (("entries", "/my/subsidy/entries"), ("orders", "/my/orders")):
        print(
            f"{path:<22} {statistics.median(times[name]) * 1000:>8.1f} ms {min(times[name]) * 1000:>7.1f} ms "
            f"{queries[name]:>8}"
        )
    print(f"ratio entries / orders: {ratio:.3f}   goal <= 1.2: {'yes' if ratio <= 1.2 else 'NO'}")


if __name__ == "__main__":
    main()
