import { registry } from "@web/core/registry";

// A manager looks where the queue goes if sales drop 30 %, then asks to wind the
// program down, sharing the pool in proportion. The data comes from test_ui.py.
registry.category("web_tour.tours").add("subsidy_what_if_tour", {
    url: "/odoo/action-subsidy_queue.subsidy_program_action",
    steps: () => [
        {
            content: "Open the program",
            trigger: ".o_data_row td:contains('Tour Wind-down')",
            run: "click",
        },
        {
            content: "Open the what-if projection",
            trigger: "button[name='action_open_projection']",
            run: "click",
        },
        {
            content: "It answers for today's last entry at once",
            trigger: ".modal .o_subsidy_projection_answer:contains('place 4')",
        },
        {
            content: "If sales drop 30 %",
            trigger: ".modal div[name='sales_change'] input",
            run: "edit -30",
        },
        {
            content: "Project",
            trigger: ".modal button[name='action_compute']",
            run: "click",
        },
        {
            content: "The date is a range, from the last 7, 30 and 90 days of sales",
            trigger: ".modal .o_subsidy_projection_answer:contains('between')",
        },
        {
            content: "The weekly figures are drawn",
            trigger: ".modal svg.o_subsidy_chart",
        },
        {
            content: "Today's queue paid within 30 days, as a range",
            trigger: ".modal .o_subsidy_share_30",
        },
        {
            content: "Close the projection",
            trigger: ".modal footer button:contains('Close')",
            run: "click",
        },
        {
            content: "Wind the program down",
            trigger: ".o_form_view button[name='action_open_wind_down']:contains('Wind Down')",
            run: "click",
        },
        {
            content: "Both options' figures are there before anybody confirms",
            trigger: ".modal .o_subsidy_wind_down_share:contains('130.00')",
        },
        {
            content: "Share the pool in proportion",
            trigger: ".modal div[name='option'] label:contains('shared in proportion')",
            run: "click",
        },
        {
            content: "Give the reason",
            trigger: ".modal div[name='reason'] textarea",
            run: "edit The shop closes",
        },
        {
            content: "Ask a second manager",
            trigger: ".modal button[name='action_request']",
            run: "click",
        },
        {
            content: "The program waits for the second manager",
            trigger: ".o_form_view .o_subsidy_wind_down_requested",
        },
    ],
});

// The second manager reviews the same figures and closes the program.
registry.category("web_tour.tours").add("subsidy_wind_down_approve_tour", {
    url: "/odoo/action-subsidy_queue.subsidy_program_action",
    steps: () => [
        {
            content: "Open the program",
            trigger: ".o_data_row td:contains('Tour Wind-down')",
            run: "click",
        },
        {
            content: "Review the wind-down",
            trigger: ".o_form_view button[name='action_open_wind_down']:contains('Review')",
            run: "click",
        },
        {
            content: "The other manager's choice is shown",
            trigger: ".modal div[name='requested_option']:contains('shared in proportion')",
        },
        {
            content: "Approve and close",
            trigger: ".modal button[name='action_approve']",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal:not(.o_inactive_modal) .modal-footer button.btn-primary:contains('Ok')",
            run: "click",
        },
        {
            content: "The program is closed",
            trigger: ".o_form_view .o_subsidy_closed",
        },
    ],
});
