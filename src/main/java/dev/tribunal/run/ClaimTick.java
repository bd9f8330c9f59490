package dev.tribunal.run;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

/** Wakes the worker loop every second: runs created by other processes, tasks given back or whose lease ended. */
@ApplicationScoped
class ClaimTick {

    private final WorkerLoop loop;

    ClaimTick(WorkerLoop loop) {
        this.loop = loop;
    }

    @Scheduled(every = "1s", skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void tick() {
        loop.poll();
    }
}
