import os

import polib

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.misc import file_path

from .common import PosSubsidyCommon


@tagged("post_install", "-at_install")
class TestTranslations(PosSubsidyCommon):
    def test_zh_cn_is_complete(self):
        folder = os.path.dirname(file_path("pos_bridge/i18n/zh_CN.po"))
        template = polib.pofile(os.path.join(folder, "pos_bridge.pot"))
        chinese = {entry.msgid: entry.msgstr for entry in polib.pofile(os.path.join(folder, "zh_CN.po"))}
        missing = [entry.msgid for entry in template if not chinese.get(entry.msgid)]
        self.assertEqual(missing, [])
        # The screens and the receipt are in it, not only the back office.
        sources = {occurrence[0] for entry in template for occurrence in entry.occurrences}
        self.assertTrue(any("order_receipt.xml" in source for source in sources))
        self.assertTrue(any("payment_screen.js" in source for source in sources))

    def test_the_till_speaks_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(
            ["subsidy_queue", "pos_bridge"], ["zh_CN"], overwrite=True
        )
        self._fund(self.alice, 10.0)
        data = self._ui_order([(self.product, 1, 80.0)], self.alice, payments=[(self.subsidy_pm, 80.0)])
        cashier = self.cashier.with_context(lang="zh_CN")
        with self.assertRaisesRegex(UserError, "的补贴余额为"), self.env.cr.savepoint():
            self.env["pos.order"].with_user(cashier).with_context(lang="zh_CN").sync_from_ui([data])
        order = self._pos_order(self.alice, 100.0)
        receipt = order.with_context(lang="zh_CN").subsidy_receipt
        self.assertEqual(receipt["entry"]["state_label"], "排队中")
        # Synced in English, printed in Chinese: the wait is said in the receipt's language.
        self.assertRegex(receipt["entry"]["estimate"], "[\u4e00-\u9fff]")
        self.assertNotRegex(
            order.with_context(lang="en_US").subsidy_receipt["entry"]["estimate"], "[\u4e00-\u9fff]"
        )
        nobody = self._pos_order(None, 10.0)
        self.assertEqual(nobody.with_context(lang="zh_CN").subsidy_receipt["note"], nobody.subsidy_note)
        self.assertEqual(
            nobody.with_context(lang="zh_CN")._subsidy_ineligible_reason(self.program), "订单未登记顾客。"
        )
