//! `/apps/:app`: one app — what Nomad runs now and which recorded deploy that is, its live rollout,
//! instances and their events, versions with diff and rollback, scale, restart, stop, start and purge, logs
//! (live and history), metrics and services. The selected tab lives in the address (`?tab=`).

mod actions;
mod instances;
mod logs;
mod metrics;
mod outcome;
mod progress;
mod services;
mod status;
mod versions;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use np_spec::ops::AppLive;

use crate::components::error_view::ErrorNotice;
use crate::components::url_encode;
use crate::operate::{AppOverview, OperateApp, Operation, RollbackApp, app_running};

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
        |(tenant, app)| crate::operate::get_app_overview(tenant, app),
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

/// The page's tabs, as named in the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Instances,
    Versions,
    Logs,
    Metrics,
    Services,
}

impl Tab {
    const ALL: [(Self, &'static str, &'static str); 5] = [
        (Self::Instances, "instances", "Instances"),
        (Self::Versions, "versions", "Versions"),
        (Self::Logs, "logs", "Logs"),
        (Self::Metrics, "metrics", "Metrics"),
        (Self::Services, "services", "Services"),
    ];

    fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, n, _)| *n == name).map(|t| t.0)
    }

    fn name(self) -> &'static str {
        Self::ALL.iter().find(|t| t.0 == self).map_or("", |t| t.1)
    }
}

/// Where the app's API lives.
fn api(tenant: &str, app: &str) -> String {
    format!(
        "/api/v1/tenants/{}/apps/{}",
        url_encode(tenant),
        url_encode(app)
    )
}

/// What the page shares with its parts.
#[derive(Clone, Copy)]
struct Page {
    tenant: StoredValue<String>,
    app: StoredValue<String>,
    live: RwSignal<AppLive>,
    operate: ServerAction<OperateApp>,
    rollback: ServerAction<RollbackApp>,
    awaited: RwSignal<Option<outcome::Awaited>>,
}

impl Page {
    fn run(self, operation: Operation) {
        let start = self.live.get_untracked();
        self.awaited.set(Some(outcome::Awaited {
            expect: outcome::Expect::of(&operation, &start),
            start,
        }));
        self.operate.dispatch(OperateApp {
            tenant: Some(self.tenant.get_value()),
            app: self.app.get_value(),
            operation,
        });
    }
}

#[component]
fn AppView(overview: AppOverview) -> impl IntoView {
    let live = RwSignal::new(overview.live.clone());
    let connected = RwSignal::new(true);
    let page = Page {
        tenant: StoredValue::new(overview.tenant.clone()),
        app: StoredValue::new(overview.live.app.clone()),
        live,
        operate: ServerAction::<OperateApp>::new(),
        rollback: ServerAction::<RollbackApp>::new(),
        awaited: RwSignal::new(None),
    };
    let watch_url = format!("{}/watch", api(&overview.tenant, &overview.live.app));
    Effect::new(move |_| {
        crate::live::event_source(
            &watch_url,
            &["state"],
            move |_, data| {
                if let Ok(state) = serde_json::from_str::<AppLive>(&data) {
                    // The page may be gone by the time an event arrives.
                    let _ = live.try_set(state);
                }
            },
            move |open| {
                let _ = connected.try_set(open);
            },
        );
    });
    // Which deploy Nomad runs is read again whenever Nomad's job version, its stopped state or its rollout
    // changes (a new version can show before the console has recorded Nomad's answer to its deploy). In the
    // browser only: the server rendered the page with what ran then.
    let version = Memo::new(move |_| {
        live.with(|l| {
            (
                l.version,
                l.stopped,
                l.deployment.as_ref().map(|d| d.status.clone()),
            )
        })
    });
    let running = RwSignal::new(overview.running.clone());
    Effect::new(move |before: Option<(u64, bool, Option<String>)>| {
        let now = version.get();
        if before.as_ref().is_some_and(|b| *b != now) {
            let (tenant, app) = (page.tenant.get_value(), page.app.get_value());
            leptos::task::spawn_local(async move {
                if let Ok(r) = app_running(Some(tenant), app).await {
                    let _ = running.try_set(r);
                }
            });
        }
        now
    });
    let running = Signal::from(running);

    let query = use_query_map();
    let navigate = use_navigate();
    let default_tab = if overview.can_read_logs {
        Tab::Instances
    } else {
        Tab::Versions
    };
    let can_read_logs = overview.can_read_logs;
    let tab = Memo::new(move |_| {
        query
            .read()
            .get("tab")
            .and_then(|t| Tab::parse(&t))
            .filter(|t| *t != Tab::Logs || can_read_logs)
            .unwrap_or(default_tab)
    });
    let select = Callback::new(move |t: Tab| {
        let url = format!(
            "/apps/{}?tenant={}&tab={}",
            url_encode(&page.app.get_value()),
            url_encode(&page.tenant.get_value()),
            t.name()
        );
        navigate(
            &url,
            NavigateOptions {
                replace: true,
                scroll: false,
                ..NavigateOptions::default()
            },
        );
    });
    let log_instance = RwSignal::new(String::new());
    let AppOverview {
        can_deploy,
        can_operate,
        ..
    } = overview;
    let tabs = Tab::ALL
        .iter()
        .filter(|(t, _, _)| *t != Tab::Logs || can_read_logs)
        .map(|&(t, _, label)| {
            view! {
                <button
                    type="button"
                    role="tab"
                    aria-selected=move || (tab.get() == t).to_string()
                    class="rounded-md px-3 py-1.5 text-sm aria-selected:bg-panel aria-selected:shadow-sm aria-selected:font-medium text-muted aria-selected:text-fg"
                    on:click=move |_| select.run(t)
                >
                    {label}
                </button>
            }
        })
        .collect_view();
    let on_logs = Callback::new(move |id: String| {
        log_instance.set(id);
        select.run(Tab::Logs);
    });
    view! {
        <div class="space-y-6" data-testid="app-page">
            <div class="flex flex-wrap items-start justify-between gap-4">
                <status::Header page running connected />
                <div class="flex flex-wrap items-center gap-2">
                    <actions::Actions page can_deploy can_operate running />
                </div>
            </div>
            <outcome::OperationResult page />
            <progress::Progress page can_operate />
            <div role="tablist" aria-label="About this app" class="inline-flex max-w-full flex-wrap gap-1 rounded-lg bg-hover p-1">
                {tabs}
            </div>
            {move || match tab.get() {
                Tab::Instances => view! {
                    <instances::Instances page can_operate can_read_logs on_logs />
                }.into_any(),
                Tab::Versions => view! { <versions::Versions page can_deploy /> }.into_any(),
                Tab::Logs => view! { <logs::Logs page instance=log_instance /> }.into_any(),
                Tab::Metrics => view! { <metrics::MetricsTab page /> }.into_any(),
                Tab::Services => view! { <services::ServicesTab page /> }.into_any(),
            }}
        </div>
    }
}
