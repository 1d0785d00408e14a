{
    "name": "Queue Subsidy at the Till",
    "summary": "Point of sale for the queue subsidy: accounts at the till, entries from POS orders, "
    "receipts, refunds, paying with the subsidy balance, collect in store",
    "version": "18.0.1.0.0",
    "category": "Sales/Point of Sale",
    "license": "LGPL-3",
    "author": "Queue Subsidy Platform contributors",
    "website": "https://github.com/queue-subsidy/queue-subsidy",
    "depends": ["subsidy_queue", "point_of_sale", "pos_sale", "direct_ship"],
    "data": [
        "views/subsidy_entry_views.xml",
        "views/subsidy_account_views.xml",
        "views/pos_order_views.xml",
        "views/pos_session_views.xml",
        "views/pos_payment_method_views.xml",
        "views/sale_order_views.xml",
        "views/report_saledetails.xml",
        "data/ir_cron_data.xml",
    ],
    "assets": {
        "point_of_sale._assets_pos": [
            "pos_bridge/static/src/app/**/*",
        ],
        "web.assets_tests": [
            "pos_bridge/static/tests/tours/**/*",
        ],
    },
    "installable": True,
}
