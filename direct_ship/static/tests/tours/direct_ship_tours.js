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
