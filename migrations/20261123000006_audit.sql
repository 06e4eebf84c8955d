-- The audit log: append-only, hash-chained, with signed checkpoints of its head.
--
-- Roles (cluster-wide, created once):
--   np_audit_owner  owns the audit tables and the functions that chain them; nobody logs in as it.
--   np_app          what the console runs as (it sets this role on every connection): reads and writes the
--                   console's tables, but may only read and append audit records.
--   np_auditor      read-only access to the audit tables, for auditors' own tools.
DO $$ BEGIN CREATE ROLE np_audit_owner NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE np_app NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
DO $$ BEGIN CREATE ROLE np_auditor NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;
-- The migrating role switches to np_app at run time, and hands the audit tables to np_audit_owner.
DO $$ BEGIN
    EXECUTE format('GRANT np_app, np_audit_owner TO %I', current_user);
EXCEPTION WHEN others THEN
    RAISE NOTICE 'granting np_app to %: %', current_user, SQLERRM;
END $$;

CREATE TABLE audit_events (
    -- Gapless, assigned under the chain's lock by the insert trigger (a sequence would leave gaps).
    seq              bigint      PRIMARY KEY,
    event_id         uuid        NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    -- Set by the insert trigger from the database's clock, whatever the insert said.
    occurred_at      timestamptz NOT NULL,
    -- intent: an action is about to happen; result: how it ended; event: something that happened at once.
    phase            text        NOT NULL CHECK (phase IN ('intent', 'result', 'event')),
    -- Pairs an intent with its result.
    correlation_id   uuid        NOT NULL,
    -- Denormalised: tenants and users are deleted and renamed, their records stay as they were.
    tenant_id        uuid,
    tenant           text,
    actor_kind       text        NOT NULL CHECK (actor_kind IN ('user', 'token', 'system', 'anonymous')),
    actor_iss        text,
    actor_sub        text,
    actor_name       text        NOT NULL,
    source_ip        text,
    user_agent       text,
    request_id       text,
    action           text        COLLATE "C" NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
    target_type      text,
    target           text,
    -- Null for intents.
    outcome          text        CHECK (outcome IN ('success', 'failure', 'denied', 'unknown')),
    eval_id          text,
    deployment_id    text,
    job_version      bigint,
    job_modify_index bigint,
    -- Secret values are never written here, only their HMACs.
    details          jsonb       NOT NULL DEFAULT '{}',
    prev_hash        bytea       NOT NULL,
    row_hash         bytea       NOT NULL,
    CHECK ((phase = 'intent') = (outcome IS NULL))
);

CREATE INDEX audit_events_tenant_idx ON audit_events (tenant_id, seq);
CREATE INDEX audit_events_tenant_slug_idx ON audit_events (tenant, seq);
CREATE INDEX audit_events_subject_idx ON audit_events (actor_sub, seq);
CREATE INDEX audit_events_action_idx ON audit_events (action, seq);
CREATE INDEX audit_events_target_idx ON audit_events (target, seq);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_name, seq);
CREATE INDEX audit_events_outcome_idx ON audit_events (outcome, seq);
CREATE INDEX audit_events_time_idx ON audit_events (occurred_at);
CREATE INDEX audit_events_correlation_idx ON audit_events (correlation_id);
-- Free-text search over the short fields.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE FUNCTION audit_search_text(actor_name text, actor_sub text, action text, target text, tenant text,
                                  request_id text, source_ip text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN coalesce(actor_name, '') || ' ' || coalesce(actor_sub, '') || ' ' || coalesce(action, '') || ' '
        || coalesce(target, '') || ' ' || coalesce(tenant, '') || ' ' || coalesce(request_id, '') || ' '
        || coalesce(source_ip, '');
CREATE INDEX audit_events_text_idx ON audit_events
    USING gin (audit_search_text(actor_name, actor_sub, action, target, tenant, request_id, source_ip) gin_trgm_ops);
-- Intents still waiting for their result (the reconciler's work list).
CREATE INDEX audit_events_open_idx ON audit_events (seq) WHERE phase = 'intent';

-- Signed statements "the chain's head at seq N was H", made by the console with a key the database never sees.
CREATE TABLE audit_checkpoints (
    seq       bigint      PRIMARY KEY,
    head      bytea       NOT NULL,
    signed_at timestamptz NOT NULL,
    key_id    text        NOT NULL,
    signature bytea       NOT NULL
);

-- One field of the hashed form: `<byte length>:<text>,`, or `-,` for null. Unambiguous and easy to rebuild
-- outside the database (np audit verify does).
CREATE FUNCTION audit_field(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE WHEN value IS NULL THEN '-,' ELSE octet_length(value)::text || ':' || value || ',' END;

-- The bytes a record's hash covers (everything but the hash itself), in a fixed order.
CREATE FUNCTION audit_canonical(r audit_events) RETURNS bytea
    LANGUAGE sql STABLE PARALLEL SAFE
    RETURN convert_to(
        'np-audit-v1,'
        || audit_field(r.seq::text)
        || audit_field(r.event_id::text)
        || audit_field(((extract(epoch FROM r.occurred_at) * 1000000)::bigint)::text)
        || audit_field(r.phase)
        || audit_field(r.correlation_id::text)
        || audit_field(r.tenant_id::text)
        || audit_field(r.tenant)
        || audit_field(r.actor_kind)
        || audit_field(r.actor_iss)
        || audit_field(r.actor_sub)
        || audit_field(r.actor_name)
        || audit_field(r.source_ip)
        || audit_field(r.user_agent)
        || audit_field(r.request_id)
        || audit_field(r.action)
        || audit_field(r.target_type)
        || audit_field(r.target)
        || audit_field(r.outcome)
        || audit_field(r.eval_id)
        || audit_field(r.deployment_id)
        || audit_field(r.job_version::text)
        || audit_field(r.job_modify_index::text)
        || audit_field(r.details::text)
        || audit_field(encode(r.prev_hash, 'hex')),
        'UTF8');

-- Every insert, however it is made, is numbered, timed and chained here: row_hash = SHA-256(prev_hash ‖
-- canonical form). A transaction-scoped advisory lock serialises writers (held to commit, so records commit in
-- seq order); the previous record is read from the primary key's end, so bulk inserts stay linear.
CREATE FUNCTION audit_chain() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
AS $$
DECLARE
    last_seq  bigint;
    last_head bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(7236410500000001);
    SELECT seq, row_hash INTO last_seq, last_head FROM audit_events ORDER BY seq DESC LIMIT 1;
    IF NOT FOUND THEN
        last_seq := 0;
        last_head := '\x0000000000000000000000000000000000000000000000000000000000000000';
    END IF;
    NEW.seq := last_seq + 1;
    NEW.event_id := COALESCE(NEW.event_id, gen_random_uuid());
    NEW.occurred_at := date_trunc('microseconds', clock_timestamp());
    NEW.prev_hash := last_head;
    NEW.row_hash := sha256(last_head || audit_canonical(NEW));
    RETURN NEW;
END
$$;

CREATE FUNCTION audit_refuse_change() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_chain();
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Privileges: np_app reads and writes the console's tables, and only reads and appends to the audit log.
GRANT USAGE ON SCHEMA public TO np_app, np_auditor;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO np_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO np_app;
REVOKE ALL ON _sqlx_migrations FROM np_app;
REVOKE ALL ON audit_events, audit_checkpoints FROM PUBLIC, np_app;
GRANT SELECT, INSERT ON audit_events, audit_checkpoints TO np_app;
GRANT SELECT ON audit_events, audit_checkpoints TO np_auditor;
ALTER TABLE audit_events OWNER TO np_audit_owner;
ALTER TABLE audit_checkpoints OWNER TO np_audit_owner;
ALTER FUNCTION audit_chain() OWNER TO np_audit_owner;
