package dev.tribunal.system;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

import java.util.List;

/** Bulk writes on the current session. */
public final class Rows {

    private Rows() {
    }

    /**
     * Persists entities with one session call: Panache's {@code persist(Iterable)} subscribes to one
     * persist per entity at once, which a Hibernate Reactive session does not allow.
     */
    public static Uni<Void> persistAll(List<?> entities) {
        if (entities.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Panache.getSession()
                .chain(session -> session.persistAll(entities.toArray()));
    }
}
