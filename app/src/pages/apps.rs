//! `/apps`: the tenant's apps with their health, instances, last deploy and URLs, a page at a time.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::apps::{AppsList, apps_page};
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
        <div class="space-y-6">
            <div class="flex flex-wrap items-end justify-between gap-4">
                <h1 class="text-2xl font-semibold tracking-tight">"Apps"</h1>
                <form method="get" action="/apps" class="flex items-end gap-2">
                    {move || query.read().get("tenant").map(|t| view! { <input type="hidden" name="tenant" value=t /> })}
                    <label class="text-sm">"Name starts with"
                        <input
                            class="mt-1 block rounded-md border border-line bg-bg px-2 py-1.5 text-sm"
                            name="filter"
                            prop:value=move || query.read().get("filter").unwrap_or_default()
                        />
                    </label>
                    <button type="submit" class="rounded-md border border-line px-3 py-1.5 text-sm hover:bg-hover">"Filter"</button>
                </form>
            </div>
            <Transition fallback=|| view! { <p class="text-sm text-muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) => view! { <AppsTable list filter=query.read_untracked().get("filter").unwrap_or_default() /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

#[component]
fn AppsTable(list: AppsList, filter: String) -> impl IntoView {
    let next = list.next_token.clone().map(|token| {
        format!(
            "/apps?tenant={}&filter={}&page={}",
            url_encode(&list.tenant),
            url_encode(&filter),
            url_encode(&token)
        )
    });
    if list.apps.is_empty() {
        return view! {
            <p class="text-muted" data-testid="no-apps">
                "No apps here yet. " <a class="underline" href=format!("/deploy?tenant={}", list.tenant)>"Deploy one"</a>
            </p>
        }
        .into_any();
    }
    view! {
        <table class="w-full text-sm">
            <thead class="text-left text-muted">
                <tr><th>"App"</th><th>"Health"</th><th>"Instances"</th><th>"Last deploy"</th><th>"URLs"</th><th></th></tr>
            </thead>
            <tbody>
                {list.apps.into_iter().map(|a| {
                    let edit = a.last_deploy.is_some().then(|| {
                        let href = format!("/deploy?tenant={}&app={}", url_encode(&list.tenant), url_encode(&a.app));
                        view! { <a class="underline" href=href data-testid="edit">"Edit"</a> }
                    });
                    let health_class = match a.health.as_str() {
                        "healthy" => "text-ok",
                        "failed" | "degraded" | "failing checks" => "text-bad",
                        _ => "text-muted",
                    };
                    view! {
                        <tr class="border-t border-line" data-testid="app-row" data-app=a.app.clone()>
                            <td class="py-2"><a class="font-medium underline" data-testid="app-link" href=format!("/apps/{}?tenant={}", url_encode(&a.app), url_encode(&list.tenant))>{a.app.clone()}</a> <span class="text-xs text-muted">{a.job_id.clone()}</span></td>
                            <td class=format!("py-2 {health_class}") data-testid="health">{a.health.clone()}</td>
                            <td class="py-2" data-testid="instances">{format!("{}/{}", a.running, a.desired)}</td>
                            <td class="py-2 text-muted">{a.last_deploy.clone().unwrap_or_else(|| "—".into())}</td>
                            <td class="py-2">{a.urls.iter().map(|u| view! { <a class="block underline" href=u.clone() rel="external noopener">{u.clone()}</a> }).collect_view()}</td>
                            <td class="py-2 text-right">{edit}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        {next.map(|href| view! { <a class="inline-block rounded-md border border-line px-3 py-1.5 text-sm hover:bg-hover" href=href data-testid="next-page">"Next page"</a> })}
    }
    .into_any()
}
