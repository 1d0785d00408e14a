from lxml import etree

from odoo.tests import Form, tagged
from odoo.tools import SQL

from ..engine import BLOCK_SIZE
from ..models.subsidy_entry import STANDING_FIELDS
from ..models.subsidy_queue_history import ENTRY_DAYS
from .common import SubsidyCommon

# The list's read of one page of 80 entries, whatever their number (see test below).
LIST_PAGE_QUERIES = 9


@tagged("post_install", "-at_install")
class TestBackOffice(SubsidyCommon):
    @classmethod
    def _enqueue(cls, partner, amount, program=None):
        program = program or cls.program
        program._lock()
        return cls.env["subsidy.entry"]._enqueue(program, partner, program._units(amount), "sale", "BO")

    @classmethod
    def _jump_turns(cls, program, seq):
        """The next entry of ``program`` takes turn ``seq`` (as if many entries came before)."""
        cls.env.cr.execute("UPDATE subsidy_program SET last_seq = %s WHERE id = %s", (seq - 1, program.id))
        program.invalidate_recordset(["last_seq"])

    def _list_spec(self):
        """The fields the entries' list view reads, as the web client asks for them."""
        arch = self.env["subsidy.entry"].get_views([(False, "list")])["views"]["list"]["arch"]
        spec = {}
        for node in etree.fromstring(arch).iter("field"):
            field = self.env["subsidy.entry"]._fields[node.get("name")]
            spec[field.name] = {"fields": {"display_name": {}}} if field.type == "many2one" else {}
        return spec

    def _brute_force(self, entry):
        """Position and amount ahead by a scan of the queue: the slow, obvious reference."""
        ahead = self.env["subsidy.entry"].search(
            [("program_id", "=", entry.program_id.id), ("state", "=", "queued"), ("seq", "<", entry.seq)]
        )
        return len(ahead) + 1, sum(e.target - e.received for e in ahead)

    def test_entries_list_shows_standing_in_a_bounded_number_of_queries(self):
        """Place, amount ahead and estimate are columns of the entries list, computed for the
        page at once: reading 80 entries costs a fixed number of queries, spread over two
        blocks of turns, with entries paid in part, paid in full and cancelled among them."""
        Entry = self.env["subsidy.entry"]
        spec = self._list_spec()
        self.assertTrue({"position", "amount_ahead", "wait_estimate"} <= set(spec))
        shoppers = self.shoppers
        for index in range(50):
            self._enqueue(shoppers[index % len(shoppers)], 100.0 + index)
        # The rest of the queue lands in the next block of turns.
        self._jump_turns(self.program, BLOCK_SIZE - 10)
        for index in range(50):
            self._enqueue(shoppers[index % len(shoppers)], 80.0 + index)
        self._paid_order(shoppers[0], 800.0)  # 160.00 into the pool: one entry paid, one in part
        self.program._settle()
        queued = Entry.search([("program_id", "=", self.program.id), ("state", "=", "queued")])
        queued[5:8]._leave_queue("cancelled", "Test")
        domain = [("program_id", "=", self.program.id)]
        self.assertGreater(Entry.search_count(domain), 80)

        def read_page(limit, page_domain=None):
            self.env.invalidate_all()
            Entries = Entry.with_user(self.subsidy_user)
            return Entries.web_search_read(page_domain or domain, spec, limit=limit)["records"]

        def count_queries(limit, page_domain):
            before = self.env.cr.sql_log_count
            read_page(limit, page_domain)
            return self.env.cr.sql_log_count - before

        read_page(80)  # warm the caches of views, rules and translations
        with self.assertQueryCount(LIST_PAGE_QUERIES):
            rows = read_page(80)
        self.assertEqual(len(rows), 80)
        # Not one query more for five times the queued rows.
        queued_only = domain + [("state", "=", "queued")]
        self.assertGreater(Entry.search_count(queued_only), 40)
        self.assertEqual(count_queries(8, queued_only), count_queries(40, queued_only))

        by_id = {row["id"]: row for row in rows}
        entries = Entry.browse(list(by_id))
        states = set(entries.mapped("state"))
        self.assertTrue({"queued", "done", "cancelled"} <= states, states)
        self.assertGreater(
            len({e.seq // BLOCK_SIZE for e in entries.filtered(lambda e: e.state == "queued")}), 1
        )
        for entry in entries:
            row = by_id[entry.id]
            if entry.state != "queued":
                self.assertEqual(
                    (row["position"], row["amount_ahead"], row["wait_estimate"]), (0, 0.0, False)
                )
                continue
            position, ahead = self._brute_force(entry)
            self.assertEqual(row["position"], position, entry.name)
            self.assertEqual(self.cny.compare_amounts(row["amount_ahead"], ahead), 0, entry.name)
            self.assertTrue(row["wait_estimate"])
            # The same as the figures of the entry on its own.
            single_position, single_ahead, _after = entry._standing_units()
            self.assertEqual(
                (single_position, self.program._amount(single_ahead)), (position, row["amount_ahead"])
            )

    def test_worked_example_standing_in_one_batch(self):
        """DESIGN.md's worked example, read as one page: B 1, C 2, D 3; ahead 0, 70, 95."""
        entries = [
            self._paid_order(shopper, amount).subsidy_entry_id
            for shopper, amount in zip(self.shoppers, (100.0, 300.0, 50.0, 200.0), strict=False)
        ]
        self.program._settle()
        self.env.invalidate_all()
        page = self.env["subsidy.entry"].browse([e.id for e in entries])
        figures = [(e.state, e.position, e.amount_ahead, e.paid_in_full_after) for e in page]
        self.assertEqual(
            figures,
            [
                ("done", 0, 0.0, 0.0),
                ("queued", 1, 0.0, 70.0),
                ("queued", 2, 70.0, 95.0),
                ("queued", 3, 95.0, 195.0),
            ],
        )

    def test_settlement_lines_show_positive_amounts_paid(self):
        for shopper, amount in zip(self.shoppers, (100.0, 300.0), strict=False):
            self._paid_order(shopper, amount)
        settlement = self.program._settle()
        lines = settlement.pool_line_ids
        self.assertEqual(sorted(lines.mapped("amount_out")), [30.0, 50.0])
        self.assertTrue(all(line.amount < 0 and line.amount_in == 0 for line in lines))
        self.assertEqual(sum(lines.mapped("amount_out")), settlement.amount_paid)
        arch = self.env["subsidy.settlement"].get_views([(False, "form")])["views"]["form"]["arch"]
        column = etree.fromstring(arch).xpath("//field[@name='pool_line_ids']//field[@name='amount_out']")
        self.assertEqual(column[0].get("string"), "Paid")
        contribution = self.env["subsidy.pool.line"].search(
            [("program_id", "=", self.program.id), ("kind", "=", "contribution")], limit=1
        )
        self.assertEqual((contribution.amount_in, contribution.amount_out), (contribution.amount, 0.0))

    def test_sale_order_form_shows_the_subsidy_status_on_its_main_page(self):
        first = self._paid_order(self.shoppers[0], 1000.0)
        order = self._paid_order(self.shoppers[1], 100.0)
        arch = self.env["sale.order"].get_views([(False, "form")])["views"]["form"]["arch"]
        form = etree.fromstring(arch)
        for name in ("subsidy_state", "subsidy_entry_id", "subsidy_entry_state", "subsidy_entry_position"):
            nodes = form.xpath(f"//field[@name='{name}']")
            self.assertTrue(nodes, name)
            self.assertFalse(nodes[0].xpath("ancestor::notebook"), f"{name} is on a tab, not the main page")
        with Form(order.with_user(self.manager)) as view:
            self.assertEqual(view.subsidy_state, "queued")
            self.assertEqual(view.subsidy_entry_id, order.subsidy_entry_id)
            self.assertEqual(view.subsidy_entry_state, "queued")
            self.assertEqual(view.subsidy_entry_position, 2)
            self.assertTrue(view.subsidy_entry_wait)
        self.assertEqual(first.subsidy_entry_position, 1)

    def test_every_list_action_has_a_helpful_empty_state(self):
        Data = self.env["ir.model.data"]
        records = Data.search(
            [
                ("module", "in", ("subsidy_queue", "direct_ship", "pos_bridge")),
                ("model", "=", "ir.actions.act_window"),
            ]
        )
        actions = self.env["ir.actions.act_window"].browse(records.mapped("res_id"))
        lists = actions.filtered(lambda a: "list" in (a.view_mode or "").split(","))
        self.assertGreaterEqual(len(lists), 14)
        for action in lists:
            with self.subTest(action=action.name):
                self.assertIn("o_view_nocontent_smiling_face", action.help or "")

    def test_queue_history_day_by_day(self):
        """The daily figures end on today's queue, debt and pool, to the cent."""
        for shopper, amount in zip(self.shoppers, (100.0, 300.0, 50.0, 200.0), strict=False):
            self._paid_order(shopper, amount)
        self.program._settle()
        self.env.flush_all()
        History = self.env["subsidy.queue.history"].with_user(self.subsidy_user)
        rows = History.search([("program_id", "=", self.program.id)])
        self.assertEqual(len(rows), 1, "everything happened today")
        today = rows
        self.assertEqual(
            (today.joined, today.completed, today.queue_length, today.contributed, today.paid_out),
            (4, 1, 3, 130.0, 130.0),
        )
        self.program.invalidate_recordset()
        self.assertEqual(today.owed, self.program.queued_amount)
        self.assertEqual(today.owed, 70.0 + 25.0 + 100.0)
        self.assertEqual(today.pool_balance, 0.0)
        # Cheap sums over days for the dashboard's charts.
        groups = History.read_group(
            [("program_id", "=", self.program.id)], ["queue_length", "owed"], ["day:day"]
        )
        self.assertEqual((groups[0]["queue_length"], groups[0]["owed"]), (3, 195.0))

    def test_the_newest_entry_stands_behind_the_whole_queue(self):
        """The newest entry's standing (a receipt, a confirmation page) comes from the
        block sums alone: the same as a scan of the queue, in two blocks of turns, with
        entries paid in part and cancelled ahead of it."""
        for index in range(5):
            self._enqueue(self.shoppers[index % len(self.shoppers)], 100.0 + index)
        self._jump_turns(self.program, BLOCK_SIZE - 2)
        for index in range(5):
            self._enqueue(self.shoppers[index % len(self.shoppers)], 80.0 + index)
        self._paid_order(self.shoppers[0], 300.0)
        self.program._settle()
        queued = self.env["subsidy.entry"].search(
            [("program_id", "=", self.program.id), ("state", "=", "queued")]
        )
        queued[2:4]._leave_queue("cancelled", "Test")
        newest = self._enqueue(self.shoppers[1], 55.0)
        self.env.invalidate_all()
        self.assertEqual(newest.seq, self.program.last_seq)
        position, ahead = self._brute_force(newest)
        standing = newest._standing_units_batch()[newest.id]  # alone: from the block sums
        self.assertEqual(standing[:2], (position, self.program._units(ahead)))
        # With another entry, the general way (numbering its block): the same figures.
        self.assertEqual((newest | queued[5])._standing_units_batch()[newest.id], standing)
        self.assertEqual((newest.position, newest.amount_ahead), (position, ahead))
        self.assertEqual(newest.paid_in_full_after, ahead + newest.target - newest.received)
        # Any other entry takes the general way, and agrees with the scan too.
        other = queued[5]
        self.assertEqual((other.position, other.amount_ahead), self._brute_force(other))

    def test_a_new_entry_knows_its_standing_as_a_recount_says(self):
        """The entry ``_enqueue`` just wrote holds its standing from the statements that
        queued it (no query for a receipt): the figures a recount gives, wait included,
        with entries paid in part and cancelled ahead of it and a pool left over."""
        for index in range(4):
            self._enqueue(self.shoppers[index % len(self.shoppers)], 100.0 + index)
        self._paid_order(self.shoppers[0], 250.0)
        self.program._settle()
        self.env["subsidy.entry"].search(
            [("program_id", "=", self.program.id), ("state", "=", "queued")], limit=1
        )._leave_queue("cancelled", "Test")
        self._paid_order(self.shoppers[2], 30.0)  # in the pool, not settled
        self.env.flush_all()
        newest = self._enqueue(self.shoppers[1], 55.0)
        kept = {name: newest[name] for name in STANDING_FIELDS}
        self.assertTrue(kept["position"] > 1 and kept["wait_estimate"], kept)
        newest.invalidate_recordset(STANDING_FIELDS)
        self.assertEqual({name: newest[name] for name in STANDING_FIELDS}, kept)
        # What the till's receipt of a POS order and the confirmation page read.
        self.assertEqual((newest.position, newest.amount_ahead), self._brute_force(newest))

    def _queue_days(self):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT day, joined, left_count, completed, owed_change FROM subsidy_queue_day
                WHERE program_id = %s AND (joined != 0 OR left_count != 0 OR owed_change != 0)
             ORDER BY day""",
            [self.program.id],
        )
        return self.env.cr.fetchall()

    def _queue_days_recounted(self):
        """The same figures counted again from the entries: the slow, obvious reference."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """SELECT day, joined, left_count, completed, owed_change FROM (%s) AS d
                    WHERE program_id = %s AND (joined != 0 OR left_count != 0 OR owed_change != 0)
                 ORDER BY day""",
                ENTRY_DAYS,
                self.program.id,
            )
        )
        return self.env.cr.fetchall()

    def test_queue_history_is_kept_as_the_entries_change(self):
        """The per-day figures behind the history are kept on every change of an entry,
        by the ORM or in SQL: joins, settlements paying in part and in full, a partial
        and a full refund, a cancellation, dates moved and a deletion. They always equal
        a recount from the entries, and the history's last day is today's queue."""
        orders = [
            self._paid_order(shopper, amount)
            for shopper, amount in zip(self.shoppers, (100.0, 300.0, 50.0, 200.0), strict=False)
        ]
        self.assertEqual(self._queue_days(), self._queue_days_recounted())
        self.program._settle()
        self.assertEqual(self._queue_days(), self._queue_days_recounted())
        self._refund(orders[1], 100.0)  # a smaller target for a queued entry
        self._refund(orders[2])  # a whole refund
        self.assertEqual(self._queue_days(), self._queue_days_recounted())
        entries = self.env["subsidy.entry"].search(
            [("program_id", "=", self.program.id), ("state", "=", "queued")]
        )
        self.assertTrue(entries)
        # Written in SQL, as settlements and conversions write: moved to other days.
        self.env.cr.execute(
            """UPDATE subsidy_entry SET date_queued = date_queued - interval '3 days'
                WHERE program_id = %s""",
            [self.program.id],
        )
        entries[:1]._leave_queue("cancelled", "Test")
        self.assertEqual(self._queue_days(), self._queue_days_recounted())
        self.assertEqual(len(self._queue_days()), 2, "joined three days ago, left today")
        self.env.invalidate_all()
        with self.env.cr.savepoint(flush=False) as savepoint:
            lone = self._enqueue(self.shoppers[0], 10.0)
            self.env.flush_all()
            self.env.cr.execute("DELETE FROM subsidy_entry WHERE id = %s", [lone.id])
            self.assertEqual(self._queue_days(), self._queue_days_recounted())
            savepoint.rollback()
        self.env.invalidate_all()
        today = self.env["subsidy.queue.history"].search([("program_id", "=", self.program.id)], limit=1)
        self.assertEqual(today.queue_length, self.program.queued_count)
        self.assertEqual(today.owed, self.program.queued_amount)
