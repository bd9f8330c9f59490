package dev.tribunal.system;

/** This process as other processes and the tables see it: host/pid/random, unique per process and readable. */
public final class ProcessName {

    private static final String NAME = name();

    private ProcessName() {
    }

    public static String get() {
        return NAME;
    }

    private static String name() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "unknown-host";
        }
        String name = host + "/" + ProcessHandle.current().pid() + "/"
                + java.util.HexFormat.of().toHexDigits(java.util.concurrent.ThreadLocalRandom.current().nextInt());
        return name.length() <= 100 ? name : name.substring(name.length() - 100);
    }
}
