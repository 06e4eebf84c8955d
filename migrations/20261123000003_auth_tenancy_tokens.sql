-- Sign-in, sessions, tenant settings, how members came to be members, API tokens, and deploy records.

-- Tenant settings: what the console decides for the tenant's apps (the generation context), and the state
-- of its Nomad namespace (created after the row, so a failed upstream call leaves a visible, retryable state).
ALTER TABLE tenants
    ADD COLUMN host_suffix        text     NOT NULL DEFAULT ''
                                  CHECK (host_suffix = lower(host_suffix) AND host_suffix !~ '[^a-z0-9.-]'),
    ADD COLUMN node_pool          text     NOT NULL DEFAULT 'default' CHECK (node_pool ~ '^[a-zA-Z0-9_-]{1,128}$'),
    ADD COLUMN budget_cpu         bigint   NOT NULL DEFAULT 16000 CHECK (budget_cpu BETWEEN 0 AND 10000000),
    ADD COLUMN budget_memory      bigint   NOT NULL DEFAULT 32768 CHECK (budget_memory BETWEEN 0 AND 100000000),
    ADD COLUMN budget_instances   bigint   NOT NULL DEFAULT 50 CHECK (budget_instances BETWEEN 0 AND 100000),
    ADD COLUMN allowed_volumes    text[]   NOT NULL DEFAULT '{}',
    ADD COLUMN allowed_registries text[]   NOT NULL DEFAULT '{}',
    ADD COLUMN namespace_state    text     NOT NULL DEFAULT 'pending'
                                  CHECK (namespace_state IN ('pending', 'ready', 'failed')),
    ADD COLUMN namespace_error    text,
    -- The Nomad ACL policy and token made for the tenant when the cluster has ACLs (accessor only: the
    -- secret is kept in nomad_token_secret, readable only by the console's role).
    ADD COLUMN nomad_policy       text,
    ADD COLUMN nomad_token_accessor text,
    ADD COLUMN nomad_token_secret text;

-- Where a membership comes from: the OIDC group mapping (resynced at every sign-in) or a tenant admin.
CREATE TYPE membership_source AS ENUM ('oidc', 'manual');
ALTER TABLE memberships ADD COLUMN source membership_source NOT NULL DEFAULT 'manual';

-- Members added by a tenant admin before they ever signed in: matched at sign-in by e-mail or subject.
CREATE TABLE member_invites (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id  uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    -- Exactly one of the two: a lower-cased e-mail address, or an (issuer, subject) pair.
    email      text        CHECK (email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+$'),
    issuer     text,
    subject    text,
    role       tenant_role NOT NULL,
    created_by uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((email IS NOT NULL) <> (subject IS NOT NULL AND issuer IS NOT NULL))
);
CREATE UNIQUE INDEX member_invites_email_idx ON member_invites (tenant_id, email) WHERE email IS NOT NULL;
CREATE UNIQUE INDEX member_invites_subject_idx ON member_invites (tenant_id, issuer, subject) WHERE subject IS NOT NULL;

-- A sign-in in progress: the browser holds the id in a cookie; state, nonce and the PKCE verifier stay here.
CREATE TABLE login_attempts (
    id            bytea       PRIMARY KEY,          -- SHA-256 of the cookie value
    state         text        NOT NULL,
    nonce         text        NOT NULL,
    pkce_verifier text        NOT NULL,
    next_path     text        NOT NULL DEFAULT '/',
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Signed-in browsers. Only a hash of the cookie value is stored.
CREATE TABLE sessions (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash   bytea       NOT NULL UNIQUE,
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    -- Sent back to the provider as id_token_hint on logout.
    id_token     text
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- API tokens for pipelines: scoped to one tenant and one role; only a hash of the secret is stored.
CREATE TABLE api_tokens (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id    uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    role         tenant_role NOT NULL,
    -- The first characters of the token, shown to tell tokens apart.
    prefix       text        NOT NULL,
    token_hash   bytea       NOT NULL UNIQUE,
    created_by   uuid        REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    UNIQUE (tenant_id, name)
);

-- Deploys: recorded before Nomad is called and completed after, so no deploy is ever lost.
CREATE TABLE deploys (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    tenant_id     uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    app           text        NOT NULL,
    job_id        text        NOT NULL,
    actor         text        NOT NULL,                  -- display name (user or token), kept as it was
    actor_user_id uuid        REFERENCES users (id) ON DELETE SET NULL,
    actor_token_id uuid       REFERENCES api_tokens (id) ON DELETE SET NULL,
    source        text        NOT NULL CHECK (source IN ('form', 'np-yaml', 'oam', 'spec', 'api', 'rollback')),
    spec          jsonb       NOT NULL,
    job           jsonb       NOT NULL,
    state         text        NOT NULL DEFAULT 'submitting'
                              CHECK (state IN ('submitting', 'submitted', 'failed')),
    error         text,
    eval_id       text,
    job_version   bigint,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
CREATE INDEX deploys_app_idx ON deploys (tenant_id, app, created_at DESC);
