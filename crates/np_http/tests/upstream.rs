//! The HTTP core against a real local HTTP server.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use np_http::{Auth, Error, HeaderName, Method, Upstream, UpstreamConfig, Url};
use secrecy::SecretString;

#[derive(Default)]
struct Peer {
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

async fn spawn(router: Router) -> Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}/prefix/").parse().unwrap()
}

fn peer_router(peer: Arc<Peer>) -> Router {
    Router::new()
        .route(
            "/prefix/v1/echo/{segment}",
            get(|Path(segment): Path<String>| async move { segment }),
        )
        .route(
            "/prefix/v1/token",
            get(|headers: HeaderMap| async move {
                headers
                    .get("x-test-token")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("none")
                    .to_owned()
            }),
        )
        .route(
            "/prefix/v1/missing",
            get(|| async { (StatusCode::NOT_FOUND, "job not found") }),
        )
        .route(
            "/prefix/v1/busy",
            get(|| async { (StatusCode::TOO_MANY_REQUESTS, "slow down") }),
        )
        .route("/prefix/v1/json", get(|| async { r#"{"Name":"web"}"# }))
        .route(
            "/prefix/v1/slow",
            get(|State(peer): State<Arc<Peer>>| async move {
                let now = peer.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peer.peak.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(150)).await;
                peer.in_flight.fetch_sub(1, Ordering::SeqCst);
                "done"
            }),
        )
        .with_state(peer)
}

fn upstream(base: Url, auth: Auth, max_connections: usize) -> Upstream {
    let mut config = UpstreamConfig::new(base);
    config.auth = auth;
    config.max_connections = max_connections;
    config.timeout = Duration::from_secs(5);
    Upstream::new("test", config).unwrap()
}

#[tokio::test]
async fn error_statuses_keep_the_status_and_body() {
    let base = spawn(peer_router(Arc::default())).await;
    let client = upstream(base, Auth::None, 4);
    let err = client
        .send(client.request(Method::GET, &["v1", "missing"]))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert!(!err.is_transient());
    assert!(
        matches!(&err, Error::Status { body, .. } if body == "job not found"),
        "{err}"
    );
    let err = client
        .send(client.request(Method::GET, &["v1", "busy"]))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert!(err.is_transient());
}

#[tokio::test]
async fn path_segments_are_encoded_so_ids_cannot_escape_their_place() {
    let base = spawn(peer_router(Arc::default())).await;
    let client = upstream(base, Auth::None, 4);
    for id in ["../token", "a/b", "x?y=1", "sp ace", "#frag", "ünï"] {
        let body = client
            .send(client.request(Method::GET, &["v1", "echo", id]))
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(body, id.as_bytes(), "{id}");
    }
}

#[tokio::test]
async fn the_token_header_is_sent_and_never_printed() {
    let base = spawn(peer_router(Arc::default())).await;
    let auth = Auth::Header(
        HeaderName::from_static("x-test-token"),
        SecretString::from("s3cr3t"),
    );
    let client = upstream(base, auth, 4);
    let body = client
        .send(client.request(Method::GET, &["v1", "token"]))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body, "s3cr3t");
    assert!(!format!("{client:?}").contains("s3cr3t"));
}

#[tokio::test]
async fn json_answers_decode_and_bad_json_is_a_decode_error() {
    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Named {
        name: String,
    }
    let base = spawn(peer_router(Arc::default())).await;
    let client = upstream(base, Auth::None, 4);
    let reply = client
        .json::<Named>(client.request(Method::GET, &["v1", "json"]))
        .await
        .unwrap();
    assert_eq!(reply.value.name, "web");
    let err = client
        .json::<Named>(client.request(Method::GET, &["v1", "token"]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err}");
}

#[tokio::test]
async fn a_closed_port_is_a_transient_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = upstream(format!("http://{addr}").parse().unwrap(), Auth::None, 4);
    let err = client
        .send(client.request(Method::GET, &["v1", "x"]))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn concurrent_requests_never_exceed_the_connection_cap() {
    let peer = Arc::new(Peer::default());
    let base = spawn(peer_router(Arc::clone(&peer))).await;
    let client = upstream(base, Auth::None, 2);
    let calls = (0..6).map(|_| {
        let client = client.clone();
        async move {
            client
                .send(client.request(Method::GET, &["v1", "slow"]))
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
        }
    });
    let bodies = futures::future::join_all(calls).await;
    assert_eq!(bodies.len(), 6);
    assert_eq!(peer.peak.load(Ordering::SeqCst), 2);
    assert_eq!(client.connections_in_use(), 0);
}

/// A server that fails the first `failures` requests of each route with `status`, counting every request.
fn flaky_router(hits: Arc<AtomicUsize>, failures: usize, status: StatusCode) -> Router {
    let answer = move |hits: Arc<AtomicUsize>| async move {
        if hits.fetch_add(1, Ordering::SeqCst) < failures {
            (status, "leader lost").into_response()
        } else {
            "ok".into_response()
        }
    };
    let (read, write) = (answer, answer);
    Router::new()
        .route("/prefix/v1/read", get(move |State(h)| read(h)))
        .route(
            "/prefix/v1/write",
            axum::routing::put(move |State(h)| write(h)),
        )
        .with_state(hits)
}

#[tokio::test]
async fn reads_are_retried_after_a_5xx_and_a_429_but_writes_only_after_a_429() {
    for (status, method, failures, expect_ok, expect_hits) in [
        // A read meets two 500s and succeeds on the third try.
        (StatusCode::INTERNAL_SERVER_ERROR, Method::GET, 2, true, 3),
        // Three 503s: the read gives up after three tries.
        (StatusCode::SERVICE_UNAVAILABLE, Method::GET, 3, false, 3),
        // A write that met a 500 may have been applied: it is not sent again.
        (StatusCode::INTERNAL_SERVER_ERROR, Method::PUT, 1, false, 1),
        // A 429 means the upstream did nothing: writes are retried too.
        (StatusCode::TOO_MANY_REQUESTS, Method::PUT, 1, true, 2),
    ] {
        let hits = Arc::new(AtomicUsize::new(0));
        let base = spawn(flaky_router(Arc::clone(&hits), failures, status)).await;
        let client = upstream(base, Auth::None, 4);
        let path = if method == Method::GET {
            "read"
        } else {
            "write"
        };
        let result = client
            .send(client.request(method.clone(), &["v1", path]))
            .await;
        assert_eq!(result.is_ok(), expect_ok, "{status} {method}");
        assert_eq!(
            hits.load(Ordering::SeqCst),
            expect_hits,
            "{status} {method}"
        );
        match result {
            Ok(response) => drop(response),
            Err(e) => assert_eq!(e.status(), Some(status)),
        }
        assert_eq!(client.connections_in_use(), 0);
    }
}
