package dev.tribunal.security;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SecretSettingsTest {

    @Test
    void credentialVariablesAndTheirDottedNamesAreSecret() {
        Set<String> environment = new java.util.HashSet<>(List.of("OPENAI_API_KEY", "ANTHROPIC_APIKEY", "TRIBUNAL_BOOTSTRAP_KEY", "GITHUB_TOKEN",
                "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "MAVEN_CMD_LINE_ARGS", "JAVA_TOOL_OPTIONS", "QUARKUS_DATASOURCE_PASSWORD",
                "HOME", "PATH", "TRIBUNAL_JUDGES_DIR", "KEYBOARD_LAYOUT"));
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

    @Test
    void namesSetInADotEnvFileAreRead(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = dir.resolve(".env");
        java.nio.file.Files.writeString(file, "# keys\nOPENAI_API_KEY=sk-1\nexport GROQ_API_KEY = gsk-2\n\nTRIBUNAL_JUDGES_DIR=judges\nnonsense\n");
        assertEquals(Set.of("OPENAI_API_KEY", "GROQ_API_KEY", "TRIBUNAL_JUDGES_DIR"), SecretSettings.dotEnvNames(file));
        assertEquals(Set.of(), SecretSettings.dotEnvNames(dir.resolve("missing")));
    }

    @Test
    void quarkusOwnCredentialsAreMaskedByName() {
        assertEquals(Set.of("quarkus.oidc.credentials.secret", "quarkus.datasource.password"),
                SecretSettings.quarkusCredentials(Set.of("QUARKUS_OIDC_CREDENTIALS_SECRET", "QUARKUS_DATASOURCE_PASSWORD",
                        "QUARKUS_HTTP_PORT", "OPENAI_API_KEY")));
    }
}
