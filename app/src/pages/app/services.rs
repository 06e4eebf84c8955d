//! The app's services as Consul sees them (instances, checks) and the routes Traefik serves from them.

use leptos::prelude::*;

use super::Page;
use crate::components::error_view::ErrorNotice;
use crate::operate::app_services;

/// The services tab.
#[component]
pub fn ServicesTab(page: Page) -> impl IntoView {
    let (tenant, app) = (page.tenant.get_value(), page.app.get_value());
    let services = Resource::new(
        || (),
        move |_| app_services(Some(tenant.clone()), app.clone()),
    );
    view! {
        <Transition fallback=|| view! { <p class="text-sm text-muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match services.await {
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    Ok(view) => view! {
                        <div class="space-y-4" data-testid="services">
                            <section>
                                <h2 class="font-medium">"Routes (Traefik)"</h2>
                                {if view.routes.is_empty() { view! { <p class="text-sm text-muted">"No routes."</p> }.into_any() } else {
                                    view! {
                                        <ul class="text-sm">
                                            {view.routes.into_iter().map(|r| view! {
                                                <li data-testid="route">
                                                    <a class="underline" href=r.url.clone() rel="external noopener">{r.url.clone()}</a>
                                                    <code class="ml-2 text-xs text-muted break-all">{r.rule}</code>
                                                    {r.canary.then_some(" (canary)")}
                                                </li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                            {view.services.into_iter().map(|s| view! {
                                <section>
                                    <h2 class="font-medium">"Service " <code>{s.name.clone()}</code></h2>
                                    <div class="table-wrap"><table class="w-full text-sm">
                                        <thead class="text-left text-muted"><tr><th>"Instance"</th><th>"Node"</th><th>"Address"</th><th>"Status"</th><th>"Checks"</th></tr></thead>
                                        <tbody>
                                            {s.instances.into_iter().map(|i| {
                                                let class = match i.status.as_str() { "passing" => "text-ok", "warning" => "text-warn", _ => "text-bad" };
                                                view! {
                                                    <tr class="border-t border-line align-top" data-testid="service-instance">
                                                        <td class="py-1"><code class="text-xs" title=i.id.clone()>{i.id.strip_prefix("_nomad-task-").map_or_else(|| i.id.clone(), |rest| rest.chars().take(8).collect())}</code></td>
                                                        <td class="py-1">{i.node.clone()}</td>
                                                        <td class="py-1">{i.address.clone()}</td>
                                                        <td class=format!("py-1 {class}")>{i.status.clone()}</td>
                                                        <td class="py-1 text-xs">
                                                            {i.checks.into_iter().map(|c| {
                                                                let output = c.output.trim().to_owned();
                                                                view! {
                                                                    <div data-testid="check">
                                                                        {format!("{}: {}", c.name, c.status)}
                                                                        {(!output.is_empty()).then(|| view! { <span class="text-muted">{format!(" — {output}")}</span> })}
                                                                    </div>
                                                                }
                                                            }).collect_view()}
                                                        </td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table></div>
                                </section>
                            }).collect_view()}
                        </div>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
