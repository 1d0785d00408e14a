import { Component, onWillUpdateProps, onWillStart } from "@odoo/owl";
import { usePos } from "@point_of_sale/app/store/pos_hook";

/**
 * The customer's subsidy account, as soon as a customer is set on the order:
 * available balance, queued entries, best place in the queue and what the
 * pool must still pay before it. Fetched on demand from the server.
 */
export class SubsidyAccountPanel extends Component {
    static template = "pos_bridge.SubsidyAccountPanel";
    static props = {
        partner: { optional: true },
        compact: { type: Boolean, optional: true },
    };

    setup() {
        this.pos = usePos();
        onWillStart(() => this.load(this.props.partner));
        onWillUpdateProps((next) => {
            if (next.partner?.id !== this.props.partner?.id) {
                this.load(next.partner);
            }
        });
    }

    load(partner) {
        if (partner) {
            // Not awaited: the screen shows at once, the figures when they come.
            this.pos.fetchSubsidyAccount(partner);
        }
    }

    get account() {
        return this.pos.getSubsidyAccount(this.props.partner);
    }

    refresh() {
        this.pos.fetchSubsidyAccount(this.props.partner, { force: true });
    }

    format(amount) {
        return this.env.utils.formatCurrency(amount || 0);
    }
}
