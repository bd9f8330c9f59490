package dev.tribunal.batch;

import java.time.Instant;

/**
 * One provider batch of a run.
 *
 * @param id Tribunal's id of the batch
 * @param providerBatchId the provider's id ({@code batch_...}); null until it was created there
 * @param status {@code preparing}, then the provider's status (validating, in_progress, finalizing, completed, failed,
 *               expired, cancelling, cancelled)
 * @param requests its calls (lines of its file)
 * @param completed its calls answered, as the provider counts them
 * @param failed its calls that failed, as the provider counts them
 */
public record BatchView(String id, String providerBatchId, String model, String status, int requests, int completed, int failed,
                        Instant createdAt, Instant finishedAt) {
}
