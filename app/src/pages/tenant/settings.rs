//! The tenant page's settings: its name (the tenant's own, changed by its admins) and the platform-owned
//! settings (host suffix, node pool, budget, volumes, registries), which only platform admins change and
//! everyone else reads.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::{BUTTON, INPUT, outcome};
use crate::tenancy::{RenameTenant, SavePlatformSettings, TenantPage};

/// The tenant's name, for its admins to change.
#[component]
pub(super) fn Name(page: TenantPage, action: ServerAction<RenameTenant>) -> impl IntoView {
    view! {
        <section aria-labelledby="name" class="rounded-lg border border-line bg-panel p-4">
            <h2 id="name" class="font-medium">"Tenant name"</h2>
            <ActionForm action=action attr:class="mt-3 flex flex-wrap items-end gap-3">
                <input type="hidden" name="tenant" value=page.slug.clone() />
                <label class="block text-sm grow">
                    <span class="font-medium">"Display name"</span>
                    <input class=INPUT name="display_name" value=page.display_name.clone() required maxlength="100" />
                </label>
                <button type="submit" class=BUTTON>"Rename"</button>
                {outcome(move || action.value().get(), "Renamed.")}
            </ActionForm>
        </section>
    }
}

/// The platform-owned settings: a form for platform admins, read-only for everyone else.
#[component]
pub(super) fn PlatformSettings(
    page: TenantPage,
    action: ServerAction<SavePlatformSettings>,
) -> impl IntoView {
    let s = page.settings.clone();
    let editable = page.can_set_platform;
    let field = move |label: &'static str,
                      name: &'static str,
                      value: String,
                      hint: &'static str| {
        view! {
            <label class="block text-sm">
                <span class="font-medium">{label}</span>
                <input class=INPUT name=name value=value readonly=!editable aria-readonly=(!editable).to_string() />
                <span class="text-xs text-muted">{hint}</span>
            </label>
        }
    };
    view! {
        <section aria-labelledby="settings" class="rounded-lg border border-line bg-panel p-4">
            <h2 id="settings" class="font-medium">"Platform settings"</h2>
            <p class="mt-1 text-sm text-muted">
                "Apps' host names end with " <code data-testid="effective-suffix">{s.effective_suffix.clone()}</code> ". "
                {if editable {
                    "These belong to the platform: only platform admins change them."
                } else {
                    "These belong to the platform: ask a platform admin to change them."
                }}
            </p>
            <ActionForm action=action attr:class="mt-4 grid gap-4 sm:grid-cols-2">
                <input type="hidden" name="tenant" value=page.slug.clone() />
                {field("Host-name suffix", "host_suffix", s.host_suffix.clone(), "Empty: <tenant>.<apps domain>")}
                {field("Node pool", "node_pool", s.node_pool.clone(), "")}
                {field("CPU budget (MHz)", "budget_cpu", s.budget_cpu.clone(), "Across all apps at their maximum scale")}
                {field("Memory budget (MB)", "budget_memory", s.budget_memory.clone(), "")}
                {field("Instances", "budget_instances", s.budget_instances.clone(), "")}
                {field("Allowed host volumes", "allowed_volumes", s.allowed_volumes.clone(), "Comma-separated")}
                {field("Allowed registries", "allowed_registries", s.allowed_registries.clone(), "Comma-separated; empty allows any")}
                {editable.then(|| view! {
                    <div class="sm:col-span-2 flex items-center gap-3">
                        <button type="submit" class=BUTTON>"Save platform settings"</button>
                        {outcome(move || action.value().get(), "Saved.")}
                    </div>
                })}
            </ActionForm>
        </section>
    }
}
