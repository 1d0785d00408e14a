import os

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.misc import file_path


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    def test_zh_cn_is_complete(self):
        folder = os.path.dirname(file_path("direct_ship/i18n/zh_CN.po"))
        template = polib.pofile(os.path.join(folder, "direct_ship.pot"))
        chinese = {entry.msgid: entry.msgstr for entry in polib.pofile(os.path.join(folder, "zh_CN.po"))}
        self.assertEqual([entry.msgid for entry in template if not chinese.get(entry.msgid)], [])
