-- Every deploy's rollout is followed to its end by the console itself (one replica at a time), whether or not
-- anyone watches: when Nomad reached the outcome is kept with it. A rollout can also end without a deployment
-- of its own: a newer version replaced it first (`superseded`), or Nomad has no deployment for it (`none`).
-- A stopped app is started again as a deploy of its last spec (source `start`).
ALTER TABLE deploys ADD COLUMN rollout_at timestamptz;
ALTER TABLE deploys DROP CONSTRAINT deploys_rollout_check;
ALTER TABLE deploys ADD CONSTRAINT deploys_rollout_check
    CHECK (rollout IN ('successful', 'failed', 'cancelled', 'superseded', 'none'));
ALTER TABLE deploys DROP CONSTRAINT deploys_source_check;
ALTER TABLE deploys ADD CONSTRAINT deploys_source_check
    CHECK (source IN ('form', 'np-yaml', 'oam', 'spec', 'api', 'rollback', 'start'));
-- The follower's work list: submitted deploys whose rollout has not ended.
CREATE INDEX deploys_rollout_pending_idx ON deploys (created_at) WHERE state = 'submitted' AND rollout IS NULL;
