import { patch } from "@web/core/utils/patch";
import { _t } from "@web/core/l10n/translation";
import { serializeDateTime } from "@web/core/l10n/dates";
import { ConnectionLostError, RPCError } from "@web/core/network/rpc";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { roundDecimals } from "@web/core/utils/numbers";
import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";
import { handleRPCError } from "@point_of_sale/app/errors/error_handlers";
import { ask } from "@point_of_sale/app/store/make_awaitable_dialog";
import { SubsidyAccountPanel } from "@pos_bridge/app/subsidy_account_panel/subsidy_account_panel";

patch(PaymentScreen, {
    components: { ...PaymentScreen.components, SubsidyAccountPanel },
});

const isSubsidy = (payment) => payment.payment_method_id?.subsidy_balance;

patch(PaymentScreen.prototype, {
    onMounted() {
        super.onMounted(...arguments);
        this._subsidySuggestRefund();
    },
    /**
     * A refund of an order the balance paid gives back to the balance its share.
     */
    _subsidySuggestRefund() {
        const order = this.currentOrder;
        const method = this.pos.subsidyPaymentMethod;
        if (!method || !order._isRefundOrder() || this.paymentLines.length) {
            return;
        }
        const original = order.lines[0].refunded_orderline_id?.order_id;
        const spent = (original?.payment_ids || [])
            .filter(isSubsidy)
            .reduce((sum, payment) => sum + payment.amount, 0);
        const originalTotal = original?.amount_total || 0;
        const due = order.get_due();
        if (spent <= 0 || originalTotal <= 0 || due >= 0) {
            return;
        }
        const share = roundDecimals(
            Math.min(spent, (-due * spent) / originalTotal),
            this.pos.currency.decimal_places
        );
        const line = order.add_paymentline(method);
        if (line) {
            line.set_amount(-share);
        }
    },
    async addNewPaymentLine(paymentMethod) {
        if (!paymentMethod.subsidy_balance) {
            return await super.addNewPaymentLine(...arguments);
        }
        const amount = await this._subsidyAmount();
        if (amount === false) {
            return false;
        }
        const result = await super.addNewPaymentLine(...arguments);
        if (result) {
            this.paymentLines.at(-1).set_amount(amount);
            this.numberBuffer.reset();
        }
        return result;
    },
    _subsidyOfflineAlert() {
        this.dialog.add(AlertDialog, {
            title: _t("Subsidy balance unavailable offline"),
            body: _t(
                "The subsidy balance is spent by the server while it records the order, so that two tills never spend it twice. The connection to the server is lost: pay otherwise, or wait until the till is back online."
            ),
        });
    },
    /**
     * How much the customer's balance pays: what is due, at most what it holds.
     * Returns false (and says why) when it cannot pay.
     */
    async _subsidyAmount() {
        const order = this.currentOrder;
        if (!this.pos.subsidyOnline) {
            this._subsidyOfflineAlert();
            return false;
        }
        const partner = order.get_partner();
        if (!partner) {
            const confirmed = await ask(this.dialog, {
                title: _t("Customer Required"),
                body: _t("Set the customer whose subsidy balance pays this order."),
            });
            if (confirmed) {
                this.pos.selectPartner();
            }
            return false;
        }
        const due = order.get_due();
        if (due < 0) {
            // A refund: the server checks what may go back to the balance.
            return due;
        }
        const account = await this.pos.fetchSubsidyAccount(partner, { force: true });
        if (!account || account.offline) {
            this._subsidyOfflineAlert();
            return false;
        }
        const inUse = this.paymentLines.filter(isSubsidy).reduce((sum, p) => sum + p.amount, 0);
        const available = roundDecimals((account.balance || 0) - inUse, this.pos.currency.decimal_places);
        if (!account.enabled || account.other_company || !account.enrolled || available <= 0) {
            this.dialog.add(AlertDialog, {
                title: _t("No subsidy balance"),
                body: _t("%s has no subsidy balance to pay with.", partner.name),
            });
            return false;
        }
        return Math.min(due, available);
    },
    async _finalizeValidation() {
        if (!this.currentOrder.payment_ids.some(isSubsidy)) {
            return await super._finalizeValidation(...arguments);
        }
        return await this._subsidyFinalizeValidation();
    },
    /**
     * An order the balance pays is synced alone and at once: the server spends
     * the balance in the transaction that records it. If the server refuses
     * (another till spent the balance meanwhile) or cannot be reached, the
     * order stays here, not paid, to be paid otherwise.
     */
    async _subsidyFinalizeValidation() {
        const order = this.currentOrder;
        if (!this.pos.subsidyOnline) {
            this._subsidyOfflineAlert();
            return;
        }
        order.date_order = serializeDateTime(luxon.DateTime.now());
        this.pos.addPendingOrder([order.id]);
        order.state = "paid";
        this.env.services.ui.block();
        let synced;
        try {
            synced = await this.pos.syncAllOrders({ orders: [order], throw: true });
            if (!synced) {
                return;
            }
            if (this.shouldDownloadInvoice() && order.is_to_invoice() && order.raw.account_move) {
                await this.invoiceService.downloadPdf(order.raw.account_move);
            }
        } catch (error) {
            order.state = "draft";
            if (error instanceof ConnectionLostError) {
                this._subsidyOfflineAlert();
            } else if (error instanceof RPCError) {
                handleRPCError(error, this.dialog);
            } else {
                throw error;
            }
            this.pos.fetchSubsidyAccount(order.get_partner(), { force: true });
            return error;
        } finally {
            this.env.services.ui.unblock();
        }
        if (order.is_paid_with_cash() || order.get_change()) {
            this.hardwareProxy.openCashbox();
        }
        await this.afterOrderValidation(true);
    },
});
