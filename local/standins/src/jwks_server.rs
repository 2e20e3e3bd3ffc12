//! A JWKS endpoint on 127.0.0.1 that counts its fetches and can be told to
//! misbehave.
//!
//! [`JwksServer`] serves one JSON document at one path. Every request for that
//! path counts as a fetch, whatever the server then does with it, so a test can
//! say exactly how many times a client went to the network. The key set can be
//! replaced while the server runs (a key added or rotated out), and the answer
//! can be switched between the faults a client must survive: see [`Behaviour`].
//!
//! The Cognito stand-in ([`crate::cognito`]) serves its keys through the same
//! machinery, so its JWKS can be counted and broken the same way.
//!
//! # Concurrency
//!
//! Each connection is served on its own task; a slow answer
//! ([`Behaviour::Delay`]) holds only its own connection. The count is exact
//! under any number of concurrent fetches. Dropping the server stops accepting
//! and ends every open connection.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Extension, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::{StatusCode, header};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};
use tower_service::Service as _;

/// The path [`JwksServer::start`] serves the key set at.
pub const DEFAULT_PATH: &str = "/.well-known/jwks.json";

/// How the server answers a fetch of the key set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Behaviour {
    /// 200 `application/json` with the current key set. The default.
    #[default]
    Serve,
    /// Waits this long, then answers as [`Behaviour::Serve`] does. Use a delay
    /// longer than the client's timeout to make it give up.
    Delay(Duration),
    /// This status code with a short plain-text body (500 when the code is not
    /// a valid status).
    Status(u16),
    /// 200 `text/html` with a login page, as a captive portal or a misrouted
    /// proxy would send.
    Html,
    /// 200 `application/json` with this many bytes that are not JSON, streamed
    /// without a `Content-Length`.
    Garbage(usize),
    /// 200 `application/json` with the current key set followed by whitespace up
    /// to this many bytes, streamed without a `Content-Length`. The body is valid
    /// JSON, so only a size cap refuses it.
    Oversized(usize),
    /// Closes the connection without answering.
    Drop,
    /// Alternates between the given fault and [`Behaviour::Serve`], starting
    /// with the fault: the first fetch after the switch gets the fault, the
    /// second the key set, and so on.
    Flap(Box<Behaviour>),
}

impl Behaviour {
    /// The status most fault tests want: 500.
    pub const SERVER_ERROR: Behaviour = Behaviour::Status(500);
}

/// The shared, switchable state of a served key set: the document, the
/// behaviour and the fetch count. Cheap to clone; all clones control the same
/// endpoint.
#[derive(Clone)]
pub struct JwksControl {
    inner: Arc<ControlInner>,
}

struct ControlInner {
    keys: Mutex<(Value, Bytes)>,
    behaviour: Mutex<(Behaviour, u64)>,
    fetches: watch::Sender<u64>,
}

impl std::fmt::Debug for JwksControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksControl")
            .field("behaviour", &self.behaviour())
            .field("fetches", &self.fetches())
            .finish_non_exhaustive()
    }
}

impl JwksControl {
    /// A control serving `keys` with [`Behaviour::Serve`] and no fetches yet.
    pub fn new(keys: Value) -> Self {
        let body = Bytes::from(keys.to_string());
        Self {
            inner: Arc::new(ControlInner {
                keys: Mutex::new((keys, body)),
                behaviour: Mutex::new((Behaviour::Serve, 0)),
                fetches: watch::Sender::new(0),
            }),
        }
    }

    /// How many requests for the key set have arrived, whatever the answer was.
    pub fn fetches(&self) -> u64 {
        *self.inner.fetches.borrow()
    }

    /// Waits until at least `count` fetches have arrived; `false` if `timeout`
    /// passes first.
    pub async fn wait_for_fetches(&self, count: u64, timeout: Duration) -> bool {
        let mut changes = self.inner.fetches.subscribe();
        tokio::time::timeout(timeout, changes.wait_for(|seen| *seen >= count))
            .await
            .is_ok_and(|seen| seen.is_ok())
    }

    /// Sets the count back to zero and returns what it was.
    pub fn reset_fetches(&self) -> u64 {
        self.inner.fetches.send_replace(0)
    }

    /// The document served now.
    pub fn keys(&self) -> Value {
        lock(&self.inner.keys).0.clone()
    }

    /// Serves `keys` from the next fetch on. Any JSON value is served as it is,
    /// so a malformed key set is as easy to serve as a good one.
    pub fn set_keys(&self, keys: Value) {
        let body = Bytes::from(keys.to_string());
        *lock(&self.inner.keys) = (keys, body);
    }

    /// The behaviour in force.
    pub fn behaviour(&self) -> Behaviour {
        lock(&self.inner.behaviour).0.clone()
    }

    /// Answers every fetch from the next one on as `behaviour` says.
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        *lock(&self.inner.behaviour) = (behaviour, 0);
    }

    /// Counts one fetch and decides what to answer.
    fn next_action(&self) -> (Behaviour, Bytes) {
        self.inner.fetches.send_modify(|count| *count += 1);
        let mut state = lock(&self.inner.behaviour);
        let (behaviour, flaps) = &mut *state;
        let mut action = behaviour.clone();
        if let Behaviour::Flap(fault) = behaviour {
            action = if *flaps % 2 == 0 { (**fault).clone() } else { Behaviour::Serve };
            *flaps += 1;
        }
        drop(state);
        (action, lock(&self.inner.keys).1.clone())
    }
}

/// A JWKS endpoint on 127.0.0.1 with an OS-given port. Stops when dropped.
pub struct JwksServer {
    control: JwksControl,
    path: String,
    server: Serving,
}

impl std::fmt::Debug for JwksServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksServer")
            .field("url", &self.url())
            .field("control", &self.control)
            .finish()
    }
}

impl JwksServer {
    /// Serves `initial` at [`DEFAULT_PATH`].
    pub async fn start(initial: Value) -> io::Result<Self> {
        Self::start_at(DEFAULT_PATH, initial).await
    }

    /// Serves `initial` at `path`, e.g. `/eu-west-1_AbC123xyZ/.well-known/jwks.json`.
    /// The path must start with `/`.
    pub async fn start_at(path: &str, initial: Value) -> io::Result<Self> {
        let control = JwksControl::new(initial);
        let server = serve(router(path, control.clone())).await?;
        Ok(Self { control, path: path.to_owned(), server })
    }

    /// The full URL of the key set, e.g. `http://127.0.0.1:41234/.well-known/jwks.json`.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.server.addr(), self.path)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// A handle on the key set, the behaviour and the count, for moving into tasks.
    pub fn control(&self) -> &JwksControl {
        &self.control
    }

    /// See [`JwksControl::fetches`].
    pub fn fetches(&self) -> u64 {
        self.control.fetches()
    }

    /// See [`JwksControl::wait_for_fetches`].
    pub async fn wait_for_fetches(&self, count: u64, timeout: Duration) -> bool {
        self.control.wait_for_fetches(count, timeout).await
    }

    /// See [`JwksControl::reset_fetches`].
    pub fn reset_fetches(&self) -> u64 {
        self.control.reset_fetches()
    }

    /// See [`JwksControl::set_keys`].
    pub fn set_keys(&self, keys: Value) {
        self.control.set_keys(keys);
    }

    /// See [`JwksControl::set_behaviour`].
    pub fn set_behaviour(&self, behaviour: Behaviour) {
        self.control.set_behaviour(behaviour);
    }
}

/// A router that answers GET (and HEAD) `path` from `control`.
pub(crate) fn router(path: &str, control: JwksControl) -> Router {
    Router::new().route(path, get(answer)).with_state(control)
}

async fn answer(State(control): State<JwksControl>, hangup: Option<Extension<Hangup>>) -> Response {
    let (behaviour, keys) = control.next_action();
    match behaviour {
        Behaviour::Serve | Behaviour::Flap(_) => json(Body::from(keys)),
        Behaviour::Delay(delay) => {
            tokio::time::sleep(delay).await;
            json(Body::from(keys))
        }
        Behaviour::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, status.canonical_reason().unwrap_or("error")).into_response()
        }
        Behaviour::Html => {
            let page = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\
                        <body><form method=\"post\"><input name=\"user\"></form></body></html>\n";
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], page).into_response()
        }
        Behaviour::Garbage(len) => json(streamed(Bytes::new(), len, b'\xa7')),
        Behaviour::Oversized(len) => json(streamed(keys, len, b' ')),
        Behaviour::Drop => {
            if let Some(Extension(hangup)) = hangup {
                hangup.0.notify_one();
            }
            std::future::pending().await
        }
    }
}

fn json(body: Body) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `head`, then `filler` bytes up to `len` in all, in 64 KiB chunks.
fn streamed(head: Bytes, len: usize, filler: u8) -> Body {
    const CHUNK: usize = 64 * 1024;
    let rest = len.saturating_sub(head.len());
    let fill = Bytes::from(vec![filler; CHUNK]);
    let tail = (0..rest.div_ceil(CHUNK)).map(move |i| fill.slice(..CHUNK.min(rest - i * CHUNK)));
    let chunks = std::iter::once(head).chain(tail).map(Ok::<_, io::Error>);
    Body::from_stream(futures_util::stream::iter(chunks))
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Put into each request's extensions; a handler that notifies it makes the
/// connection close at once, without an answer.
#[derive(Clone, Default)]
pub(crate) struct Hangup(Arc<Notify>);

/// A running server: an accept loop and its connections. Dropping it ends both.
pub(crate) struct Serving {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Serving {
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `router` over HTTP/1.1 on 127.0.0.1 with an OS-given port. Handlers
/// can hang up on the client through the [`Hangup`] extension.
pub(crate) async fn serve(router: Router) -> io::Result<Serving> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(accept_loop(listener, router));
    Ok(Serving { addr, task })
}

async fn accept_loop(listener: TcpListener, router: Router) {
    // The connections live in this set, so aborting the loop ends them too.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(connection(stream, router.clone()));
                }
                Err(error) => {
                    // Out of file descriptors, most likely: let some close.
                    tracing::warn!(%error, "stand-in accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn connection(stream: TcpStream, router: Router) {
    let _ = stream.set_nodelay(true);
    let hangup = Hangup::default();
    let on_request = hangup.clone();
    let service = hyper::service::service_fn(move |mut request: http::Request<Incoming>| {
        request.extensions_mut().insert(on_request.clone());
        router.clone().call(request)
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        () = hangup.0.notified() => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::cognito::testing::json_body;
    use crate::keys::{SigningKey, jwks};

    fn client() -> reqwest::Client {
        reqwest::Client::builder().timeout(Duration::from_secs(3)).build().unwrap()
    }

    #[tokio::test]
    async fn serves_the_key_set_and_counts_each_fetch() {
        let key = SigningKey::generate("k1").unwrap();
        let server = JwksServer::start(jwks(&[&key])).await.unwrap();
        assert!(server.url().starts_with("http://127.0.0.1:"));

        let answer = client().get(server.url()).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.headers()[header::CONTENT_TYPE], "application/json");
        let body = json_body(answer).await;
        assert_eq!(body, jwks(&[&key]));
        assert_eq!(server.fetches(), 1);

        let other = client().get(server.url().replace("jwks.json", "other")).send().await.unwrap();
        assert_eq!(other.status(), 404);
        assert_eq!(server.fetches(), 1, "other paths are not fetches");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn count_is_exact_under_100_concurrent_fetches() {
        let server = JwksServer::start(json!({"keys": []})).await.unwrap();
        let client = client();
        let fetches = (0..100).map(|_| {
            let request = client.get(server.url()).send();
            tokio::spawn(async move { request.await.map(|answer| answer.status()) })
        });
        let statuses = futures_util::future::join_all(fetches).await;

        assert!(statuses.into_iter().all(|status| status.unwrap().unwrap() == 200));
        assert_eq!(server.fetches(), 100);
        assert!(server.wait_for_fetches(100, Duration::from_millis(10)).await);
        assert!(!server.wait_for_fetches(101, Duration::from_millis(50)).await);
        assert_eq!(server.reset_fetches(), 100);
        assert_eq!(server.fetches(), 0);
    }

    #[tokio::test]
    async fn replaced_key_set_is_served_from_the_next_fetch() {
        let one = SigningKey::generate("one").unwrap();
        let two = SigningKey::generate("two").unwrap();
        let server =
            JwksServer::start_at("/pool_1/.well-known/jwks.json", jwks(&[&one])).await.unwrap();
        assert!(server.url().ends_with("/pool_1/.well-known/jwks.json"));

        server.set_keys(jwks(&[&one, &two]));
        let body = json_body(client().get(server.url()).send().await.unwrap()).await;
        assert_eq!(body["keys"].as_array().unwrap().len(), 2);

        server.set_keys(jwks(&[&two]));
        let body = json_body(client().get(server.url()).send().await.unwrap()).await;
        assert_eq!(body, jwks(&[&two]));
        assert_eq!(server.control().keys(), jwks(&[&two]));
    }

    #[tokio::test]
    async fn delay_outlasts_a_client_timeout_and_still_counts() {
        let server = JwksServer::start(json!({"keys": []})).await.unwrap();
        server.set_behaviour(Behaviour::Delay(Duration::from_secs(5)));
        let quick = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();

        let error = quick.get(server.url()).send().await.unwrap_err();
        assert!(error.is_timeout(), "{error}");
        assert_eq!(server.fetches(), 1);

        server.set_behaviour(Behaviour::Delay(Duration::from_millis(50)));
        assert_eq!(quick.get(server.url()).send().await.unwrap().status(), 200);
    }

    #[tokio::test]
    async fn status_and_html_answer_what_they_say() {
        let server = JwksServer::start(json!({"keys": []})).await.unwrap();
        server.set_behaviour(Behaviour::SERVER_ERROR);
        assert_eq!(client().get(server.url()).send().await.unwrap().status(), 500);

        server.set_behaviour(Behaviour::Status(503));
        assert_eq!(client().get(server.url()).send().await.unwrap().status(), 503);

        server.set_behaviour(Behaviour::Html);
        let answer = client().get(server.url()).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        assert!(answer.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
        assert!(answer.text().await.unwrap().starts_with("<!DOCTYPE html>"));
        assert_eq!(server.fetches(), 3);
    }

    #[tokio::test]
    async fn garbage_is_exactly_n_bytes_of_non_json_without_a_length() {
        let server = JwksServer::start(json!({"keys": []})).await.unwrap();
        server.set_behaviour(Behaviour::Garbage(10 * 1024 * 1024));

        let answer = client().get(server.url()).send().await.unwrap();
        assert_eq!(answer.status(), 200);
        assert!(answer.headers().get(header::CONTENT_LENGTH).is_none());
        let body = answer.bytes().await.unwrap();
        assert_eq!(body.len(), 10 * 1024 * 1024);
        assert!(serde_json::from_slice::<Value>(&body).is_err());
    }

    #[tokio::test]
    async fn oversized_is_valid_json_of_n_bytes() {
        let key = SigningKey::generate("k1").unwrap();
        let server = JwksServer::start(jwks(&[&key])).await.unwrap();
        server.set_behaviour(Behaviour::Oversized(1_000_001));

        let body = client().get(server.url()).send().await.unwrap().bytes().await.unwrap();
        assert_eq!(body.len(), 1_000_001);
        assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), jwks(&[&key]));
    }

    #[tokio::test]
    async fn drop_closes_the_connection_without_an_answer() {
        let server = JwksServer::start(json!({"keys": []})).await.unwrap();
        server.set_behaviour(Behaviour::Drop);

        let error = client().get(server.url()).send().await.unwrap_err();
        assert!(!error.is_timeout(), "the server hung up rather than stalled: {error}");
        assert!(error.is_request() || error.is_connect(), "{error}");
        assert_eq!(server.fetches(), 1);

        server.set_behaviour(Behaviour::Serve);
        assert_eq!(client().get(server.url()).send().await.unwrap().status(), 200);
    }

    #[tokio::test]
    async fn flap_alternates_starting_with_the_fault() {
        let server = JwksServer::start(json!({"keys": []})).await.unwrap();
        server.set_behaviour(Behaviour::Flap(Box::new(Behaviour::SERVER_ERROR)));

        let mut statuses = Vec::new();
        for _ in 0..4 {
            statuses.push(client().get(server.url()).send().await.unwrap().status().as_u16());
        }
        assert_eq!(statuses, [500, 200, 500, 200]);

        server.set_behaviour(Behaviour::Flap(Box::new(Behaviour::Drop)));
        assert!(client().get(server.url()).send().await.is_err());
        assert_eq!(client().get(server.url()).send().await.unwrap().status(), 200);
    }

    #[tokio::test]
    async fn dropping_the_server_stops_it() {
        let server = JwksServer::start(json!({"keys": []})).await.unwrap();
        let url = server.url();
        drop(server);
        tokio::task::yield_now().await;
        assert!(client().get(url).send().await.unwrap_err().is_connect());
    }
}
