import html

from odoo.tests import new_test_user, tagged

from .common import SubsidyCommon


@tagged("post_install", "-at_install")
class TestShopperNotifications(SubsidyCommon):
    """A settlement tells each shopper it paid what it paid them: one message
    per account and settlement, on the account, by email or in the inbox as
    the shopper prefers, never twice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice, cls.bob, cls.carol, cls.dan = cls.shoppers[:4]
        cls.Settlement = cls.env["subsidy.settlement"]
        cls.cron = cls.env.ref("subsidy_queue.ir_cron_notify_shoppers")

    def _messages(self, partner=None):
        """The queue's messages to shoppers on their subsidy accounts."""
        domain = [("model", "=", "subsidy.account"), ("message_type", "=", "comment")]
        if partner:
            accounts = self.env["subsidy.account"].search([("partner_id", "=", partner.id)])
            domain.append(("res_id", "in", accounts.ids))
        return self.env["mail.message"].search(domain)

    def _mails(self, partner):
        return self.env["mail.mail"].search([("recipient_ids", "in", partner.ids)])

    def _money(self, amount):
        return self.cny.format(amount)

    def _text(self, message):
        """A message's body as the shopper reads it (the stored HTML writes no-break spaces as entities)."""
        return html.unescape(str(message.body))

    def test_one_message_per_account_lists_amounts_and_completed_entries(self):
        a1 = self._paid_order(self.alice, 100.0).subsidy_entry_id
        a2 = self._paid_order(self.alice, 100.0).subsidy_entry_id
        b = self._paid_order(self.bob, 300.0).subsidy_entry_id
        self._paid_order(self.carol, 200.0)
        mails_before = self.env["mail.mail"].search_count([])
        settlement = self.program._settle()
        # 140.00 in the pool: Alice's two entries are paid in full, Bob gets 40.00 of 150.00.
        self.assertEqual((a1.state, a2.state, b.received), ("done", "done", 40.0))
        self.assertFalse(self._messages(), "the run holds the program's lock: it sends nothing itself")
        self.assertEqual(settlement.notify_state, "pending")
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]))

        self.Settlement._cron_notify_shoppers()
        self.assertEqual(settlement.notify_state, "sent")
        alice = self._messages(self.alice)
        self.assertEqual(len(alice), 1, "two entries paid, one message")
        self.assertEqual(alice.partner_ids, self.alice)
        self.assertFalse(alice.subtype_id.internal, "the shopper sees it in the portal")
        self.assertEqual(alice.subject, f"The queue paid you {self._money(100.0)}; 2 entries paid in full")
        for text in (
            f"The queue paid you {self._money(100.0)} (settlement {settlement.name}).",
            f"{a1.name} ({a1.origin}): {self._money(50.0)}, now paid in full ({self._money(50.0)}).",
            f"{a2.name} ({a2.origin}): {self._money(50.0)}, now paid in full",
            f"Your balance is now {self._money(100.0)}.",
        ):
            self.assertIn(text, self._text(alice))
        bob = self._messages(self.bob)
        self.assertEqual(len(bob), 1)
        self.assertIn(
            f"{b.name} ({b.origin}): {self._money(40.0)}; {self._money(110.0)} still to come.",
            self._text(bob),
        )
        self.assertEqual(bob.subject, f"The queue paid you {self._money(40.0)}")
        self.assertNotIn("CNY", self._text(alice) + self._text(bob))
        self.assertFalse(self._messages(self.carol), "nothing paid, nothing said")
        # By email (the shoppers have no user): one queued mail each, sent by the mail queue.
        self.assertEqual(len(self._mails(self.alice)), 1)
        self.assertEqual(len(self._mails(self.bob)), 1)
        self.assertEqual(self.env["mail.mail"].search_count([]) - mails_before, 2)
        self.assertEqual(set(self._mails(self.alice).mapped("state")), {"outgoing"})

        # Running the job again, or the settlement's posting again, sends nothing more.
        self.Settlement._cron_notify_shoppers()
        settlement._post()
        self.assertEqual(len(self._messages()), 2)
        self.assertEqual(self.env["mail.mail"].search_count([]) - mails_before, 2)

    def test_batches_and_retries_never_send_twice(self):
        self.program.write({"max_margin_rate": 50.0, "contribution_rate": 50.0})  # each entry funds itself
        for shopper in (self.alice, self.bob, self.carol, self.dan):
            self._paid_order(shopper, 100.0)
        settlement = self.program._settle()
        self.assertEqual(settlement.completed_count, 4)
        # A batch whose transaction fails (a serialization failure, a crash) leaves no trace.
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            self.Settlement._cron_notify_shoppers(limit=2)
            self.assertEqual(len(self._messages()), 2)
            raise RuntimeError("the batch's transaction rolls back")
        self.assertFalse(self._messages())
        self.assertEqual((settlement.notify_state, settlement.notified_account_id), ("pending", 0))
        # Two accounts a run; the job runs until every account had its message.
        for _run in range(4):
            self.Settlement._cron_notify_shoppers(limit=2)
        self.assertEqual(settlement.notify_state, "sent")
        for shopper in (self.alice, self.bob, self.carol, self.dan):
            self.assertEqual(len(self._messages(shopper)), 1, shopper.name)
            self.assertEqual(len(self._mails(shopper)), 1, shopper.name)
        # The next settlement is news again: one more message, for its own payment.
        self._paid_order(self.alice, 100.0)
        second = self.program._settle()
        self.Settlement._cron_notify_shoppers()
        self.assertEqual(len(self._messages(self.alice)), 2)
        self.assertIn(second.name, self._text(self._messages(self.alice)[0]))
        self.assertEqual(len(self._messages(self.bob)), 1)

    def test_the_shoppers_preference_inbox_or_email(self):
        user = new_test_user(
            self.env,
            login="inbox_shopper",
            groups="base.group_user",
            name="Inbox Shopper",
            email="inbox@example.com",
            notification_type="inbox",
            company_id=self.company.id,
            company_ids=[(6, 0, self.company.ids)],
        )
        self.program.write({"max_margin_rate": 50.0, "contribution_rate": 50.0})
        self._paid_order(user.partner_id, 100.0)
        self._paid_order(self.bob, 100.0)
        self.program._settle()
        self.Settlement._cron_notify_shoppers()
        inbox = self._messages(user.partner_id)
        self.assertEqual(len(inbox), 1)
        self.assertEqual(inbox.notification_ids.mapped("notification_type"), ["inbox"])
        self.assertFalse(self._mails(user.partner_id), "no email for who reads the inbox")
        email = self._messages(self.bob)
        self.assertEqual(email.notification_ids.mapped("notification_type"), ["email"])
        self.assertEqual(len(self._mails(self.bob)), 1)

    def test_many_entries_are_summed_up(self):
        self.program.write({"max_margin_rate": 50.0, "contribution_rate": 50.0})
        entries = [self._paid_order(self.alice, 10.0).subsidy_entry_id for _i in range(12)]
        self.program._settle()
        self.Settlement._cron_notify_shoppers()
        message = self._messages(self.alice)
        self.assertEqual(len(message), 1)
        for entry in entries[:10]:
            self.assertIn(entry.name, self._text(message))
        self.assertNotIn(entries[10].name, self._text(message))
        self.assertIn(f"and 2 more entries: {self._money(10.0)}.", self._text(message))
        self.assertIn(f"The queue paid you {self._money(60.0)}", self._text(message))
