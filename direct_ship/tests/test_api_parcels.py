"""The app's parcels route with real parcels, signed in as the app does, against the
OpenAPI document of the API (subsidy_queue's, extended by this addon)."""

import json

from jsonschema import Draft202012Validator

from odoo.tests import HttpCase, new_test_user, tagged

from .common import DirectShipCommon


@tagged("post_install", "-at_install")
class TestParcelsApi(HttpCase, DirectShipCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_shopper = new_test_user(
            cls.env,
            login="zhou_app",
            password="zhou_app_pw",
            groups="base.group_portal",
            partner_id=cls.shopper.id,
        )
        cls.shipped = cls._sale((cls.kettle, 1))
        purchase = cls.shipped.direct_purchase_ids
        purchase.action_direct_accept()
        purchase.action_direct_add_parcel(cls.carrier_sf.id, "SF5555666677")
        purchase.action_direct_add_parcel(cls.carrier_zto.id, "ZTO123456789")
        purchase.action_direct_ship()
        purchase.direct_parcel_ids.filtered(
            lambda p: p.tracking_ref == "ZTO123456789"
        ).action_mark_delivered()
        cls.waiting = cls._sale((cls.lamp, 2))

    def test_parcels_match_the_document(self):
        response = self.url_open(
            "/api/subsidy/v1/auth/sign-in",
            data=json.dumps({"login": "zhou_app", "password": "zhou_app_pw", "device_name": "Zhou's phone"}),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 201, response.text)
        headers = {"Authorization": f"Bearer {response.json()['api_key']}"}
        doc = self.url_open("/api/subsidy/v1/openapi.json").json()
        operation = doc["paths"]["/parcels"]["get"]
        self.assertEqual(operation["security"], [{"bearer": []}])
        schema = dict(
            operation["responses"]["200"]["content"]["application/json"]["schema"],
            components=doc["components"],
        )
        validator = Draft202012Validator(schema)
        first = self.url_open("/api/subsidy/v1/parcels?limit=1", headers=headers)
        self.assertEqual(first.status_code, 200, first.text)
        self.assertFalse(list(validator.iter_errors(first.json())))
        self.assertEqual(first.json()["next"], "/api/subsidy/v1/parcels?limit=1&offset=1")
        answer = self.url_open("/api/subsidy/v1/parcels", headers=headers).json()
        self.assertFalse(list(validator.iter_errors(answer)))
        parcels = {row["order"]: row["parcels"] for row in answer["orders"]}
        self.assertEqual(
            sorted((p["status"], p["carrier"], p["tracking_number"]) for p in parcels[self.shipped.name]),
            [("delivered", "ZTO Express", "ZTO123456789"), ("shipped", "SF Express", "SF5555666677")],
        )
        self.assertEqual([p["status"] for p in parcels[self.waiting.name]], ["ordered"])
        self.assertNotIn("Supplier", json.dumps(answer))
