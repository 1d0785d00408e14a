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

// A manager of a company that has queued nothing yet sees sample figures (test_dashboard.py).
registry.category("web_tour.tours").add("subsidy_dashboard_sample_tour", {
    steps: () => [
        {
            content: "Pick the Queue Subsidy dashboard",
            trigger: ".o_search_panel_category_value[data-name='Queue Subsidy']",
            run: "click",
        },
        { content: "Sample figures, marked as such", trigger: ".o_renderer.o-sample-dashboard .o-figure" },
        {
            content: "Every figure drawn, no loading error",
            trigger: ".o_renderer.o-sample-dashboard",
            run: () => {
                if (document.querySelector(".dashboard-loading-status.error")) {
                    throw new Error("The sample dashboard failed to load");
                }
                const figures = document.querySelectorAll(".o_renderer .o-figure").length;
                if (figures < 9) {
                    throw new Error(`9 figures expected, ${figures} shown`);
                }
            },
        },
    ],
});
