import { registry } from "@web/core/registry";

function assertCount(selector, count) {
    const found = document.querySelectorAll(selector).length;
    if (found !== count) {
        throw new Error(`${selector}: ${found} found, ${count} expected`);
    }
}

// A shopper on a 375 px phone pages through their entries, filters them, opens
// one, asks for a withdrawal (the fee shown before sending), reloads the page
// (nothing is sent again) and cancels it after confirming.
// The data comes from test_portal_pages.py.
registry.category("web_tour.tours").add("subsidy_portal_phone_tour", {
    url: "/my/subsidy",
    steps: () => [
        {
            content: "The balance is shown",
            trigger: ".o_subsidy_account_card .o_subsidy_balance:contains('100.00')",
        },
        {
            content: "Open all my entries",
            trigger: "a.o_subsidy_entries_link",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The newest entry comes first",
            trigger: ".o_subsidy_entry_row:first-child:contains('TQ0000056')",
        },
        {
            content: "Next page",
            trigger: ".o_portal_pager a.page-link:contains('2')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The oldest entry is on the last page",
            trigger: ".o_subsidy_entry_row:last-child:contains('TQ0000001')",
        },
        {
            content: "Show the filters (folded on a phone)",
            trigger: ".o_portal_navbar .navbar-toggler",
            run: "click",
        },
        {
            content: "Open the filter",
            trigger: "#portal_searchbar_filters",
            run: "click",
        },
        {
            content: "Only the entries paid in full",
            trigger: ".dropdown-menu a.dropdown-item:contains('Paid in full')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "One entry, paid in full",
            trigger: ".o_subsidy_entry_row:contains('TQ0000001') .o_subsidy_state_done",
            run() {
                assertCount(".o_subsidy_entry_row", 1);
            },
        },
        {
            content: "Open it",
            trigger: ".o_subsidy_entry_row a:contains('TQ0000001')",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "What the queue paid, and when",
            trigger: ".o_subsidy_movement:contains('Paid to you by the queue')",
        },
        {
            content: "Back to the summary through the breadcrumbs",
            trigger: ".breadcrumb a[href='/my/subsidy']",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Paid by Alipay",
            trigger: ".o_subsidy_withdraw_form select[name='payout_method']",
            run: "select alipay",
        },
        {
            content: "Only the Alipay fields are shown",
            trigger: ".o_subsidy_withdraw_form input[name='wallet_account']",
            run() {
                const bank = document.querySelector(".o_subsidy_withdraw_form [data-subsidy-methods='bank']");
                if (!bank.classList.contains("d-none")) {
                    throw new Error("the bank account field is still shown");
                }
            },
        },
        {
            content: "Amount",
            trigger: ".o_subsidy_withdraw_form input[name='amount']",
            run: "edit 11",
        },
        {
            content: "The fee before sending: 1.00 + 0.5 % of 11.00 (5.5 cents, rounded half up)",
            trigger: ".o_subsidy_fee_preview .o_subsidy_fee:contains('1.06')",
        },
        {
            content: "What leaves the balance",
            trigger: ".o_subsidy_fee_preview .o_subsidy_total:contains('12.06')",
        },
        {
            content: "Alipay account",
            trigger: ".o_subsidy_withdraw_form input[name='wallet_account']",
            run: "edit lin@alipay",
        },
        {
            content: "Account holder",
            trigger: ".o_subsidy_withdraw_form input[name='holder_name']",
            run: "edit Lin Mei",
        },
        {
            content: "Ask for the withdrawal",
            trigger: ".o_subsidy_withdraw_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "It is submitted",
            trigger: "#subsidy_success:contains('11.00')",
        },
        {
            content: "Reload the page",
            trigger: "#subsidy_success",
            run() {
                window.location.reload();
            },
            expectUnloadPage: true,
        },
        {
            content: "Still one withdrawal after the reload",
            trigger: ".o_subsidy_withdrawals .o_subsidy_state_submitted",
            run() {
                assertCount(".o_subsidy_withdrawals tbody tr", 1);
            },
        },
        {
            content: "Cancel it",
            trigger: ".o_subsidy_withdrawals a.o_subsidy_cancel_link",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Asked to confirm, with what comes back",
            trigger: ".o_subsidy_cancel_confirm:contains('12.06')",
        },
        {
            content: "Yes, cancel it",
            trigger: ".o_subsidy_cancel_confirm_button",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Cancelled",
            trigger: "#subsidy_success:contains('12.06')",
        },
        {
            content: "Its badge says so",
            trigger: ".o_subsidy_withdrawals .o_subsidy_state_cancelled",
        },
    ],
});

// The list of entries fits a 375 px phone, in any language: long order names and
// amounts wrap, the state and place stand under the amounts, nothing is cut and the
// table never scrolls sideways. The data comes from test_portal_pages.py.
registry.category("web_tour.tours").add("subsidy_portal_entries_fit_tour", {
    url: "/my/subsidy/entries",
    steps: () => [
        {
            content: "A long order name is listed",
            trigger: ".o_subsidy_entry_row:contains('Nanjing Road Store/0012')",
        },
        {
            content: "The table does not scroll sideways and every state is in sight",
            trigger: ".o_subsidy_entries.table-responsive .o_subsidy_entry_row .o_subsidy_badge:visible",
            run() {
                if (window.innerWidth > 375) {
                    throw new Error(`the page is ${window.innerWidth} px wide, not a phone`);
                }
                const scroller = document.querySelector(".o_subsidy_entries.table-responsive");
                if (scroller.scrollWidth > scroller.clientWidth) {
                    throw new Error(
                        `the table scrolls sideways: ${scroller.scrollWidth} px in ${scroller.clientWidth} px`
                    );
                }
                if (document.documentElement.scrollWidth > window.innerWidth) {
                    throw new Error("the page scrolls sideways");
                }
                const box = scroller.getBoundingClientRect();
                const rows = document.querySelectorAll(".o_subsidy_entry_row");
                for (const row of rows) {
                    const shown = [...row.querySelectorAll(".o_subsidy_badge, .o_subsidy_position")].filter(
                        (element) => element.getClientRects().length
                    );
                    if (!shown.some((element) => element.classList.contains("o_subsidy_badge"))) {
                        throw new Error(`no state shown for ${row.innerText}`);
                    }
                    for (const element of shown) {
                        const rect = element.getBoundingClientRect();
                        if (rect.left < box.left || rect.right > box.right) {
                            throw new Error(`"${element.innerText}" is cut in ${row.innerText}`);
                        }
                    }
                }
            },
        },
    ],
});
