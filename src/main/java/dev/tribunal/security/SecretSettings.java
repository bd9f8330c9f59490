package dev.tribunal.security;

import io.smallrye.config.SecretKeys;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.SmallRyeConfigBuilderCustomizer;
import org.eclipse.microprofile.config.ConfigProvider;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Settings that hold credentials are secret keys of the configuration: the code that needs them reads them (config
 * mappings are filled before the keys are locked; {@link #read} for the rest), while anything that lists or prints the
 * configuration, such as the Dev UI's configuration view, neither sees their names nor can read their values.
 * <p>
 * Secret are: Tribunal's bootstrap key, every provider's {@code api-key}, and environment variables whose names say they
 * hold a credential ({@code OPENAI_API_KEY}, {@code *_TOKEN}, {@code *_SECRET}, {@code *_PASSWORD}, ...) or a command
 * line that may pass one as {@code -Dname=value} ({@code MAVEN_CMD_LINE_ARGS}, {@code JAVA_TOOL_OPTIONS}, ...), under their
 * own name and under the dotted name the configuration also knows them by.
 */
public final class SecretSettings implements SmallRyeConfigBuilderCustomizer {

    static final String BOOTSTRAP_KEY = "tribunal.bootstrap-key";
    static final Set<String> SETTINGS = Set.of(BOOTSTRAP_KEY, "tribunal.providers.*.api-key");
    private static final Pattern CREDENTIAL_VARIABLE = Pattern.compile(
            "[A-Z0-9_]*(API_?KEY|ACCESS_KEY|SECRET_KEY|BOOTSTRAP_KEY|PRIVATE_KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)"
                    // command lines and JVM options, which may carry any of the above as -Dname=value
                    + "|MAVEN_CMD_LINE_ARGS|MAVEN_OPTS|JAVA_TOOL_OPTIONS|JDK_JAVA_OPTIONS|JAVA_OPTS|_JAVA_OPTIONS");

    @Override
    public void configBuilder(SmallRyeConfigBuilder builder) {
        builder.withSecretKeys(secretKeys(System.getenv()).toArray(String[]::new));
    }

    /** The secret keys for a process with these environment variables. */
    static Set<String> secretKeys(Map<String, String> environment) {
        Set<String> keys = new TreeSet<>(SETTINGS);
        for (String variable : environment.keySet()) {
            if (CREDENTIAL_VARIABLE.matcher(variable.toUpperCase(Locale.ROOT)).matches()) {
                keys.add(variable);
                String dotted = variable.toLowerCase(Locale.ROOT).replace('_', '.');
                // Quarkus' own settings keep their documented entry (its password fields are its own to show)
                if (!dotted.startsWith("quarkus.")) {
                    keys.add(dotted);
                }
            }
        }
        return keys;
    }

    /** A secret setting's value, read where it is needed. */
    static Optional<String> read(String name) {
        return SecretKeys.doUnlocked(() -> ConfigProvider.getConfig().getOptionalValue(name, String.class))
                .map(String::strip)
                .filter(value -> !value.isEmpty());
    }
}
