//! The document editor: paste, pick or drop an np.yaml, OAM Application or app spec, or start from an example.

use leptos::prelude::*;
use np_spec::form::DeployForm;

use super::Mode;
use super::rows::add_button;
use crate::deploy::CheckOutcome;

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
pub(super) fn FileEditor(
    file: RwSignal<String>,
    form: RwSignal<DeployForm>,
    mode: RwSignal<Mode>,
    suffix: String,
    preview: Signal<Option<CheckOutcome>>,
) -> impl IntoView {
    let tenant_suffix = StoredValue::new(suffix);
    let load = move |kind: &'static str| file.set(tenant_suffix.with_value(|s| example(kind, s)));
    // A picked or dropped file replaces the document.
    let picked = RwSignal::new(None::<Result<String, String>>);
    let over = RwSignal::new(false);
    let loaded = move |read: Result<(String, String), String>| match read {
        Ok((name, text)) => {
            let _ = file.try_set(text);
            let _ = picked.try_set(Some(Ok(name)));
        }
        Err(why) => {
            let _ = picked.try_set(Some(Err(why)));
        }
    };
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
            <div class="flex flex-wrap items-center gap-2 text-xs">
                <label class="cursor-pointer rounded-md border border-line px-2 py-1 hover:bg-hover">
                    "Choose a file…"
                    <input type="file" class="sr-only" data-testid="document-file" accept=".yaml,.yml,.json,text/yaml,application/json"
                        on:change=move |ev| crate::files::picked(&ev, loaded) />
                </label>
                <span class="text-muted">"or drop one on the editor."</span>
                {move || picked.get().map(|p| match p {
                    Ok(name) => view! { <span class="text-ok" data-testid="document-file-name">{format!("Read {name}.")}</span> }.into_any(),
                    Err(why) => view! { <span class="text-bad" data-testid="document-file-error">{why}</span> }.into_any(),
                })}
            </div>
            <label for="document" class="sr-only">"Document"</label>
            <textarea
                id="document"
                data-testid="document"
                rows="22"
                class="block w-full rounded-md border border-line bg-bg p-3 font-mono text-xs outline-none focus:border-accent focus:ring-2 focus:ring-accent/30 data-[over=true]:border-accent data-[over=true]:ring-2"
                placeholder="services:\n  - name: web\n    source: ghcr.io/acme/web:1.4.2\n    port: 8080"
                spellcheck="false"
                data-over=move || over.get().to_string()
                prop:value=move || file.get()
                on:input=move |ev| file.set(event_target_value(&ev))
                on:dragover=move |ev| { ev.prevent_default(); over.set(true); }
                on:dragleave=move |_| over.set(false)
                on:drop=move |ev| { ev.prevent_default(); over.set(false); crate::files::dropped(&ev, loaded); }
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
