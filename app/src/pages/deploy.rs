//! The deploy page: describe an app with the form or paste an np.yaml, OAM Application or app spec, and see
//! the Nomad job it becomes (HCL and JSON) as you type. The form's preview is generated in the browser by the
//! same code the server runs, with no request; a pasted document is parsed by the server (the YAML parsers
//! stay out of the browser's download) a moment after typing stops. "Check on server" sends the description
//! for the server to parse, validate and generate again, and shows its verdict.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_meta::Title;
use np_spec::FieldError;
use np_spec::form::{DeployForm, RouteRow};
use np_spec::parse::Format;
use np_spec::tenant::TenantContext;

use crate::components::error_view::ErrorNotice;
use crate::deploy::{
    CheckApp, CheckOutcome, CheckedJob, DeployApp, LoadedApp, PlanApp, check_app,
    get_deploy_context, load_app,
};

mod file;
mod form;
mod preview;
mod results;
mod rows;

use file::FileEditor;
use form::FormEditor;
use preview::JobPreview;
use results::{DeployResult, PlanResult, ServerVerdict};

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
    let based_on = StoredValue::new(initial.as_ref().and_then(|l| l.deploy_id.clone()));
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
                // The page may have been left meanwhile: its signals are gone then, and so is the check.
                if edits.try_get_value() == Some(this_edit) {
                    let _ = settled.try_set(text);
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

    let note = initial.as_ref().and_then(|l| l.note.clone());
    let editing = initial.as_ref().map(|l| l.spec.name.to_string());
    view! {
        <p class="text-sm" data-testid="deploy-tenant">
            {match editing {
                Some(app) => format!("Editing {app} in tenant {}, as Nomad runs it now.", slug.get_value()),
                None => format!("Deploying to tenant {}.", slug.get_value()),
            }}
        </p>
        {note.map(|n| view! { <p class="rounded-md border border-warn/40 bg-warn/10 p-3 text-sm" data-testid="edit-note">{n}</p> })}
        <div class="grid gap-6 lg:grid-cols-2">
            <div class="min-w-0 space-y-4">
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
