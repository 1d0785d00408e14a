"""What-if projections: the engine against hand-worked cases and a brute-force
reference, then the program's projection and its dialog."""

import random
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import BaseCase, tagged

from ..engine import LIMIT_WEEKS, QueueProjection, Slot, allocate, weekly_inflow, weeks_to_cover
from .common import SubsidyCommon

# DESIGN.md's worked example after its fifo run: B 70.00, C 25.00 and D 100.00 still to go.
QUEUE = [7000, 2500, 10000]


@tagged("post_install", "-at_install")
class TestProjectionEngine(BaseCase):
    def test_weekly_inflow_rounds_each_step_half_up(self):
        self.assertEqual(weekly_inflow(6000, 30), 1400)  # 60.00 a month is 14.00 a week
        self.assertEqual(weekly_inflow(6000, 30, -30), 980)
        self.assertEqual(weekly_inflow(6000, 30, 50), 2100)
        self.assertEqual(weekly_inflow(1000, 7, -50), 500)
        # 10.01 × 7 / 30 = 2.3357 -> 2.34; -50 % -> 1.17
        self.assertEqual(weekly_inflow(1001, 30, -50), 117)
        # 15 units × 7 / 30 = 3.5 -> 4 (half up); 100.00 × 7 / 90 = 7.7778 -> 7.78, +33 % = 10.3474 -> 10.35
        self.assertEqual(weekly_inflow(15, 30), 4)
        self.assertEqual(weekly_inflow(10000, 90, 33), 1035)
        self.assertEqual(weekly_inflow(-700, 7), -700)
        with self.assertRaises(ValueError):
            weekly_inflow(100, 0)

    def test_weeks_to_cover(self):
        self.assertEqual(weeks_to_cover(7000, 0, 2000), 4)  # 8000 >= 7000 > 6000
        self.assertEqual(weeks_to_cover(8000, 0, 2000), 4)  # exactly covered
        self.assertEqual(weeks_to_cover(500, 700, 0), 0)  # the pool already holds it: the next run
        self.assertEqual(weeks_to_cover(3000, -1000, 2000), 2)  # a pool left negative by reversals
        self.assertIsNone(weeks_to_cover(501, 500, 0))  # no inflow
        self.assertIsNone(weeks_to_cover(10**9, 0, 1))  # beyond ten years
        self.assertEqual(weeks_to_cover(LIMIT_WEEKS, 0, 1), LIMIT_WEEKS)

    def test_fifo_with_new_entries_by_hand(self):
        """Pool 0, 20.00 a week; new sales add 50.00 owed a week in two entries of 25.00.

        Week w: paid in all 20.00 × w; B complete when that reaches 70.00 (week 4:
        80.00), C at 95.00 (week 5: 100.00), D at 195.00 (week 10: 200.00). Owed:
        195.00 + 50.00 w - 20.00 w. Waiting: today's not complete, plus 2 new a week
        (the new entries are paid after today's queue: at week 10, 5.00 of the first
        new pair is paid, none of it complete).
        """
        run = QueueProjection(QUEUE, 0).run(
            2000, 10, new_owed_ratio=(50, 20), new_entry_size=2500, watch=(0, 1, 2), checkpoints=(4, 12)
        )
        self.assertEqual(run.completion, {0: 4, 1: 5, 2: 10})
        self.assertEqual(run.completed, {4: 1, 12: 3})
        self.assertEqual(run.weeks[0], (0, 0, 0, 3, 19500, 0))
        self.assertEqual(run.weeks[1], (1, 2000, 2000, 5, 22500, 0))
        self.assertEqual(run.weeks[4], (4, 2000, 2000, 10, 31500, 0))
        self.assertEqual(run.weeks[5], (5, 2000, 2000, 11, 34500, 0))
        self.assertEqual(run.weeks[10], (10, 2000, 2000, 20, 49500, 0))
        self.assertEqual([week.queued for week in run.weeks], [3, 5, 7, 9, 10, 11, 13, 15, 17, 19, 20])

    def test_fifo_without_new_entries_keeps_the_rest_in_the_pool(self):
        run = QueueProjection(QUEUE, 5000).run(5000, 5)
        # Funds 50.00, 100.00, 150.00, 200.00: B at week 1 (100.00 >= 70.00), C at 1 (95.00), D at 3.
        self.assertEqual([week.paid for week in run.weeks], [5000, 5000, 5000, 4500, 0, 0])
        self.assertEqual([week.owed for week in run.weeks], [14500, 9500, 4500, 0, 0, 0])
        self.assertEqual([week.pool for week in run.weeks], [0, 0, 0, 500, 5500, 10500])
        self.assertEqual([week.queued for week in run.weeks], [3, 1, 1, 0, 0, 0])

    def test_rotation_by_hand(self):
        """Window 2, pool 30.00, 20.00 a week, no new entries.

        Week 0: B and C share 30.00: 15.00 each (B 55.00, C 10.00 to go).
        Week 1: C takes its 10.00, B the other 10.00 (45.00): C complete.
        Weeks 2-5: the window is B and D: 10.00 each a week (B 5.00, D 60.00 to go).
        Week 6: B takes 5.00 (complete), D 15.00 (45.00). Weeks 7-8: D 25.00, 5.00;
        week 9: D complete, 15.00 stays in the pool.
        """
        run = QueueProjection(QUEUE, 3000, "rotation", 2).run(2000, 10, watch=(0, 1, 2), checkpoints=(4, 9))
        self.assertEqual(run.completion, {0: 6, 1: 1, 2: 9})
        self.assertEqual(run.completed, {4: 1, 9: 3})
        self.assertEqual([week.queued for week in run.weeks], [3, 2, 2, 2, 2, 2, 1, 1, 1, 0, 0])
        self.assertEqual([week.owed for week in run.weeks][:4], [16500, 14500, 12500, 10500])
        self.assertEqual(run.weeks[9], (9, 2000, 500, 0, 0, 1500))
        # First in, first out would have paid B by week 2.
        self.assertEqual(QueueProjection(QUEUE, 3000).run(2000, 0, watch=(0,)).completion, {0: 2})

    def test_rotation_skips_whole_windows_at_once(self):
        # 10.00 entries, window 3, 95.00 a week: 3 windows (90.00) then 5.00 water-filled over the next 3.
        run = QueueProjection([1000] * 30, 0, "rotation", 3).run(9500, 1, watch=(9, 10, 29))
        self.assertEqual(run.weeks[1].queued, 21)
        self.assertEqual(run.completion[9], 2)  # 1.67 at week 1, then complete with the next window
        self.assertEqual(run.completion[29], 4)

    def test_a_watched_entry_beyond_the_horizon(self):
        run = QueueProjection(QUEUE, 0, "rotation", 2).run(100, 1, watch=(2,))
        self.assertEqual(run.completion, {2: 195})
        self.assertIsNone(QueueProjection(QUEUE, 0).run(0, 1, watch=(2,)).completion[2])
        self.assertIsNone(QueueProjection(QUEUE, 0, "rotation", 2).run(0, 1, watch=(2,)).completion[2])

    def test_counted_leaves_an_entry_joining_today_out(self):
        run = QueueProjection([*QUEUE, 5000], 0).run(10000, 2, watch=(3,), checkpoints=(2,), counted=3)
        self.assertEqual(run.completion, {3: 3})
        self.assertEqual(run.completed, {2: 3})

    def test_bad_input(self):
        with self.assertRaises(ValueError):
            QueueProjection([100, -1], 0)
        # Block sums that do not match their entries are refused when the block is read.
        queue = QueueProjection.from_blocks([(2, 100)], lambda block: [60, 50], 0)
        with self.assertRaises(ValueError):
            queue.reach(70)
        with self.assertRaises(ValueError):
            QueueProjection(QUEUE, 0, "lottery")
        with self.assertRaises(IndexError):
            QueueProjection(QUEUE, 0).run(100, 1, watch=(3,))

    def test_matches_a_run_by_run_simulation(self):
        """Random queues: the projection's completions and counts are those of the
        settlement engine run week by week over the whole queue."""
        rng = random.Random(12)
        for _case in range(120):
            mode = rng.choice(("fifo", "rotation"))
            window = rng.randint(1, 5)
            queue = [rng.randint(1, 4000) for _i in range(rng.randint(1, 25))]
            pool = rng.randint(-3000, 6000)
            weekly = rng.randint(0, 3000)
            weeks = rng.randint(0, 12)
            # Small blocks: the block sums and their expansion are exercised at every boundary.
            blocks = rng.randint(1, 6)
            run = QueueProjection(queue, pool, mode, window, block_size=blocks).run(
                weekly, weeks, watch=range(len(queue)), checkpoints=(weeks,)
            )
            remaining = list(queue)
            balance = pool
            for week in range(weeks + 1):
                balance += weekly if week else 0
                if balance > 0:
                    slots = [Slot(i, r) for i, r in enumerate(remaining) if r]
                    for index, amount in allocate(mode, balance, slots, window):
                        remaining[index] -= amount
                        balance -= amount
                figures = run.weeks[week]
                self.assertEqual(
                    figures.queued, sum(1 for r in remaining if r), (mode, window, blocks, queue, week)
                )
                self.assertEqual(figures.owed, sum(remaining))
                self.assertEqual(figures.pool, balance)
                for index, amount in enumerate(remaining):
                    done_at = run.completion[index]
                    self.assertEqual(
                        amount == 0, done_at is not None and done_at <= week, (mode, queue, index)
                    )


@tagged("post_install", "-at_install")
class TestProgramProjection(SubsidyCommon):
    def setUp(self):
        super().setUp()
        # DESIGN.md's orders today, one fifo run: B 70.00, C 25.00, D 100.00 to go; pool 0.00;
        # 130.00 came in over the last 7, 30 and 90 days alike.
        self.entries, _orders = self._worked_orders()
        self.program._settle()

    def test_a_sales_drop_by_hand(self):
        """-30 %: 130.00 a week (7 days) -> 91.00; 130.00 × 7 / 30 = 30.33 -> 21.23;
        130.00 × 7 / 90 = 10.11 -> 7.08. D needs 195.00: 3, 10 and 28 weeks."""
        result = self.program._projection(sales_change=-30, weeks=12, basis=30, position=3)
        self.assertEqual(result["queued"], 3)
        self.assertEqual((result["owed"], result["pool"]), (19500, 0))
        self.assertEqual(result["inflow"], {7: 13000, 30: 13000, 90: 13000})
        self.assertEqual(result["weekly"], {7: 9100, 30: 2123, 90: 708})
        self.assertEqual(result["entry_weeks"], [3, 10, 28])
        today = fields.Date.context_today(self.program)
        self.assertEqual(result["entry_first"], today + timedelta(days=21))
        self.assertEqual(result["entry_last"], today + timedelta(days=196))
        # Within 30 days (4 weeks): all three at the 7-day rate; B alone (84.92) at 30; none at 90.
        self.assertEqual(result["shares"][30], (0, 3))
        self.assertEqual(result["shares"][90], (1, 3))  # 12 weeks: 84.96 at 90 days pays B
        self.assertEqual(result["shares"][365], (3, 3))
        # The weekly figures at 30 days: new entries owe 2.5 × the inflow (325.00 of targets for
        # 130.00 of contributions in the latest entries): 21.23 in, 53.08 more owed each week.
        weeks = result["weeks"]
        self.assertEqual(len(weeks), 13)
        self.assertEqual(weeks[1].inflow, 2123)
        self.assertEqual(weeks[1].owed, 19500 + 5308 - 2123)
        self.assertEqual(weeks[12].owed, 19500 + 12 * (5308 - 2123))

    def test_an_entry_joining_today(self):
        """An order of 100.00 joins with 50.00 to come: it needs 245.00 of inflow."""
        result = self.program._projection(sales_change=-30, weeks=4, join_units=5000)
        self.assertEqual(result["entry_weeks"], [3, 12, 35])
        self.assertEqual(result["owed"], 19500)

    def test_rotation_program(self):
        program = self.env["subsidy.program"].create(
            {
                "name": "Rotation",
                "code": "R",
                "company_id": self.company.id,
                "currency_id": self.cny.id,
                "contribution_rate": 20.0,
                "max_margin_rate": 25.0,
                "subsidy_rate": 50.0,
                "queue_mode": "rotation",
                "rotation_size": 2,
                "channel_sale": False,
                "channel_website": False,
            }
        )
        program._lock()
        for amount in (14000, 5000, 20000):
            self.env["subsidy.entry"]._enqueue(program, self.shoppers[0], amount, "sale", "R")
        # Pool 78.00 for 70.00, 25.00 and 100.00: the next run water-fills the window of the
        # first two, 39.00 each: the second takes its 25.00 and is complete at once.
        result = program._projection(weeks=2, basis=7, position=2)
        self.assertEqual(result["weekly"][7], 7800)
        self.assertEqual(result["entry_weeks"], [0, 0, 0])
        # First in, first out would pay it after the first's 70.00: a week later at 7 days' sales.
        self.assertEqual(
            QueueProjection([7000, 2500, 10000], 7800).run(7800, 0, watch=(1,)).completion, {1: 1}
        )

    def test_dialog(self):
        action = self.program.with_user(self.manager).action_open_projection()
        wizard = self.env["subsidy.program.projection"].browse(action["res_id"]).with_user(self.manager)
        self.assertEqual(wizard.place, 3)  # today's last entry
        self.assertEqual((wizard.queued_count, wizard.owed, wizard.pool_balance), (3, 195.0, 0.0))
        wizard.write({"sales_change": -30, "weeks": 12})
        wizard.action_compute()
        self.assertEqual(len(wizard.line_ids), 13)
        self.assertEqual((wizard.weekly_low, wizard.weekly_high), (7.08, 91.0))
        self.assertEqual(wizard.date_last, fields.Date.context_today(wizard) + timedelta(days=196))
        self.assertIn("between", wizard.answer)
        self.assertEqual((wizard.share_30_low, wizard.share_30_high), (0.0, 100.0))
        self.assertIn("<svg", str(wizard.chart))
        self.assertIn("more after 12 weeks", wizard.trend)
        wizard.write({"subject": "new", "order_amount": 100.0})
        wizard.action_compute()
        self.assertIn("joining today", wizard.answer)
        graph = wizard.action_open_graph()
        self.assertEqual(
            self.env[graph["res_model"]].with_user(self.manager).search_count(graph["domain"]), 13
        )
        with self.assertRaises(ValidationError):
            wizard.sales_change = -60

    def test_only_managers_project(self):
        with self.assertRaises(AccessError):
            self.program.with_user(self.subsidy_user).action_open_projection()
