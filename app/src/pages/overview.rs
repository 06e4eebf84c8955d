//! The overview page: what np is, and whether the platform it fronts is reachable.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::error_view::ErrorNotice;
use crate::status::{DependencyState, DependencyStatus, get_platform_status};

/// The landing page.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let status = Resource::new(|| (), |_| get_platform_status());
    view! {
        <Title text="Overview" />
        <div class="space-y-8">
            <section>
                <h1 class="text-2xl font-semibold tracking-tight">"Overview"</h1>
                <p class="mt-2 max-w-2xl text-muted">
                    "Deploy and operate your apps on Nomad: describe an app in a form, an np.yaml or an OAM file, \
                     review the plan, deploy, and follow it until it is healthy."
                </p>
            </section>
            <section aria-labelledby="platform-status" class="rounded-lg border border-line bg-panel">
                <div class="flex items-center justify-between border-b border-line px-4 py-3">
                    <h2 id="platform-status" class="font-medium">"Platform status"</h2>
                    <button
                        type="button"
                        class="rounded-md border border-line px-2 py-1 text-xs hover:bg-hover"
                        on:click=move |_| status.refetch()
                    >
                        "Check again"
                    </button>
                </div>
                <Suspense fallback=|| view! { <p class="px-4 py-3 text-sm text-muted">"Checking…"</p> }>
                    {move || Suspend::new(async move {
                        match status.await {
                            Ok(report) => view! { <DependencyList items=report.dependencies /> }.into_any(),
                            Err(error) => view! { <div class="p-4"><ErrorNotice error /></div> }.into_any(),
                        }
                    })}
                </Suspense>
            </section>
        </div>
    }
}

#[component]
fn DependencyList(items: Vec<DependencyStatus>) -> impl IntoView {
    view! {
        <ul class="divide-y divide-line" data-testid="dependencies">
            {items
                .into_iter()
                .map(|item| {
                    let (dot, label) = match item.state {
                        DependencyState::Ok => ("bg-ok", "reachable".to_owned()),
                        DependencyState::NotConfigured => ("bg-muted", "not configured".to_owned()),
                        DependencyState::Down => {
                            ("bg-bad", item.reason.unwrap_or_else(|| "down".to_owned()))
                        }
                    };
                    let key = item.name.clone();
                    let name = display_name(&item.name);
                    view! {
                        <li class="flex items-center gap-3 px-4 py-3 text-sm" data-dependency=key>
                            <span class=format!("inline-block h-2.5 w-2.5 rounded-full {dot}") aria-hidden="true"></span>
                            <span class="w-32 font-medium">{name}</span>
                            <span class="text-muted">{label}</span>
                        </li>
                    }
                })
                .collect_view()}
        </ul>
    }
}

/// How a dependency is named on screen.
fn display_name(name: &str) -> String {
    match name {
        "database" => "Database".into(),
        "nomad" => "Nomad".into(),
        "consul" => "Consul".into(),
        "openobserve" => "OpenObserve".into(),
        other => other.into(),
    }
}
