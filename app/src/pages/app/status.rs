//! The app page's header: what Nomad runs now (image, size, instances, URLs, health), and which recorded
//! deploy that is.

use leptos::prelude::*;
use np_spec::ops::{AppLive, RunningView};

use super::Page;
use crate::components::url_encode;

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
    } else if live.running == 0 && live.failed > 0 {
        "failed"
    } else if live.running < live.desired {
        "degraded"
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

/// "3/3 running (1 canary)".
pub fn instances_text(l: &AppLive) -> String {
    let canaries = match l.canaries {
        0 => String::new(),
        1 => " (1 canary)".to_owned(),
        n => format!(" ({n} canaries)"),
    };
    format!("{}/{} running{canaries}", l.running, l.desired)
}

/// Name, health, Nomad's job version and the deploy it comes from, instances, image and size, URLs.
#[component]
pub fn Header(
    page: Page,
    running: Signal<RunningView>,
    connected: RwSignal<bool>,
) -> impl IntoView {
    let live = page.live;
    let tenant = page.tenant.get_value();
    let deploy = move || {
        running.with(|r| {
            let label = match (r.deploy_number, r.how.as_str()) {
                (Some(n), "deployed") => format!("deploy #{n}"),
                (Some(n), "scaled") => format!("deploy #{n}, scaled since"),
                (Some(n), "reverted") => format!("deploy #{n}'s spec, after a revert"),
                (Some(n), _) => format!("changed outside the console since deploy #{n}"),
                (None, _) => "not deployed through the console".to_owned(),
            };
            let class = if matches!(r.how.as_str(), "deployed" | "scaled") {
                "text-muted"
            } else {
                "text-warn"
            };
            view! { <span class=class data-testid="running-deploy" title=r.summary.clone()>{label}</span> }
        })
    };
    view! {
        <div class="min-w-0">
            <p class="text-sm text-muted">
                <a class="underline" href=format!("/apps?tenant={}", url_encode(&tenant))>"Apps"</a>
                {format!(" / {tenant}")}
            </p>
            <h1 class="text-2xl font-semibold tracking-tight break-all">{page.app.get_value()}</h1>
            <p class="mt-1 text-sm">
                <Health live />
                " · " <span data-testid="app-version">{move || format!("job version {}", live.with(|l| l.version))}</span>
                " (" {deploy} ")"
                " · " <span data-testid="instances">{move || live.with(instances_text)}</span>
                {move || (!connected.get()).then(|| view! { <span class="ml-2 text-warn">"(reconnecting…)"</span> })}
            </p>
            <p class="mt-1 text-sm text-muted break-all">
                <code data-testid="app-image">{move || live.with(|l| l.facts.image.clone())}</code>
                {move || live.with(|l| format!(" · {} MHz, {} MiB per instance", l.facts.cpu, l.facts.memory))}
            </p>
            <p class="mt-1 text-sm" data-testid="app-urls">
                {move || live.with(|l| l.facts.urls.clone()).into_iter().map(|u| view! {
                    <a class="mr-3 underline break-all" href=u.clone() rel="external noopener">{u.clone()}</a>
                }).collect_view()}
                {move || live.with(|l| l.stopped && !l.facts.urls.is_empty()).then(|| view! {
                    <span class="text-muted">"(not served while the app is stopped)"</span>
                })}
            </p>
            {move || running.with(|r| (r.how == "changed outside" || r.how == "unrecorded").then(|| view! {
                <p class="mt-1 text-sm text-warn" data-testid="running-note">{r.summary.clone()}</p>
            }))}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use np_spec::ops::DeploymentView;

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
        live.running = 0;
        live.failed = 2;
        assert_eq!(health_word(&live), "failed");
        live.deployment = Some(DeploymentView {
            status: "running".into(),
            ..DeploymentView::default()
        });
        assert_eq!(health_word(&live), "deploying");
        live.stopped = true;
        assert_eq!(health_word(&live), "stopped");
    }

    #[test]
    fn canaries_are_counted_apart() {
        let live = AppLive {
            desired: 3,
            running: 3,
            canaries: 1,
            ..AppLive::default()
        };
        assert_eq!(instances_text(&live), "3/3 running (1 canary)");
    }
}
