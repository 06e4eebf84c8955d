//! What became of an action: "Scaling web to 3…" while Nomad works, then the result once Nomad's state shows
//! it ("web runs 3 instances."), read from the live state rather than from the console's request.

use leptos::prelude::*;
use np_spec::ops::AppLive;

use super::Page;
use crate::AppError;
use crate::components::error_view::ErrorNotice;
use crate::operate::{Operation, Restart};

/// What an action waits for in Nomad's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// The count, with every instance running.
    Scale(i64),
    /// Each of these instances restarted (more restarts than it had) and running again.
    Restarted(Vec<(String, u64)>),
    /// The promoted deployment's end.
    Promote,
    /// Nothing runs, the job stopped.
    Stop,
    /// The job gone from Nomad.
    Purge,
    /// A new job version's rollout ended (a start, a rollback).
    Rollout {
        /// "started", "rolled back to deploy #2's spec".
        what: String,
    },
}

impl Expect {
    /// What `operation` waits for, from the state it started in.
    pub fn of(operation: &Operation, start: &AppLive) -> Self {
        let restarts = |only: Option<&str>| {
            start
                .instances
                .iter()
                .filter(|i| i.is_live() && only.is_none_or(|id| i.id.starts_with(id)))
                .map(|i| (i.id.clone(), i.restarts))
                .collect()
        };
        match operation {
            Operation::Scale(n) => Self::Scale(*n),
            Operation::Restart(Restart::One(id)) => Self::Restarted(restarts(Some(id))),
            Operation::Restart(_) => Self::Restarted(restarts(None)),
            Operation::Promote => Self::Promote,
            Operation::Stop(false) => Self::Stop,
            Operation::Stop(true) => Self::Purge,
            Operation::Start => Self::Rollout {
                what: "started".into(),
            },
        }
    }

    /// The result once `now` shows it: `Ok` in words, or `Err` when Nomad's state says it failed.
    pub fn done(&self, start: &AppLive, now: &AppLive) -> Option<Result<String, String>> {
        let app = &now.app;
        let ended = |d: &np_spec::ops::DeploymentView| {
            matches!(d.status.as_str(), "successful" | "failed" | "cancelled")
        };
        match self {
            Self::Scale(n) => (now.facts.count == *n
                && now.running == *n
                && now.pending == 0
                && now.deployment.as_ref().is_none_or(ended))
            .then(|| {
                Ok(format!(
                    "{app} runs {n} instance{}.",
                    if *n == 1 { "" } else { "s" }
                ))
            }),
            Self::Restarted(before) => {
                let back = before.iter().all(|(id, restarts)| {
                    now.instances
                        .iter()
                        .find(|i| &i.id == id)
                        .is_none_or(|i| i.restarts > *restarts && i.client_status == "running")
                });
                back.then(|| {
                    Ok(match before.len() {
                        1 => "The instance restarted and runs again.".to_owned(),
                        n => format!("All {n} instances restarted and run again."),
                    })
                })
            }
            Self::Promote => {
                let d = now.deployment.as_ref().filter(|d| ended(d))?;
                Some(if d.status == "successful" {
                    Ok(format!(
                        "Canaries promoted: job version {} is deployed.",
                        d.version
                    ))
                } else {
                    Err(format!(
                        "The rollout of job version {} {} after the promotion: {}",
                        d.version, d.status, d.description
                    ))
                })
            }
            Self::Stop => (now.stopped && now.running == 0).then(|| {
                Ok(format!(
                    "{app} is stopped: nothing runs. Start runs it again."
                ))
            }),
            Self::Purge => (now.error.is_some() || (now.stopped && now.running == 0)).then(|| {
                Ok(format!(
                    "{app} was purged: Nomad no longer has it. Its versions stay in the console."
                ))
            }),
            Self::Rollout { what } => {
                let d = now
                    .deployment
                    .as_ref()
                    .filter(|d| now.version > start.version && d.version == now.version)?;
                if !ended(d) {
                    return None;
                }
                Some(if d.status == "successful" {
                    Ok(format!(
                        "{app} {what}: job version {} is deployed.",
                        d.version
                    ))
                } else {
                    Err(format!(
                        "{app} {what}, but the rollout of job version {} {}: {}",
                        d.version, d.status, d.description
                    ))
                })
            }
        }
    }
}

/// An action under way.
#[derive(Debug, Clone)]
pub struct Awaited {
    /// What it waits for.
    pub expect: Expect,
    /// The state when it was asked for.
    pub start: AppLive,
}

/// What the status line says.
#[derive(Debug, Clone)]
enum Said {
    Working(String),
    Done(String),
    Failed(String),
    Refused(AppError),
}

/// How long an action may go without changing anything in Nomad before the page says so.
const QUIET_MS: u64 = 15_000;

/// The action's status: while Nomad works, then its result, replacing the first.
#[component]
pub fn OperationResult(page: Page) -> impl IntoView {
    let said = RwSignal::new(None::<Said>);
    // Nomad's state may show the result before the console's answer arrives (a fast stop, a purge): whichever
    // comes second finishes the message.
    let settle = move || {
        let Some(awaited) = page.awaited.get_untracked() else {
            return;
        };
        let now = page.live.get_untracked();
        if let Some(result) = awaited.expect.done(&awaited.start, &now) {
            page.awaited.set(None);
            said.set(Some(match result {
                Ok(text) => Said::Done(text),
                Err(text) => Said::Failed(text),
            }));
        }
    };
    let answered = move |answer: Option<Result<String, AppError>>| match answer {
        Some(Ok(text)) => {
            if page.awaited.with_untracked(Option::is_none) {
                // Already done: the result is on the page.
                return;
            }
            said.set(Some(Said::Working(text)));
            settle();
            let version = page.live.with_untracked(|l| l.version);
            // A rollback or start of the spec Nomad already runs changes nothing: say so rather than wait.
            set_timeout(
                move || {
                    let quiet = page
                        .live
                        .try_with_untracked(|l| l.version == version)
                        .unwrap_or(false);
                    let waits_for_rollout = page
                        .awaited
                        .try_with_untracked(|a| {
                            a.as_ref()
                                .is_some_and(|a| matches!(a.expect, Expect::Rollout { .. }))
                        })
                        .unwrap_or(false);
                    if quiet && waits_for_rollout {
                        let _ = page.awaited.try_set(None);
                        let _ = said.try_set(Some(Said::Done(
                            "Nothing changed: Nomad already runs that spec.".into(),
                        )));
                    }
                },
                std::time::Duration::from_millis(QUIET_MS),
            );
        }
        Some(Err(error)) => {
            page.awaited.set(None);
            said.set(Some(Said::Refused(error)));
        }
        None => {}
    };
    Effect::new(move |_| answered(page.operate.value().get()));
    Effect::new(move |_| {
        answered(page.rollback.value().get().map(|r| {
            r.map(|_| {
                "Rolling back: the earlier spec was deployed again as a new deploy…".to_owned()
            })
        }))
    });
    // Each change in Nomad's state may be the one the action waited for.
    Effect::new(move |_| {
        page.live.track();
        settle();
    });
    move || {
        said.get().map(|s| match s {
            Said::Working(text) => view! {
                <p role="status" data-testid="operation-result" data-state="working" class="rounded-md border border-line bg-panel p-3 text-sm">{text}</p>
            }.into_any(),
            Said::Done(text) => view! {
                <p role="status" data-testid="operation-result" data-state="done" class="rounded-md border border-ok/40 bg-ok/10 p-3 text-sm">{text}</p>
            }.into_any(),
            Said::Failed(text) => view! {
                <p role="alert" data-testid="operation-result" data-state="failed" class="rounded-md border border-bad/40 bg-bad/10 p-3 text-sm">{text}</p>
            }.into_any(),
            Said::Refused(error) => view! { <div data-testid="operation-result" data-state="refused"><ErrorNotice error /></div> }.into_any(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use np_spec::ops::{DeploymentView, InstanceView, JobFacts};

    fn live(version: u64, count: i64, running: i64) -> AppLive {
        AppLive {
            app: "web".into(),
            version,
            desired: count,
            running,
            facts: JobFacts {
                count,
                ..JobFacts::default()
            },
            ..AppLive::default()
        }
    }

    #[test]
    fn a_scale_is_done_when_the_instances_run() {
        let start = live(0, 1, 1);
        let expect = Expect::of(&Operation::Scale(3), &start);
        assert_eq!(expect.done(&start, &live(1, 3, 2)), None);
        assert_eq!(
            expect.done(&start, &live(1, 3, 3)),
            Some(Ok("web runs 3 instances.".into()))
        );
    }

    #[test]
    fn a_start_waits_for_its_rollout() {
        let mut start = live(2, 1, 0);
        start.stopped = true;
        let expect = Expect::of(&Operation::Start, &start);
        let mut now = live(3, 1, 1);
        now.deployment = Some(DeploymentView {
            version: 3,
            status: "running".into(),
            ..DeploymentView::default()
        });
        assert_eq!(expect.done(&start, &now), None);
        now.deployment.as_mut().unwrap().status = "successful".into();
        assert_eq!(
            expect.done(&start, &now),
            Some(Ok("web started: job version 3 is deployed.".into()))
        );
    }

    #[test]
    fn a_restart_waits_for_every_instance() {
        let instance = |id: &str, restarts| InstanceView {
            id: id.into(),
            client_status: "running".into(),
            desired_status: "run".into(),
            restarts,
            ..InstanceView::default()
        };
        let mut start = live(0, 2, 2);
        start.instances = vec![instance("a", 0), instance("b", 0)];
        let expect = Expect::of(&Operation::Restart(Restart::Rolling), &start);
        let mut now = start.clone();
        now.instances = vec![instance("a", 1), instance("b", 0)];
        assert_eq!(expect.done(&start, &now), None);
        now.instances = vec![instance("a", 1), instance("b", 1)];
        assert!(matches!(expect.done(&start, &now), Some(Ok(_))));
    }
}
