from odoo.tests import BaseCase, tagged

from ..engine import Candidate, choose


def candidate(key, price, delay, preferred=False, serves=True, available=True, excluded=False, rank=None):
    return Candidate(key, key if rank is None else rank, price, delay, preferred, serves, available, excluded)


@tagged("post_install", "-at_install")
class TestSupplierChoice(BaseCase):
    def setUp(self):
        super().setUp()
        self.cheap_slow = candidate(1, 80.0, 5)
        self.dear_fast = candidate(2, 95.0, 1, preferred=True, serves=False)
        self.mid = candidate(3, 90.0, 3)

    def test_policies(self):
        pool = [self.cheap_slow, self.dear_fast, self.mid]
        self.assertEqual(choose(pool, "cheapest"), (self.cheap_slow, "cheapest"))
        self.assertEqual(choose(pool, "fastest"), (self.dear_fast, "fastest"))
        self.assertEqual(choose(pool, "preferred"), (self.dear_fast, "preferred"))
        self.assertEqual(choose(pool, "region"), (self.cheap_slow, "region"))

    def test_unavailable_and_excluded_are_skipped(self):
        pool = [self.cheap_slow._replace(available=False), self.dear_fast, self.mid._replace(excluded=True)]
        self.assertEqual(choose(pool, "cheapest")[0], self.dear_fast)
        self.assertEqual(
            choose([self.cheap_slow._replace(excluded=True)], "cheapest"), (None, "all_excluded")
        )
        self.assertEqual(
            choose([self.cheap_slow._replace(available=False)], "cheapest"), (None, "none_available")
        )
        self.assertEqual(choose([], "cheapest"), (None, "no_supplier"))

    def test_fallbacks_and_ties(self):
        nobody_serves = [self.cheap_slow._replace(serves=False), self.mid._replace(serves=False)]
        self.assertEqual(choose(nobody_serves, "region"), (nobody_serves[0], "no_region_match"))
        self.assertEqual(choose([self.cheap_slow], "preferred"), (self.cheap_slow, "cheapest"))
        twins = [candidate(7, 50.0, 2, rank=1), candidate(8, 50.0, 2, rank=0)]
        self.assertEqual(choose(twins, "cheapest")[0].key, 8)
        with self.assertRaises(ValueError):
            choose(twins, "random")
