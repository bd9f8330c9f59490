package dev.tribunal.budget;

import java.math.BigDecimal;
import java.util.Locale;

/**
 * One daily cost budget: its scope, the name within the scope (empty for the global one) and the most its judgments may
 * cost per UTC day, in the providers' currency.
 *
 * @param onExhausted what a sweep's judgments do once the day's budget is spent; null for budgets of other scopes
 */
public record Limit(Scope scope, String name, double perDay, OnExhausted onExhausted) {

    public Limit {
        if (!(perDay >= 0) || Double.isInfinite(perDay)) {
            throw new IllegalArgumentException("a budget per day is a number of at least 0");
        }
        if ((onExhausted != null) != (scope == Scope.SWEEP)) {
            throw new IllegalArgumentException("only a sweep's budget says what happens once it is spent");
        }
    }

    public Limit(Scope scope, String name, double perDay) {
        this(scope, name, perDay, null);
    }

    /** Whose judgments a budget counts. */
    public enum Scope {
        /** Every judgment. */
        GLOBAL,
        /** Judgments on one provider's models. */
        PROVIDER,
        /** One judge's judgments, on whichever model. */
        JUDGE,
        /** The judgments of one sweep's runs. */
        SWEEP;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a sweep's judgments do once its budget for the day is spent. */
    public enum OnExhausted {
        /** They wait, pending, for the next UTC day; the sweep starts no new work meanwhile. */
        WAIT,
        /** They end as BUDGET_EXCEEDED errors, like judgments of any other budget. */
        ERROR;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The budget's row key in {@code budget_spend}: {@code global}, or scope and name such as {@code judge:relevance}. */
    public String key() {
        return scope == Scope.GLOBAL ? "global" : scope.label() + ":" + name;
    }

    /** As a message names it: {@code the judge 'relevance' budget of 20.00 per day}. */
    public String describe() {
        return (scope == Scope.GLOBAL ? "the global budget" : "the " + scope.label() + " '" + name + "' budget") + " of "
                + money(perDay) + " per day";
    }

    static String money(double amount) {
        return BigDecimal.valueOf(amount).stripTrailingZeros().toPlainString();
    }
}
