"""The queue's history at a big queue: what the dashboard's three charts cost.

The dashboard reads ``subsidy.queue.history`` three times (queue length, still owed
and pool balance per day). It is read from per-day tables the entries' triggers and
the ledger keep; the baseline is the same figures counted from the entries at every
read (one pass over the queue grouped by day, what the view did before). Both are
checked equal, then timed side by side, best of ``--repeat``.

    python3 bench/bench_history.py --db pos_bench --addons-path "$ADDONS_PATH" --big 1000000
"""

import argparse
import os
import sys
import time

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tools import config

# The figures of each day, counted from the entries (``ENTRY_DAYS``, what the view
# did at every read before the triggers kept them) and as kept.
RECOUNT = """
    SELECT day, joined, left_count, completed, owed_change FROM (%s) AS d
     WHERE program_id = %%s AND (joined != 0 OR left_count != 0 OR owed_change != 0)
  ORDER BY day"""
KEPT = """
    SELECT day, joined, left_count, completed, owed_change FROM subsidy_queue_day
     WHERE program_id = %s AND (joined != 0 OR left_count != 0 OR owed_change != 0)
  ORDER BY day"""


def best(repeat, func):
    times = []
    for _run in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="subsidy_bench")
    parser.add_argument("--addons-path", required=True)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args, rest = parser.parse_known_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    config.parse_config(["--addons-path", args.addons_path, "--log-level", "warn", *rest])
    odoo.service.server.load_server_wide_modules()
    registry = Registry(args.db)
    from generate import bench_program

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        program = bench_program(env, args.big)
        cr.commit()
        cr.execute(KEPT, [program.id])
        kept = cr.fetchall()
        from odoo.addons.subsidy_queue.models.subsidy_queue_history import ENTRY_DAYS

        recount_sql = RECOUNT % ENTRY_DAYS.code
        cr.execute(recount_sql, [program.id])
        assert kept == cr.fetchall(), "the kept figures are the entries' own"
        History = env["subsidy.queue.history"]
        domain = [("program_id", "=", program.id)]

        def dashboard():
            env.invalidate_all()
            for measure in ("queue_length", "owed", "pool_balance"):
                History.read_group(domain, [measure], ["day:day"])

        def recount():
            for _chart in range(3):
                cr.execute(recount_sql, [program.id])
                cr.fetchall()

        dashboard_time = best(args.repeat, dashboard)
        recount_time = best(args.repeat, recount)
        queued = env["subsidy.entry"].search_count(
            [("program_id", "=", program.id), ("state", "=", "queued")]
        )
    print()
    print(
        f"queue history of a program with {queued:,} queued entries, {len(kept)} days, best of {args.repeat}"
    )
    print(f"{'measure':<52} {'value':>10}")
    print(f"{'the dashboard`s three charts, from the kept days':<52} {dashboard_time * 1000:>7.2f} ms")
    print(f"{'the same, counted from the entries (before)':<52} {recount_time * 1000:>7.2f} ms")
    print(f"{'ratio kept / counted':<52} {dashboard_time / recount_time:>10.4f}")


if __name__ == "__main__":
    main()
