//! The REST API's rows of the authorization table: every `/api/v1` route, event stream and download.

use super::{Access, Entry, api, api_people};
use crate::authz::Action as A;

/// Every route of the REST API (`/api/v1`), streams and downloads included.
pub const API: &[Entry] = &[
    api("GET", "/openapi.json", "This document.", Access::Public),
    api(
        "GET",
        "/me",
        "The caller: name, platform role and tenant roles.",
        Access::Authenticated,
    ),
    api(
        "GET",
        "/tenants",
        "The tenants the caller may see.",
        Access::Authenticated,
    ),
    api_people(
        "POST",
        "/tenants",
        "Create a tenant and its Nomad namespace.",
        Access::PlatformAdmin,
    ),
    api_people(
        "GET",
        "/users",
        "Every user who has signed in, with their platform role and whether they are disabled.",
        Access::PlatformAdmin,
    ),
    api_people(
        "PUT",
        "/users/{user}",
        "Disable a user (their sessions end at once) or enable them again.",
        Access::PlatformAdmin,
    ),
    api(
        "GET",
        "/tenants/{tenant}",
        "A tenant and its settings.",
        Access::Tenant(A::View),
    ),
    api_people(
        "PUT",
        "/tenants/{tenant}",
        "Rename a tenant (its own setting; the platform-owned ones are refused here).",
        Access::Tenant(A::ManageSettings),
    ),
    api_people(
        "PUT",
        "/tenants/{tenant}/settings",
        "Set a tenant's platform-owned settings: host suffix, node pool, budget, volumes, registries.",
        Access::Tenant(A::ManagePlatformSettings),
    ),
    api_people(
        "DELETE",
        "/tenants/{tenant}",
        "Delete a tenant that has no running apps.",
        Access::Tenant(A::DeleteTenant),
    ),
    api_people(
        "POST",
        "/tenants/{tenant}/provision",
        "Retry creating the tenant's Nomad namespace.",
        Access::PlatformAdmin,
    ),
    api(
        "GET",
        "/tenants/{tenant}/members",
        "Members and pending invites.",
        Access::Tenant(A::View),
    ),
    api_people(
        "POST",
        "/tenants/{tenant}/members",
        "Add a member by e-mail or subject.",
        Access::Tenant(A::ManageMembers),
    ),
    api_people(
        "DELETE",
        "/tenants/{tenant}/members/{user}",
        "Remove a member.",
        Access::Tenant(A::ManageMembers),
    ),
    api_people(
        "DELETE",
        "/tenants/{tenant}/invites/{invite}",
        "Withdraw an invite.",
        Access::Tenant(A::ManageMembers),
    ),
    api_people(
        "GET",
        "/tenants/{tenant}/tokens",
        "The tenant's API tokens (never their secrets).",
        Access::Tenant(A::ManageTokens),
    ),
    api_people(
        "POST",
        "/tenants/{tenant}/tokens",
        "Create an API token; its secret is in this answer only.",
        Access::Tenant(A::ManageTokens),
    ),
    api_people(
        "DELETE",
        "/tenants/{tenant}/tokens/{token}",
        "Revoke an API token.",
        Access::Tenant(A::ManageTokens),
    ),
    api(
        "GET",
        "/tenants/{tenant}/apps",
        "The tenant's apps.",
        Access::Tenant(A::View),
    ),
    api(
        "GET",
        "/tenants/{tenant}/watch/apps",
        "A page of the apps list (filter, next_token, per_page as for GET /tenants/{tenant}/apps) as \
         server-sent events (`apps`, JSON): now, and again whenever Nomad's jobs or Consul's checks and routes \
         change.",
        Access::Tenant(A::View),
    ),
    api(
        "POST",
        "/tenants/{tenant}/apps",
        "Deploy an np.yaml, OAM Application or app spec (the request body).",
        Access::Tenant(A::Deploy),
    ),
    api(
        "GET",
        "/tenants/{tenant}/apps/{app}",
        "An app's status and instances.",
        Access::Tenant(A::View),
    ),
    api(
        "GET",
        "/tenants/{tenant}/apps/{app}/logs",
        "The end of an instance's stdout or stderr, as text.",
        Access::Tenant(A::ReadLogs),
    ),
    api(
        "POST",
        "/tenants/{tenant}/plan",
        "Plan a deploy of the body (as POST /tenants/{tenant}/apps takes it): Nomad's diff, what would be placed, \
         updated or stopped, and why anything cannot be placed. Nothing is deployed.",
        Access::Tenant(A::Deploy),
    ),
    api(
        "GET",
        "/tenants/{tenant}/apps/{app}/watch",
        "The app's live state as server-sent events (`state`, JSON): deployment, instances, health, task events.",
        Access::Tenant(A::View),
    ),
    api(
        "GET",
        "/tenants/{tenant}/apps/{app}/logs/tail",
        "Follow an instance's stdout or stderr as server-sent events (`log`: {text, skipped}; `end`).",
        Access::Tenant(A::ReadLogs),
    ),
    api(
        "GET",
        "/tenants/{tenant}/apps/{app}/logs/search",
        "Search the app's log history in OpenObserve (text, instance, stream, since, until, limit).",
        Access::Tenant(A::ReadLogs),
    ),
    api(
        "GET",
        "/tenants/{tenant}/apps/{app}/versions",
        "Every deploy of the app, newest first.",
        Access::Tenant(A::View),
    ),
    api(
        "GET",
        "/tenants/{tenant}/apps/{app}/diff",
        "The spec fields that differ between two deploys (?from=&to=).",
        Access::Tenant(A::View),
    ),
    api(
        "POST",
        "/tenants/{tenant}/apps/{app}/rollback",
        "Deploy again the spec of an earlier deploy ({\"version\": deploy ID}).",
        Access::Tenant(A::Deploy),
    ),
    api(
        "POST",
        "/tenants/{tenant}/apps/{app}/restart",
        "Restart one instance ({\"instance\": ID}), or every running instance: rolling by default (the \
         update block's max_parallel at a time, each healthy again before the next; answers when it has \
         started), or {\"mode\": \"all_at_once\"}.",
        Access::Tenant(A::Operate),
    ),
    api(
        "POST",
        "/tenants/{tenant}/apps/{app}/start",
        "Start a stopped app again: its spec as Nomad last ran it is deployed again (source start).",
        Access::Tenant(A::Deploy),
    ),
    api(
        "POST",
        "/tenants/{tenant}/apps/{app}/promote",
        "Promote the canaries of the running deployment.",
        Access::Tenant(A::Operate),
    ),
    api(
        "GET",
        "/tenants/{tenant}/apps/{app}/metrics",
        "CPU and memory per instance over the last ?minutes= (default 30).",
        Access::Tenant(A::View),
    ),
    api(
        "GET",
        "/tenants/{tenant}/apps/{app}/services",
        "The app's services and health checks in Consul, and the routes Traefik serves.",
        Access::Tenant(A::View),
    ),
    api(
        "POST",
        "/tenants/{tenant}/apps/{app}/scale",
        "Set the number of instances.",
        Access::Tenant(A::Operate),
    ),
    api(
        "POST",
        "/tenants/{tenant}/apps/{app}/stop",
        "Stop an app (and with purge, remove it).",
        Access::Tenant(A::Operate),
    ),
    api(
        "GET",
        "/tenants/{tenant}/audit",
        "The tenant's audit records, newest first: filters as for /audit.",
        Access::Tenant(A::ReadAudit),
    ),
    api(
        "GET",
        "/audit",
        "Audit records the caller may read, newest first. Filters: tenant, actor, action (or its first \
         word), target, outcome (success, failure, denied, unknown, pending), from, to, text; pages with \
         before (the previous page's next) and limit (at most 500).",
        Access::Auditor,
    ),
    api(
        "GET",
        "/audit/export",
        "The filtered records, oldest first, streamed as NDJSON (format=ndjson: every field and both hashes, \
         verifiable offline with np audit verify --export) or CSV (format=csv, RFC 4180, formula-safe).",
        Access::Auditor,
    ),
    api(
        "GET",
        "/audit/verify",
        "Walk the hash chain and the signed checkpoints: intact, or the first broken record.",
        Access::Auditor,
    ),
    api(
        "GET",
        "/audit/{seq}",
        "One record in full, with its intent or result and, for a deploy, the spec's changes since the \
         app's previous deploy.",
        Access::Auditor,
    ),
];
