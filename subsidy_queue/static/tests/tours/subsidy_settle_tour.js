import { registry } from "@web/core/registry";

// A manager opens the program, runs a settlement by hand and reads its result.
// The data comes from the Python test (test_ui.py).
registry.category("web_tour.tours").add("subsidy_settle_tour", {
    url: "/odoo/action-subsidy_queue.subsidy_program_action",
    steps: () => [
        {
            content: "Open the program",
            trigger: ".o_data_row td:contains('Tour Queue')",
            run: "click",
        },
        {
            content: "Four entries wait in the queue",
            trigger: "button[name='action_open_entries'] .o_stat_value:contains('4')",
        },
        {
            content: "Settle now",
            trigger: "button[name='action_settle']",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The run paid the whole pool",
            trigger: ".o_form_view .o_field_widget[name='amount_paid']:contains('130.00')",
        },
        {
            content: "One entry was completed",
            trigger: ".o_form_view .o_field_widget[name='completed_count']:contains('1')",
        },
        {
            content: "Back to the programs",
            trigger: ".o_breadcrumb .breadcrumb-item:first-child a",
            run: "click",
        },
        {
            content: "The pool is empty and 195.00 is still owed to the queue",
            trigger: ".o_data_row:contains('Tour Queue'):contains('195.00') td[name='pool_balance']:contains('0.00')",
        },
    ],
});
