import { registry } from "@web/core/registry";
import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as TicketScreen from "@point_of_sale/../tests/tours/utils/ticket_screen_util";

// The data comes from the Python tests (tests/test_pos_ui.py).

function panelShows(selector, text) {
    return {
        content: `the subsidy account shows ${text}`,
        trigger: `.pos-subsidy-account ${selector}:contains("${text}")`,
    };
}

function receiptShows(selector, text) {
    return {
        content: `the receipt shows ${text}`,
        trigger: `.receipt-screen .pos-receipt-subsidy ${selector}:contains("${text}")`,
    };
}

registry.category("web_tour.tours").add("pos_bridge_account_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            ProductScreen.clickDisplayedProduct("Rice cooker"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Shopper A"),
            panelShows(".subsidy-balance", "40.00"),
            panelShows(".subsidy-queued", "1"),
            panelShows(".subsidy-position", "2"),
            panelShows(".subsidy-ahead", "25.00"),
            // Another customer: fetched on demand, without a reload.
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Shopper F"),
            panelShows(".subsidy-new", "No subsidy account yet"),
        ].flat(),
});

registry.category("web_tour.tours").add("pos_bridge_balance_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            ProductScreen.clickDisplayedProduct("Rice cooker"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Shopper A"),
            panelShows(".subsidy-balance", "40.00"),
            ProductScreen.clickPayButton(),
            // The balance pays what it holds; cash pays the rest.
            PaymentScreen.clickPaymentMethod("Subsidy balance", true, { amount: "40.00", remaining: "60.00" }),
            PaymentScreen.clickPaymentMethod("Cash", true, { amount: "60.00" }),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            receiptShows(".subsidy-entry-name", "Q"),
            // Behind Shopper B's entry and Shopper A's own earlier one.
            receiptShows(".subsidy-position", "3"),
            receiptShows(".subsidy-ahead", "50.00"),
            receiptShows(".subsidy-target", "25.00"),
            receiptShows(".subsidy-honest-note", "not a promise"),
            receiptShows(".subsidy-balance-paid", "40.00"),
            receiptShows(".subsidy-balance-left", "0.00"),
            {
                content: "the receipt has the QR code to the shopper's portal page",
                trigger: ".receipt-screen .pos-receipt-subsidy img.subsidy-qr[src*='my%2Fsubsidy']",
            },
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("pos_bridge_balance_refused_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            ProductScreen.clickDisplayedProduct("Rice cooker"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Shopper A"),
            panelShows(".subsidy-balance", "40.00"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Subsidy balance", true, { amount: "40.00" }),
            PaymentScreen.clickPaymentMethod("Cash", true, { amount: "60.00" }),
            // Another till spent part of the balance since the lookup: the server refuses.
            PaymentScreen.clickValidate(),
            {
                content: "the server refuses, with a clear message",
                trigger: ".modal .modal-body:contains('cannot pay')",
            },
            Dialog.confirm(),
            {
                content: "the order is still here, on the payment screen, to be paid otherwise",
                trigger: ".payment-screen .paymentlines .paymentline .payment-infos:contains('Subsidy balance')",
            },
            PaymentScreen.clickPaymentlineDelButton("Subsidy balance", "40.00"),
            PaymentScreen.clickPaymentMethod("Cash", true, { amount: "40.00" }),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("pos_bridge_refund_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            ...ProductScreen.clickRefund(),
            TicketScreen.selectOrder("-0042"),
            ProductScreen.clickNumpad("1"),
            TicketScreen.confirmRefund(),
            ProductScreen.isShown(),
            ProductScreen.clickPayButton(),
            // What the balance paid goes back to it: 40.00 of the 100.00.
            PaymentScreen.selectedPaymentlineHas("Subsidy balance", "-40.00"),
            PaymentScreen.clickPaymentMethod("Cash", true, { amount: "-60.00" }),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            receiptShows(".subsidy-refunded", "Cancelled"),
            receiptShows(".subsidy-balance-paid", "40.00"),
            receiptShows(".subsidy-balance-left", "40.00"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("pos_bridge_collect_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            ...ProductScreen.clickControlButton("Collect"),
            {
                content: "the online order to collect is listed",
                trigger: ".pos-subsidy-collect .collect-order:contains('Shopper B')",
            },
            {
                content: "hand it over",
                trigger: ".pos-subsidy-collect .collect-order:contains('Shopper B') .collect-hand-over",
                run: "click",
            },
            {
                content: "it is recorded with the cashier",
                trigger: ".pos-subsidy-collect .collect-order:contains('Shopper B') .collect-done:contains('Handed over by')",
            },
            {
                content: "close",
                trigger: ".modal-footer button:contains('Close')",
                run: "click",
            },
        ].flat(),
});

registry.category("web_tour.tours").add("pos_bridge_offline_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            ProductScreen.clickDisplayedProduct("Rice cooker"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Shopper A"),
            panelShows(".subsidy-balance", "40.00"),
            ProductScreen.clickPayButton(),
            {
                content: "the connection to the server is lost",
                trigger: ".payment-screen",
                run: () => {
                    window.posmodel.data.network.offline = true;
                },
            },
            {
                content: "the method says why it cannot pay",
                trigger: ".paymentmethods .paymentmethod:contains('Subsidy balance') .subsidy-offline-note",
            },
            PaymentScreen.clickPaymentMethod("Subsidy balance"),
            {
                content: "and refuses with an explanation",
                trigger: ".modal .modal-title:contains('unavailable offline')",
            },
            Dialog.confirm(),
            PaymentScreen.emptyPaymentlines("100.00"),
            {
                content: "back online",
                trigger: ".payment-screen",
                run: () => {
                    window.posmodel.data.network.offline = false;
                },
            },
            PaymentScreen.clickPaymentMethod("Cash", true, { amount: "100.00" }),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
        ].flat(),
});
