package dev.tribunal.trace;

import dev.tribunal.system.InvalidRequestException;

import java.util.Locale;

/** MLflow's trace states. */
public enum TraceState {
    OK, ERROR, IN_PROGRESS;

    static TraceState parse(String text, String field) {
        if (text == null || text.isBlank()) {
            return OK;
        }
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(field + " must be one of OK, ERROR, IN_PROGRESS, not '" + text + "'");
        }
    }
}
