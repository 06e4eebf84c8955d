//! The app's instances (Nomad allocations) with their task events, logs and restart.

use leptos::prelude::*;
use np_spec::ops::InstanceView;

use super::Page;
use crate::operate::{Operation, Restart};

/// The instances table.
#[component]
pub fn Instances(
    page: Page,
    can_operate: bool,
    can_read_logs: bool,
    on_logs: Callback<String>,
) -> impl IntoView {
    move || {
        let instances = page.live.with(|l| l.instances.clone());
        if instances.is_empty() {
            return view! { <p class="text-sm text-muted">"No instances."</p> }.into_any();
        }
        view! {
            <div class="table-wrap">
            <table class="w-full text-sm">
                <thead class="text-left text-muted">
                    <tr><th>"Instance"</th><th>"Node"</th><th>"Job version"</th><th>"Status"</th><th>"Health"</th><th>"Restarts"</th><th></th></tr>
                </thead>
                <tbody>
                    {instances.into_iter().map(|i| instance_row(i, can_operate, can_read_logs, page, on_logs)).collect_view()}
                </tbody>
            </table>
            </div>
        }
        .into_any()
    }
}

fn instance_row(
    i: InstanceView,
    can_operate: bool,
    can_read_logs: bool,
    page: Page,
    on_logs: Callback<String>,
) -> impl IntoView {
    let health = match i.healthy {
        Some(true) => "healthy",
        Some(false) => "unhealthy",
        None => "—",
    };
    let id = i.id.clone();
    let id2 = i.id.clone();
    let live = i.is_live();
    view! {
        <tr class="border-t border-line align-top" data-testid="instance" data-status=i.client_status.clone()>
            <td class="py-2">
                <code>{i.short().to_owned()}</code>
                {i.canary.then(|| view! { <span class="ml-1 rounded bg-warn/20 px-1 text-xs">"canary"</span> })}
                <details class="mt-1">
                    <summary class="cursor-pointer text-xs text-muted">{format!("{} events", i.events.len())}</summary>
                    <ul class="mt-1 space-y-0.5 text-xs">
                        {i.events.iter().map(|e| view! {
                            <li><span class="text-muted">{format_ms(e.time_ms)}</span> " " <strong>{e.kind.clone()}</strong> " " {e.message.clone()}</li>
                        }).collect_view()}
                    </ul>
                </details>
            </td>
            <td class="py-2 whitespace-nowrap">{i.node.clone()}</td>
            <td class="py-2">{i.version}</td>
            <td class="py-2 whitespace-nowrap">{format!("{} ({})", i.client_status, i.desired_status)}</td>
            <td class="py-2">{health}</td>
            <td class="py-2">{i.restarts}</td>
            <td class="py-2 text-right whitespace-nowrap">
                {(can_read_logs).then(|| view! {
                    <button type="button" class="underline" on:click=move |_| on_logs.run(id.clone())>"Logs"</button>
                })}
                {(can_operate && live).then(|| view! {
                    <button type="button" class="ml-2 underline" data-testid="restart-one"
                        on:click=move |_| page.run(Operation::Restart(Restart::One(id2.clone())))>"Restart"</button>
                })}
            </td>
        </tr>
    }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of Unix milliseconds.
pub fn format_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_civil_utc() {
        assert_eq!(format_ms(0), "1970-01-01 00:00:00");
        assert_eq!(format_ms(1_795_000_000_123), "2026-11-18 11:06:40");
        assert_eq!(format_ms(951_782_400_000), "2000-02-29 00:00:00");
    }
}
