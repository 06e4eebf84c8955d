//! What the server said: the deploy's result, the plan (Nomad's diff in the app's terms, the scheduler's
//! counts, placement failures) and the server check's verdict.

use leptos::prelude::*;

use crate::components::error_view::ErrorNotice;
use crate::deploy::{CheckOutcome, DeployApp, PlanApp};

/// What the last deploy did.
#[component]
pub(super) fn DeployResult(action: ServerAction<DeployApp>, tenant: String) -> impl IntoView {
    move || {
        let tenant = tenant.clone();
        action.value().get().map(move |outcome| match outcome {
            Err(error) => view! { <ErrorNotice error /> }.into_any(),
            Ok(o) if !o.errors.is_empty() => view! {
                <div role="alert" data-testid="deploy-result" class="rounded-md border border-bad/40 bg-bad/10 p-3 text-sm">
                    <p class="font-medium text-bad">"Nothing was deployed:"</p>
                    <ul class="mt-1 list-disc pl-5">
                        {o.errors.iter().map(|e| view! { <li>{e.to_string()}</li> }).collect_view()}
                    </ul>
                </div>
            }
            .into_any(),
            Ok(o) => view! {
                <div role="status" data-testid="deploy-result" class="rounded-md border border-ok/40 bg-ok/10 p-3 text-sm">
                    {o.deployed.into_iter().map(|d| view! {
                        <p>
                            "Deployed " <strong>{d.app.clone()}</strong> " as job " <code>{d.job_id.clone()}</code>
                            " (evaluation " <code>{d.eval_id.chars().take(8).collect::<String>()}</code> "). "
                            <a class="underline" data-testid="watch-rollout" href=format!("/apps/{}?tenant={tenant}", d.app)>"Watch the rollout"</a>
                            " · "
                            <a class="underline" href=format!("/apps?tenant={tenant}")>"See it in the apps list"</a>
                        </p>
                    }).collect_view()}
                </div>
            }
            .into_any(),
        })
    }
}

/// What Nomad would do with the document: per app, the changed fields, the scheduler's counts and placement
/// failures in plain words.
#[component]
pub(super) fn PlanResult(action: ServerAction<PlanApp>) -> impl IntoView {
    move || {
        action.value().get().map(|outcome| match outcome {
            Err(error) => view! { <ErrorNotice error /> }.into_any(),
            Ok(o) if !o.errors.is_empty() => view! {
                <div role="alert" data-testid="plan-result" class="rounded-md border border-bad/40 bg-bad/10 p-3 text-sm">
                    <p class="font-medium text-bad">"It cannot be planned:"</p>
                    <ul class="mt-1 list-disc pl-5">
                        {o.errors.iter().map(|e| view! { <li>{e.to_string()}</li> }).collect_view()}
                    </ul>
                </div>
            }
            .into_any(),
            Ok(o) => view! {
                <div data-testid="plan-result" class="space-y-3 rounded-md border border-line bg-panel p-3 text-sm">
                    {o.plans.into_iter().map(|p| {
                        let headline = match p.change.as_str() {
                            "new" => format!("{}: a new app (job {}).", p.app, p.job_id),
                            "unchanged" => format!("{}: nothing changes.", p.app),
                            _ => format!("{}: {} field{} change.", p.app, p.changes.len(), if p.changes.len() == 1 { "" } else { "s" }),
                        };
                        view! {
                            <section class="space-y-1">
                                <p class="font-medium" data-testid="plan-headline">{headline}</p>
                                <ul>
                                    {p.groups.iter().map(|g| view! { <li data-testid="plan-group">{format!("Group {}: {}", g.name, g.summary())}</li> }).collect_view()}
                                </ul>
                                {(!p.changes.is_empty()).then(|| view! {
                                    <ul class="space-y-1" data-testid="plan-changes">
                                        {p.changes.iter().map(|c| {
                                            let what = c.label.clone().unwrap_or_else(|| c.path.clone());
                                            let change = match c.kind.as_str() {
                                                "added" if c.new.is_empty() => "added".to_owned(),
                                                "removed" if c.old.is_empty() => "removed".to_owned(),
                                                "added" => format!("added: {}", c.new),
                                                "removed" => format!("removed: {}", c.old),
                                                _ => format!("{} → {}", c.old, c.new),
                                            };
                                            view! {
                                                <li class="border-t border-line pt-1 break-words" data-testid="plan-change">
                                                    <span class="font-medium">{what}</span>
                                                    <span class="font-mono text-xs break-all">{format!(": {change}")}</span>
                                                    {c.note.clone().map(|n| view! { <span class="text-xs text-warn">{format!(" ({n})")}</span> })}
                                                    {c.label.is_some().then(|| view! { <span class="block text-xs text-muted break-all">{format!("Nomad: {}", c.path)}</span> })}
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                })}
                                {p.failures.iter().map(|f| view! { <p class="text-bad" data-testid="plan-failure">{f.clone()}</p> }).collect_view()}
                                {p.warnings.iter().map(|w| view! { <p class="text-warn">{w.clone()}</p> }).collect_view()}
                            </section>
                        }
                    }).collect_view()}
                </div>
            }
            .into_any(),
        })
    }
}

/// The server's answer, compared with the browser's preview.
#[component]
pub(super) fn ServerVerdict(
    verdict: Memo<Option<(Result<CheckOutcome, crate::AppError>, bool)>>,
    preview: Signal<Option<CheckOutcome>>,
) -> impl IntoView {
    move || {
        let (outcome, fresh) = verdict.get()?;
        let view = match outcome {
            Err(error) => view! {
                <p class="text-sm text-bad" data-testid="server-verdict">{error.to_string()}</p>
            }
            .into_any(),
            Ok(outcome) if !outcome.errors.is_empty() => view! {
                <p class="text-sm text-bad" data-testid="server-verdict">
                    {format!(
                        "The server refused it: {} problem{}.",
                        outcome.errors.len(),
                        if outcome.errors.len() == 1 { "" } else { "s" },
                    )}
                </p>
            }
            .into_any(),
            Ok(outcome) => {
                let same = preview.with(|p| {
                    p.as_ref().is_some_and(|p| {
                        p.jobs
                            .iter()
                            .map(|j| &j.json)
                            .eq(outcome.jobs.iter().map(|j| &j.json))
                    })
                });
                let ids: Vec<String> = outcome.jobs.iter().map(|j| j.job_id.clone()).collect();
                let text = if same {
                    format!(
                        "The server generated the same job ({}): valid.",
                        ids.join(", ")
                    )
                } else {
                    format!(
                        "The server generated {}; it differs from this preview.",
                        ids.join(", ")
                    )
                };
                view! {
                    <p class="text-sm text-ok" data-testid="server-verdict">{text}</p>
                }
                .into_any()
            }
        };
        Some(view! {
            <div class:opacity-50=!fresh title=if fresh { "" } else { "Changed since the check" }>
                {view}
            </div>
        })
    }
}
