-- The budget reservation a judgment sent in a provider batch holds (null when no budget counts it): made by the process
-- that sent the batch, settled to the judgment's cost by whichever process writes its answer, or handed back when the
-- judgment goes back to wait or ends unanswered.
ALTER TABLE batch_request ADD COLUMN reservation_id UUID;
