from odoo import _, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.subsidy_protected_mixin import BusyError
from .common import DEFAULT_LIMIT, MAX_ID, clean_withdrawal_values, parse_id, readonly_unless

# What the summary shows of each list before "See all".
SUMMARY_ROWS = 3


class SubsidyPortal(CustomerPortal):
    """The shopper's pages, as ``sale``'s portal does them: a summary at
    ``/my/subsidy``, the entries (filter, pager) and one entry with its
    movements, the withdrawals (pager), a withdrawal's cancellation behind a
    confirmation page. Reads are ``readonly``; every record is the shopper's
    own, and somebody else's id answers exactly like a missing one (404)."""

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

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _subsidy_partner(self):
        return request.env.user.partner_id.commercial_partner_id

    def _subsidy_own(self, model, record_id):
        """The shopper's own ``model`` record (as superuser), else a 404.

        Odoo's ``_document_check_access`` applies the record rules (a portal
        user reads only their own); the ownership check keeps the pages to
        one's own records for staff too. A missing id, somebody else's and an
        id out of PostgreSQL's range all raise the same ``NotFound``.
        """
        record_id = parse_id(record_id)
        if not record_id:
            raise request.not_found()
        try:
            record = self._document_check_access(model, record_id)
        except (AccessError, MissingError):
            raise request.not_found() from None
        if record.partner_id.commercial_partner_id != self._subsidy_partner():
            raise request.not_found()
        return record

    def _subsidy_find_own_withdrawal(self, value):
        """The shopper's withdrawal of id ``value`` (digits from a query or a route), or nothing."""
        withdrawal_id = parse_id(value, form=True)
        Withdrawal = request.env["subsidy.withdrawal"]
        if not withdrawal_id:
            return Withdrawal
        return Withdrawal.search(
            [("id", "=", withdrawal_id), ("partner_id", "child_of", self._subsidy_partner().id)]
        )

    def _subsidy_state_labels(self, model):
        """The model's states and their labels, in the shopper's language."""
        return dict(model._fields["state"]._description_selection(request.env))

    def _subsidy_messages(self, partner):
        """The latest messages the queue sent the shopper (settlements, withdrawals)."""
        return request.env["mail.message"].search(
            [
                ("model", "in", ("subsidy.account", "subsidy.withdrawal")),
                ("partner_ids", "in", partner.ids),
                ("message_type", "=", "comment"),
            ],
            order="id desc",
            limit=SUMMARY_ROWS,
        )

    # ------------------------------------------------------------------
    # The summary and the withdrawal form
    # ------------------------------------------------------------------

    def _subsidy_form_data(self, accounts):
        """What the withdrawal form's script needs to preview the fee as the
        server computes it (``subsidy.withdrawal._compute_fee``): amounts in
        units of the currency's rounding, and how the currency is written."""
        lang = request.lang or request.env["res.lang"]._get_data(code="en_US")
        data = {}
        for account in accounts:
            program, currency = account.sudo().program_id, account.currency_id
            data[account.id] = {
                "data-account-id": account.id,
                "data-rounding": repr(currency.rounding),
                "data-decimals": currency.decimal_places,
                "data-symbol": currency.symbol or "",
                "data-position": currency.position,
                "data-decimal-point": lang.decimal_point or ".",
                "data-thousands-sep": lang.thousands_sep or "",
                "data-fee-fixed": program._units(program.withdraw_fee_fixed),
                "data-fee-percent": repr(program.withdraw_fee_percent),
                "data-min": program._units(program.withdraw_min_amount),
                "data-max": program._units(program.withdraw_max_amount),
                "data-balance": program._units(account.balance),
            }
        return data

    def _subsidy_values(self, **extra):
        """The summary's values: accounts, the first queued entries, the
        latest withdrawals and messages, the withdrawal form."""
        partner = self._subsidy_partner()
        Entry = request.env["subsidy.entry"]
        accounts = request.env["subsidy.account"].search([("partner_id", "=", partner.id)])
        queued, queued_count = Entry._shopper_page(partner, state="queued", limit=SUMMARY_ROWS)
        withdrawals, withdrawal_count = request.env["subsidy.withdrawal"]._shopper_page(
            partner, limit=SUMMARY_ROWS
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "subsidy",
                "accounts": accounts,
                "queued_entries": queued,
                "queued_count": queued_count,
                "entry_count": Entry.search_count([("partner_id", "child_of", partner.id)]),
                "withdrawals": withdrawals,
                "withdrawal_count": withdrawal_count,
                "subsidy_messages": self._subsidy_messages(partner),
                "form_data": self._subsidy_form_data(accounts),
                "bank_accounts": request.env["res.partner.bank"]
                .sudo()
                .search([("partner_id", "child_of", partner.id)]),
                "error": None,
                "success": None,
                "form": {},
            }
        )
        values.update(extra)
        return values

    def _render_subsidy(self, status=200, **values):
        return request.render(
            "subsidy_queue.portal_my_subsidy", self._subsidy_values(**values), status=status
        )

    @http.route(
        ["/my/subsidy"], type="http", auth="user", website=True, readonly=readonly_unless("submitted")
    )
    def portal_my_subsidy(self, submitted=None, **kw):
        success = None
        withdrawal = self._subsidy_find_own_withdrawal(submitted) if submitted else None
        if withdrawal:
            success = _(
                "Your withdrawal %(name)s of %(amount)s was submitted.",
                name=withdrawal.name,
                amount=withdrawal.currency_id.format(withdrawal.amount),
            )
        return self._render_subsidy(success=success)

    @http.route(["/my/subsidy/page/<int:page>"], type="http", auth="user", website=True, readonly=True)
    def portal_my_subsidy_old_page(self, page=1, **kw):
        # The entries had their pages on the summary before it became one.
        return request.redirect(f"/my/subsidy/entries/page/{min(page, MAX_ID)}", code=301)

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
            # Busy (another request holds the account): nothing was done, the same form may go again.
            status = 503 if isinstance(error, BusyError) else 400
            return self._render_subsidy(status=status, error=error.args[0], form=form)
        # Post/Redirect/Get: reloading the page that follows never submits again.
        return request.redirect(f"/my/subsidy?submitted={withdrawal.id}", code=303)

    # ------------------------------------------------------------------
    # Entries
    # ------------------------------------------------------------------

    def _subsidy_entry_filters(self):
        return {
            "all": {"label": _("All"), "domain": []},
            "queued": {"label": _("In the queue"), "domain": [("state", "=", "queued")]},
            "done": {"label": _("Paid in full"), "domain": [("state", "=", "done")]},
            "cancelled": {
                "label": _("Cancelled or expired"),
                "domain": [("state", "in", ("cancelled", "expired"))],
            },
        }

    @http.route(
        ["/my/subsidy/entries", "/my/subsidy/entries/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_subsidy_entries(self, page=1, filterby=None, **kw):
        """The shopper's entries, newest first, one page, filtered by state."""
        filters = self._subsidy_entry_filters()
        if filterby not in filters:
            filterby = "all"
        Entry = request.env["subsidy.entry"]
        domain = [("partner_id", "child_of", self._subsidy_partner().id)] + filters[filterby]["domain"]
        pager = portal_pager(
            url="/my/subsidy/entries",
            url_args={"filterby": filterby} if filterby != "all" else None,
            total=Entry.search_count(domain),
            page=page,
            step=DEFAULT_LIMIT,
        )
        entries = Entry.search(
            domain, order="date_queued desc, id desc", limit=DEFAULT_LIMIT, offset=pager["offset"]
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "subsidy_entries",
                "entries": entries,
                "pager": pager,
                "default_url": "/my/subsidy/entries",
                "searchbar_filters": filters,
                "filterby": filterby,
                "entry_states": self._subsidy_state_labels(Entry),
            }
        )
        return request.render("subsidy_queue.portal_my_subsidy_entries", values)

    @http.route(["/my/subsidy/entries/<int:entry_id>"], type="http", auth="user", website=True, readonly=True)
    def portal_my_subsidy_entry(self, entry_id, **kw):
        entry = self._subsidy_own("subsidy.entry", entry_id)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "subsidy_entry",
                "entry": entry,
                "movements": entry._portal_movements(),
                "entry_states": self._subsidy_state_labels(entry),
                "order_url": entry._portal_order_url(),
            }
        )
        return request.render("subsidy_queue.portal_my_subsidy_entry", values)

    # ------------------------------------------------------------------
    # Withdrawals
    # ------------------------------------------------------------------

    @http.route(
        ["/my/subsidy/withdrawals", "/my/subsidy/withdrawals/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=readonly_unless("cancelled"),
    )
    def portal_my_subsidy_withdrawals(self, page=1, cancelled=None, **kw):
        Withdrawal = request.env["subsidy.withdrawal"]
        domain = [("partner_id", "child_of", self._subsidy_partner().id)]
        pager = portal_pager(
            url="/my/subsidy/withdrawals",
            total=Withdrawal.search_count(domain),
            page=page,
            step=DEFAULT_LIMIT,
        )
        withdrawals = Withdrawal.search(domain, order="id desc", limit=DEFAULT_LIMIT, offset=pager["offset"])
        success = None
        withdrawal = self._subsidy_find_own_withdrawal(cancelled) if cancelled else None
        if withdrawal and withdrawal.state == "cancelled":
            success = _(
                "Your withdrawal %(name)s was cancelled: %(amount)s is back on your balance.",
                name=withdrawal.name,
                amount=withdrawal.currency_id.format(withdrawal.amount_total),
            )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "subsidy_withdrawals",
                "withdrawals": withdrawals,
                "pager": pager,
                "success": success,
            }
        )
        return request.render("subsidy_queue.portal_my_subsidy_withdrawals", values)

    @http.route(
        ["/my/subsidy/withdrawal/<int:withdrawal_id>/cancel"],
        type="http",
        auth="user",
        website=True,
        methods=["GET"],
    )
    def portal_subsidy_withdrawal_cancel_confirm(self, withdrawal_id, **kw):
        """Ask before cancelling: the page's form posts to the same address. Read on the
        primary: the withdrawal may have been submitted a moment ago."""
        withdrawal = self._subsidy_own("subsidy.withdrawal", withdrawal_id)
        values = self._prepare_portal_layout_values()
        values.update({"page_name": "subsidy_withdrawal", "withdrawal": withdrawal})
        return request.render("subsidy_queue.portal_subsidy_withdrawal_cancel", values)

    @http.route(
        ["/my/subsidy/withdrawal/<int:withdrawal_id>/cancel"],
        type="http",
        auth="user",
        website=True,
        methods=["POST"],
    )
    def portal_subsidy_withdrawal_cancel(self, withdrawal_id, **post):
        withdrawal = self._subsidy_find_own_withdrawal(withdrawal_id)
        if not withdrawal:
            return self._render_subsidy(status=404, error=_("This withdrawal is not yours."))
        try:
            with request.env.cr.savepoint():
                withdrawal.sudo().action_cancel()
        except (AccessError, MissingError):
            return self._render_subsidy(status=403, error=_("You are not allowed to see or change this."))
        except UserError as error:
            return self._render_subsidy(status=400, error=error.args[0])
        return request.redirect(f"/my/subsidy/withdrawals?cancelled={withdrawal.id}", code=303)
