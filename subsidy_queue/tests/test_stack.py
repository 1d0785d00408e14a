"""Production's shape in the test suite: Odoo with two workers and a cron
worker, nginx in front and a streaming replica of the local PostgreSQL
(deploy/start.sh), a few hundred requests of the load test
(bench/load_test.py: shoppers, the back office, approvals and batches, the
settlement cron), then the load test's own checks; and what nginx answers
itself: its 429s, its refusals, its errors.

The data is committed (the stack's processes must see it) and removed again
in the cleanup, which also stops every process the test started.

The stack takes the first free block of ports of SUBSIDY_STACK_HTTP_PORTS
(nginx's port of each block, comma separated; Odoo takes the next two) and
the first free port of SUBSIDY_STACK_REPLICA_PORTS (a range, ``5442-5449``).
"""

import fcntl
import http.client
import importlib.util
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from unittest.mock import patch

import psycopg2
import requests

from odoo.tests import HttpCase, get_db_name, new_test_user, tagged
from odoo.tools import config, mute_logger

from odoo.addons.subsidy_queue.models.subsidy_account import SubsidyAccount

from .common import CommittedCase, SubsidyCommon

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _ports(variable, default):
    """The ports ``variable`` lists (``8296,8293``; ``5442-5449``), else ``default``'s."""
    ports = []
    for part in os.environ.get(variable, default).split(","):
        first, _dash, last = part.strip().partition("-")
        ports.extend(range(int(first), int(last or first) + 1))
    return tuple(ports)


# nginx takes the first port of a block, Odoo the next, its websocket the third.
HTTP_PORTS = _ports("SUBSIDY_STACK_HTTP_PORTS", "8296,8293,8290")
REPLICA_PORTS = _ports("SUBSIDY_STACK_REPLICA_PORTS", "5442-5449")
MAX_REQUESTS = 300
MAX_SECONDS = 45


def load_test_module():
    """bench/load_test.py, imported from the repository (bench/ is no package)."""
    spec = importlib.util.spec_from_file_location(
        "subsidy_load_test", os.path.join(ROOT, "bench", "load_test.py")
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def claim_ports(candidates, width=1):
    """The first of ``candidates`` whose ``width`` ports are free, claimed with a lock
    file for as long as the returned file stays open (two test runs on one machine
    take two blocks): ``(port, lock file)``."""
    for port in candidates:
        lock = open(
            os.path.join(tempfile.gettempdir(), f"subsidy-stack-port-{port}.lock"), "w", encoding="utf-8"
        )
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            continue
        free = True
        for number in range(port, port + width):
            with socket.socket() as probe:
                free = free and probe.connect_ex(("127.0.0.1", number)) != 0
        if free:
            return port, lock
        lock.close()
    raise AssertionError(f"no free ports among {candidates} for the stack")


def _running(pid):
    """Whether process ``pid`` runs (a zombie waiting for its parent does not)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


@tagged("post_install", "-at_install")
class TestPublicPageCounters(SubsidyCommon):
    """The public page's figures come from counters the ledger keeps as it appends;
    they are the sums over the whole ledger that the page used to make."""

    def _summed(self):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT COALESCE(SUM(amount) FILTER (
                          WHERE kind = 'allocation'
                            AND date >= date_trunc('day', now() at time zone 'UTC')), 0),
                      COALESCE(SUM(amount) FILTER (WHERE kind IN ('contribution', 'reversal')), 0),
                      COALESCE(SUM(amount) FILTER (WHERE kind IN ('allocation', 'clawback')), 0)
                 FROM subsidy_pool_line WHERE program_id = %s""",
            [self.program.id],
        )
        today, total_in, total_out = self.env.cr.fetchone()
        return {"paid_today": -today, "contributed": total_in, "paid_total": -total_out}

    def assertCountersMatch(self):
        figures = self.program._public_figures()
        self.assertEqual(
            {key: figures[key] for key in ("paid_today", "contributed", "paid_total")}, self._summed()
        )
        self.assertEqual(self.env["subsidy.pool.figures"]._differences(self.program), [])

    def test_counters_follow_the_ledger(self):
        self.assertCountersMatch()
        entries, orders = self._worked_orders()
        self.program._settle()  # fifo: A 50.00, B 80.00
        self.assertCountersMatch()
        self._refund(orders[3])  # D before it was paid: its contribution reversed
        self._refund(orders[0])  # A after: reversal and clawback
        self.program._settle()
        self.assertCountersMatch()
        # In 130.00 less D's 40.00 and A's 20.00; out 130.00 less A's 50.00 clawed back.
        figures = self.program._public_figures()
        self.assertEqual(
            (figures["contributed"], figures["paid_total"], figures["paid_today"]), (70.0, 80.0, 130.0)
        )
        # A kind the page does not show (a wind-down's funding) is counted all the same.
        self.program._lock()
        self.program._append_pool_lines([{"kind": "funding", "amount_units": 500, "name": "operator"}])
        self.assertCountersMatch()

    def test_counters_are_rolled_back_with_the_ledger(self):
        self._worked_orders()
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            self.program._settle()
            raise RuntimeError("the settlement's transaction fails after it")
        self.assertCountersMatch()
        self.assertEqual(self.program._public_figures()["paid_total"], 0.0)


@tagged("post_install", "-at_install")
class TestReadonlyRoutes(HttpCase):
    """The routes that only read are declared readonly=True and do not write: Odoo's
    tests run them in a read-only transaction, as the replica would."""

    READONLY = (
        "/api/subsidy/v1/account",
        "/api/subsidy/v1/entries",
        "/api/subsidy/v1/entries?state=queued&limit=5",
        "/api/subsidy/v1/withdrawals",
        "/api/subsidy/v1/parcels",
        "/my/subsidy",
        "/subsidy/pool",
    )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.ref("base.main_company")
        cls.program = cls.env["subsidy.program"].create(
            {
                "name": "Replica Queue",
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "contribution_rate": 25.0,
                "max_margin_rate": 25.0,
                "subsidy_rate": 25.0,
                "sequence": -1,
            }
        )
        cls.shopper = new_test_user(
            cls.env, login="replica_shopper", password="replica_shopper", groups="base.group_portal"
        )
        partner = cls.shopper.partner_id
        Entry = cls.env["subsidy.entry"]
        cls.program._lock()
        Entry._enqueue(cls.program, partner, 40000, "website", "S00001")  # funds itself: 100.00
        cls.program._settle()
        Entry._enqueue(cls.program, partner, 80000, "sale", "S00002")  # queued, with a position
        bank = cls.env["res.partner.bank"].create(
            {"acc_number": "6222020200445566", "partner_id": partner.id}
        )
        cls.env["subsidy.withdrawal"]._request_for_shopper(
            partner, {"amount": 20.0, "bank_account_id": bank.id}
        )
        cls.key = cls.env["res.users.apikeys"].with_user(cls.shopper).sudo()._generate("rpc", "app", None)

    def test_read_routes_are_readonly_and_do_not_write(self):
        with patch.object(threading.current_thread(), "dbname", self.env.cr.dbname, create=True):
            rules = list(self.env["ir.http"].routing_map().iter_rules())
        routing = {rule.rule: rule.endpoint.routing for rule in rules}
        for path in ("/api/subsidy/v1/account", "/api/subsidy/v1/parcels", "/subsidy/pool"):
            self.assertIs(routing[path]["readonly"], True, path)
        # The pages a form lands on after a write read on the primary when they confirm it.
        for path in ("/my/subsidy", "/my/subsidy/withdrawals", "/my/subsidy/devices"):
            self.assertTrue(callable(routing[path]["readonly"]), path)
        self.assertIs(routing["/my/subsidy/withdraw"]["readonly"], False)
        self.authenticate("replica_shopper", "replica_shopper")
        self.assertTrue(self.env.registry.test_readonly_enabled)
        for path in self.READONLY:
            with self.subTest(path=path), self.assertNoLogs("odoo.http", "WARNING"):
                headers = {"Authorization": f"Bearer {self.key}"} if path.startswith("/api/") else {}
                response = self.url_open(path, headers=headers)
                self.assertEqual(response.status_code, 200, response.text[:300])
        entries = self.url_open(
            "/api/subsidy/v1/entries?state=queued", headers={"Authorization": f"Bearer {self.key}"}
        )
        self.assertEqual(entries.json()["entries"][0]["position"], 1)

    @mute_logger("odoo.sql_db")  # the refused UPDATE, logged by Odoo before its retry
    def test_a_read_route_that_writes_runs_again_on_the_primary(self):
        """Should a readonly route ever write, the API lets the read-only error through:
        Odoo runs the request again on a read/write cursor, and the answer is right."""
        portal_values = SubsidyAccount._portal_values

        def writing_portal_values(account):
            account.env.cr.execute(
                "UPDATE subsidy_account SET write_date = write_date WHERE id = %s", [account.id]
            )
            return portal_values(account)

        with (
            patch.object(SubsidyAccount, "_portal_values", writing_portal_values),
            self.assertLogs("odoo.http", "WARNING") as logs,
        ):
            response = self.url_open(
                "/api/subsidy/v1/account", headers={"Authorization": f"Bearer {self.key}"}
            )
        self.assertEqual(response.status_code, 200, response.text[:300])
        self.assertEqual(response.json()["accounts"][0]["balance"], 80.0)
        self.assertIn("retrying with a read/write cursor", "\n".join(logs.output))


@tagged("post_install", "-at_install")
class TestStack(CommittedCase):
    # Odoo's database service over XML-RPC; routes that are no pages, under a
    # language prefix (Odoo's router takes /en/jsonrpc for /jsonrpc).
    REFUSED = (
        "/xmlrpc/2/db",
        "/xmlrpc/db",
        "/en/jsonrpc",
        "/en/xmlrpc/2/common",
        "/en/api/subsidy/v1/auth/sign-in",
        "/en/web/session/authenticate",
    )
    # Paths that climb out of a folder, however spelled.
    CLIMBING = (
        "/web/static/src/../../__manifest__.py",
        "/web/static/%2e%2e/__manifest__.py",
        "/subsidy_queue/static/../controllers/api.py",
        "/web/static/.%2E/__manifest__.py",
    )

    @classmethod
    def setUpClass(cls):
        """One stack for the class: fixtures committed, then deploy/start.sh."""
        super().setUpClass()
        cls.lt = load_test_module()
        cls.db = get_db_name()
        with cls.registry.cursor() as cr:
            env = cls.lt._env(cr, cls.registry)
            # 25 % in, 25 % back: every first order funds its own subsidy, so that
            # every shopper can withdraw from the start of the (short) load.
            cls.fixtures = cls.lt.prepare(env, tag="stack", shoppers=4, seed_orders=1, rates=(25.0, 25.0))
            # The stack's cron worker runs the settlements only, not the test database's first day.
            cls.fixtures["crons"] = cls.lt.postpone_other_crons(env)
        cls.addClassCleanup(cls._remove_data)
        cls.stack_dir = tempfile.mkdtemp(prefix="subsidy-stack-test-")
        http_port, lock = claim_ports(HTTP_PORTS, width=3)
        cls.addClassCleanup(lock.close)
        cls.replica_port, lock = claim_ports(REPLICA_PORTS)
        cls.addClassCleanup(lock.close)
        cls.http_port = http_port
        cls.url = f"http://127.0.0.1:{http_port}"
        # The stack reaches the database as this test does, and shares its file store.
        rc = os.path.join(cls.stack_dir, "primary.conf")
        with open(rc, "w", encoding="utf-8") as conf:
            conf.write("[options]\n")
            for key in ("db_host", "db_port", "db_user", "db_password", "data_dir"):
                if config.get(key):
                    conf.write(f"{key} = {config[key]}\n")
        cls.stack_env = dict(
            os.environ,
            ODOO_RC=rc,
            SUBSIDY_DB=cls.db,
            HTTP_PORT=str(http_port),
            WORKERS="2",
            CRON_WORKERS="1",
            REPLICA_PORT=str(cls.replica_port),
            STACK_DIR=cls.stack_dir,
        )
        cls.addClassCleanup(cls._stop_stack)
        started = subprocess.run(
            [os.path.join(ROOT, "deploy", "start.sh")],
            env=cls.stack_env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        if started.returncode:
            raise AssertionError(f"deploy/start.sh failed:\n{started.stdout}\n{started.stderr}")
        cls.odoo_log = os.path.join(cls.stack_dir, "odoo.log")

    @classmethod
    def _stop_stack(cls):
        subprocess.run(
            [os.path.join(ROOT, "deploy", "stop.sh")],
            env=cls.stack_env,
            capture_output=True,
            timeout=120,
            check=False,
        )

    def _replica_transactions(self):
        """Transactions the replica ran in our database (its own statistics)."""
        out = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.replica_port), "-d", "postgres", "-AtXc",
             f"SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '{self.db}'"],
            capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip
        return int(out.stdout.strip() or 0)

    # ------------------------------------------------------------------

    def test_load_on_workers_replica_and_proxy_loses_nothing(self):
        lt = self.lt
        offset = os.path.getsize(self.odoo_log)
        replica_before = self._replica_transactions()
        run = lt.LoadRun(
            self.url, self.db, self.fixtures, self.registry, users=3, cashiers=1, settle_every=3.0
        )
        window = run.run(MAX_SECONDS, MAX_REQUESTS)
        checks = lt.check_books(self.registry, self.fixtures["program_id"])
        server = lt.server_side(self.odoo_log, offset)
        summary = lt.summarize(run.stats, window, server)
        checks = lt.run_checks(run, summary, checks, self.odoo_log, offset)
        report = lt.format_run("stack test", summary, checks, run.samples)
        self.assertTrue(all(ok for _name, ok, _detail in checks), report)
        self.assertGreaterEqual(len(run.stats), 200, report)
        # Every kind of work happened: shop, back office, refunds, reads, withdrawals, batches.
        for kind in (
            "shop cart add",
            "rpc account.payment.register.action_create_payments",
            "api GET entries",
            "api POST withdrawal",
            "public /subsidy/pool",
            # Not "rpc subsidy.withdrawal.action_approve": on a loaded machine the short run
            # may end before a shopper's withdrawal reaches the approver (the shoppers'
            # balances come from the run's own settlements). Approvals and batches under
            # concurrency are test_withdrawal_concurrency's; the full load test runs them.
        ):
            self.assertIn(kind, summary["kinds"], report)
        # Settlements ran in the cron worker, and the reads of readonly routes on the replica.
        self.assertGreater(
            summary["cron"].get("Queue Subsidy: settle the queues", {}).get("runs", 0), 0, report
        )
        self.assertEqual(
            summary["kinds"]["api GET entries"]["modes"], {"ro": summary["kinds"]["api GET entries"]["count"]}
        )
        self.assertGreater(self._replica_transactions() - replica_before, 50, "the replica served no reads")

    @staticmethod
    def _past_429(send, url, **kwargs):
        """``send(url, **kwargs)``, again while nginx's login zone still counts the tries
        of other tests (429), up to a minute."""
        for _try in range(30):
            answer = send(url, timeout=60, **kwargs)
            if answer.status_code != 429:
                return answer
            time.sleep(2)
        return answer

    def _replica_replay(self, action):
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.replica_port), "-d", "postgres", "-AtXc",
             f"SELECT pg_wal_replay_{action}()"],
            capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip

    def test_a_lagging_replica_shows_nothing_the_primary_changed_away(self):
        """With the replica stopped in the past: a key just given works, a key just signed
        out is refused, and the page a withdrawal form lands on confirms it, with the hold."""
        # The shopper with the most to withdraw, once the pool has paid the queue (the
        # cron worker settles every few seconds; this test may come first).
        for _try in range(10):  # the cron worker's own run may hold the program a moment
            try:
                with self.registry.cursor() as cr:
                    env = self.lt._env(cr, self.registry)
                    env["subsidy.program"].browse(self.fixtures["program_id"])._settle()
                break
            except psycopg2.OperationalError:
                time.sleep(1)
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT partner_id, balance FROM subsidy_account WHERE program_id = %s",
                [self.fixtures["program_id"]],
            )
            balances = dict(cr.fetchall())
        shopper = max(self.fixtures["shoppers"], key=lambda s: balances.get(s["partner_id"], 0))
        self.assertGreaterEqual(balances.get(shopper["partner_id"], 0), 11.05, "10.00 and its fee")
        login, password = shopper["login"], shopper["login"] + self.lt.PASSWORD_SUFFIX
        self._replica_replay("pause")
        self.addCleanup(self._replica_replay, "resume")
        http = requests.Session()
        signed_in = self._past_429(
            http.post,
            f"{self.url}/api/subsidy/v1/auth/sign-in",
            json={"login": login, "password": password, "device_name": "lagging replica"},
        )
        self.assertEqual(signed_in.status_code, 201, signed_in.text[:300])
        api = {"Authorization": f"Bearer {signed_in.json()['api_key']}"}
        account = http.get(f"{self.url}/api/subsidy/v1/account", headers=api, timeout=60)
        self.assertEqual(account.status_code, 200, account.text[:300])
        signed_out = http.post(f"{self.url}/api/subsidy/v1/auth/sign-out", headers=api, timeout=60)
        self.assertEqual(signed_out.status_code, 204)
        account = http.get(f"{self.url}/api/subsidy/v1/account", headers=api, timeout=60)
        self.assertEqual(account.status_code, 401, account.text[:300])
        # The portal: a withdrawal submitted, and the page it lands on says so.
        params = {"db": self.db, "login": login, "password": password}
        answer = self._past_429(http.post, f"{self.url}/web/session/authenticate", json={"params": params})
        self.assertTrue(answer.json()["result"]["uid"])
        page = http.get(f"{self.url}/my/subsidy", timeout=60)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        form = {
            "csrf_token": token,
            "amount": "10",
            "payout_method": "bank",
            "bank_account_id": str(shopper["bank_id"]),
        }
        for _try in range(10):  # 503: a settlement of the cron worker holds the account a moment
            landed = http.post(f"{self.url}/my/subsidy/withdraw", data=form, timeout=60)
            if landed.status_code != 503:
                break
            time.sleep(1)
        alert = re.search(r'class="alert[^"]*"[^>]*>(.*?)</div>', landed.text, re.S)
        self.assertEqual(landed.status_code, 200, alert and " ".join(alert.group(1).split()))
        self.assertIn("?submitted=", landed.url)
        self.assertIn("was submitted", landed.text)
        # Its cancel page finds it: read on the primary too.
        withdrawal_id = landed.url.rsplit("=", 1)[1]
        cancel = http.get(f"{self.url}/my/subsidy/withdrawal/{withdrawal_id}/cancel", timeout=60)
        self.assertEqual(cancel.status_code, 200)

    def test_every_process_started(self):
        """The workers, the cron worker and the websocket (gevent) process: none died
        at start (its traceback would be in Odoo's own output)."""
        with open(os.path.join(self.stack_dir, "odoo.out"), encoding="utf-8") as out:
            self.assertNotIn("Traceback", out.read())

    def test_nginx_answers_429(self):
        """Past its burst, an API key gets the API's JSON 429; an address trying to log in, a 429."""
        key = self.fixtures["shoppers"][0]["key"]
        answers = []

        def call():
            response = requests.get(
                f"{self.url}/api/subsidy/v1/account", headers={"Authorization": f"Bearer {key}"}, timeout=60
            )
            answers.append(response)

        threads = [threading.Thread(target=call) for _i in range(45)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(90)
        statuses = sorted(response.status_code for response in answers)
        self.assertEqual(set(statuses), {200, 429}, statuses)
        limited = next(response for response in answers if response.status_code == 429)
        self.assertEqual(limited.json()["error"]["code"], "too_many_requests")
        self.assertEqual(limited.headers["Retry-After"], "1")
        # Another key is not limited by this one's burst.
        other = self.fixtures["shoppers"][1]["key"]
        response = requests.get(
            f"{self.url}/api/subsidy/v1/account", headers={"Authorization": f"Bearer {other}"}, timeout=60
        )
        self.assertEqual(response.status_code, 200)
        # The login, per address: a burst, then 429.
        logins = [requests.get(f"{self.url}/web/login", timeout=60).status_code for _i in range(25)]
        self.assertIn(429, logins)
        self.assertEqual(logins[0], 200)
        # The same zone, whatever spelling of the logins Odoo's router takes: a trailing
        # slash, a language prefix (the zone is spent: at most one try gets through).
        sign_in = {"login": "nobody", "password": "wrong", "device_name": "guesser"}
        authenticate = {"params": {"db": self.db, "login": "nobody", "password": "wrong"}}
        for path, body in (
            ("/api/subsidy/v1/auth/sign-in/", sign_in),
            ("/web/session/authenticate/", authenticate),
            ("/web/login/", None),
            ("/en/web/login", None),
        ):
            with self.subTest(path=path):
                answers = [requests.post(f"{self.url}{path}", json=body, timeout=60) for _i in range(3)]
                self.assertIn(429, [answer.status_code for answer in answers])
        refused = requests.post(f"{self.url}/api/subsidy/v1/auth/sign-in/", json=sign_in, timeout=60)
        self.assertEqual(refused.status_code, 429)
        self.assertEqual(refused.json()["error"]["code"], "too_many_attempts")

    def test_nginx_caches_the_public_page_for_visitors_without_a_session(self):
        first = requests.get(f"{self.url}/subsidy/pool", timeout=60)
        again = requests.get(f"{self.url}/subsidy/pool", timeout=60)
        self.assertEqual((first.status_code, again.status_code), (200, 200))
        self.assertIn(first.headers["X-Cache-Status"], ("MISS", "HIT", "EXPIRED", "UPDATING"))
        self.assertEqual(again.headers["X-Cache-Status"], "HIT")
        self.assertIn("Load test (stack)", again.text)
        # A query string or a trailing slash is the same page: no way around the cache.
        for path in (f"/subsidy/pool?visit={secrets.token_hex(4)}", "/subsidy/pool/"):
            with self.subTest(path=path):
                self.assertEqual(
                    requests.get(f"{self.url}{path}", timeout=60).headers["X-Cache-Status"], "HIT"
                )
        # Odoo's session cookie of the cached answer is given to nobody.
        self.assertNotIn("Set-Cookie", again.headers)
        self.assertNotIn("Set-Cookie", first.headers)
        # A visitor with a session (a shopper, logged in) reaches Odoo every time.
        shopper = requests.Session()
        login = self.fixtures["shoppers"][0]["login"]
        params = {"db": self.db, "login": login, "password": login + self.lt.PASSWORD_SUFFIX}
        answer = self._past_429(shopper.post, f"{self.url}/web/session/authenticate", json={"params": params})
        self.assertTrue(answer.json()["result"]["uid"])
        page = shopper.get(f"{self.url}/subsidy/pool", timeout=60)
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("X-Cache-Status", page.headers)

    def test_nginx_answers_json_under_the_api(self):
        """nginx's own errors under /api/subsidy/ are the API's JSON: a body above the
        API's 16 KiB (refused before it is sent), a malformed request, a path that
        climbs, and Odoo down."""
        status, content_type, body = self._raw(
            "POST",
            "/api/subsidy/v1/withdrawals",
            [("Content-Type", "application/json"), ("Content-Length", "1048576")],
        )
        self.assertEqual(
            (status, content_type, json.loads(body)["error"]["code"]), (413, "application/json", "too_large")
        )
        status, content_type, body = self._raw(
            "GET", "/api/subsidy/v1/account", [("Authorization", "Bearer a"), ("Authorization", "Bearer b")]
        )
        self.assertEqual(
            (status, content_type, json.loads(body)["error"]["code"]), (400, "application/json", "invalid")
        )
        status, content_type, body = self._raw("GET", "/api/subsidy/v1/../v1/account")
        self.assertEqual(
            (status, content_type, json.loads(body)["error"]["code"]), (404, "application/json", "not_found")
        )

        def odoo_is_down():
            response = requests.get(f"{self.url}/api/subsidy/v1/openapi.json", timeout=60)
            self.assertEqual(response.status_code, 502)
            self.assertEqual(response.json()["error"]["code"], "unavailable")
            self.assertEqual(response.headers["Retry-After"], "5")

        self._with_odoo_stopped(odoo_is_down)

    def test_nginx_limits_odoo_rpc_per_address(self):
        """Odoo's RPC checks a password on every call and its login cooldown does not
        watch it: nginx limits every RPC path per address."""
        guess = {"service": "common", "method": "login", "args": [self.db, "admin", "wrong"]}
        payload = {"jsonrpc": "2.0", "method": "call", "params": guess}
        answers = self._in_parallel(
            lambda _i: requests.post(f"{self.url}/jsonrpc", json=payload, timeout=60), 40
        )
        limited = [answer for answer in answers if answer.status_code == 429]
        self.assertTrue(limited)
        # In the client's own protocol, with Retry-After.
        self.assertEqual(limited[0].json()["error"]["code"], 429)
        self.assertEqual(limited[0].headers["Retry-After"], "1")
        # The other paths, with a call that asks nothing of Odoo but its version.
        version = '<?xml version="1.0"?><methodCall><methodName>version</methodName></methodCall>'
        for path in ("/xmlrpc/2/common", "/xmlrpc/common", "/xmlrpc/2/object", "/xmlrpc/object", "/jsonrpc/"):
            with self.subTest(path=path):
                answers = self._in_parallel(
                    lambda _i, path=path: requests.post(f"{self.url}{path}", data=version, timeout=60), 30
                )
                limited = [answer for answer in answers if answer.status_code == 429]
                self.assertTrue(limited)
                if path.startswith("/xmlrpc"):
                    self.assertIn("<fault>", limited[0].text)

    def test_nginx_limits_the_api_per_address(self):
        """Requests without a key, with bogus keys, and the public pool: counted per address."""
        for path, bogus_keys in (
            ("/api/subsidy/v1/account", False),
            ("/api/subsidy/v1/account", True),  # a new bogus key each time
            ("/api/subsidy/v1/pool", False),
        ):
            with self.subTest(path=path, bogus_keys=bogus_keys):

                def call(_i, path=path, bogus_keys=bogus_keys):
                    headers = {"Authorization": f"Bearer {secrets.token_hex(20)}"} if bogus_keys else {}
                    return requests.get(f"{self.url}{path}", headers=headers, timeout=60)

                answers = self._in_parallel(call, 200)
                limited = [answer for answer in answers if answer.status_code == 429]
                self.assertTrue(limited, sorted({answer.status_code for answer in answers}))
                self.assertEqual(limited[0].json()["error"]["code"], "too_many_requests")
                self.assertEqual(limited[0].headers["Retry-After"], "1")

    def test_nginx_refuses_other_hosts_the_database_service_and_climbing_paths(self):
        # Another name: the connection is closed unanswered. A served name with a
        # made-up port: Odoo builds its links from the name and nginx's own port.
        self.assertIsNone(self._raw("GET", "/web/login", host="evil.example"))
        status, _type, body = self._raw("GET", "/subsidy", host="localhost:@evil.example")
        self.assertEqual(status, 200)
        page_url = re.search(r'<meta property="og:url" content="([^"]*)"', body.decode())
        self.assertEqual(page_url and page_url[1], f"http://localhost:{self.http_port}/subsidy")
        self.assertNotIn(b"evil.example", body)
        # Odoo's database service over XML-RPC; the API and Odoo's RPC under a language.
        for path in self.REFUSED:
            with self.subTest(path=path):
                self.assertEqual(requests.post(f"{self.url}{path}", json={}, timeout=60).status_code, 404)
        # A path that climbs out of a folder: nginx's 404, not Odoo's 500.
        for path in self.CLIMBING:
            with self.subTest(path=path):
                self.assertEqual(self._raw("GET", path)[0], 404)

    # ------------------------------------------------------------------

    def _raw(self, method, path, headers=(), host=None):
        """``method path`` sent as written (no normalised path; the headers as given, in
        order, after Host): ``(status, content type, body)``, or ``None`` when nginx
        closed the connection without an answer."""
        connection = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=60)
        try:
            connection.putrequest(method, path, skip_host=host is not None, skip_accept_encoding=True)
            if host is not None:
                connection.putheader("Host", host)
            for name, value in headers:
                connection.putheader(name, value)
            connection.endheaders()
            try:
                response = connection.getresponse()
            except http.client.RemoteDisconnected:
                return None
            return response.status, response.getheader("Content-Type"), response.read()
        finally:
            connection.close()

    @staticmethod
    def _in_parallel(call, count):
        """``call(0)`` ... ``call(count - 1)`` from 16 threads, as a crowd would."""
        with ThreadPoolExecutor(16) as pool:
            return list(pool.map(call, range(count)))

    def _with_odoo_stopped(self, check):
        """Stop Odoo as deploy/stop.sh does (its master, by its pid file), run ``check``,
        then start it again with the command deploy/start.sh ran, detached as it was."""
        with open(os.path.join(self.stack_dir, "odoo.pid"), encoding="utf-8") as pidfile:
            pid = int(pidfile.read())
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            command = [arg.decode() for arg in cmdline.read().split(b"\0") if arg]
        os.kill(pid, signal.SIGTERM)
        for _i in range(120):
            if not _running(pid):
                break
            time.sleep(0.5)
        else:
            os.kill(pid, signal.SIGKILL)
        try:
            check()
        finally:
            subprocess.run(
                ["bash", "-c", 'setsid "$@" >>"$ODOO_OUT" 2>&1 </dev/null &', "odoo", *command],
                env=dict(self.stack_env, ODOO_OUT=os.path.join(self.stack_dir, "odoo.out")),
                check=True,
            )
            for _i in range(240):
                if self._health() == 200:
                    break
                time.sleep(0.5)
            else:
                raise AssertionError("Odoo did not start again")

    def _health(self):
        """The status of Odoo's health check through nginx; ``None`` without an answer."""
        try:
            return requests.get(f"{self.url}/web/health", timeout=10).status_code
        except requests.ConnectionError:
            return None

    # ------------------------------------------------------------------

    @classmethod
    def _remove_data(cls):
        """Remove what the tests and the stack wrote; archive the users (their rows are
        referenced from everywhere); put the company's setting back."""
        fixtures = cls.fixtures
        with cls.registry.cursor() as cr:
            env = cls.lt._env(cr, cls.registry)
            users = env["res.users"].browse([u["id"] for u in fixtures["managers"] + fixtures["shoppers"]])
            params = {
                "program": fixtures["program_id"],
                "partners": tuple(users.partner_id.ids),
                "products": tuple(fixtures["product_ids"]),
                "users": tuple(users.ids),
                "auto_settle": fixtures["auto_settle_was"],
                "company": fixtures["company_id"],
            }
            statements = [
                # What the program's books touched: its postings, earmarks, the shoppers'
                # invoices, credit notes and payments, and what reversed any of them.
                """CREATE TEMP TABLE stack_moves ON COMMIT DROP AS
                   SELECT move_id AS id FROM account_move_line WHERE subsidy_program_id = %(program)s
                    UNION SELECT id FROM account_move WHERE partner_id IN %(partners)s
                    UNION SELECT move_id FROM account_payment WHERE partner_id IN %(partners)s
                    UNION SELECT approval_move_id FROM subsidy_withdrawal WHERE program_id = %(program)s""",
                """INSERT INTO stack_moves
                   SELECT id FROM account_move WHERE reversed_entry_id IN (SELECT id FROM stack_moves)""",
                """CREATE TEMP TABLE stack_lines ON COMMIT DROP AS
                   SELECT id, full_reconcile_id FROM account_move_line
                    WHERE move_id IN (SELECT id FROM stack_moves)""",
                """CREATE TEMP TABLE stack_batches ON COMMIT DROP AS
                   SELECT DISTINCT batch_id AS id FROM subsidy_withdrawal WHERE program_id = %(program)s""",
                # Every record removed below, for its chatter, followers and activities
                # (a manager's to-do about a withdrawal that no longer exists would
                # greet them with an error in the web client).
                """CREATE TEMP TABLE stack_records ON COMMIT DROP AS
                   SELECT 'account.move'::varchar AS model, id FROM stack_moves
                    UNION SELECT 'account.payment', id FROM account_payment
                           WHERE move_id IN (SELECT id FROM stack_moves) OR partner_id IN %(partners)s
                    UNION SELECT 'sale.order', id FROM sale_order WHERE partner_id IN %(partners)s
                    UNION SELECT 'subsidy.payout.batch', id FROM stack_batches
                    UNION SELECT 'subsidy.program', %(program)s""",
                """INSERT INTO stack_records
                   SELECT 'subsidy.withdrawal', id FROM subsidy_withdrawal WHERE program_id = %(program)s
                    UNION SELECT 'subsidy.entry', id FROM subsidy_entry WHERE program_id = %(program)s
                    UNION SELECT 'subsidy.account', id FROM subsidy_account WHERE program_id = %(program)s
                    UNION SELECT 'subsidy.settlement', id FROM subsidy_settlement
                           WHERE program_id = %(program)s""",
                """DELETE FROM mail_activity
                    WHERE (res_model, res_id) IN (SELECT model, id FROM stack_records)""",
                """DELETE FROM mail_followers
                    WHERE (res_model, res_id) IN (SELECT model, id FROM stack_records)""",
                "DELETE FROM mail_message WHERE (model, res_id) IN (SELECT model, id FROM stack_records)",
                """DELETE FROM account_partial_reconcile WHERE debit_move_id IN (SELECT id FROM stack_lines)
                       OR credit_move_id IN (SELECT id FROM stack_lines)""",
                "DELETE FROM account_full_reconcile WHERE id IN (SELECT full_reconcile_id FROM stack_lines)",
                "DELETE FROM subsidy_pool_line WHERE program_id = %(program)s",
                """DELETE FROM subsidy_account_line
                    WHERE account_id IN (SELECT id FROM subsidy_account WHERE program_id = %(program)s)""",
                """DELETE FROM ir_attachment
                    WHERE res_model = 'subsidy.payout.batch' AND res_id IN (SELECT id FROM stack_batches)""",
                "DELETE FROM subsidy_withdrawal WHERE program_id = %(program)s",
                "DELETE FROM subsidy_payout_batch WHERE id IN (SELECT id FROM stack_batches)",
                "DELETE FROM subsidy_settlement WHERE program_id = %(program)s",
                "DELETE FROM subsidy_entry WHERE program_id = %(program)s",
                "DELETE FROM subsidy_account WHERE program_id = %(program)s",
                """DELETE FROM account_payment
                    WHERE move_id IN (SELECT id FROM stack_moves) OR partner_id IN %(partners)s""",
                "DELETE FROM account_move WHERE id IN (SELECT id FROM stack_moves)",
                "DELETE FROM sale_order WHERE partner_id IN %(partners)s",
                "DELETE FROM subsidy_program WHERE id = %(program)s",
                "UPDATE product_product SET active = false WHERE id IN %(products)s",
                """UPDATE product_template SET active = false
                    WHERE id IN (SELECT product_tmpl_id FROM product_product WHERE id IN %(products)s)""",
                "DELETE FROM res_users_apikeys WHERE user_id IN %(users)s",
                "UPDATE res_users SET active = false WHERE id IN %(users)s",
                "UPDATE res_partner SET active = false WHERE id IN %(partners)s",
                "UPDATE res_company SET subsidy_auto_settle = %(auto_settle)s WHERE id = %(company)s",
            ]
            for statement in statements:
                cr.execute(statement, params)
            for cron_id, nextcall in fixtures["crons"].items():
                cr.execute("UPDATE ir_cron SET nextcall = %s WHERE id = %s", [nextcall, cron_id])
