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
import dev.tribunal.system.BodyBudget;
import dev.tribunal.system.TemporarilyUnavailableException;
import dev.tribunal.system.InvalidJsonTextException;
import dev.tribunal.system.JsonPaths;
import dev.tribunal.system.StrictJsonInput;
import dev.tribunal.system.WholeNumbers;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import java.io.ByteArrayInputStream;
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
    static ExportTraceServiceRequest decode(InputStream body, Encoding encoding) throws BadBody {
        try {
            if (encoding == Encoding.PROTOBUF) {
                ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body);
                expectEnd(body);
                return request;
            }
            JsonNode tree;
            try {
                tree = MAPPER.readTree(body);
                expectEnd(body);
            } catch (InvalidJsonTextException e) {
                throw new BadBody(400, e.getOriginalMessage());
            } catch (IOException e) {
                throw refusal(e).orElseGet(() -> new BadBody(400, "The body is not JSON: "
                        + JsonPaths.duplicateKey(e).orElseGet(() -> ApiErrorMapper.firstLine(e.getMessage()))));
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
            throw refusal(e).orElseGet(() -> new BadBody(400, "The body is not an OTLP ExportTraceServiceRequest: "
                    + ApiErrorMapper.firstLine(e.getMessage())));
        } catch (JsonProcessingException e) {
            throw new BadBody(400, "The body is not JSON: " + ApiErrorMapper.firstLine(e.getMessage()));
        } catch (IOException e) {
            throw refusal(e).orElseGet(() -> new BadBody(400, "The body could not be read: " + ApiErrorMapper.firstLine(e.getMessage())));
        } catch (TemporarilyUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BadBody(400, "The body is not an OTLP ExportTraceServiceRequest: " + e.getClass().getSimpleName());
        }
    }

    /** A decoder may stop before the end (JSON after its document); what is left must be nothing, also inside gzip. */
    private static void expectEnd(InputStream body) throws IOException {
        if (body.read() != -1) {
            throw new IOException("The body goes on after the export ends");
        }
    }

    /** The refusal of the body's bytes themselves (gzip, size) behind a decoder's failure to read them. */
    private static java.util.Optional<BadBody> refusal(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof RefusedBytes refused) {
                return java.util.Optional.of(refused.reason);
            }
        }
        return java.util.Optional.empty();
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

    /**
     * The body as its exporter meant it, to be read once by {@link #decode}: as received, or inflated from gzip as the
     * decoder reads it. Inflated bytes are never gathered in a buffer of their own; they are reserved from the
     * request's share of memory for bodies before they are handed to the decoder (whose objects they become): the size
     * the gzip trailer states at once, anything beyond it step by step. So exports inflating together cannot hold more
     * than the budget; one that does not fit is answered 503. More than {@code maxSize} once inflated is a 413.
     */
    static InputStream decompress(byte[] body, String contentEncoding, long maxSize, BodyBudget.Reservation reservation) throws BadBody {
        String coding = contentEncoding == null ? "identity" : contentEncoding.trim().toLowerCase(Locale.ROOT);
        if (coding.isEmpty() || "identity".equals(coding)) {
            return new ByteArrayInputStream(body);
        }
        if (!"gzip".equals(coding)) {
            throw new BadBody(415, "Content-Encoding '" + contentEncoding + "' is not supported; send gzip or no encoding");
        }
        return new Inflating(body, maxSize, reservation);
    }

    /** Why the body's bytes are refused, carried through a decoder, which reports its stream's failures as its own. */
    private static final class RefusedBytes extends IOException {
        final BadBody reason;

        RefusedBytes(BadBody reason) {
            super(reason.getMessage(), null);
            this.reason = reason;
        }
    }

    /**
     * A gzip body inflated as it is read. Concatenated gzip members are read one after the other, as RFC 1952 (a gzip
     * file is a series of members), gzip(1) and most decoders do; anything else after the last member is refused, not
     * ignored, since bytes nobody reads are most likely a mistake of the sender (or a way to smuggle data past it).
     */
    private static final class Inflating extends InputStream {

        /** Bytes reserved at a time: small next to any budget, large enough to make reserving rare. */
        private static final int STEP = 64 * 1024;
        private static final String NOT_GZIP = "The body is not valid gzip (Content-Encoding: gzip): ";

        private final ByteArrayInputStream source;
        private final long maxSize;
        private final BodyBudget.Reservation reservation;
        private InputStream member;
        private long inflated;
        private long reserved;
        private boolean ended;

        Inflating(byte[] body, long maxSize, BodyBudget.Reservation reservation) throws BadBody {
            this.source = new ByteArrayInputStream(body);
            this.maxSize = maxSize;
            this.reservation = reservation;
            try {
                this.member = member(source);
            } catch (IOException e) {
                throw gzipError(e).reason;
            }
            // Reserved at once, exports inflating together are each taken whole or refused at once; reserved only step
            // by step, each would take part of the budget and all could run out of it halfway. A wrong statement costs
            // little: it is capped at maxSize, and beyond it bytes are reserved step by step.
            long stated = Math.min(statedSize(body), maxSize);
            reservation.reserve(stated);
            this.reserved = stated;
        }

        /** The inflated size a (single-member) gzip body states in its last four bytes, modulo 2^32. */
        private static long statedSize(byte[] body) {
            int n = body.length;
            return n < 4 ? 0 : (body[n - 4] & 0xffL) | (body[n - 3] & 0xffL) << 8 | (body[n - 2] & 0xffL) << 16 | (body[n - 1] & 0xffL) << 24;
        }

        /** One member; with a source that can mark, the library leaves it right after the member's end. */
        private static InputStream member(ByteArrayInputStream source) throws IOException {
            return GzipCompressorInputStream.builder().setInputStream(source).setDecompressConcatenated(false).get();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (ended) {
                return -1;
            }
            if (length == 0) {
                return 0;
            }
            if (inflated == reserved) {
                reservation.reserve(STEP);
                reserved += STEP;
            }
            int n;
            try {
                n = member.read(buffer, offset, (int) Math.min(length, reserved - inflated));
                while (n < 0 && nextMember()) {
                    n = member.read(buffer, offset, (int) Math.min(length, reserved - inflated));
                }
            } catch (RefusedBytes e) {
                throw e;
            } catch (IOException e) {
                throw gzipError(e);
            }
            ended = n < 0;
            if (n > 0) {
                inflated += n;
                if (inflated > maxSize) {
                    throw new RefusedBytes(new BadBody(413, "The body is larger than " + maxSize
                            + " bytes once decompressed (tribunal.otlp.max-uncompressed-size)"));
                }
            }
            return n;
        }

        /** Whether another gzip member follows the one that ended; anything else after it is refused. */
        private boolean nextMember() throws IOException {
            int left = source.available();
            if (left == 0) {
                return false;
            }
            source.mark(2);
            boolean magic = source.read() == 0x1f && source.read() == 0x8b;
            source.reset();
            if (!magic) {
                throw new RefusedBytes(new BadBody(400, NOT_GZIP + left + " byte(s) follow the end of its gzip stream; "
                        + "only further gzip members may follow one"));
            }
            member = member(source);
            return true;
        }

        private static RefusedBytes gzipError(IOException e) {
            String reason = e instanceof java.io.EOFException ? "it ends before its gzip stream does" : ApiErrorMapper.firstLine(e.getMessage());
            return new RefusedBytes(new BadBody(400, NOT_GZIP + reason));
        }

        /** The body is in memory; a decoder closing its stream must not stop the check that nothing follows. */
        @Override
        public void close() {
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
