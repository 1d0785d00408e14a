import publicWidget from "@web/legacy/js/public/public_widget";

// The withdrawal form of /my/subsidy: only the fields of the chosen payout
// method, and the fee previewed as the server computes it. The server checks
// everything again; without this script every field shows and it still works.

const AMOUNT = /^[0-9]{1,10}(\.[0-9]{1,6})?$/; // as the server parses it (controllers/common.py)

/**
 * ``text`` as a whole number of ``rounding`` steps (``to_units`` of the
 * engine: half up), or ``null`` when it is not an amount; ``exact`` says
 * whether it was a whole number of steps (the server refuses the others).
 */
export function toUnits(text, rounding) {
    const value = (text || "").trim();
    if (!AMOUNT.test(value)) {
        return null;
    }
    const amount = Number(value);
    const steps = amount / rounding;
    const units = Math.round(steps);
    return { units, exact: Math.abs(steps - units) < 1e-6 };
}

/** ``percent`` % of ``units``, rounded half up to a unit (``share`` of the engine). */
export function shareUnits(units, percent) {
    const hundredths = Math.round(percent * 100); // the field keeps 2 decimals
    return Math.floor((2 * units * hundredths + 10000) / 20000);
}

/** The fee of a withdrawal of ``units``, as ``subsidy.withdrawal._compute_fee`` does. */
export function feeUnits(units, feeFixed, feePercent) {
    return units > 0 ? feeFixed + shareUnits(units, feePercent) : 0;
}

/** ``units`` written like the server's ``currency.format`` (symbol, separators, no-break space). */
export function formatUnits(units, money) {
    const [whole, fraction] = (Math.abs(units) * money.rounding).toFixed(money.decimals).split(".");
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, money.thousandsSep);
    const number = (units < 0 ? "-\ufeff" : "") + (fraction ? grouped + money.decimalPoint + fraction : grouped);
    return money.position === "before" ? `${money.symbol}\u00a0${number}` : `${number}\u00a0${money.symbol}`;
}

publicWidget.registry.SubsidyWithdrawForm = publicWidget.Widget.extend({
    selector: ".o_subsidy_withdraw_form",
    events: {
        "change select[name='payout_method']": "_refresh",
        "change select[name='account_id']": "_refresh",
        "change select[name='bank_account_id']": "_refresh",
        "input input[name='amount']": "_refresh",
    },

    start() {
        this._refresh();
        return this._super(...arguments);
    },

    _rules() {
        const select = this.el.querySelector("select[name='account_id']");
        const hidden = this.el.querySelector("input[name='account_id']");
        const accountId = (select || hidden)?.value;
        const blocks = [...this.el.querySelectorAll(".o_subsidy_rules")];
        for (const block of blocks) {
            block.classList.toggle("d-none", block.dataset.accountId !== accountId);
        }
        return blocks.find((block) => block.dataset.accountId === accountId) || blocks[0];
    },

    _refresh() {
        this._showMethodFields();
        this._previewFee();
    },

    _showMethodFields() {
        const method = this.el.querySelector("select[name='payout_method']").value;
        for (const group of this.el.querySelectorAll("[data-subsidy-methods]")) {
            const shown = group.dataset.subsidyMethods.split(" ").includes(method);
            group.classList.toggle("d-none", !shown);
            // Hidden fields are not sent: the server gets only the chosen method's.
            for (const input of group.querySelectorAll("input, select")) {
                input.disabled = !shown;
            }
        }
        const saved = this.el.querySelector("select[name='bank_account_id']");
        const number = this.el.querySelector("input[name='bank_acc_number']");
        if (saved && number && method === "bank") {
            number.classList.toggle("d-none", Boolean(saved.value));
            number.disabled = Boolean(saved.value);
        }
    },

    _previewFee() {
        const preview = this.el.querySelector(".o_subsidy_fee_preview");
        const rules = this._rules();
        if (!preview || !rules) {
            return;
        }
        const data = rules.dataset;
        const money = {
            rounding: Number(data.rounding),
            decimals: Number(data.decimals),
            symbol: data.symbol,
            position: data.position,
            decimalPoint: data.decimalPoint,
            thousandsSep: data.thousandsSep,
        };
        const parsed = toUnits(this.el.querySelector("input[name='amount']").value, money.rounding);
        preview.classList.toggle("d-none", !parsed || parsed.units <= 0);
        if (!parsed || parsed.units <= 0) {
            return;
        }
        const fee = feeUnits(parsed.units, Number(data.feeFixed), Number(data.feePercent));
        const total = parsed.units + fee;
        preview.querySelector(".o_subsidy_fee").textContent = formatUnits(fee, money);
        preview.querySelector(".o_subsidy_total").textContent = formatUnits(total, money);
        const warnings = {
            min: Number(data.min) > 0 && parsed.units < Number(data.min),
            max: Number(data.max) > 0 && parsed.units > Number(data.max),
            balance: total > Number(data.balance),
            fraction: !parsed.exact,
        };
        for (const [name, shown] of Object.entries(warnings)) {
            preview.querySelector(`.o_subsidy_warn_${name}`).classList.toggle("d-none", !shown);
        }
    },
});

export default publicWidget.registry.SubsidyWithdrawForm;
