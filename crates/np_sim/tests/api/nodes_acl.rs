//! Nodes (`command/agent/node_endpoint.go`) and the ACL endpoints of a cluster without ACLs
//! (`nomad/acl_endpoint.go`).

use reqwest::Method;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn a_node_is_read_whole_by_its_id_and_an_unknown_one_is_404() {
    let sim = sim().await;
    let (status, list_index, list) = raw_json(&sim, Method::GET, "/v1/nodes", None).await;
    assert_eq!(status, 200);
    let id = list[0]["ID"].as_str().unwrap().to_owned();

    let (status, index, node) = raw_json(&sim, Method::GET, &format!("/v1/node/{id}"), None).await;
    assert_eq!(status, 200, "{node}");
    assert!(index.is_some() && list_index.is_some());
    assert_eq!(node["ID"], id.as_str());
    assert_eq!(node["Name"], list[0]["Name"]);
    assert_eq!(node["NodePool"], list[0]["NodePool"]);
    assert_eq!(node["Status"], "ready");
    assert_eq!(node["SchedulingEligibility"], "eligible");
    assert_eq!(node["SecretID"], "", "Nomad never sends a node's secret");
    assert!(node["NodeResources"]["Cpu"]["CpuShares"].as_i64().unwrap() > 0);
    assert!(
        node["NodeResources"]["Memory"]["MemoryMB"]
            .as_i64()
            .unwrap()
            > 0
    );
    assert!(node["Attributes"]["nomad.version"].is_string());
    assert_eq!(node["Drivers"]["podman"]["Healthy"], true);
    assert_eq!(node["Events"][0]["Message"], "Node registered");
    assert!(
        node["Events"][0]["Timestamp"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );

    let (status, _, text) = raw(
        &sim,
        Method::GET,
        "/v1/node/00000000-0000-0000-0000-000000000000",
        None,
    )
    .await;
    assert_eq!((status, text.as_str()), (404, "node not found"));
    // The pools endpoint is not taken for a node id.
    let (status, _, pools) = raw_json(&sim, Method::GET, "/v1/node/pools", None).await;
    assert_eq!(status, 200);
    assert!(pools.as_array().is_some_and(|p| !p.is_empty()), "{pools}");
}

#[tokio::test]
async fn without_acls_every_acl_endpoint_answers_400_acl_support_disabled() {
    let sim = sim().await;
    let calls = [
        (Method::GET, "/v1/acl/policies", None),
        (Method::GET, "/v1/acl/policy/tenant", None),
        (
            Method::PUT,
            "/v1/acl/policy/tenant",
            Some(json!({"Name": "tenant", "Rules": "namespace \"a\" { policy = \"read\" }"})),
        ),
        (Method::DELETE, "/v1/acl/policy/tenant", None),
        (Method::GET, "/v1/acl/tokens", None),
        (
            Method::PUT,
            "/v1/acl/token",
            Some(json!({"Name": "t", "Type": "client", "Policies": ["tenant"]})),
        ),
        (Method::GET, "/v1/acl/token/self", None),
        (
            Method::GET,
            "/v1/acl/token/00000000-0000-0000-0000-000000000000",
            None,
        ),
        (
            Method::DELETE,
            "/v1/acl/token/00000000-0000-0000-0000-000000000000",
            None,
        ),
    ];
    for (method, path, body) in calls {
        let (status, _, text) = raw(&sim, method.clone(), path, body).await;
        assert_eq!(
            (status, text.as_str()),
            (400, "ACL support disabled"),
            "{method} {path}"
        );
    }
    // Namespaces are not ACL endpoints: they work without ACLs.
    let (status, _, _) = raw(
        &sim,
        Method::PUT,
        "/v1/namespace/team",
        Some(json!({"Name": "team"})),
    )
    .await;
    assert_eq!(status, 200);
}
