-- A deploy whose register call Nomad did not confirm (a timeout, a 5xx, a broken connection) may or may not
-- have been applied: it is `unknown` until the reconciler has asked Nomad, never guessed.
ALTER TABLE deploys DROP CONSTRAINT deploys_state_check;
ALTER TABLE deploys ADD CONSTRAINT deploys_state_check
    CHECK (state IN ('submitting', 'submitted', 'failed', 'unknown'));
