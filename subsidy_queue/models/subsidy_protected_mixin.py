from psycopg2 import errors

from odoo import _, api, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

# What a shopper reads, one page at a time (portal and API alike).
DEFAULT_LIMIT = 50
MAX_LIMIT = 200

# The workflow's own writes carry this object in their context. A context that
# comes over RPC is JSON: it can hold a copy of a string, never this object.
WORKFLOW = object()


class BusyError(UserError):
    """Rows another transaction is changing: nothing was done, the same request may
    succeed in a moment (the API answers 503 with ``Retry-After``, not a 400)."""


def lock_rows(records, nowait=False, busy_message=None):
    """Lock ``records``' rows (``FOR NO KEY UPDATE``, in id order) and drop their cache.

    The one row lock of the addons, for any model (``direct_ship`` locks purchase
    orders with it). With ``nowait``, rows held by another transaction raise a
    clear ``UserError`` at once. Under REPEATABLE READ, a row changed by a
    transaction that committed after ours began raises a serialization failure
    here: Odoo's request and cron retries absorb it, and nobody computes on a
    stale snapshot of it. After the lock, the rows read fresh.
    """
    if not records.ids:
        return
    records.flush_recordset()
    query = SQL(
        "SELECT id FROM %s WHERE id IN %s ORDER BY id FOR NO KEY UPDATE%s",
        SQL.identifier(records._table),
        tuple(records.ids),
        SQL(" NOWAIT") if nowait else SQL(""),
    )
    cr = records.env.cr
    if not nowait:
        # A serialization failure here is routine (the request or cron is retried).
        cr.execute(query, log_exceptions=False)
    else:
        try:
            with cr.savepoint(flush=False):
                cr.execute(query, log_exceptions=False)
        except errors.LockNotAvailable:
            raise BusyError(
                busy_message or _("Someone else is changing this right now; try again in a moment.")
            ) from None
    records.invalidate_recordset()


class SubsidyProtectedMixin(models.AbstractModel):
    """Workflow fields, the manager check and row locks: one pattern for every model.

    As OCA ``queue_job`` does for its jobs, ``_protected_fields`` lists the
    fields only the workflow may set; ``create`` and ``write`` refuse them
    for everybody (a manager over RPC too) unless the call comes from the
    workflow itself, through ``_workflow()``.
    """

    _name = "subsidy.protected.mixin"
    _description = "Subsidy Workflow Protection"

    _protected_fields = ()

    def _workflow(self):
        """This recordset, allowed to write its protected fields (as superuser)."""
        return self.sudo().with_context(subsidy_workflow=WORKFLOW)

    def _is_workflow(self):
        return self.env.context.get("subsidy_workflow") is WORKFLOW

    def _check_protected(self, fields_written):
        if self._is_workflow():
            return
        touched = set(self._protected_fields) & set(fields_written)
        if touched:
            labels = sorted(self._fields[name]._description_string(self.env) for name in touched)
            raise UserError(
                _(
                    "%(fields)s of %(model)s can only be changed by the workflow, never by hand.",
                    fields=", ".join(labels),
                    model=self._description,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_protected(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_protected(vals)
        return super().write(vals)

    # ------------------------------------------------------------------
    # Who may act
    # ------------------------------------------------------------------

    def _require_group(self, xmlid, message=None):
        """Refuse the call unless the real user belongs to ``xmlid`` and may
        read these records (their company): a method called over RPC gets its
        ids from the caller, and what it does next often runs as superuser."""
        if not self.env.user.has_group(xmlid):
            raise AccessError(message or _("You are not allowed to do this."))
        if self.ids and not self.env.su:
            self.check_access("read")

    def _require_manager(self):
        self._require_group("subsidy_queue.group_subsidy_manager", _("Only a subsidy manager can do this."))

    def _require_user(self):
        self._require_group("subsidy_queue.group_subsidy_user", _("Only the subsidy staff can do this."))

    # ------------------------------------------------------------------
    # What a shopper reads
    # ------------------------------------------------------------------

    @api.model
    def _read_pages(self, parts, limit=DEFAULT_LIMIT, offset=0):
        """One page over several ``(domain, order)`` parts read one after the
        other, as the current user (record rules apply): ``(records, total)``."""
        limit = max(1, min(limit, MAX_LIMIT))
        records = self.browse()
        total = 0
        for domain, order in parts:
            count = self.search_count(domain)
            start = max(offset - total, 0)
            wanted = limit - len(records)
            if wanted > 0 and start < count:
                records += self.search(domain, order=order, offset=start, limit=wanted)
            total += count
        return records, total

    # ------------------------------------------------------------------
    # Row locks
    # ------------------------------------------------------------------

    def _lock_rows(self, nowait=False, busy_message=None):
        """Lock these rows (see :func:`lock_rows`)."""
        lock_rows(self, nowait=nowait, busy_message=busy_message)
