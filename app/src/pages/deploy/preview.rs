//! The generated Nomad job, as HCL and JSON, beside the form.

use leptos::prelude::*;

use crate::deploy::CheckOutcome;

/// The generated job: HCL and JSON tabs, hosts, and every problem.
#[component]
pub(super) fn JobPreview(preview: Signal<Option<CheckOutcome>>) -> impl IntoView {
    let tab = RwSignal::new("hcl");
    let selected = RwSignal::new(0usize);
    let jobs = Signal::derive(move || {
        preview.with(|p| p.as_ref().map(|p| p.jobs.clone()).unwrap_or_default())
    });
    let job = Signal::derive(move || jobs.with(|j| j.get(selected.get()).or(j.first()).cloned()));
    let errors = Signal::derive(move || {
        preview.with(|p| p.as_ref().map(|p| p.errors.clone()).unwrap_or_default())
    });
    let notes = Signal::derive(move || {
        preview.with(|p| p.as_ref().map(|p| p.notes.clone()).unwrap_or_default())
    });
    let tab_button = move |id: &'static str, label: &'static str| {
        view! {
            <button type="button" role="tab" data-testid=format!("tab-{id}")
                aria-selected=move || (tab.get() == id).to_string()
                class="border-b-2 border-transparent px-3 py-2 text-sm text-muted aria-selected:border-accent aria-selected:text-fg"
                on:click=move |_| tab.set(id)>
                {label}
            </button>
        }
    };
    view! {
        <section aria-labelledby="preview-title" class="self-start rounded-lg border border-line bg-panel lg:sticky lg:top-4">
            <div class="flex items-center justify-between border-b border-line px-4">
                <h2 id="preview-title" class="py-3 font-medium">"Nomad job"</h2>
                <div role="tablist" class="flex">
                    {tab_button("hcl", "HCL")}
                    {tab_button("json", "JSON")}
                </div>
            </div>
            <div class="space-y-3 p-4">
                <Show when=move || { jobs.with(Vec::len) > 1 }>
                    <label class="flex items-center gap-2 text-sm">
                        "App"
                        <select class="rounded-md border border-line bg-bg px-2 py-1"
                            on:change=move |ev| selected.set(event_target_value(&ev).parse().unwrap_or(0))>
                            {move || jobs.get().into_iter().enumerate().map(|(i, j)| view! { <option value=i.to_string()>{j.job_id}</option> }).collect_view()}
                        </select>
                    </label>
                </Show>
                <div data-testid="preview-status" class="text-sm">
                    {move || {
                        let n = errors.with(Vec::len);
                        match (preview.with(Option::is_some), n, job.get()) {
                            (false, _, _) => view! { <p class="text-muted">"Nothing to show yet."</p> }.into_any(),
                            (true, 0, Some(job)) => view! {
                                <p class="text-ok">{format!("Valid: job {} in namespace {}", job.job_id, namespace_of(&job.json))}</p>
                            }.into_any(),
                            (true, n, _) => view! {
                                <p class="text-bad">{format!("{n} problem{} to fix", if n == 1 { "" } else { "s" })}</p>
                            }.into_any(),
                        }
                    }}
                </div>
                <Show when=move || !errors.with(Vec::is_empty)>
                    <ul class="space-y-1 text-xs" data-testid="problems">
                        {move || errors.get().into_iter().map(|e| view! {
                            <li><code class="text-bad">{if e.field.is_empty() { "document".to_owned() } else { e.field.clone() }}</code>" "{e.message}</li>
                        }).collect_view()}
                    </ul>
                </Show>
                <Show when=move || !notes.with(Vec::is_empty)>
                    <ul class="space-y-1 text-xs text-muted" data-testid="notes">
                        {move || notes.get().into_iter().map(|n| view! { <li><code>{n.field}</code>" "{n.message}</li> }).collect_view()}
                    </ul>
                </Show>
                {move || job.get().map(|job| {
                    let (text, name) = if tab.get() == "json" {
                        (job.json.clone(), format!("{}.json", job.job_id))
                    } else {
                        (job.hcl.clone(), format!("{}.nomad.hcl", job.job_id))
                    };
                    let href = crate::components::data_url(&text);
                    view! {
                        <div class="space-y-2">
                            <pre data-testid="job-text" class="max-h-[36rem] overflow-auto rounded-md bg-bg p-3 font-mono text-xs leading-relaxed"><code>{text}</code></pre>
                            <div class="flex items-center justify-between text-xs">
                                <span class="text-muted" data-testid="hosts">{job.hosts.join(", ")}</span>
                                <a class="rounded-md border border-line px-2 py-1 hover:bg-hover" download=name href=href>"Download"</a>
                            </div>
                        </div>
                    }
                })}
            </div>
        </section>
    }
}

fn namespace_of(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v["Job"]["Namespace"].as_str().map(str::to_owned))
        .unwrap_or_default()
}
