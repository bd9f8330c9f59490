package dev.tribunal.budget;

import java.time.LocalDate;
import java.util.List;
import java.util.UUID;

/**
 * A call's hold on the budgets that count it: the call's largest possible cost, held from before the call until its
 * judgment is written, when the actual cost replaces it.
 */
public final class Reservation {

    private final UUID id;
    private final LocalDate day;
    private final List<Limit> limits;
    private final double amount;
    private volatile double actual;

    Reservation(UUID id, LocalDate day, List<Limit> limits, double amount) {
        this.id = id;
        this.day = day;
        this.limits = List.copyOf(limits);
        this.amount = amount;
    }

    /** Records what the calls actually cost (null when nothing was paid for). */
    public void spent(Double cost) {
        this.actual = cost == null ? 0 : cost;
    }

    /** The reservation's id, as held in the database until it is settled. */
    public UUID id() {
        return id;
    }

    LocalDate day() {
        return day;
    }

    List<Limit> limits() {
        return limits;
    }

    double amount() {
        return amount;
    }

    double actual() {
        return actual;
    }
}
