package dev.tribunal.system;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the benchmarks print of processes, read from Linux's /proc, and their percentiles. */
final class ProcessFigures {

    /** Fields of /proc/pid/stat after the command name: utime, stime, and the times of waited-for children. */
    static final int UTIME = 11;
    static final int STIME = 12;
    static final int CHILDREN_UTIME = 13;
    static final int CHILDREN_STIME = 14;

    private ProcessFigures() {
    }

    /** utime + stime of a process, in milliseconds (USER_HZ is 100 on Linux); 0 for a process that is gone. */
    static long cpuMs(long pid) {
        return cpuMs(pid, UTIME) + cpuMs(pid, STIME);
    }

    /** One clock-tick field of /proc/pid/stat, counted from the field after the command name, in milliseconds. */
    static long cpuMs(long pid, int field) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[field]) * 10;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** A kB field of /proc/pid/status, such as {@code VmRSS:} or {@code VmHWM:}; 0 when absent. */
    static long statusKb(long pid, String field) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(line -> line.startsWith(field))
                    .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")))
                    .findFirst().orElse(0L);
        } catch (IOException e) {
            return 0;
        }
    }

    /** The embedded PostgreSQL of a data directory: its postmaster and every process under it. */
    static List<Long> postgresPids(Path pgDir) {
        List<Long> pids = new ArrayList<>();
        TribunalProcess.postmasterPid(pgDir).ifPresent(pid -> {
            pids.add(pid);
            ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(d -> pids.add(d.pid())));
        });
        return pids;
    }

    /**
     * The bytes of live objects of a JVM: {@code jcmd GC.class_histogram} runs a full GC and counts what survives,
     * whatever the collector; its last line is {@code Total <instances> <bytes>}.
     */
    static long liveObjectBytes(long pid) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid), "GC.class_histogram").redirectErrorStream(true).start();
        String output;
        try (InputStream in = jcmd.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        jcmd.waitFor(2, TimeUnit.MINUTES);
        Matcher total = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$").matcher(output);
        if (!total.find()) {
            throw new IllegalStateException("jcmd " + pid + " GC.class_histogram printed no total:\n" + output.lines().limit(20).toList());
        }
        return Long.parseLong(total.group(1));
    }

    static long percentile(List<Long> sorted, double p) {
        return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }
}
