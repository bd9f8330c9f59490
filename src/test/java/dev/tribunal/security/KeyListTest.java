package dev.tribunal.security;

import dev.tribunal.TestSecurity;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /api/admin/keys} pages like every other list. */
@QuarkusTest
class KeyListTest {

    @Test
    void keysComeInPagesNewestFirst() {
        String prefix = "paged-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            TestSecurity.key(prefix + "-" + i, Roles.READ);
            made.add(prefix + "-" + i);
        }
        JsonPath first = given().queryParam("max_results", 2).get("/api/admin/keys").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(made.get(2), made.get(1)), first.getList("keys.name"), "newest first, two at most");
        assertNotNull(first.getString("next_page_token"));

        List<String> all = new ArrayList<>(first.getList("keys.name"));
        String token = first.getString("next_page_token");
        while (token != null) {
            JsonPath page = given().queryParam("max_results", 2).queryParam("page_token", token).get("/api/admin/keys")
                    .then().statusCode(200).extract().jsonPath();
            all.addAll(page.getList("keys.name"));
            token = page.getString("next_page_token");
        }
        assertEquals(all.size(), all.stream().distinct().count(), "no key twice");
        assertTrue(all.containsAll(made));
        given().queryParam("max_results", 1001).get("/api/admin/keys").then().statusCode(400);
    }
}
