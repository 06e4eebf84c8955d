//! What a person may do to the app, as its state allows: scale, restart (rolling by default, or all at once),
//! stop and purge while it runs; start and purge once it is stopped. Each risky one asks first.

use leptos::prelude::*;
use np_spec::ops::RunningView;

use super::Page;
use crate::operate::{Operation, Restart};

/// Which confirmation is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Confirm {
    Restart,
    Stop,
    Purge,
}

/// The action buttons (and their confirmations), for what the viewer may do and the app's state allows.
#[component]
pub fn Actions(
    page: Page,
    can_deploy: bool,
    can_operate: bool,
    running: Signal<RunningView>,
) -> impl IntoView {
    let live = page.live;
    let stopped = Memo::new(move |_| live.with(|l| l.stopped));
    let gone = Memo::new(move |_| live.with(|l| l.error.is_some() && l.instances.is_empty()));
    let confirm = RwSignal::new(None::<Confirm>);
    let edit = move || {
        format!(
            "/deploy?tenant={}&app={}",
            crate::components::url_encode(&page.tenant.get_value()),
            crate::components::url_encode(&page.app.get_value())
        )
    };
    view! {
        {move || (can_deploy && !gone.get() && running.with(|r| r.deploy_id.is_some())).then(|| view! {
            <a class="rounded-md border border-line px-3 py-1.5 text-sm hover:bg-hover" href=edit() data-testid="edit-app">"Edit"</a>
        })}
        {move || (can_deploy && stopped.get() && !gone.get()).then(|| view! {
            <button type="button" data-testid="start"
                class="rounded-md bg-accent px-3 py-1.5 text-sm font-medium text-on-accent disabled:opacity-50"
                disabled=move || page.operate.pending().get()
                on:click=move |_| page.run(Operation::Start)>"Start"</button>
        })}
        {move || (can_operate && !stopped.get()).then(|| view! {
            <Scale page />
            <button type="button" data-testid="restart-all" class="rounded-md border border-line px-3 py-1.5 text-sm hover:bg-hover"
                on:click=move |_| confirm.set(Some(Confirm::Restart))>"Restart…"</button>
            <button type="button" data-testid="stop" class="rounded-md border border-bad/60 px-3 py-1.5 text-sm text-bad hover:bg-hover"
                on:click=move |_| confirm.set(Some(Confirm::Stop))>"Stop…"</button>
        })}
        {move || (can_operate && !gone.get()).then(|| view! {
            <button type="button" data-testid="purge" class="rounded-md border border-bad/60 px-3 py-1.5 text-sm text-bad hover:bg-hover"
                on:click=move |_| confirm.set(Some(Confirm::Purge))>"Purge…"</button>
        })}
        {move || confirm.get().map(|which| match which {
            Confirm::Restart => view! { <RestartDialog page confirm /> }.into_any(),
            Confirm::Stop => view! { <StopDialog page confirm purge=false /> }.into_any(),
            Confirm::Purge => view! { <StopDialog page confirm purge=true /> }.into_any(),
        })}
    }
}

/// The instance count, within the job's scaling bounds, with the reason next to it when it is not.
#[component]
fn Scale(page: Page) -> impl IntoView {
    let live = page.live;
    let count = RwSignal::new(live.with_untracked(|l| l.facts.count).to_string());
    let bounds = Memo::new(move |_| live.with(|l| (l.facts.min, l.facts.max)));
    let why = move || {
        let Ok(n) = count.get().trim().parse::<i64>() else {
            return Some("Enter a whole number.".to_owned());
        };
        let (min, max) = bounds.get();
        if let Some(max) = max.filter(|m| n > *m) {
            Some(format!(
                "At most {max}: the app's replicas.max. Raise it with Edit to go further."
            ))
        } else if let Some(min) = min.filter(|m| n < *m) {
            Some(format!(
                "At least {min}: the app's replicas.min. Stop the app to run none."
            ))
        } else if !(0..=1000).contains(&n) {
            Some("Between 0 and 1000.".into())
        } else {
            None
        }
    };
    view! {
        <form
            class="flex flex-wrap items-center gap-1"
            on:submit=move |e| {
                e.prevent_default();
                if let Ok(n) = count.get_untracked().trim().parse::<i64>() {
                    page.run(Operation::Scale(n));
                }
            }
        >
            <label class="text-sm" for="scale-count">"Instances"</label>
            <input
                id="scale-count"
                type="number"
                min=move || bounds.get().0.map(|m| m.to_string())
                max=move || bounds.get().1.map(|m| m.to_string())
                class="w-20 rounded-md border border-line bg-bg px-2 py-1 text-sm"
                aria-describedby="scale-why"
                prop:value=move || count.get()
                on:input=move |e| count.set(event_target_value(&e))
            />
            <button
                type="submit"
                data-testid="scale"
                class="rounded-md border border-line px-3 py-1.5 text-sm hover:bg-hover disabled:opacity-50"
                disabled=move || why().is_some() || page.operate.pending().get()
            >
                "Scale"
            </button>
            <span id="scale-why" class="basis-full text-xs text-warn sm:basis-auto" data-testid="scale-why">{why}</span>
        </form>
    }
}

#[component]
fn RestartDialog(page: Page, confirm: RwSignal<Option<Confirm>>) -> impl IntoView {
    let live = page.live;
    let (count, parallel) = live.with_untracked(|l| {
        (
            l.instances.iter().filter(|i| i.is_live()).count(),
            l.facts.max_parallel.max(1),
        )
    });
    let go = move |restart: Restart| {
        page.run(Operation::Restart(restart));
        confirm.set(None);
    };
    view! {
        <div role="dialog" aria-label="Restart" data-testid="confirm" class="basis-full rounded-md border border-line bg-panel p-3 text-sm">
            <p>
                {format!(
                    "Restart {count} instance{} {}, each running and healthy again before the next, as the app's update settings say: it stays up.",
                    if count == 1 { "" } else { "s" },
                    if parallel == 1 { "one at a time".to_owned() } else { format!("{parallel} at a time") },
                )}
            </p>
            <div class="mt-2 flex flex-wrap gap-2">
                <button type="button" data-testid="restart-rolling" class="rounded-md bg-accent px-3 py-1.5 text-on-accent"
                    on:click=move |_| go(Restart::Rolling)>"Rolling restart"</button>
                <button type="button" data-testid="restart-at-once" class="rounded-md border border-bad/60 px-3 py-1.5 text-bad"
                    on:click=move |_| go(Restart::AllAtOnce)>"All at once (downtime)"</button>
                <button type="button" class="rounded-md border border-line px-3 py-1.5" on:click=move |_| confirm.set(None)>"Cancel"</button>
            </div>
        </div>
    }
}

#[component]
fn StopDialog(page: Page, confirm: RwSignal<Option<Confirm>>, purge: bool) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let app = page.app.get_value();
    let name = app.clone();
    view! {
        <div role="dialog" aria-label="Confirm" data-testid="confirm" class="basis-full rounded-md border border-bad/40 bg-bad/10 p-3 text-sm">
            <p>
                {if purge {
                    "Purging stops every instance and removes the app from Nomad; its host names are freed. Its versions stay in the console."
                } else {
                    "Stopping ends every instance. Start runs the same spec again."
                }}
            </p>
            <label class="mt-2 block">"Type " <strong>{app.clone()}</strong> " to confirm."
                <input class="ml-2 rounded-md border border-line bg-bg px-2 py-1" data-testid="confirm-name"
                    prop:value=move || typed.get() on:input=move |e| typed.set(event_target_value(&e)) />
            </label>
            <div class="mt-2 flex gap-2">
                <button type="button" data-testid="confirm-go"
                    class="rounded-md bg-bad px-3 py-1.5 text-on-accent disabled:opacity-50"
                    disabled=move || typed.get() != name
                    on:click=move |_| { page.run(Operation::Stop(purge)); confirm.set(None); }>
                    {if purge { "Purge" } else { "Stop" }}
                </button>
                <button type="button" class="rounded-md border border-line px-3 py-1.5" on:click=move |_| confirm.set(None)>"Cancel"</button>
            </div>
        </div>
    }
}
