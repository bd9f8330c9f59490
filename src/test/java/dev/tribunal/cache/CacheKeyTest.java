package dev.tribunal.cache;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CacheKeyTest {

    private static String key(String system, String user, Double temperature, Integer maxTokens, int sample) {
        return CacheKey.of("relevance", "0123456789ab", "fake:/ok", system, user, temperature, maxTokens, sample);
    }

    @Test
    void theSameCallHasTheSameKeyAndEveryPartChangesIt() {
        String key = key("sys", "user", 0.0, 300, 0);
        assertTrue(key.matches("[0-9a-f]{64}"), key);
        assertEquals(key, key("sys", "user", 0.0, 300, 0));
        List<String> others = List.of(
                key("sys", "user", 0.0, 300, 1),
                key("sys", "user", 0.7, 300, 0),
                key("sys", "user", null, 300, 0),
                key("sys", "user", 0.0, 400, 0),
                key("sys", "user", 0.0, null, 0),
                key("sys", "user2", 0.0, 300, 0),
                // the same text split differently between the messages is another prompt
                key("sysu", "ser", 0.0, 300, 0),
                key("", "user", 0.0, 300, 0),
                key(null, "user", 0.0, 300, 0),
                CacheKey.of("relevance", "0123456789ac", "fake:/ok", "sys", "user", 0.0, 300, 0),
                CacheKey.of("relevance", "0123456789ab", "fake:/other", "sys", "user", 0.0, 300, 0),
                CacheKey.of("safety", "0123456789ab", "fake:/ok", "sys", "user", 0.0, 300, 0));
        Set<String> distinct = new HashSet<>(others);
        distinct.add(key);
        assertEquals(others.size() + 1, distinct.size(), others.toString());
        others.forEach(other -> assertNotEquals(key, other));
    }
}
