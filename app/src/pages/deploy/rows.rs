//! The form's lists (ports, routes, environment, secrets, volumes): one row per item, with add and remove.

use leptos::prelude::*;
use np_spec::FieldError;
use np_spec::form::{DeployForm, EnvRow, PortRow, RouteRow, SecretRow, VolumeRow};

use super::Visibility;
use crate::components::fields::{CheckField, FieldMessages, SelectField, TextField};

#[component]
pub(super) fn Section(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <fieldset class="space-y-4 rounded-lg border border-line bg-panel p-4">
            <legend class="px-1 text-sm font-semibold">{title}</legend>
            {children()}
        </fieldset>
    }
}

/// Buttons and layout shared by the repeated rows.
pub(super) fn add_button(
    label: &'static str,
    testid: &'static str,
    on: impl Fn() + 'static,
) -> impl IntoView {
    view! {
        <button type="button" data-testid=testid
            class="rounded-md border border-line px-2 py-1 text-xs hover:bg-hover"
            on:click=move |_| on()>
            {label}
        </button>
    }
}

pub(super) fn remove_button(label: String, on: impl Fn() + 'static) -> impl IntoView {
    view! {
        <button type="button" aria-label=label
            class="mt-6 rounded-md px-2 py-1 text-muted hover:bg-hover hover:text-bad"
            on:click=move |_| on()>
            "×"
        </button>
    }
}

/// A row field editing `rows[i].<part>` in the form.
pub(super) fn row_text<T: 'static>(
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
pub(super) fn PortRows(
    form: RwSignal<DeployForm>,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
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
pub(super) fn RouteRows(
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
pub(super) fn EnvRows(
    form: RwSignal<DeployForm>,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
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
pub(super) fn SecretRows(
    form: RwSignal<DeployForm>,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
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
pub(super) fn VolumeRows(
    form: RwSignal<DeployForm>,
    errors: Signal<Vec<FieldError>>,
) -> impl IntoView {
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
