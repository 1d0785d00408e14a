/** @odoo-module **/

import publicWidget from "@web/legacy/js/public/public_widget";
import { KeepLast } from "@web/core/utils/concurrency";
import { debounce } from "@web/core/utils/timing";

/**
 * The product page's queue subsidy badge: what the purchase earns, refreshed
 * from /subsidy/earn when the variant or the quantity changes. website_sale
 * sets the variant's id in `input.product_id` (with a jQuery "change") after
 * each combination change, and the quantity is `input[name="add_qty"]`.
 */
publicWidget.registry.SubsidyEarnBadge = publicWidget.Widget.extend({
    selector: ".o_subsidy_earn_product",

    start() {
        this.keepLast = new KeepLast();
        this.$product = this.$el.closest(".js_product");
        this._refresh = debounce(this._refresh.bind(this), 150);
        this.$product.on(
            "change.subsidyEarn",
            "input.product_id, input[name='add_qty']",
            () => this._refresh()
        );
        return this._super(...arguments);
    },

    destroy() {
        this.$product?.off(".subsidyEarn");
        this._super(...arguments);
    },

    async _refresh() {
        const productId = parseInt(this.$product.find("input.product_id").first().val());
        const quantity = parseFloat(this.$product.find("input[name='add_qty']").first().val() || "1");
        if (!productId || !(quantity > 0)) {
            this.el.classList.add("d-none");
            return;
        }
        const params = new URLSearchParams({ product_id: productId, quantity: quantity });
        let data;
        try {
            data = await this.keepLast.add(
                fetch(`/subsidy/earn?${params}`, { headers: { Accept: "application/json" } }).then(
                    (response) => response.json()
                )
            );
        } catch {
            return; // Offline or a server error: keep what is shown.
        }
        if (data.eligible) {
            this.el.innerHTML = data.html;
            this.el.classList.remove("d-none");
        } else {
            this.el.classList.add("d-none");
        }
        this.el.dataset.quantity = quantity;
    },
});

export default publicWidget.registry.SubsidyEarnBadge;
