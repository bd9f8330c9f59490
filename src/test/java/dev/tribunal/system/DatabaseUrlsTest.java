package dev.tribunal.system;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class DatabaseUrlsTest {

    @Test
    void derivesOneUrlFromTheOther() {
        assertEquals("jdbc:postgresql://db:5432/tribunal", DatabaseUrls.jdbcFromReactive("postgresql://db:5432/tribunal"));
        assertEquals("jdbc:postgresql://db:5432/tribunal", DatabaseUrls.jdbcFromReactive("postgres://db:5432/tribunal"));
        assertEquals("postgresql://db:5432/tribunal?sslmode=require",
                DatabaseUrls.reactiveFromJdbc("jdbc:postgresql://db:5432/tribunal?sslmode=require"));
    }

    @Test
    void logLinesNeverShowCredentials() {
        assertEquals("postgresql://db:5432/tribunal", DatabaseUrls.withoutCredentials("postgresql://alice:s3cret@db:5432/tribunal"));
        assertEquals("jdbc:postgresql://db:5432/tribunal", DatabaseUrls.withoutCredentials("jdbc:postgresql://db:5432/tribunal?password=s3cret"));
    }
}
