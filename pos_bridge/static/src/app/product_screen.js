import { patch } from "@web/core/utils/patch";
import { ProductScreen } from "@point_of_sale/app/screens/product_screen/product_screen";
import { SubsidyAccountPanel } from "@pos_bridge/app/subsidy_account_panel/subsidy_account_panel";

patch(ProductScreen, {
    components: { ...ProductScreen.components, SubsidyAccountPanel },
});
