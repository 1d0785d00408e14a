"""Hypothesis: random orders, refunds and runs; DESIGN.md's invariants after every step."""

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from ..engine import Slot, allocate, refund_figures, share
from .common import QueueBook

order = st.tuples(st.just("order"), st.integers(min_value=1, max_value=500_000))
refund = st.tuples(st.just("refund"), st.integers(min_value=0, max_value=60), st.floats(0.05, 1.5))
run = st.tuples(st.just("run"), st.just(0))
steps = st.lists(st.one_of(order, refund, run), min_size=1, max_size=60)


class Simulation:
    """A program in memory, driven only through the engine's functions."""

    def __init__(self, mode, window, contribution_rate=20, subsidy_rate=50):
        self.mode, self.window = mode, window
        self.rates = (contribution_rate, subsidy_rate)
        self.book = QueueBook()
        self.orders = []  # [seq, original base, refunded, contribution, cancelled]
        self.pool = self.contributed = self.allocated = self.reversed = self.clawed = 0

    def order(self, base):
        target = share(base, self.rates[1])
        contribution = share(base, self.rates[0])
        if target <= 0:
            return
        seq = self.book.add(target)
        self.orders.append([seq, base, 0, contribution, False])
        self.pool += contribution
        self.contributed += contribution

    def refund(self, index, ratio):
        if not self.orders:
            return
        row = self.orders[index % len(self.orders)]
        seq, base, refunded, contribution, cancelled = row
        if cancelled:
            return
        target, received, state = self.book.entries[seq]
        refunded += int((base - refunded) * ratio)
        outcome = refund_figures(base, refunded, received, *self.rates)
        reversal = contribution - outcome.contribution
        self.pool += outcome.clawback - reversal
        self.reversed += reversal
        self.clawed += outcome.clawback
        if state == "queued":
            self.book.leave(seq)
        entry = self.book.entries[seq]
        entry[1] -= outcome.clawback
        if outcome.cancelled:
            entry[2] = "cancelled"
            row[4] = True
        else:
            entry[0] = outcome.target
            row[2], row[3] = refunded, outcome.contribution
            if entry[1] < entry[0]:  # back in the queue at its own turn, smaller
                entry[2] = "queued"
                block = self.book._block(seq)
                block[0] += 1
                block[1] += entry[0] - entry[1]
            else:
                entry[2] = "done"

    def run(self):
        if self.pool <= 0:
            return []
        slots = [Slot(seq, remaining) for seq, remaining in self.book.queued()]
        paid = allocate(self.mode, self.pool, slots, self.window)
        for seq, amount in paid:
            self.book.pay(seq, amount)
            self.pool -= amount
            self.allocated += amount
        return paid

    def check(self, test):
        # Conservation: in - out = balance, to the unit.
        test.assertEqual(self.contributed - self.allocated - self.reversed + self.clawed, self.pool)
        received = sum(r for _t, r, _s in self.book.entries.values())
        test.assertEqual(received, self.allocated - self.clawed)
        for target, got, state in self.book.entries.values():
            test.assertGreaterEqual(got, 0)
            test.assertLessEqual(got, target)  # no over-payment
            test.assertEqual(state == "done", state != "cancelled" and got == target and state != "queued")
        # Positions from the block sums equal a scan.
        for seq, _remaining in list(self.book.queued())[:5]:
            test.assertEqual(self.book.standing(seq), self.book.standing_by_scan(seq))


@tagged("post_install", "-at_install")
class TestEngineProperties(BaseCase):
    def _play(self, mode, window, script):
        sim = Simulation(mode, window)
        for step in script:
            if step[0] == "order":
                sim.order(step[1])
            elif step[0] == "refund":
                sim.refund(step[1], step[2])
            else:
                before = dict(sim.book.entries)
                queued_before = [seq for seq, _r in sim.book.queued()]
                paid = sim.run()
                if mode == "fifo":
                    # Order: nobody is paid while an earlier entry still has a remainder.
                    for seq, _amount in paid:
                        for earlier in queued_before:
                            if earlier >= seq:
                                break
                            target, received, _state = sim.book.entries[earlier]
                            test = target == received
                            self.assertTrue(test, f"{seq} paid before {earlier} was complete")
                # Idempotence: an immediate second run pays nothing.
                if sim.pool <= 0 or not list(sim.book.queued()):
                    self.assertEqual(sim.run(), [])
                del before
            sim.check(self)
        return sim

    @settings(max_examples=150, deadline=None)
    @given(steps)
    def test_fifo_invariants(self, script):
        self._play("fifo", 1, script)

    @settings(max_examples=150, deadline=None)
    @given(steps, st.integers(min_value=1, max_value=6))
    def test_rotation_invariants(self, script, window):
        self._play("rotation", window, script)

    @settings(max_examples=100, deadline=None)
    @given(st.integers(0, 10**9), st.lists(st.integers(1, 10**6), max_size=40), st.integers(1, 8))
    def test_allocation_never_overpays_nor_invents_money(self, funds, needs, window):
        slots = [Slot(i, need) for i, need in enumerate(needs)]
        for mode in ("fifo", "rotation"):
            paid = allocate(mode, funds, slots, window)
            total = sum(amount for _k, amount in paid)
            self.assertEqual(total, min(max(funds, 0), sum(needs)))
            for key, amount in paid:
                self.assertGreater(amount, 0)
                self.assertLessEqual(amount, needs[key])
