//! The app's CPU and memory per instance, charted.

use leptos::prelude::*;
use np_spec::ops::Series;

use super::Page;
use crate::components::error_view::ErrorNotice;
use crate::operate::app_metrics;

/// The metrics tab.
#[component]
pub fn MetricsTab(page: Page) -> impl IntoView {
    let (tenant, app) = (page.tenant.get_value(), page.app.get_value());
    let minutes = RwSignal::new(30u32);
    let metrics = Resource::new(
        move || minutes.get(),
        move |m| app_metrics(Some(tenant.clone()), app.clone(), m),
    );
    view! {
        <div class="space-y-4" data-testid="metrics">
            <label class="text-sm">"Over"
                <select class="ml-1 rounded-md border border-line bg-bg px-2 py-1" on:change=move |e| minutes.set(event_target_value(&e).parse().unwrap_or(30))>
                    <option value="15">"15 minutes"</option>
                    <option value="30" selected>"30 minutes"</option>
                    <option value="180">"3 hours"</option>
                    <option value="1440">"a day"</option>
                </select>
            </label>
            <Transition fallback=|| view! { <p class="text-sm text-muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match metrics.await {
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                        Ok(m) => view! {
                            <p class="text-xs text-muted">{if m.source == "openobserve" { "From OpenObserve's Nomad metrics." } else { "Current usage from Nomad (configure OpenObserve for history)." }}</p>
                            <div class="grid gap-4 lg:grid-cols-2">
                                <Chart title="CPU (% of a core)" series=m.cpu />
                                <Chart title="Memory (MiB)" series=m.memory />
                            </div>
                        }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// A line chart, one line per instance.
#[component]
fn Chart(title: &'static str, series: Vec<Series>) -> impl IntoView {
    let (w, h) = (600.0_f64, 160.0_f64);
    let points = series.iter().flat_map(|s| s.points.iter());
    let (mut t0, mut t1, mut vmax) = (f64::MAX, f64::MIN, 0.0_f64);
    for (t, v) in points {
        t0 = t0.min(*t);
        t1 = t1.max(*t);
        vmax = vmax.max(*v);
    }
    let vmax = if vmax <= 0.0 { 1.0 } else { vmax * 1.1 };
    let span = if t1 > t0 { t1 - t0 } else { 1.0 };
    let lines = series
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let path: Vec<String> = s
                .points
                .iter()
                .map(|(t, v)| format!("{:.1},{:.1}", (t - t0) / span * w, h - v / vmax * h))
                .collect();
            let class = format!("ansi-fg-{}", [4, 2, 5, 6, 3, 1, 12, 10][n % 8]);
            let single = s.points.len() == 1;
            view! {
                <g class=class>
                    {(!single).then(|| view! { <polyline fill="none" stroke="currentColor" stroke-width="1.5" points=path.join(" ") /> })}
                    {single.then(|| {
                        let (t, v) = s.points[0];
                        view! { <circle r="3" fill="currentColor" cx=format!("{:.1}", if span > 1.0 { (t - t0) / span * w } else { w / 2.0 }) cy=format!("{:.1}", h - v / vmax * h) /> }
                    })}
                </g>
            }
        })
        .collect_view();
    let legend = series
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let last = s.points.last().map(|p| p.1).unwrap_or_default();
            view! {
                <li class=format!("ansi-fg-{}", [4, 2, 5, 6, 3, 1, 12, 10][n % 8])>
                    {format!("■ {} — now {last:.1}", s.instance.get(..8).unwrap_or(&s.instance))}
                </li>
            }
        })
        .collect_view();
    view! {
        <figure class="rounded-md border border-line bg-panel p-3" data-testid="chart">
            <figcaption class="text-sm font-medium">{title} <span class="text-xs text-muted">{format!(" (max {:.1})", vmax / 1.1)}</span></figcaption>
            {if series.is_empty() {
                view! { <p class="text-sm text-muted">"No data."</p> }.into_any()
            } else {
                view! {
                    <svg viewBox=format!("0 0 {w} {h}") class="mt-2 h-40 w-full" role="img" aria-label=title preserveAspectRatio="none">
                        <line x1="0" y1=h.to_string() x2=w.to_string() y2=h.to_string() stroke="currentColor" class="text-line" />
                        {lines}
                    </svg>
                }.into_any()
            }}
            <ul class="mt-2 flex flex-wrap gap-3 text-xs">{legend}</ul>
        </figure>
    }
}
