package dev.tribunal;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Checks that answers stay within {@code tribunal.api.max-answer-bytes} and walks paged lists. */
public final class Answers {

    /** The default of tribunal.api.max-answer-bytes. */
    public static final int BOUND = 4 * 1024 * 1024;
    /** The envelope around the rows: braces, the list's name, a token. */
    public static final int ENVELOPE = 4 * 1024;

    private Answers() {
    }

    /** A text of {@code length} times {@code c}. */
    public static String text(int length, char c) {
        return String.valueOf(c).repeat(length);
    }

    /** The answer's body, checked to be a 200 within the bound. */
    public static JsonPath bounded(Response response) {
        response.then().statusCode(200);
        byte[] body = response.asByteArray();
        assertTrue(body.length <= BOUND + ENVELOPE, "the answer holds " + body.length + " bytes; at most " + (BOUND + ENVELOPE) + " expected");
        return JsonPath.from(new String(body, StandardCharsets.UTF_8));
    }

    /**
     * Follows next_page_token from a first page (asked for with a null token) to the last, checking each page to be within
     * the bound and to hold a row; the rows of every page.
     */
    public static List<Map<String, Object>> pageThrough(Function<String, Response> get, String list) {
        List<Map<String, Object>> rows = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            JsonPath page = bounded(get.apply(token));
            List<Map<String, Object>> items = page.getList(list);
            assertFalse(items.isEmpty(), "a page holds at least one row");
            rows.addAll(items);
            token = page.getString("next_page_token");
            assertTrue(++pages < 200, "paging ends");
        } while (token != null);
        return rows;
    }
}
