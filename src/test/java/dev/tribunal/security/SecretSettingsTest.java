package dev.tribunal.security;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SecretSettingsTest {

    @Test
    void credentialVariablesAndTheirDottedNamesAreSecret() {
        Map<String, String> environment = new java.util.HashMap<>();
        for (String variable : List.of("OPENAI_API_KEY", "ANTHROPIC_APIKEY", "TRIBUNAL_BOOTSTRAP_KEY", "GITHUB_TOKEN",
                "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "MAVEN_CMD_LINE_ARGS", "JAVA_TOOL_OPTIONS", "QUARKUS_DATASOURCE_PASSWORD",
                "HOME", "PATH", "TRIBUNAL_JUDGES_DIR", "KEYBOARD_LAYOUT")) {
            environment.put(variable, "x");
        }
        Set<String> keys = SecretSettings.secretKeys(environment);
        for (String secret : Set.of("tribunal.bootstrap-key", "tribunal.providers.*.api-key", "OPENAI_API_KEY", "openai.api.key",
                "ANTHROPIC_APIKEY", "TRIBUNAL_BOOTSTRAP_KEY", "tribunal.bootstrap.key", "GITHUB_TOKEN", "github.token",
                "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "MAVEN_CMD_LINE_ARGS", "maven.cmd.line.args", "JAVA_TOOL_OPTIONS",
                "QUARKUS_DATASOURCE_PASSWORD")) {
            assertTrue(keys.contains(secret), secret + " is secret");
        }
        for (String plain : Set.of("HOME", "PATH", "TRIBUNAL_JUDGES_DIR", "tribunal.judges.dir", "KEYBOARD_LAYOUT",
                "quarkus.datasource.password")) {
            assertFalse(keys.contains(plain), plain + " is not secret");
        }
    }
}
