-- How each deploy's rollout ended, as Nomad's deployment for it reported: the deploy's JobModifyIndex ties it
-- to that deployment. Kept here because Nomad forgets old deployments.
ALTER TABLE deploys
    ADD COLUMN job_modify_index bigint,
    ADD COLUMN rollout text CHECK (rollout IN ('successful', 'failed', 'cancelled')),
    ADD COLUMN rollout_description text;
