import os

import polib

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.misc import file_path

from .common import SubsidyCommon


@tagged("post_install", "-at_install")
class TestTranslations(SubsidyCommon):
    def test_zh_cn_is_complete(self):
        folder = os.path.dirname(file_path("subsidy_queue/i18n/zh_CN.po"))
        template = polib.pofile(os.path.join(folder, "subsidy_queue.pot"))
        chinese = {entry.msgid: entry.msgstr for entry in polib.pofile(os.path.join(folder, "zh_CN.po"))}
        missing = [entry.msgid for entry in template if not chinese.get(entry.msgid)]
        self.assertEqual(missing, [])

    def test_errors_speak_chinese(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["ir.module.module"]._load_module_terms(["subsidy_queue"], ["zh_CN"], overwrite=True)
        (a, _b, _c, _d), _orders = self._worked_orders()
        self.program._settle()
        manager = self.manager.with_context(lang="zh_CN")
        with self.assertRaisesRegex(UserError, "已全额到账，不能作废"):
            a.with_user(manager).with_context(lang="zh_CN")._request_void("太晚了")
        self.assertEqual(
            self.program.with_context(lang="zh_CN")
            ._fields["queue_mode"]
            .convert_to_export("fifo", self.program.with_context(lang="zh_CN")),
            "先进先出",
        )
