from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount

# Entries named one by one in a settlement's message to a shopper; the rest are counted.
NOTIFY_ENTRIES = 10


class SubsidyAccount(models.Model):
    _name = "subsidy.account"
    _description = "Subsidy Account"
    _inherit = ["mail.thread", "subsidy.protected.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _rec_names_search = ["partner_id", "program_id"]
    # A balance changes only through its ledger, never by hand.
    _protected_fields = (
        "partner_id",
        "program_id",
        "balance",
        "held",
        "total_received",
        "total_withdrawn",
        "total_clawed_back",
        "total_credited",
        "ewallet_card_id",
    )

    partner_id = fields.Many2one("res.partner", "Shopper", required=True, readonly=True, index=True)
    program_id = fields.Many2one("subsidy.program", required=True, readonly=True, index=True)
    company_id = fields.Many2one(related="program_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="program_id.currency_id", store=True)
    balance = fields.Monetary(
        readonly=True, help="What the shopper can withdraw now: received, less withdrawals."
    )
    held = fields.Monetary(
        "On Hold", readonly=True, help="Asked for in withdrawals that are not paid yet (fees included)."
    )
    total_withdrawn = fields.Monetary(readonly=True, help="Paid out to the shopper, fees included.")
    total_received = fields.Monetary(readonly=True)
    total_clawed_back = fields.Monetary(readonly=True)
    total_credited = fields.Monetary(
        "Store Credit",
        readonly=True,
        help="What the queue still owed the shopper when the program closed, given as store credit.",
    )
    ewallet_card_id = fields.Many2one(
        "loyalty.card",
        "eWallet Card",
        readonly=True,
        help="The shopper's card of the program's store credit eWallet, once the program closed.",
    )
    entry_ids = fields.One2many("subsidy.entry", "account_id", readonly=True)
    pool_line_ids = fields.One2many(
        "subsidy.pool.line", "account_id", readonly=True, groups="subsidy_queue.group_subsidy_user"
    )
    line_ids = fields.One2many(
        "subsidy.account.line", "account_id", readonly=True, groups="subsidy_queue.group_subsidy_user"
    )
    withdrawal_ids = fields.One2many("subsidy.withdrawal", "account_id", readonly=True)
    entry_count = fields.Integer(compute="_compute_entry_figures")
    queued_count = fields.Integer("Queued Entries", compute="_compute_entry_figures")

    _sql_constraints = [
        ("partner_program_uniq", "unique(partner_id, program_id)", "A shopper has one account per program."),
        ("balance_positive", "CHECK(balance >= 0)", "A subsidy balance can never be negative."),
        ("held_positive", "CHECK(held >= 0)", "An amount on hold can never be negative."),
    ]

    @api.depends("partner_id", "program_id")
    def _compute_display_name(self):
        for account in self:
            account.display_name = f"{account.partner_id.name} · {account.program_id.name}"

    def _compute_entry_figures(self):
        counts = self.env["subsidy.entry"]._read_group(
            [("account_id", "in", self.ids)], ["account_id", "state"], ["__count"]
        )
        total, queued = {}, {}
        for account, state, count in counts:
            total[account] = total.get(account, 0) + count
            if state == "queued":
                queued[account] = count
        for account in self:
            account.entry_count = total.get(account, 0)
            account.queued_count = queued.get(account, 0)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_("Subsidy accounts cannot be deleted."))

    @api.model
    def _get_or_create(self, program, partner):
        """Return the shopper's account in ``program``, creating it once.

        Two transactions creating the same account at the same moment meet on
        the unique constraint; the loser reads the winner's account. Accounts
        belong to the commercial partner: a company's contacts share it.
        """
        partner = partner.commercial_partner_id
        account = self.sudo().search([("program_id", "=", program.id), ("partner_id", "=", partner.id)])
        if account:
            return account
        self.env.cr.execute(
            SQL(
                """INSERT INTO subsidy_account
                       (partner_id, program_id, company_id, currency_id, balance, held, total_received,
                        total_withdrawn, total_clawed_back, total_credited, create_uid, create_date,
                        write_uid, write_date)
                   VALUES (%s, %s, %s, %s, 0, 0, 0, 0, 0, 0, %s, now() at time zone 'UTC', %s,
                           now() at time zone 'UTC')
                   ON CONFLICT (partner_id, program_id) DO NOTHING""",
                partner.id,
                program.id,
                program.company_id.id,
                program.currency_id.id,
                self.env.uid,
                self.env.uid,
            )
        )
        return self.sudo().search([("program_id", "=", program.id), ("partner_id", "=", partner.id)])

    @api.model
    def _enrol(self, partner, company=None):
        """Open the shopper's accounts in the active programs of ``company``."""
        company = company or self.env.company
        programs = self.env["subsidy.program"].sudo().search([("company_id", "=", company.id)])
        return self.browse([self._get_or_create(program, partner).id for program in programs])

    @api.model
    def _portal_card(self, partner):
        """The "My subsidy" card of ``partner``'s /my page: their own figures only.

        ``queued``: entries waiting in the queue; ``has_entry``: any entry at all (else the
        card says how to join); ``balances``: ``[(amount, currency)]`` available to withdraw.
        """
        partner = partner.commercial_partner_id
        mine = [("partner_id", "child_of", partner.id)]
        Entry = self.env["subsidy.entry"].sudo()
        queued = Entry.search_count(mine + [("state", "=", "queued")])
        accounts = self.sudo().search([("partner_id", "=", partner.id)])
        return {
            "queued": queued,
            "has_entry": bool(queued or Entry.search(mine, limit=1)),
            "balances": [
                (account.balance, account.currency_id)
                for account in accounts
                if not account.currency_id.is_zero(account.balance)
            ],
        }

    def _lock_balance_units(self, nowait=False):
        """Lock the account row and return its balance in units, freshly read.

        With ``nowait``, a row locked by another transaction raises a clear
        error at once instead of waiting.
        """
        self.ensure_one()
        self._lock_rows(
            nowait=nowait,
            busy_message=_("Another withdrawal of this account is being processed; try again in a moment."),
        )
        # Locked without a serialization failure: our snapshot of this row is its last version.
        return self.program_id._units(self.balance)

    def _move_funds(self, kind, units, withdrawal=None, reason=None):
        """Move ``units`` between available, on hold and withdrawn; write the ledger line.

        The account row must be locked. ``kind``: ``hold`` (available → on
        hold), ``release`` (on hold → available), ``pay`` (on hold →
        withdrawn), ``restore`` (withdrawn → available, a failed payout).
        """
        self.ensure_one()
        available, held, withdrawn = {
            "hold": (-1, 1, 0),
            "release": (1, -1, 0),
            "pay": (0, -1, 1),
            "restore": (1, 0, -1),
        }[kind]
        step = self.program_id._step()
        self.env.cr.execute(
            SQL(
                """UPDATE subsidy_account
                      SET balance = balance + %(a)s * %(units)s * %(step)s::numeric,
                          held = held + %(h)s * %(units)s * %(step)s::numeric,
                          total_withdrawn = total_withdrawn + %(w)s * %(units)s * %(step)s::numeric
                    WHERE id = %(id)s""",
                a=available,
                h=held,
                w=withdrawn,
                units=units,
                step=step,
                id=self.id,
            )
        )
        self.invalidate_recordset(["balance", "held", "total_withdrawn"])
        self.env["subsidy.account.line"].sudo().create(
            {
                "account_id": self.id,
                "kind": kind,
                "amount": self.program_id._amount(units),
                "withdrawal_id": withdrawal.id if withdrawal else False,
                "name": reason or "",
            }
        )

    @api.model
    def _add_received(self, program, per_account):
        """Credit ``{account_id: units}`` allocations to the accounts, in one statement."""
        if not per_account:
            return
        accounts = sorted(per_account)
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """UPDATE subsidy_account AS a
                      SET balance = a.balance + v.units * %s::numeric,
                          total_received = a.total_received + v.units * %s::numeric
                     FROM unnest(%s::int[], %s::bigint[]) AS v(id, units)
                    WHERE a.id = v.id""",
                program._step(),
                program._step(),
                accounts,
                [per_account[account] for account in accounts],
            )
        )
        self.invalidate_model(["balance", "total_received"])

    @api.model
    def _add_credited(self, program, per_account):
        """Count ``{account_id: units}`` of store credit given by ``program``'s wind-down."""
        accounts = sorted(account for account, units in per_account.items() if units)
        if not accounts:
            return
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """UPDATE subsidy_account AS a
                      SET total_credited = COALESCE(a.total_credited, 0) + v.units * %s::numeric
                     FROM unnest(%s::int[], %s::bigint[]) AS v(id, units)
                    WHERE a.id = v.id""",
                program._step(),
                accounts,
                [per_account[account] for account in accounts],
            )
        )
        self.invalidate_model(["total_credited"])

    def _notify_store_credit(self, program, cards, per_account):
        """Tell each shopper (chatter message, emailed) what the program's closing gave them."""
        card_of = {card.partner_id: card for card in cards}
        for account in self.sudo():
            units = per_account.get(account.id, 0)
            entries = account.entry_ids.filtered(lambda e: e.state == "converted")
            card = card_of.get(account.partner_id)
            if units and card:
                body = _(
                    "The program %(program)s has closed. What the queue still owed you for %(entries)s "
                    "is now %(credit)s of store credit on your eWallet card %(card)s, to spend in our shop "
                    "and at our tills. What you received before stays on your subsidy balance.",
                    program=program.name,
                    entries=", ".join(entries.mapped("name")),
                    credit=format_amount(self.env, program._amount(units), program.currency_id),
                    card=card.code,
                )
            else:
                body = _(
                    "The program %(program)s has closed. Its pool held nothing to share for %(entries)s: "
                    "no store credit. What you received before stays on your subsidy balance.",
                    program=program.name,
                    entries=", ".join(entries.mapped("name")),
                )
            account.message_post(
                body=body,
                partner_ids=account.partner_id.ids,
                subtype_xmlid="mail.mt_comment",
                message_type="comment",
            )

    def _notify_settlement(self, settlement, paid):
        """Tell the shopper, in one message, what ``settlement`` paid this account.

        ``paid``: ``(entry_id, amount, completed)`` for each entry it paid.
        Posted on the account as a comment to the shopper: the portal shows
        it, and Odoo delivers it by email or in the Odoo inbox as the
        shopper's notification preference says. In the shopper's language,
        amounts in the currency's format.
        """
        self.ensure_one()
        partner = self.partner_id
        lang = partner.lang or self.company_id.partner_id.lang or self.env.lang
        account = self.with_context(lang=lang).sudo()
        env, money = account.env, account.currency_id.format
        entries = {entry.id: entry for entry in env["subsidy.entry"].browse([row[0] for row in paid])}
        items = []
        for entry_id, amount, completed in paid[:NOTIFY_ENTRIES]:
            entry = entries[entry_id]
            if completed:
                text = env._(
                    "%(entry)s (%(order)s): %(amount)s, now paid in full (%(target)s).",
                    entry=entry.name,
                    order=entry.origin or "-",
                    amount=money(amount),
                    target=money(entry.target),
                )
            else:
                text = env._(
                    "%(entry)s (%(order)s): %(amount)s; %(remaining)s still to come.",
                    entry=entry.name,
                    order=entry.origin or "-",
                    amount=money(amount),
                    remaining=money(entry.remaining),
                )
            items.append(Markup("<li>%s</li>") % text)
        if len(paid) > NOTIFY_ENTRIES:
            items.append(
                Markup("<li>%s</li>")
                % env._(
                    "and %(count)s more entries: %(amount)s.",
                    count=len(paid) - NOTIFY_ENTRIES,
                    amount=money(sum(row[1] for row in paid[NOTIFY_ENTRIES:])),
                )
            )
        done = sum(1 for row in paid if row[2])
        total = money(sum(row[1] for row in paid))
        body = Markup('<p>%s</p><ul>%s</ul><p>%s <a href="%s">%s</a></p>') % (
            env._(
                "The queue paid you %(amount)s (settlement %(settlement)s).",
                amount=total,
                settlement=settlement.name,
            ),
            Markup().join(items),
            env._("Your balance is now %(balance)s.", balance=money(account.balance)),
            account.get_base_url() + "/my/subsidy",
            env._("See your subsidy"),
        )
        subject = (
            env._("The queue paid you %(amount)s; %(count)s entries paid in full", amount=total, count=done)
            if done
            else env._("The queue paid you %(amount)s", amount=total)
        )
        account.with_context(mail_notify_force_send=False).message_post(
            body=body,
            subject=subject,
            author_id=account.company_id.partner_id.id,
            partner_ids=partner.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def _clawback(self, units):
        """Take ``units`` back from the balance into the pool (negative: give
        them back, a credit note that no longer stands). Locks the row."""
        self.ensure_one()
        self._lock_balance_units()
        amount = self.program_id._amount(units)
        self.env.cr.execute(
            SQL(
                """UPDATE subsidy_account
                      SET balance = balance - %s, total_clawed_back = total_clawed_back + %s
                    WHERE id = %s""",
                amount,
                amount,
                self.id,
            )
        )
        self.invalidate_recordset(["balance", "total_clawed_back"])

    def _portal_values(self):
        self.ensure_one()
        program = self.program_id
        return {
            "id": self.id,
            "program": program.name,
            "currency": self.currency_id.name,
            "balance": self.balance,
            "held": self.held,
            "total_received": self.total_received,
            "total_withdrawn": self.total_withdrawn,
            "withdrawal_rules": {
                "minimum": program.withdraw_min_amount,
                "maximum": program.withdraw_max_amount,
                "per_day": program.withdraw_daily_count,
                "amount_per_day": program.withdraw_daily_amount,
                "fee_fixed": program.withdraw_fee_fixed,
                "fee_percent": program.withdraw_fee_percent,
            },
        }

    def _shopper_accounts(self):
        """Every account of this account's shopper in its company (locked together
        by withdrawals: the daily limits are the shopper's, not one account's)."""
        self.ensure_one()
        return self.sudo().search(
            [
                ("partner_id.commercial_partner_id", "=", self.partner_id.commercial_partner_id.id),
                ("company_id", "=", self.company_id.id),
            ],
            order="id",
        )

    def action_open_entries(self):
        self.ensure_one()
        self._require_user()
        action = self.env["ir.actions.act_window"]._for_xml_id("subsidy_queue.subsidy_entry_action")
        action["domain"] = [("account_id", "=", self.id)]
        action["context"] = {}
        return action
