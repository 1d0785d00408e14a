from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name


class CommittedCase(BaseCase):
    """Tests that need data other cursors can see: real, committed transactions.

    Each test commits its fixtures through ``self.registry.cursor()`` and
    removes them again in its cleanup.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    def _env(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, "mail_notrack": True})
