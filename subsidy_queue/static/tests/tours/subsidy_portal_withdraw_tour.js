import { registry } from "@web/core/registry";

// A shopper on a phone-sized portal page sees the queue and asks for a withdrawal.
// The data comes from test_portal_api.py.
registry.category("web_tour.tours").add("subsidy_portal_withdraw_tour", {
    url: "/my/subsidy",
    steps: () => [
        {
            content: "The balance is shown",
            trigger: ".o_subsidy_account_card .o_subsidy_balance:contains('100.00')",
        },
        {
            content: "The entry waits in second place",
            trigger: ".o_subsidy_entry .o_subsidy_position:contains('2')",
        },
        {
            content: "Amount",
            trigger: ".o_subsidy_withdraw_form input[name='amount']",
            run: "edit 50",
        },
        {
            content: "Bank account number",
            trigger: ".o_subsidy_withdraw_form input[name='bank_acc_number']",
            run: "edit 6222 0200 1234 5678",
        },
        {
            content: "Ask for the withdrawal",
            trigger: ".o_subsidy_withdraw_submit",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "It is submitted",
            trigger: "#subsidy_success",
        },
        {
            content: "The balance shows what is left",
            trigger: ".o_subsidy_account_card .o_subsidy_balance:contains('49.00')",
        },
        {
            content: "It is listed with a way to cancel it",
            trigger: ".o_subsidy_withdrawals tr:contains('50.00') a.o_subsidy_cancel_link",
        },
    ],
});
