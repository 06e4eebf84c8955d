//! The latest rollout, live: per group placed and healthy instances, canaries and their promotion, a failure
//! and Nomad's revert — and, for a stopped app, that nothing runs.

use leptos::prelude::*;
use np_spec::ops::{AppLive, DeploymentView};

use super::Page;
use crate::operate::Operation;

/// The latest deployment's progress, live.
#[component]
pub fn Progress(page: Page, can_operate: bool) -> impl IntoView {
    move || {
        let l = page.live.get();
        let error = l.error.clone().map(|e| {
            view! { <p class="text-sm text-warn" data-testid="live-error">{format!("Nomad could not be read just now: {e}.")}</p> }
        });
        if l.stopped {
            return view! {
                <div class="space-y-2">
                    {error}
                    <section data-testid="deployment" data-status="stopped" class="rounded-md border border-line bg-panel p-3 text-sm">
                        <p class="font-medium" data-testid="deployment-headline">"Stopped: nothing runs."</p>
                        <p class="text-muted">{format!("Nomad keeps job version {}; Start runs its spec again.", l.version)}</p>
                    </section>
                </div>
            }
            .into_any();
        }
        let reverted = l.reverted.map(|(failed, to)| view! {
            <p role="status" data-testid="reverted" class="rounded-md border border-bad/40 bg-bad/10 p-3 text-sm font-medium">
                {format!("Job version {failed} failed and was rolled back to job version {to}.")}
                <span class="font-normal text-muted">{format!(" Nomad runs job version {to}'s spec again as job version {}.", l.version)}</span>
            </p>
        });
        let deployment = l
            .deployment
            .clone()
            .map(|d| deployment_view(d, &l, can_operate, page));
        view! { <div class="space-y-2">{error}{reverted}{deployment}</div> }.into_any()
    }
}

/// The deployment's headline and its card's colours.
fn headline(d: &DeploymentView) -> (String, &'static str) {
    match (d.status.as_str(), d.rolled_back_to) {
        ("failed", Some(v)) => (
            format!(
                "Job version {} failed: rolled back to job version {v}.",
                d.version
            ),
            "border-bad/40 bg-bad/10",
        ),
        ("failed", None) => (
            format!("Job version {} failed.", d.version),
            "border-bad/40 bg-bad/10",
        ),
        ("successful", _) => (
            format!("Job version {} is deployed.", d.version),
            "border-ok/40 bg-ok/10",
        ),
        ("running", _) if d.needs_promotion => (
            format!(
                "Job version {}: canaries are healthy and wait for promotion.",
                d.version
            ),
            "border-warn/40 bg-warn/10",
        ),
        ("cancelled", _) => (
            format!("Job version {}: its rollout was cancelled.", d.version),
            "border-line bg-panel",
        ),
        (status, _) => (
            format!("Job version {} is rolling out ({status}).", d.version),
            "border-line bg-panel",
        ),
    }
}

fn deployment_view(
    d: DeploymentView,
    live: &AppLive,
    can_operate: bool,
    page: Page,
) -> impl IntoView {
    let (headline, class) = headline(&d);
    let promote = (d.needs_promotion && can_operate).then(|| {
        view! {
            <button type="button" data-testid="promote"
                class="rounded-md bg-accent px-3 py-1.5 text-sm font-medium text-on-accent disabled:opacity-50"
                disabled=move || page.operate.pending().get()
                on:click=move |_| page.run(Operation::Promote)>"Promote canaries"</button>
        }
    });
    let stable = live
        .stable_version
        .map(|v| format!(" The last stable job version is {v}."))
        .unwrap_or_default();
    let description = d.description.trim_end_matches('.').to_owned();
    view! {
        <section data-testid="deployment" data-status=d.status.clone() class=format!("rounded-md border p-3 text-sm {class}")>
            <div class="flex flex-wrap items-center justify-between gap-2">
                <p class="font-medium" data-testid="deployment-headline">{headline}</p>
                {promote}
            </div>
            <p class="text-muted">{format!("Nomad: {description}.{stable}")}</p>
            <ul class="mt-2 space-y-1">
                {d.groups.into_iter().map(|g| {
                    let canaries = (g.desired_canaries > 0).then(|| format!(", canaries {}/{}{}", g.canaries, g.desired_canaries, if g.promoted { " (promoted)" } else { "" }));
                    let percent = if g.desired > 0 { (g.healthy * 100 / g.desired).min(100) } else { 0 };
                    view! {
                        <li>
                            <span class="font-medium">{format!("Group {}", g.name)}</span>
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
