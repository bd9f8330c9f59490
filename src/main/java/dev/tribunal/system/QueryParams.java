package dev.tribunal.system;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** Strict parsing of query parameters: a malformed value is a 400 that names the parameter. */
public final class QueryParams {

    private QueryParams() {
    }

    public static Integer integer(String text, String name) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Integer.valueOf(text.trim());
        } catch (NumberFormatException e) {
            throw new InvalidRequestException(name + " must be a whole number, not '" + text + "'");
        }
    }

    /** A share from 0 to 1. */
    public static Double share(String text, String name) {
        if (text == null || text.isBlank()) {
            return null;
        }
        double value;
        try {
            value = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            value = Double.NaN;
        }
        if (!(value >= 0 && value <= 1)) {
            throw new InvalidRequestException(name + " must be a number from 0 to 1, not '" + text + "'");
        }
        return value;
    }

    public static Boolean bool(String text, String name) {
        if (text == null || text.isBlank()) {
            return null;
        }
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw new InvalidRequestException(name + " must be true or false, not '" + text + "'");
        };
    }

    /** An RFC 3339 timestamp ({@code 2025-11-20T10:15:30Z}, any offset) or epoch milliseconds. */
    public static Instant instant(String text, String name) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String value = text.trim();
        try {
            if (value.chars().allMatch(Character::isDigit)) {
                return Instant.ofEpochMilli(Long.parseLong(value));
            }
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new InvalidRequestException(name + " must be an RFC 3339 timestamp such as 2025-11-20T10:15:30Z, not '" + text + "'");
        }
    }
}
