//! An app's CPU and memory per instance: from OpenObserve's Nomad metrics, or Nomad's current usage.

use std::collections::BTreeMap;

use np_spec::ops::{Metrics, Series};

use super::nomad_error;
use crate::apps::{open_app, query};
use crate::authz::{Action, Caller};
use crate::{DomainError, Services};

/// CPU and memory of `app`'s instances over the last `minutes`: from OpenObserve's Nomad metrics when it is
/// configured, otherwise each running instance's current usage from Nomad.
///
/// # Errors
/// Authorization and upstream errors.
pub async fn metrics(
    services: &Services,
    caller: &Caller,
    tenant: &str,
    app: &str,
    minutes: u32,
) -> Result<Metrics, DomainError> {
    let (tenant, nomad, job_id) = open_app(services, caller, tenant, app, Action::View).await?;
    let minutes = f64::from(minutes.clamp(5, 24 * 60));
    if let Some(o2) = &services.upstreams.openobserve {
        let end = time::OffsetDateTime::now_utc().unix_timestamp() as f64;
        let start = end - minutes * 60.0;
        let step = (minutes * 60.0 / 120.0).max(5.0);
        let labels = [
            ("namespace", tenant.nomad_namespace.as_str()),
            ("job", job_id.as_str()),
        ];
        let read = |metric: &'static str, scale: f64| {
            let promql = np_openobserve::query::prom_selector(metric, &labels);
            async move {
                let series = o2
                    .query_range(&promql, start, end, step)
                    .await
                    .map_err(|e| DomainError::upstream("openobserve", e))?;
                let mut by_alloc: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
                for s in series {
                    let alloc = s
                        .metric
                        .get("alloc_id")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                        .to_owned();
                    let points = by_alloc.entry(alloc).or_default();
                    for (t, v) in s.points() {
                        match points.iter_mut().find(|(pt, _)| *pt == t) {
                            Some(p) => p.1 += v / scale,
                            None => points.push((t, v / scale)),
                        }
                    }
                }
                Ok::<_, DomainError>(
                    by_alloc
                        .into_iter()
                        .map(|(instance, mut points)| {
                            points.sort_by(|a, b| a.0.total_cmp(&b.0));
                            Series { instance, points }
                        })
                        .collect::<Vec<_>>(),
                )
            }
        };
        let (cpu, memory) = tokio::try_join!(
            read("nomad_client_allocs_cpu_total_percent", 1.0),
            read("nomad_client_allocs_memory_usage", 1024.0 * 1024.0),
        )?;
        return Ok(Metrics {
            source: "openobserve".into(),
            cpu,
            memory,
        });
    }
    let (allocs, _) = nomad
        .jobs()
        .allocations(&job_id, false, &query(&tenant))
        .await
        .map_err(nomad_error)?;
    let mut metrics = Metrics {
        source: "nomad".into(),
        ..Metrics::default()
    };
    for a in allocs
        .iter()
        .filter(|a| a.client_status == "running" && a.namespace == tenant.nomad_namespace)
    {
        let Ok(stats) = nomad.allocations().stats(&a.id, &query(&tenant)).await else {
            continue;
        };
        let t = stats.timestamp as f64 / 1e9;
        let usage = &stats.resource_usage;
        metrics.cpu.push(Series {
            instance: a.id.clone(),
            points: vec![(t, usage.cpu_stats.percent)],
        });
        metrics.memory.push(Series {
            instance: a.id.clone(),
            points: vec![(t, usage.memory_stats.rss as f64 / (1024.0 * 1024.0))],
        });
    }
    Ok(metrics)
}
