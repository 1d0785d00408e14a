"""Who may do what: the access matrix of the addons, over JSON-RPC as a browser calls it.

Every cell is one real HTTP request to ``/web/dataset/call_kw``, made with the
session of one role (one login per role, reused for the whole matrix). The
policy is the table ``POLICY_TABLE`` below, one line per (model, operation)
and one column per role; the test compares every cell with what the server
answers and fails with the list of every cell that differs.

Outcomes:

- ``ok``: the call returned a result (no error);
- ``no`` (denied): a JSON-RPC error whose ``data.name`` is ``AccessError``,
  ``UserError`` or ``ValidationError`` -- the caller was refused;
- ``found`` / ``empty``: a search that returns / does not return the record;
- ``session``: no session -- the anonymous column, refused in every row.
  Anything else (another exception, an HTTP error) is reported as a crash.

Preconditions: each call gets records in the state its operation needs (a
draft withdrawal to submit, a submitted one to approve, an approved one to
pay...), created afresh for every role when the call changes something. So
an allowed call must simply succeed, and an error in a cell whose business
preconditions hold is a refusal of the caller, never a "wrong state" error.

Operations:

- ``read``: ``read(ids)`` without a field list -- every field the caller may
  see; ``read public``/``read accounting``/``read counters`` read an explicit
  list of fields of the program, so field-level restrictions show up;
- ``search``: ``search([("id", "=", target)])``;
- ``create``/``write``/``unlink`` with valid values, and every public method
  (with the arguments a button or the wizard would pass);
- ``write protected`` and ``create protected`` expand to one cell per role and
  per protected field (the model's ``_protected_fields`` where it declares
  them, plus ``FALLBACK_PROTECTED``): nobody may set them, the Subsidy Manager
  included; only the workflow does.

The discovery test walks the registry: every model of our addons, and every
public method our addons' Python code defines (on our models and on Odoo's),
must have a line in the table, and every line must still match one.
"""

import base64
import itertools
import json
import logging
import re

from odoo import Command, fields, http
from odoo.tests import HttpCase, new_test_user, tagged

_logger = logging.getLogger(__name__)

OUR_ADDONS = ("subsidy_queue", "direct_ship")
OUR_PACKAGES = tuple(f"odoo.addons.{addon}" for addon in OUR_ADDONS)

ROLES = (
    "anonymous",
    "shopper_a",
    "shopper_b",
    "supplier_a",
    "supplier_b",
    "salesperson",
    "subsidy_user",
    "subsidy_manager",
    "other_manager",
)
OK, DENIED, FOUND, EMPTY, SESSION = "ok", "denied", "found", "empty", "session"
_TOKENS = {"ok": OK, "no": DENIED, "found": FOUND, "empty": EMPTY}
# Refusals: what a caller check, a rule, an access right or a protected field raises.
DENIALS = {
    "odoo.exceptions.AccessError": "AccessError",
    "odoo.exceptions.UserError": "UserError",
    "odoo.exceptions.ValidationError": "ValidationError",
}

# fmt: off
# The policy. Columns: the anonymous visitor is refused everywhere (no session)
# and left out; shopA/shopB portal shoppers (every target record of a shopper
# is shopper A's); supA/supB portal suppliers; sales a salesperson; user a
# Subsidy User; mgr a Subsidy Manager; other a Subsidy Manager of another company.
#
# Where the brief says nothing, these lines decide:
# - action_open_* (program, account, settlement) only return a window on records
#   the caller can read, and the form shows them to Subsidy Users: allowed to staff;
# - a salesperson reads the parcels of a sale; queue entries only of their own
#   orders (the matrix's entries are not theirs: denied);
# - the supplier actions on purchase orders and taking back a credit note belong
#   to purchase and accounting users, none of these roles;
# - a settlement exists only through a run: nobody creates one by hand;
# - supplier performance (late suppliers) is read by this company's Subsidy
#   Managers too: their dashboard shows it;
# - a wizard line acts on a wizard this company's Subsidy Manager opened.
POLICY_TABLE = """
model                         operation                shopA  shopB  supA   supB   sales  user   mgr    other
subsidy.program               read                     ok     ok     ok     ok     ok     ok     ok     no
subsidy.program               read public              ok     ok     ok     ok     ok     ok     ok     no
subsidy.program               read accounting          no     no     no     no     no     ok     ok     no
subsidy.program               read counters            no     no     no     no     no     ok     ok     no
subsidy.program               search                   found  found  found  found  found  found  found  empty
subsidy.program               create                   no     no     no     no     no     no     ok     no
subsidy.program               create protected         no     no     no     no     no     no     no     no
subsidy.program               write                    no     no     no     no     no     no     ok     no
subsidy.program               write protected          no     no     no     no     no     no     no     no
subsidy.program               unlink                   no     no     no     no     no     no     no     no
subsidy.program               unlink unused            no     no     no     no     no     no     ok     no
subsidy.program               action_verify_ledger     no     no     no     no     no     ok     ok     no
subsidy.program               action_settle            no     no     no     no     no     no     ok     no
subsidy.program               action_post_pool_lines   no     no     no     no     no     no     ok     no
subsidy.program               action_open_entries      no     no     no     no     no     ok     ok     no
subsidy.program               action_open_accounts     no     no     no     no     no     ok     ok     no
subsidy.program               action_open_settlements  no     no     no     no     no     ok     ok     no
subsidy.program               action_open_pool_lines   no     no     no     no     no     ok     ok     no
subsidy.program               action_open_projection   no     no     no     no     no     no     ok     no
subsidy.program               action_open_wind_down    no     no     no     no     no     no     ok     no
subsidy.program               action_approve_wind_down no     no     no     no     no     no     ok     no
subsidy.program               action_reject_wind_down  no     no     no     no     no     no     ok     no
subsidy.program               action_open_compliance_export no no   no     no     no     no     ok     no
subsidy.entry                 read                     ok     no     no     no     no     ok     ok     no
subsidy.entry                 search                   found  empty  empty  empty  empty  found  found  empty
subsidy.entry                 create                   no     no     no     no     no     no     no     no
subsidy.entry                 write protected          no     no     no     no     no     no     no     no
subsidy.entry                 unlink                   no     no     no     no     no     no     no     no
subsidy.entry                 action_request_void      no     no     no     no     no     no     ok     no
subsidy.entry                 action_approve_void      no     no     no     no     no     no     ok     no
subsidy.entry                 action_reject_void       no     no     no     no     no     no     ok     no
subsidy.account               read                     ok     no     no     no     no     ok     ok     no
subsidy.account               search                   found  empty  empty  empty  no     found  found  empty
subsidy.account               create                   no     no     no     no     no     no     no     no
subsidy.account               write protected          no     no     no     no     no     no     no     no
subsidy.account               unlink                   no     no     no     no     no     no     no     no
subsidy.account               action_open_entries      no     no     no     no     no     ok     ok     no
subsidy.account.line          read                     no     no     no     no     no     ok     ok     no
subsidy.account.line          search                   no     no     no     no     no     found  found  empty
subsidy.account.line          create                   no     no     no     no     no     no     no     no
subsidy.account.line          write                    no     no     no     no     no     no     no     no
subsidy.account.line          unlink                   no     no     no     no     no     no     no     no
subsidy.pool.line             read                     no     no     no     no     no     ok     ok     no
subsidy.pool.line             search                   no     no     no     no     no     found  found  empty
subsidy.pool.line             create                   no     no     no     no     no     no     no     no
subsidy.pool.line             write                    no     no     no     no     no     no     no     no
subsidy.pool.line             unlink                   no     no     no     no     no     no     no     no
subsidy.settlement            read                     no     no     no     no     no     ok     ok     no
subsidy.settlement            search                   no     no     no     no     no     found  found  empty
subsidy.settlement            create                   no     no     no     no     no     no     no     no
subsidy.settlement            write protected          no     no     no     no     no     no     no     no
subsidy.settlement            unlink                   no     no     no     no     no     no     no     no
subsidy.settlement            action_open_move         no     no     no     no     no     ok     ok     no
subsidy.queue.block           read                     no     no     no     no     no     ok     ok     no
subsidy.queue.block           search                   no     no     no     no     no     found  found  empty
subsidy.queue.block           create                   no     no     no     no     no     no     no     no
subsidy.queue.block           write                    no     no     no     no     no     no     no     no
subsidy.queue.block           unlink                   no     no     no     no     no     no     no     no
subsidy.pool.reconciliation   read                     no     no     no     no     no     ok     ok     no
subsidy.pool.reconciliation   search                   no     no     no     no     no     found  found  empty
subsidy.pool.reconciliation   create                   no     no     no     no     no     no     no     no
subsidy.pool.reconciliation   unlink                   no     no     no     no     no     no     no     no
subsidy.queue.history         read                     no     no     no     no     no     ok     ok     no
subsidy.queue.history         search                   no     no     no     no     no     found  found  empty
subsidy.queue.history         create                   no     no     no     no     no     no     no     no
subsidy.queue.history         unlink                   no     no     no     no     no     no     no     no
subsidy.withdrawal            read                     ok     no     no     no     no     ok     ok     no
subsidy.withdrawal            search                   found  empty  empty  empty  no     found  found  empty
subsidy.withdrawal            create                   no     no     no     no     no     ok     ok     no
subsidy.withdrawal            create protected         no     no     no     no     no     no     no     no
subsidy.withdrawal            write amount             no     no     no     no     no     ok     ok     no
subsidy.withdrawal            write payout_method      no     no     no     no     no     ok     ok     no
subsidy.withdrawal            write bank_account_id    no     no     no     no     no     ok     ok     no
subsidy.withdrawal            write wallet_account     no     no     no     no     no     ok     ok     no
subsidy.withdrawal            write holder_name        no     no     no     no     no     ok     ok     no
subsidy.withdrawal            write protected          no     no     no     no     no     no     no     no
subsidy.withdrawal            unlink                   no     no     no     no     no     no     no     no
subsidy.withdrawal            unlink draft             no     no     no     no     no     no     ok     no
subsidy.withdrawal            action_submit            no     no     no     no     no     ok     ok     no
subsidy.withdrawal            action_cancel            ok     no     no     no     no     ok     ok     no
subsidy.withdrawal            action_approve           no     no     no     no     no     no     ok     no
subsidy.withdrawal            action_reject            no     no     no     no     no     no     ok     no
subsidy.withdrawal            action_open_reject       no     no     no     no     no     no     ok     no
subsidy.payout.batch          read                     no     no     no     no     no     ok     ok     no
subsidy.payout.batch          search                   no     no     no     no     no     found  found  empty
subsidy.payout.batch          create                   no     no     no     no     no     no     ok     no
subsidy.payout.batch          create protected         no     no     no     no     no     no     no     no
subsidy.payout.batch          write                    no     no     no     no     no     no     ok     no
subsidy.payout.batch          write protected          no     no     no     no     no     no     no     no
subsidy.payout.batch          unlink                   no     no     no     no     no     no     no     no
subsidy.payout.batch          unlink draft             no     no     no     no     no     no     ok     no
subsidy.payout.batch          action_post_payments     no     no     no     no     no     no     ok     no
subsidy.payout.batch          action_mark_paid         no     no     no     no     no     no     ok     no
subsidy.entry.void            read                     no     no     no     no     no     no     ok     no
subsidy.entry.void            search                   no     no     no     no     no     no     found  empty
subsidy.entry.void            create                   no     no     no     no     no     no     ok     no
subsidy.entry.void            write                    no     no     no     no     no     no     ok     no
subsidy.entry.void            unlink                   no     no     no     no     no     no     no     no
subsidy.entry.void            action_request           no     no     no     no     no     no     ok     no
subsidy.withdrawal.reject     read                     no     no     no     no     no     no     ok     no
subsidy.withdrawal.reject     search                   no     no     no     no     no     no     found  empty
subsidy.withdrawal.reject     create                   no     no     no     no     no     no     ok     no
subsidy.withdrawal.reject     write                    no     no     no     no     no     no     ok     no
subsidy.withdrawal.reject     unlink                   no     no     no     no     no     no     no     no
subsidy.withdrawal.reject     action_reject            no     no     no     no     no     no     ok     no
subsidy.withdrawal.fail       read                     no     no     no     no     no     no     ok     no
subsidy.withdrawal.fail       search                   no     no     no     no     no     no     found  empty
subsidy.withdrawal.fail       create                   no     no     no     no     no     no     ok     no
subsidy.withdrawal.fail       write                    no     no     no     no     no     no     ok     no
subsidy.withdrawal.fail       unlink                   no     no     no     no     no     no     no     no
subsidy.withdrawal.fail       action_fail              no     no     no     no     no     no     ok     no
subsidy.payout.batch.add      read                     no     no     no     no     no     no     ok     no
subsidy.payout.batch.add      search                   no     no     no     no     no     no     found  empty
subsidy.payout.batch.add      create                   no     no     no     no     no     no     ok     no
subsidy.payout.batch.add      write                    no     no     no     no     no     no     ok     no
subsidy.payout.batch.add      unlink                   no     no     no     no     no     no     no     no
subsidy.payout.batch.add      action_create_batch      no     no     no     no     no     no     ok     no
subsidy.program.projection    read                     no     no     no     no     no     no     ok     no
subsidy.program.projection    search                   no     no     no     no     no     no     found  empty
subsidy.program.projection    create                   no     no     no     no     no     no     ok     no
subsidy.program.projection    write                    no     no     no     no     no     no     ok     no
subsidy.program.projection    unlink                   no     no     no     no     no     no     no     no
subsidy.program.projection    action_compute           no     no     no     no     no     no     ok     no
subsidy.program.projection    action_open_graph        no     no     no     no     no     no     ok     no
subsidy.program.projection.week read                   no     no     no     no     no     no     ok     no
subsidy.program.projection.week search                 no     no     no     no     no     no     found  empty
subsidy.program.projection.week create                 no     no     no     no     no     no     no     no
subsidy.program.projection.week unlink                 no     no     no     no     no     no     no     no
subsidy.program.wind.down     read                     no     no     no     no     no     no     ok     no
subsidy.program.wind.down     search                   no     no     no     no     no     no     found  empty
subsidy.program.wind.down     create                   no     no     no     no     no     no     ok     no
subsidy.program.wind.down     write                    no     no     no     no     no     no     ok     no
subsidy.program.wind.down     unlink                   no     no     no     no     no     no     no     no
subsidy.program.wind.down     action_request           no     no     no     no     no     no     ok     no
subsidy.program.wind.down     action_approve           no     no     no     no     no     no     ok     no
subsidy.program.wind.down     action_reject            no     no     no     no     no     no     ok     no
subsidy.compliance.export     read                     no     no     no     no     no     no     ok     no
subsidy.compliance.export     search                   no     no     no     no     no     no     found  empty
subsidy.compliance.export     create                   no     no     no     no     no     no     ok     no
subsidy.compliance.export     write                    no     no     no     no     no     no     ok     no
subsidy.compliance.export     unlink                   no     no     no     no     no     no     no     no
subsidy.compliance.export     action_export            no     no     no     no     no     no     ok     no
subsidy.compliance.export     action_print             no     no     no     no     no     no     ok     no
direct.ship.parcel            read                     no     no     no     no     ok     no     no     no
direct.ship.parcel            search                   no     no     no     no     found  no     no     no
direct.ship.parcel            create                   no     no     no     no     no     no     no     no
direct.ship.parcel            write                    no     no     no     no     no     no     no     no
direct.ship.parcel            unlink                   no     no     no     no     no     no     no     no
direct.ship.parcel            action_mark_delivered    no     no     no     no     no     no     no     no
direct.ship.supplier.stat     read                     no     no     no     no     no     no     ok     no
direct.ship.supplier.stat     search                   no     no     no     no     no     no     found  empty
direct.ship.supplier.stat     create                   no     no     no     no     no     no     no     no
direct.ship.supplier.stat     unlink                   no     no     no     no     no     no     no     no
purchase.order                action_direct_accept     no     no     no     no     no     no     no     no
purchase.order                action_direct_refuse     no     no     no     no     no     no     no     no
purchase.order                action_direct_add_parcel no     no     ok     no     no     no     no     no
purchase.order                action_direct_ship       no     no     no     no     no     no     no     no
account.move                  button_draft             no     no     no     no     no     no     no     no
"""
# fmt: on

# Protected fields until every model declares ``_protected_fields``; a model's own
# list is added to these. Program: also any stored counter of the pool's tail.
FALLBACK_PROTECTED = {
    "subsidy.entry": (
        "state", "received", "target", "base_amount", "contribution", "seq", "program_id",
        "account_id", "partner_id", "sale_order_id", "void_requested_by_id", "void_approved_by_id",
        "void_reason", "date_queued", "date_done", "date_cancelled", "cancel_reason", "name",
    ),
    "subsidy.account": (
        "balance", "held", "total_received", "total_withdrawn", "total_clawed_back", "partner_id",
        "program_id",
    ),
    "subsidy.withdrawal": (
        "state", "first_approver_id", "second_approver_id", "date_submitted", "batch_id", "payment_id",
        "approval_move_id", "reject_reason", "fail_reason", "name",
    ),
    "subsidy.payout.batch": ("state", "bank_file", "name"),
    "subsidy.program": ("last_seq", "posted_line_id"),
    # Not in the brief's list: a settlement run's figures are no hand-edited amounts either.
    "subsidy.settlement": (
        "program_id", "funds_available", "amount_paid", "entry_count", "completed_count", "move_id",
    ),
}  # fmt: skip
PROGRAM_COUNTER = re.compile(r"^(last_seq|posted_\w+|pool_tail\w*|tail_\w+)$")

PROGRAM_PUBLIC_FIELDS = (
    "name", "code", "company_id", "currency_id", "contribution_rate", "subsidy_rate", "cap_amount",
    "min_order_amount", "queue_mode", "withdraw_min_amount", "withdraw_max_amount",
    "withdraw_daily_count", "withdraw_daily_amount", "withdraw_fee_fixed", "withdraw_fee_percent",
)  # fmt: skip
PROGRAM_ACCOUNTING_FIELDS = (
    "journal_id", "expense_account_id", "pool_account_id", "payable_account_id", "payout_journal_id",
    "fee_income_account_id",
)  # fmt: skip

# ORM entry points overridden by our code: covered by the create/write/unlink/read rows.
ORM_METHODS = {"create", "write", "unlink", "read", "copy", "default_get", "name_search", "search", "init"}

# Operations every model of our addons must have a line for.
REQUIRED_OPERATIONS = ("read", "search", "create", "unlink")


def _parse_policy(table):
    policy = {}
    for line in table.strip().splitlines()[1:]:
        tokens = line.split()
        outcomes = [_TOKENS[token] for token in tokens[-(len(ROLES) - 1) :]]
        key = (tokens[0], " ".join(tokens[1 : -(len(ROLES) - 1)]))
        assert key not in policy, f"two lines for {key}"
        policy[key] = dict(zip(ROLES, [SESSION, *outcomes]))
    return policy


POLICY = _parse_policy(POLICY_TABLE)


class Call:
    """One JSON-RPC ``call_kw``: method, positional and keyword arguments.

    ``found`` is the id a search must return to count as ``found``.
    """

    def __init__(self, method, args, kwargs=None, found=None):
        self.method, self.args, self.kwargs, self.found = method, args, kwargs or {}, found


@tagged("post_install", "-at_install")
class TestAccessMatrix(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(cls.env.context, tracking_disable=True, mail_notrack=True, mail_create_nolog=True)
        )
        env = cls.env
        cls.company = env.ref("base.main_company")
        cls.currency = cls.company.currency_id
        cls.other_company = env["res.company"].create({"name": "Other Queue Shop"})
        env.user.write({"company_ids": [Command.link(cls.other_company.id)]})
        cls.bank_journal = env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        )
        rules = {
            "contribution_rate": 25.0,
            "max_margin_rate": 25.0,
            "subsidy_rate": 25.0,
            "withdraw_min_amount": 10.0,
            "withdraw_max_amount": 5000.0,
            "withdraw_daily_count": 0,
            "withdraw_daily_amount": 0.0,
            "withdraw_fee_fixed": 0.0,
            "withdraw_fee_percent": 0.0,
            "withdraw_double_approval_amount": 0.0,
            "company_id": cls.company.id,
            "currency_id": cls.currency.id,
        }
        Program = env["subsidy.program"]
        # The program every row reads; its queue is never settled during the matrix.
        cls.program = Program.create(dict(rules, name="Matrix Queue", code="MQ", sequence=-10))
        # Settlement and posting rows run here, so they never pay the first program's queue.
        cls.run_program = Program.create(dict(rules, name="Matrix Runs", code="MR", sequence=-9))
        cls._create_users()
        # Created after the users: nobody has an account in it (a free value for program_id).
        cls.spare_program = Program.create(dict(rules, name="Matrix Spare", code="MS", sequence=-8))
        cls.spare_order = env["sale.order"].create({"partner_id": cls.partner_b.id})
        cls._create_subsidy_records()
        cls.tracking = itertools.count(100000)
        cls._create_direct_ship_records()

    @classmethod
    def _create_users(cls):
        env, company = cls.env, cls.company
        in_company = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
        portal = "base.group_portal"
        cls.supplier_partners = env["res.partner"].create(
            [{"name": "Supplier Alpha", "is_company": True}, {"name": "Supplier Beta", "is_company": True}]
        )
        specs = {
            "shopper_a": (portal, {"name": "Shopper A"}),
            "shopper_b": (portal, {"name": "Shopper B"}),
            "supplier_a": (portal, {"partner_id": cls.supplier_partners[0].id}),
            "supplier_b": (portal, {"partner_id": cls.supplier_partners[1].id}),
            "salesperson": ("base.group_user,sales_team.group_sale_salesman", {}),
            "subsidy_user": ("base.group_user,subsidy_queue.group_subsidy_user", {}),
            "subsidy_manager": ("base.group_user,subsidy_queue.group_subsidy_manager", {}),
            "other_manager": (
                "base.group_user,subsidy_queue.group_subsidy_manager",
                {"company_id": cls.other_company.id, "company_ids": [Command.set(cls.other_company.ids)]},
            ),
        }
        cls.users = {}
        for role, (groups, vals) in specs.items():
            login = f"acl_{role}"
            cls.users[role] = new_test_user(
                env, login=login, password=login, groups=groups, **dict(in_company, **vals)
            )
        # Not a role: the second manager the workflow needs (a void's requester, approvals).
        cls.helper = new_test_user(
            env,
            login="acl_helper_manager",
            groups="base.group_user,subsidy_queue.group_subsidy_manager",
            **in_company,
        )
        cls.partner_a = cls.users["shopper_a"].partner_id
        cls.partner_b = cls.users["shopper_b"].partner_id

    @classmethod
    def _create_subsidy_records(cls):
        env, program = cls.env, cls.program
        Entry = env["subsidy.entry"]
        program._lock()
        Entry._enqueue(program, cls.partner_a, program._units(40000.0), "website", "FUND-A")
        cls.settlement = program._settle()
        cls.account_a = env["subsidy.account"].search(
            [("partner_id", "=", cls.partner_a.id), ("program_id", "=", program.id)]
        )
        cls.bank_a = env["res.partner.bank"].create(
            {"acc_number": "6222020200112233445", "partner_id": cls.partner_a.id}
        )
        cls.entry_a = cls._fresh_entry(400.0)
        cls.entry_b = cls._fresh_entry(400.0, cls.partner_b)
        cls.withdrawal_a = cls._withdrawal("submitted")
        cls.batch_done = cls._batch("done")
        cls.account_line = env["subsidy.account.line"].search(
            [("withdrawal_id", "=", cls.withdrawal_a.id), ("kind", "=", "hold")]
        )
        cls.pool_line = env["subsidy.pool.line"].search([("program_id", "=", program.id)], limit=1)
        cls.block = env["subsidy.queue.block"].search([("program_id", "=", program.id)], limit=1)

    @classmethod
    def _create_direct_ship_records(cls):
        env = cls.env
        cls.customer = env["res.partner"].create(
            {"name": "Zhou Xun", "street": "1 Nanjing Rd", "city": "Shanghai", "zip": "200001"}
        )
        cls.kettle = env["product.product"].create(
            {
                "name": "Matrix Kettle",
                "is_storable": True,
                "direct_ship": True,
                "list_price": 120.0,
                "seller_ids": [
                    Command.create({"partner_id": cls.supplier_partners[0].id, "price": 70.0, "delay": 2}),
                    Command.create({"partner_id": cls.supplier_partners[1].id, "price": 80.0, "delay": 2}),
                ],
            }
        )
        cls.purchase = cls._purchase("waiting")
        cls.parcel = cls._parcel()

    # ------------------------------------------------------------------
    # Records in the state an operation needs
    # ------------------------------------------------------------------

    @classmethod
    def _fresh_entry(cls, amount=100.0, partner=None, program=None):
        program = program or cls.program
        program._lock()
        return cls.env["subsidy.entry"]._enqueue(
            program, partner or cls.partner_a, program._units(amount), "website", "RPC"
        )

    @classmethod
    def _void_requested(cls):
        entry = cls._fresh_entry()
        entry.with_user(cls.helper)._request_void("Duplicate order")
        return entry

    @classmethod
    def _withdrawal(cls, state="draft"):
        """A withdrawal of shopper A's, by Alipay, in ``state`` (draft, submitted, approved)."""
        withdrawal = cls.env["subsidy.withdrawal"].create(cls._withdrawal_vals())
        if state in ("submitted", "approved"):
            withdrawal.action_submit()
        if state == "approved":
            withdrawal.with_user(cls.helper).action_approve()
        return withdrawal

    @classmethod
    def _withdrawal_vals(cls):
        return {
            "account_id": cls.account_a.id,
            "amount": 10.0,
            "payout_method": "alipay",
            "wallet_account": "shopper.a@alipay",
            "holder_name": "Shopper A",
        }

    @classmethod
    def _batch(cls, state="draft", withdrawal=True):
        """A payout batch in ``state``, holding one approved withdrawal if asked."""
        batch = (
            cls.env["subsidy.payout.batch"].with_user(cls.helper).create({"journal_id": cls.bank_journal.id})
        )
        if withdrawal:
            batch._add_withdrawals(cls._withdrawal("approved"))
        if state in ("sent", "done"):
            batch.action_post_payments()
        if state == "done":
            batch.action_mark_paid()
        return batch

    @classmethod
    def _purchase(cls, state="waiting"):
        """A direct-ship purchase order of supplier A, sent (waiting), accepted, or with a parcel."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "order_line": [Command.create({"product_id": cls.kettle.id, "product_uom_qty": 1})],
            }
        )
        order.action_confirm()
        purchase = order.direct_purchase_ids
        if state in ("accepted", "parcel"):
            purchase.action_direct_accept()
        if state == "parcel":
            purchase.action_direct_add_parcel(
                cls.env.ref("direct_ship.delivery_carrier_sf").id, f"SF{next(cls.tracking)}"
            )
        return purchase

    @classmethod
    def _parcel(cls):
        if not getattr(cls, "accepted_purchase", None):
            cls.accepted_purchase = cls._purchase("accepted")
        return cls.env["direct.ship.parcel"].create(
            {
                "purchase_id": cls.accepted_purchase.id,
                "carrier_id": cls.env.ref("direct_ship.delivery_carrier_sf").id,
                "tracking_ref": f"SF{next(cls.tracking)}",
                "date_shipped": fields.Datetime.now(),
            }
        )

    def _credit_note(self):
        """A posted credit note: what ``button_draft`` takes back."""
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.customer.id,
                "invoice_line_ids": [Command.create({"name": "Returned kettle", "price_unit": 120.0})],
            }
        )
        refund.action_post()
        return refund

    def _wizard(self, model, vals):
        """A wizard of this company's Subsidy Manager, as the manager opened it."""
        return self.env[model].with_user(self.users["subsidy_manager"]).sudo().create(vals)

    # ------------------------------------------------------------------
    # The calls
    # ------------------------------------------------------------------

    def _targets(self):
        """The record each model's read, search and write rows act on."""
        return {
            "subsidy.program": lambda: self.program,
            "subsidy.entry": lambda: self.entry_a,
            "subsidy.account": lambda: self.account_a,
            "subsidy.account.line": lambda: self.account_line,
            "subsidy.pool.line": lambda: self.pool_line,
            "subsidy.settlement": lambda: self.settlement,
            "subsidy.queue.block": lambda: self.block,
            "subsidy.pool.reconciliation": lambda: self.env["subsidy.pool.reconciliation"].browse(
                self.program.id
            ),
            "subsidy.queue.history": lambda: self.env["subsidy.queue.history"].search(
                [("program_id", "=", self.program.id)], limit=1
            ),
            "subsidy.withdrawal": lambda: self.withdrawal_a,
            "subsidy.payout.batch": lambda: self.batch_done,
            "subsidy.entry.void": lambda: self._wizard(
                "subsidy.entry.void", {"entry_id": self._fresh_entry().id, "reason": "Duplicate"}
            ),
            "subsidy.withdrawal.reject": lambda: self._wizard(
                "subsidy.withdrawal.reject",
                {"withdrawal_ids": [Command.set(self._withdrawal("submitted").ids)], "reason": "Wrong"},
            ),
            "subsidy.withdrawal.fail": lambda: self._wizard(
                "subsidy.withdrawal.fail",
                {"withdrawal_id": self._withdrawal("approved").id, "reason": "Bounced"},
            ),
            "subsidy.payout.batch.add": lambda: self._wizard(
                "subsidy.payout.batch.add",
                {
                    "withdrawal_ids": [Command.set(self._withdrawal("approved").ids)],
                    "journal_id": self.bank_journal.id,
                },
            ),
            "subsidy.program.projection": lambda: self._projection(),
            "subsidy.program.projection.week": lambda: self._projection().line_ids[:1],
            "subsidy.program.wind.down": lambda: self._wizard(
                "subsidy.program.wind.down",
                {"program_id": self._program().id, "option": "full", "reason": "The shop closes"},
            ),
            "subsidy.compliance.export": lambda: self._wizard(
                "subsidy.compliance.export", {"program_id": self.program.id}
            ),
            "direct.ship.parcel": lambda: self.parcel,
            "direct.ship.supplier.stat": lambda: self.env["direct.ship.supplier.stat"].browse(
                self.purchase.id
            ),
        }

    def _create_vals(self):
        """Valid values a create row sends (no protected field unless the model has nothing else)."""
        program = self.program
        return {
            "subsidy.program": lambda: {
                "name": "Created over RPC",
                "company_id": self.company.id,
                "currency_id": self.currency.id,
                "contribution_rate": 10.0,
                "subsidy_rate": 20.0,
            },
            "subsidy.entry": lambda: {
                "name": "MQ9999999",
                "program_id": program.id,
                "account_id": self.account_a.id,
                "partner_id": self.partner_a.id,
                "seq": 9999999,
                "channel": "sale",
                "base_amount": 100.0,
                "target": 25.0,
            },
            "subsidy.account": lambda: {
                "partner_id": self.env["res.partner"].create({"name": "New shopper"}).id,
                "program_id": program.id,
            },
            "subsidy.account.line": lambda: {
                "account_id": self.account_a.id,
                "kind": "release",
                "amount": 5.0,
            },
            "subsidy.pool.line": lambda: {
                "program_id": program.id,
                "kind": "contribution",
                "amount": 5.0,
                "date": fields.Datetime.to_string(fields.Datetime.now()),
            },
            "subsidy.settlement": lambda: {"program_id": program.id},
            "subsidy.queue.block": lambda: {"program_id": program.id, "block": 999999},
            "subsidy.pool.reconciliation": lambda: {"program_id": program.id},
            "subsidy.queue.history": lambda: {"program_id": program.id, "joined": 1},
            "subsidy.withdrawal": self._withdrawal_vals,
            "subsidy.payout.batch": lambda: {"journal_id": self.bank_journal.id},
            "subsidy.entry.void": lambda: {"entry_id": self._fresh_entry().id, "reason": "Duplicate"},
            "subsidy.withdrawal.reject": lambda: {
                "withdrawal_ids": [Command.set(self._withdrawal("submitted").ids)],
                "reason": "Wrong account",
            },
            "subsidy.withdrawal.fail": lambda: {
                "withdrawal_id": self._withdrawal("approved").id,
                "reason": "Bounced",
            },
            "subsidy.payout.batch.add": lambda: {
                "withdrawal_ids": [Command.set(self._withdrawal("approved").ids)],
                "journal_id": self.bank_journal.id,
            },
            "direct.ship.parcel": lambda: {
                "purchase_id": self.accepted_purchase.id,
                "carrier_id": self.env.ref("direct_ship.delivery_carrier_sf").id,
                "tracking_ref": f"SF{next(self.tracking)}",
            },
            "subsidy.program.projection": lambda: {"program_id": program.id, "sales_change": -30},
            "subsidy.program.projection.week": lambda: {"projection_id": self._projection().id, "week": 99},
            "subsidy.program.wind.down": lambda: {"program_id": self._program().id, "option": "share"},
            "subsidy.compliance.export": lambda: {"program_id": program.id},
            "direct.ship.supplier.stat": lambda: {"purchase_id": self.purchase.id},
        }

    def _unlink_targets(self):
        """What each unlink row deletes: the kind of record nobody may delete, made afresh."""
        return {
            "subsidy.program": lambda: self._program_with_entry(),
            "subsidy.entry": lambda: self._fresh_entry(),
            "subsidy.account": lambda: self.env["subsidy.account"]._get_or_create(
                self.program, self.env["res.partner"].create({"name": "Another shopper"})
            ),
            "subsidy.withdrawal": lambda: self._batch("done").withdrawal_ids,
            "subsidy.payout.batch": lambda: self._batch("done"),
            "direct.ship.parcel": self._parcel,
        }

    def _program(self):
        """A program of this company like the first one, without entries (its rules can change)."""
        return self.program.copy({"name": "Another program", "sequence": 50})

    def _wind_down_requested(self):
        """A program like the first one, whose wind-down the helper manager asked for."""
        program = self._program()
        program.with_user(self.helper)._request_wind_down("full", "The shop closes")
        return program

    def _projection(self):
        """A what-if of the first program, opened and computed by this company's Subsidy Manager."""
        wizard = self._wizard("subsidy.program.projection", {"program_id": self.program.id, "weeks": 4})
        wizard.action_compute()
        return wizard

    def _program_with_entry(self):
        program = self._program()
        self._fresh_entry(program=program)
        return program

    def _special_calls(self):
        """Calls of the rows that are neither plain read/search/create/unlink nor a protected field."""
        ids = self._ids
        program = self.program
        fresh = self._fresh_entry
        withdrawal = self._withdrawal
        return {
            ("subsidy.program", "read public"): lambda: Call("read", [ids(program), PROGRAM_PUBLIC_FIELDS]),
            ("subsidy.program", "read accounting"): lambda: Call(
                "read", [ids(program), self._existing("subsidy.program", PROGRAM_ACCOUNTING_FIELDS)]
            ),
            ("subsidy.program", "read counters"): lambda: Call(
                "read", [ids(program), self._protected_fields("subsidy.program")]
            ),
            ("subsidy.program", "write"): lambda: Call(
                "write", [ids(self._program()), {"name": "Renamed", "withdraw_min_amount": 20.0}]
            ),
            ("subsidy.program", "unlink unused"): lambda: Call("unlink", [ids(self._program())]),
            ("subsidy.program", "action_settle"): lambda: Call(
                "action_settle", [self._run_program_with_funds()]
            ),
            ("subsidy.program", "action_post_pool_lines"): lambda: Call(
                "action_post_pool_lines", [self._run_program_with_funds()]
            ),
            ("subsidy.program", "action_approve_wind_down"): lambda: Call(
                "action_approve_wind_down", [ids(self._wind_down_requested())]
            ),
            ("subsidy.program", "action_reject_wind_down"): lambda: Call(
                "action_reject_wind_down", [ids(self._wind_down_requested())]
            ),
            ("subsidy.program.wind.down", "action_request"): lambda: Call(
                "action_request",
                [
                    ids(
                        self._wizard(
                            "subsidy.program.wind.down",
                            {"program_id": self._program().id, "option": "share", "reason": "Sales stopped"},
                        )
                    )
                ],
            ),
            ("subsidy.program.wind.down", "action_approve"): lambda: Call(
                "action_approve",
                [
                    ids(
                        self._wizard(
                            "subsidy.program.wind.down", {"program_id": self._wind_down_requested().id}
                        )
                    )
                ],
            ),
            ("subsidy.program.wind.down", "action_reject"): lambda: Call(
                "action_reject",
                [
                    ids(
                        self._wizard(
                            "subsidy.program.wind.down", {"program_id": self._wind_down_requested().id}
                        )
                    )
                ],
            ),
            ("subsidy.entry", "action_request_void"): lambda: Call("action_request_void", [ids(fresh())]),
            ("subsidy.entry", "action_approve_void"): lambda: Call(
                "action_approve_void", [ids(self._void_requested())]
            ),
            ("subsidy.entry", "action_reject_void"): lambda: Call(
                "action_reject_void", [ids(self._void_requested())]
            ),
            ("subsidy.account.line", "write"): lambda: Call("write", [ids(self.account_line), {"name": "x"}]),
            ("subsidy.pool.line", "write"): lambda: Call("write", [ids(self.pool_line), {"name": "x"}]),
            ("subsidy.queue.block", "write"): lambda: Call("write", [ids(self.block), {"queued_count": 0}]),
            ("subsidy.withdrawal", "write amount"): lambda: Call(
                "write", [ids(withdrawal()), {"amount": 20.0}]
            ),
            ("subsidy.withdrawal", "write payout_method"): lambda: Call(
                "write", [ids(withdrawal()), {"payout_method": "wechat"}]
            ),
            ("subsidy.withdrawal", "write bank_account_id"): lambda: Call(
                "write", [ids(withdrawal()), {"payout_method": "bank", "bank_account_id": self.bank_a.id}]
            ),
            ("subsidy.withdrawal", "write wallet_account"): lambda: Call(
                "write", [ids(withdrawal()), {"wallet_account": "a.shopper@alipay"}]
            ),
            ("subsidy.withdrawal", "write holder_name"): lambda: Call(
                "write", [ids(withdrawal()), {"holder_name": "SHOPPER A"}]
            ),
            ("subsidy.withdrawal", "unlink draft"): lambda: Call("unlink", [ids(withdrawal())]),
            ("subsidy.withdrawal", "action_submit"): lambda: Call("action_submit", [ids(withdrawal())]),
            ("subsidy.withdrawal", "action_cancel"): lambda: Call(
                "action_cancel", [ids(withdrawal("submitted"))]
            ),
            ("subsidy.withdrawal", "action_approve"): lambda: Call(
                "action_approve", [ids(withdrawal("submitted"))]
            ),
            ("subsidy.withdrawal", "action_reject"): lambda: Call(
                "action_reject", [ids(withdrawal("submitted"))], {"reason": "Wrong account"}
            ),
            ("subsidy.withdrawal", "action_open_reject"): lambda: Call(
                "action_open_reject", [ids(withdrawal("submitted"))]
            ),
            ("subsidy.payout.batch", "write"): lambda: Call(
                "write", [ids(self._batch(withdrawal=False)), {"journal_id": self.bank_journal.id}]
            ),
            ("subsidy.payout.batch", "unlink draft"): lambda: Call(
                "unlink", [ids(self._batch(withdrawal=False))]
            ),
            ("subsidy.payout.batch", "action_post_payments"): lambda: Call(
                "action_post_payments", [ids(self._batch())]
            ),
            ("subsidy.payout.batch", "action_mark_paid"): lambda: Call(
                "action_mark_paid", [ids(self._batch("sent"))]
            ),
            ("direct.ship.parcel", "write"): lambda: Call(
                "write",
                [ids(self.parcel), {"carrier_id": self.env.ref("direct_ship.delivery_carrier_jd").id}],
            ),
            ("direct.ship.parcel", "action_mark_delivered"): lambda: Call(
                "action_mark_delivered", [ids(self._parcel())]
            ),
            ("account.move", "button_draft"): lambda: Call("button_draft", [ids(self._credit_note())]),
            ("purchase.order", "action_direct_accept"): lambda: Call(
                "action_direct_accept", [ids(self._purchase())]
            ),
            ("purchase.order", "action_direct_refuse"): lambda: Call(
                "action_direct_refuse", [ids(self._purchase())], {"reason": "Out of stock"}
            ),
            ("purchase.order", "action_direct_add_parcel"): lambda: Call(
                "action_direct_add_parcel",
                [
                    ids(self._purchase("accepted")),
                    self.env.ref("direct_ship.delivery_carrier_sf").id,
                    f"SF{next(self.tracking)}",
                ],
            ),
            ("purchase.order", "action_direct_ship"): lambda: Call(
                "action_direct_ship", [ids(self._purchase("parcel"))]
            ),
            **{
                (model, "write"): (
                    lambda model=model, vals=vals: Call("write", [ids(self._targets()[model]()), vals])
                )
                for model, vals in (
                    ("subsidy.program.projection", {"sales_change": 20}),
                    ("subsidy.program.wind.down", {"reason": "Another reason"}),
                    ("subsidy.compliance.export", {"file_format": "csv"}),
                    ("subsidy.entry.void", {"reason": "Entered twice"}),
                    ("subsidy.withdrawal.reject", {"reason": "Name mismatch"}),
                    ("subsidy.withdrawal.fail", {"reason": "Account closed"}),
                    ("subsidy.payout.batch.add", {"journal_id": self.bank_journal.id}),
                )
            },
        }

    def _run_program_with_funds(self):
        """Ids of the second program, given a new paid order: funds to settle, a line to post."""
        self._fresh_entry(program=self.run_program)
        return self.run_program.ids

    @staticmethod
    def _ids(*records):
        return [record.id for record in records]

    def _existing(self, model, names):
        return [name for name in names if name in self.env[model]._fields]

    def _protected_fields(self, model):
        """The model's ``_protected_fields``, the fallback list, and the program's stored counters."""
        Model = self.env[model]
        names = set(getattr(type(Model), "_protected_fields", None) or ())
        names |= set(FALLBACK_PROTECTED.get(model, ()))
        if model == "subsidy.program":
            names |= {
                name
                for name, field in Model._fields.items()
                if PROGRAM_COUNTER.match(name) and field.store and not field.compute
            }
        return sorted(name for name in names if name in Model._fields)

    def _other_value(self, record, name):
        """A value for field ``name`` of ``record`` other than its own, that the database accepts."""
        field = record._fields[name]
        value = record[name]
        spare = {
            "subsidy.program": self.spare_program.id,
            "sale.order": self.spare_order.id,
            "res.partner": self.customer.id,
            "res.users": self.helper.id,
            "subsidy.account": self.account_a.id,
            "subsidy.payout.batch": self.batch_done.id,
            "subsidy.settlement": self.settlement.id,
        }
        if field.type == "many2one":
            if field.comodel_name in spare and spare[field.comodel_name] != value.id:
                return spare[field.comodel_name]
            other = self.env[field.comodel_name].search([("id", "!=", value.id)], limit=1)
            return other.id or value.id
        if field.type == "selection":
            values = [key for key, _label in field._description_selection(self.env)]
            return next((key for key in values if key != value), value)
        if field.type in ("integer", "float", "monetary"):
            if name == "received":  # an entry never receives more than its target
                return record.target
            return (value or 0) + 1_000_000
        if field.type in ("date", "datetime"):
            return "2020-01-01" if field.type == "date" else "2020-01-01 00:00:00"
        if field.type == "binary":
            return base64.b64encode(b"forged").decode()
        if field.type == "boolean":
            return not value
        return "Tampered"

    def _calls(self):
        """Every cell's call, by (model, operation): a function run once per role.

        Returns ``(calls, protected)``, ``protected`` the keys of the protected-field cells.
        """
        targets, creates, unlinks = self._targets(), self._create_vals(), self._unlink_targets()
        special = self._special_calls()
        calls, protected = {}, set()
        for model, operation in POLICY:
            if (model, operation) in special:
                calls[model, operation] = special[model, operation]
            elif operation == "read":
                calls[model, operation] = lambda t=targets[model]: Call("read", [t().ids])
            elif operation == "search":
                calls[model, operation] = lambda t=targets[model]: self._search_call(t())
            elif operation == "create":
                calls[model, operation] = lambda v=creates[model]: Call("create", [v()])
            elif operation == "unlink":
                target = unlinks.get(model, targets[model])
                calls[model, operation] = lambda t=target: Call("unlink", [t().ids])
            elif operation == "write protected":
                for name in self._protected_fields(model):
                    key = (model, f"write {name}")
                    self.assertNotIn(
                        key, POLICY, f"{model}.{name} is protected, yet a line lets roles write it"
                    )
                    calls[key] = lambda t=targets[model], n=name: self._write_call(t(), n)
                    protected.add(key)
            elif operation == "create protected":
                for name in self._protected_fields(model):
                    key = (model, f"create with {name}")
                    calls[key] = lambda m=model, n=name: self._create_call(m, creates[m](), n)
                    protected.add(key)
            else:  # a public method, called on the row's target with no argument
                calls[model, operation] = lambda t=targets[model], m=operation: Call(m, [t().ids])
        return calls, protected

    def _search_call(self, record):
        return Call("search", [[("id", "=", record.id)]], found=record.id)

    def _write_call(self, record, name):
        return Call("write", [record.ids, {name: self._other_value(record, name)}])

    def _create_call(self, model, vals, name):
        template = {
            "subsidy.withdrawal": lambda: self.withdrawal_a,
            "subsidy.payout.batch": lambda: self.batch_done,
            "subsidy.program": lambda: self.program,
        }[model]()
        return Call("create", [dict(vals, **{name: self._other_value(template, name)})])

    @classmethod
    def _expected(cls, model, operation):
        """The policy line of a cell; protected-field cells take their model's protected line."""
        if (model, operation) in POLICY:
            return POLICY[model, operation]
        kind = "create protected" if operation.startswith("create with ") else "write protected"
        return POLICY[model, kind]

    # ------------------------------------------------------------------
    # JSON-RPC
    # ------------------------------------------------------------------

    def _log_in(self):
        """One session per role, as a browser keeps it; the anonymous one has none."""
        openers = {"anonymous": self.opener}
        for role in ROLES[1:]:
            self.session = None  # authenticate() would end the previous role's session
            login = f"acl_{role}"
            self.authenticate(login, login)
            self.addCleanup(http.root.session_store.delete, self.session)
            openers[role] = self.opener
        return openers

    def _rpc(self, opener, model, call):
        """POST one ``call_kw`` and name its outcome: (outcome, detail)."""
        self.opener = opener
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": next(self._request_ids),
            "params": {"model": model, "method": call.method, "args": call.args, "kwargs": call.kwargs},
        }
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{call.method}",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
            timeout=60,
        )
        self.env.invalidate_all()
        if response.status_code != 200:
            return f"crash (HTTP {response.status_code})", response.text[:200]
        body = response.json()
        error = body.get("error")
        if error:
            data = error.get("data") or {}
            name = data.get("name", "")
            message = " ".join((data.get("message") or error.get("message") or "").split())[:200]
            if name == "odoo.http.SessionExpiredException":
                return SESSION, message
            if name in DENIALS:
                return DENIED, f"{DENIALS[name]}: {message}"
            return f"crash ({name})", message
        if call.found is not None:
            return (FOUND if call.found in body["result"] else EMPTY), ""
        return OK, ""

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------

    def test_access_matrix(self):
        self._request_ids = itertools.count(1)
        openers = self._log_in()
        calls, protected = self._calls()
        # The protected-field cells write shared records: they run last, so that
        # a field written by mistake cannot change what the other rows see.
        order = sorted(calls, key=lambda key: key in protected)
        violations, cells = [], 0
        for model, operation in order:
            expected = self._expected(model, operation)
            for role in ROLES[1:]:
                call = calls[model, operation]()
                got, detail = self._rpc(openers[role], model, call)
                if got != expected[role]:
                    violations.append((model, operation, role, expected[role], got, detail))
            # Refused before anything is read: any ids will do, the last role's serve.
            got, detail = self._rpc(openers["anonymous"], model, call)
            if got != expected["anonymous"]:
                violations.append((model, operation, "anonymous", expected["anonymous"], got, detail))
            cells += len(ROLES)
        _logger.info("Access matrix: %s cells, %s differ from the policy", cells, len(violations))
        if violations:
            lines = [f"{len(violations)} of {cells} cells differ from the policy:"]
            lines += [
                f"  {model} | {operation} | {role}: expected {expected}, got {got}"
                + (f" -- {detail}" if detail else "")
                for model, operation, role, expected, got, detail in violations
            ]
            self.fail("\n".join(lines))

    def test_every_model_and_public_method_has_a_line(self):
        """Discovery: a model or public method of our addons without a line fails here, by name."""
        missing, stale = [], []
        lines = set(POLICY)
        known = set()
        for name in sorted(self.env.registry):
            Model = self.env[name]
            cls = type(Model)
            if Model._original_module in OUR_ADDONS and not Model._abstract:
                for operation in REQUIRED_OPERATIONS:
                    known.add((name, operation))
                    if (name, operation) not in lines:
                        missing.append(f"{name}: no '{operation}' line")
            for method in sorted(self._public_methods(cls)):
                known.add((name, method))
                if (name, method) not in lines:
                    missing.append(f"{name}.{method}(): public method without a line")
        for model, operation in sorted(lines):
            first = operation.split()[0]
            if first in ("read", "search", "create", "write", "unlink"):
                if model not in self.env.registry:
                    stale.append(f"{model}: no such model")
            elif (model, operation) not in known:
                stale.append(f"{model}.{operation}(): no such public method of our addons")
        self.assertFalse(missing, "Missing in POLICY_TABLE:\n" + "\n".join(missing))
        self.assertFalse(stale, "Lines of POLICY_TABLE that match nothing:\n" + "\n".join(stale))

    @staticmethod
    def _public_methods(cls):
        """Names of the methods our addons define on ``cls`` that JSON-RPC can call."""
        names = set()
        for klass in cls.__mro__:
            if not klass.__module__.startswith(OUR_PACKAGES):
                continue
            for name, value in vars(klass).items():
                if name.startswith("_") or name in ORM_METHODS or name.startswith("web_"):
                    continue
                if not callable(value):
                    continue
                # As odoo.service.model.get_public_method: private anywhere in the MRO is private.
                if any(getattr(getattr(k, name, None), "_api_private", False) for k in cls.__mro__):
                    continue
                names.add(name)
        return names
