//! The deploy page: describe an app with the form or paste an np.yaml, OAM Application or app spec, and see
//! the Nomad job it becomes (HCL and JSON) as you type. The form's preview is generated in the browser by the
//! same code the server runs, with no request; a pasted document is parsed by the server (the YAML parsers
//! stay out of the browser's download) a moment after typing stops. "Check on server" sends the description
//! for the server to parse, validate and generate again, and shows its verdict.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_meta::Title;
use np_spec::FieldError;
use np_spec::form::{DeployForm, EnvRow, PortRow, RouteRow, SecretRow, VolumeRow};
use np_spec::parse::Format;
use np_spec::spec::SizePreset;
use np_spec::tenant::TenantContext;

use crate::components::error_view::ErrorNotice;
use crate::components::fields::{CheckField, FieldMessages, SelectField, TextArea, TextField};
use crate::deploy::{
    CheckApp, CheckOutcome, CheckedJob, DeployApp, LoadedApp, PlanApp, check_app,
    get_deploy_context, load_app,
};

/// Which errors are shown next to fields: those on fields the user has edited, and all after a submit.
#[derive(Clone, Copy)]
struct Visibility {
    touched: RwSignal<BTreeSet<String>>,
    all: RwSignal<bool>,
}

impl Visibility {
    fn touch(&self, field: &str) {
        if !self.touched.with_untracked(|t| t.contains(field)) {
            self.touched.update(|t| {
                t.insert(field.to_owned());
            });
        }
    }

    fn filter(&self, errors: &[FieldError]) -> Vec<FieldError> {
        let all = self.all.get();
        self.touched.with(|touched| {
            errors
                .iter()
                .filter(|e| {
                    all || touched.contains(&e.field)
                        || touched
                            .iter()
                            .any(|t| e.field.starts_with(&format!("{t}.")))
                })
                .cloned()
                .collect()
        })
    }
}

/// How the app is described.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Form,
    File,
}

impl Mode {
    /// The format the server reads the text as: the form sends an app spec; a file is told apart by its keys.
    fn format(self) -> Option<Format> {
        match self {
            Self::Form => Some(Format::Spec),
            Self::File => None,
        }
    }
}

/// The page.
#[component]
pub fn DeployPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let context = Resource::new(move || query.read().get("tenant"), get_deploy_context);
    // `?app=<name>` edits the app as last deployed.
    let loaded = Resource::new(
        move || (query.read().get("tenant"), query.read().get("app")),
        |(tenant, app)| async move {
            match app {
                Some(app) => load_app(tenant, app).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <Title text="Deploy" />
        <div class="space-y-6">
            <section>
                <h1 class="text-2xl font-semibold tracking-tight">"Deploy an app"</h1>
                <p class="mt-2 max-w-3xl text-muted">
                    "Describe the app with the form, or paste an np.yaml, an OAM Application or an app spec. \
                     The Nomad job it becomes is shown as you type; the server checks it again before anything \
                     is deployed."
                </p>
            </section>
            <Suspense fallback=|| view! { <p class="text-sm text-muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match (context.await, loaded.await) {
                        (Ok(ctx), Ok(initial)) => view! { <DeployEditor tenant=ctx.tenant initial /> }.into_any(),
                        (Err(error), _) | (_, Err(error)) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

/// The generation result for the form.
fn preview_form(form: &DeployForm, tenant: &TenantContext) -> CheckOutcome {
    match form.to_spec() {
        Err(errors) => CheckOutcome {
            jobs: Vec::new(),
            errors,
            notes: Vec::new(),
            specs: Vec::new(),
        },
        Ok(spec) => match np_spec::generate(&spec, tenant) {
            Ok(g) => CheckOutcome {
                jobs: vec![CheckedJob {
                    app: spec.name.to_string(),
                    job_id: g.job.id.clone().unwrap_or_default(),
                    json: g.json(),
                    hcl: g.hcl.clone(),
                    hosts: g.hosts.clone(),
                }],
                errors: Vec::new(),
                notes: Vec::new(),
                specs: vec![spec],
            },
            Err(errors) => CheckOutcome {
                jobs: Vec::new(),
                errors: errors.0,
                notes: Vec::new(),
                specs: vec![spec],
            },
        },
    }
}

/// What is submitted to the server for the form: the spec as JSON.
fn form_text(form: &DeployForm) -> Option<String> {
    form.to_spec()
        .ok()
        .and_then(|spec| serde_json::to_string(&spec).ok())
}

#[component]
fn DeployEditor(tenant: TenantContext, initial: Option<LoadedApp>) -> impl IntoView {
    let suffix = tenant.host_suffix.clone();
    let slug = StoredValue::new(tenant.slug.to_string());
    let tenant = StoredValue::new(tenant);
    let mode = RwSignal::new(Mode::Form);
    let based_on = StoredValue::new(initial.as_ref().map(|l| l.deploy_id.clone()));
    let form = RwSignal::new(match &initial {
        Some(loaded) => DeployForm::from_spec(&loaded.spec),
        None => DeployForm {
            routes: vec![RouteRow::default()],
            ..DeployForm::default()
        },
    });
    let file = RwSignal::new(String::new());
    let visibility = Visibility {
        touched: RwSignal::new(BTreeSet::new()),
        all: RwSignal::new(false),
    };
    provide_context(visibility);

    let form_preview = Memo::new(move |_| form.with(|f| tenant.with_value(|t| preview_form(f, t))));
    // A pasted document is checked by the server once typing pauses.
    let settled = RwSignal::new(String::new());
    let edits = StoredValue::new(0u64);
    Effect::new(move |_| {
        let text = file.get();
        edits.update_value(|n| *n += 1);
        let this_edit = edits.get_value();
        set_timeout(
            move || {
                if edits.get_value() == this_edit {
                    settled.set(text);
                }
            },
            std::time::Duration::from_millis(300),
        );
    });
    let file_check = Resource::new(
        move || settled.get(),
        move |text| async move {
            if text.trim().is_empty() {
                None
            } else {
                Some(check_app(text, None, Some(slug.get_value())).await)
            }
        },
    );
    let file_preview = Signal::derive(move || match file_check.get().flatten() {
        Some(Ok(outcome)) => Some(outcome),
        Some(Err(error)) => Some(CheckOutcome {
            jobs: Vec::new(),
            errors: vec![FieldError::new("", error.to_string())],
            notes: Vec::new(),
            specs: Vec::new(),
        }),
        None => None,
    });

    let check_action = ServerAction::<CheckApp>::new();
    let deploy_action = ServerAction::<DeployApp>::new();
    let plan_action = ServerAction::<PlanApp>::new();
    // After this page's own deploy, further edits build on it.
    Effect::new(move |_| {
        if let Some(Ok(outcome)) = deploy_action.value().get()
            && let [one] = outcome.deployed.as_slice()
        {
            based_on.set_value(Some(one.deploy_id.clone()));
        }
    });
    // The text the last server check was for, to tell whether its verdict still applies.
    let checked_text = RwSignal::new(None::<String>);
    let current_text = Memo::new(move |_| match mode.get() {
        Mode::Form => form.with(form_text),
        Mode::File => Some(file.get()),
    });
    let server_verdict = Memo::new(move |_| {
        let outcome = check_action.value().get()?;
        let fresh = checked_text.get() == current_text.get();
        Some((outcome, fresh))
    });
    let submit = move |_| {
        visibility.all.set(true);
        let Some(text) = current_text.get_untracked() else {
            return;
        };
        let format = mode.get_untracked().format();
        checked_text.set(Some(text.clone()));
        check_action.dispatch(CheckApp {
            text,
            format,
            tenant: Some(slug.get_value()),
        });
    };

    // Errors next to form fields: the browser's, plus the server's when its verdict is current.
    let form_errors = Signal::derive(move || {
        let mut errors = form_preview.with(|p| p.errors.clone());
        if mode.get() == Mode::Form
            && let Some((Ok(outcome), true)) = server_verdict.get()
        {
            for e in outcome.errors {
                if !errors.contains(&e) {
                    errors.push(e);
                }
            }
        }
        visibility.filter(&errors)
    });
    let preview = Signal::derive(move || match mode.get() {
        Mode::Form => Some(form_preview.get()),
        Mode::File => file_preview.get(),
    });

    let tab = |m: Mode, label: &'static str| {
        view! {
            <button
                type="button"
                role="tab"
                aria-selected=move || (mode.get() == m).to_string()
                class="rounded-md px-3 py-1.5 text-sm aria-selected:bg-panel aria-selected:shadow-sm aria-selected:font-medium text-muted aria-selected:text-fg"
                on:click=move |_| mode.set(m)
            >
                {label}
            </button>
        }
    };

    view! {
        <div class="grid gap-6 lg:grid-cols-2">
            <div class="space-y-4">
                <div role="tablist" aria-label="How to describe the app" class="inline-flex gap-1 rounded-lg bg-hover p-1">
                    {tab(Mode::Form, "Form")}
                    {tab(Mode::File, "np.yaml / OAM / spec")}
                </div>
                <Show
                    when=move || mode.get() == Mode::Form
                    fallback=move || view! { <FileEditor file form mode suffix=suffix.clone() preview=file_preview /> }
                >
                    <FormEditor form errors=form_errors suffix=tenant.with_value(|t| t.host_suffix.clone()) />
                </Show>
                <div class="flex items-center gap-3">
                    <button
                        type="button"
                        data-testid="check-on-server"
                        class="rounded-md bg-accent px-4 py-2 text-sm font-medium text-on-accent hover:opacity-90 disabled:opacity-50"
                        disabled=move || check_action.pending().get() || current_text.get().is_none()
                        on:click=submit
                    >
                        {move || if check_action.pending().get() { "Checking…" } else { "Check on server" }}
                    </button>
                    <button
                        type="button"
                        data-testid="plan"
                        class="rounded-md border border-line px-4 py-2 text-sm font-medium hover:bg-hover disabled:opacity-50"
                        disabled=move || plan_action.pending().get() || current_text.get().is_none()
                        on:click=move |_| {
                            let Some(text) = current_text.get_untracked() else { return };
                            let format = mode.get_untracked().format();
                            plan_action.dispatch(PlanApp { text, format, tenant: Some(slug.get_value()) });
                        }
                    >
                        {move || if plan_action.pending().get() { "Planning…" } else { "Plan" }}
                    </button>
                    <button
                        type="button"
                        data-testid="deploy"
                        class="rounded-md border border-accent px-4 py-2 text-sm font-medium text-accent hover:bg-hover disabled:opacity-50"
                        // One deploy at a time: a second click while one is in flight does nothing.
                        disabled=move || deploy_action.pending().get() || current_text.get().is_none()
                        on:click=move |_| {
                            if deploy_action.pending().get_untracked() {
                                return;
                            }
                            let Some(text) = current_text.get_untracked() else { return };
                            let format = mode.get_untracked().format();
                            let key = crate::deploy::submission_key(&text);
                            deploy_action.dispatch(DeployApp {
                                text,
                                format,
                                tenant: Some(slug.get_value()),
                                idempotency_key: Some(key),
                                based_on: based_on.get_value(),
                            });
                        }
                    >
                        {move || if deploy_action.pending().get() { "Deploying…" } else { "Deploy" }}
                    </button>
                    <ServerVerdict verdict=server_verdict preview />
                </div>
                <PlanResult action=plan_action />
                <DeployResult action=deploy_action tenant=slug.get_value() />
            </div>
            <JobPreview preview />
        </div>
    }
}

/// What the last deploy did.
#[component]
fn DeployResult(action: ServerAction<DeployApp>, tenant: String) -> impl IntoView {
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
fn PlanResult(action: ServerAction<PlanApp>) -> impl IntoView {
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
                                    <table class="w-full font-mono text-xs" data-testid="plan-changes">
                                        <tbody>
                                            {p.changes.iter().map(|c| view! {
                                                <tr class="border-t border-line">
                                                    <td class="py-1">{c.path.clone()}</td>
                                                    <td class="py-1 text-bad">{c.old.clone()}</td>
                                                    <td class="py-1 text-ok">{c.new.clone()}</td>
                                                    <td class="py-1 text-muted">{c.note.clone()}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
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
fn ServerVerdict(
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

/// The form.
#[component]
fn FormEditor(
    form: RwSignal<DeployForm>,
    errors: Signal<Vec<FieldError>>,
    suffix: String,
) -> impl IntoView {
    let visibility = expect_context::<Visibility>();
    let text = move |get: fn(&DeployForm) -> &String| {
        Signal::derive(move || form.with(|f| get(f).clone()))
    };
    let set = move |field: &'static str, put: fn(&mut DeployForm, String)| {
        Callback::new(move |value: String| {
            visibility.touch(field);
            form.update(|f| put(f, value));
        })
    };
    let suffix_for_name = suffix.clone();
    let suffix = StoredValue::new(suffix);
    let on_name = Callback::new(move |value: String| {
        visibility.touch("name");
        let derived = !visibility
            .touched
            .with_untracked(|t| t.contains("routes[0].host"));
        form.update(|f| {
            if derived && let Some(route) = f.routes.first_mut() {
                route.host = if value.trim().is_empty() {
                    String::new()
                } else {
                    format!("{}.{suffix_for_name}", value.trim())
                };
            }
            f.name = value;
        });
    });
    let is_service = Signal::derive(move || form.with(|f| f.kind != "worker"));
    let custom_size = Signal::derive(move || form.with(|f| f.size == "custom"));
    let health_kind = Signal::derive(move || form.with(|f| f.health.clone()));
    let sizes: Vec<(String, String)> = SizePreset::ALL
        .into_iter()
        .map(|p| {
            (
                p.as_str().to_owned(),
                format!("{} ({})", p.as_str(), p.label()),
            )
        })
        .chain([("custom".to_owned(), "custom".to_owned())])
        .collect();

    view! {
        <form class="space-y-4" on:submit=|ev| ev.prevent_default() novalidate>
            <Section title="App">
                <div class="grid gap-4 sm:grid-cols-2">
                    <TextField label="Name" field="name" value=text(|f| &f.name) on_input=on_name errors
                        placeholder="web" hint="Lowercase letters, digits and -; the job is named after it." />
                    <SelectField label="Kind" field="kind" value=text(|f| &f.kind)
                        on_change=set("kind", |f, v| f.kind = v) errors
                        options=vec![("service".into(), "Service (routed)".into()), ("worker".into(), "Worker (no routes)".into())] />
                </div>
                <TextField label="Image" field="image" value=text(|f| &f.image)
                    on_input=set("image", |f, v| f.image = v) errors monospace=true
                    placeholder="ghcr.io/acme/web:1.4.2" hint="A registry image with a tag or a digest." />
            </Section>

            <Show when=move || is_service.get()>
                <Section title="Ports and routes">
                    <PortRows form errors />
                    <RouteRows form errors suffix=suffix.get_value() />
                </Section>
            </Show>

            <Section title="Environment">
                <EnvRows form errors />
                <SecretRows form errors />
            </Section>

            <Section title="Scale and resources">
                <div class="grid gap-4 sm:grid-cols-3">
                    <TextField label="Instances" field="replicas.count" value=text(|f| &f.replicas)
                        on_input=set("replicas.count", |f, v| f.replicas = v) errors />
                    <TextField label="Scale down to" field="replicas.min" value=text(|f| &f.min)
                        on_input=set("replicas.min", |f, v| f.min = v) errors placeholder="1" />
                    <TextField label="Scale up to" field="replicas.max" value=text(|f| &f.max)
                        on_input=set("replicas.max", |f, v| f.max = v) errors placeholder="same" />
                </div>
                <SelectField label="Size" field="resources.size" value=text(|f| &f.size)
                    on_change=set("resources.size", |f, v| f.size = v) errors options=sizes />
                <Show when=move || custom_size.get()>
                    <div class="grid gap-4 sm:grid-cols-2">
                        <TextField label="CPU (MHz)" field="resources.cpu" value=text(|f| &f.cpu)
                            on_input=set("resources.cpu", |f, v| f.cpu = v) errors placeholder="500" />
                        <TextField label="Memory (MB)" field="resources.memory" value=text(|f| &f.memory)
                            on_input=set("resources.memory", |f, v| f.memory = v) errors placeholder="512" />
                    </div>
                </Show>
                <FieldMessages field="resources" errors />
            </Section>

            <Section title="Health and updates">
                <div class="grid gap-4 sm:grid-cols-2">
                    <SelectField label="Health check" field="health" value=health_kind
                        on_change=set("health", |f, v| f.health = v) errors
                        options=vec![("http".into(), "HTTP".into()), ("tcp".into(), "TCP".into()), ("none".into(), "None".into())] />
                    <Show when=move || health_kind.get() == "http">
                        <TextField label="Path" field="health.path" value=text(|f| &f.health_path)
                            on_input=set("health.path", |f, v| f.health_path = v) errors monospace=true />
                    </Show>
                </div>
                <Show when=move || health_kind.get() != "none">
                    <div class="grid gap-4 sm:grid-cols-2">
                        <TextField label="Interval" field="health.interval" value=text(|f| &f.health_interval)
                            on_input=set("health.interval", |f, v| f.health_interval = v) errors />
                        <TextField label="Timeout" field="health.timeout" value=text(|f| &f.health_timeout)
                            on_input=set("health.timeout", |f, v| f.health_timeout = v) errors />
                    </div>
                </Show>
                <div class="grid gap-4 sm:grid-cols-2">
                    <TextField label="Canaries" field="update.canaries" value=text(|f| &f.canaries)
                        on_input=set("update.canaries", |f, v| f.canaries = v) errors
                        hint="New versions start on this many instances first." />
                    <TextField label="Replace at a time" field="update.max_parallel" value=text(|f| &f.max_parallel)
                        on_input=set("update.max_parallel", |f, v| f.max_parallel = v) errors />
                </div>
                <div class="flex flex-wrap gap-6">
                    <CheckField label="Promote canaries when healthy" field="update.auto_promote"
                        value=Signal::derive(move || form.with(|f| f.auto_promote))
                        on_change=Callback::new(move |v| { visibility.touch("update.auto_promote"); form.update(|f| f.auto_promote = v) })
                        errors />
                    <CheckField label="Roll back failed updates" field="update.auto_revert"
                        value=Signal::derive(move || form.with(|f| f.auto_revert))
                        on_change=Callback::new(move |v| form.update(|f| f.auto_revert = v)) errors />
                </div>
            </Section>

            <details class="rounded-lg border border-line bg-panel">
                <summary class="cursor-pointer px-4 py-3 text-sm font-medium">"Advanced: command, runtime, volumes"</summary>
                <div class="space-y-4 border-t border-line p-4">
                    <TextArea label="Entrypoint" field="entrypoint" value=text(|f| &f.entrypoint)
                        on_input=set("entrypoint", |f, v| f.entrypoint = v) errors rows=2
                        hint="Replaces the image's entrypoint; one part per line." />
                    <TextField label="Command" field="command" value=text(|f| &f.command)
                        on_input=set("command", |f, v| f.command = v) errors monospace=true />
                    <TextArea label="Arguments" field="args" value=text(|f| &f.args)
                        on_input=set("args", |f, v| f.args = v) errors
                        hint="One per line. ${NOMAD_PORT_http} and other Nomad runtime variables are filled in; anything else is passed as written." />
                    <TextField label="Working directory" field="working_dir" value=text(|f| &f.working_dir)
                        on_input=set("working_dir", |f, v| f.working_dir = v) errors monospace=true />
                    <SelectField label="Runtime" field="runtime" value=text(|f| &f.runtime)
                        on_change=set("runtime", |f, v| f.runtime = v) errors
                        options=vec![("default".into(), "Platform default".into()), ("podman".into(), "Podman".into()), ("docker".into(), "Docker".into())] />
                    <div class="flex flex-wrap gap-6">
                        <CheckField label="Init process" field="container.init"
                            value=Signal::derive(move || form.with(|f| f.init))
                            on_change=Callback::new(move |v| form.update(|f| f.init = v)) errors />
                        <CheckField label="Read-only root file system" field="container.read_only_root"
                            value=Signal::derive(move || form.with(|f| f.read_only_root))
                            on_change=Callback::new(move |v| form.update(|f| f.read_only_root = v)) errors />
                    </div>
                    <VolumeRows form errors />
                </div>
            </details>
        </form>
    }
}

#[component]
fn Section(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <fieldset class="space-y-4 rounded-lg border border-line bg-panel p-4">
            <legend class="px-1 text-sm font-semibold">{title}</legend>
            {children()}
        </fieldset>
    }
}

/// Buttons and layout shared by the repeated rows.
fn add_button(label: &'static str, testid: &'static str, on: impl Fn() + 'static) -> impl IntoView {
    view! {
        <button type="button" data-testid=testid
            class="rounded-md border border-line px-2 py-1 text-xs hover:bg-hover"
            on:click=move |_| on()>
            {label}
        </button>
    }
}

fn remove_button(label: String, on: impl Fn() + 'static) -> impl IntoView {
    view! {
        <button type="button" aria-label=label
            class="mt-6 rounded-md px-2 py-1 text-muted hover:bg-hover hover:text-bad"
            on:click=move |_| on()>
            "×"
        </button>
    }
}

/// A row field editing `rows[i].<part>` in the form.
fn row_text<T: 'static>(
    form: RwSignal<DeployForm>,
    rows: fn(&DeployForm) -> &Vec<T>,
    rows_mut: fn(&mut DeployForm) -> &mut Vec<T>,
    part: fn(&T) -> &String,
    part_mut: fn(&mut T) -> &mut String,
    i: usize,
    field: String,
) -> (Signal<String>, Callback<String>) {
    let visibility = expect_context::<Visibility>();
    let value = Signal::derive(move || {
        form.with(|f| rows(f).get(i).map(|r| part(r).clone()).unwrap_or_default())
    });
    let on = Callback::new(move |v: String| {
        visibility.touch(&field);
        form.update(|f| {
            if let Some(row) = rows_mut(f).get_mut(i) {
                *part_mut(row) = v;
            }
        });
    });
    (value, on)
}

#[component]
fn PortRows(form: RwSignal<DeployForm>, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    let count = move || form.with(|f| f.ports.len());
    view! {
        <div class="space-y-2" data-testid="ports">
            <For each=move || 0..count() key=|i| *i let:i>
                {
                    let (name, on_name) = row_text(form, |f| &f.ports, |f| &mut f.ports, |r| &r.name, |r| &mut r.name, i, format!("ports[{i}].name"));
                    let (port, on_port) = row_text(form, |f| &f.ports, |f| &mut f.ports, |r| &r.port, |r| &mut r.port, i, format!("ports[{i}].port"));
                    let (protocol, on_protocol) = row_text(form, |f| &f.ports, |f| &mut f.ports, |r| &r.protocol, |r| &mut r.protocol, i, format!("ports[{i}].protocol"));
                    view! {
                        <div class="grid grid-cols-[1fr_1fr_1fr_auto] gap-2">
                            <TextField label=format!("Port {} name", i + 1) field=format!("ports[{i}].name") value=name on_input=on_name errors />
                            <TextField label="Container port" field=format!("ports[{i}].port") value=port on_input=on_port errors />
                            <SelectField label="Protocol" field=format!("ports[{i}].protocol") value=protocol on_change=on_protocol errors
                                options=vec![("http".into(), "HTTP".into()), ("tcp".into(), "TCP".into())] />
                            {remove_button(format!("Remove port {}", i + 1), move || form.update(|f| { if i < f.ports.len() { f.ports.remove(i); } }))}
                        </div>
                    }
                }
            </For>
            {add_button("Add port", "add-port", move || form.update(|f| f.ports.push(PortRow { name: String::new(), port: String::new(), protocol: "http".into() })))}
        </div>
    }
}

#[component]
fn RouteRows(
    form: RwSignal<DeployForm>,
    errors: Signal<Vec<FieldError>>,
    suffix: String,
) -> impl IntoView {
    let count = move || form.with(|f| f.routes.len());
    let hint = format!("Under .{suffix}");
    view! {
        <div class="space-y-2" data-testid="routes">
            <For each=move || 0..count() key=|i| *i let:i>
                {
                    let (host, on_host) = row_text(form, |f| &f.routes, |f| &mut f.routes, |r| &r.host, |r| &mut r.host, i, format!("routes[{i}].host"));
                    let (path, on_path) = row_text(form, |f| &f.routes, |f| &mut f.routes, |r| &r.path, |r| &mut r.path, i, format!("routes[{i}].path"));
                    let (port, on_port) = row_text(form, |f| &f.routes, |f| &mut f.routes, |r| &r.port, |r| &mut r.port, i, format!("routes[{i}].port"));
                    let hint = hint.clone();
                    view! {
                        <div class="grid grid-cols-[2fr_1fr_1fr_auto] gap-2">
                            <TextField label=format!("Host {}", i + 1) field=format!("routes[{i}].host") value=host on_input=on_host errors hint monospace=true />
                            <TextField label="Path prefix" field=format!("routes[{i}].path") value=path on_input=on_path errors placeholder="/" monospace=true />
                            <TextField label="Port" field=format!("routes[{i}].port") value=port on_input=on_port errors placeholder="first HTTP" />
                            {remove_button(format!("Remove route {}", i + 1), move || form.update(|f| { if i < f.routes.len() { f.routes.remove(i); } }))}
                        </div>
                    }
                }
            </For>
            {add_button("Add route", "add-route", move || form.update(|f| f.routes.push(RouteRow::default())))}
            <FieldMessages field="routes" errors />
        </div>
    }
}

#[component]
fn EnvRows(form: RwSignal<DeployForm>, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    let visibility = expect_context::<Visibility>();
    let count = move || form.with(|f| f.env.len());
    view! {
        <div class="space-y-2" data-testid="env">
            <For each=move || 0..count() key=|i| *i let:i>
                {
                    // Validation names environment variables by name (env.NAME); the row shows those errors.
                    let name_of = move || form.with(|f| f.env.get(i).map(|r| r.name.trim().to_owned()).unwrap_or_default());
                    let row_errors = Signal::derive(move || {
                        let key = format!("env.{}", name_of());
                        errors.with(|e| {
                            e.iter()
                                .filter(|e| e.field == key)
                                .map(|e| FieldError::new(format!("env[{i}]"), e.message.clone()))
                                .collect::<Vec<_>>()
                        })
                    });
                    let name = Signal::derive(move || form.with(|f| f.env.get(i).map(|r| r.name.clone()).unwrap_or_default()));
                    let value = Signal::derive(move || form.with(|f| f.env.get(i).map(|r| r.value.clone()).unwrap_or_default()));
                    let on_name = Callback::new(move |v: String| {
                        visibility.touch(&format!("env.{}", v.trim()));
                        form.update(|f| if let Some(row) = f.env.get_mut(i) { row.name = v; });
                    });
                    let on_value = Callback::new(move |v: String| {
                        visibility.touch(&format!("env.{}", name_of()));
                        form.update(|f| if let Some(row) = f.env.get_mut(i) { row.value = v; });
                    });
                    view! {
                        <div class="grid grid-cols-[1fr_2fr_auto] gap-2">
                            <TextField label=format!("Variable {}", i + 1) field=format!("env[{i}].name") value=name on_input=on_name errors=row_errors monospace=true />
                            <TextField label="Value" field=format!("env[{i}]") value=value on_input=on_value errors=row_errors monospace=true />
                            {remove_button(format!("Remove variable {}", i + 1), move || form.update(|f| { if i < f.env.len() { f.env.remove(i); } }))}
                        </div>
                    }
                }
            </For>
            {add_button("Add variable", "add-env", move || form.update(|f| f.env.push(EnvRow::default())))}
        </div>
    }
}

#[component]
fn SecretRows(form: RwSignal<DeployForm>, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    let count = move || form.with(|f| f.secrets.len());
    view! {
        <div class="space-y-2" data-testid="secrets">
            <For each=move || 0..count() key=|i| *i let:i>
                {
                    let (env, on_env) = row_text(form, |f| &f.secrets, |f| &mut f.secrets, |r| &r.env, |r| &mut r.env, i, format!("secrets[{i}].env"));
                    let (from, on_from) = row_text(form, |f| &f.secrets, |f| &mut f.secrets, |r| &r.from, |r| &mut r.from, i, format!("secrets[{i}].from"));
                    let (path, on_path) = row_text(form, |f| &f.secrets, |f| &mut f.secrets, |r| &r.path, |r| &mut r.path, i, format!("secrets[{i}].path"));
                    let (key, on_key) = row_text(form, |f| &f.secrets, |f| &mut f.secrets, |r| &r.key, |r| &mut r.key, i, format!("secrets[{i}].key"));
                    view! {
                        <div class="grid grid-cols-[1fr_1fr_1fr_1fr_auto] gap-2">
                            <TextField label=format!("Secret {}", i + 1) field=format!("secrets[{i}].env") value=env on_input=on_env errors monospace=true />
                            <SelectField label="From" field=format!("secrets[{i}].from") value=from on_change=on_from errors
                                options=vec![("variable".into(), "Nomad Variable".into()), ("vault".into(), "Vault".into())] />
                            <TextField label="Path" field=format!("secrets[{i}].path") value=path on_input=on_path errors monospace=true />
                            <TextField label="Key" field=format!("secrets[{i}].key") value=key on_input=on_key errors monospace=true />
                            {remove_button(format!("Remove secret {}", i + 1), move || form.update(|f| { if i < f.secrets.len() { f.secrets.remove(i); } }))}
                        </div>
                    }
                }
            </For>
            {add_button("Add secret", "add-secret", move || form.update(|f| f.secrets.push(SecretRow { from: "variable".into(), ..SecretRow::default() })))}
        </div>
    }
}

#[component]
fn VolumeRows(form: RwSignal<DeployForm>, errors: Signal<Vec<FieldError>>) -> impl IntoView {
    let count = move || form.with(|f| f.volumes.len());
    view! {
        <div class="space-y-2" data-testid="volumes">
            <For each=move || 0..count() key=|i| *i let:i>
                {
                    let (volume, on_volume) = row_text(form, |f| &f.volumes, |f| &mut f.volumes, |r| &r.volume, |r| &mut r.volume, i, format!("volumes[{i}].volume"));
                    let (path, on_path) = row_text(form, |f| &f.volumes, |f| &mut f.volumes, |r| &r.path, |r| &mut r.path, i, format!("volumes[{i}].path"));
                    view! {
                        <div class="grid grid-cols-[1fr_1fr_auto_auto] gap-2">
                            <TextField label=format!("Volume {}", i + 1) field=format!("volumes[{i}].volume") value=volume on_input=on_volume errors />
                            <TextField label="Mount path" field=format!("volumes[{i}].path") value=path on_input=on_path errors monospace=true />
                            <div class="mt-6">
                                <CheckField label="Read-only" field=format!("volumes[{i}].read_only")
                                    value=Signal::derive(move || form.with(|f| f.volumes.get(i).is_some_and(|v| v.read_only)))
                                    on_change=Callback::new(move |v| form.update(|f| { if let Some(row) = f.volumes.get_mut(i) { row.read_only = v; } }))
                                    errors />
                            </div>
                            {remove_button(format!("Remove volume {}", i + 1), move || form.update(|f| { if i < f.volumes.len() { f.volumes.remove(i); } }))}
                        </div>
                    }
                }
            </For>
            {add_button("Add volume", "add-volume", move || form.update(|f| f.volumes.push(VolumeRow::default())))}
        </div>
    }
}

/// Example documents, written for the tenant.
fn example(kind: &str, suffix: &str) -> String {
    match kind {
        "oam" => format!(
            "apiVersion: core.oam.dev/v1beta1\nkind: Application\nmetadata:\n  name: storefront\nspec:\n  components:\n    - name: web\n      type: webservice\n      properties:\n        image: ghcr.io/acme/web:1.4.2\n        ports: [{{port: 8080}}]\n        cpu: \"0.5\"\n        memory: 512Mi\n        readinessProbe: {{httpGet: {{path: /healthz}}}}\n      traits:\n        - type: ingress\n          properties: {{domain: web.{suffix}, http: {{\"/\": 8080}}}}\n        - type: scaler\n          properties: {{replicas: 2, max: 4}}\n"
        ),
        "spec" => format!(
            "{{\n  \"name\": \"web\",\n  \"image\": \"ghcr.io/acme/web:1.4.2\",\n  \"ports\": [{{\"name\": \"http\", \"port\": 8080}}],\n  \"routes\": [{{\"host\": \"web.{suffix}\"}}],\n  \"health\": {{\"type\": \"http\", \"path\": \"/healthz\"}}\n}}\n"
        ),
        _ => format!(
            "services:\n  - name: web\n    type: container\n    source: ghcr.io/acme/web:1.4.2\n    port: 8080\n    domains: [web.{suffix}]\n    health_check: /healthz\n    replicas: 2\n    env:\n      LOG_LEVEL: info\n"
        ),
    }
}

/// Pasting a document.
#[component]
fn FileEditor(
    file: RwSignal<String>,
    form: RwSignal<DeployForm>,
    mode: RwSignal<Mode>,
    suffix: String,
    preview: Signal<Option<CheckOutcome>>,
) -> impl IntoView {
    let tenant_suffix = StoredValue::new(suffix);
    let load = move |kind: &'static str| file.set(tenant_suffix.with_value(|s| example(kind, s)));
    let single_spec = Memo::new(move |_| {
        preview.with(|p| {
            let specs = &p.as_ref()?.specs;
            (specs.len() == 1).then(|| specs[0].clone())
        })
    });
    view! {
        <div class="space-y-2">
            <div class="flex flex-wrap items-center gap-2 text-xs">
                <span class="text-muted">"Examples:"</span>
                {add_button("np.yaml", "example-np-yaml", move || load("np"))}
                {add_button("OAM", "example-oam", move || load("oam"))}
                {add_button("App spec", "example-spec", move || load("spec"))}
            </div>
            <label for="document" class="sr-only">"Document"</label>
            <textarea
                id="document"
                data-testid="document"
                rows="22"
                class="block w-full rounded-md border border-line bg-bg p-3 font-mono text-xs outline-none focus:border-accent focus:ring-2 focus:ring-accent/30"
                placeholder="services:\n  - name: web\n    source: ghcr.io/acme/web:1.4.2\n    port: 8080"
                spellcheck="false"
                prop:value=move || file.get()
                on:input=move |ev| file.set(event_target_value(&ev))
            ></textarea>
            <Show when=move || single_spec.get().is_some()>
                <button type="button" data-testid="edit-in-form"
                    class="rounded-md border border-line px-2 py-1 text-xs hover:bg-hover"
                    on:click=move |_| {
                        if let Some(spec) = single_spec.get_untracked() {
                            form.set(DeployForm::from_spec(&spec));
                            mode.set(Mode::Form);
                        }
                    }>
                    "Edit in the form"
                </button>
            </Show>
        </div>
    }
}

/// The generated job: HCL and JSON tabs, hosts, and every problem.
#[component]
fn JobPreview(preview: Signal<Option<CheckOutcome>>) -> impl IntoView {
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
