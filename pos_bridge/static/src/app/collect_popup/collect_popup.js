import { Component, onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { Dialog } from "@web/core/dialog/dialog";
import { useService } from "@web/core/utils/hooks";
import { usePos } from "@point_of_sale/app/store/pos_hook";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { RPCError } from "@web/core/network/rpc";
import { handleRPCError } from "@point_of_sale/app/errors/error_handlers";

/**
 * Online orders to collect at this store (``website_sale_collect``, and
 * direct-ship orders shipped to the store): find one, hand it over. The
 * server validates the pick-up transfer and records the cashier and time.
 */
export class SubsidyCollectPopup extends Component {
    static template = "pos_bridge.SubsidyCollectPopup";
    static components = { Dialog };
    static props = { close: Function };

    setup() {
        this.pos = usePos();
        this.dialog = useService("dialog");
        this.state = useState({ search: "", orders: [], loading: true, done: {} });
        onWillStart(() => this.load());
    }

    async load() {
        this.state.loading = true;
        try {
            this.state.orders = await this.pos.data.call("pos.config", "subsidy_collect_orders", [
                [this.pos.config.id],
                this.state.search,
            ]);
        } catch (error) {
            this.state.orders = [];
            this.showError(error);
        } finally {
            this.state.loading = false;
        }
    }

    showError(error) {
        if (error instanceof RPCError) {
            handleRPCError(error, this.dialog);
        } else {
            this.dialog.add(AlertDialog, {
                title: _t("Connection Lost"),
                body: _t("Orders to collect are found on the server: the till is offline."),
            });
        }
    }

    async onSearch(ev) {
        if (ev.key === "Enter") {
            await this.load();
        }
    }

    async handOver(order) {
        try {
            const result = await this.pos.data.call("pos.config", "subsidy_collect_hand_over", [
                [this.pos.config.id],
                order.id,
            ]);
            this.state.done[order.id] = result;
            this.state.orders = this.state.orders.map((o) => (o.id === order.id ? result : o));
        } catch (error) {
            this.showError(error);
            await this.load();
        }
    }

    format(amount) {
        return this.env.utils.formatCurrency(amount || 0);
    }
}
