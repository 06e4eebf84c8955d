-- Sign-ins in progress are bounded: each remembers the client it came from, so one client keeps only its last
-- few (an unauthenticated caller cannot fill the table), and there is a ceiling for everyone together.
ALTER TABLE login_attempts ADD COLUMN client text NOT NULL DEFAULT '';
CREATE INDEX login_attempts_client_idx ON login_attempts (client, created_at DESC);
CREATE INDEX login_attempts_created_idx ON login_attempts (created_at);
