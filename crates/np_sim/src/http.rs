//! The HTTP servers of the three APIs and what they share: a listener that can refuse connections and caps
//! them per client like Nomad, request-level fault injection, blocking queries and pagination.

mod acl;
mod bexpr;
mod consul;
mod control;
mod logs;
mod nomad;
mod o2;
mod parse;

pub(crate) use parse::parse_hcl;

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::faults::Fault;
use crate::scheduler::ApiError;
use crate::state::{ConnectionGuard, Shared};

/// An answer in Nomad's style: JSON with the index headers of `prefix` (`Nomad` or `Consul`).
pub(crate) fn json<T: Serialize>(prefix: &str, index: u64, value: &T) -> Response {
    let mut response = axum::Json(value).into_response();
    let headers = response.headers_mut();
    let name = |suffix: &str| format!("x-{}-{suffix}", prefix.to_ascii_lowercase());
    if let Ok(v) = HeaderValue::from_str(&index.to_string()) {
        headers.insert(
            axum::http::HeaderName::from_bytes(name("index").as_bytes()).expect("valid name"),
            v,
        );
    }
    headers.insert(
        axum::http::HeaderName::from_bytes(name("knownleader").as_bytes()).expect("valid name"),
        HeaderValue::from_static("true"),
    );
    headers.insert(
        axum::http::HeaderName::from_bytes(name("lastcontact").as_bytes()).expect("valid name"),
        HeaderValue::from_static("0"),
    );
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            [("content-type", "text/plain; charset=utf-8")],
            self.body,
        )
            .into_response()
    }
}

/// Parses a Go duration (`5m`, `300s`, `250ms`, `1m30s`).
pub(crate) fn go_duration(text: &str) -> Option<Duration> {
    let mut total = Duration::ZERO;
    let mut rest = text;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit() && c != '.')?;
        let value: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let nanos = match unit {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += Duration::from_nanos((value * nanos) as u64);
    }
    Some(total)
}

/// Waits, for a blocking query with `index`, until the cluster's index passes it or `wait` elapses (Nomad's
/// default 5 minutes, at most 10). Returns the index to report.
pub(crate) async fn block(shared: &Shared, index: Option<u64>, wait: Option<&str>) -> u64 {
    let mut rx = shared.index_watch();
    let Some(index) = index.filter(|i| *i > 0) else {
        return *rx.borrow();
    };
    let wait = wait
        .and_then(go_duration)
        .unwrap_or(Duration::from_secs(300))
        .min(Duration::from_secs(600));
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let current = *rx.borrow_and_update();
        if current > index {
            return current;
        }
        tokio::select! {
            changed = rx.changed() => if changed.is_err() { return current },
            () = tokio::time::sleep_until(deadline) => return *rx.borrow(),
        }
    }
}

/// One page of `items` (sorted by `key`) from `next_token`, and the token of the page after it.
pub(crate) fn paginate<T>(
    mut items: Vec<T>,
    key: impl Fn(&T) -> String,
    per_page: Option<usize>,
    next_token: Option<&str>,
) -> (Vec<T>, Option<String>) {
    items.sort_by_key(|item| key(item));
    if let Some(token) = next_token.filter(|t| !t.is_empty()) {
        items.retain(|item| key(item).as_str() >= token);
    }
    match per_page.filter(|n| *n > 0) {
        Some(n) if items.len() > n => {
            let next = key(&items[n]);
            items.truncate(n);
            (items, Some(next))
        }
        _ => (items, None),
    }
}

/// Adds `X-Nomad-Nexttoken` when there is a next page.
pub(crate) fn with_next_token(mut response: Response, token: Option<String>) -> Response {
    if let Some(token) = token.and_then(|t| HeaderValue::from_str(&t).ok()) {
        response.headers_mut().insert("x-nomad-nexttoken", token);
    }
    response
}

#[derive(Clone)]
struct FaultLayer {
    shared: Arc<Shared>,
    upstream: &'static str,
}

async fn inject_faults(State(layer): State<FaultLayer>, request: Request, next: Next) -> Response {
    if request.uri().path().starts_with("/_sim/") {
        return next.run(request).await;
    }
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let fault = layer
        .shared
        .write(|c| c.faults.take(layer.upstream, &method, &path));
    match fault {
        Some(Fault::Status {
            status,
            body,
            after,
        }) => {
            if after {
                act_detached(next, request).await;
            }
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, body).into_response()
        }
        Some(Fault::Latency { millis, after }) => {
            let delay = Duration::from_millis(millis);
            if after {
                let response = act_detached(next, request).await;
                tokio::time::sleep(delay).await;
                response.unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
            } else {
                tokio::time::sleep(delay).await;
                next.run(request).await
            }
        }
        Some(Fault::Refuse) | None => next.run(request).await,
    }
}

/// Handles a request in its own task, so that it completes even if the client hangs up meanwhile.
async fn act_detached(next: Next, request: Request) -> Option<Response> {
    tokio::spawn(next.run(request)).await.ok()
}

/// A TCP stream that counts against the connection cap and breaks when the upstream starts refusing.
struct CountedStream {
    inner: TcpStream,
    _guard: Option<ConnectionGuard>,
    shared: Arc<Shared>,
    upstream: &'static str,
}

impl AsyncRead for CountedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.shared.refusing(self.upstream) {
            return Poll::Ready(Err(io::ErrorKind::ConnectionReset.into()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for CountedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Accepts connections unless the upstream is refusing them (then the port is closed), and answers 429 past
/// Nomad's per-client connection limit.
struct SimListener {
    addr: SocketAddr,
    inner: Option<TcpListener>,
    shared: Arc<Shared>,
    upstream: &'static str,
}

impl axum::serve::Listener for SimListener {
    type Io = CountedStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            if self.shared.refusing(self.upstream) {
                self.inner = None;
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            if self.inner.is_none() {
                match TcpListener::bind(self.addr).await {
                    Ok(listener) => self.inner = Some(listener),
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                }
            }
            let Some(listener) = self.inner.as_ref() else {
                continue;
            };
            let Ok(Ok((mut stream, addr))) =
                tokio::time::timeout(Duration::from_millis(100), listener.accept()).await
            else {
                continue;
            };
            let guard = if self.upstream == "nomad" {
                match self.shared.nomad_connection() {
                    Some(guard) => Some(guard),
                    None => {
                        let body = "Your IP is issuing too many concurrent connections, please rate limit your calls\n";
                        let reply = format!(
                            "HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = stream.write_all(reply.as_bytes()).await;
                        continue;
                    }
                }
            } else {
                None
            };
            return (
                CountedStream {
                    inner: stream,
                    _guard: guard,
                    shared: Arc::clone(&self.shared),
                    upstream: self.upstream,
                },
                addr,
            );
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.addr)
    }
}

async fn serve(
    shared: Arc<Shared>,
    addr: SocketAddr,
    upstream: &'static str,
    router: Router,
) -> io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let layer = FaultLayer {
        shared: Arc::clone(&shared),
        upstream,
    };
    let app = router.layer(middleware::from_fn_with_state(layer, inject_faults));
    let sim_listener = SimListener {
        addr,
        inner: Some(listener),
        shared,
        upstream,
    };
    let task = tokio::spawn(async move {
        let _ = axum::serve(sim_listener, app).await;
    });
    Ok((addr, task))
}

/// Serves the Nomad API (and the `/_sim/` control API).
pub(crate) async fn serve_nomad(
    shared: Arc<Shared>,
    addr: SocketAddr,
) -> io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let router = nomad::router(Arc::clone(&shared)).merge(control::router(Arc::clone(&shared)));
    serve(shared, addr, "nomad", router).await
}

/// Serves the Consul API.
pub(crate) async fn serve_consul(
    shared: Arc<Shared>,
    addr: SocketAddr,
) -> io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let router = consul::router(Arc::clone(&shared));
    serve(shared, addr, "consul", router).await
}

/// Serves the OpenObserve API.
pub(crate) async fn serve_openobserve(
    shared: Arc<Shared>,
    addr: SocketAddr,
) -> io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let router = o2::router(Arc::clone(&shared));
    serve(shared, addr, "openobserve", router).await
}

/// The body of a streamed answer.
pub(crate) fn stream_body<S>(stream: S) -> Body
where
    S: futures::Stream<Item = Result<bytes::Bytes, io::Error>> + Send + 'static,
{
    Body::from_stream(stream)
}

/// A header as text.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse() {
        assert_eq!(go_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(go_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(go_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(go_duration("30000ms"), Some(Duration::from_secs(30)));
        assert_eq!(go_duration("soon"), None);
        assert_eq!(go_duration(""), None);
    }

    #[test]
    fn pages_carry_the_key_of_the_next_item() {
        let items = vec!["d", "a", "c", "b", "e"];
        let (page, next) = paginate(items.clone(), |s| (*s).to_owned(), Some(2), None);
        assert_eq!((page, next.as_deref()), (vec!["a", "b"], Some("c")));
        let (page, next) = paginate(items, |s| (*s).to_owned(), Some(2), Some("e"));
        assert_eq!((page, next), (vec!["e"], None));
    }
}
