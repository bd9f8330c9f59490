package dev.tribunal.otlp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.tribunal.system.ApiErrorMapper;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
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
    /** One document, nothing after it; strings as long as the body allows (the body's size is bounded already). */
    private static final ObjectMapper MAPPER = com.fasterxml.jackson.databind.json.JsonMapper.builder(
                    com.fasterxml.jackson.core.JsonFactory.builder()
                            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                                    .maxStringLength(Integer.MAX_VALUE).build())
                            .build())
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
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
            } catch (IOException e) {
                throw new BadBody(400, "The body is not JSON: " + ApiErrorMapper.firstLine(e.getMessage()));
            }
            if (tree == null || tree.isMissingNode()) {
                return ExportTraceServiceRequest.getDefaultInstance();
            }
            if (!tree.isObject()) {
                throw new BadBody(400, "The body must be a JSON object (an ExportTraceServiceRequest)");
            }
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
