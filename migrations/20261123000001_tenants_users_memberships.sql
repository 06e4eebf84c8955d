-- Tenants, the people who use the console, and who belongs where.

CREATE TABLE tenants (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- The short name used in URLs, Nomad namespaces and service-name prefixes.
    slug            text        NOT NULL UNIQUE
                                CHECK (slug ~ '^[a-z][a-z0-9-]{0,28}[a-z0-9]$' AND slug !~ '--'),
    display_name    text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    nomad_namespace text        NOT NULL UNIQUE CHECK (nomad_namespace ~ '^[a-zA-Z0-9-]{1,128}$'),
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- A person as the OIDC provider names them: (issuer, subject) is the identity, the rest is display data.
CREATE TABLE users (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    issuer        text        NOT NULL,
    subject       text        NOT NULL,
    email         text,
    display_name  text        NOT NULL,
    -- Platform-wide roles; tenant roles live in memberships.
    platform_role text        CHECK (platform_role IN ('admin', 'auditor')),
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz,
    UNIQUE (issuer, subject)
);

CREATE INDEX users_email_idx ON users (lower(email));

CREATE TYPE tenant_role AS ENUM ('admin', 'developer', 'auditor');

CREATE TABLE memberships (
    tenant_id  uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       tenant_role NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, user_id)
);

CREATE INDEX memberships_user_idx ON memberships (user_id);
