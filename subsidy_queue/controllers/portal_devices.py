from odoo import http
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from .common import MAX_ID, readonly_unless


class SubsidyPortalDevices(CustomerPortal):
    """The devices signed in to the shoppers' app (their API keys of the app's scope):
    the shopper sees them and signs any of them out."""

    def _subsidy_device(self, device_id):
        """The user's own device ``device_id`` (a key of the app's), else a 404: somebody
        else's answers as a missing one."""
        devices = request.env["res.users.apikeys"]._subsidy_app_devices(request.env.user)
        device = devices.filtered(lambda key: key.id == device_id) if device_id <= MAX_ID else None
        if not device:
            raise request.not_found()
        return device

    def _render_devices(self, **extra):
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "subsidy_devices",
                "devices": request.env["res.users.apikeys"]._subsidy_app_devices(request.env.user),
                "revoked": False,
                "confirm": None,
            },
            **extra,
        )
        return request.render("subsidy_queue.portal_my_subsidy_devices", values)

    @http.route(
        ["/my/subsidy/devices"], type="http", auth="user", website=True, readonly=readonly_unless("revoked")
    )
    def portal_subsidy_devices(self, revoked=None, **kw):
        return self._render_devices(revoked=bool(revoked))

    @http.route(
        ["/my/subsidy/devices/<int:device_id>/revoke"],
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def portal_subsidy_device_confirm(self, device_id, **kw):
        """Ask before signing a device out. Read on the primary: the device may have
        signed in a moment ago."""
        return self._render_devices(confirm=self._subsidy_device(device_id))

    @http.route(
        ["/my/subsidy/devices/<int:device_id>/revoke"],
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_subsidy_device_revoke(self, device_id, **post):
        """Sign a device out (the form's CSRF token is checked by Odoo): its key answers 401 at once.

        Only the user's own keys of the app: any other id answers as a missing one.
        """
        self._subsidy_device(device_id)._remove()
        return request.redirect("/my/subsidy/devices?revoked=1")
