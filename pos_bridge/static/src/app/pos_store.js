import { patch } from "@web/core/utils/patch";
import { _t } from "@web/core/l10n/translation";
import { PosStore } from "@point_of_sale/app/store/pos_store";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";

/**
 * The queue subsidy at the till.
 *
 * A customer's subsidy account is fetched from the server when the customer
 * is set on an order (never preloaded), kept per customer and fetched again
 * after the customer's orders synced. The balance is spent by the server,
 * inside the transaction that records the order: the till only asks.
 */
patch(PosStore.prototype, {
    async setup() {
        this.subsidyAccounts = {};
        await super.setup(...arguments);
    },
    get subsidyPaymentMethod() {
        return this.config.payment_method_ids.find((pm) => pm.subsidy_balance);
    },
    get subsidyOnline() {
        return !this.data.network.offline;
    },
    getSubsidyAccount(partner) {
        return partner ? this.subsidyAccounts[partner.id] : undefined;
    },
    async fetchSubsidyAccount(partner, { force = false } = {}) {
        if (!partner || !partner.id) {
            return undefined;
        }
        const known = this.subsidyAccounts[partner.id];
        if (known && !force && !known.error) {
            return known;
        }
        if (!this.subsidyOnline) {
            this.subsidyAccounts[partner.id] = { ...(known || {}), offline: true };
            return this.subsidyAccounts[partner.id];
        }
        try {
            const info = await this.data.call("pos.config", "subsidy_account_info", [
                [this.config.id],
                partner.id,
            ]);
            this.subsidyAccounts[partner.id] = { ...info, offline: false };
        } catch {
            this.subsidyAccounts[partner.id] = { ...(known || {}), offline: true, error: true };
        }
        return this.subsidyAccounts[partner.id];
    },
    async syncAllOrders(options = {}) {
        const result = await super.syncAllOrders(...arguments);
        if (Array.isArray(result)) {
            const partners = new Set(result.map((order) => order.partner_id).filter(Boolean));
            for (const partner of partners) {
                if (this.subsidyAccounts[partner.id]) {
                    this.fetchSubsidyAccount(partner, { force: true });
                }
            }
        }
        return result;
    },
    async addLineToOrder(vals, order, opts = {}, configure = true) {
        let product = vals.product_id;
        if (typeof product === "number") {
            product = this.data.models["product.product"].get(product);
        }
        if (product?.direct_ship && !vals.sale_order_line_id && !vals.refunded_orderline_id) {
            this.dialog.add(AlertDialog, {
                title: _t("Shipped by a supplier"),
                body: _t(
                    "%s ships directly from a supplier and is never in the store: sell it as an online or back-office order (to collect here if the customer wishes).",
                    product.display_name
                ),
            });
            return;
        }
        return await super.addLineToOrder(...arguments);
    },
});
