import contextlib
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.base.models.res_users import INDEX_SIZE, KEY_CRYPT_CONTEXT

from .res_company import APP_KEY_DAYS_DEFAULT, APP_KEY_DAYS_MAX, APP_KEY_DAYS_MIN

# The scope of the keys the shoppers' app gets at sign-in. Odoo's ``auth="bearer"``
# and its RPC only take keys of scope ``rpc`` (or none): an app key opens the
# subsidy API (see ``ir.http._auth_method_bearer``) and nothing else of Odoo's.
APP_SCOPE = "subsidy_app"
# Devices signed in at once per user: signing in on one more signs the oldest out.
APP_MAX_DEVICES = 20


class ResUsersApikeys(models.Model):
    _inherit = "res.users.apikeys"

    def _check_credentials(self, *, scope, key):
        """A key is checked on the primary database, also in a read-only request.

        A route declared ``readonly=True`` runs on the replica when one is set up,
        and the replica may be a moment behind: a key signed out (or expired, or of
        a user just deactivated) would still open it, and a key just given at
        sign-in would be refused. Whether a key is good is never read from the past:
        a read-only request checks it on a cursor of the primary (one indexed query).
        """
        cr = self.env.cr
        if not cr.readonly or self.pool.in_test_mode():
            return super()._check_credentials(scope=scope, key=key)
        with contextlib.closing(self.pool.cursor(readonly=False)) as primary:
            return super(ResUsersApikeys, self.with_env(self.env(cr=primary)))._check_credentials(
                scope=scope, key=key
            )

    @api.model
    def _subsidy_app_generate(self, user, device_name):
        """A new key of the app for ``user`` on the device ``device_name``: ``(key, record)``.

        Valid for the lifetime the user's company sets; the oldest devices beyond
        ``APP_MAX_DEVICES`` are signed out.
        """
        days = user.company_id.subsidy_app_key_days or APP_KEY_DAYS_DEFAULT
        days = max(APP_KEY_DAYS_MIN, min(days, APP_KEY_DAYS_MAX))
        expiration = fields.Datetime.now().replace(microsecond=0) + timedelta(days=days)
        # As superuser: the lifetime may exceed what the user's groups allow in the back office.
        keys = self.with_user(user).sudo()
        surplus = keys._subsidy_app_devices(user)[APP_MAX_DEVICES - 1 :]
        if surplus:
            surplus._remove()
        key = keys._generate(APP_SCOPE, device_name, expiration)
        return key, keys._subsidy_app_devices(user)[:1]

    @api.model
    def _subsidy_app_devices(self, user):
        """The app's keys of ``user`` still valid, newest first, as superuser (no secret is read)."""
        return self.sudo().search(
            [
                ("user_id", "=", user.id),
                ("scope", "=", APP_SCOPE),
                "|",
                ("expiration_date", "=", False),
                ("expiration_date", ">=", fields.Datetime.now()),
            ],
            order="create_date desc, id desc",
        )

    @api.model
    def _subsidy_app_key_of(self, token):
        """The app's key record whose secret is ``token`` (valid, of the app's scope), else empty."""
        if not token:
            return self.browse()
        self.env.cr.execute(
            SQL(
                """SELECT id, key FROM res_users_apikeys
                    WHERE index = %s AND scope = %s
                      AND (expiration_date IS NULL OR expiration_date >= now() at time zone 'utc')""",
                token[:INDEX_SIZE],
                APP_SCOPE,
            )
        )
        for key_id, hashed in self.env.cr.fetchall():
            if KEY_CRYPT_CONTEXT.verify(token, hashed):
                return self.browse(key_id)
        return self.browse()

    def _subsidy_app_values(self):
        """What the shopper sees of a signed-in device: never the key itself."""
        self.ensure_one()
        key = self.sudo()
        return {
            "id": key.id,
            "name": key.name,
            "created": fields.Datetime.to_string(key.create_date) if key.create_date else None,
            "expires": fields.Datetime.to_string(key.expiration_date) if key.expiration_date else None,
        }
