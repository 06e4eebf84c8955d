//! The app's logs: the live tail of one instance (follow, pause, jump to the end, download) and the history
//! search through OpenObserve.

use std::collections::VecDeque;

use leptos::prelude::*;
use np_spec::ops::{AppLive, LogChunk};

use super::instances::format_ms;
use super::{Page, api};
use crate::components::error_view::ErrorNotice;
use crate::components::{data_url, url_encode};
use crate::operate::{LogSearchForm, search_app_logs};

/// Lines a live tail keeps on the page.
const TAIL_LINES: usize = 2000;

/// The live tail and the history search.
#[component]
pub fn Logs(page: Page, instance: RwSignal<String>) -> impl IntoView {
    let (tenant, app, live) = (page.tenant.get_value(), page.app.get_value(), page.live);
    let base = api(&tenant, &app);
    let stream = RwSignal::new("stdout".to_owned());
    let lines: RwSignal<VecDeque<(u64, String)>> = RwSignal::new(VecDeque::new());
    let held: StoredValue<Vec<String>> = StoredValue::new(Vec::new());
    let held_count = RwSignal::new(0usize);
    // The line being written: shown as it grows, not held back until its newline.
    let partial = RwSignal::new(String::new());
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
        partial.set(String::new());
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
                let mut text = partial.get_untracked();
                text.push_str(&chunk.text);
                let mut parts: Vec<&str> = text.split('\n').collect();
                let rest = parts.pop().unwrap_or_default().to_owned();
                complete.extend(
                    parts
                        .into_iter()
                        .map(|p| p.trim_end_matches('\r').to_owned()),
                );
                partial.set(rest);
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
                <a class="rounded-md border border-line px-3 py-1 hover:bg-hover" data-testid="log-download" download="log.txt" rel="external"
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
                {move || {
                    let rest = partial.get();
                    (!rest.is_empty()).then(|| view! { <div data-testid="log-partial"><LogLineView line=rest.trim_end_matches('\r').to_owned() /></div> })
                }}
            </div>
            <LogSearch tenant app live />
        </section>
    }
}

#[component]
pub fn LogLineView(line: String) -> impl IntoView {
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
            Ok(results) => {
                let cut = results.cut;
                let found = results.lines;
                let text: String = found.iter().map(|l| format!("{} {} {} {}\n", format_ms(l.time_us / 1000), l.instance.get(..8).unwrap_or(&l.instance), l.stream, l.message)).collect();
                view! {
                    <div data-testid="log-results" class="space-y-1">
                        <p class="text-sm text-muted">
                            {if cut {
                                format!("The newest {} matching lines are shown; there are more. Narrow the search (more text, a shorter time, one instance or stream) to see the rest. ", found.len())
                            } else {
                                format!("{} line{} found, newest first. ", found.len(), if found.len() == 1 { "" } else { "s" })
                            }}
                            <a class="underline" download="log-search.txt" rel="external" href=data_url(&text)>"Download"</a>
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
