//! The browser's code under `/pkg`: brotli at quality 11 once compressed, the file as it is until then and for
//! clients without brotli, never a stale version, revalidation without a download.

mod common;

use std::io::Read;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use leptos::config::LeptosOptions;
use np::state::AppState;
use np_domain::Upstreams;
use sqlx::PgPool;
use tower::ServiceExt;

struct Answer {
    status: StatusCode,
    encoding: Option<String>,
    etag: Option<String>,
    cache: Option<String>,
    kind: Option<String>,
    body: Vec<u8>,
}

async fn get(router: &axum::Router, path: &str, accept: &str, etag: Option<&str>) -> Answer {
    let mut request = Request::builder()
        .uri(path)
        .header(header::ACCEPT_ENCODING, accept);
    if let Some(etag) = etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let header = |name| {
        response
            .headers()
            .get(name)
            .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_owned())
    };
    Answer {
        status: response.status(),
        encoding: header(header::CONTENT_ENCODING),
        etag: header(header::ETAG),
        cache: header(header::CACHE_CONTROL),
        kind: header(header::CONTENT_TYPE),
        body: response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    }
}

fn unbrotli(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(body, 4096)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// Asks for `path` with brotli until it comes compressed (the first asks start the compression).
async fn until_brotli(router: &axum::Router, path: &str) -> Answer {
    for _ in 0..300 {
        let answer = get(router, path, "gzip, br", None).await;
        if answer.encoding.as_deref() == Some("br") {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{path} never came brotli-compressed");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_browser_code_is_served_brotli_compressed_and_never_stale(pool: PgPool) {
    let site = std::env::temp_dir().join(format!("np-assets-{}", uuid::Uuid::new_v4()));
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let first: Vec<u8> = (0..50_000u32)
        .flat_map(|i| format!("(func $f{} (i32.const {}))\n", i % 977, i % 13).into_bytes())
        .collect();
    std::fs::write(pkg.join("np.wasm"), &first).unwrap();
    std::fs::write(pkg.join("np.css"), "body{color:red}".repeat(1000)).unwrap();
    let options = LeptosOptions::builder()
        .output_name("np")
        .site_root(site.to_str().unwrap())
        .build();
    let services = common::services(pool, Upstreams::default());
    let router = np::router::build(AppState::new(options, services));

    // Until compressed, and without brotli, the file itself (gzipped on the fly when offered).
    let plain = get(&router, "/pkg/np.wasm", "identity", None).await;
    assert_eq!(plain.status, StatusCode::OK);
    assert_eq!(plain.encoding, None);
    assert_eq!(plain.body, first);
    assert_eq!(plain.cache.as_deref(), Some("no-cache"));

    let br = until_brotli(&router, "/pkg/np.wasm").await;
    assert_eq!(br.status, StatusCode::OK);
    assert_eq!(br.kind.as_deref(), Some("application/wasm"));
    assert_eq!(br.cache.as_deref(), Some("no-cache"));
    assert_eq!(unbrotli(&br.body), first);
    assert!(br.body.len() * 10 < first.len(), "{} bytes", br.body.len());
    // A returning browser revalidates and downloads nothing.
    let etag = br.etag.clone().expect("an ETag");
    let again = get(&router, "/pkg/np.wasm", "gzip, br", Some(&etag)).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    // Refusing brotli (q=0) gets gzip from the compression layer.
    let gz = get(&router, "/pkg/np.wasm", "gzip, br;q=0", None).await;
    assert_eq!(gz.encoding.as_deref(), Some("gzip"));

    // A rebuilt file is never answered with the old compression, and is compressed in turn.
    std::thread::sleep(Duration::from_millis(20));
    let second: Vec<u8> = first.iter().rev().copied().chain(*b"rebuilt").collect();
    std::fs::write(pkg.join("np.wasm"), &second).unwrap();
    let fresh = get(&router, "/pkg/np.wasm", "gzip, br", Some(&etag)).await;
    assert_eq!(
        fresh.status,
        StatusCode::OK,
        "the old ETag no longer matches"
    );
    let body = if fresh.encoding.as_deref() == Some("br") {
        unbrotli(&fresh.body)
    } else {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(fresh.body.as_slice())
            .read_to_end(&mut out)
            .unwrap();
        out
    };
    assert_eq!(body, second);
    let br = until_brotli(&router, "/pkg/np.wasm").await;
    assert_eq!(unbrotli(&br.body), second);

    // The CSS too; names outside the folder or unknown files are not found.
    let css = until_brotli(&router, "/pkg/np.css").await;
    assert_eq!(css.kind.as_deref(), Some("text/css; charset=utf-8"));
    for path in ["/pkg/missing.wasm", "/pkg/..%2FCargo.toml", "/pkg/.hidden"] {
        let answer = get(&router, path, "br", None).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
    }
    std::fs::remove_dir_all(&site).unwrap();
}
