package dev.tribunal.otlp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.FieldDescriptor;
import dev.tribunal.system.ApiErrorMapper;
import dev.tribunal.system.InvalidJsonTextException;
import dev.tribunal.system.JsonPaths;
import dev.tribunal.system.StrictJsonInput;
import dev.tribunal.system.WholeNumbers;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;

/**
 * OTLP/HTTP bodies in both encodings, with the official OTLP messages: binary protobuf, and the JSON
 * mapping of the OTLP specification (protobuf's JSON mapping, except that trace and span ids are hex
 * rather than base64), optionally gzip-compressed.
 */
final class OtlpCodec {

    /** The body encoding, from the request's Content-Type. */
    enum Encoding {
        PROTOBUF("application/x-protobuf"), JSON("application/json");

        final String mediaType;

        Encoding(String mediaType) {
            this.mediaType = mediaType;
        }

        /** The encoding a Content-Type names; null for one OTLP/HTTP does not define. */
        static Encoding of(String contentType) {
            if (contentType == null) {
                return null;
            }
            String type = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            return switch (type) {
                case "application/x-protobuf", "application/protobuf" -> PROTOBUF;
                case "application/json" -> JSON;
                default -> null;
            };
        }
    }

    /** A body that cannot be taken, with the HTTP status that says why. */
    static final class BadBody extends Exception {
        final int status;

        BadBody(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private static final Set<String> ID_FIELDS = Set.of("traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id");
    /**
     * One document, nothing after it, no key twice, strict UTF-8 and no half surrogate pair ({@link StrictJsonInput});
     * strings as long as the body allows (the body's size is bounded already); numbers exactly as sent, so that a
     * fraction is never rounded to a whole number before protobuf's parser sees it.
     */
    private static final ObjectMapper MAPPER = com.fasterxml.jackson.databind.json.JsonMapper.builder(
                    com.fasterxml.jackson.core.JsonFactory.builder()
                            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                                    .maxStringLength(Integer.MAX_VALUE).build())
                            .inputDecorator(StrictJsonInput.INSTANCE)
                            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                            .build())
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
    /** Each message type's fields by both names protobuf's JSON parser takes: the JSON (lowerCamel) and the proto one. */
    private static final Map<Descriptors.Descriptor, Map<String, FieldDescriptor>> FIELDS = new ConcurrentHashMap<>();
    /** No whole number in a 64-bit range is written with more characters than this, unless padded. */
    private static final int MAX_NUMBER_TEXT = 1000;
    private static final JsonFormat.Parser JSON_PARSER = JsonFormat.parser().ignoringUnknownFields();
    private static final JsonFormat.Printer JSON_PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

    private OtlpCodec() {
    }

    /**
     * Decodes a (decompressed) body. Unknown fields are ignored (a newer exporter may send fields this version
     * does not know); anything else that does not decode is a 400.
     */
    static ExportTraceServiceRequest decode(byte[] bytes, Encoding encoding) throws BadBody {
        try {
            if (encoding == Encoding.PROTOBUF) {
                return ExportTraceServiceRequest.parseFrom(bytes);
            }
            JsonNode tree;
            try {
                tree = MAPPER.readTree(bytes);
            } catch (InvalidJsonTextException e) {
                throw new BadBody(400, e.getOriginalMessage());
            } catch (IOException e) {
                throw new BadBody(400, "The body is not JSON: " + JsonPaths.duplicateKey(e).orElseGet(() -> ApiErrorMapper.firstLine(e.getMessage())));
            }
            if (tree == null || tree.isMissingNode()) {
                return ExportTraceServiceRequest.getDefaultInstance();
            }
            if (!tree.isObject()) {
                throw new BadBody(400, "The body must be a JSON object (an ExportTraceServiceRequest)");
            }
            checkWholeNumbers(tree, ExportTraceServiceRequest.getDescriptor(), "");
            hexIdsToBase64(tree);
            ExportTraceServiceRequest.Builder builder = ExportTraceServiceRequest.newBuilder();
            JSON_PARSER.merge(MAPPER.writeValueAsString(tree), builder);
            return builder.build();
        } catch (InvalidProtocolBufferException e) {
            throw new BadBody(400, "The body is not an OTLP ExportTraceServiceRequest: " + ApiErrorMapper.firstLine(e.getMessage()));
        } catch (JsonProcessingException e) {
            throw new BadBody(400, "The body is not JSON: " + ApiErrorMapper.firstLine(e.getMessage()));
        } catch (RuntimeException e) {
            throw new BadBody(400, "The body is not an OTLP ExportTraceServiceRequest: " + e.getClass().getSimpleName());
        }
    }

    /** A message in the request's encoding: protobuf bytes, or OTLP JSON. */
    static byte[] encode(Message message, Encoding encoding) {
        if (encoding == Encoding.PROTOBUF) {
            return message.toByteArray();
        }
        try {
            return JSON_PRINTER.print(message).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("An OTLP response could not be written as JSON", e);
        }
    }

    /** The body as sent once decompressed: gzip or none; larger than {@code maxSize} once decompressed is a 413. */
    static byte[] decompress(byte[] body, String contentEncoding, long maxSize) throws BadBody {
        String coding = contentEncoding == null ? "identity" : contentEncoding.trim().toLowerCase(Locale.ROOT);
        if (coding.isEmpty() || "identity".equals(coding)) {
            return body;
        }
        if (!"gzip".equals(coding)) {
            throw new BadBody(415, "Content-Encoding '" + contentEncoding + "' is not supported; send gzip or no encoding");
        }
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(1024, body.length * 4));
            byte[] buffer = new byte[16384];
            long total = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
                if (total > maxSize) {
                    throw new BadBody(413, "The body is larger than " + maxSize + " bytes once decompressed (tribunal.otlp.max-uncompressed-size)");
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new BadBody(400, "The body is not valid gzip: " + ApiErrorMapper.firstLine(e.getMessage()));
        }
    }

    /**
     * Whole-number fields, and enums given as numbers, take whole numbers in their type's range however written
     * ({@code 2}, {@code 2.0}, {@code "2"}), as protobuf's JSON parser reads them. That parser refuses {@code 2.5}
     * without naming the field, and drops it from an enum without a word: here it is a 400 that names the field.
     */
    private static void checkWholeNumbers(JsonNode node, Descriptors.Descriptor type, String path) throws BadBody {
        if (!node.isObject()) {
            return;
        }
        Map<String, FieldDescriptor> fields = FIELDS.computeIfAbsent(type, OtlpCodec::fieldsByName);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            FieldDescriptor field = fields.get(entry.getKey());
            if (field == null) {
                continue;
            }
            String at = path.isEmpty() ? entry.getKey() : path + "." + entry.getKey();
            JsonNode value = entry.getValue();
            if (field.isRepeated() && value.isArray()) {
                for (int i = 0; i < value.size(); i++) {
                    checkWholeNumber(value.get(i), field, at + "[" + i + "]");
                }
            } else {
                checkWholeNumber(value, field, at);
            }
        }
    }

    private static void checkWholeNumber(JsonNode value, FieldDescriptor field, String at) throws BadBody {
        FieldDescriptor.JavaType kind = field.getJavaType();
        if (kind == FieldDescriptor.JavaType.MESSAGE) {
            checkWholeNumbers(value, field.getMessageType(), at);
            return;
        }
        boolean whole = kind == FieldDescriptor.JavaType.INT || kind == FieldDescriptor.JavaType.LONG;
        boolean enumNumber = kind == FieldDescriptor.JavaType.ENUM && value.isNumber();
        if (!(whole || enumNumber) || value.isNull()) {
            return;
        }
        BigDecimal[] range = range(field.getType());
        BigDecimal number = null;
        if (value.isNumber()) {
            number = value.decimalValue();
        } else if (value.isTextual() && value.textValue().length() <= MAX_NUMBER_TEXT) {
            try {
                number = new BigDecimal(value.textValue());
            } catch (NumberFormatException e) {
                // not a number: refused below
            }
        }
        if (number == null || !WholeNumbers.isWhole(number, range[0], range[1])) {
            throw new BadBody(400, "Invalid value at '" + at + "': expected a whole number from " + range[0].toPlainString() + " to "
                    + range[1].toPlainString() + ", not " + abbreviate(value.isTextual() ? "'" + value.textValue() + "'" : value.toString()));
        }
    }

    /** The smallest and largest value of a protobuf integer type (enums are int32). */
    private static BigDecimal[] range(FieldDescriptor.Type type) {
        return switch (type) {
            case UINT32, FIXED32 -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.valueOf(0xFFFF_FFFFL)};
            case INT64, SINT64, SFIXED64 -> new BigDecimal[] {BigDecimal.valueOf(Long.MIN_VALUE), BigDecimal.valueOf(Long.MAX_VALUE)};
            case UINT64, FIXED64 -> new BigDecimal[] {BigDecimal.ZERO, new BigDecimal(new java.math.BigInteger("FFFFFFFFFFFFFFFF", 16))};
            default -> new BigDecimal[] {BigDecimal.valueOf(Integer.MIN_VALUE), BigDecimal.valueOf(Integer.MAX_VALUE)};
        };
    }

    private static Map<String, FieldDescriptor> fieldsByName(Descriptors.Descriptor type) {
        Map<String, FieldDescriptor> fields = new java.util.HashMap<>();
        for (FieldDescriptor field : type.getFields()) {
            fields.put(field.getName(), field);
            fields.put(field.getJsonName(), field);
        }
        return fields;
    }

    /** OTLP JSON writes ids as hex; protobuf's JSON mapping reads bytes as base64. */
    private static void hexIdsToBase64(JsonNode node) throws BadBody {
        if (node.isArray()) {
            for (JsonNode item : node) {
                hexIdsToBase64(item);
            }
            return;
        }
        if (!node.isObject()) {
            return;
        }
        ObjectNode object = (ObjectNode) node;
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode value = field.getValue();
            if (ID_FIELDS.contains(field.getKey()) && value.isTextual()) {
                String hex = value.textValue();
                try {
                    field.setValue(TextNode.valueOf(Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex))));
                } catch (IllegalArgumentException e) {
                    throw new BadBody(400, "'" + field.getKey() + "' must be hex in OTLP JSON, not '" + abbreviate(hex) + "'");
                }
            } else if (value.isContainerNode()) {
                hexIdsToBase64(value);
            }
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }
}
