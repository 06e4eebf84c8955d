-- A deploy submitted twice (a double click, a retried request) is recorded and sent to Nomad once: the caller's
-- idempotency key is unique per app.
ALTER TABLE deploys ADD COLUMN idempotency_key text CHECK (length(idempotency_key) BETWEEN 1 AND 200);
CREATE UNIQUE INDEX deploys_idempotency_idx ON deploys (tenant_id, app, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
