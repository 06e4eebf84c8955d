//! Nomad's job fields in the app's own terms: the plan, the versions list and "changed outside the console"
//! say `image`, `env.COLOR` or `routes for canaries`, with Nomad's path only beside it.

/// A Nomad job field path in the app's own terms, when it has one: `TaskGroups.0.Tasks.0.Config.image`,
/// `task web › Config › image` and `Config[image]` all say `image`; `…Env.COLOR` says `env.COLOR`.
pub fn describe_path(path: &str) -> Option<String> {
    let mut tokens: Vec<&str> = Vec::new();
    let mut skip_name = false;
    for token in path
        .split(['›', '[', ']', '.', ' '])
        .filter(|t| !t.is_empty())
    {
        if skip_name {
            skip_name = false;
            continue;
        }
        if matches!(token, "group" | "task") {
            skip_name = true;
            continue;
        }
        if token.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        tokens.push(token);
    }
    let has = |key: &str| tokens.contains(&key);
    // The key after the last occurrence: Nomad's diff repeats the object's name (`Config › Config[image]`).
    let after = |key: &str| {
        tokens
            .iter()
            .rposition(|t| *t == key)
            .and_then(|i| tokens.get(i + 1))
            .copied()
    };
    let term = if has("Update") {
        match tokens.iter().rev().find(|t| **t != "Update").copied() {
            Some("Canary") => "canaries".to_owned(),
            Some("MaxParallel") => "instances updated at once".to_owned(),
            Some("AutoRevert") => "automatic revert".to_owned(),
            Some("AutoPromote") => "automatic promotion".to_owned(),
            Some("MinHealthyTime") => "minimum healthy time".to_owned(),
            Some("HealthyDeadline") => "healthy deadline".to_owned(),
            Some("ProgressDeadline") => "progress deadline".to_owned(),
            Some("HealthCheck") => "how health is decided".to_owned(),
            _ => "update strategy".to_owned(),
        }
    } else if has("Scaling") {
        match tokens.last().copied() {
            Some("Min") => "fewest instances".to_owned(),
            Some("Max") => "most instances".to_owned(),
            _ => "scaling bounds".to_owned(),
        }
    } else if has("Services") || has("Service") {
        if has("CanaryTags") {
            "routes for canaries".to_owned()
        } else if has("Tags") {
            "routes".to_owned()
        } else if has("Checks") || has("Check") {
            "health check".to_owned()
        } else if has("PortLabel") {
            "ports".to_owned()
        } else {
            "services".to_owned()
        }
    } else if has("Resources") {
        match tokens.last().copied() {
            Some("CPU") => "CPU (MHz)".to_owned(),
            Some("MemoryMB") => "memory (MiB)".to_owned(),
            Some("MemoryMaxMB") => "memory limit (MiB)".to_owned(),
            _ => "resources".to_owned(),
        }
    } else if has("Env") {
        match after("Env") {
            Some(key) => format!("env.{key}"),
            None => "env".to_owned(),
        }
    } else if has("Config") {
        match after("Config") {
            Some("image") => "image".to_owned(),
            Some("ports") => "ports".to_owned(),
            Some(key @ ("args" | "command" | "entrypoint")) => key.to_owned(),
            Some(key) => format!("container option {key}"),
            None => "container options".to_owned(),
        }
    } else if has("Networks") || has("Network") || has("DynamicPorts") {
        "ports".to_owned()
    } else if has("Templates") || has("Template") {
        "secrets".to_owned()
    } else if has("Vault") {
        "secrets (Vault)".to_owned()
    } else if has("VolumeMounts") || has("Volumes") || has("VolumeMount") || has("Volume") {
        "volumes".to_owned()
    } else if has("RestartPolicy") {
        "restart policy".to_owned()
    } else if has("ReschedulePolicy") {
        "rescheduling".to_owned()
    } else if has("Meta") {
        "metadata".to_owned()
    } else if has("LogConfig") {
        "log settings".to_owned()
    } else if [
        "Constraints",
        "Affinities",
        "Spreads",
        "Datacenters",
        "NodePool",
    ]
    .iter()
    .any(|k| has(k))
    {
        "placement".to_owned()
    } else if has("Count") {
        "instances".to_owned()
    } else {
        return None;
    };
    Some(term)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_in_the_apps_terms() {
        for (path, term) in [
            ("TaskGroups.0.Tasks.0.Config.image", "image"),
            ("group web › task web › Config › image", "image"),
            ("group web › task web › Config › Config[image]", "image"),
            ("TaskGroups.0.Tasks.0.Env.COLOR", "env.COLOR"),
            ("group web › Count", "instances"),
            (
                "group hello › Services › Services[0][CanaryTags][3]",
                "routes for canaries",
            ),
            ("TaskGroups.0.Services.0.Tags.1", "routes"),
            (
                "group web › task web › Resources › MemoryMB",
                "memory (MiB)",
            ),
            ("TaskGroups.0.Update.Canary", "canaries"),
            ("TaskGroups.0.Scaling.Max", "most instances"),
        ] {
            assert_eq!(describe_path(path).as_deref(), Some(term), "{path}");
        }
        assert_eq!(describe_path("job › AllAtOnce"), None);
    }
}
