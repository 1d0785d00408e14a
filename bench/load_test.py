"""Load test of the production-shaped stack: shoppers, the back office, managers
and the settlement cron at once, for a fixed time; then the books are checked.

    bench/load_test.py                      # two runs, with the replica then without, side by side
    bench/load_test.py --minutes 5 --users 12 --modes replica

It prepares the database it needs once (``subsidy_load_template``: the addons,
a program, shoppers with API keys and bank accounts, two managers, a first
settlement), copies it for each run (``subsidy_load``), starts the stack with
deploy/start.sh (4 workers + a cron worker behind nginx, the replica or not),
drives it over HTTP on loopback for ``--minutes``, stops it (deploy/stop.sh)
and prints, per run: requests per second by kind, p50/p95/p99 latency, the
answers by status (429s apart), where the server's time went (SQL, the rest,
the replica or the primary, from Odoo's request log) and the checks, made with
the program locked:

- no order with two entries or two contributions;
- no withdrawal paid twice;
- every account's balance and hold >= 0, no entry above its target, first in first out;
- ledger sum = last running balance = the program's ledger tail = pool account in the general ledger;
- shoppers' balances and holds = the shoppers' payable account;
- *Verify ledger*: the hash chain is intact; the public page's counters = the ledger;
- no answer 500, and no readonly=True route had to be run again on the primary.

Exit status 1 when a check fails. Loopback only; every loop stops by itself
(``--minutes`` and ``--max-requests``). ``subsidy_queue/tests/test_stack.py``
runs a small version of it in the test suite, with these same functions.
"""

import argparse
import collections
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PASSWORD_SUFFIX = "-load-Pa55"

# ----------------------------------------------------------------------
# Fixtures: a program, managers, shoppers (in Odoo, in one transaction)
# ----------------------------------------------------------------------


def prepare(env, tag="load", shoppers=12, seed_orders=2, rates=(20.0, 50.0)):
    """Create (or find again) the program, users and products of a load run in
    ``env``'s database, give every shopper a fresh API key, and return the
    fixtures a :class:`LoadRun` needs (plain data, keys included). The caller
    commits. ``seed_orders`` paid orders for each shopper without an entry
    in the program yet, and one settlement, put money on the first accounts,
    so that withdrawals start at once. ``rates``: the program's pool contribution
    and target subsidy, in %."""
    from odoo import Command

    company = env.ref("base.main_company")
    env = env(context=dict(env.context, tracking_disable=True, mail_notrack=True, no_reset_password=True))
    fixtures = {"tag": tag, "company_id": company.id, "auto_settle_was": company.subsidy_auto_settle}
    company.subsidy_auto_settle = True
    program = env["subsidy.program"].search([("code", "=", tag[:8].upper())], limit=1)
    if not program:
        program = env["subsidy.program"].create(
            {
                "name": f"Load test ({tag})",
                "code": tag[:8].upper(),
                "sequence": -100,  # the main company's orders queue here
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "contribution_rate": rates[0],
                "max_margin_rate": max(25.0, rates[0]),
                "subsidy_rate": rates[1],
                "withdraw_min_amount": 10.0,
                "withdraw_max_amount": 1000.0,
                "withdraw_daily_count": 1000,
                "withdraw_daily_amount": 100000.0,
                "withdraw_fee_fixed": 1.0,
                "withdraw_fee_percent": 0.5,
                "withdraw_double_approval_amount": 30.0,
            }
        )
    fixtures["program_id"] = program.id
    fixtures["journal_id"] = program.payout_journal_id.id
    Product = env["product.product"]
    products = Product.search([("default_code", "=like", f"{tag}-%")])
    if not products:
        products = Product.create(
            [
                {
                    "name": f"{name} ({tag})",
                    "default_code": f"{tag}-{index}",
                    "type": "service",
                    "list_price": price,
                    "invoice_policy": "order",
                    "taxes_id": [Command.clear()],
                    "is_published": True,
                }
                for index, (name, price) in enumerate(
                    (("Rice cooker", 120.0), ("Tea set", 60.0), ("Air purifier", 340.0))
                )
            ]
        )
    fixtures["product_ids"] = products.ids
    Users = env["res.users"]
    groups = {
        "manager": [
            env.ref(xmlid).id
            for xmlid in (
                "base.group_user",
                "subsidy_queue.group_subsidy_manager",
                "sales_team.group_sale_manager",
                "account.group_account_manager",
            )
        ],
        "shopper": [env.ref("base.group_portal").id],
    }

    def user(login, name, kind):
        found = Users.with_context(active_test=False).search([("login", "=", login)])
        if found:
            found.active = True
            found.partner_id.active = True
            return found
        return Users.create(
            {
                "name": name,
                "login": login,
                "password": login + PASSWORD_SUFFIX,
                "email": f"{login}@example.com",
                "company_id": company.id,
                "company_ids": [Command.set(company.ids)],
                "groups_id": [Command.set(groups[kind])],
            }
        )

    fixtures["managers"] = []
    for index in (1, 2):
        manager = user(f"{tag}_manager_{index}", f"Load Manager {index} ({tag})", "manager")
        fixtures["managers"].append({"id": manager.id, "login": manager.login})
    fixtures["shoppers"] = []
    new_partners = env["res.partner"]
    ApiKeys = env["res.users.apikeys"]
    for index in range(shoppers):
        shopper = user(f"{tag}_shopper_{index}", f"Shopper{index} Load{tag.title()}", "shopper")
        partner = shopper.partner_id
        bank = env["res.partner.bank"].search([("partner_id", "=", partner.id)], limit=1)
        if not bank:
            bank = env["res.partner.bank"].create(
                {"acc_number": f"6222 0200 {index:04d} {partner.id:06d}", "partner_id": partner.id}
            )
        ApiKeys.sudo().search([("user_id", "=", shopper.id)]).unlink()
        key = ApiKeys.with_user(shopper).sudo()._generate(None, "load test", None)
        # A shopper has an account as soon as the user exists (portal users are enrolled):
        # the seeds go to those who have no entry in the program yet.
        if not env["subsidy.entry"].search_count(
            [("partner_id", "=", partner.id), ("program_id", "=", program.id)]
        ):
            new_partners |= partner
        fixtures["shoppers"].append(
            {
                "id": shopper.id,
                "login": shopper.login,
                "partner_id": partner.id,
                "bank_id": bank.id,
                "key": key,
            }
        )
    for partner in new_partners:
        for _i in range(seed_orders):
            _paid_order(env, partner, products, random.Random(partner.id))
    if new_partners:
        program._settle(trigger="manual")
    env.flush_all()
    return fixtures


def _paid_order(env, partner, products, rng):
    from odoo import Command

    order = env["sale.order"].create(
        {
            "partner_id": partner.id,
            "order_line": [
                Command.create({"product_id": product.id, "product_uom_qty": rng.randint(1, 2)})
                for product in rng.sample(list(products), rng.randint(1, 2))
            ],
        }
    )
    order.action_confirm()
    invoice = order._create_invoices()
    invoice.action_post()
    env["account.payment.register"].with_context(active_model="account.move", active_ids=invoice.ids).create(
        {}
    )._create_payments()
    return order


# ----------------------------------------------------------------------
# The checks, with the program locked
# ----------------------------------------------------------------------


def check_books(registry, program_id, tries=5):
    """The checks of a run: ``[(name, ok, detail)]``. Made in one transaction
    that locks the program (and posts what the ledger holds and the general
    ledger does not yet, to compare them), then rolled back."""
    from psycopg2 import errors

    for attempt in range(tries):
        with registry.cursor() as cr:
            try:
                return _check_books(_env(cr, registry), program_id)
            except errors.SerializationFailure:
                # The queue changed after our snapshot began (a settlement by cron): again.
                cr.rollback()
                time.sleep(0.5 * (attempt + 1))
            finally:
                cr.rollback()
    raise RuntimeError("the program kept changing; no consistent snapshot for the checks")


def _env(cr, registry):
    """A superuser environment on ``cr``, a cursor of ``registry`` (passed on: looking a
    registry up by name waits on Odoo's runner, which holds the registries' lock)."""
    from odoo import SUPERUSER_ID, api

    if cr.transaction is None:
        cr.transaction = api.Transaction(registry)
    return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, "mail_notrack": True})


def _check_books(env, program_id):
    cr = env.cr
    program = env["subsidy.program"].browse(program_id)
    program._lock()
    sharing = env["subsidy.program"].search([("payable_account_id", "=", program.payable_account_id.id)])
    (sharing - program)._lock()
    for other in sharing:
        other._post_pending_pool_lines()
    env.flush_all()
    checks = []

    def check(name, failures, detail=""):
        checks.append((name, not failures, detail if not failures else f"{failures!r}"[:300]))

    def rows(query, *params):
        cr.execute(query, params)
        return cr.fetchall()

    check(
        "no order with two entries",
        rows(
            """SELECT sale_order_id FROM subsidy_entry WHERE program_id = %s AND sale_order_id IS NOT NULL
             GROUP BY 1 HAVING COUNT(*) > 1""",
            program_id,
        ),
    )
    check(
        "no order or entry with two contributions",
        rows(
            """SELECT entry_id, sale_order_id FROM subsidy_pool_line
                WHERE program_id = %s AND kind = 'contribution'
             GROUP BY GROUPING SETS ((entry_id), (sale_order_id)) HAVING COUNT(*) > 1
                  AND (entry_id IS NOT NULL OR sale_order_id IS NOT NULL)""",
            program_id,
        ),
    )
    check(
        "no withdrawal paid twice",
        rows(
            """SELECT w.name FROM subsidy_withdrawal w
                WHERE w.program_id = %s
                  AND ((SELECT COUNT(*) FROM subsidy_account_line l
                         WHERE l.withdrawal_id = w.id AND l.kind = 'pay') > 1
                    OR (SELECT COUNT(*) FROM account_payment p
                         WHERE p.memo LIKE '%%' || w.name AND p.state != 'canceled'
                           AND p.payment_type = 'outbound') > 1
                    OR (w.state = 'paid' AND w.payment_id IS NULL))""",
            program_id,
        ),
    )
    check(
        "every balance and hold >= 0, every entry <= its target",
        rows(
            """SELECT 'account', id FROM subsidy_account
                WHERE program_id = %s AND (balance < 0 OR held < 0)
               UNION ALL
               SELECT 'entry', id FROM subsidy_entry
                WHERE program_id = %s AND (received > target OR received < 0)""",
            program_id,
            program_id,
        ),
    )
    check(
        "first in, first out",
        rows(
            """SELECT later.name FROM subsidy_entry later
                WHERE later.program_id = %s AND later.received > 0
                  AND EXISTS (SELECT 1 FROM subsidy_entry earlier
                               WHERE earlier.program_id = later.program_id AND earlier.seq < later.seq
                                 AND earlier.state = 'queued' AND earlier.received = 0
                                 AND earlier.date_queued < later.date_done)
                LIMIT 5""",
            program_id,
        ),
    )
    (total, last_balance, tail) = rows(
        """SELECT COALESCE(SUM(amount), 0),
                  (SELECT balance FROM subsidy_pool_line WHERE program_id = %s ORDER BY id DESC LIMIT 1),
                  (SELECT pool_tail_balance FROM subsidy_program WHERE id = %s)
             FROM subsidy_pool_line WHERE program_id = %s""",
        program_id,
        program_id,
        program_id,
    )[0]
    (gl_pool,) = rows(
        """SELECT -COALESCE(SUM(balance), 0) FROM account_move_line
            WHERE subsidy_program_id = %s AND account_id = %s AND parent_state = 'posted'""",
        program_id,
        program.pool_account_id.id,
    )[0]
    currency = program.currency_id
    same = all(currency.is_zero(total - (value or 0.0)) for value in (last_balance, tail, gl_pool))
    check(
        "ledger sum = last running balance = ledger tail = pool account",
        [] if same else [total, last_balance, tail, gl_pool],
        f"{total:.2f}",
    )
    owed, in_flight, gl_payable = _payable_figures(env, sharing)
    check(
        "balances and holds = shoppers' payable account",
        [] if currency.is_zero(owed - in_flight - gl_payable) else [owed, in_flight, gl_payable],
        f"{owed - in_flight:.2f}",
    )
    broken = program._find_broken_line()
    check("Verify ledger: the hash chain is intact", [broken] if broken else [])
    check("public page counters = ledger", env["subsidy.pool.figures"]._differences(program))
    return checks


def _payable_figures(env, programs):
    """``(owed, in flight, general ledger)`` on the payable account of ``programs``:
    what the accounts hold (balances and holds), what is paid out but not yet
    marked paid on them (less what tills spent in sessions not closed yet, which
    the payable still holds), and the account's balance from these programs'
    journal items (postings, earmarks, the withdrawals' payments, the POS
    sessions' closings)."""
    cr = env.cr
    ids = tuple(programs.ids)
    cr.execute(
        """SELECT COALESCE(SUM(balance + held), 0) FROM subsidy_account WHERE program_id IN %s""",
        [ids],
    )
    (owed,) = cr.fetchone()
    cr.execute(
        """SELECT COALESCE(SUM(amount_total), 0) FROM subsidy_withdrawal
            WHERE program_id IN %s AND state = 'approved' AND payment_id IS NOT NULL""",
        [ids],
    )
    (in_flight,) = cr.fetchone()
    if "pos_order_id" in env["subsidy.account.line"]._fields:
        # Spent at a till whose session is still open: its closing entry debits the payable.
        cr.execute(
            """SELECT COALESCE(SUM(CASE WHEN l.kind = 'spend' THEN l.amount ELSE -l.amount END), 0)
                 FROM subsidy_account_line l
                 JOIN subsidy_account a ON a.id = l.account_id
                 JOIN pos_order o ON o.id = l.pos_order_id
                 JOIN pos_session s ON s.id = o.session_id
                WHERE a.program_id IN %s AND l.kind IN ('spend', 'spend_refund') AND s.state != 'closed'""",
            [ids],
        )
        in_flight -= cr.fetchone()[0]
    cr.execute(
        """SELECT -COALESCE(SUM(l.balance), 0) FROM account_move_line l
            WHERE l.account_id = %s AND l.parent_state = 'posted'
              AND (l.subsidy_program_id IN %s
                   OR l.move_id IN (SELECT p.move_id FROM account_payment p
                                      JOIN subsidy_withdrawal w ON w.payment_id = p.id
                                     WHERE w.program_id IN %s)
                   OR l.move_id IN (SELECT m.id FROM account_move m
                                      JOIN subsidy_withdrawal w ON w.approval_move_id = m.reversed_entry_id
                                     WHERE w.program_id IN %s))""",
        [programs[:1].payable_account_id.id, ids, ids, ids],
    )
    (gl,) = cr.fetchone()
    return owed, in_flight, gl


# ----------------------------------------------------------------------
# The load: HTTP clients on loopback
# ----------------------------------------------------------------------


class Stats:
    """Every request: its kind, HTTP status, outcome and client-side latency."""

    def __init__(self):
        self.lock = threading.Lock()
        self.records = []  # (kind, status, outcome, seconds)

    def add(self, kind, status, outcome, seconds):
        with self.lock:
            self.records.append((kind, status, outcome, seconds))

    def __len__(self):
        return len(self.records)


class RpcError(Exception):
    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name


REFUSALS = ("UserError", "ValidationError", "AccessError", "MissingError", "RedirectWarning")
CONFLICTS = ("SerializationFailure", "LockNotAvailable", "DeadlockDetected", "concurrent update")


class Client:
    """One user agent (its own cookies), recording every request in ``stats``."""

    def __init__(self, run, name):
        self.run = run
        self.name = name
        self.http = requests.Session()
        self.http.trust_env = False  # loopback only: no proxy from the environment

    def request(self, kind, method, path, ok=(200,), refused=(), **kwargs):
        start = time.perf_counter()
        try:
            response = self.http.request(method, self.run.url + path, timeout=60, **kwargs)
        except requests.RequestException:
            self.run.stats.add(kind, 0, "error", time.perf_counter() - start)
            raise
        seconds = time.perf_counter() - start
        status = response.status_code
        outcome = (
            "ok"
            if status in ok
            else "429"
            if status == 429
            else "refused"
            if status in refused
            else "busy"
            if status == 503
            else "error"
        )
        self.run.stats.add(kind, status, outcome, seconds)
        if outcome != "ok":
            self.run.sample(kind, outcome, f"{status}: {response.text[:160]}")
        return response

    def jsonrpc(self, kind, path, params):
        start = time.perf_counter()
        payload = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
        response = self.http.post(self.run.url + path, json=payload, timeout=60)
        seconds = time.perf_counter() - start
        if response.status_code != 200:
            self.run.stats.add(
                kind, response.status_code, "429" if response.status_code == 429 else "error", seconds
            )
            raise RpcError(f"HTTP {response.status_code}", path)
        body = response.json()
        error = body.get("error")
        if not error:
            self.run.stats.add(kind, 200, "ok", seconds)
            return body.get("result")
        data = error.get("data") or {}
        name = (data.get("name") or "").rsplit(".", 1)[-1]
        message = data.get("message") or error.get("message") or ""
        if name in REFUSALS and not any(c in message for c in CONFLICTS):
            outcome = "refused"
        elif any(c in name or c in message for c in CONFLICTS):
            outcome = "busy"
        else:
            outcome = "error"
        self.run.stats.add(kind, 200, outcome, seconds)
        self.run.sample(kind, outcome, f"{name}: {message}")
        raise RpcError(name, message)

    def call(self, model, method, *args, **kwargs):
        context = kwargs.pop("context", {})
        return self.jsonrpc(
            f"rpc {model}.{method}",
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": dict(kwargs, context=context)},
        )

    def login(self, login, password):
        """Log in as a browser would; a 429 (the login zone) is waited out, up to a minute."""
        deadline = time.monotonic() + 60
        while True:
            response = self.request(
                "login",
                "POST",
                "/web/session/authenticate",
                json={"jsonrpc": "2.0", "params": {"db": self.run.db, "login": login, "password": password}},
            )
            if response.status_code == 429 and time.monotonic() < deadline:
                time.sleep(float(response.headers.get("Retry-After") or 2))
                continue
            result = response.json().get("result") if response.status_code == 200 else None
            if not result or not result.get("uid"):
                raise RuntimeError(f"cannot log in as {login}: {response.status_code} {response.text[:200]}")
            return result["uid"]


class LoadRun:
    """A bounded load against the stack at ``url``: ``users`` shopper agents, two
    back-office cashiers, a manager approving and paying in batches, and a
    settlement by the cron worker every ``settle_every`` seconds.

    It stops at ``seconds`` or after ``max_requests`` requests, whichever
    comes first; the ticker triggers the cron through ``registry``."""

    def __init__(self, url, db, fixtures, registry, users=8, cashiers=2, settle_every=5.0, seed=18):
        self.url = url.rstrip("/")
        self.db = db
        self.fixtures = fixtures
        self.registry = registry
        self.users = users
        self.cashiers = cashiers
        self.settle_every = settle_every
        self.stats = Stats()
        self.seed = seed
        self.errors = []
        self.deadline = 0.0
        self.max_requests = 0
        self.stop = threading.Event()
        self.settlement_triggers = 0
        self.samples = collections.defaultdict(list)  # (kind, outcome) -> first messages

    def sample(self, kind, outcome, message):
        """Keep the first few answers of each kind that were not plain successes."""
        found = self.samples[(kind, outcome)]
        if len(found) < 3:
            found.append(" ".join(message.split())[:200])

    # -- bounds --------------------------------------------------------

    def running(self):
        if self.stop.is_set():
            return False
        if time.monotonic() >= self.deadline or len(self.stats) >= self.max_requests:
            self.stop.set()
            return False
        return True

    def run(self, seconds, max_requests=10**9, warmup=0.0, on_measure=None):
        """Log everybody in, load for ``warmup`` seconds unmeasured (caches, pools), then
        for ``seconds``; return the measured window in seconds. ``on_measure`` is
        called when the measure begins."""
        rng = random.Random(self.seed)
        self.managers = []
        for manager in self.fixtures["managers"]:
            client = Client(self, manager["login"])
            client.login(manager["login"], manager["login"] + PASSWORD_SUFFIX)
            self.managers.append(client)
        shoppers = []
        for shopper in self.fixtures["shoppers"]:
            client = Client(self, shopper["login"])
            client.login(shopper["login"], shopper["login"] + PASSWORD_SUFFIX)
            shoppers.append(dict(shopper, client=client, lock=threading.Lock()))
        self.login_stats = self.stats
        self.stats = Stats()
        self.deadline = time.monotonic() + warmup + seconds
        self.max_requests = max_requests
        threads = [
            threading.Thread(target=self._guard, args=(self._shopper, shoppers, random.Random(rng.random())))
            for _i in range(self.users)
        ]
        threads += [
            threading.Thread(target=self._guard, args=(self._cashier, index, random.Random(rng.random())))
            for index in range(self.cashiers)
        ]
        threads.append(threading.Thread(target=self._guard, args=(self._approver,)))
        threads.append(threading.Thread(target=self._guard, args=(self._ticker,)))
        for thread in threads:
            thread.start()
        if warmup:
            self.stop.wait(warmup)
            self.warmup_stats, self.stats = self.stats, Stats()
        if on_measure:
            on_measure()
        start = time.monotonic()
        for thread in threads:
            thread.join(warmup + seconds + 120)
        self.stop.set()
        return time.monotonic() - start

    def _guard(self, target, *args):
        try:
            target(*args)
        except Exception as error:  # an agent that dies is a finding, not a crash of the run
            self.errors.append(f"{target.__name__}: {error!r}")
            self.stop.set()

    # -- shoppers --------------------------------------------------------

    def _shopper(self, shoppers, rng):
        anonymous = Client(self, "anonymous")
        while self.running():
            shopper = rng.choice(shoppers)
            if not shopper["lock"].acquire(blocking=False):
                continue  # somebody else is this shopper right now
            try:
                self._shopper_step(shopper, anonymous, rng)
            finally:
                shopper["lock"].release()
            time.sleep(rng.uniform(0.02, 0.2))

    def _shopper_step(self, shopper, anonymous, rng):
        client, api = shopper["client"], {"Authorization": f"Bearer {shopper['key']}"}
        roll = rng.random()
        if roll < 0.30:  # where am I: the app reads the position and entries
            account = client.request("api GET account", "GET", "/api/subsidy/v1/account", headers=api)
            client.request("api GET entries", "GET", "/api/subsidy/v1/entries?limit=20", headers=api)
            client.request("api GET withdrawals", "GET", "/api/subsidy/v1/withdrawals?limit=10", headers=api)
            if account.status_code == 200:
                shopper["balance"] = sum(a["balance"] for a in account.json()["accounts"])
        elif roll < 0.40:
            client.request("portal /my/subsidy", "GET", "/my/subsidy")
        elif roll < 0.55:
            anonymous.http.cookies.clear()  # a crowd of visitors, none of them logged in
            anonymous.request("public /subsidy/pool", "GET", "/subsidy/pool")
        elif roll < 0.75:  # shop: put a product in the cart (the back office confirms the payment)
            product = rng.choice(self.fixtures["product_ids"])
            client.jsonrpc(
                "shop cart add",
                "/shop/cart/update_json",
                {"product_id": product, "add_qty": 1, "display": False},
            )
        elif roll < 0.90:
            if shopper.get("balance", 1000) < 20:
                return
            body = {
                "amount": rng.randint(10, 40),
                "payout_method": "bank",
                "bank_account_id": shopper["bank_id"],
            }
            response = client.request(
                "api POST withdrawal",
                "POST",
                "/api/subsidy/v1/withdrawals",
                ok=(201,),
                refused=(400, 409),
                headers=api,
                json=body,
            )
            if response.status_code == 201:
                shopper.setdefault("submitted", []).append(response.json()["withdrawal"]["id"])
        elif shopper.get("submitted"):  # changed my mind: cancel it in the portal
            withdrawal_id = shopper["submitted"].pop(rng.randrange(len(shopper["submitted"])))
            page = client.request("portal /my/subsidy", "GET", "/my/subsidy")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            if token:
                client.request(
                    "portal cancel withdrawal",
                    "POST",
                    f"/my/subsidy/withdrawal/{withdrawal_id}/cancel",
                    ok=(200, 303),
                    refused=(400, 404),
                    data={"csrf_token": token.group(1)},
                    allow_redirects=False,
                )

    # -- the back office --------------------------------------------------

    def _cashier(self, index, rng):
        client = self.managers[index % len(self.managers)]
        partners = [s["partner_id"] for s in self.fixtures["shoppers"]]
        # Each cashier confirms the shop orders of its own shoppers, as a team splits its work.
        mine = partners[index :: self.cashiers] or partners
        while self.running():
            roll = rng.random()
            try:
                if roll < 0.45:
                    order = client.call(
                        "sale.order",
                        "create",
                        {
                            "partner_id": rng.choice(partners),
                            "order_line": [
                                (
                                    0,
                                    0,
                                    {
                                        "product_id": rng.choice(self.fixtures["product_ids"]),
                                        "product_uom_qty": rng.randint(1, 3),
                                    },
                                )
                            ],
                        },
                    )
                    self._confirm_and_pay(client, order)
                elif roll < 0.80:  # shop orders paid by bank transfer, confirmed here
                    carts = client.call(
                        "sale.order",
                        "search",
                        [
                            ("website_id", "!=", False),
                            ("state", "=", "draft"),
                            ("order_line", "!=", False),
                            ("partner_id", "in", mine),
                        ],
                        limit=1,
                        order="id",
                    )
                    for cart in carts:
                        self._confirm_and_pay(client, cart)
                else:
                    self._refund(client, rng, partners)
            except RpcError:
                pass  # recorded; the next step goes on

    def _confirm_and_pay(self, client, order_id):
        client.call("sale.order", "action_confirm", [order_id])
        wizard = client.call(
            "sale.advance.payment.inv",
            "create",
            {"advance_payment_method": "delivered"},
            context={"active_model": "sale.order", "active_ids": [order_id]},
        )
        action = client.call(
            "sale.advance.payment.inv",
            "create_invoices",
            [wizard],
            context={"active_model": "sale.order", "active_ids": [order_id]},
        )
        invoice = action.get("res_id")
        client.call("account.move", "action_post", [invoice])
        register = client.call(
            "account.payment.register",
            "create",
            {},
            context={"active_model": "account.move", "active_ids": [invoice]},
        )
        client.call(
            "account.payment.register",
            "action_create_payments",
            [register],
            context={
                "active_model": "account.move",
                "active_ids": [invoice],
                "dont_redirect_to_payments": True,
            },
        )

    def _refund(self, client, rng, partners):
        invoices = client.call(
            "account.move",
            "search_read",
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("partner_id", "in", partners),
                ("reversal_move_ids", "=", False),
            ],
            ["journal_id"],
            limit=30,
            order="id desc",
        )
        if not invoices:
            return
        invoice = rng.choice(invoices)
        context = {"active_model": "account.move", "active_ids": [invoice["id"]]}
        wizard = client.call(
            "account.move.reversal",
            "create",
            {"reason": "Returned (load test)", "journal_id": invoice["journal_id"][0]},
            context=context,
        )
        action = client.call("account.move.reversal", "reverse_moves", [wizard], context=context)
        client.call("account.move", "action_post", [action["res_id"]])

    def _approver(self):
        first, second = self.managers[0], self.managers[-1]
        journal = self.fixtures["journal_id"]
        program = self.fixtures["program_id"]
        while self.running():
            try:
                submitted = first.call(
                    "subsidy.withdrawal",
                    "search_read",
                    [("program_id", "=", program), ("state", "=", "submitted")],
                    ["first_approver_id"],
                    limit=20,
                    order="id",
                )
                for withdrawal in submitted:
                    approver = second if withdrawal["first_approver_id"] else first
                    try:
                        approver.call("subsidy.withdrawal", "action_approve", [withdrawal["id"]])
                    except RpcError:
                        pass  # cancelled by the shopper meanwhile, or locked
                approved = first.call(
                    "subsidy.withdrawal",
                    "search",
                    [("program_id", "=", program), ("state", "=", "approved"), ("batch_id", "=", False)],
                    limit=20,
                    order="id",
                )
                if approved:
                    wizard = first.call(
                        "subsidy.payout.batch.add",
                        "create",
                        {"withdrawal_ids": [(6, 0, approved)], "journal_id": journal},
                    )
                    batch = first.call("subsidy.payout.batch.add", "action_create_batch", [wizard])["res_id"]
                    first.call("subsidy.payout.batch", "action_post_payments", [batch])
                    first.call("subsidy.payout.batch", "action_mark_paid", [batch])
            except RpcError:
                pass
            self.stop.wait(1.0)

    def _ticker(self):
        """The settlement cron, every ``settle_every`` seconds: a trigger wakes the cron worker."""
        while self.running():
            with self.registry.cursor() as cr:
                _env(cr, self.registry).ref("subsidy_queue.ir_cron_settle")._trigger()
            self.settlement_triggers += 1
            self.stop.wait(self.settle_every)


# ----------------------------------------------------------------------
# Reports
# ----------------------------------------------------------------------

# Odoo's request log: "GET /path HTTP/1.1" 200 - <queries> <SQL s> <other s> <cursor: ro, rw, ro->rw>
REQUEST_LOG = re.compile(
    r'werkzeug: \S+ - - \[[^]]+\] "(\w+) (\S+) [^"]*" (\d{3}) - (\d+) ([\d.]+) ([\d.]+)(?: (\S+))?'
)


def kind_of(method, path):
    """The kind of a request of Odoo's log, named as the load test names its own."""
    path = path.split("?")[0]
    if path.startswith("/web/dataset/call_kw/"):
        model, _sep, name = path[len("/web/dataset/call_kw/") :].partition("/")
        return f"rpc {model}.{name}"
    if path.startswith("/api/subsidy/v1/"):
        name = path.rsplit("/", 1)[-1]
        return f"api {method} {'withdrawal' if method == 'POST' else name}"
    if re.fullmatch(r"/my/subsidy/withdrawal/\d+/cancel", path):
        return "portal cancel withdrawal"
    return {
        "/my/subsidy": "portal /my/subsidy",
        "/subsidy/pool": "public /subsidy/pool",
        "/shop/cart/update_json": "shop cart add",
        "/web/session/authenticate": "login",
    }.get(path, path)


CRON_LOG = re.compile(r"ir_cron: Job '([^']+)' \(\d+\) done in ([\d.]+)s")


def server_side(log_path, offset):
    """Per kind, from Odoo's log after byte ``offset``: ``{kind: {...}}`` (count,
    mean SQL and other seconds, mean queries, cursor modes)."""
    figures = collections.defaultdict(
        lambda: {"n": 0, "sql": 0.0, "other": 0.0, "queries": 0, "modes": collections.Counter()}
    )
    if not log_path or not os.path.exists(log_path):
        return {}
    with open(log_path, encoding="utf-8", errors="replace") as log:
        log.seek(offset)
        for line in log:
            match = REQUEST_LOG.search(line)
            if not match:
                cron = CRON_LOG.search(line)
                if cron:
                    row = figures[f"cron {cron.group(1)}"]
                    row["n"] += 1
                    row["other"] += float(cron.group(2))
                    row["modes"]["cron"] += 1
                continue
            method, path, _status, queries, sql, other, mode = match.groups()
            row = figures[kind_of(method, path)]
            row["n"] += 1
            row["sql"] += float(sql)
            row["other"] += float(other)
            row["queries"] += int(queries)
            row["modes"][mode or "-"] += 1
    return dict(figures)


def percentile(values, share):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(share * (len(values) - 1))))]


def summarize(stats, window, server=None):
    """The run's table as data: ``{kind: {...}}`` and the totals."""
    by_kind = collections.defaultdict(list)
    for kind, status, outcome, seconds in stats.records:
        by_kind[kind].append((status, outcome, seconds))
    table = {}
    for kind, rows in sorted(by_kind.items()):
        latencies = [seconds for _status, _outcome, seconds in rows]
        server_row = (server or {}).get(kind)
        table[kind] = {
            "count": len(rows),
            "rps": len(rows) / window if window else 0.0,
            "p50": percentile(latencies, 0.50) * 1000,
            "p95": percentile(latencies, 0.95) * 1000,
            "p99": percentile(latencies, 0.99) * 1000,
            "outcomes": dict(collections.Counter(outcome for _s, outcome, _t in rows)),
            "statuses": dict(collections.Counter(str(status) for status, _o, _t in rows)),
            "server_ms": (server_row["sql"] + server_row["other"]) / server_row["n"] * 1000
            if server_row
            else None,
            "sql_ms": server_row["sql"] / server_row["n"] * 1000 if server_row else None,
            "queries": server_row["queries"] / server_row["n"] if server_row else None,
            "modes": dict(server_row["modes"]) if server_row else {},
        }
    latencies = [seconds for _k, _s, _o, seconds in stats.records]
    totals = {
        "count": len(latencies),
        "rps": len(latencies) / window if window else 0.0,
        "p50": percentile(latencies, 0.50) * 1000,
        "p95": percentile(latencies, 0.95) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "statuses": dict(collections.Counter(str(s) for _k, s, _o, _t in stats.records)),
        "outcomes": dict(collections.Counter(o for _k, _s, o, _t in stats.records)),
    }
    cron = {
        kind[len("cron ") :]: {"runs": row["n"], "mean_s": row["other"] / row["n"]}
        for kind, row in (server or {}).items()
        if kind.startswith("cron ")
    }
    return {"window": window, "kinds": table, "totals": totals, "cron": cron}


def format_run(title, summary, checks, samples=None):
    lines = [f"== {title}: {summary['totals']['count']} requests in {summary['window']:.0f} s"]
    header = (
        f"{'kind':50} {'n':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
        f" {'server':>7} {'sql':>6} {'q':>5}  {'cursor':14} outcomes"
    )
    lines.append(header)
    for kind, row in summary["kinds"].items():
        server = "-" if row["server_ms"] is None else f"{row['server_ms']:.0f}"
        sql = "-" if row["sql_ms"] is None else f"{row['sql_ms']:.0f}"
        queries = "-" if row["queries"] is None else f"{row['queries']:.0f}"
        modes = " ".join(f"{mode}:{count}" for mode, count in sorted(row["modes"].items())) or "-"
        outcomes = " ".join(f"{name}:{count}" for name, count in sorted(row["outcomes"].items()))
        lines.append(
            f"{kind:50} {row['count']:>6} {row['rps']:>7.2f} {row['p50']:>8.0f} {row['p95']:>8.0f}"
            f" {row['p99']:>8.0f} {server:>7} {sql:>6} {queries:>5}  {modes:14} {outcomes}"
        )
    totals = summary["totals"]
    lines.append(
        f"{'all':50} {totals['count']:>6} {totals['rps']:>7.2f} {totals['p50']:>8.0f} {totals['p95']:>8.0f}"
        f" {totals['p99']:>8.0f}"
    )
    statuses = totals["statuses"]
    lines.append(
        "answers by status: "
        + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()) if status != "429")
        + f"; 429 (rate limited): {statuses.get('429', 0)}"
    )
    lines.append(
        "outcomes: "
        + ", ".join(f"{name}: {count}" for name, count in sorted(totals["outcomes"].items()))
        + "  (refused: a rule said no, busy: a conflict outlived Odoo's retries)"
    )
    for name, row in sorted(summary.get("cron", {}).items()):
        lines.append(
            f"cron worker: '{name}' ran {row['runs']} times, {row['mean_s'] * 1000:.0f} ms on average"
        )
    samples = {f"{outcome} {kind}": found for (kind, outcome), found in (samples or {}).items()}
    for name, messages in sorted((samples or summary.get("samples", {})).items()):
        lines.append(f"  {name}: " + " | ".join(messages))
    lines.append("checks (program locked):")
    for name, ok, detail in checks:
        lines.append(f"  [{'ok' if ok else 'FAIL'}] {name}{f'  ({detail})' if detail else ''}")
    return "\n".join(lines)


def format_comparison(runs):
    """Each kind's req/s and p95 side by side, with the ratio replica ÷ primary."""
    if len(runs) != 2:
        return ""
    (name_a, a), (name_b, b) = runs
    lines = [
        f"== side by side: {name_a} / {name_b}",
        f"{'kind':50} {'req/s ' + name_a:>16} {'req/s ' + name_b:>16} {'ratio':>6}"
        f" {'p95 ' + name_a:>14} {'p95 ' + name_b:>14} {'ratio':>6}",
    ]

    def ratio(x, y):
        return x / y if y else 0.0

    def row(kind, ra, rb):
        return (
            f"{kind:50} {ra['rps']:>16.2f} {rb['rps']:>16.2f} {ratio(ra['rps'], rb['rps']):>6.2f}"
            f" {ra['p95']:>14.0f} {rb['p95']:>14.0f} {ratio(ra['p95'], rb['p95']):>6.2f}"
        )

    for kind in sorted(set(a["kinds"]) & set(b["kinds"])):
        lines.append(row(kind, a["kinds"][kind], b["kinds"][kind]))
    lines.append(row("all", a["totals"], b["totals"]))
    return "\n".join(lines)


def run_checks(run, summary, checks, odoo_log=None, offset=0):
    """The load's own checks, added to the books': no 500, readonly routes stayed so."""
    errors = sum(
        1
        for _k, status, outcome, _t in run.stats.records
        if outcome == "error" or status >= 500 and status != 503
    )
    checks = list(checks)
    checks.append(
        ("no answer 500 and no agent failed", not errors and not run.errors, "; ".join(run.errors)[:300])
    )
    server = server_side(odoo_log, offset) if odoo_log else {}
    rewritten = sum(row["modes"].get("ro->rw", 0) for row in server.values())
    if odoo_log:
        checks.append(
            (
                "readonly routes did not write (no ro->rw)",
                not rewritten,
                f"{rewritten} rerun on the primary" if rewritten else "",
            )
        )
    return checks


# ----------------------------------------------------------------------
# The command: prepare, then one run per mode, each on a fresh copy
# ----------------------------------------------------------------------


def _odoo_setup(args):
    import odoo
    from odoo.tools import config

    addons = [os.path.join(os.path.dirname(odoo.__file__), "addons"), ROOT]
    options = ["--addons-path", ",".join(p for p in addons if os.path.isdir(p))]
    if os.environ.get("ODOO_RC"):
        options = ["-c", os.environ["ODOO_RC"], *options]
    config.parse_config(options)
    return options


def _exists(db):
    import odoo.service.db

    return odoo.service.db.exp_db_exist(db)


def _build_template(args, options):
    """The prepared database, once: the addons, the fixtures, a first settlement.
    When it exists, its addons are updated: its schema follows the code."""
    from odoo.modules.registry import Registry

    if _exists(args.template):
        print(f"== updating the addons of {args.template}", flush=True)
        subprocess.run(
            [sys.executable, "-m", "odoo", *options, "-d", args.template, "-u", "subsidy_queue,direct_ship",
             "--stop-after-init", "--log-level=warn"],
            check=True,
        )  # fmt: skip
        return
    print(f"== building {args.template}: installing the addons (a few minutes)", flush=True)
    subprocess.run(
        [sys.executable, "-m", "odoo", *options, "-d", args.template, "-i", "subsidy_queue,direct_ship",
         "--without-demo=all", "--stop-after-init", "--log-level=warn"],
        check=True,
    )  # fmt: skip
    registry = Registry(args.template)
    with registry.cursor() as cr:
        prepare(_env(cr, registry), shoppers=args.shoppers, seed_orders=2)
    _close(args.template)


def _close(db):
    import odoo
    from odoo.modules.registry import Registry

    Registry.delete(db)
    odoo.sql_db.close_db(db)


def postpone_other_crons(env, keep=("subsidy_queue.ir_cron_settle",), drop_triggers=False):
    """Every scheduled action but ``keep`` waits a day: in a fresh copy they are all
    due at once (the database's first day), and would hold the cron worker for
    the first half minute of the measure; ``drop_triggers`` also drops their
    pending triggers (the install's). Returns ``{cron id: its next call}``."""
    kept = [env.ref(xmlid).id for xmlid in keep]
    crons = env["ir.cron"].search([("id", "not in", kept)])
    before = {cron.id: cron.nextcall for cron in crons}
    crons.write({"nextcall": datetime.now() + timedelta(days=1)})
    if drop_triggers:
        env.cr.execute("DELETE FROM ir_cron_trigger WHERE cron_id IN %s", [tuple(crons.ids)])
    return before


def _one_run(args, mode):
    import odoo
    from odoo.modules.registry import Registry

    if _exists(args.db):
        odoo.service.db.exp_drop(args.db)
    odoo.service.db.exp_duplicate_database(args.template, args.db)
    registry = Registry(args.db)
    with registry.cursor() as cr:
        fixtures = prepare(_env(cr, registry), shoppers=args.shoppers, seed_orders=0)
        postpone_other_crons(_env(cr, registry), drop_triggers=True)
    stack_dir = f"/tmp/subsidy-load-{args.port}"
    env = dict(
        os.environ,
        SUBSIDY_DB=args.db,
        HTTP_PORT=str(args.port),
        WORKERS=str(args.workers),
        CRON_WORKERS="1",
        REPLICA_PORT=str(args.replica_port if mode == "replica" else 0),
        STACK_DIR=stack_dir,
    )
    subprocess.run([os.path.join(ROOT, "deploy", "start.sh")], env=env, check=True)
    try:
        log = os.path.join(stack_dir, "odoo.log")
        load = LoadRun(f"http://127.0.0.1:{args.port}", args.db, fixtures, registry, users=args.users)
        measure = {}
        window = load.run(
            args.minutes * 60,
            args.max_requests,
            warmup=args.warmup,
            on_measure=lambda: measure.update(offset=os.path.getsize(log)),
        )
        offset = measure["offset"]
        # The cron worker may still be settling: the checks lock the program and wait for it.
        checks = check_books(registry, fixtures["program_id"])
        summary = summarize(load.stats, window, server_side(log, offset))
        checks = run_checks(load, summary, checks, log, offset)
        cr_settlements = _settlements(registry, fixtures["program_id"])
        summary["settlements"] = cr_settlements
        summary["login_429"] = sum(1 for _k, s, _o, _t in load.login_stats.records if s == 429)
        summary["samples"] = {
            f"{outcome} {kind}": messages for (kind, outcome), messages in load.samples.items()
        }
        return summary, checks
    finally:
        subprocess.run([os.path.join(ROOT, "deploy", "stop.sh")], env=env, check=False)
        _close(args.db)


def _public_page(args):
    """The figures at ``--public-page`` ledger lines, in a copy of the template; then the
    page itself through the stack, its server time from Odoo's log."""
    import odoo
    from odoo.modules.registry import Registry

    if _exists(args.db):
        odoo.service.db.exp_drop(args.db)
    odoo.service.db.exp_duplicate_database(args.template, args.db)
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = _env(cr, registry)
        start = time.perf_counter()
        program = big_ledger(env, args.public_page)
        cr.commit()
        print(f"== {args.public_page} ledger lines over 365 days in {time.perf_counter() - start:.0f} s")
        cr.execute("SELECT COUNT(*) FROM subsidy_pool_day WHERE program_id = %s", [program.id])
        print(f"   {cr.fetchone()[0]} rows of daily counters")
        for name, (p50, p95) in measure_public_page(env, program).items():
            print(f"   {name:32} p50 {p50:8.3f} ms   p95 {p95:8.3f} ms")
    _close(args.db)
    stack_dir = f"/tmp/subsidy-load-{args.port}"
    env = dict(
        os.environ, SUBSIDY_DB=args.db, HTTP_PORT=str(args.port), REPLICA_PORT="0", STACK_DIR=stack_dir
    )
    subprocess.run([os.path.join(ROOT, "deploy", "start.sh")], env=env, check=True)
    try:
        log = os.path.join(stack_dir, "odoo.log")
        offset = os.path.getsize(log)
        stats = Stats()
        run = LoadRun(f"http://127.0.0.1:{args.port}", args.db, {}, None)
        run.stats = stats
        visitor = Client(run, "anonymous")
        for _i in range(20):  # warm every worker
            visitor.http.cookies.clear()
            visitor.request("warm-up", "GET", "/subsidy/pool")
        # The same crowd twice: as nginx serves it (visitors without a session, its
        # 5-second cache), then rendered by Odoo: each visit with a session cookie
        # of its own (nginx passes it to Odoo; Odoo knows no such session).
        for label, path in (("through nginx's cache", "/subsidy/pool"), ("rendered by Odoo", None)):
            offset = os.path.getsize(log)
            run.stats = Stats()
            counter = iter(range(10**9))

            def visitors(path=path, counter=counter):
                client = Client(run, "anonymous")
                for _i in range(50):
                    client.http.cookies.clear()
                    if not path:
                        client.http.cookies.set("session_id", f"visit{next(counter)}")
                    client.request("public /subsidy/pool", "GET", "/subsidy/pool")

            crowd = [threading.Thread(target=visitors) for _i in range(8)]
            start = time.monotonic()
            for thread in crowd:
                thread.start()
            for thread in crowd:
                thread.join(300)
            summary = summarize(run.stats, time.monotonic() - start, server_side(log, offset))
            row = summary["kinds"]["public /subsidy/pool"]
            server = server_side(log, offset).get("public /subsidy/pool")
            if server:
                each, sql, queries = (
                    (server["sql"] + server["other"]) / server["n"] * 1000,
                    server["sql"] / server["n"] * 1000,
                    server["queries"] / server["n"],
                )
                rendered = f"{server['n']} rendered by Odoo, {each:.1f} ms each"
                rendered += f" ({sql:.1f} ms SQL, {queries:.0f} queries)"
            else:
                rendered = "none rendered by Odoo"
            print(
                f"== the page, 8 visitors x 50, {label}: {row['rps']:.1f} pages/s,"
                f" client p50 {row['p50']:.1f} ms p95 {row['p95']:.1f} ms; {rendered};"
                f" statuses {row['statuses']}"
            )
    finally:
        subprocess.run([os.path.join(ROOT, "deploy", "stop.sh")], env=env, check=False)
    return 0


def _settlements(registry, program_id):
    with registry.cursor() as cr:
        cr.execute(
            """SELECT COUNT(*), COALESCE(SUM(amount_paid), 0) FROM subsidy_settlement
                WHERE program_id = %s AND kind = 'run'""",
            [program_id],
        )
        return cr.fetchone()


# ----------------------------------------------------------------------
# The public pool page under a crowd: counters against the sums they replace
# ----------------------------------------------------------------------

# What the page summed over the whole ledger on every request before the counters.
LEDGER_AGGREGATE = """
    SELECT COALESCE(SUM(amount) FILTER (
               WHERE kind = 'allocation' AND date >= date_trunc('day', now() at time zone 'UTC')), 0),
           COALESCE(SUM(amount) FILTER (WHERE kind IN ('contribution', 'reversal')), 0),
           COALESCE(SUM(amount) FILTER (WHERE kind IN ('allocation', 'clawback')), 0)
      FROM subsidy_pool_line WHERE program_id = %s"""


def big_ledger(env, lines, days=365, seed=18):
    """A program whose ledger holds ``lines`` lines over ``days`` days, appended
    day by day through the ledger's own ``_append`` (chained, counted)."""
    from freezegun import freeze_time

    name = f"Public page bench {lines}"
    program = env["subsidy.program"].search([("name", "=", name)])
    if program:
        return program
    company = env.ref("base.main_company")
    program = env["subsidy.program"].create(
        {
            "name": name,
            "code": "PPB",
            "sequence": 1000,
            "company_id": company.id,
            "currency_id": company.currency_id.id,
            "contribution_rate": 20.0,
            "max_margin_rate": 25.0,
            "subsidy_rate": 50.0,
            "channel_sale": False,
            "channel_website": False,
            "channel_pos": False,
        }
    )
    rng = random.Random(seed)
    per_day = max(1, lines // days)
    start = datetime.now() - timedelta(days=days - 1)
    for day in range(days):
        count = per_day if day < days - 1 else lines - per_day * (days - 1)
        rows = []
        for _i in range(count):
            if rng.random() < 0.62:
                rows.append({"kind": "contribution", "amount_units": rng.randint(100, 6000)})
            elif rng.random() < 0.05:
                rows.append({"kind": "reversal", "amount_units": -rng.randint(100, 2000)})
            else:
                rows.append({"kind": "allocation", "amount_units": -rng.randint(100, 3000)})
        with freeze_time(start + timedelta(days=day, hours=12)):
            program._lock()
            program._append_pool_lines(rows)
        if day % 30 == 29:
            env.cr.commit()
    env.cr.execute("ANALYZE subsidy_pool_line")
    return program


def measure_public_page(env, program, repeat=200):
    """p50/p95 in ms: the page's figures of ``program`` (counters), the sums over
    the ledger they replace, and the counters' own query."""

    def timed(function):
        samples = []
        for _i in range(repeat):
            env.invalidate_all()
            start = time.perf_counter()
            function()
            samples.append(time.perf_counter() - start)
        return percentile(samples, 0.5) * 1000, percentile(samples, 0.95) * 1000

    def aggregate():
        env.cr.execute(LEDGER_AGGREGATE, [program.id])
        env.cr.fetchall()

    return {
        "figures (counters)": timed(program._public_figures),
        "counters' query": timed(lambda: env["subsidy.pool.figures"]._public_totals(program)),
        "sums over the ledger (before)": timed(aggregate),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--max-requests", type=int, default=200000)
    parser.add_argument("--warmup", type=float, default=20.0, help="seconds of load before the measure")
    parser.add_argument("--users", type=int, default=8, help="shopper agents at once")
    parser.add_argument("--shoppers", type=int, default=16, help="shopper accounts they play")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--modes", default="replica,primary", help="replica, primary or both (comma separated)"
    )
    parser.add_argument("--db", default="subsidy_load")
    parser.add_argument("--template", default="subsidy_load_template")
    parser.add_argument("--port", type=int, default=8293, help="nginx's port (Odoo takes the next two)")
    parser.add_argument("--replica-port", type=int, default=5441)
    parser.add_argument("--json", help="write the summaries here too")
    parser.add_argument(
        "--public-page",
        type=int,
        metavar="LINES",
        help="instead of the load: the public page's figures at LINES ledger lines, against the former sums",
    )
    args = parser.parse_args()
    options = _odoo_setup(args)
    _build_template(args, options)
    if args.public_page:
        return _public_page(args)
    runs, failed = [], False
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        print(
            f"== run '{mode}': {args.minutes:g} min, {args.users} shopper agents, {args.workers} workers",
            flush=True,
        )
        summary, checks = _one_run(args, mode)
        where = (
            "reads of readonly routes on the replica" if mode == "replica" else "every read on the primary"
        )
        title = f"{mode} ({where})"
        print(format_run(title, summary, checks))
        print(f"settlement runs: {summary['settlements'][0]}, paid {summary['settlements'][1]:.2f}; "
              f"429s while logging in: {summary['login_429']}\n", flush=True)  # fmt: skip
        failed |= not all(ok for _name, ok, _detail in checks)
        runs.append((mode, summary))
    print(format_comparison(runs))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(dict(runs), out, indent=1, default=str)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
