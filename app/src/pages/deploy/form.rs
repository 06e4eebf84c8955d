//! The deploy form: every field of an app spec, with its errors next to it.

use leptos::prelude::*;
use np_spec::FieldError;
use np_spec::form::DeployForm;
use np_spec::spec::SizePreset;

use super::Visibility;
use super::rows::{EnvRows, PortRows, RouteRows, SecretRows, Section, VolumeRows};
use crate::components::fields::{CheckField, FieldMessages, SelectField, TextArea, TextField};

/// The form.
#[component]
pub(super) fn FormEditor(
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
