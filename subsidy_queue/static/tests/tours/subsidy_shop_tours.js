import { registry } from "@web/core/registry";

// A visitor on a 375 px phone finds the explanation from the menu, then sees what a
// purchase earns on a product page (following the variant and the quantity) and in
// the cart. The data comes from test_shop.py.
registry.category("web_tour.tours").add("subsidy_visitor_tour", {
    url: "/",
    steps: () => [
        {
            content: "Open the phone's menu",
            trigger: "header .o_header_mobile button[data-bs-target='#top_menu_collapse_mobile']",
            run: "click",
        },
        {
            content: "The program is in the menu",
            trigger: "#top_menu_collapse_mobile.show a.nav-link[href='/subsidy']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The page explains the honest odds of the program",
            trigger: ".o_subsidy_program_rules:contains('Shop Queue') .o_subsidy_completion:contains('40 %')",
        },
        {
            content: "and what the queue is still owed",
            trigger: ".o_subsidy_program_rules .o_subsidy_owed:contains('125.00')",
        },
        {
            content: "Go to the shop",
            trigger: "a.o_subsidy_shop_link",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Open the teapot",
            trigger: ".oe_product a:contains('Subsidy Teapot')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The small teapot earns 50.00",
            trigger: ".o_subsidy_earn_product:not(.d-none) .o_subsidy_earn_target:contains('50.00')",
        },
        {
            content: "with an honest estimate",
            trigger: ".o_subsidy_earn_product .o_subsidy_earn_estimate:contains('days')",
        },
        {
            content: "Choose the large one",
            trigger: ".js_main_product label:contains('Large')",
            run: "click",
        },
        {
            content: "The large teapot earns 75.00",
            trigger: ".o_subsidy_earn_product .o_subsidy_earn_target:contains('75.00')",
        },
        {
            content: "Two of them",
            trigger: ".js_main_product .css_quantity a.js_add_cart_json:has(.fa-plus)",
            run: "click",
        },
        {
            content: "Two large teapots earn 150.00",
            trigger: ".o_subsidy_earn_product[data-quantity='2'] .o_subsidy_earn_target:contains('150.00')",
        },
        {
            content: "Add them to the cart",
            trigger: "#add_to_cart",
            run: "click",
        },
        {
            content: "They are in the cart",
            trigger: "header .o_header_mobile .my_cart_quantity:contains('2')",
        },
        {
            content: "Open the cart",
            trigger: "header .o_header_mobile a[href='/shop/cart']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The cart says what the purchase earns",
            trigger: ".o_subsidy_earn_cart .o_subsidy_earn_target:contains('150.00')",
        },
        {
            content: "One teapot only",
            trigger: ".oe_cart input.js_quantity",
            run: "edit 1 && press Tab",
        },
        {
            content: "The cart follows the quantity",
            trigger: ".o_subsidy_earn_cart .o_subsidy_earn_target:contains('75.00')",
        },
    ],
});

// A shopper who bought and paid online follows the entry from the confirmation page
// to the order page and their subsidy page, on a phone. The data comes from test_shop.py.
registry.category("web_tour.tours").add("subsidy_order_tour", {
    url: "/shop/confirmation",
    steps: () => [
        {
            content: "The confirmation shows the entry and its place",
            trigger: ".o_subsidy_order_status[data-kind='entry'] .o_subsidy_position:contains('2')",
        },
        {
            content: "and what the pool must pay before it",
            trigger: ".o_subsidy_order_status .o_subsidy_ahead:contains('75.00')",
        },
        {
            content: "Follow the order in the portal",
            trigger: "a.o_subsidy_order_link",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The order page shows the same entry",
            trigger: "#sale_order_communication, .o_portal_sale_sidebar",
        },
        {
            content: "with its place, amount ahead and estimate",
            trigger: ".o_subsidy_order_status .o_subsidy_position:contains('2')",
        },
        {
            content: "and its target",
            trigger: ".o_subsidy_order_status .o_subsidy_target:contains('50.00')",
        },
        {
            content: "Open my subsidy",
            trigger: ".o_subsidy_order_status a.o_subsidy_my_link",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The entry links back to its order",
            trigger: ".o_subsidy_entry a.o_subsidy_entry_order",
        },
    ],
});
