{
    "name": "Queue Subsidy",
    "summary": "Queue subsidy shopping: a share of every paid sale pays the "
    "queue of earlier purchases back, in turn",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "license": "LGPL-3",
    "author": "Queue Subsidy Platform contributors",
    "website": "https://github.com/queue-subsidy/queue-subsidy",
    "depends": ["sale_management", "account", "portal", "website_sale"],
    "data": [
        "security/subsidy_security.xml",
        "security/ir.model.access.csv",
        "data/ir_sequence_data.xml",
        "data/ir_cron_data.xml",
        "views/subsidy_program_views.xml",
        "views/subsidy_entry_views.xml",
        "views/subsidy_account_views.xml",
        "views/subsidy_pool_line_views.xml",
        "views/subsidy_settlement_views.xml",
        "views/subsidy_pool_reconciliation_views.xml",
        "views/sale_order_views.xml",
        "views/res_config_settings_views.xml",
        "wizard/subsidy_entry_void_views.xml",
        "wizard/subsidy_withdrawal_reject_views.xml",
        "views/subsidy_withdrawal_views.xml",
        "views/subsidy_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "subsidy_queue/static/tests/tours/*.js",
        ],
    },
    "demo": [
        "demo/subsidy_demo.xml",
    ],
    "installable": True,
    "application": True,
}
