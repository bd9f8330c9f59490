package dev.tribunal.llm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.jboss.logging.Logger;

/**
 * LangChain4j's OpenAI module writes every request body indented: its mapper enables {@code INDENT_OUTPUT} and offers
 * no setting for it. Indenting costs CPU on every call and sends whitespace no provider reads, so it is turned off once,
 * at start. The mapper is the module's own, reached by reflection; should a later version move it, bodies simply stay
 * indented (correct, only slower), which the start log says.
 */
final class CompactRequestBodies {

    private static final Logger LOG = Logger.getLogger(CompactRequestBodies.class);
    private static final String HOLDER = "dev.langchain4j.model.openai.internal.Json";

    private CompactRequestBodies() {
    }

    /**
     * The mapper LangChain4j's OpenAI module writes request bodies with, so that a body written elsewhere (a batch's
     * line) is the same; null when it cannot be reached.
     */
    static ObjectMapper mapper() {
        try {
            java.lang.reflect.Field field = Class.forName(HOLDER).getDeclaredField("OBJECT_MAPPER");
            field.setAccessible(true);
            return (ObjectMapper) field.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** True when request bodies are now written without indentation. */
    static boolean apply() {
        try {
            java.lang.reflect.Field field = Class.forName(HOLDER).getDeclaredField("OBJECT_MAPPER");
            field.setAccessible(true);
            ((ObjectMapper) field.get(null)).disable(SerializationFeature.INDENT_OUTPUT);
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.infof("Provider request bodies stay indented (LangChain4j's OpenAI mapper was not found: %s)", e.toString());
            return false;
        }
    }
}
