//! Every deploy of the app the console recorded, tied to what Nomad runs: which one runs now (and how: as
//! deployed, scaled, or re-applied by a revert), Nomad's job version of each, how each rollout ended and what
//! became of it; a diff between any two; and one-click rollback.

use leptos::prelude::*;
use np_spec::ops::VersionView;

use super::Page;
use super::outcome::{Awaited, Expect};
use crate::components::error_view::ErrorNotice;
use crate::operate::{RollbackApp, app_versions, version_diff};

/// What a version's outcome column says.
fn outcome(v: &VersionView) -> String {
    match (v.state.as_str(), &v.error, &v.rollout) {
        ("failed", Some(e), _) => format!("refused: {e}"),
        ("unknown", _, _) => "not confirmed by Nomad yet; being checked".to_owned(),
        ("submitting", _, _) => "being submitted".to_owned(),
        ("submitted", _, Some(rollout)) => format!("rollout {rollout}"),
        ("submitted", _, None) => "submitted".to_owned(),
        (state, _, _) => state.to_owned(),
    }
}

#[component]
pub fn Versions(page: Page, can_deploy: bool) -> impl IntoView {
    let Page {
        tenant,
        app,
        rollback,
        live,
        ..
    } = page;
    // Read again after a rollback, and whenever Nomad's job version or rollout status changes.
    let changes = Memo::new(move |_| {
        live.with(|l| (l.version, l.deployment.as_ref().map(|d| d.status.clone())))
    });
    let versions = Resource::new(
        move || (rollback.version().get(), changes.get()),
        move |_| app_versions(Some(tenant.get_value()), app.get_value()),
    );
    // The pair compared: the viewer's choice, else the newest two.
    let from = RwSignal::new(None::<String>);
    let to = RwSignal::new(None::<String>);
    let roll_back = move |v: &VersionView| {
        let start = live.get_untracked();
        page.awaited.set(Some(Awaited {
            expect: Expect::Rollout {
                what: format!("was rolled back to deploy #{}'s spec", v.number),
            },
            start,
        }));
        rollback.dispatch(RollbackApp {
            tenant: Some(tenant.get_value()),
            app: app.get_value(),
            version: v.deploy_id.clone(),
            idempotency_key: Some(crate::deploy::submission_key(&v.deploy_id)),
        });
    };
    view! {
        <Transition fallback=|| view! { <p class="text-sm text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let list = match versions.await {
                    Ok(list) => list,
                    Err(error) => return view! { <ErrorNotice error /> }.into_any(),
                };
                if list.is_empty() {
                    return view! { <p class="text-sm text-muted">"The console has recorded no deploy of this app."</p> }.into_any();
                }
                let newest_two = (list.len() >= 2)
                    .then(|| (list[1].deploy_id.clone(), list[0].deploy_id.clone()));
                let (old_default, new_default) = newest_two.clone().unzip();
                let chosen_from = Memo::new(move |_| from.get().or_else(|| old_default.clone()));
                let chosen_to = Memo::new(move |_| to.get().or_else(|| new_default.clone()));
                view! {
                    <div class="table-wrap">
                    <table class="w-full text-sm" data-testid="versions">
                        <thead class="text-left text-muted">
                            <tr><th>"Deploy"</th><th>"Job version"</th><th>"When"</th><th>"Who"</th><th>"How"</th><th>"Image"</th><th>"Outcome"</th><th>"Compare"</th><th></th></tr>
                        </thead>
                        <tbody>
                            {list.into_iter().map(|v| {
                                let id = v.deploy_id.clone();
                                let (id_a, id_b, id_c) = (id.clone(), id.clone(), id.clone());
                                let roll = (can_deploy && !v.current && v.state == "submitted").then(|| {
                                    let v = v.clone();
                                    view! {
                                        <button type="button" data-testid="rollback" class="underline disabled:opacity-50"
                                            disabled=move || rollback.pending().get()
                                            on:click=move |_| roll_back(&v)>
                                            "Roll back to this"
                                        </button>
                                    }
                                });
                                view! {
                                    <tr class="border-t border-line" data-testid="version" data-number=v.number.to_string() data-current=v.current.to_string()>
                                        <td class="py-2 whitespace-nowrap">
                                            {format!("#{}", v.number)}
                                            {v.current.then(|| view! { <span class="ml-1 rounded bg-ok/20 px-1 text-xs" data-testid="runs-now">"runs now"</span> })}
                                        </td>
                                        <td class="py-2">{v.job_version.map(|n| n.to_string()).unwrap_or_else(|| "—".into())}</td>
                                        <td class="py-2 text-muted whitespace-nowrap">{v.at.clone()}</td>
                                        <td class="py-2">{v.actor.clone()}</td>
                                        <td class="py-2">{v.source.clone()}</td>
                                        <td class="py-2 break-all"><code>{v.image.clone()}</code></td>
                                        <td class="py-2">
                                            <span data-testid="version-outcome">{outcome(&v)}</span>
                                            {v.note.clone().map(|n| view! { <p class="text-xs text-muted" data-testid="version-note">{n}</p> })}
                                        </td>
                                        <td class="py-2 whitespace-nowrap">
                                            <label class="mr-2"><input type="radio" name="from" prop:checked=move || chosen_from.get().as_deref() == Some(id_a.as_str()) on:change=move |_| from.set(Some(id_b.clone())) /> " old"</label>
                                            <label><input type="radio" name="to" prop:checked=move || chosen_to.get().as_deref() == Some(id_c.as_str()) on:change=move |_| to.set(Some(id.clone())) /> " new"</label>
                                        </td>
                                        <td class="py-2 text-right">{roll}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                    <p class="mt-2 text-xs text-muted">"Deploy numbers count the console's deploys of this app; job versions are Nomad's, which also counts scales, reverts and changes made outside the console."</p>
                    <Diff page from=chosen_from to=chosen_to />
                }.into_any()
            })}
        </Transition>
    }
}

/// The spec fields that differ between the two deploys chosen (read in the browser once the page runs).
#[component]
fn Diff(page: Page, from: Memo<Option<String>>, to: Memo<Option<String>>) -> impl IntoView {
    let Page { tenant, app, .. } = page;
    let diff = LocalResource::new(move || {
        let (from, to) = (from.get(), to.get());
        async move {
            match (from, to) {
                (Some(from), Some(to)) if from != to => {
                    Some(version_diff(Some(tenant.get_value()), app.get_value(), from, to).await)
                }
                _ => None,
            }
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match diff.await {
                    None => ().into_any(),
                    Some(Err(error)) => view! { <ErrorNotice error /> }.into_any(),
                    Some(Ok(changes)) if changes.is_empty() => view! {
                        <p class="mt-4 text-sm text-muted" data-testid="diff">"The two deploys have the same spec."</p>
                    }.into_any(),
                    Some(Ok(changes)) => view! {
                        <div class="table-wrap mt-4">
                        <table class="w-full font-mono text-xs" data-testid="diff">
                            <thead class="text-left text-muted"><tr><th>"Field"</th><th>"Old"</th><th>"New"</th></tr></thead>
                            <tbody>
                                {changes.into_iter().map(|c| view! {
                                    <tr class="border-t border-line">
                                        <td class="py-1 break-all">{c.path}</td>
                                        <td class="py-1 text-bad break-all">{c.before.unwrap_or_else(|| "—".into())}</td>
                                        <td class="py-1 text-ok break-all">{c.after.unwrap_or_else(|| "—".into())}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
