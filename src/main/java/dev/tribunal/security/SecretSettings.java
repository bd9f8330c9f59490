package dev.tribunal.security;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.SecretKeys;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.SmallRyeConfigBuilderCustomizer;
import org.eclipse.microprofile.config.ConfigProvider;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
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
 * own name and under the dotted name the configuration also knows them by; variables set in a {@code .env} file count too.
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
        Set<String> variables = new TreeSet<>(System.getenv().keySet());
        variables.addAll(dotEnvNames(Path.of(".env")));
        builder.withSecretKeys(secretKeys(variables).toArray(String[]::new));
        builder.withInterceptors(new QuarkusCredentials(quarkusCredentials(variables)));
    }

    /** The dotted names of Quarkus' settings that credential variables set ({@code QUARKUS_DATASOURCE_PASSWORD}, ...). */
    static Set<String> quarkusCredentials(Set<String> variables) {
        Set<String> names = new TreeSet<>();
        for (String variable : variables) {
            String upper = variable.toUpperCase(Locale.ROOT);
            if (upper.startsWith("QUARKUS_") && CREDENTIAL_VARIABLE.matcher(upper).matches()) {
                names.add(variable.toLowerCase(Locale.ROOT).replace('_', '.'));
            }
        }
        return names;
    }

    /**
     * Quarkus' own credential settings (a password or secret, or one a credential variable sets) stay listed where
     * the configuration is shown, as the Dev UI's view needs every setting it documents to be readable, but read
     * outside Tribunal's and Quarkus' own configuration (locked, in SmallRye's terms) their value is masked.
     */
    static final class QuarkusCredentials implements ConfigSourceInterceptor {
        static final String MASK = "********";
        private static final Pattern CREDENTIAL_SETTING = Pattern.compile("quarkus\\..*\\.([a-z0-9-]*-)?(password|secret)");
        private final Set<String> fromVariables;

        QuarkusCredentials(Set<String> fromVariables) {
            this.fromVariables = Set.copyOf(fromVariables);
        }

        @Override
        public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
            ConfigValue value = context.proceed(name);
            if (value == null || !SecretKeys.isLocked() || !(fromVariables.contains(name) || CREDENTIAL_SETTING.matcher(name).matches())) {
                return value;
            }
            return value.from().withValue(MASK).withRawValue(MASK).build();
        }
    }

    /** The names a {@code .env} file in the working directory sets (the configuration reads it as environment variables). */
    static Set<String> dotEnvNames(Path file) {
        Set<String> names = new TreeSet<>();
        if (!Files.isRegularFile(file)) {
            return names;
        }
        try {
            for (String line : Files.readAllLines(file)) {
                String setting = line.strip();
                if (setting.startsWith("export ")) {
                    setting = setting.substring(7).strip();
                }
                int equals = setting.indexOf('=');
                if (!setting.startsWith("#") && equals > 0) {
                    names.add(setting.substring(0, equals).strip());
                }
            }
        } catch (IOException | RuntimeException e) {
            // unreadable here means unreadable for the configuration too: nothing of it is shown
        }
        return names;
    }

    /** The secret keys for a process with these environment variables. */
    static Set<String> secretKeys(Set<String> variables) {
        Set<String> keys = new TreeSet<>(SETTINGS);
        for (String variable : variables) {
            if (CREDENTIAL_VARIABLE.matcher(variable.toUpperCase(Locale.ROOT)).matches()) {
                keys.add(variable);
                String dotted = variable.toLowerCase(Locale.ROOT).replace('_', '.');
                // Quarkus' own settings keep their documented entry, masked (QuarkusCredentials)
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
