from odoo import Command
from odoo.tests import tagged

from .common import SubsidyCommon


@tagged("post_install", "-at_install")
class TestOnlinePayment(SubsidyCommon):
    """An online shop order paid by a payment provider takes its place in the queue."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        method = cls.env.ref("payment.payment_method_unknown")
        journal = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        ) or cls.env["account.journal"].create(
            {"name": "Bank", "code": "BNKO", "type": "bank", "company_id": cls.company.id}
        )
        cls.provider = cls.env["payment.provider"].create(
            {
                "name": "Test provider",
                "code": "none",
                "state": "test",
                "company_id": cls.company.id,
                "payment_method_ids": [Command.set(method.ids)],
                "available_currency_ids": [Command.set(cls.cny.ids)],
            }
        )
        method.active = True
        if not cls.env["account.payment.method"].search(
            [("code", "=", "none"), ("payment_type", "=", "inbound")]
        ):
            cls.env["account.payment.method"].sudo().create(
                {"name": "Test provider", "code": "none", "payment_type": "inbound"}
            )
        cls.provider.journal_id = journal
        cls.website = cls.env["website"].create({"name": "Queue shop", "company_id": cls.company.id})

    def _pay_online(self, order, amount=None):
        tx = self.env["payment.transaction"].create(
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.provider.payment_method_ids.id,
                "amount": order.amount_total if amount is None else amount,
                "currency_id": order.currency_id.id,
                "partner_id": order.partner_id.id,
                "reference": f"{order.name}-tx",
                "operation": "online_redirect",
                "sale_order_ids": [Command.set(order.ids)],
            }
        )
        tx._set_done()
        tx._post_process()
        return tx

    def test_paid_online_order_is_queued_once(self):
        order = self._order(self.shoppers[0], 100.0, confirm=False, website_id=self.website.id)
        tx = self._pay_online(order)
        self.assertEqual(order.state, "sale")
        entry = order.subsidy_entry_id
        self.assertEqual((entry.channel, entry.target, entry.contribution), ("website", 50.0, 20.0))
        tx._post_process()  # a provider notifying twice
        order._subsidy_on_paid()
        self.assertEqual(len(order.subsidy_entry_ids), 1)
        self.assertEqual(self._pool_balance(), 20.0)

    def test_partial_online_payment_does_not_queue(self):
        order = self._order(self.shoppers[0], 100.0, confirm=True, website_id=self.website.id)
        self._pay_online(order, amount=30.0)
        self.assertFalse(order.subsidy_entry_id)
        self.assertEqual(order.subsidy_state, "none")
