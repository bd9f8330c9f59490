package dev.tribunal.system;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.deser.std.NumberDeserializers;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.module.SimpleModule;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.function.LongFunction;

/**
 * Whole-number fields ({@code int}, {@code long}, {@code short}, {@code byte} and their boxes) take whole numbers in
 * their type's range, however written: {@code 12}, {@code 12.0}, {@code 1.2e1} are 12, as protobuf's JSON mapping
 * (OTLP) and JSON Schema read them. {@code 12.5}, which Jackson would cut to 12, and a number beyond the range are
 * refused with the field's path. Other tokens (null, text) go to Jackson's own deserializer and its coercion rules.
 */
public final class WholeNumbers extends SimpleModule {

    private static final long serialVersionUID = 1L;

    WholeNumbers() {
        super("whole-numbers");
        add(Integer.class, int.class, Integer.MIN_VALUE, Integer.MAX_VALUE, value -> (int) value);
        add(Long.class, long.class, Long.MIN_VALUE, Long.MAX_VALUE, value -> value);
        add(Short.class, short.class, Short.MIN_VALUE, Short.MAX_VALUE, value -> (short) value);
        add(Byte.class, byte.class, Byte.MIN_VALUE, Byte.MAX_VALUE, value -> (byte) value);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void add(Class<?> boxed, Class<?> primitive, long min, long max, LongFunction<Object> box) {
        for (Class<?> type : new Class<?>[] {boxed, primitive}) {
            addDeserializer((Class) type, new Whole(NumberDeserializers.find(type, type.getName()), type, min, max, box));
        }
    }

    /** "a whole number from -2147483648 to 2147483647", for a field of this type; null for another type. */
    static String expected(Class<?> type) {
        if (type == Integer.class || type == int.class) {
            return range(Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        if (type == Long.class || type == long.class) {
            return range(Long.MIN_VALUE, Long.MAX_VALUE);
        }
        if (type == Short.class || type == short.class) {
            return range(Short.MIN_VALUE, Short.MAX_VALUE);
        }
        if (type == Byte.class || type == byte.class) {
            return range(Byte.MIN_VALUE, Byte.MAX_VALUE);
        }
        return null;
    }

    private static String range(long min, long max) {
        return "a whole number from " + min + " to " + max;
    }

    /** The whole value of a JSON number, or null when it has a fraction or lies outside [min, max]. */
    static Long whole(BigDecimal value, long min, long max) {
        return isWhole(value, BigDecimal.valueOf(min), BigDecimal.valueOf(max)) ? value.longValue() : null;
    }

    /** Whether a number is whole and within [min, max]. */
    public static boolean isWhole(BigDecimal value, BigDecimal min, BigDecimal max) {
        // the range first: it is compared without expanding the number, however large its exponent
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            return false;
        }
        return value.signum() == 0 || value.stripTrailingZeros().scale() <= 0;
    }

    private static final class Whole extends DelegatingDeserializer {

        private static final long serialVersionUID = 1L;

        private final Class<?> type;
        private final long min;
        private final long max;
        private final LongFunction<Object> box;

        Whole(JsonDeserializer<?> standard, Class<?> type, long min, long max, LongFunction<Object> box) {
            super(standard);
            this.type = type;
            this.min = min;
            this.max = max;
            this.box = box;
        }

        @Override
        protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> delegate) {
            return new Whole(delegate, type, min, max, box);
        }

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonToken token = p.currentToken();
            if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
                return super.deserialize(p, ctxt);
            }
            Long value;
            if (token == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                long number = p.getLongValue();
                value = number >= min && number <= max ? number : null;
            } else {
                BigDecimal decimal = decimal(p);
                value = decimal == null ? null : whole(decimal, min, max);
            }
            if (value == null) {
                throw InvalidFormatException.from(p, "Not " + expected(type) + ": " + p.getText(), p.getText(), type);
            }
            return box.apply(value);
        }

        /** The number exactly; null when its exponent is beyond what a BigDecimal holds, so beyond any range. */
        private static BigDecimal decimal(JsonParser p) {
            try {
                return p.getDecimalValue();
            } catch (IOException | NumberFormatException e) {
                return null;
            }
        }
    }
}
