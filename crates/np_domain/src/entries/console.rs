//! The console's own rows of the authorization table: its pages and the server functions they call. Both are
//! for people in a browser: an API token gets 403 here and uses the REST API instead.

use super::{Access, Entry, page, server_fn};
use crate::authz::Action as A;

/// Every page.
pub const PAGES: &[Entry] = &[
    page("/", "Overview: the platform's status.", Access::Public),
    page("/login", "Sign in.", Access::Public),
    page("/apps", "The tenant's apps, live.", Access::Tenant(A::View)),
    page(
        "/apps/{app}",
        "One app: what runs, its rollout, instances, versions, logs, metrics and services.",
        Access::Tenant(A::View),
    ),
    page(
        "/deploy",
        "Deploy or edit an app.",
        Access::Tenant(A::Deploy),
    ),
    page(
        "/tenant",
        "The tenant: settings, members, API tokens.",
        Access::Tenant(A::View),
    ),
    page(
        "/tenants",
        "Every tenant (platform roles).",
        Access::Platform,
    ),
    page("/audit", "The audit log.", Access::Auditor),
    page("/audit/{seq}", "One audit record.", Access::Auditor),
];

/// Every server function (`/api/<name>`).
pub const SERVER_FNS: &[Entry] = &[
    server_fn("/api/session", "Who is signed in.", Access::Public),
    server_fn(
        "/api/sign_in_available",
        "Whether the console has a sign-in provider.",
        Access::Public,
    ),
    server_fn(
        "/api/get_platform_status",
        "Whether the database and upstreams answer.",
        Access::Public,
    ),
    server_fn(
        "/api/apps_page",
        "A page of the apps list.",
        Access::Tenant(A::View),
    ),
    server_fn(
        "/api/deploy_context",
        "The tenant's generation settings for the deploy form.",
        Access::Tenant(A::Deploy),
    ),
    server_fn(
        "/api/check_app",
        "Parse, validate and generate a document on the server.",
        Access::Tenant(A::Deploy),
    ),
    server_fn(
        "/api/deploy_app",
        "Deploy a document.",
        Access::Tenant(A::Deploy),
    ),
    server_fn(
        "/api/plan_app",
        "Plan a document.",
        Access::Tenant(A::Deploy),
    ),
    server_fn(
        "/api/load_app",
        "The spec Nomad runs, to edit it.",
        Access::Tenant(A::Deploy),
    ),
    server_fn(
        "/api/tenant_page",
        "The tenant, its members, invites and tokens.",
        Access::Tenant(A::View),
    ),
    server_fn(
        "/api/rename_tenant",
        "Rename the tenant (its own setting).",
        Access::Tenant(A::ManageSettings),
    ),
    server_fn(
        "/api/save_platform_settings",
        "Set the tenant's platform-owned settings.",
        Access::Tenant(A::ManagePlatformSettings),
    ),
    server_fn(
        "/api/add_member",
        "Add a member.",
        Access::Tenant(A::ManageMembers),
    ),
    server_fn(
        "/api/remove_member",
        "Remove a member.",
        Access::Tenant(A::ManageMembers),
    ),
    server_fn(
        "/api/remove_invite",
        "Withdraw an invite.",
        Access::Tenant(A::ManageMembers),
    ),
    server_fn(
        "/api/create_token",
        "Create an API token.",
        Access::Tenant(A::ManageTokens),
    ),
    server_fn(
        "/api/revoke_token",
        "Revoke an API token.",
        Access::Tenant(A::ManageTokens),
    ),
    server_fn("/api/all_tenants", "Every tenant.", Access::Platform),
    server_fn(
        "/api/create_tenant",
        "Create a tenant.",
        Access::PlatformAdmin,
    ),
    server_fn(
        "/api/audit_page",
        "A page of the audit log.",
        Access::Auditor,
    ),
    server_fn("/api/audit_record", "One audit record.", Access::Auditor),
    server_fn(
        "/api/verify_audit",
        "Verify the audit chain.",
        Access::Auditor,
    ),
    server_fn(
        "/api/app_overview",
        "An app's live state and the deploy it runs.",
        Access::Tenant(A::View),
    ),
    server_fn(
        "/api/app_running",
        "Which deploy an app's job comes from.",
        Access::Tenant(A::View),
    ),
    server_fn(
        "/api/app_versions",
        "An app's deploys.",
        Access::Tenant(A::View),
    ),
    server_fn(
        "/api/version_diff",
        "The spec changes between two deploys.",
        Access::Tenant(A::View),
    ),
    server_fn(
        "/api/rollback_app",
        "Deploy an earlier spec again.",
        Access::Tenant(A::Deploy),
    ),
    server_fn(
        "/api/operate_app",
        "Scale, restart, promote, stop or start an app.",
        Access::Tenant(A::Operate),
    ),
    server_fn(
        "/api/search_app_logs",
        "Search an app's log history.",
        Access::Tenant(A::ReadLogs),
    ),
    server_fn(
        "/api/app_metrics",
        "An app's CPU and memory.",
        Access::Tenant(A::View),
    ),
    server_fn(
        "/api/app_services",
        "An app's services and routes.",
        Access::Tenant(A::View),
    ),
];
