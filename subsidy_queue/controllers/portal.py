from odoo import _, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class SubsidyPortal(CustomerPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "subsidy_count" in counters:
            partner = request.env.user.partner_id.commercial_partner_id
            values["subsidy_count"] = (
                request.env["subsidy.entry"].search_count([("partner_id", "child_of", partner.id)])
                if request.env["subsidy.entry"].has_access("read")
                else 0
            )
        return values

    def _subsidy_values(self, **extra):
        partner = request.env.user.partner_id.commercial_partner_id
        accounts = request.env["subsidy.account"].search([("partner_id", "=", partner.id)])
        entries = request.env["subsidy.entry"].search([("partner_id", "=", partner.id)], limit=200)
        withdrawals = request.env["subsidy.withdrawal"].search([("partner_id", "=", partner.id)], limit=50)
        banks = request.env["res.partner.bank"].sudo().search([("partner_id", "=", partner.id)])
        values = {
            "page_name": "subsidy",
            "accounts": accounts,
            "queued_entries": entries.filtered(lambda e: e.state == "queued"),
            "past_entries": entries.filtered(lambda e: e.state != "queued"),
            "withdrawals": withdrawals,
            "bank_accounts": banks,
            "error": None,
            "success": None,
            "form": {},
        }
        values.update(extra)
        return values

    @http.route(["/my/subsidy"], type="http", auth="user", website=True)
    def portal_my_subsidy(self, **kw):
        return request.render("subsidy_queue.portal_my_subsidy", self._subsidy_values())

    @http.route(["/my/subsidy/withdraw"], type="http", auth="user", website=True, methods=["POST"])
    def portal_subsidy_withdraw(self, **post):
        partner = request.env.user.partner_id
        try:
            withdrawal = request.env["subsidy.withdrawal"]._request_for_shopper(partner, post)
        except (UserError, ValidationError) as error:
            values = self._subsidy_values(error=error.args[0], form=post)
            return request.render("subsidy_queue.portal_my_subsidy", values, status=400)
        values = self._subsidy_values(
            success=_(
                "Withdrawal %(name)s of %(amount)s is submitted.",
                name=withdrawal.name,
                amount=withdrawal.amount,
            )
        )
        return request.render("subsidy_queue.portal_my_subsidy", values)

    @http.route(
        ["/my/subsidy/withdrawal/<int:withdrawal_id>/cancel"],
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_subsidy_withdrawal_cancel(self, withdrawal_id, **post):
        withdrawal = request.env["subsidy.withdrawal"].search([("id", "=", withdrawal_id)])
        if not withdrawal:
            return request.render(
                "subsidy_queue.portal_my_subsidy",
                self._subsidy_values(error=_("This withdrawal is not yours.")),
                status=404,
            )
        try:
            withdrawal.sudo().action_cancel()
        except UserError as error:
            return request.render(
                "subsidy_queue.portal_my_subsidy", self._subsidy_values(error=error.args[0]), status=400
            )
        return request.redirect("/my/subsidy")
