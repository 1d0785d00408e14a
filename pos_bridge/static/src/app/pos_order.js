import { patch } from "@web/core/utils/patch";
import { PosOrder } from "@point_of_sale/app/models/pos_order";
import { qrCodeSrc } from "@point_of_sale/utils";

patch(PosOrder.prototype, {
    /**
     * The receipt prints the order's queue entry, as the server recorded it
     * in the sync (``subsidy_receipt``), in the language of the till.
     */
    export_for_printing(baseUrl, headerData) {
        const result = super.export_for_printing(...arguments);
        const data = this.subsidy_receipt;
        if (data && data.state) {
            const url = data.invite ? data.register_url : data.portal_url;
            const shown =
                data.entry ||
                data.invite ||
                data.balance_paid ||
                data.refunded_entries ||
                data.state === "waiting" ||
                data.note;
            if (shown) {
                result.subsidy = { ...data, qr: url ? qrCodeSrc(url, { size: 150 }) : false };
            }
        } else if (this.finalized && this.get_partner() && this.config.subsidy_enabled) {
            // Recorded offline: the server queues it when the till reconnects.
            result.subsidy = { pending: true };
        }
        return result;
    },
});
