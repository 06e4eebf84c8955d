//! Feasibility: which nodes may run a group (node pool, datacenters) and which of them has room for it, with
//! the AllocationMetric Nomad reports for a placement, failed or not (`scheduler/feasible/feasible.go`,
//! `scheduler/feasible/rank.go`).

use std::collections::BTreeMap;

use np_nomad::types::{AllocationMetric, Job, TaskGroup};

use crate::state::Cluster;

/// Reserved CPU and memory of one allocation of `group`.
pub(crate) fn group_resources(group: &TaskGroup) -> (i64, i64) {
    group
        .tasks
        .iter()
        .flatten()
        .fold((0, 0), |(cpu, mem), task| {
            let r = task.resources.clone().unwrap_or_default();
            (cpu + r.cpu.unwrap_or(100), mem + r.memory_mb.unwrap_or(300))
        })
}

fn eligible(cluster: &Cluster, job: &Job, node: usize) -> bool {
    let node = &cluster.nodes[node];
    let pool = job.node_pool.as_deref().unwrap_or("default");
    let dcs = job.datacenters.clone().unwrap_or_default();
    (pool == "all" || node.pool == pool)
        && (dcs.is_empty() || dcs.iter().any(|dc| dc == "*" || *dc == node.datacenter))
}

fn used(cluster: &Cluster, node: usize, extra: &[(usize, i64, i64)]) -> (i64, i64) {
    let (mut cpu, mut mem) = cluster
        .allocs
        .values()
        .filter(|a| a.node == node && !a.is_terminal() && a.wants_to_run())
        .fold((0, 0), |(c, m), a| (c + a.cpu, m + a.memory));
    for (n, c, m) in extra {
        if *n == node {
            cpu += c;
            mem += m;
        }
    }
    (cpu, mem)
}

/// Picks the eligible node with the most free memory that fits `group`, or explains why none does.
pub(crate) fn pick_node(
    cluster: &Cluster,
    job: &Job,
    group: &TaskGroup,
    extra: &[(usize, i64, i64)],
) -> Result<(usize, AllocationMetric), Box<AllocationMetric>> {
    let started = std::time::Instant::now();
    let (cpu, mem) = group_resources(group);
    let candidates: Vec<usize> = (0..cluster.nodes.len())
        .filter(|&n| eligible(cluster, job, n))
        .collect();
    let mut best: Option<(usize, i64)> = None;
    let mut dimensions: BTreeMap<String, i64> = BTreeMap::new();
    for &node in &candidates {
        let (used_cpu, used_mem) = used(cluster, node, extra);
        let free_mem = if cluster.faults.exhaust_memory {
            0
        } else {
            cluster.nodes[node].memory - used_mem
        };
        let free_cpu = cluster.nodes[node].cpu - used_cpu;
        if free_mem < mem {
            *dimensions.entry("memory".into()).or_default() += 1;
        } else if free_cpu < cpu {
            *dimensions.entry("cpu".into()).or_default() += 1;
        } else if best.is_none_or(|(_, b)| free_mem > b) {
            best = Some((node, free_mem));
        }
    }
    let mut available = BTreeMap::new();
    for &node in &candidates {
        *available
            .entry(cluster.nodes[node].datacenter.clone())
            .or_insert(0) += 1;
    }
    let pool = job.node_pool.as_deref().unwrap_or("default");
    let exhausted = dimensions.values().sum::<i64>();
    // The scheduler's account of the placement, kept on the allocation as on a failure (`AllocMetric` in
    // `nomad/structs/structs.go`).
    let metric = AllocationMetric {
        nodes_evaluated: candidates.len() as i64,
        nodes_filtered: (cluster.nodes.len() - candidates.len()) as i64,
        nodes_in_pool: cluster
            .nodes
            .iter()
            .filter(|n| pool == "all" || n.pool == pool)
            .count() as i64,
        nodes_available: Some(available),
        node_pool: pool.to_owned(),
        nodes_exhausted: exhausted,
        dimension_exhausted: (!dimensions.is_empty()).then_some(dimensions),
        allocation_time: started.elapsed().as_nanos() as i64,
        ..AllocationMetric::default()
    };
    match best {
        Some((node, _)) => Ok((node, metric)),
        None => Err(Box::new(metric)),
    }
}

/// Whether `count` new allocations of `group` would fit; the failure metric if not.
pub(crate) fn dry_run(
    cluster: &Cluster,
    job: &Job,
    group: &TaskGroup,
    count: usize,
) -> Option<AllocationMetric> {
    let (cpu, mem) = group_resources(group);
    let mut extra = Vec::new();
    for placed in 0..count {
        match pick_node(cluster, job, group, &extra) {
            Ok((node, _)) => extra.push((node, cpu, mem)),
            Err(mut metric) => {
                metric.coalesced_failures = (count - placed - 1) as i64;
                return Some(*metric);
            }
        }
    }
    None
}
