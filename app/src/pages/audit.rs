//! `/audit`: the audit log for auditors — filters, pages newest first (keyset: "Older" carries the last
//! record's number), exports of the filtered set, and the chain verifier. `/audit/:seq`: one record in full,
//! with its intent or result and, for a deploy, what changed since the app's previous deploy.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use np_spec::audit::{AuditEntry, AuditFilter, AuditRecord};

use crate::audit::{read_audit_page, read_audit_record};
use crate::components::error_view::ErrorNotice;
use crate::components::url_encode;

/// Label and hint of each filter field, in the order of `AuditFilter::NAMES`.
const LABELS: [(&str, &str); 8] = [
    ("Tenant", "acme"),
    ("Actor", "name or subject"),
    ("Action", "deploy, member.add…"),
    ("Target", "app, member…"),
    ("Outcome", "success, failure, denied, unknown, pending"),
    ("From (UTC)", "2026-11-01"),
    ("To (UTC)", "2026-11-30 18:00"),
    ("Text", "anything"),
];

fn filter_of(q: &leptos_router::params::ParamsMap) -> AuditFilter {
    AuditFilter::from_pairs(
        AuditFilter::NAMES
            .iter()
            .filter_map(|n| q.get(n).map(|v| (*n, v))),
    )
}

/// The filter as query parameters (`tenant=…&actor=…`), empty fields left out.
fn query_of(f: &AuditFilter) -> String {
    f.pairs()
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The log page.
#[component]
pub fn AuditLogPage() -> impl IntoView {
    let query = use_query_map();
    let page = Resource::new(
        move || {
            let q = query.read();
            (
                filter_of(&q),
                q.get("before").and_then(|b| b.parse::<i64>().ok()),
            )
        },
        |(filter, before)| read_audit_page(filter, before),
    );
    let verify = ServerAction::<crate::audit::VerifyAudit>::new();
    view! {
        <Title text="Audit log" />
        <div class="space-y-6">
            <div class="flex flex-wrap items-end justify-between gap-4">
                <h1 class="text-2xl font-semibold tracking-tight">"Audit log"</h1>
                <div class="flex items-center gap-2 text-sm">
                    {move || {
                        let q = query_of(&filter_of(&query.read()));
                        view! {
                            <a class="rounded-md border border-line px-3 py-1.5 hover:bg-hover" data-testid="export-csv" rel="external" download
                                href=format!("/api/v1/audit/export?format=csv&{q}")>"Export CSV"</a>
                            <a class="rounded-md border border-line px-3 py-1.5 hover:bg-hover" data-testid="export-ndjson" rel="external" download
                                href=format!("/api/v1/audit/export?format=ndjson&{q}")>"Export NDJSON"</a>
                        }
                    }}
                    <ActionForm action=verify>
                        <button type="submit" class="rounded-md border border-line px-3 py-1.5 hover:bg-hover" data-testid="verify">
                            "Verify chain"
                        </button>
                    </ActionForm>
                </div>
            </div>
            {move || verify.value().get().map(|result| match result {
                Ok(r) if r.intact => view! {
                    <p class="rounded-md border border-ok/40 bg-ok/10 px-3 py-2 text-sm" data-testid="verify-result">
                        {format!("Intact: {} records checked against {} signed checkpoints.", r.verified, r.checkpoints)}
                        {r.notes.iter().map(|n| view! { <span class="block text-muted">{format!("Note: {n}.")}</span> }).collect_view()}
                    </p>
                }.into_any(),
                Ok(r) => view! {
                    <p class="rounded-md border border-bad/40 bg-bad/10 px-3 py-2 text-sm" data-testid="verify-result">
                        {format!("Broken at record {}: {}", r.first_broken.unwrap_or_default(), r.problem.unwrap_or_default())}
                    </p>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
            <form method="get" action="/audit" class="grid grid-cols-2 gap-2 md:grid-cols-4 lg:grid-cols-8" data-testid="audit-filter">
                // The fields are drawn anew for each address, with the address's values as their initial
                // ones: hydrating them leaves alone what a person typed before the page became interactive.
                {move || {
                    let query = query.get();
                    AuditFilter::NAMES.iter().zip(LABELS).map(|(name, (label, hint))| view! {
                        <label class="text-xs text-muted">{label}
                            <input class="mt-1 block w-full rounded-md border border-line bg-bg px-2 py-1.5 text-sm text-fg"
                                name=*name placeholder=hint value=query.get(name).unwrap_or_default() />
                        </label>
                    }).collect_view()
                }}
                <div class="col-span-2 flex gap-2 md:col-span-4 lg:col-span-8">
                    <button type="submit" class="rounded-md bg-accent px-3 py-1.5 text-sm text-on-accent">"Filter"</button>
                    <a href="/audit" class="rounded-md border border-line px-3 py-1.5 text-sm hover:bg-hover">"Clear"</a>
                </div>
            </form>
            <Transition fallback=|| view! { <p class="text-sm text-muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let filter = filter_of(&query.read_untracked());
                    match page.await {
                        Ok(page) => view! { <AuditTable entries=page.entries next=page.next filter /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

fn outcome_class(e: &AuditEntry) -> &'static str {
    match (e.outcome.as_str(), e.pending) {
        (_, true) => "text-warn",
        ("success", _) => "text-ok",
        ("failure" | "denied", _) => "text-bad",
        _ => "text-muted",
    }
}

fn outcome_text(e: &AuditEntry) -> String {
    if e.pending {
        "pending".into()
    } else if e.phase == "intent" {
        "intent".into()
    } else {
        e.outcome.clone()
    }
}

#[component]
fn AuditTable(entries: Vec<AuditEntry>, next: Option<i64>, filter: AuditFilter) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="text-muted" data-testid="no-records">"No records match."</p> }
            .into_any();
    }
    let older = next.map(|n| {
        let q = query_of(&filter);
        format!(
            "/audit?{q}{}before={n}",
            if q.is_empty() { "" } else { "&" }
        )
    });
    view! {
        <div class="table-wrap">
        <table class="w-full text-sm" data-testid="audit-table">
            <thead class="text-left text-muted">
                <tr><th>"#"</th><th>"Time (UTC)"</th><th>"Tenant"</th><th>"Actor"</th><th>"Action"</th><th>"Target"</th><th>"Outcome"</th></tr>
            </thead>
            <tbody>
                {entries.into_iter().map(|e| {
                    let class = outcome_class(&e);
                    let outcome = outcome_text(&e);
                    view! {
                        <tr class="border-t border-line" data-testid="audit-row">
                            <td><a class="underline" href=format!("/audit/{}", e.seq)>{e.seq}</a></td>
                            <td class="whitespace-nowrap">{e.at.trim_end_matches(" UTC").to_owned()}</td>
                            <td>{e.tenant}</td>
                            <td>{e.actor}</td>
                            <td class="font-mono">{e.action}</td>
                            <td>{e.target}</td>
                            <td class=class>{outcome}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        </div>
        {older.map(|href| view! {
            <p class="mt-4"><a class="rounded-md border border-line px-3 py-1.5 text-sm hover:bg-hover" href=href data-testid="older">"Older →"</a></p>
        })}
    }
    .into_any()
}

/// One record.
#[component]
pub fn AuditRecordPage() -> impl IntoView {
    let params = use_params_map();
    let record = Resource::new(
        move || {
            params
                .read()
                .get("seq")
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(0)
        },
        read_audit_record,
    );
    view! {
        <Title text="Audit record" />
        <div class="space-y-6">
            <p><a class="text-sm underline" href="/audit">"← Audit log"</a></p>
            <Transition fallback=|| view! { <p class="text-sm text-muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match record.await {
                        Ok(r) => view! { <RecordView r /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn RecordView(r: AuditRecord) -> impl IntoView {
    let e = r.entry.clone();
    let app_history = (e.target_type == "app").then(|| {
        format!(
            "/audit?tenant={}&target={}&action=deploy",
            url_encode(&e.tenant),
            url_encode(&e.target)
        )
    });
    let rows: Vec<(&str, String)> = vec![
        ("Time", r.occurred_at.clone()),
        ("Phase", e.phase.clone()),
        ("Outcome", outcome_text(&e)),
        ("Tenant", e.tenant.clone()),
        ("Actor", format!("{} ({})", e.actor, r.actor_kind)),
        (
            "Identity",
            format!("{} {}", r.actor_issuer, r.actor_subject)
                .trim()
                .to_owned(),
        ),
        ("Source address", r.source_ip.clone()),
        ("User agent", r.user_agent.clone()),
        ("Request", r.request_id.clone()),
        (
            "Target",
            format!("{} {}", e.target_type, e.target).trim().to_owned(),
        ),
        ("Nomad evaluation", r.eval_id.clone()),
        ("Nomad deployment", r.deployment_id.clone()),
        (
            "Job version",
            r.job_version.map(|v| v.to_string()).unwrap_or_default(),
        ),
        (
            "Job modify index",
            r.job_modify_index
                .map(|v| v.to_string())
                .unwrap_or_default(),
        ),
        ("Event id", r.event_id.clone()),
        ("Previous hash", r.prev_hash.clone()),
        ("Hash", r.row_hash.clone()),
    ];
    view! {
        <h1 class="text-2xl font-semibold tracking-tight" data-testid="record-title">
            {format!("#{} {}", e.seq, e.action)}
        </h1>
        <dl class="grid grid-cols-[12rem_1fr] gap-x-4 gap-y-1 text-sm">
            {rows.into_iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| view! {
                <dt class="text-muted">{k}</dt><dd class="break-all font-mono">{v}</dd>
            }).collect_view()}
        </dl>
        {app_history.map(|href| view! { <p><a class="text-sm underline" href=href data-testid="app-history">"Deploy history of this app"</a></p> })}
        <section>
            <h2 class="mb-2 font-semibold">"This action"</h2>
            <ul class="text-sm" data-testid="related">
                {r.related.iter().map(|x| view! {
                    <li><a class="underline" href=format!("/audit/{}", x.seq)>{format!("#{} {} {}", x.seq, x.at, outcome_text(x))}</a></li>
                }).collect_view()}
            </ul>
        </section>
        {(!r.spec_changes.is_empty() || r.previous_deploy.is_some()).then(|| view! {
            <section>
                <h2 class="mb-2 font-semibold">
                    "Changes since the previous deploy "
                    {r.previous_deploy.map(|p| view! { <a class="underline" href=format!("/audit/{p}")>{format!("#{p}")}</a> })}
                </h2>
                <div class="table-wrap">
                <table class="w-full text-sm" data-testid="spec-changes">
                    <thead class="text-left text-muted"><tr><th>"Field"</th><th>"Before"</th><th>"After"</th></tr></thead>
                    <tbody>
                        {r.spec_changes.iter().map(|c| view! {
                            <tr class="border-t border-line">
                                <td class="font-mono">{c.path.clone()}</td>
                                <td class="font-mono text-bad">{c.before.clone().unwrap_or_default()}</td>
                                <td class="font-mono text-ok">{c.after.clone().unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                </div>
            </section>
        })}
        <section>
            <h2 class="mb-2 font-semibold">"Details"</h2>
            <pre class="max-h-[32rem] overflow-auto rounded-md border border-line bg-panel p-3 text-xs" data-testid="details">{r.details.clone()}</pre>
        </section>
    }
}
