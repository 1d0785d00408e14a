import { registry } from "@web/core/registry";

// The supplier accepts the order, enters a parcel and marks it shipped (test_supplier_portal.py).
registry.category("web_tour.tours").add("direct_ship_supplier_tour", {
    steps: () => [
        { content: "Accept", trigger: ".o_direct_accept", run: "click", expectUnloadPage: true },
        { content: "Accepted", trigger: ".o_direct_state:contains('Accepted')" },
        {
            content: "Carrier",
            trigger: ".o_direct_parcel_form select[name='carrier_id']",
            run: "selectByLabel SF Express",
        },
        { content: "Tracking", trigger: ".o_direct_parcel_form input[name='tracking_ref']", run: "edit SF1234567890" },
        { content: "Add parcel", trigger: ".o_direct_add_parcel", run: "click", expectUnloadPage: true },
        { content: "Parcel listed", trigger: ".o_direct_parcels td:contains('SF1234567890')" },
        { content: "Ship", trigger: ".o_direct_ship", run: "click", expectUnloadPage: true },
        { content: "Shipped", trigger: ".o_direct_state:contains('Shipped')" },
    ],
});

// The shopper sees the parcel on the order page, among Odoo's deliveries, with the carrier's
// tracking link.
registry.category("web_tour.tours").add("direct_ship_shopper_tour", {
    steps: () => [
        { content: "Parcel shipped", trigger: "div[name='delivery_order'] .badge:contains('Shipped')" },
        {
            content: "Tracking link",
            trigger: "div[name='delivery_order'] a[href*='sf-express.com']:contains('SF1234567890')",
        },
    ],
});

function assertNoSidewaysScroll(page) {
    const overflow = document.documentElement.scrollWidth - window.innerWidth;
    if (window.innerWidth > 400) {
        throw new Error(`${page}: the tour must run on a phone, the window is ${window.innerWidth} px wide`);
    }
    if (overflow > 0) {
        throw new Error(`${page}: ${overflow} px scroll sideways on a ${window.innerWidth} px screen`);
    }
    for (const cell of document.querySelectorAll("main td, main th, main .list-group-item")) {
        const box = cell.getBoundingClientRect();
        if (box.width && (box.right > window.innerWidth + 1 || box.left < -1)) {
            throw new Error(`${page}: "${cell.textContent.trim().slice(0, 40)}" is cut off`);
        }
    }
}

// The supplier's list and order on a 375 px phone (test_supplier_portal.py, TestSupplierPortalPhone).
registry.category("web_tour.tours").add("direct_ship_supplier_phone_tour", {
    steps: () => [
        { content: "Orders as cards", trigger: ".o_direct_shipment_cards li:contains('Ship to')" },
        { content: "No table on a phone", trigger: "body:not(:has(table.o_direct_shipments:visible))" },
        {
            content: "The list fits the screen",
            trigger: ".o_direct_shipment_cards",
            run: () => assertNoSidewaysScroll("/my/direct-shipments"),
        },
        { content: "Open the order", trigger: ".o_direct_shipment_cards a", run: "click", expectUnloadPage: true },
        { content: "Ship-to phone", trigger: ".o_direct_ship_to_phone a[href^='tel:']" },
        { content: "Packing slip", trigger: "a.o_direct_packing_slip" },
        { content: "Parcel not shipped yet", trigger: ".o_direct_parcels td:contains('Not Shipped Yet')" },
        {
            content: "The order fits the screen",
            trigger: ".o_direct_shipment",
            run: () => assertNoSidewaysScroll("/my/direct-shipments/<id>"),
        },
    ],
});
