{
    "name": "Queue Subsidy Dashboard",
    "summary": "The queue subsidy at a glance on Odoo's spreadsheet dashboards: pool, queue, "
    "withdrawals and suppliers",
    "version": "18.0.1.0.0",
    "category": "Hidden",
    "license": "LGPL-3",
    "author": "Queue Subsidy Platform contributors",
    "website": "https://github.com/queue-subsidy/queue-subsidy",
    "depends": ["subsidy_queue", "direct_ship", "spreadsheet_dashboard"],
    "data": [
        "data/dashboards.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "subsidy_dashboard/static/tests/tours/*.js",
        ],
    },
    "installable": True,
    "auto_install": True,
}
