package dev.tribunal.versions;

import java.util.ArrayList;
import java.util.List;

/**
 * The lines two texts differ in, as a unified diff without headers: {@code -} a line only the old text has, {@code +}
 * one only the new has, a space one both share (shown within {@link #CONTEXT} lines of a change; {@code @@} marks
 * where shared lines were left out). Longest common subsequence over lines: judge files are short.
 */
final class LineDiff {

    static final int CONTEXT = 2;

    private LineDiff() {
    }

    static String of(String before, String after) {
        String[] a = before.split("\n", -1);
        String[] b = after.split("\n", -1);
        int[][] common = new int[a.length + 1][b.length + 1];
        for (int i = a.length - 1; i >= 0; i--) {
            for (int j = b.length - 1; j >= 0; j--) {
                common[i][j] = a[i].equals(b[j]) ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
            }
        }
        List<String> lines = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.length || j < b.length) {
            if (i < a.length && j < b.length && a[i].equals(b[j])) {
                lines.add("  " + a[i]);
                i++;
                j++;
            } else if (i < a.length && (j == b.length || common[i + 1][j] >= common[i][j + 1])) {
                lines.add("- " + a[i++]);
            } else {
                lines.add("+ " + b[j++]);
            }
        }
        return withContext(lines);
    }

    /** Shared lines far from any change are left out. */
    private static String withContext(List<String> lines) {
        StringBuilder out = new StringBuilder();
        boolean skipping = false;
        for (int k = 0; k < lines.size(); k++) {
            if (lines.get(k).startsWith("  ") && !nearChange(lines, k)) {
                if (!skipping) {
                    out.append("@@\n");
                    skipping = true;
                }
                continue;
            }
            skipping = false;
            out.append(lines.get(k)).append('\n');
        }
        return out.toString();
    }

    private static boolean nearChange(List<String> lines, int k) {
        for (int d = Math.max(0, k - CONTEXT); d <= Math.min(lines.size() - 1, k + CONTEXT); d++) {
            if (!lines.get(d).startsWith("  ")) {
                return true;
            }
        }
        return false;
    }
}
