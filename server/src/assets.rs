//! The browser's code (`/pkg/…`: the WebAssembly, its JS glue, the CSS), brotli-compressed at the highest
//! quality for browsers that take brotli — a third smaller than gzip for the WebAssembly.
//!
//! Compressing a 2 MB WebAssembly file at quality 11 takes seconds, so each version of a file is compressed
//! once, in the background, and kept in memory (a few hundred KB). Until it is ready, and for clients without
//! brotli, the file is served as it is and the router's compression layer gzips it on the fly. A rebuilt file
//! (another modification time or size) is compressed afresh: nothing stale is ever served. Answers carry an
//! `ETag` and `Cache-Control: no-cache`, so returning visitors revalidate and download nothing new.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;

/// One version of a file: its modification time and size.
type Version = (SystemTime, u64);

#[derive(Debug, Clone)]
enum Entry {
    /// Being compressed.
    Pending(Version),
    /// Compressed.
    Ready(Version, Bytes),
}

/// The site's `pkg` folder and the compressed files made of it.
#[derive(Debug)]
pub struct Assets {
    dir: PathBuf,
    cache: Mutex<HashMap<String, Entry>>,
}

/// Brotli's highest quality, and its largest window.
const QUALITY: u32 = 11;
const WINDOW: u32 = 22;

impl Assets {
    /// The assets in `dir` (`<site root>/<pkg dir>`).
    pub fn new(dir: PathBuf) -> Arc<Self> {
        Arc::new(Self {
            dir,
            cache: Mutex::new(HashMap::new()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The compressed `name` at `version` if ready; otherwise starts compressing it (once) and answers none.
    fn compressed(self: &Arc<Self>, name: &str, version: Version) -> Option<Bytes> {
        let mut cache = self.lock();
        match cache.get(name) {
            Some(Entry::Ready(v, body)) if *v == version => return Some(body.clone()),
            Some(Entry::Pending(v)) if *v == version => return None,
            _ => {}
        }
        cache.insert(name.to_owned(), Entry::Pending(version));
        drop(cache);
        let (assets, name) = (Arc::clone(self), name.to_owned());
        tokio::task::spawn_blocking(move || {
            let path = assets.dir.join(&name);
            let Ok(raw) = std::fs::read(&path) else {
                assets.lock().remove(&name);
                return;
            };
            let mut out = Vec::with_capacity(raw.len() / 3);
            let params = brotli::enc::BrotliEncoderParams {
                quality: QUALITY as i32,
                lgwin: WINDOW as i32,
                ..Default::default()
            };
            if brotli::BrotliCompress(&mut raw.as_slice(), &mut out, &params).is_err() {
                assets.lock().remove(&name);
                return;
            }
            // Keep it only if the file did not change while it was read.
            let now = std::fs::metadata(&path).ok().map(|m| version_of(&m));
            let mut cache = assets.lock();
            if now == Some(version) && raw.len() as u64 == version.1 {
                cache.insert(name, Entry::Ready(version, Bytes::from(out)));
            } else {
                cache.remove(&name);
            }
        });
        None
    }
}

fn version_of(meta: &std::fs::Metadata) -> Version {
    (
        meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
        meta.len(),
    )
}

/// Whether the client takes brotli (`br` in `Accept-Encoding`, not with `q=0`).
fn accepts_brotli(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            parts
                .next()
                .is_some_and(|name| name.eq_ignore_ascii_case("br"))
                && parts.all(|p| {
                    p.strip_prefix("q=")
                        .is_none_or(|q| q.parse::<f32>().is_ok_and(|q| q > 0.0))
                })
        })
}

fn content_type(name: &str) -> Option<&'static str> {
    match name.rsplit_once('.')?.1 {
        "wasm" => Some("application/wasm"),
        "js" => Some("text/javascript; charset=utf-8"),
        "css" => Some("text/css; charset=utf-8"),
        _ => None,
    }
}

/// `GET /pkg/{file}`.
pub async fn serve(
    State(assets): State<Arc<Assets>>,
    Path(name): Path<String>,
    request: Request,
) -> Response {
    let plain_name = !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !plain_name {
        return StatusCode::NOT_FOUND.into_response();
    }
    let path = assets.dir.join(&name);
    let Ok(meta) = tokio::fs::metadata(&path).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let version = version_of(&meta);
    let mut response = match content_type(&name) {
        Some(kind) if meta.is_file() && accepts_brotli(request.headers()) => {
            match assets.compressed(&name, version) {
                Some(body) => brotli_answer(request.headers(), kind, version, body),
                None => file(path, request).await,
            }
        }
        _ => file(path, request).await,
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

async fn file(path: PathBuf, request: Request) -> Response {
    match ServeFile::new(path).oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    }
}

fn brotli_answer(
    request: &HeaderMap,
    kind: &'static str,
    version: Version,
    body: Bytes,
) -> Response {
    let modified = version
        .0
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let etag = format!("\"br-{:x}-{modified:x}\"", version.1);
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let etag = HeaderValue::from_str(&etag).unwrap_or_else(|_| HeaderValue::from_static("\"br\""));
    if fresh {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (header::CONTENT_ENCODING, HeaderValue::from_static("br")),
            (header::ETAG, etag),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(accept: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(accept).unwrap(),
        );
        h
    }

    #[test]
    fn brotli_is_taken_when_offered_without_q_zero() {
        assert!(accepts_brotli(&headers("gzip, deflate, br, zstd")));
        assert!(accepts_brotli(&headers("br;q=0.5")));
        assert!(accepts_brotli(&headers("BR")));
        assert!(!accepts_brotli(&headers("gzip, deflate")));
        assert!(!accepts_brotli(&headers("br;q=0, gzip")));
        assert!(!accepts_brotli(&headers("brotli")));
        assert!(!accepts_brotli(&HeaderMap::new()));
    }
}
