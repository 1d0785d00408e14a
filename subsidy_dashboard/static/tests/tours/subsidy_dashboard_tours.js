import { registry } from "@web/core/registry";

// A Subsidy Manager opens the Queue Subsidy dashboard (test_dashboard.py).
registry.category("web_tour.tours").add("subsidy_dashboard_tour", {
    steps: () => [
        {
            content: "Pick the Queue Subsidy dashboard",
            trigger: ".o_search_panel_category_value[data-name='Queue Subsidy']",
            run: "click",
        },
        { content: "It is the one shown", trigger: ".o_search_panel_category_value.active[data-name='Queue Subsidy']" },
        { content: "The dashboard is drawn", trigger: ".o_renderer .o-figure" },
        {
            content: "Its scorecards and charts, no loading error",
            trigger: ".o_renderer",
            run: () => {
                if (document.querySelector(".dashboard-loading-status.error")) {
                    throw new Error("The dashboard failed to load");
                }
                const figures = document.querySelectorAll(".o_renderer .o-figure").length;
                if (figures < 9) {
                    throw new Error(`9 figures expected, ${figures} shown`);
                }
            },
        },
    ],
});
