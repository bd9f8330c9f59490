package dev.tribunal.batch;

import dev.tribunal.run.RunService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/** What the batch feature answers over REST. */
@ApplicationScoped
class BatchService {

    private final BatchStore store;
    private final RunService runs;

    BatchService(BatchStore store, RunService runs) {
        this.store = store;
        this.runs = runs;
    }

    /** A run's provider batches; a run that does not exist is not found. */
    Uni<List<BatchView>> ofRun(String runId) {
        return runs.progress(runId)
                .invoke(run -> {
                    if (run == null) {
                        throw new dev.tribunal.system.ResourceNotFoundException("No run " + runId);
                    }
                })
                .chain(() -> store.ofRun(runId));
    }
}
