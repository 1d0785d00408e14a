"""The OpenAPI 3.1 document of the app's API: valid, complete (every route of
``/api/subsidy/v1/`` in Odoo's routing map is in it, and nothing else), and true
(every route's real answers, success and errors, match its schemas)."""

import json
import re
import threading

from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec

from odoo.tests import tagged

from .test_api_app import API, AppCase

PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


@tagged("post_install", "-at_install")
class TestOpenApi(AppCase):
    def setUp(self):
        super().setUp()
        response = self.request("GET", f"{API}/openapi.json")
        self.assertEqual(response.status_code, 200, response.text[:300])
        self.doc = response.json()
        self.covered = set()

    # -- helpers -------------------------------------------------------

    def resolve(self, node):
        """A ``{"$ref": "#/components/..."}`` of the document, followed."""
        while isinstance(node, dict) and "$ref" in node:
            target = self.doc
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        return node

    def template_of(self, path):
        """The document's path for a real ``path`` (``/entries/12`` -> ``/entries/{entry_id}``)."""
        relative = path.split("?")[0].removeprefix(API)
        for template in self.doc["paths"]:
            pattern = re.sub(r"\\\{[a-z_]+\\\}", "[0-9]+", re.escape(template))
            if re.fullmatch(pattern, relative):
                return template
        self.fail(f"{path} is not in the document")

    def assertConforms(self, response, method, path, status=None):
        """``response`` is one the document gives the operation, and its body matches the schema."""
        template = self.template_of(path)
        operation = self.doc["paths"][template][method.lower()]
        code = str(response.status_code)
        if status:
            self.assertEqual(response.status_code, status, response.text[:300])
        self.assertIn(code, operation["responses"], f"{method} {template} answers {code}: undocumented")
        self.covered.add((template, method.lower(), code))
        self.assertBody(response, self.resolve(operation["responses"][code]))
        return response

    def assertBody(self, response, spec):
        for header in spec.get("headers", {}):
            self.assertIn(header, response.headers)
        if "content" not in spec:
            self.assertEqual(response.content, b"")
            return
        self.assertEqual(response.headers["Content-Type"].split(";")[0], "application/json")
        schema = dict(spec["content"]["application/json"]["schema"], components=self.doc["components"])
        errors = sorted(
            Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).iter_errors(
                response.json()
            ),
            key=str,
        )
        self.assertFalse(errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]))

    def call(self, method, path, key=None, status=None, **kwargs):
        return self.assertConforms(self.request(method, path, key, **kwargs), method, path, status)

    # -- the document ----------------------------------------------------

    def test_document_is_valid_openapi_3_1(self):
        self.assertEqual(self.doc["openapi"], "3.1.0")
        validate_spec(self.doc)  # raises on any error
        for name, schema in self.doc["components"]["schemas"].items():
            with self.subTest(schema=name):
                Draft202012Validator.check_schema(schema)
        self.assertEqual(self.doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer")
        for template, operations in self.doc["paths"].items():
            for method, operation in operations.items():
                with self.subTest(operation=f"{method} {template}"):
                    self.assertIn("default", operation["responses"])
                    self.assertIn("400", operation["responses"])
                    if operation["security"]:
                        self.assertIn("401", operation["responses"])
                    for parameter in re.findall(r"\{([a-z_]+)\}", template):
                        names = [self.resolve(p)["name"] for p in operation.get("parameters", [])]
                        self.assertIn(parameter, names)

    def test_an_entry_out_of_the_queue_waits_for_nothing_in_the_document(self):
        """The schema says what the answers do: only a queued entry has anything still to
        receive, an entry paid in full is at 100 %."""
        self.program._lock()
        left = self.env["subsidy.entry"]._enqueue(
            self.program, self.shopper.partner_id, 23640, "sale", "S20009"
        )
        left._leave_queue("cancelled", "Ordered twice by mistake")
        key = self.key_of()
        answer = self.call("GET", f"{API}/entries/{left.id}", key, status=200).json()["entry"]
        self.assertEqual((answer["remaining"], answer["progress"]), (0.0, 0.0))
        schema = dict(self.doc["components"]["schemas"]["EntryDetail"], components=self.doc["components"])
        validator = Draft202012Validator(schema)
        self.assertFalse(list(validator.iter_errors(answer)))
        self.assertTrue(list(validator.iter_errors(dict(answer, remaining=59.1))))
        self.assertTrue(list(validator.iter_errors(dict(answer, state="done", progress=0.0))))
        self.assertFalse(list(validator.iter_errors(dict(answer, state="queued", remaining=59.1))))

    def test_every_route_is_documented_and_nothing_else(self):
        routes = set()
        thread = threading.current_thread()  # Odoo's routing map is built for the thread's database
        patch_dbname = not hasattr(thread, "dbname")
        if patch_dbname:
            thread.dbname = self.env.cr.dbname
            self.addCleanup(delattr, thread, "dbname")
        for rule in self.env["ir.http"].routing_map().iter_rules():
            if not rule.rule.startswith(API) or "<path:" in rule.rule or rule.rule.rstrip("/") == API:
                continue  # the catch-all of unknown addresses
            path = PARAM.sub(r"{\1}", rule.rule.removeprefix(API))
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((path, method.lower()))
        documented = {
            (path, method) for path, operations in self.doc["paths"].items() for method in operations
        }
        self.assertEqual(routes, documented)
        self.assertIn(("/entries/{entry_id}", "get"), routes)

    # -- the real answers --------------------------------------------------

    def test_every_answer_matches_the_document(self):
        key = self.key_of()
        zhao = self.key_of("app_zhao", "app_zhao_pw", "Zhao's phone")
        clerk_key = self.env["res.users.apikeys"].with_user(self.clerk).sudo()._generate("rpc", "clerk", None)
        self.env["website"].get_current_website().company_id = self.program.company_id
        json_headers = {"Content-Type": "application/json"}
        big = "x" * 17000
        good = {"login": "app_lin", "password": "app_lin_pw", "device_name": "Tablet"}

        # Sign-in and sign-out
        self.call("POST", f"{API}/auth/sign-in", body=good, status=201)
        self.call("POST", f"{API}/auth/sign-in", body=dict(good, login=True), status=400)
        self.call(
            "POST",
            f"{API}/auth/sign-in",
            body=dict(good, login="app_clerk", password="app_clerk_pw"),
            status=403,
        )
        self.call("POST", f"{API}/auth/sign-in", data=big, headers=json_headers, status=413)
        self.call("POST", f"{API}/auth/sign-in", data=good, status=415)
        self.env["ir.config_parameter"].sudo().set_param("base.login_cooldown_after", 1)
        self.call("POST", f"{API}/auth/sign-in", body=dict(good, password="no"), status=401)
        self.call("POST", f"{API}/auth/sign-in", body=good, status=429)
        self.registry._login_failures.clear()
        spare = self.key_of(device="Spare")
        self.call("POST", f"{API}/auth/sign-out?x=1", spare, status=400)
        self.call("POST", f"{API}/auth/sign-out", clerk_key, status=400)
        self.call("POST", f"{API}/auth/sign-out", spare, data=big, headers=json_headers, status=413)
        self.call("POST", f"{API}/auth/sign-out", spare, status=204)

        # The shopper's records
        for path in ("/account", "/entries", "/entries?state=done&limit=1", "/withdrawals", "/parcels"):
            if path == "/parcels" and "/parcels" not in self.doc["paths"]:
                continue
            self.call("GET", API + path, key, status=200)
            self.call("GET", API + path, zhao, status=200)
        self.call("GET", f"{API}/entries/{self.paid.id}", key, status=200)
        self.call("GET", f"{API}/entries/{self.queued.id}", key, status=200)
        self.call("GET", f"{API}/entries/{self.others_entry.id}", zhao, status=200)
        self.call("GET", f"{API}/entries/{self.others_entry.id}", key, status=404)
        self.call("GET", f"{API}/entries/{self.paid.id}", clerk_key, status=403)
        for path in ("/account", "/entries", "/withdrawals"):
            self.call("GET", API + path, clerk_key, status=403)
        body = {"amount": 20, "payout_method": "alipay", "wallet_account": "lin", "holder_name": "Lin Mei"}
        created = self.call("POST", f"{API}/withdrawals", key, body=body, status=201).json()["withdrawal"]
        self.call("GET", f"{API}/withdrawals?state=submitted", key, status=200)
        self.call("POST", f"{API}/withdrawals", key, body=dict(body, amount=True), status=400)
        self.call("POST", f"{API}/withdrawals", key, data=big, headers=json_headers, status=413)
        self.call("POST", f"{API}/withdrawals", key, data=body, status=415)
        cancel = f"{API}/withdrawals/{created['id']}/cancel"
        self.call("POST", cancel, zhao, status=404)
        self.call("POST", cancel, clerk_key, status=403)
        self.call("POST", f"{cancel}?now=1", key, status=400)
        self.call("POST", cancel, key, data=big, headers=json_headers, status=413)
        self.call("POST", cancel, key, status=200)
        self.call("POST", cancel, key, status=409)

        # Public
        self.call("GET", f"{API}/pool", status=200)
        self.call("GET", f"{API}/openapi.json", status=200)

        # Every operation: an unknown filter is a 400; without a valid key, a 401.
        for template, operations in self.doc["paths"].items():
            path = API + template.replace("{entry_id}", str(self.paid.id)).replace(
                "{withdrawal_id}", str(created["id"])
            )
            for method, operation in operations.items():
                with self.subTest(operation=f"{method} {template}"):
                    self.call(method.upper(), f"{path}?bogus=1", key, status=400)
                    if operation["security"]:
                        self.call(method.upper(), path, status=401)
                        self.call(method.upper(), path, "not-a-key", status=401)

        documented = {
            (template, method, code)
            for template, operations in self.doc["paths"].items()
            for method, operation in operations.items()
            for code in operation["responses"]
            if code != "default"
        }
        self.assertEqual(documented - self.covered, set(), "documented answers never checked")

    def test_errors_outside_the_routes_match_the_document(self):
        """Unknown addresses, other methods and big bodies: the document's shared answers."""
        key = self.key_of()
        responses = self.doc["components"]["responses"]
        cases = [
            ("GET", "/nowhere", None, 404, "NotFound"),
            ("GET", "/entries/abc", None, 404, "NotFound"),
            ("DELETE", "/entries", key, 405, "MethodNotAllowed"),
            ("GET", "/auth/sign-in", None, 405, "MethodNotAllowed"),
            ("PUT", "/withdrawals", key, 405, "MethodNotAllowed"),
        ]
        for method, path, auth, status, name in cases:
            with self.subTest(method=method, path=path):
                response = self.request(method, API + path, auth)
                self.assertEqual(response.status_code, status, response.text[:200])
                self.assertBody(response, responses[name])
        response = self.request(
            "POST", f"{API}/nowhere", data="x" * 17000, headers={"Content-Type": "application/json"}
        )
        self.assertEqual(response.status_code, 413)
        self.assertBody(response, responses["TooLarge"])
        self.assertEqual(json.loads(response.text)["error"]["code"], "too_large")
