"""Fill a benchmark database with queued entries, fast (set-based SQL).

Used by bench/bench_queue.py; creates (or reuses) a program named
``Bench <n>`` with ``n`` queued entries spread over ``shoppers`` accounts,
with targets between 5.00 and 500.00, and block sums that match.
"""

import random

from odoo import Command
from odoo.tools import SQL

from odoo.addons.subsidy_queue.engine import BLOCK_SIZE


def bench_shoppers(env, count):
    partners = env["res.partner"].search([("ref", "=like", "bench-%")], order="id", limit=count)
    missing = count - len(partners)
    if missing > 0:
        partners |= env["res.partner"].create(
            [{"name": f"Bench shopper {i}", "ref": f"bench-{i}"} for i in range(len(partners), count)]
        )
    return partners


def bench_program(env, size, shoppers=10000, seed=18):
    """Return the program ``Bench <size>``, creating and filling it if needed."""
    name = f"Bench {size}"
    program = env["subsidy.program"].search([("name", "=", name)])
    if program:
        return program
    company = env.ref("base.main_company")
    program = env["subsidy.program"].create(
        {
            "name": name,
            "code": "B",
            "company_id": company.id,
            "currency_id": company.currency_id.id,
            "contribution_rate": 20.0,
            "max_margin_rate": 25.0,
            "subsidy_rate": 50.0,
            "channel_sale": False,
            "channel_website": False,
            "channel_pos": False,
            "product_ids": [Command.clear()],
        }
    )
    partners = bench_shoppers(env, shoppers)
    cr = env.cr
    cr.execute(
        SQL(
            """INSERT INTO subsidy_account (partner_id, program_id, company_id, currency_id, balance,
                                            total_received, total_clawed_back)
               SELECT p, %s, %s, %s, 0, 0, 0 FROM unnest(%s::int[]) AS p""",
            program.id,
            company.id,
            program.currency_id.id,
            partners.ids,
        )
    )
    cr.execute(
        SQL("SELECT id, partner_id FROM subsidy_account WHERE program_id = %s ORDER BY id", program.id)
    )
    accounts = cr.fetchall()
    rng = random.Random(seed)
    cr.execute("SELECT setseed(%s)", [rng.random()])
    cr.execute(
        SQL(
            """INSERT INTO subsidy_entry
                   (name, program_id, company_id, currency_id, account_id, partner_id, seq, channel,
                    origin, base_amount, refunded_base, contribution_rate, subsidy_rate, contribution,
                    target, received, state, date_queued, create_date, write_date, create_uid, write_uid)
               SELECT 'B' || lpad(s::text, 7, '0'), %(program)s, %(company)s, %(currency)s,
                      a.id, a.partner_id, s, 'sale', 'bench',
                      t * 2, 0, 20, 50, t * 2 * 0.2, t, 0, 'queued',
                      now() at time zone 'UTC', now() at time zone 'UTC', now() at time zone 'UTC', 1, 1
                 FROM (SELECT s, round((5 + random() * 495)::numeric, 2) AS t
                         FROM generate_series(1, %(size)s) AS s) g
                 JOIN (SELECT id, partner_id, row_number() OVER (ORDER BY id) - 1 AS k
                         FROM subsidy_account WHERE program_id = %(program)s) a
                   ON a.k = mod(g.s, %(accounts)s)""",
            program=program.id,
            company=company.id,
            currency=program.currency_id.id,
            size=size,
            accounts=len(accounts),
        )
    )
    cr.execute(
        SQL(
            """INSERT INTO subsidy_queue_block (program_id, block, queued_count, outstanding)
               SELECT %s, seq / %s, COUNT(*), SUM(target - received)
                 FROM subsidy_entry WHERE program_id = %s GROUP BY seq / %s""",
            program.id,
            BLOCK_SIZE,
            program.id,
            BLOCK_SIZE,
        )
    )
    cr.execute(SQL("UPDATE subsidy_program SET last_seq = %s WHERE id = %s", size, program.id))
    cr.execute("ANALYZE subsidy_entry")
    cr.execute("ANALYZE subsidy_queue_block")
    env.invalidate_all()
    return program


def fund(program, units):
    """Put ``units`` into the pool with one chained ledger line (like a day's contributions)."""
    program._lock()
    program._append_pool_lines([{"kind": "contribution", "amount_units": units, "name": "bench funds"}])


def units_to_complete(program, count):
    program.env.cr.execute(
        SQL(
            """SELECT SUM(target - received) FROM (
                   SELECT target, received FROM subsidy_entry
                    WHERE program_id = %s AND state = 'queued' ORDER BY seq LIMIT %s) t""",
            program.id,
            count,
        )
    )
    return program._units(program.env.cr.fetchone()[0])


__all__ = ["bench_program", "fund", "units_to_complete"]
