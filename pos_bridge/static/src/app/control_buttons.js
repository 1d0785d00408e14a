import { patch } from "@web/core/utils/patch";
import { ControlButtons } from "@point_of_sale/app/screens/product_screen/control_buttons/control_buttons";
import { SubsidyCollectPopup } from "@pos_bridge/app/collect_popup/collect_popup";

patch(ControlButtons.prototype, {
    clickSubsidyCollect() {
        this.dialog.add(SubsidyCollectPopup, {});
        this.props.close?.();
    },
});
