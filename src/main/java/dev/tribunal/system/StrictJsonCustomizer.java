package dev.tribunal.system;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Request bodies are read strictly: a number where a string belongs (or the reverse) is a 400, not
 * a silent conversion, so a client's mistake never turns into stored data it did not mean. So are a key
 * sent twice in an object (rather than the last one silently winning), text that is not UTF-8 or holds half
 * a surrogate pair ({@link StrictJsonInput}), a fraction where a whole number belongs ({@link WholeNumbers}), and a
 * null inside a list.
 */
@Singleton
class StrictJsonCustomizer implements ObjectMapperCustomizer {

    static final int MAX_NESTING = 64;

    @Override
    public void customize(ObjectMapper mapper) {
        // bodies nest at most this deep (traces, spans and assessments need a few levels): deeper is a 400, not a deep recursion
        mapper.getFactory().setStreamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING).build());
        mapper.getFactory().setInputDecorator(StrictJsonInput.INSTANCE);
        mapper.enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        mapper.registerModule(new WholeNumbers());
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        for (LogicalType scalar : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            mapper.coercionConfigFor(scalar)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        // whole-number types WholeNumbers does not cover (BigInteger, say) refuse a fraction rather than cut it
        mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        // lists in bodies hold names, ids and objects: a null among them is a 400 naming the element, never a null
        // that code reading the list would trip over
        for (Class<?> collection : new Class<?>[] {java.util.List.class, java.util.Set.class, java.util.Collection.class}) {
            mapper.configOverride(collection).setSetterInfo(com.fasterxml.jackson.annotation.JsonSetter.Value.forContentNulls(
                    com.fasterxml.jackson.annotation.Nulls.FAIL));
        }
    }
}
