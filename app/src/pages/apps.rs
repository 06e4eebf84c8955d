//! `/apps`: the tenant's apps with their health, instances, last deploy and URLs, a page at a time, live:
//! an app deployed, scaled or stopped anywhere (the API, the CLI, Nomad itself) shows without a reload.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::apps::{AppsList, apps_page, last_deploy_text};
use crate::components::error_view::ErrorNotice;
use crate::components::url_encode;

/// The apps page. The filter and page live in the address, so a list can be linked and reloaded.
#[component]
pub fn AppsPage() -> impl IntoView {
    let query = use_query_map();
    let list = Resource::new(
        move || {
            let q = query.read();
            (q.get("tenant"), q.get("filter"), q.get("page"))
        },
        |(tenant, filter, page)| apps_page(tenant, filter, page),
    );
    view! {
        <Title text="Apps" />
        <Transition fallback=|| view! { <p class="text-sm text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => {
                        let q = query.read_untracked();
                        view! { <AppsView list filter=q.get("filter").unwrap_or_default() page=q.get("page").unwrap_or_default() /> }.into_any()
                    }
                    Err(error) => view! {
                        <h1 class="text-2xl font-semibold tracking-tight">"Apps"</h1>
                        <ErrorNotice error />
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AppsView(list: AppsList, filter: String, page: String) -> impl IntoView {
    let AppsList {
        tenant,
        can_deploy,
        page: first,
    } = list;
    let live = RwSignal::new(first);
    let connected = RwSignal::new(true);
    let url = format!(
        "/api/v1/tenants/{}/watch/apps?filter={}&next_token={}",
        url_encode(&tenant),
        url_encode(&filter),
        url_encode(&page)
    );
    Effect::new(move |_| {
        crate::live::event_source(
            &url,
            &["apps"],
            move |_, data| {
                if let Ok(page) = serde_json::from_str::<np_spec::ops::AppsPage>(&data) {
                    let _ = live.try_set(page);
                }
            },
            move |open| {
                let _ = connected.try_set(open);
            },
        );
    });
    let tenant = StoredValue::new(tenant);
    let filter = StoredValue::new(filter);
    view! {
        <div class="space-y-6">
            <div class="flex flex-wrap items-end justify-between gap-4">
                <div>
                    <h1 class="text-2xl font-semibold tracking-tight" data-testid="apps-heading">{format!("Apps in {}", tenant.get_value())}</h1>
                    <p class="text-sm text-muted">
                        "As Nomad runs them now, updated live."
                        {move || (!connected.get()).then(|| view! { <span class="ml-2 text-warn">"(reconnecting…)"</span> })}
                    </p>
                </div>
                <form method="get" action="/apps" class="flex flex-wrap items-end gap-2">
                    <input type="hidden" name="tenant" value=tenant.get_value() />
                    <label class="text-sm">"Name starts with"
                        <input
                            class="mt-1 block rounded-md border border-line bg-bg px-2 py-1.5 text-sm"
                            name="filter"
                            value=filter.get_value()
                        />
                    </label>
                    <button type="submit" class="rounded-md border border-line px-3 py-1.5 text-sm hover:bg-hover">"Filter"</button>
                </form>
            </div>
            {move || {
                let page = live.get();
                let tenant = tenant.get_value();
                if page.apps.is_empty() {
                    return view! {
                        <p class="text-muted" data-testid="no-apps">
                            {format!("No apps in {tenant} yet. ")}
                            {can_deploy.then(|| view! { <a class="underline" href=format!("/deploy?tenant={}", url_encode(&tenant))>"Deploy one"</a> })}
                        </p>
                    }.into_any();
                }
                let next = page.next_token.clone().map(|token| {
                    format!(
                        "/apps?tenant={}&filter={}&page={}",
                        url_encode(&tenant),
                        url_encode(&filter.get_value()),
                        url_encode(&token)
                    )
                });
                view! {
                    <div class="table-wrap">
                    <table class="w-full text-sm">
                        <thead class="text-left text-muted">
                            <tr><th>"App"</th><th>"Health"</th><th>"Instances"</th><th class="hidden sm:table-cell">"Last deploy"</th><th>"URLs"</th><th></th></tr>
                        </thead>
                        <tbody>
                            {page.apps.into_iter().map(|a| {
                                let edit = (can_deploy && a.last_deploy.is_some()).then(|| {
                                    let href = format!("/deploy?tenant={}&app={}", url_encode(&tenant), url_encode(&a.app));
                                    view! { <a class="underline" href=href data-testid="edit">"Edit"</a> }
                                });
                                let health_class = match a.health.as_str() {
                                    "healthy" => "text-ok",
                                    "failed" | "degraded" | "failing checks" => "text-bad",
                                    _ => "text-muted",
                                };
                                view! {
                                    <tr class="border-t border-line" data-testid="app-row" data-app=a.app.clone()>
                                        <td class="py-2">
                                            <a class="font-medium underline" data-testid="app-link" href=format!("/apps/{}?tenant={}", url_encode(&a.app), url_encode(&tenant))>{a.app.clone()}</a>
                                            <span class="block text-xs text-muted">{format!("job {}", a.job_id)}</span>
                                        </td>
                                        <td class=format!("py-2 {health_class}") data-testid="health">{a.health.clone()}</td>
                                        <td class="py-2" data-testid="instances">{format!("{}/{}", a.running, a.desired)}</td>
                                        <td class="hidden py-2 text-muted sm:table-cell">{last_deploy_text(&a.last_deploy).unwrap_or_else(|| "—".into())}</td>
                                        <td class="min-w-48 py-2">{a.urls.iter().map(|u| view! { <a class="block underline break-all" href=u.clone() rel="external noopener">{u.clone()}</a> }).collect_view()}</td>
                                        <td class="py-2 text-right">{edit}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                    </div>
                    {next.map(|href| view! { <a class="inline-block rounded-md border border-line px-3 py-1.5 text-sm hover:bg-hover" href=href data-testid="next-page">"Next page"</a> })}
                }.into_any()
            }}
        </div>
    }
}
