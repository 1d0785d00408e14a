import re
import unicodedata
from datetime import datetime, time
from decimal import Decimal

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..engine import share
from .subsidy_protected_mixin import DEFAULT_LIMIT, lock_rows

# Control characters, line and paragraph separators, and the invisible marks that
# reorder or hide text (bidi overrides and isolates, zero-width characters): a number
# holding them could read differently to the approver, in the bank file and at the bank.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def has_hidden_marks(value):
    """Whether ``value`` holds control characters or marks that do not show: format
    characters (bidi controls, zero-width characters, the soft hyphen, tags), variation
    selectors, private-use and unassigned code points, line and paragraph separators.
    A payout number or name holding one could read differently to the approver, in the
    bank file and at the bank."""
    for char in value or "":
        code = ord(char)
        if (
            unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp")
            or 0xFE00 <= code <= 0xFE0F
            or 0xE0100 <= code <= 0xE01EF
            or code in (0x034F, 0x115F, 0x1160, 0x3164, 0xFFA0)
        ):
            return True
    return False


def _normalize_name(name):
    """Names compare without case, spaces or punctuation: 'Wang  Fang' is 'wang fang'."""
    return re.sub(r"[\s\.\-_,·]+", "", (name or "")).casefold()


class SubsidyWithdrawal(models.Model):
    _name = "subsidy.withdrawal"
    _description = "Subsidy Withdrawal"
    _inherit = ["mail.thread", "mail.activity.mixin", "portal.mixin", "subsidy.protected.mixin"]
    _order = "id desc"
    _check_company_auto = True
    _protected_fields = (
        "name",
        "state",
        "partner_id",
        "program_id",
        "company_id",
        "currency_id",
        "fee",
        "amount_total",
        "date_submitted",
        "first_approver_id",
        "second_approver_id",
        "reject_reason",
        "fail_reason",
        "batch_id",
        "payment_id",
        "approval_move_id",
        "payout_holder",
        "payout_number",
        "payout_bank",
    )

    name = fields.Char(required=True, readonly=True, default="/", copy=False)
    account_id = fields.Many2one(
        "subsidy.account", required=True, index=True, check_company=True, tracking=True
    )
    partner_id = fields.Many2one(related="account_id.partner_id", store=True, string="Shopper")
    program_id = fields.Many2one(related="account_id.program_id", store=True)
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    currency_id = fields.Many2one(related="account_id.currency_id", store=True)
    amount = fields.Monetary(required=True, tracking=True, help="What the shopper receives.")
    fee = fields.Monetary(compute="_compute_fee", store=True, readonly=True)
    amount_total = fields.Monetary(
        "Amount Held", compute="_compute_fee", store=True, help="Amount and fee, taken off the balance."
    )
    payout_method = fields.Selection(
        [("bank", "Bank account"), ("alipay", "Alipay"), ("wechat", "WeChat Pay")],
        required=True,
        default="bank",
        tracking=True,
    )
    bank_account_id = fields.Many2one("res.partner.bank", tracking=True)
    wallet_account = fields.Char("Alipay / WeChat Account", tracking=True)
    holder_name = fields.Char("Account Holder", tracking=True)
    # The destination as it was checked on submission: what the bank file pays, whatever
    # happens to the bank account record afterwards.
    payout_holder = fields.Char("Pay to (holder)", readonly=True, copy=False)
    payout_number = fields.Char("Pay to (account)", readonly=True, copy=False)
    payout_bank = fields.Char("Pay to (bank)", readonly=True, copy=False)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("submitted", "Submitted"),
            ("approved", "Approved"),
            ("paid", "Paid"),
            ("rejected", "Rejected"),
            ("cancelled", "Cancelled"),
            ("failed", "Payout Failed"),
        ],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    date_submitted = fields.Datetime(readonly=True, copy=False)
    first_approver_id = fields.Many2one("res.users", readonly=True, copy=False, tracking=True)
    second_approver_id = fields.Many2one("res.users", readonly=True, copy=False, tracking=True)
    needs_second_approval = fields.Boolean(compute="_compute_needs_second_approval")
    reject_reason = fields.Char(readonly=True, copy=False, tracking=True)
    fail_reason = fields.Char(readonly=True, copy=False, tracking=True)
    batch_id = fields.Many2one("subsidy.payout.batch", readonly=True, copy=False, index="btree_not_null")
    payment_id = fields.Many2one("account.payment", readonly=True, copy=False)
    approval_move_id = fields.Many2one("account.move", "Earmark Entry", readonly=True, copy=False)
    line_ids = fields.One2many(
        "subsidy.account.line", "withdrawal_id", readonly=True, groups="subsidy_queue.group_subsidy_user"
    )

    def init(self):
        # Databases created before withdrawal numbers were gapless: switch the
        # sequence to ``no_gap``, carrying on from the number it had reached.
        sequences = (
            self.env["ir.sequence"]
            .sudo()
            .search([("code", "=", "subsidy.withdrawal"), ("implementation", "=", "standard")])
        )
        for sequence in sequences:
            sequence.write({"implementation": "no_gap", "number_next": sequence.number_next_actual})
        # The payout checks look for the same account of somebody else on every request:
        # by an index on the compared forms, not a scan of every withdrawal and bank account.
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS subsidy_withdrawal_wallet_idx ON subsidy_withdrawal
                   (payout_method, lower(regexp_replace(wallet_account, '[[:space:]]', '', 'g')))
                WHERE wallet_account IS NOT NULL"""
        )
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS subsidy_res_partner_bank_number_idx
                   ON res_partner_bank (ltrim(sanitized_acc_number, '0'))"""
        )

    @api.constrains("amount")
    def _check_amount_positive(self):
        for withdrawal in self:
            if withdrawal.currency_id.compare_amounts(withdrawal.amount, 0.0) <= 0:
                raise ValidationError(_("A withdrawal must be of a positive amount."))

    @api.depends("amount", "account_id.program_id")
    def _compute_fee(self):
        for withdrawal in self:
            program = withdrawal.program_id
            if not program:
                withdrawal.fee = withdrawal.amount_total = 0.0
                continue
            units = program._units(withdrawal.amount)
            fee = program._units(program.withdraw_fee_fixed) + share(units, program.withdraw_fee_percent)
            withdrawal.fee = program._amount(fee) if units > 0 else 0.0
            withdrawal.amount_total = program._amount(units + fee) if units > 0 else 0.0

    @api.depends("amount", "program_id.withdraw_double_approval_amount")
    def _compute_needs_second_approval(self):
        for withdrawal in self:
            threshold = withdrawal.program_id.withdraw_double_approval_amount
            withdrawal.needs_second_approval = bool(threshold) and (
                withdrawal.currency_id.compare_amounts(withdrawal.amount, threshold) > 0
            )

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for withdrawal in self:
            withdrawal.access_url = "/my/subsidy/withdrawals"
        return res

    @api.model_create_multi
    def create(self, vals_list):
        # The number comes on submission, so that numbers have no gaps.
        for vals in vals_list:
            self._check_whole_amount(
                vals.get("amount"), self.env["subsidy.account"].browse(vals.get("account_id"))
            )
        return super().create(vals_list)

    def write(self, vals):
        money = {"amount", "account_id", "payout_method", "bank_account_id", "wallet_account", "holder_name"}
        if money & vals.keys() and self.filtered(lambda w: w.state != "draft"):
            raise UserError(_("A withdrawal can only be changed while it is a draft."))
        if "amount" in vals:
            for withdrawal in self:
                account = self.env["subsidy.account"].browse(vals.get("account_id")) or withdrawal.account_id
                self._check_whole_amount(vals["amount"], account)
        return super().write(vals)

    @api.model
    def _check_whole_amount(self, amount, account):
        """Refuse fractions of the currency's smallest unit before the field rounds them away."""
        if not amount or not account:
            return
        rounding = Decimal(repr(account.sudo().currency_id.rounding))
        if Decimal(repr(float(amount))) % rounding:
            raise ValidationError(
                _(
                    "Withdraw a whole amount of %s: no fraction of its smallest unit.",
                    account.sudo().currency_id.name,
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if self.filtered(lambda w: w.state != "draft"):
            raise UserError(_("Only draft withdrawals can be deleted; cancel or reject the others."))

    @api.model
    def _request_for_shopper(self, partner, values):
        """Create and submit a withdrawal for ``partner`` from untrusted input.

        Used by the portal and the JSON API: ``values`` holds ``account_id``,
        ``amount``, ``payout_method`` and either ``bank_account_id`` or
        ``bank_acc_number`` (a new account in the shopper's name), or
        ``wallet_account`` and ``holder_name``. Raises a translated
        ``ValidationError``/``UserError`` on bad input; nothing is written then.
        """
        commercial = partner.commercial_partner_id
        Account = self.env["subsidy.account"].sudo()
        try:
            account = Account.browse(int(values.get("account_id") or 0)).exists()
            amount = float(values.get("amount") or 0)
        except (TypeError, ValueError):
            raise ValidationError(_("The amount must be a number.")) from None
        if not account or account.partner_id.commercial_partner_id != commercial:
            account = Account.search([("partner_id", "=", commercial.id)], order="balance desc, id", limit=1)
            if not account or values.get("account_id"):
                raise ValidationError(_("This subsidy account is not yours."))
        method = values.get("payout_method") or "bank"
        if method not in dict(self._fields["payout_method"].selection):
            raise ValidationError(_("Unknown payout method."))
        vals = {"account_id": account.id, "amount": amount, "payout_method": method}
        with self.env.cr.savepoint():
            if method == "bank":
                bank = self.env["res.partner.bank"].sudo()
                if values.get("bank_account_id"):
                    # Looked up among the shopper's own accounts only: an unknown id and
                    # somebody else's get the same answer, which names no account.
                    bank_id = str(values["bank_account_id"])
                    bank = bank.search(
                        [
                            ("id", "=", int(bank_id) if re.fullmatch(r"[0-9]{1,9}", bank_id) else 0),
                            ("partner_id", "child_of", commercial.id),
                        ],
                        limit=1,
                    )
                    if not bank:
                        raise ValidationError(_("This bank account is not yours."))
                elif (values.get("bank_acc_number") or "").strip():
                    number = values["bank_acc_number"].strip()
                    if not re.fullmatch(r"[0-9][0-9 \-]{6,38}[0-9]", number):
                        raise ValidationError(
                            _("A bank account number holds 8 to 40 digits (spaces and dashes allowed).")
                        )
                    bank = bank.search(
                        [("acc_number", "=", number), ("partner_id", "=", commercial.id)], limit=1
                    ) or bank.create({"acc_number": number, "partner_id": commercial.id})
                vals["bank_account_id"] = bank.id
            else:
                vals["wallet_account"] = (values.get("wallet_account") or "").strip()[:128]
                vals["holder_name"] = (values.get("holder_name") or "").strip()[:128]
            withdrawal = self.sudo().create(vals)
            withdrawal.action_submit()
        return withdrawal

    @api.model
    def _shopper_page(self, partner, state=None, limit=DEFAULT_LIMIT, offset=0):
        """The shopper's withdrawals, newest first, one page: ``(withdrawals, total)``."""
        domain = [("partner_id", "child_of", partner.commercial_partner_id.id)]
        if state:
            domain.append(("state", "=", state))
        return self._read_pages([(domain, "id desc")], limit, offset)

    def _portal_values(self):
        """What the shopper's app and portal show of a withdrawal."""
        self.ensure_one()
        return {
            "id": self.id,
            "name": self.name,
            "amount": self.amount,
            "fee": self.fee,
            "currency": self.currency_id.name,
            "state": self.state,
            "payout_method": self.payout_method,
            "date_submitted": fields.Datetime.to_string(self.date_submitted) if self.date_submitted else None,
            "reject_reason": self.reject_reason or None,
            "fail_reason": self.fail_reason or None,
        }

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    def _check_payout_account(self):
        """The payout account must be the shopper's own, in the shopper's name."""
        self.ensure_one()
        partner = self.partner_id
        if self.payout_method == "bank":
            bank = self.bank_account_id.sudo()
            if not bank:
                raise ValidationError(_("Choose the bank account to pay the withdrawal to."))
            if bank.partner_id.commercial_partner_id != partner.commercial_partner_id:
                raise ValidationError(_("This bank account is not yours."))
            # The same number registered to somebody else (leading zeros aside): not the
            # shopper's account, whatever name this copy of it was given.
            self.env["res.partner.bank"].flush_model(["sanitized_acc_number", "partner_id"])
            self.env.cr.execute(
                """SELECT 1 FROM res_partner_bank b JOIN res_partner p ON p.id = b.partner_id
                    WHERE ltrim(b.sanitized_acc_number, '0') = ltrim(%s, '0')
                      AND p.commercial_partner_id != %s
                    LIMIT 1""",
                [bank.sanitized_acc_number or "", partner.commercial_partner_id.id],
            )
            if bank.sanitized_acc_number and self.env.cr.fetchone():
                raise ValidationError(
                    _("This bank account number belongs to somebody else; give an account in your own name.")
                )
            holder = bank.acc_holder_name or bank.partner_id.name
            destination = (holder, bank.acc_number, bank.bank_id.name or "")
        else:
            if not (self.wallet_account or "").strip():
                raise ValidationError(_("Give the Alipay or WeChat Pay account to pay the withdrawal to."))
            holder = self.holder_name
            method = dict(self._fields["payout_method"]._description_selection(self.env))[self.payout_method]
            destination = (holder, self.wallet_account.strip(), method)
            # The same wallet (spaces and case aside) given by somebody else before.
            self.flush_model(["wallet_account", "payout_method", "partner_id"])
            self.env.cr.execute(
                """SELECT 1 FROM subsidy_withdrawal w JOIN res_partner p ON p.id = w.partner_id
                    WHERE w.payout_method = %s
                      AND lower(regexp_replace(w.wallet_account, '[[:space:]]', '', 'g')) = %s
                      AND p.commercial_partner_id != %s
                    LIMIT 1""",
                [
                    self.payout_method,
                    re.sub(r"\s", "", self.wallet_account).lower(),
                    partner.commercial_partner_id.id,
                ],
            )
            if self.env.cr.fetchone():
                raise ValidationError(
                    _(
                        "This Alipay or WeChat Pay account belongs to somebody else; "
                        "give an account in your own name."
                    )
                )
        if any(_CONTROL.search(value or "") or has_hidden_marks(value) for value in destination):
            raise ValidationError(
                _("Account names and numbers cannot hold line breaks or control characters.")
            )
        names = {_normalize_name(partner.name), _normalize_name(partner.sudo().subsidy_verified_alias)} - {""}
        if _normalize_name(holder) not in names:
            raise ValidationError(
                _(
                    "The account holder (%(holder)s) must be the shopper (%(shopper)s) "
                    "or their verified alias.",
                    holder=holder or "-",
                    shopper=partner.name,
                )
            )
        return destination

    def _check_amount_rules(self, balance_units):
        """Amount, limits per request and per day, balance: raise a clear error."""
        self.ensure_one()
        program = self.program_id
        currency = self.currency_id
        units = program._units(self.amount)
        if units <= 0:
            raise ValidationError(_("A withdrawal must be of a positive amount."))
        if program.withdraw_min_amount and self.amount < program.withdraw_min_amount:
            raise ValidationError(
                _(
                    "The minimum withdrawal is %(amount)s.",
                    amount=currency.format(program.withdraw_min_amount),
                )
            )
        if program.withdraw_max_amount and self.amount > program.withdraw_max_amount:
            raise ValidationError(
                _(
                    "The maximum withdrawal is %(amount)s.",
                    amount=currency.format(program.withdraw_max_amount),
                )
            )
        total = program._units(self.amount_total)
        if total > balance_units:
            raise ValidationError(
                _(
                    "The balance (%(balance)s) does not cover %(total)s (the amount and its fee).",
                    balance=currency.format(program._amount(balance_units)),
                    total=currency.format(self.amount_total),
                )
            )
        today = self.sudo().search(
            [
                ("account_id", "in", self.account_id._shopper_accounts().ids),
                ("id", "!=", self.id),
                ("state", "in", ("submitted", "approved", "paid")),
                ("date_submitted", ">=", self._company_day_start()),
            ]
        )
        if program.withdraw_daily_count and len(today) >= program.withdraw_daily_count:
            raise ValidationError(
                _("At most %s withdrawals a day; try again tomorrow.", program.withdraw_daily_count)
            )
        if program.withdraw_daily_amount and (
            currency.compare_amounts(sum(today.mapped("amount")) + self.amount, program.withdraw_daily_amount)
            > 0
        ):
            raise ValidationError(
                _(
                    "At most %(amount)s a day can be withdrawn.",
                    amount=currency.format(program.withdraw_daily_amount),
                )
            )

    def _company_day_start(self):
        """Midnight of today in the company's timezone (its address's), as naive UTC.

        The shopper's own timezone plays no part: a limit per day is the shop's day.
        """
        self.ensure_one()
        tz = pytz.timezone(self.sudo().company_id.partner_id.tz or "UTC")
        local_now = datetime.now(pytz.utc).astimezone(tz)
        midnight = tz.localize(datetime.combine(local_now.date(), time.min))
        return midnight.astimezone(pytz.utc).replace(tzinfo=None)

    # ------------------------------------------------------------------
    # Workflow
    # ------------------------------------------------------------------

    def action_submit(self):
        """Hold the amount and its fee off the balance, at once, once.

        Every account of the shopper in the company is locked (the daily
        limits are the shopper's) and the account paid from is written: a
        second request whose snapshot predates this one fails on its lock.
        """
        if not self.env.su:
            # The portal and the app submit through ``_request_for_shopper``.
            self._require_user()
        self._check_requester()
        for withdrawal in self:
            withdrawal._lock_rows(nowait=True)
            if withdrawal.state != "draft":
                raise UserError(_("Withdrawal %s was already submitted.", withdrawal.name))
            holder, number, bank_name = withdrawal._check_payout_account()
            account = withdrawal.account_id.sudo()
            account._shopper_accounts()._lock_rows(
                nowait=True,
                busy_message=_(
                    "Another withdrawal of this account is being processed; try again in a moment."
                ),
            )
            balance = account._lock_balance_units(nowait=True)
            withdrawal._check_amount_rules(balance)
            account._move_funds("hold", withdrawal.program_id._units(withdrawal.amount_total), withdrawal)
            withdrawal._workflow().write(
                {
                    "state": "submitted",
                    "date_submitted": fields.Datetime.now(),
                    "payout_holder": holder,
                    "payout_number": number,
                    "payout_bank": bank_name,
                    "name": withdrawal._take_number(),
                }
            )
            withdrawal._notify_managers()
        return True

    def _take_number(self):
        """The next withdrawal number, taken in the submitting transaction.

        The sequence is ``no_gap``: a submission that rolls back (an error
        after the number was taken, a serialization failure that Odoo
        retries) gives its number back, so numbers have no gaps. Its row is
        locked (waiting, not ``NOWAIT``) until the commit: submissions take
        their numbers one after the other.
        """
        sequences = self.env["ir.sequence"].sudo().search([("code", "=", "subsidy.withdrawal")])
        lock_rows(sequences)
        return sequences.next_by_code("subsidy.withdrawal") or "/"

    def _notify_managers(self):
        group = self.env.ref("subsidy_queue.group_subsidy_manager")
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        for withdrawal in self:
            user = group.users.filtered(lambda u, w=withdrawal: w.company_id in u.company_ids)[:1]
            if user:
                withdrawal.sudo().activity_schedule(
                    activity_type_id=activity_type.id,
                    user_id=user.id,
                    summary=_("Withdrawal to approve"),
                )

    def _check_requester(self):
        """The shopper themself (portal, app) or the subsidy staff of the company."""
        if self.env.user.has_group("subsidy_queue.group_subsidy_user"):
            if not self.env.su:
                self.check_access("read")
            return
        mine = self.env.user.partner_id.commercial_partner_id
        if any(w.partner_id.commercial_partner_id != mine for w in self.sudo()):
            raise AccessError(_("This withdrawal is not yours."))

    def action_approve(self):
        self._require_manager()
        for withdrawal in self:
            if withdrawal.state != "submitted":
                raise UserError(_("Only submitted withdrawals can be approved (%s).", withdrawal.name))
            if (
                withdrawal.partner_id
                in self.env.user.partner_id | self.env.user.partner_id.commercial_partner_id
            ):
                raise UserError(_("You cannot approve your own withdrawal."))
            vals = {}
            if not withdrawal.first_approver_id:
                vals["first_approver_id"] = self.env.uid
            elif withdrawal.first_approver_id == self.env.user:
                raise UserError(
                    _("Withdrawal %s needs the approval of a second, different manager.", withdrawal.name)
                )
            else:
                vals["second_approver_id"] = self.env.uid
            done = not withdrawal.needs_second_approval or "second_approver_id" in vals
            if done:
                vals["state"] = "approved"
            withdrawal._workflow().write(vals)
            if done:
                withdrawal.sudo()._post_earmark()
                withdrawal.activity_feedback(["mail.mail_activity_data_todo"])
                withdrawal._notify_shopper(
                    _("Your withdrawal %s was approved and will be paid soon.", withdrawal.name)
                )
            else:
                withdrawal.message_post(body=_("First approval given; a second manager must approve."))
        return True

    def action_reject(self, reason=None):
        self._require_manager()
        if reason is not None and not isinstance(reason, str):
            raise UserError(_("Give the reason of the rejection; the shopper will read it."))
        for withdrawal in self:
            if withdrawal.state != "submitted":
                raise UserError(_("Only submitted withdrawals can be rejected (%s).", withdrawal.name))
            reason = (reason or self.env.context.get("reject_reason") or "").strip()
            if not reason:
                raise UserError(_("Give the reason of the rejection; the shopper will read it."))
            withdrawal._release(_("Rejected: %s", reason))
            withdrawal._workflow().write({"state": "rejected", "reject_reason": reason})
            withdrawal.activity_unlink(["mail.mail_activity_data_todo"])
            withdrawal._notify_shopper(
                _("Your withdrawal %(name)s was rejected: %(reason)s", name=withdrawal.name, reason=reason)
            )
        return True

    def action_cancel(self):
        self._check_requester()
        for withdrawal in self:
            withdrawal._lock_rows(nowait=True)
            if withdrawal.state not in ("draft", "submitted"):
                raise UserError(
                    _("Only draft or submitted withdrawals can be cancelled (%s).", withdrawal.name)
                )
            if withdrawal.state == "submitted":
                withdrawal._release(_("Cancelled"))
            withdrawal._workflow().write({"state": "cancelled"})
            withdrawal.sudo().activity_unlink(["mail.mail_activity_data_todo"])
        return True

    def _release(self, reason):
        self.ensure_one()
        account = self.account_id.sudo()
        account._lock_balance_units()
        account._move_funds("release", self.program_id._units(self.amount_total), self, reason)

    def _notify_shopper(self, body):
        for withdrawal in self:
            withdrawal.sudo().message_post(
                body=body,
                partner_ids=withdrawal.partner_id.ids,
                subtype_xmlid="mail.mt_comment",
                message_type="comment",
            )

    # ------------------------------------------------------------------
    # Accounting
    # ------------------------------------------------------------------

    def _post_earmark(self):
        """Earmark the approved amount for the shopper on the payable account.

        The shoppers' payable carries the pool's allocations without a partner;
        this entry moves the withdrawal's amount and fee to the shopper's name,
        so that the payment reconciles against it.
        """
        self.ensure_one()
        program = self.program_id
        if not (program.journal_id and program.payable_account_id):
            return
        common = {"account_id": program.payable_account_id.id, "subsidy_program_id": program.id}
        move = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": program.journal_id.id,
                "company_id": self.company_id.id,
                "date": fields.Date.context_today(self),
                "ref": _("Withdrawal %s", self.name),
                "line_ids": [
                    (0, 0, dict(common, name=self.name, debit=self.amount_total, credit=0.0)),
                    (
                        0,
                        0,
                        dict(
                            common,
                            name=self.name,
                            partner_id=self.partner_id.id,
                            debit=0.0,
                            credit=self.amount_total,
                        ),
                    ),
                ],
            }
        )
        move.action_post()
        self._workflow().write({"approval_move_id": move.id})

    def _prepare_payment_vals(self, journal):
        self.ensure_one()
        program = self.program_id
        vals = {
            "payment_type": "outbound",
            "partner_type": "supplier",
            "partner_id": self.partner_id.id,
            "amount": self.amount,
            "currency_id": self.currency_id.id,
            "journal_id": journal.id,
            "company_id": self.company_id.id,
            "date": fields.Date.context_today(self),
            "memo": _("Subsidy withdrawal %s", self.name),
            "destination_account_id": program.payable_account_id.id,
        }
        if self.bank_account_id:
            vals["partner_bank_id"] = self.bank_account_id.id
        if not self.currency_id.is_zero(self.fee):
            vals["write_off_line_vals"] = [
                {
                    "name": _("Withdrawal fee %s", self.name),
                    "account_id": program.fee_income_account_id.id,
                    "partner_id": self.partner_id.id,
                    "currency_id": self.currency_id.id,
                    "amount_currency": -self.fee,
                    "balance": -self.fee,
                }
            ]
        return vals

    def _create_payment(self, journal):
        """One posted outbound payment, reconciled with the earmark on the payable."""
        self.ensure_one()
        if self.payment_id or self.state != "approved":
            raise UserError(_("Withdrawal %s was already paid out or is not approved.", self.name))
        if self.payout_method == "bank":
            bank = self.bank_account_id.sudo()
            if (bank.acc_holder_name or bank.partner_id.name, bank.acc_number) != (
                self.payout_holder,
                self.payout_number,
            ):
                raise UserError(
                    _(
                        "The bank account of withdrawal %s changed after it was requested: reject it "
                        "and let the shopper ask again.",
                        self.name,
                    )
                )
        payment = self.env["account.payment"].create(self._prepare_payment_vals(journal))
        payment.action_post()
        payable = self.program_id.payable_account_id
        lines = (payment.move_id.line_ids | self.approval_move_id.line_ids).filtered(
            lambda line: (
                line.account_id == payable and line.partner_id == self.partner_id and not line.reconciled
            )
        )
        if payable.reconcile and len(lines) > 1:
            lines.reconcile()
        self._workflow().write({"payment_id": payment.id})
        # The payment took the money off the shoppers' payable: it leaves the hold now,
        # so that balances + holds stay what the payable account says.
        account = self.account_id.sudo()
        account._lock_balance_units()
        account._move_funds("pay", self.program_id._units(self.amount_total), self)
        return payment

    def _mark_paid(self):
        for withdrawal in self:
            # The amount left the hold when its payment was posted (``_create_payment``).
            withdrawal._workflow().write({"state": "paid"})
            withdrawal._notify_shopper(
                _(
                    "Your withdrawal %(name)s of %(amount)s was paid.",
                    name=withdrawal.name,
                    amount=withdrawal.currency_id.format(withdrawal.amount),
                )
            )
        return True

    def _mark_failed(self, reason):
        """A payout that did not reach the shopper: undo the payment, restore the balance."""
        for withdrawal in self:
            if withdrawal.state not in ("approved", "paid"):
                raise UserError(_("Only approved or paid withdrawals can fail (%s).", withdrawal.name))
            payment = withdrawal.payment_id
            if payment:
                payment.move_id.line_ids.remove_move_reconcile()
                payment.action_draft()
                payment.action_cancel()
            if withdrawal.approval_move_id:
                withdrawal.approval_move_id.line_ids.remove_move_reconcile()
                withdrawal.approval_move_id._reverse_moves(
                    [{"ref": _("Failed payout of %s", withdrawal.name)}], cancel=True
                )
            account = withdrawal.account_id.sudo()
            account._lock_balance_units()
            units = withdrawal.program_id._units(withdrawal.amount_total)
            if payment:
                account._move_funds("restore", units, withdrawal, reason)
            else:
                account._move_funds("release", units, withdrawal, reason)
            withdrawal._workflow().write({"state": "failed", "fail_reason": reason})
            withdrawal._notify_shopper(
                _(
                    "The payout of your withdrawal %(name)s failed (%(reason)s); the amount is back on your "
                    "balance.",
                    name=withdrawal.name,
                    reason=reason,
                )
            )
        return True

    def action_open_reject(self):
        self._require_manager()
        return {
            "type": "ir.actions.act_window",
            "name": _("Reject Withdrawal"),
            "res_model": "subsidy.withdrawal.reject",
            "view_mode": "form",
            "target": "new",
            "context": {"default_withdrawal_ids": self.ids},
        }
