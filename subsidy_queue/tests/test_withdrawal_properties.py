"""Hypothesis over the withdrawal workflow: after any sequence of fundings,
requests, approvals, rejections, cancellations, payments and failed payouts,
the shoppers' payable in the general ledger equals available + held, to the
cent, and no balance is ever negative."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import WithdrawalCommon

step = st.one_of(
    st.tuples(st.just("fund"), st.integers(0, 1), st.integers(1, 800)),
    st.tuples(st.just("request"), st.integers(0, 1), st.integers(500, 150000)),  # cents
    st.tuples(
        st.sampled_from(["approve", "approve2", "reject", "cancel", "fail"]), st.integers(0, 9), st.just(0)
    ),
    st.tuples(st.just("pay"), st.just(0), st.just(0)),
)


@tagged("post_install", "-at_install")
class TestWithdrawalProperties(WithdrawalCommon):
    def _play(self, script):
        partners = [self.alice, self.bob]
        requests = self.env["subsidy.withdrawal"]
        for kind, who, value in script:
            try:
                with self.env.cr.savepoint():
                    if kind == "fund":
                        self._fund(partners[who], float(value))
                    elif kind == "request":
                        account = self.env["subsidy.account"]._get_or_create(self.program, partners[who])
                        request = self._withdrawal(account, value / 100)
                        request.action_submit()
                        requests |= request
                    elif requests:
                        request = requests[who % len(requests)]
                        if kind == "approve":
                            request.with_user(self.manager).action_approve()
                        elif kind == "approve2":
                            request.with_user(self.manager_2).action_approve()
                        elif kind == "reject":
                            request.with_user(self.manager).action_reject("Random rejection")
                        elif kind == "cancel":
                            request.action_cancel()
                        elif kind == "fail":
                            request.sudo()._mark_failed("Bank returned it")
                        elif kind == "pay":
                            approved = requests.filtered(lambda r: r.state == "approved" and not r.batch_id)
                            if approved:
                                batch = self._batch(approved)
                                batch.action_post_payments()
                                batch.action_mark_paid()
            except (UserError, ValidationError):
                self.env.invalidate_all()
            self.assertPayableMatches()
            for account in self.env["subsidy.account"].search([("program_id", "=", self.program.id)]):
                self.assertGreaterEqual(account.balance, 0.0)
                self.assertGreaterEqual(account.held, 0.0)
                held = sum(
                    account.withdrawal_ids.filtered(lambda w: w.state in ("submitted", "approved")).mapped(
                        "amount_total"
                    )
                )
                self.assertAlmostEqual(account.held, held, places=2)

    @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(step, min_size=3, max_size=10))
    def test_payable_equals_available_plus_held(self, script):
        savepoint = self.env.cr.savepoint()
        try:
            self._play([("fund", 0, 500), ("fund", 1, 300), *script])
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()
