"""The engine alone: plain Python, no database, milliseconds."""

from odoo.tests import BaseCase, tagged

from ..engine import (
    BLOCK_SIZE,
    GENESIS,
    Slot,
    allocate,
    estimate_wait,
    first_broken_link,
    line_hash,
    project_completion,
    refund_figures,
    share,
    to_units,
)
from ..engine.allocation import allocate_fifo, allocate_rotation
from ..engine.ledger import chain_hash
from .common import QueueBook

A, B, C, D = "A", "B", "C", "D"
# DESIGN.md: targets 50 % of A 100.00, B 300.00, C 50.00, D 200.00, in cents.
WORKED = [Slot(A, 5000), Slot(B, 15000), Slot(C, 2500), Slot(D, 10000)]
POOL = 2000 + 6000 + 1000 + 4000


@tagged("post_install", "-at_install")
class TestMoney(BaseCase):
    def test_units_round_half_up(self):
        self.assertEqual(to_units(100.0, 0.01), 10000)
        self.assertEqual(to_units(0.125, 0.01), 13)
        self.assertEqual(to_units(2.675, 0.01), 268)
        self.assertEqual(to_units(-0.125, 0.01), -13)
        self.assertEqual(to_units(1.5, 1.0), 2)

    def test_share(self):
        self.assertEqual(share(10000, 20), 2000)
        self.assertEqual(share(333, 50), 167)
        self.assertEqual(share(12345, 12.5), 1543)
        self.assertEqual(share(-333, 50), -167)


@tagged("post_install", "-at_install")
class TestAllocation(BaseCase):
    def test_fifo_worked_example(self):
        paid = allocate_fifo(POOL, WORKED)
        self.assertEqual(paid, [(A, 5000), (B, 8000)])

    def test_rotation_worked_example(self):
        paid = dict(allocate_rotation(POOL, WORKED, 3))
        self.assertEqual(paid, {A: 5000, B: 5500, C: 2500})

    def test_rotation_window_moves_on_when_complete(self):
        # Enough for the whole first window and 30.00 more.
        funds = 5000 + 15000 + 2500 + 3000
        paid = dict(allocate_rotation(funds, WORKED, 3))
        self.assertEqual(paid, {A: 5000, B: 15000, C: 2500, D: 3000})

    def test_rotation_odd_cents_go_to_the_earliest(self):
        slots = [Slot(1, 1000), Slot(2, 1000), Slot(3, 1000)]
        self.assertEqual(allocate_rotation(200, slots, 3), [(1, 67), (2, 67), (3, 66)])

    def test_nothing_to_pay(self):
        self.assertEqual(allocate("fifo", 0, WORKED), [])
        self.assertEqual(allocate("rotation", -100, WORKED, 2), [])
        self.assertEqual(allocate("fifo", 100, []), [])

    def test_funds_beyond_the_queue_stay(self):
        paid = allocate("fifo", 10**6, WORKED)
        self.assertEqual(sum(a for _k, a in paid), 32500)

    def test_bad_arguments(self):
        with self.assertRaises(ValueError):
            allocate("lottery", 100, WORKED)
        with self.assertRaises(ValueError):
            allocate_rotation(100, WORKED, 0)


@tagged("post_install", "-at_install")
class TestPositions(BaseCase):
    def test_worked_example_after_fifo_run(self):
        book = QueueBook()
        seqs = {key: book.add(slot.remaining) for key, slot in zip("ABCD", WORKED)}
        for key, amount in allocate_fifo(POOL, [Slot(k, s.remaining) for k, s in zip("ABCD", WORKED)]):
            book.pay(seqs[key], amount)
        self.assertEqual(book.standing(seqs[B]), (1, 0, 7000))
        self.assertEqual(book.standing(seqs[C]), (2, 7000, 9500))
        self.assertEqual(book.standing(seqs[D]), (3, 9500, 19500))

    def test_blocks_match_a_scan_across_blocks(self):
        book = QueueBook()
        seqs = [book.add(100 + i % 7) for i in range(3 * BLOCK_SIZE + 5)]
        for seq in seqs[:1500]:
            book.pay(seq, book.entries[seq][0])
        for seq in seqs[2000:2100]:
            book.leave(seq)
        book.pay(seqs[1500], 3)
        for seq in (seqs[1500], seqs[2050], seqs[2500], seqs[-1]):
            if book.entries[seq][2] == "queued":
                self.assertEqual(book.standing(seq), book.standing_by_scan(seq))

    def test_book_refuses_overpayment(self):
        book = QueueBook()
        seq = book.add(100)
        with self.assertRaises(ValueError):
            book.pay(seq, 101)
        book.leave(seq)
        with self.assertRaises(ValueError):
            book.leave(seq)


@tagged("post_install", "-at_install")
class TestEstimates(BaseCase):
    def test_range_from_two_rates(self):
        estimate = estimate_wait(19500, 0, 7 * 1000, 30 * 500)
        self.assertEqual(estimate, (19500, 20, 39))

    def test_pool_balance_counts(self):
        self.assertEqual(estimate_wait(1000, 1500, 0, 0).days_min, 0)

    def test_no_sales_no_estimate(self):
        estimate = estimate_wait(1000, 0, 0, 0)
        self.assertIsNone(estimate.days_min)
        self.assertIsNone(estimate.days_max)

    def test_what_if_sales_drop(self):
        self.assertEqual(project_completion(10000, 1000), 10)
        self.assertEqual(project_completion(10000, 1000, -30), 15)
        self.assertIsNone(project_completion(10000, 1000, -100))


@tagged("post_install", "-at_install")
class TestRefundFigures(BaseCase):
    def test_full_refund_before_payment(self):
        self.assertEqual(refund_figures(20000, 20000, 0, 20, 50), (0, 0, 0, 0, True))

    def test_full_refund_after_payment(self):
        figures = refund_figures(10000, 10000, 5000, 20, 50)
        self.assertEqual((figures.contribution, figures.clawback, figures.cancelled), (0, 5000, True))

    def test_partial_refund_shrinks(self):
        self.assertEqual(refund_figures(30000, 20000, 8000, 20, 50), (10000, 5000, 2000, 3000, False))

    def test_refund_larger_than_order_is_a_full_refund(self):
        self.assertTrue(refund_figures(10000, 99999, 0, 20, 50).cancelled)
        with self.assertRaises(ValueError):
            refund_figures(10000, -1, 0, 20, 50)

    def test_entry_keeps_its_own_cap(self):
        # Created with a cap of 40.00: a partial refund never lifts it, whatever the program says now.
        self.assertEqual(refund_figures(30000, 10000, 0, 20, 50, cap=4000).target, 4000)
        self.assertEqual(refund_figures(30000, 10000, 0, 20, 50).target, 10000)

    def test_cancelled_credit_note_restores_the_figures(self):
        # 100.00 paid; a 10.00 credit note, then it is cancelled: back to where it was.
        self.assertEqual(refund_figures(10000, 1000, 0, 20, 50), (9000, 4500, 1800, 0, False))
        self.assertEqual(refund_figures(10000, 0, 0, 20, 50), (10000, 5000, 2000, 0, False))


@tagged("post_install", "-at_install")
class TestLedgerChain(BaseCase):
    def test_chain_names_first_altered_line(self):
        lines, prev = [], GENESIS
        for key, amount in enumerate([2000, 6000, -5000, 1000]):
            content = (1, "x", amount, "", "label")
            digest = line_hash(prev, content)
            lines.append([key, content, prev, digest])
            prev = digest
        self.assertIsNone(first_broken_link(lines))
        lines[2][1] = (1, "x", -4000, "", "label")
        self.assertEqual(first_broken_link(lines), 2)
        del lines[2]
        self.assertEqual(first_broken_link(lines), 3)

    def test_chain_covers_label_and_credit_note(self):
        lines, prev = [], GENESIS
        for key in range(3):
            content = (1, "reversal", -100, 7, "Credit note RINV/1")
            digest = line_hash(prev, content)
            lines.append([key, content, prev, digest])
            prev = digest
        self.assertIsNone(first_broken_link(lines, tail_hash=prev))
        lines[1][1] = (1, "reversal", -100, 8, "Credit note RINV/1")
        self.assertEqual(first_broken_link(lines), 1)
        lines[1][1] = (1, "reversal", -100, 7, "edited")
        self.assertEqual(first_broken_link(lines), 1)

    def test_legacy_lines_still_verify_and_cannot_be_downgraded(self):
        # A line written before labels were covered: bare hash of the content without them.
        legacy_content = (1, "contribution", 2000, "", "old label")
        legacy = chain_hash(GENESIS, legacy_content[:-2])
        new_content = (1, "allocation", -500, "", "")
        new = line_hash(legacy, new_content)
        lines = [[1, legacy_content, GENESIS, legacy], [2, new_content, legacy, new]]
        self.assertIsNone(first_broken_link(lines, tail_hash=new))
        # Stripping the version mark of the newest line breaks it against the tail.
        lines[1][3] = new[2:]
        self.assertEqual(first_broken_link(lines, tail_hash=new), 2)

    def test_chain_shorter_than_its_tail_is_broken(self):
        lines, prev = [], GENESIS
        for key in range(3):
            content = (1, "x", key, "", "")
            digest = line_hash(prev, content)
            lines.append([key, content, prev, digest])
            prev = digest
        self.assertEqual(first_broken_link(lines[:2], tail_hash=prev), 1)
        self.assertEqual(first_broken_link([], tail_hash=prev), "tail")
        self.assertIsNone(first_broken_link([], tail_hash=GENESIS))
