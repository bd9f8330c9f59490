package dev.tribunal.system;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/** Figures, times and text as every page writes them, so that the same value reads the same on each page. */
public final class PageText {

    private PageText() {
    }

    /** A share, agreement or correlation: two decimals (the JSON carries it whole); a dash for none. */
    public static String figure(Double value) {
        return value == null ? "–" : String.format(Locale.ROOT, "%.2f", value);
    }

    /** A cost or price as people write it, to three significant digits: 0.0001, not 1.0E-4; a dash for none. */
    public static String plain(Double value) {
        return value == null ? "–" : new BigDecimal(value).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }

    /** An amount spent or allowed, to the millionth: 0.000018, 20, 0 (never 0E-6). */
    public static String money(double amount) {
        BigDecimal rounded = BigDecimal.valueOf(amount).setScale(6, java.math.RoundingMode.HALF_UP).stripTrailingZeros();
        return rounded.signum() == 0 ? "0" : rounded.toPlainString();
    }

    /** A moment to the second, in UTC: 2026-03-01 10:00:00 UTC; a dash for none. */
    public static String time(Instant at) {
        return at == null ? "–" : at.truncatedTo(ChronoUnit.SECONDS).toString().replace('T', ' ').replace("Z", " UTC");
    }

    /** Text inside HTML or SVG markup or an attribute's quotes. */
    public static String escape(String text) {
        if (text == null) {
            return "";
        }
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }
}
