package dev.tribunal.run;

import io.smallrye.mutiny.Uni;

import java.util.Objects;
import java.util.function.Function;

/**
 * What became of a request about judge runs: its answer, or why it was refused. The run service returns a refusal as a
 * value (nothing was written for it); {@link RunResource} turns it into the API's error.
 *
 * @param <T> the answer's type
 */
sealed interface RunOutcome<T> permits RunOutcome.Done, RunOutcome.Refused {

    /** The request was carried out; {@code value} is its answer. */
    record Done<T>(T value) implements RunOutcome<T> {

        public Done {
            Objects.requireNonNull(value, "value");
        }
    }

    /** The request was refused for {@code reason}; {@code message} says why, in the words the API answers with. */
    record Refused<T>(Reason reason, String message) implements RunOutcome<T> {

        public Refused {
            Objects.requireNonNull(reason, "reason");
            if (message == null || message.isBlank()) {
                throw new IllegalArgumentException("a refusal says why");
            }
        }

        /** The same refusal, as the outcome of a step whose answer has another type. */
        <R> Refused<R> carried() {
            return new Refused<>(reason, message);
        }
    }

    /** Why a request is refused. */
    enum Reason {
        /** The request breaks a rule of the API. */
        INVALID,
        /** The caller may not do this. */
        FORBIDDEN,
        /** The run it names does not exist. */
        NOT_FOUND,
        /** The run it names is in a state that does not allow it. */
        CONFLICT
    }

    static <T> RunOutcome<T> done(T value) {
        return new Done<>(value);
    }

    static <T> RunOutcome<T> invalid(String message) {
        return new Refused<>(Reason.INVALID, message);
    }

    static <T> RunOutcome<T> forbidden(String message) {
        return new Refused<>(Reason.FORBIDDEN, message);
    }

    static <T> RunOutcome<T> notFound(String message) {
        return new Refused<>(Reason.NOT_FOUND, message);
    }

    static <T> RunOutcome<T> conflict(String message) {
        return new Refused<>(Reason.CONFLICT, message);
    }

    /**
     * The answer of a request that was carried out; a refusal is thrown as the API's error, which ApiErrorMapper writes
     * (400, 403, 404 or 409, with the refusal's words).
     */
    default T orThrow() {
        if (this instanceof Done<T> done) {
            return done.value();
        }
        Refused<T> refused = (Refused<T>) this;
        throw switch (refused.reason()) {
            case INVALID -> new dev.tribunal.system.InvalidRequestException(refused.message());
            case FORBIDDEN -> new dev.tribunal.system.PermissionDeniedException(refused.message());
            case NOT_FOUND -> new dev.tribunal.system.ResourceNotFoundException(refused.message());
            case CONFLICT -> new dev.tribunal.system.ConflictException(refused.message());
        };
    }

    /** The answer transformed; a refusal stays as it is. */
    default <R> RunOutcome<R> map(Function<? super T, ? extends R> next) {
        if (this instanceof Done<T> done) {
            return new Done<>(next.apply(done.value()));
        }
        return ((Refused<T>) this).carried();
    }

    /** The next step's outcome, taken only when this one is done. */
    default <R> RunOutcome<R> flatMap(Function<? super T, RunOutcome<R>> next) {
        if (this instanceof Done<T> done) {
            return next.apply(done.value());
        }
        return ((Refused<T>) this).carried();
    }

    /** The next asynchronous step's outcome, taken only when this one is done. */
    default <R> Uni<RunOutcome<R>> chain(Function<? super T, Uni<RunOutcome<R>>> next) {
        if (this instanceof Done<T> done) {
            return next.apply(done.value());
        }
        return Uni.createFrom().item(((Refused<T>) this).carried());
    }
}
