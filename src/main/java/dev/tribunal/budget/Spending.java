package dev.tribunal.budget;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What one judgment holds of the budgets: the sweep budget it falls under (beside the global, provider and judge ones,
 * which follow from the judge and model), and the reservations its calls made, settled when the judgment is written.
 */
public final class Spending {

    private final Limit sweep;
    private final List<Reservation> reservations = new CopyOnWriteArrayList<>();

    private Spending(Limit sweep) {
        this.sweep = sweep;
    }

    /** A judgment outside any sweep. */
    public static Spending outsideSweeps() {
        return new Spending(null);
    }

    /** A judgment of a sweep's run; {@code sweep} null when the sweep has no budget. */
    public static Spending ofSweep(Limit sweep) {
        return new Spending(sweep);
    }

    /** The sweep budget the judgment falls under; null when none. */
    public Limit sweep() {
        return sweep;
    }

    void add(Reservation reservation) {
        reservations.add(reservation);
    }

    /** The reservations made so far. */
    public List<Reservation> reservations() {
        return List.copyOf(reservations);
    }
}
