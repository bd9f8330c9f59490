package dev.tribunal.cache;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The key of one model call of a judgment: the SHA-256 of everything that determines its answer. Each part is
 * written with its length first, so that no two different lists of parts hash the same text.
 */
public final class CacheKey {

    private CacheKey() {
    }

    /**
     * @param sampleIndex which of a judgment's samples (0 for a single call): samples stay distinct draws
     * @param temperature null for the provider's default
     */
    public static String of(String judgeName, String judgeVersion, String model, String systemMessage, String userMessage,
                            Double temperature, Integer maxTokens, int sampleIndex) {
        MessageDigest digest = sha256();
        for (String part : new String[] {judgeName, judgeVersion, model, systemMessage, userMessage,
                temperature == null ? null : Double.toString(temperature), maxTokens == null ? null : Integer.toString(maxTokens),
                Integer.toString(sampleIndex)}) {
            byte[] bytes = part == null ? new byte[0] : part.getBytes(StandardCharsets.UTF_8);
            // -1 for an absent part: it differs from an empty one
            digest.update(Integer.toString(part == null ? -1 : bytes.length).getBytes(StandardCharsets.US_ASCII));
            digest.update((byte) ':');
            digest.update(bytes);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
