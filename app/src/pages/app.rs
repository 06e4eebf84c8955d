//! `/apps/:app`: one app — its live state and rollout, instances and their events, versions with diff and
//! rollback, scale, restart, stop and purge, logs (live and history), metrics and services.

use std::collections::VecDeque;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use np_spec::ops::{AppLive, DeploymentView, InstanceView, LogChunk, Series};

use crate::AppError;
use crate::components::error_view::ErrorNotice;
use crate::components::{data_url, url_encode};
use crate::operate::{
    AppOverview, LogSearchForm, OperateApp, Operation, RollbackApp, app_metrics, app_services,
    app_versions, get_app_overview, search_app_logs, version_diff,
};

/// The app page.
#[component]
pub fn AppPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let overview = Resource::new(
        move || {
            (
                query.read().get("tenant"),
                params.read().get("app").unwrap_or_default(),
            )
        },
        |(tenant, app)| get_app_overview(tenant, app),
    );
    view! {
        // The title is rendered into the head after the page's body, when a server render may already have
        // disposed of the route's params: `try_with` answers nothing then instead of panicking.
        <Title text=move || params.try_with(|p| p.get("app")).flatten().unwrap_or_default() />
        <Transition fallback=|| view! { <p class="text-sm text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(overview) => view! { <AppView overview /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Instances,
    Versions,
    Logs,
    Metrics,
    Services,
}

/// Where the app's API lives.
fn api(tenant: &str, app: &str) -> String {
    format!(
        "/api/v1/tenants/{}/apps/{}",
        url_encode(tenant),
        url_encode(app)
    )
}

#[component]
fn AppView(overview: AppOverview) -> impl IntoView {
    let live = RwSignal::new(overview.live.clone());
    let connected = RwSignal::new(true);
    let tenant = StoredValue::new(overview.tenant.clone());
    let app = StoredValue::new(overview.live.app.clone());
    let base = api(&overview.tenant, &overview.live.app);
    let watch_url = format!("{base}/watch");
    Effect::new(move |_| {
        crate::live::event_source(
            &watch_url,
            &["state"],
            move |_, data| {
                if let Ok(state) = serde_json::from_str::<AppLive>(&data) {
                    live.set(state);
                }
            },
            move |open| connected.set(open),
        );
    });
    let tab = RwSignal::new(if overview.can_read_logs {
        Tab::Instances
    } else {
        Tab::Versions
    });
    let log_instance = RwSignal::new(String::new());
    let operate = ServerAction::<OperateApp>::new();
    let rollback = ServerAction::<RollbackApp>::new();
    let run = move |operation: Operation| {
        operate.dispatch(OperateApp {
            tenant: Some(tenant.get_value()),
            app: app.get_value(),
            operation,
        });
    };
    let tab_button = move |t: Tab, label: &'static str| {
        view! {
            <button
                type="button"
                role="tab"
                aria-selected=move || (tab.get() == t).to_string()
                class="rounded-md px-3 py-1.5 text-sm aria-selected:bg-panel aria-selected:shadow-sm aria-selected:font-medium text-muted aria-selected:text-fg"
                on:click=move |_| tab.set(t)
            >
                {label}
            </button>
        }
    };
    let AppOverview {
        urls,
        image,
        min,
        max,
        resources,
        can_deploy,
        can_operate,
        can_read_logs,
        ..
    } = overview;
    let edit = format!(
        "/deploy?tenant={}&app={}",
        url_encode(&tenant.get_value()),
        url_encode(&app.get_value())
    );
    view! {
        <div class="space-y-6" data-testid="app-page">
            <div class="flex flex-wrap items-start justify-between gap-4">
                <div>
                    <p class="text-sm text-muted">
                        <a class="underline" href=format!("/apps?tenant={}", url_encode(&tenant.get_value()))>"Apps"</a>
                        " / " {tenant.get_value()}
                    </p>
                    <h1 class="text-2xl font-semibold tracking-tight">{app.get_value()}</h1>
                    <p class="mt-1 text-sm">
                        <Health live /> " · version " <span data-testid="app-version">{move || live.with(|l| l.version)}</span>
                        " · " <span data-testid="instances">{move || live.with(|l| format!("{}/{} running", l.running, l.desired))}</span>
                        {move || (!connected.get()).then(|| view! { <span class="ml-2 text-warn">"(reconnecting…)"</span> })}
                    </p>
                    <p class="mt-1 text-sm text-muted">
                        <code>{image}</code>
                        {resources.map(|(cpu, memory)| format!(" · {cpu} MHz, {memory} MiB per instance"))}
                    </p>
                    <p class="mt-1 text-sm">
                        {urls.into_iter().map(|u| view! { <a class="mr-3 underline" href=u.clone() rel="external noopener">{u.clone()}</a> }).collect_view()}
                    </p>
                </div>
                <div class="flex flex-wrap items-center gap-2">
                    {can_deploy.then(|| view! {
                        <a class="rounded-md border border-line px-3 py-1.5 text-sm hover:bg-hover" href=edit data-testid="edit-app">"Edit"</a>
                    })}
                    {can_operate.then(|| view! { <Actions live min max run /> })}
                </div>
            </div>
            <OperationResult operate rollback />
            <Progress live can_operate run />
            <div role="tablist" aria-label="About this app" class="inline-flex flex-wrap gap-1 rounded-lg bg-hover p-1">
                {tab_button(Tab::Instances, "Instances")}
                {tab_button(Tab::Versions, "Versions")}
                {can_read_logs.then(|| tab_button(Tab::Logs, "Logs"))}
                {tab_button(Tab::Metrics, "Metrics")}
                {tab_button(Tab::Services, "Services")}
            </div>
            {move || match tab.get() {
                Tab::Instances => view! {
                    <Instances live can_operate can_read_logs run on_logs=move |id: String| { log_instance.set(id); tab.set(Tab::Logs); } />
                }.into_any(),
                Tab::Versions => view! {
                    <Versions tenant=tenant.get_value() app=app.get_value() can_deploy rollback />
                }.into_any(),
                Tab::Logs => view! { <Logs tenant=tenant.get_value() app=app.get_value() live instance=log_instance /> }.into_any(),
                Tab::Metrics => view! { <MetricsTab tenant=tenant.get_value() app=app.get_value() /> }.into_any(),
                Tab::Services => view! { <ServicesTab tenant=tenant.get_value() app=app.get_value() /> }.into_any(),
            }}
        </div>
    }
}

/// The app's health in a word, from its live state.
pub fn health_word(live: &AppLive) -> &'static str {
    if live.stopped || live.status == "dead" {
        "stopped"
    } else if live
        .deployment
        .as_ref()
        .is_some_and(|d| d.status == "running" || d.status == "pending")
    {
        "deploying"
    } else if live.pending > 0 && live.running == 0 {
        "starting"
    } else if live.running < live.desired {
        "degraded"
    } else if live.running == 0 && live.failed > 0 {
        "failed"
    } else {
        "healthy"
    }
}

#[component]
fn Health(live: RwSignal<AppLive>) -> impl IntoView {
    let word = move || live.with(health_word);
    let class = move || match word() {
        "healthy" => "font-medium text-ok",
        "failed" | "degraded" => "font-medium text-bad",
        "deploying" | "starting" => "font-medium text-warn",
        _ => "font-medium text-muted",
    };
    view! { <span class=class data-testid="health">{word}</span> }
}

/// Scale, restart all, stop, purge.
#[component]
fn Actions(
    live: RwSignal<AppLive>,
    min: Option<u32>,
    max: Option<u32>,
    run: impl Fn(Operation) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let count = RwSignal::new(live.get_untracked().desired.to_string());
    let confirm = RwSignal::new(None::<bool>);
    let typed = RwSignal::new(String::new());
    let bounds = StoredValue::new(match (min, max) {
        (Some(a), Some(b)) => format!("{a}–{b}"),
        (Some(a), None) => format!("at least {a}"),
        (None, Some(b)) => format!("at most {b}"),
        (None, None) => "0–1000".to_owned(),
    });
    let out_of_bounds = move || {
        let Ok(n) = count.get().trim().parse::<i64>() else {
            return Some("a whole number".to_owned());
        };
        if min.is_some_and(|m| n < i64::from(m)) || max.is_some_and(|m| n > i64::from(m)) {
            Some(format!("within the app's bounds ({})", bounds.get_value()))
        } else if !(0..=1000).contains(&n) {
            Some("between 0 and 1000".into())
        } else {
            None
        }
    };
    let app_name = move || live.with(|l| l.app.clone());
    view! {
        <form
            class="flex items-center gap-1"
            on:submit=move |e| {
                e.prevent_default();
                if let Ok(n) = count.get_untracked().trim().parse::<i64>() {
                    run(Operation::Scale(n));
                }
            }
        >
            <label class="text-sm" for="scale-count">"Instances"</label>
            <input
                id="scale-count"
                type="number"
                min=min.map(|m| m.to_string())
                max=max.map(|m| m.to_string())
                class="w-20 rounded-md border border-line bg-bg px-2 py-1 text-sm"
                prop:value=move || count.get()
                on:input=move |e| count.set(event_target_value(&e))
            />
            <button
                type="submit"
                data-testid="scale"
                class="rounded-md border border-line px-3 py-1.5 text-sm hover:bg-hover disabled:opacity-50"
                disabled=move || out_of_bounds().is_some()
                title=move || out_of_bounds().map(|m| format!("Enter {m}")).unwrap_or_default()
            >
                "Scale"
            </button>
        </form>
        <button type="button" data-testid="restart-all" class="rounded-md border border-line px-3 py-1.5 text-sm hover:bg-hover"
            on:click=move |_| run(Operation::Restart(None))>"Restart all"</button>
        <button type="button" data-testid="stop" class="rounded-md border border-bad/60 px-3 py-1.5 text-sm text-bad hover:bg-hover"
            on:click=move |_| { typed.set(String::new()); confirm.set(Some(false)); }>"Stop"</button>
        <button type="button" data-testid="purge" class="rounded-md border border-bad/60 px-3 py-1.5 text-sm text-bad hover:bg-hover"
            on:click=move |_| { typed.set(String::new()); confirm.set(Some(true)); }>"Purge"</button>
        {move || confirm.get().map(|purge| view! {
            <div role="dialog" aria-label="Confirm" data-testid="confirm" class="basis-full rounded-md border border-bad/40 bg-bad/10 p-3 text-sm">
                <p>
                    {if purge {
                        "Purging stops every instance and removes the app from Nomad; its host names are freed. Its versions stay in the console."
                    } else {
                        "Stopping ends every instance; the app can be started again by deploying it."
                    }}
                </p>
                <label class="mt-2 block">"Type " <strong>{app_name}</strong> " to confirm"
                    <input class="ml-2 rounded-md border border-line bg-bg px-2 py-1" data-testid="confirm-name"
                        prop:value=move || typed.get() on:input=move |e| typed.set(event_target_value(&e)) />
                </label>
                <div class="mt-2 flex gap-2">
                    <button type="button" data-testid="confirm-go"
                        class="rounded-md bg-bad px-3 py-1.5 text-on-accent disabled:opacity-50"
                        disabled=move || typed.get() != app_name()
                        on:click=move |_| { run(Operation::Stop(purge)); confirm.set(None); }>
                        {if purge { "Purge" } else { "Stop" }}
                    </button>
                    <button type="button" class="rounded-md border border-line px-3 py-1.5" on:click=move |_| confirm.set(None)>"Cancel"</button>
                </div>
            </div>
        })}
    }
}

#[component]
fn OperationResult(
    operate: ServerAction<OperateApp>,
    rollback: ServerAction<RollbackApp>,
) -> impl IntoView {
    let last = RwSignal::new(None::<Result<String, AppError>>);
    Effect::new(move |_| {
        if let Some(v) = operate.value().get() {
            last.set(Some(v));
        }
    });
    Effect::new(move |_| {
        if let Some(v) = rollback.value().get() {
            last.set(Some(v.map(|_| {
                "Rolling back: the earlier spec was deployed again.".into()
            })));
        }
    });
    move || {
        last.get().map(|r| match r {
            Ok(text) => view! { <p role="status" data-testid="operation-result" class="rounded-md border border-ok/40 bg-ok/10 p-3 text-sm">{text}</p> }.into_any(),
            Err(error) => view! { <div data-testid="operation-result"><ErrorNotice error /></div> }.into_any(),
        })
    }
}

/// The latest deployment's progress, live.
#[component]
fn Progress(
    live: RwSignal<AppLive>,
    can_operate: bool,
    run: impl Fn(Operation) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        let l = live.get();
        let error = l.error.clone().map(
            |e| view! { <p class="text-sm text-warn">"Nomad could not be read just now: " {e}</p> },
        );
        let reverted = l.reverted.map(|(failed, to)| view! {
            <p role="status" data-testid="reverted" class="rounded-md border border-bad/40 bg-bad/10 p-3 text-sm font-medium">
                {format!("Version {failed} failed: rolled back to version {to}.")}
                <span class="font-normal text-muted">{format!(" Nomad re-deployed version {to}'s job as version {}.", l.version)}</span>
            </p>
        });
        let deployment = l
            .deployment
            .clone()
            .map(|d| deployment_view(d, &l, can_operate, run));
        view! { <div class="space-y-2">{error}{reverted}{deployment}</div> }
    }
}

fn deployment_view(
    d: DeploymentView,
    live: &AppLive,
    can_operate: bool,
    run: impl Fn(Operation) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let (headline, class) = match (d.status.as_str(), d.rolled_back_to) {
        ("failed", Some(v)) => (
            format!("Version {} failed: rolled back to version {v}", d.version),
            "border-bad/40 bg-bad/10",
        ),
        ("failed", None) => (
            format!("Version {} failed", d.version),
            "border-bad/40 bg-bad/10",
        ),
        ("successful", _) => (
            format!("Version {} is deployed", d.version),
            "border-ok/40 bg-ok/10",
        ),
        ("running", _) if d.needs_promotion => (
            format!(
                "Version {}: canaries are healthy and wait for promotion",
                d.version
            ),
            "border-warn/40 bg-warn/10",
        ),
        (status, _) => (
            format!("Version {}: deployment {status}", d.version),
            "border-line bg-panel",
        ),
    };
    let promote = (d.needs_promotion && can_operate).then(|| {
        view! {
            <button type="button" data-testid="promote"
                class="rounded-md bg-accent px-3 py-1.5 text-sm font-medium text-on-accent"
                on:click=move |_| run(Operation::Promote)>"Promote canaries"</button>
        }
    });
    let stable = live
        .stable_version
        .map(|v| format!(" Last stable version: {v}."))
        .unwrap_or_default();
    view! {
        <section data-testid="deployment" data-status=d.status.clone() class=format!("rounded-md border p-3 text-sm {class}")>
            <div class="flex flex-wrap items-center justify-between gap-2">
                <p class="font-medium" data-testid="deployment-headline">{headline}</p>
                {promote}
            </div>
            <p class="text-muted">{d.description.clone()}{stable}</p>
            <ul class="mt-2 space-y-1">
                {d.groups.into_iter().map(|g| {
                    let canaries = (g.desired_canaries > 0).then(|| format!(", canaries {}/{}{}", g.canaries, g.desired_canaries, if g.promoted { " (promoted)" } else { "" }));
                    let percent = if g.desired > 0 { (g.healthy * 100 / g.desired).min(100) } else { 0 };
                    view! {
                        <li>
                            <span class="font-medium">{g.name.clone()}</span>
                            {format!(": placed {}/{}, healthy {}, unhealthy {}", g.placed, g.desired, g.healthy, g.unhealthy)}
                            {canaries}
                            {g.auto_revert.then_some(" · reverts automatically on failure")}
                            <div class="mt-1 h-1.5 w-full rounded bg-hover"><div class="h-1.5 rounded bg-ok" style=format!("width: {percent}%")></div></div>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn Instances(
    live: RwSignal<AppLive>,
    can_operate: bool,
    can_read_logs: bool,
    run: impl Fn(Operation) + Copy + Send + Sync + 'static,
    on_logs: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    move || {
        let instances = live.with(|l| l.instances.clone());
        if instances.is_empty() {
            return view! { <p class="text-sm text-muted">"No instances."</p> }.into_any();
        }
        view! {
            <table class="w-full text-sm">
                <thead class="text-left text-muted">
                    <tr><th>"Instance"</th><th>"Node"</th><th>"Version"</th><th>"Status"</th><th>"Health"</th><th>"Restarts"</th><th></th></tr>
                </thead>
                <tbody>
                    {instances.into_iter().map(|i| instance_row(i, can_operate, can_read_logs, run, on_logs)).collect_view()}
                </tbody>
            </table>
        }
        .into_any()
    }
}

fn instance_row(
    i: InstanceView,
    can_operate: bool,
    can_read_logs: bool,
    run: impl Fn(Operation) + Copy + Send + Sync + 'static,
    on_logs: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let health = match i.healthy {
        Some(true) => "healthy",
        Some(false) => "unhealthy",
        None => "—",
    };
    let id = i.id.clone();
    let id2 = i.id.clone();
    let live = i.is_live();
    view! {
        <tr class="border-t border-line align-top" data-testid="instance" data-status=i.client_status.clone()>
            <td class="py-2">
                <code>{i.short().to_owned()}</code>
                {i.canary.then(|| view! { <span class="ml-1 rounded bg-warn/20 px-1 text-xs">"canary"</span> })}
                <details class="mt-1">
                    <summary class="cursor-pointer text-xs text-muted">{format!("{} events", i.events.len())}</summary>
                    <ul class="mt-1 space-y-0.5 text-xs">
                        {i.events.iter().map(|e| view! {
                            <li><span class="text-muted">{format_ms(e.time_ms)}</span> " " <strong>{e.kind.clone()}</strong> " " {e.message.clone()}</li>
                        }).collect_view()}
                    </ul>
                </details>
            </td>
            <td class="py-2">{i.node.clone()}</td>
            <td class="py-2">{i.version}</td>
            <td class="py-2">{format!("{} ({})", i.client_status, i.desired_status)}</td>
            <td class="py-2">{health}</td>
            <td class="py-2">{i.restarts}</td>
            <td class="py-2 text-right whitespace-nowrap">
                {(can_read_logs).then(|| view! {
                    <button type="button" class="underline" on:click=move |_| on_logs(id.clone())>"Logs"</button>
                })}
                {(can_operate && live).then(|| view! {
                    <button type="button" class="ml-2 underline" data-testid="restart-one"
                        on:click=move |_| run(Operation::Restart(Some(id2.clone())))>"Restart"</button>
                })}
            </td>
        </tr>
    }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of Unix milliseconds.
fn format_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[component]
fn Versions(
    tenant: String,
    app: String,
    can_deploy: bool,
    rollback: ServerAction<RollbackApp>,
) -> impl IntoView {
    let tenant = StoredValue::new(tenant);
    let app = StoredValue::new(app);
    let versions = Resource::new(
        move || rollback.version().get(),
        move |_| app_versions(Some(tenant.get_value()), app.get_value()),
    );
    let from = RwSignal::new(None::<String>);
    let to = RwSignal::new(None::<String>);
    let diff = Resource::new(
        move || (from.get(), to.get()),
        move |(from, to)| async move {
            match (from, to) {
                (Some(from), Some(to)) if from != to => {
                    Some(version_diff(Some(tenant.get_value()), app.get_value(), from, to).await)
                }
                _ => None,
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p class="text-sm text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let list = match versions.await {
                    Ok(list) => list,
                    Err(error) => return view! { <ErrorNotice error /> }.into_any(),
                };
                // Compare the newest with the one before it unless the viewer chose.
                if from.get_untracked().is_none() && list.len() >= 2 {
                    from.set(Some(list[1].deploy_id.clone()));
                    to.set(Some(list[0].deploy_id.clone()));
                }
                view! {
                    <table class="w-full text-sm" data-testid="versions">
                        <thead class="text-left text-muted">
                            <tr><th>"#"</th><th>"When"</th><th>"Who"</th><th>"How"</th><th>"Image"</th><th>"Outcome"</th><th>"Compare"</th><th></th></tr>
                        </thead>
                        <tbody>
                            {list.into_iter().map(|v| {
                                let id = v.deploy_id.clone();
                                let (id_a, id_b, id_c, id_d) = (id.clone(), id.clone(), id.clone(), id.clone());
                                let outcome = match (v.state.as_str(), &v.error, &v.rollout) {
                                    ("failed", Some(e), _) => format!("failed: {e}"),
                                    ("unknown", _, _) => "not confirmed by Nomad yet — being checked".to_owned(),
                                    ("submitted", _, Some(rollout)) => format!("rollout {rollout}"),
                                    (state, _, _) => state.to_owned(),
                                };
                                let roll = (can_deploy && !v.current && v.state == "submitted").then(|| view! {
                                    <button type="button" data-testid="rollback" class="underline"
                                        disabled=move || rollback.pending().get()
                                        on:click=move |_| {
                                            rollback.dispatch(RollbackApp {
                                                tenant: Some(tenant.get_value()),
                                                app: app.get_value(),
                                                version: id_d.clone(),
                                                idempotency_key: Some(crate::deploy::submission_key(&id_d)),
                                            });
                                        }>
                                        "Roll back to this"
                                    </button>
                                });
                                view! {
                                    <tr class="border-t border-line" data-testid="version" data-number=v.number.to_string()>
                                        <td class="py-2">{v.number}{v.current.then_some(" (current)")}</td>
                                        <td class="py-2 text-muted">{v.at.clone()}</td>
                                        <td class="py-2">{v.actor.clone()}</td>
                                        <td class="py-2">{v.source.clone()}</td>
                                        <td class="py-2"><code>{v.image.clone()}</code></td>
                                        <td class="py-2">{outcome}</td>
                                        <td class="py-2 whitespace-nowrap">
                                            <label class="mr-2"><input type="radio" name="from" prop:checked=move || from.get().as_deref() == Some(id_a.as_str()) on:change=move |_| from.set(Some(id_b.clone())) /> " old"</label>
                                            <label><input type="radio" name="to" prop:checked=move || to.get().as_deref() == Some(id_c.as_str()) on:change=move |_| to.set(Some(id.clone())) /> " new"</label>
                                        </td>
                                        <td class="py-2 text-right">{roll}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match diff.await {
                    None => ().into_any(),
                    Some(Err(error)) => view! { <ErrorNotice error /> }.into_any(),
                    Some(Ok(changes)) if changes.is_empty() => view! {
                        <p class="mt-4 text-sm text-muted" data-testid="diff">"The two versions have the same spec."</p>
                    }.into_any(),
                    Some(Ok(changes)) => view! {
                        <table class="mt-4 w-full font-mono text-xs" data-testid="diff">
                            <thead class="text-left text-muted"><tr><th>"Field"</th><th>"Old"</th><th>"New"</th></tr></thead>
                            <tbody>
                                {changes.into_iter().map(|c| view! {
                                    <tr class="border-t border-line">
                                        <td class="py-1">{c.path}</td>
                                        <td class="py-1 text-bad">{c.before.unwrap_or_else(|| "—".into())}</td>
                                        <td class="py-1 text-ok">{c.after.unwrap_or_else(|| "—".into())}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Lines a live tail keeps on the page.
const TAIL_LINES: usize = 2000;

#[component]
fn Logs(
    tenant: String,
    app: String,
    live: RwSignal<AppLive>,
    instance: RwSignal<String>,
) -> impl IntoView {
    let base = api(&tenant, &app);
    let stream = RwSignal::new("stdout".to_owned());
    let lines: RwSignal<VecDeque<(u64, String)>> = RwSignal::new(VecDeque::new());
    let held: StoredValue<Vec<String>> = StoredValue::new(Vec::new());
    let held_count = RwSignal::new(0usize);
    let partial = StoredValue::new(String::new());
    let next_id = StoredValue::new(0u64);
    let paused = RwSignal::new(false);
    let ended = RwSignal::new(false);
    let view_ref = NodeRef::<leptos::html::Div>::new();

    let push = move |new: Vec<String>| {
        lines.update(|l| {
            for line in new {
                let id = next_id.get_value();
                next_id.set_value(id + 1);
                l.push_back((id, line));
            }
            while l.len() > TAIL_LINES {
                l.pop_front();
            }
        });
    };
    let tail_base = base.clone();
    Effect::new(move |_| {
        let url = format!(
            "{tail_base}/logs/tail?stream={}&instance={}",
            url_encode(&stream.get()),
            url_encode(&instance.get())
        );
        lines.set(VecDeque::new());
        partial.set_value(String::new());
        held.set_value(Vec::new());
        held_count.set(0);
        ended.set(false);
        crate::live::event_source(
            &url,
            &["log", "end"],
            move |kind, data| {
                if kind == "end" {
                    ended.set(true);
                    return;
                }
                let Ok(chunk) = serde_json::from_str::<LogChunk>(&data) else {
                    return;
                };
                let mut complete = Vec::new();
                if chunk.skipped {
                    complete.push(
                        "[… output skipped: it came faster than this page could show …]".to_owned(),
                    );
                }
                let mut text = partial.get_value();
                text.push_str(&chunk.text);
                let mut parts: Vec<&str> = text.split('\n').collect();
                let rest = parts.pop().unwrap_or_default().to_owned();
                complete.extend(
                    parts
                        .into_iter()
                        .map(|p| p.trim_end_matches('\r').to_owned()),
                );
                partial.set_value(rest);
                if paused.get_untracked() {
                    held.update_value(|h| h.extend(complete));
                    held_count.set(held.with_value(Vec::len));
                } else {
                    push(complete);
                }
            },
            |_| {},
        );
    });
    // Following: keep the end in view.
    Effect::new(move |_| {
        lines.track();
        if !paused.get_untracked()
            && let Some(div) = view_ref.get()
        {
            div.set_scroll_top(div.scroll_height());
        }
    });
    let resume = move || {
        paused.set(false);
        push(held.with_value(Clone::clone));
        held.set_value(Vec::new());
        held_count.set(0);
        if let Some(div) = view_ref.get_untracked() {
            div.set_scroll_top(div.scroll_height());
        }
    };
    let download = format!("{base}/logs");
    view! {
        <section class="space-y-3" data-testid="logs">
            <div class="flex flex-wrap items-end gap-2 text-sm">
                <label>"Instance"
                    <select class="ml-1 rounded-md border border-line bg-bg px-2 py-1" data-testid="log-instance"
                        on:change=move |e| instance.set(event_target_value(&e))>
                        <option value="" selected=move || instance.get().is_empty()>"newest running"</option>
                        {move || live.with(|l| l.instances.clone()).into_iter().map(|i| {
                            let id = i.id.clone();
                            let label = format!("{} ({}, v{})", i.short(), i.client_status, i.version);
                            view! { <option value=id.clone() selected=move || instance.get() == id>{label}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>"Stream"
                    <select class="ml-1 rounded-md border border-line bg-bg px-2 py-1" data-testid="log-stream"
                        on:change=move |e| stream.set(event_target_value(&e))>
                        <option value="stdout">"stdout"</option>
                        <option value="stderr">"stderr"</option>
                    </select>
                </label>
                <button type="button" data-testid="log-pause" class="rounded-md border border-line px-3 py-1 hover:bg-hover"
                    on:click=move |_| if paused.get_untracked() { resume() } else { paused.set(true) }>
                    {move || if paused.get() { "Resume" } else { "Pause" }}
                </button>
                <button type="button" data-testid="log-end" class="rounded-md border border-line px-3 py-1 hover:bg-hover"
                    on:click=move |_| resume()>"Jump to end"</button>
                <a class="rounded-md border border-line px-3 py-1 hover:bg-hover" data-testid="log-download" download="log.txt"
                    href=move || format!("{download}?stream={}&instance={}&bytes=1048576", url_encode(&stream.get()), url_encode(&instance.get()))>
                    "Download"
                </a>
                {move || (held_count.get() > 0).then(|| view! { <span class="text-warn">{format!("{} new lines while paused", held_count.get())}</span> })}
                {move || ended.get().then(|| view! { <span class="text-muted">"The instance's log has ended."</span> })}
            </div>
            <div node_ref=view_ref data-testid="log-lines"
                class="h-96 overflow-auto rounded-md border border-line bg-panel p-2 font-mono text-xs whitespace-pre-wrap break-all">
                <For each=move || lines.get() key=|(id, _)| *id let((_, line))>
                    <LogLineView line />
                </For>
            </div>
            <LogSearch tenant app live />
        </section>
    }
}

#[component]
fn LogLineView(line: String) -> impl IntoView {
    let (shown, cut) = crate::ansi::clip(&line);
    let spans = crate::ansi::parse(shown);
    view! {
        <div>
            {spans.into_iter().map(|s| view! { <span class=s.class>{s.text}</span> }).collect_view()}
            {(cut > 0).then(|| view! { <span class="text-muted">{format!(" … ({cut} more characters)")}</span> })}
        </div>
    }
}

#[component]
fn LogSearch(tenant: String, app: String, live: RwSignal<AppLive>) -> impl IntoView {
    let tenant = StoredValue::new(tenant);
    let app = StoredValue::new(app);
    let form = RwSignal::new(LogSearchForm {
        minutes: 60,
        ..LogSearchForm::default()
    });
    let search = Action::new(move |form: &LogSearchForm| {
        let form = form.clone();
        async move { search_app_logs(Some(tenant.get_value()), app.get_value(), form).await }
    });
    view! {
        <form class="flex flex-wrap items-end gap-2 text-sm" data-testid="log-search"
            on:submit=move |e| { e.prevent_default(); search.dispatch(form.get_untracked()); }>
            <label>"Search history"
                <input class="ml-1 rounded-md border border-line bg-bg px-2 py-1" name="text" data-testid="log-search-text"
                    prop:value=move || form.with(|f| f.text.clone())
                    on:input=move |e| form.update(|f| f.text = event_target_value(&e)) />
            </label>
            <label>"in"
                <select class="ml-1 rounded-md border border-line bg-bg px-2 py-1"
                    on:change=move |e| form.update(|f| f.minutes = event_target_value(&e).parse().unwrap_or(60))>
                    <option value="15">"the last 15 minutes"</option>
                    <option value="60" selected>"the last hour"</option>
                    <option value="1440">"the last day"</option>
                    <option value="10080">"the last week"</option>
                </select>
            </label>
            <select class="rounded-md border border-line bg-bg px-2 py-1" aria-label="Instance"
                on:change=move |e| form.update(|f| f.instance = event_target_value(&e))>
                <option value="">"all instances"</option>
                {move || live.with(|l| l.instances.clone()).into_iter().map(|i| view! { <option value=i.id.clone()>{i.short().to_owned()}</option> }).collect_view()}
            </select>
            <select class="rounded-md border border-line bg-bg px-2 py-1" aria-label="Stream"
                on:change=move |e| form.update(|f| f.stream = event_target_value(&e))>
                <option value="">"stdout and stderr"</option>
                <option value="stdout">"stdout"</option>
                <option value="stderr">"stderr"</option>
            </select>
            <button type="submit" class="rounded-md border border-line px-3 py-1 hover:bg-hover" data-testid="log-search-go">
                {move || if search.pending().get() { "Searching…" } else { "Search" }}
            </button>
        </form>
        {move || search.value().get().map(|answer| match answer {
            Err(error) => view! { <ErrorNotice error /> }.into_any(),
            Ok(found) => {
                let text: String = found.iter().map(|l| format!("{} {} {} {}\n", format_ms(l.time_us / 1000), l.instance.get(..8).unwrap_or(&l.instance), l.stream, l.message)).collect();
                view! {
                    <div data-testid="log-results" class="space-y-1">
                        <p class="text-sm text-muted">
                            {format!("{} line{} found, newest first. ", found.len(), if found.len() == 1 { "" } else { "s" })}
                            <a class="underline" download="log-search.txt" href=data_url(&text)>"Download"</a>
                        </p>
                        <div class="max-h-96 overflow-auto rounded-md border border-line bg-panel p-2 font-mono text-xs whitespace-pre-wrap break-all">
                            {found.into_iter().map(|l| view! {
                                <div data-testid="log-result">
                                    <span class="text-muted">{format!("{} {} {} ", format_ms(l.time_us / 1000), l.instance.get(..8).unwrap_or(&l.instance), l.stream)}</span>
                                    <LogLineView line=l.message />
                                </div>
                            }).collect_view()}
                        </div>
                    </div>
                }.into_any()
            }
        })}
    }
}

#[component]
fn MetricsTab(tenant: String, app: String) -> impl IntoView {
    let minutes = RwSignal::new(30u32);
    let metrics = Resource::new(
        move || minutes.get(),
        move |m| app_metrics(Some(tenant.clone()), app.clone(), m),
    );
    view! {
        <div class="space-y-4" data-testid="metrics">
            <label class="text-sm">"Over"
                <select class="ml-1 rounded-md border border-line bg-bg px-2 py-1" on:change=move |e| minutes.set(event_target_value(&e).parse().unwrap_or(30))>
                    <option value="15">"15 minutes"</option>
                    <option value="30" selected>"30 minutes"</option>
                    <option value="180">"3 hours"</option>
                    <option value="1440">"a day"</option>
                </select>
            </label>
            <Transition fallback=|| view! { <p class="text-sm text-muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match metrics.await {
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        Ok(m) => view! {
                            <p class="text-xs text-muted">{if m.source == "openobserve" { "From OpenObserve's Nomad metrics." } else { "Current usage from Nomad (configure OpenObserve for history)." }}</p>
                            <div class="grid gap-4 lg:grid-cols-2">
                                <Chart title="CPU (% of a core)" series=m.cpu />
                                <Chart title="Memory (MiB)" series=m.memory />
                            </div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// A line chart, one line per instance.
#[component]
fn Chart(title: &'static str, series: Vec<Series>) -> impl IntoView {
    let (w, h) = (600.0_f64, 160.0_f64);
    let points = series.iter().flat_map(|s| s.points.iter());
    let (mut t0, mut t1, mut vmax) = (f64::MAX, f64::MIN, 0.0_f64);
    for (t, v) in points {
        t0 = t0.min(*t);
        t1 = t1.max(*t);
        vmax = vmax.max(*v);
    }
    let vmax = if vmax <= 0.0 { 1.0 } else { vmax * 1.1 };
    let span = if t1 > t0 { t1 - t0 } else { 1.0 };
    let lines = series
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let path: Vec<String> = s
                .points
                .iter()
                .map(|(t, v)| format!("{:.1},{:.1}", (t - t0) / span * w, h - v / vmax * h))
                .collect();
            let class = format!("ansi-fg-{}", [4, 2, 5, 6, 3, 1, 12, 10][n % 8]);
            let single = s.points.len() == 1;
            view! {
                <g class=class>
                    {(!single).then(|| view! { <polyline fill="none" stroke="currentColor" stroke-width="1.5" points=path.join(" ") /> })}
                    {single.then(|| {
                        let (t, v) = s.points[0];
                        view! { <circle r="3" fill="currentColor" cx=format!("{:.1}", if span > 1.0 { (t - t0) / span * w } else { w / 2.0 }) cy=format!("{:.1}", h - v / vmax * h) /> }
                    })}
                </g>
            }
        })
        .collect_view();
    let legend = series
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let last = s.points.last().map(|p| p.1).unwrap_or_default();
            view! {
                <li class=format!("ansi-fg-{}", [4, 2, 5, 6, 3, 1, 12, 10][n % 8])>
                    {format!("■ {} — now {last:.1}", s.instance.get(..8).unwrap_or(&s.instance))}
                </li>
            }
        })
        .collect_view();
    view! {
        <figure class="rounded-md border border-line bg-panel p-3" data-testid="chart">
            <figcaption class="text-sm font-medium">{title} <span class="text-xs text-muted">{format!(" (max {:.1})", vmax / 1.1)}</span></figcaption>
            {if series.is_empty() {
                view! { <p class="text-sm text-muted">"No data."</p> }.into_any()
            } else {
                view! {
                    <svg viewBox=format!("0 0 {w} {h}") class="mt-2 h-40 w-full" role="img" aria-label=title preserveAspectRatio="none">
                        <line x1="0" y1=h.to_string() x2=w.to_string() y2=h.to_string() stroke="currentColor" class="text-line" />
                        {lines}
                    </svg>
                }.into_any()
            }}
            <ul class="mt-2 flex flex-wrap gap-3 text-xs">{legend}</ul>
        </figure>
    }
}

#[component]
fn ServicesTab(tenant: String, app: String) -> impl IntoView {
    let services = Resource::new(
        || (),
        move |_| app_services(Some(tenant.clone()), app.clone()),
    );
    view! {
        <Transition fallback=|| view! { <p class="text-sm text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match services.await {
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    Ok(view) => view! {
                        <div class="space-y-4" data-testid="services">
                            <section>
                                <h2 class="font-medium">"Routes (Traefik)"</h2>
                                {if view.routes.is_empty() { view! { <p class="text-sm text-muted">"No routes."</p> }.into_any() } else {
                                    view! {
                                        <ul class="text-sm">
                                            {view.routes.into_iter().map(|r| view! {
                                                <li data-testid="route">
                                                    <a class="underline" href=r.url.clone() rel="external noopener">{r.url.clone()}</a>
                                                    " " <code class="text-xs text-muted">{r.rule}</code>
                                                    {r.canary.then_some(" (canary)")}
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                            {view.services.into_iter().map(|s| view! {
                                <section>
                                    <h2 class="font-medium">"Service " <code>{s.name.clone()}</code></h2>
                                    <table class="w-full text-sm">
                                        <thead class="text-left text-muted"><tr><th>"Instance"</th><th>"Node"</th><th>"Address"</th><th>"Status"</th><th>"Checks"</th></tr></thead>
                                        <tbody>
                                            {s.instances.into_iter().map(|i| {
                                                let class = match i.status.as_str() { "passing" => "text-ok", "warning" => "text-warn", _ => "text-bad" };
                                                view! {
                                                    <tr class="border-t border-line align-top" data-testid="service-instance">
                                                        <td class="py-1"><code class="text-xs">{i.id.clone()}</code></td>
                                                        <td class="py-1">{i.node.clone()}</td>
                                                        <td class="py-1">{i.address.clone()}</td>
                                                        <td class=format!("py-1 {class}")>{i.status.clone()}</td>
                                                        <td class="py-1 text-xs">
                                                            {i.checks.into_iter().map(|c| view! { <div>{format!("{}: {}", c.name, c.status)} <span class="text-muted">{c.output}</span></div> }).collect_view()}
                                                        </td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </section>
                            }).collect_view()}
                        </div>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_civil_utc() {
        assert_eq!(format_ms(0), "1970-01-01 00:00:00");
        assert_eq!(format_ms(1_795_000_000_123), "2026-11-18 11:06:40");
        assert_eq!(format_ms(951_782_400_000), "2000-02-29 00:00:00");
    }

    #[test]
    fn health_reads_the_rollout() {
        let mut live = AppLive {
            status: "running".into(),
            desired: 2,
            running: 2,
            ..AppLive::default()
        };
        assert_eq!(health_word(&live), "healthy");
        live.running = 1;
        assert_eq!(health_word(&live), "degraded");
        live.deployment = Some(DeploymentView {
            status: "running".into(),
            ..DeploymentView::default()
        });
        assert_eq!(health_word(&live), "deploying");
        live.stopped = true;
        assert_eq!(health_word(&live), "stopped");
    }
}
