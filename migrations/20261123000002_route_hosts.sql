-- Host names claimed by apps' routes. Traefik has one name space for every tenant, so a host belongs to one
-- app on the whole platform; the primary key enforces it, whatever the console's checks said before.

CREATE TABLE route_hosts (
    host       text        PRIMARY KEY
                           CHECK (host = lower(host) AND length(host) BETWEEN 1 AND 253 AND host !~ '[^a-z0-9.-]'),
    tenant_id  uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    app        text        NOT NULL CHECK (app ~ '^[a-z][a-z0-9-]{0,28}[a-z0-9]$'),
    claimed_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX route_hosts_app_idx ON route_hosts (tenant_id, app);
