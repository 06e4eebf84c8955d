//! `/tenant`: the tenant's settings, members and API tokens (managed by its admins, visible to its members);
//! `/tenants`: every tenant, and creating one (platform admins).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::AppError;
use crate::components::error_view::ErrorNotice;
use crate::tenancy::{
    AddMember, CreateTenant, CreateToken, RemoveInvite, RemoveMember, RenameTenant, RevokeToken,
    SavePlatformSettings, TenantPage, all_tenants, get_tenant_page,
};

mod settings;
use settings::{Name, PlatformSettings};

pub(super) const INPUT: &str =
    "mt-1 w-full rounded-md border border-line bg-bg px-2 py-1.5 text-sm";
pub(super) const BUTTON: &str = "rounded-md bg-accent px-3 py-1.5 text-sm text-on-accent";
const SMALL_BUTTON: &str = "rounded-md border border-line px-2 py-1 text-xs hover:bg-hover";

/// Shows an action's outcome: its error, or `done` once it succeeded.
pub(super) fn outcome<T: 'static>(
    value: impl Fn() -> Option<Result<T, AppError>> + Send + Sync + 'static,
    done: &'static str,
) -> impl IntoView {
    move || match value() {
        Some(Err(error)) => Some(view! { <ErrorNotice error /> }.into_any()),
        Some(Ok(_)) => {
            Some(view! { <p role="status" class="text-sm text-ok">{done}</p> }.into_any())
        }
        None => None,
    }
}

/// The tenant page.
#[component]
pub fn TenantSettingsPage() -> impl IntoView {
    let query = use_query_map();
    let rename = ServerAction::<RenameTenant>::new();
    let save = ServerAction::<SavePlatformSettings>::new();
    let add = ServerAction::<AddMember>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let withdraw = ServerAction::<RemoveInvite>::new();
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let page = Resource::new(
        move || {
            (
                query.read().get("tenant"),
                rename.version().get(),
                save.version().get(),
                add.version().get(),
                remove.version().get(),
                withdraw.version().get(),
                create.version().get(),
                revoke.version().get(),
            )
        },
        |(tenant, ..)| get_tenant_page(tenant),
    );
    let actions = Actions {
        rename,
        save,
        add,
        remove,
        withdraw,
        create,
        revoke,
    };
    view! {
        <Title text="Tenant" />
        <Transition fallback=|| view! { <p class="text-sm text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => view! { <TenantView page=p actions /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct Actions {
    rename: ServerAction<RenameTenant>,
    save: ServerAction<SavePlatformSettings>,
    add: ServerAction<AddMember>,
    remove: ServerAction<RemoveMember>,
    withdraw: ServerAction<RemoveInvite>,
    create: ServerAction<CreateToken>,
    revoke: ServerAction<RevokeToken>,
}

#[component]
fn TenantView(page: TenantPage, actions: Actions) -> impl IntoView {
    let slug = page.slug.clone();
    let state_class = match page.namespace_state.as_str() {
        "ready" => "text-ok",
        "failed" => "text-bad",
        _ => "text-muted",
    };
    view! {
        <div class="space-y-8">
            <section>
                <h1 class="text-2xl font-semibold tracking-tight" data-testid="tenant-name">{page.display_name.clone()}</h1>
                <p class="mt-1 text-sm text-muted">
                    "Tenant " <code>{page.slug.clone()}</code> " · Nomad namespace " <code>{page.namespace.clone()}</code>
                    " (" <span class=state_class data-testid="namespace-state">{page.namespace_state.clone()}</span> ")"
                    " · your role: " <span data-testid="your-role">{page.your_role.clone()}</span>
                </p>
                {page.namespace_error.clone().map(|e| view! { <p class="mt-2 text-sm text-bad">{e}</p> })}
            </section>
            {page.can_manage.then(|| view! { <Name page=page.clone() action=actions.rename /> })}
            <PlatformSettings page=page.clone() action=actions.save />
            <Members page=page.clone() actions />
            {page.can_manage.then(|| view! { <Tokens tokens=page.tokens.clone() slug=slug.clone() actions /> })}
        </div>
    }
}

#[component]
fn Members(page: TenantPage, actions: Actions) -> impl IntoView {
    let slug = page.slug.clone();
    let manage = page.can_manage;
    let rows = page
        .members
        .clone()
        .into_iter()
        .map(|m| {
            let slug = slug.clone();
            let remove = manage.then(|| {
                view! {
                    <ActionForm action=actions.remove>
                        <input type="hidden" name="tenant" value=slug.clone() />
                        <input type="hidden" name="user_id" value=m.user_id.clone() />
                        <button type="submit" class=SMALL_BUTTON>"Remove"</button>
                    </ActionForm>
                }
            });
            view! {
                <tr class="border-t border-line" data-testid="member">
                    <td class="py-2">{m.name.clone()}</td>
                    <td class="py-2 text-muted">{m.email.clone()}</td>
                    <td class="py-2">{m.role.clone()}</td>
                    <td class="py-2 text-muted">{if m.source == "oidc" { "from your groups" } else { "added by an admin" }}</td>
                    <td class="py-2 text-right">{remove}</td>
                </tr>
            }
        })
        .collect_view();
    let invites = page
        .invites
        .clone()
        .into_iter()
        .map(|i| {
            let slug = slug.clone();
            view! {
                <li class="flex items-center justify-between py-1" data-testid="invite">
                    <span>{i.who.clone()} " — " {i.role.clone()} " (not signed in yet)"</span>
                    <ActionForm action=actions.withdraw>
                        <input type="hidden" name="tenant" value=slug.clone() />
                        <input type="hidden" name="invite_id" value=i.id.clone() />
                        <button type="submit" class=SMALL_BUTTON>"Withdraw"</button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="members" class="rounded-lg border border-line bg-panel p-4">
            <h2 id="members" class="font-medium">"Members"</h2>
            <div class="table-wrap">
            <table class="mt-3 w-full text-sm">
                <thead class="text-left text-muted"><tr><th>"Name"</th><th>"E-mail"</th><th>"Role"</th><th>"How"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            </div>
            <ul class="mt-3 text-sm">{invites}</ul>
            {manage.then(|| view! {
                <ActionForm action=actions.add attr:class="mt-4 flex flex-wrap items-end gap-3">
                    <input type="hidden" name="tenant" value=slug.clone() />
                    <label class="text-sm">"E-mail or subject"
                        <input class=INPUT name="member" required placeholder="someone@example.com" />
                    </label>
                    <label class="text-sm">"Role"
                        <select class=INPUT name="role">
                            <option value="developer">"developer"</option>
                            <option value="admin">"admin"</option>
                            <option value="auditor">"auditor"</option>
                        </select>
                    </label>
                    <button type="submit" class=BUTTON>"Add member"</button>
                    {move || match actions.add.value().get() {
                        Some(Ok(true)) => Some(view! { <p role="status" class="text-sm text-ok">"Added."</p> }.into_any()),
                        Some(Ok(false)) => Some(view! { <p role="status" class="text-sm text-ok">"Invited: they join at their first sign-in."</p> }.into_any()),
                        Some(Err(error)) => Some(view! { <ErrorNotice error /> }.into_any()),
                        None => None,
                    }}
                </ActionForm>
            })}
            {outcome(move || actions.remove.value().get(), "Removed.")}
        </section>
    }
}

#[component]
fn Tokens(tokens: Vec<crate::tenancy::TokenView>, slug: String, actions: Actions) -> impl IntoView {
    let rows = tokens
        .into_iter()
        .map(|t| {
            let slug = slug.clone();
            let revoke = (!t.revoked).then(|| {
                view! {
                    <ActionForm action=actions.revoke>
                        <input type="hidden" name="tenant" value=slug.clone() />
                        <input type="hidden" name="token_id" value=t.id.clone() />
                        <button type="submit" class=SMALL_BUTTON>"Revoke"</button>
                    </ActionForm>
                }
            });
            view! {
                <tr class="border-t border-line" data-testid="token" data-name=t.name.clone()>
                    <td class="py-2">{t.name.clone()}</td>
                    <td class="py-2"><code>{t.prefix.clone()} "…"</code></td>
                    <td class="py-2">{t.role.clone()}</td>
                    <td class="py-2 text-muted">
                        {t.created_by.clone()}
                        {t.suspended.then(|| view! {
                            <span class="ml-1 text-warn" data-testid="token-suspended" title="A token works while its creator is enabled and an admin of the tenant.">"(suspended: its creator is disabled or no longer an admin here)"</span>
                        })}
                    </td>
                    <td class="py-2 text-muted">{t.expires_at.clone()}</td>
                    <td class="py-2 text-muted">{t.last_used_at.clone()}</td>
                    <td class="py-2 text-right">{if t.revoked { view! { <span class="text-bad">"revoked"</span> }.into_any() } else { revoke.into_any() }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="tokens" class="rounded-lg border border-line bg-panel p-4">
            <h2 id="tokens" class="font-medium">"API tokens"</h2>
            <p class="mt-1 text-sm text-muted">
                "For pipelines: " <code>"np deploy"</code> " and the REST API (" <a class="underline" href="/api/v1/openapi.json" rel="external">"OpenAPI"</a> "). A token acts in this tenant only, with its role."
            </p>
            <ActionForm action=actions.create attr:class="mt-4 flex flex-wrap items-end gap-3">
                <input type="hidden" name="tenant" value=slug.clone() />
                <label class="text-sm">"Name"<input class=INPUT name="name" required placeholder="github-actions" /></label>
                <label class="text-sm">"Role"
                    <select class=INPUT name="role">
                        <option value="developer">"developer"</option>
                        <option value="auditor">"auditor"</option>
                        <option value="admin">"admin"</option>
                    </select>
                </label>
                <label class="text-sm">"Expires in (days)"<input class=INPUT name="days" value="90" inputmode="numeric" /></label>
                <button type="submit" class=BUTTON>"Create token"</button>
            </ActionForm>
            {move || match actions.create.value().get() {
                Some(Ok(made)) => Some(view! {
                    <div role="status" class="mt-3 rounded-md border border-ok/40 bg-ok/10 p-3 text-sm">
                        <p>"Token " <strong>{made.name.clone()}</strong> " created. Copy it now: it is not shown again."</p>
                        <code class="mt-2 block break-all" data-testid="new-token">{made.secret.clone()}</code>
                    </div>
                }.into_any()),
                Some(Err(error)) => Some(view! { <div class="mt-3"><ErrorNotice error /></div> }.into_any()),
                None => None,
            }}
            <div class="table-wrap">
            <table class="mt-4 w-full text-sm">
                <thead class="text-left text-muted"><tr><th>"Name"</th><th>"Token"</th><th>"Role"</th><th>"Made by"</th><th>"Expires"</th><th>"Last used"</th><th></th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
            </div>
        </section>
    }
}

/// `/tenants`: every tenant, and a form to create one.
#[component]
pub fn TenantsPage() -> impl IntoView {
    let create = ServerAction::<CreateTenant>::new();
    let list = Resource::new(move || create.version().get(), |_| all_tenants());
    view! {
        <Title text="Tenants" />
        <div class="space-y-6">
            <h1 class="text-2xl font-semibold tracking-tight">"Tenants"</h1>
            <Transition fallback=|| view! { <p class="text-sm text-muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(rows) => view! {
                            <div class="table-wrap">
                            <table class="w-full text-sm">
                                <thead class="text-left text-muted"><tr><th>"Tenant"</th><th>"Name"</th><th>"Nomad namespace"</th></tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|t| view! {
                                        <tr class="border-t border-line" data-testid="tenant-row">
                                            <td class="py-2"><a class="underline" href=format!("/tenant?tenant={}", t.slug)>{t.slug.clone()}</a></td>
                                            <td class="py-2">{t.name.clone()}</td>
                                            <td class="py-2">{t.namespace_state.clone()} {t.namespace_error.clone().map(|e| format!(": {e}"))}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            </div>
                            <section aria-labelledby="new-tenant" class="rounded-lg border border-line bg-panel p-4">
                                <h2 id="new-tenant" class="font-medium">"New tenant"</h2>
                                <ActionForm action=create attr:class="mt-3 flex flex-wrap items-end gap-3">
                                    <label class="text-sm">"Short name"<input class=INPUT name="slug" required placeholder="acme" /></label>
                                    <label class="text-sm">"Display name"<input class=INPUT name="display_name" required placeholder="Acme" /></label>
                                    <button type="submit" class=BUTTON>"Create tenant"</button>
                                </ActionForm>
                                {outcome(move || create.value().get(), "Created, with its Nomad namespace.")}
                            </section>
                        }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}
