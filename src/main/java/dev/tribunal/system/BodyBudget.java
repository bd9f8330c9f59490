package dev.tribunal.system;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory request bodies may take, shared by every request of this process
 * ({@code tribunal.http.max-body-bytes-in-flight}, see {@link BodyBudgetConfig}): each request has a
 * {@link Reservation}, which takes bytes before the body they stand for is read or inflated, and gives them all back,
 * once, when the request ends.
 */
@ApplicationScoped
public class BodyBudget {

    static final String SETTING = "tribunal.http.max-body-bytes-in-flight";
    /** Long enough for a request in progress to end; exporters and clients that honour Retry-After come back then. */
    static final long RETRY_AFTER_SECONDS = 1;
    private static final String KEY = BodyBudget.class.getName();

    private final long limit;
    private final AtomicLong inFlight = new AtomicLong();
    /** Reservations not given back yet. */
    private final java.util.Set<Reservation> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

    BodyBudget(BodyBudgetConfig config, MeterRegistry metrics) {
        this.limit = config.maxBodyBytesInFlight().map(MemorySize::asLongValue).orElseGet(() -> Runtime.getRuntime().maxMemory() / 8);
        metrics.gauge("tribunal.http.body.bytes.in.flight", inFlight);
    }

    long limit() {
        return limit;
    }

    /** The bytes all requests hold now. */
    long inFlight() {
        return inFlight.get();
    }

    /**
     * Gives the request being routed its reservation, empty, to be given back when the request ends. On the event
     * loop, before anything of the request is read. The routing context's end handlers run once whichever way the
     * request ends: they hang on the response's end handler, which Vert.x calls when the answer is sent or, when the
     * connection closes first, then (RESTEasy Reactive sets the response's close handler again for itself, never its
     * end handler).
     */
    Reservation open(RoutingContext routing) {
        Reservation reservation = new Reservation(routing.response());
        open.add(reservation);
        routing.put(KEY, reservation);
        routing.addEndHandler(ended -> reservation.release());
        return reservation;
    }

    /**
     * Gives back what requests whose answer was sent, or whose connection closed, still hold: the end handlers above do
     * so at once in every case seen, but a client that closes its connection while a later handler has taken over the
     * response's own handlers must not keep its share for good.
     */
    @io.quarkus.scheduler.Scheduled(every = "1s", skipExecutionIf = io.quarkus.scheduler.Scheduled.ApplicationNotRunning.class)
    void giveBackWhatEndedRequestsHold() {
        for (Reservation reservation : open) {
            if (reservation.response.ended() || reservation.response.closed()) {
                reservation.release();
            }
        }
    }

    boolean hasReservation(RoutingContext routing) {
        return routing.get(KEY) != null;
    }

    /** The reservation of a request, for an endpoint that makes more of its body (inflates it). */
    public Reservation reservation(RoutingContext routing) {
        Reservation reservation = routing.get(KEY);
        if (reservation == null) {
            throw new IllegalStateException("No body reservation for " + routing.request().path());
        }
        return reservation;
    }

    /** The answer to a request whose body does not fit now. */
    static TemporarilyUnavailableException refusal() {
        return new TemporarilyUnavailableException("Other requests' bodies hold the memory set aside for bodies (" + SETTING
                + "); send this request again shortly", RETRY_AFTER_SECONDS);
    }

    /** The bytes one request holds. Taken from the event loop and a worker thread, given back from the event loop. */
    public final class Reservation {

        private final io.vertx.core.http.HttpServerResponse response;
        private long held;
        private boolean released;

        private Reservation(io.vertx.core.http.HttpServerResponse response) {
            this.response = response;
        }

        /**
         * Takes {@code bytes} more for this request, or refuses them with 503: they are granted when they fit, or
         * when no other request holds any (so that one large body alone always gets through). Once the request has
         * ended nothing more is granted.
         */
        public void reserve(long bytes) {
            if (!take(bytes)) {
                throw refusal();
            }
        }

        synchronized boolean take(long bytes) {
            if (released) {
                return false;
            }
            while (true) {
                long current = inFlight.get();
                boolean alone = current == held;
                if (!alone && current + bytes > limit) {
                    return false;
                }
                if (inFlight.compareAndSet(current, current + bytes)) {
                    held += bytes;
                    return true;
                }
            }
        }

        synchronized void release() {
            if (!released) {
                released = true;
                inFlight.addAndGet(-held);
                held = 0;
                open.remove(this);
            }
        }
    }
}
