from odoo import _, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from .common import DEFAULT_LIMIT, MAX_ID, clean_withdrawal_values


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

    def _subsidy_values(self, page=1, **extra):
        """The page's values: accounts, one page of entries (queued first), the latest withdrawals."""
        partner = request.env.user.partner_id.commercial_partner_id
        accounts = request.env["subsidy.account"].search([("partner_id", "=", partner.id)])
        offset = (page - 1) * DEFAULT_LIMIT
        entries, total = request.env["subsidy.entry"]._shopper_page(partner, offset=offset)
        pager = portal_pager(url="/my/subsidy", total=total, page=page, step=DEFAULT_LIMIT)
        if pager["offset"] != offset:  # a page past the end: show the last one
            entries, total = request.env["subsidy.entry"]._shopper_page(partner, offset=pager["offset"])
        withdrawals, _total = request.env["subsidy.withdrawal"]._shopper_page(partner)
        banks = request.env["res.partner.bank"].sudo().search([("partner_id", "child_of", partner.id)])
        values = {
            "page_name": "subsidy",
            "accounts": accounts,
            "queued_count": request.env["subsidy.entry"].search_count(
                [("partner_id", "child_of", partner.id), ("state", "=", "queued")]
            ),
            "queued_entries": entries.filtered(lambda e: e.state == "queued"),
            "past_entries": entries.filtered(lambda e: e.state != "queued"),
            "pager": pager,
            "withdrawals": withdrawals,
            "bank_accounts": banks,
            "error": None,
            "success": None,
            "form": {},
        }
        values.update(extra)
        return values

    def _render_subsidy(self, status=200, **values):
        return request.render(
            "subsidy_queue.portal_my_subsidy", self._subsidy_values(**values), status=status
        )

    @http.route(
        ["/my/subsidy", "/my/subsidy/page/<int:page>"], type="http", auth="user", website=True, readonly=True
    )
    def portal_my_subsidy(self, page=1, **kw):
        # ``/my/subsidy?page=2`` brings the page as text: anything but a number is page 1.
        try:
            page = int(page)
        except (TypeError, ValueError):
            page = 1
        return self._render_subsidy(page=max(1, min(page, MAX_ID // DEFAULT_LIMIT)))

    @http.route(["/my/subsidy/withdraw"], type="http", auth="user", website=True, methods=["POST"])
    def portal_subsidy_withdraw(self, **post):
        partner = request.env.user.partner_id
        form = {key: value for key, value in post.items() if isinstance(value, str)}
        try:
            with request.env.cr.savepoint():
                values = clean_withdrawal_values(form, form=True)
                withdrawal = request.env["subsidy.withdrawal"]._request_for_shopper(partner, values)
        except (AccessError, MissingError):
            return self._render_subsidy(status=403, error=_("You are not allowed to see or change this."))
        except UserError as error:
            return self._render_subsidy(status=400, error=error.args[0], form=form)
        return self._render_subsidy(
            success=_(
                "Withdrawal %(name)s of %(amount)s is submitted.",
                name=withdrawal.name,
                amount=withdrawal.amount,
            )
        )

    @http.route(
        ["/my/subsidy/withdrawal/<int:withdrawal_id>/cancel"],
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_subsidy_withdrawal_cancel(self, withdrawal_id, **post):
        partner = request.env.user.partner_id.commercial_partner_id
        withdrawal = request.env["subsidy.withdrawal"].browse()
        if withdrawal_id <= MAX_ID:
            withdrawal = withdrawal.search(
                [("id", "=", withdrawal_id), ("partner_id", "child_of", partner.id)]
            )
        if not withdrawal:
            return self._render_subsidy(status=404, error=_("This withdrawal is not yours."))
        try:
            with request.env.cr.savepoint():
                withdrawal.sudo().action_cancel()
        except (AccessError, MissingError):
            return self._render_subsidy(status=403, error=_("You are not allowed to see or change this."))
        except UserError as error:
            return self._render_subsidy(status=400, error=error.args[0])
        return request.redirect("/my/subsidy")
