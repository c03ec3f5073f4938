//! # Browser origins at the JSON-RPC server
//!
//! A node's JSON-RPC serves unsafe methods on its local interfaces (`--rpc-methods auto`):
//! `collector_setCredentials` writes the owners' OEM grants, `author_insertKey` a validator's
//! keys. Substrate's server applies `--rpc-cors` as a CORS layer: it adds
//! `Access-Control-Allow-Origin` to HTTP answers and leaves the refusing to the browser. Browsers
//! do not apply CORS to WebSockets, so upstream any page the operator opens could connect to
//! `ws://127.0.0.1:9944` and call those methods with the operator's privileges.
//!
//! [`OriginFilterLayer`] refuses, with `403 Forbidden` and before anything else sees it, every
//! request (a WebSocket upgrade or an HTTP call) whose `Origin` header names an origin that
//! `--rpc-cors` does not allow. A request without `Origin` goes on: browsers always send it on
//! WebSocket upgrades and cross-origin calls, and programs (Polkadot.js in Node, subxt, curl)
//! that leave it out are not what this defends against (they are not a page acting with the
//! operator's browser; what they may call is `--rpc-methods`'s concern).
//!
//! `--rpc-cors all` (the default of `--dev`) allows every origin and installs no filter.
//!
//! ## What an entry allows
//! - an origin, exactly: `https://polkadot.js.org`;
//! - an origin whose port is `*`: `http://localhost:*` allows `http://localhost` on its default
//!   port and on any other (the form of Substrate's default list, which tower-http's CORS layer
//!   compares byte for byte and so never matches a port);
//! - `*`: every origin.
//!
//! Scheme and host compare ASCII-case-insensitively (browsers send them lower-case).

use jsonrpsee::server::HttpResponse;
use std::{
	future::Future,
	pin::Pin,
	sync::Arc,
	task::{Context, Poll},
};
use tower::{Layer, Service};

const LOG_TARGET: &str = "rpc::origin";

/// What the server answers a refused request with (its body, `text/plain`).
pub const REFUSED: &str = "Origin not allowed by this node's --rpc-cors\n";

/// The error type of the filtered service (what jsonrpsee's middlewares use).
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One entry of `--rpc-cors`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AllowedOrigin {
	/// `*`.
	Any,
	/// An origin, lower-cased.
	Exact(String),
	/// `scheme://host` (lower-cased) of an entry `scheme://host:*`.
	AnyPort(String),
}

impl AllowedOrigin {
	fn parse(entry: &str) -> Self {
		let entry = entry.trim().to_ascii_lowercase();
		if entry == "*" {
			return Self::Any;
		}
		match entry.strip_suffix(":*") {
			Some(scheme_and_host) => Self::AnyPort(scheme_and_host.to_owned()),
			None => Self::Exact(entry),
		}
	}

	fn allows(&self, origin: &str) -> bool {
		match self {
			Self::Any => true,
			Self::Exact(allowed) => allowed == origin,
			Self::AnyPort(scheme_and_host) => match origin.strip_prefix(scheme_and_host.as_str()) {
				Some("") => true,
				Some(rest) => rest.strip_prefix(':').is_some_and(|port| {
					!port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
				}),
				None => false,
			},
		}
	}
}

/// The origins a node allows (its `--rpc-cors` list).
#[derive(Debug, Clone)]
pub struct AllowedOrigins(Arc<[AllowedOrigin]>);

impl AllowedOrigins {
	/// The origins of a `--rpc-cors` list.
	pub fn new<I, S>(entries: I) -> Self
	where
		I: IntoIterator<Item = S>,
		S: AsRef<str>,
	{
		Self(entries.into_iter().map(|entry| AllowedOrigin::parse(entry.as_ref())).collect())
	}

	/// Does the list allow this `Origin` header's value?
	pub fn allows(&self, origin: &str) -> bool {
		let origin = origin.trim().to_ascii_lowercase();
		self.0.iter().any(|allowed| allowed.allows(&origin))
	}
}

/// Refuses requests from origins that `--rpc-cors` does not allow (see the module's docs).
#[derive(Debug, Clone)]
pub struct OriginFilterLayer(AllowedOrigins);

impl OriginFilterLayer {
	/// The filter for a `--rpc-cors` setting: `None` (`all`) allows every origin and needs none.
	pub fn from_cors(cors: Option<&[String]>) -> Option<Self> {
		cors.map(|list| Self(AllowedOrigins::new(list)))
	}
}

impl<S> Layer<S> for OriginFilterLayer {
	type Service = OriginFilter<S>;

	fn layer(&self, inner: S) -> Self::Service {
		OriginFilter { inner, allowed: self.0.clone() }
	}
}

/// The service [`OriginFilterLayer`] wraps around the server's.
#[derive(Debug, Clone)]
pub struct OriginFilter<S> {
	inner: S,
	allowed: AllowedOrigins,
}

impl<S> OriginFilter<S> {
	/// Does every `Origin` header of the request (none, usually one) name an allowed origin?
	fn admits<B>(&self, request: &http::Request<B>) -> bool {
		request
			.headers()
			.get_all(http::header::ORIGIN)
			.iter()
			.all(|origin| origin.to_str().is_ok_and(|origin| self.allowed.allows(origin)))
	}
}

fn refused() -> HttpResponse {
	let mut response = HttpResponse::new(REFUSED.into());
	*response.status_mut() = http::StatusCode::FORBIDDEN;
	response.headers_mut().insert(
		http::header::CONTENT_TYPE,
		http::HeaderValue::from_static("text/plain; charset=utf-8"),
	);
	response
}

impl<S, B> Service<http::Request<B>> for OriginFilter<S>
where
	S: Service<http::Request<B>, Response = HttpResponse>,
	S::Error: Into<BoxError> + 'static,
	S::Future: Send + 'static,
{
	type Response = HttpResponse;
	type Error = BoxError;
	type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, BoxError>> + Send + 'static>>;

	fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
		self.inner.poll_ready(cx).map_err(Into::into)
	}

	fn call(&mut self, request: http::Request<B>) -> Self::Future {
		if self.admits(&request) {
			let answer = self.inner.call(request);
			Box::pin(async move { answer.await.map_err(Into::into) })
		} else {
			log::debug!(
				target: LOG_TARGET,
				"Refused a {} request from origin {:?} (not in --rpc-cors)",
				if is_websocket_upgrade(&request) { "WebSocket" } else { "HTTP" },
				request.headers().get(http::header::ORIGIN),
			);
			Box::pin(async { Ok(refused()) })
		}
	}
}

fn is_websocket_upgrade<B>(request: &http::Request<B>) -> bool {
	request
		.headers()
		.get(http::header::UPGRADE)
		.and_then(|upgrade| upgrade.to_str().ok())
		.is_some_and(|upgrade| upgrade.eq_ignore_ascii_case("websocket"))
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::sync::atomic::{AtomicUsize, Ordering};
	use tower::ServiceExt;

	/// Substrate's default `--rpc-cors` (what a node that is not `--dev` allows).
	fn substrate_default() -> Vec<String> {
		[
			"http://localhost:*",
			"http://127.0.0.1:*",
			"https://localhost:*",
			"https://127.0.0.1:*",
			"https://polkadot.js.org",
		]
		.map(String::from)
		.to_vec()
	}

	#[test]
	fn the_default_list_allows_polkadot_js_apps_and_local_pages_on_any_port() {
		let allowed = AllowedOrigins::new(substrate_default());
		for origin in [
			"https://polkadot.js.org",
			"http://localhost",
			"http://localhost:3000",
			"https://127.0.0.1:8443",
			"HTTP://LocalHost:3000",
		] {
			assert!(allowed.allows(origin), "{origin} is allowed");
		}
	}

	#[test]
	fn the_default_list_refuses_foreign_and_look_alike_origins() {
		let allowed = AllowedOrigins::new(substrate_default());
		for origin in [
			"https://evil.example",
			"null",
			"",
			"http://localhost.evil.example",
			"http://localhost:3000.evil.example",
			"http://localhost:",
			"http://localhost:123456",
			"https://polkadot.js.org.evil.example",
			"https://polkadot.js.org:8443",
			"ws://localhost:9944",
		] {
			assert!(!allowed.allows(origin), "{origin:?} is refused");
		}
	}

	#[test]
	fn a_star_entry_allows_every_origin() {
		assert!(AllowedOrigins::new(["*"]).allows("https://evil.example"));
		assert!(OriginFilterLayer::from_cors(None).is_none(), "`all` installs no filter");
	}

	/// The filter around a service that counts the requests it is given.
	fn filtered() -> (
		OriginFilter<
			impl Service<
				http::Request<()>,
				Response = HttpResponse,
				Error = BoxError,
				Future = impl Send,
			>,
		>,
		Arc<AtomicUsize>,
	) {
		let served = Arc::new(AtomicUsize::new(0));
		let counter = served.clone();
		let inner = tower::service_fn(move |_: http::Request<()>| {
			counter.fetch_add(1, Ordering::SeqCst);
			async { Ok::<_, BoxError>(HttpResponse::new("served".into())) }
		});
		let layer = OriginFilterLayer::from_cors(Some(&substrate_default()))
			.expect("a list installs a filter");
		(layer.layer(inner), served)
	}

	fn upgrade(origin: Option<&str>) -> http::Request<()> {
		let mut request = http::Request::get("/")
			.header(http::header::UPGRADE, "websocket")
			.header(http::header::CONNECTION, "Upgrade");
		if let Some(origin) = origin {
			request = request.header(http::header::ORIGIN, origin);
		}
		request.body(()).expect("a valid request")
	}

	fn status(
		service: impl Service<http::Request<()>, Response = HttpResponse, Error = BoxError>,
		request: http::Request<()>,
	) -> http::StatusCode {
		futures::executor::block_on(service.oneshot(request)).expect("the filter answers").status()
	}

	#[test]
	fn a_websocket_upgrade_from_a_foreign_origin_never_reaches_the_server() {
		let (service, served) = filtered();
		assert_eq!(
			status(service, upgrade(Some("https://evil.example"))),
			http::StatusCode::FORBIDDEN
		);
		assert_eq!(served.load(Ordering::SeqCst), 0);
	}

	#[test]
	fn an_http_call_from_a_foreign_origin_never_reaches_the_server() {
		let (service, served) = filtered();
		let request = http::Request::post("/")
			.header(http::header::ORIGIN, "https://evil.example")
			.body(())
			.expect("a valid request");
		assert_eq!(status(service, request), http::StatusCode::FORBIDDEN);
		assert_eq!(served.load(Ordering::SeqCst), 0);
	}

	#[test]
	fn a_second_origin_header_cannot_smuggle_a_foreign_origin() {
		let (service, served) = filtered();
		let mut request = upgrade(Some("https://polkadot.js.org"));
		request
			.headers_mut()
			.append(http::header::ORIGIN, http::HeaderValue::from_static("https://evil.example"));
		assert_eq!(status(service, request), http::StatusCode::FORBIDDEN);
		assert_eq!(served.load(Ordering::SeqCst), 0);
	}

	#[test]
	fn allowed_origins_and_programs_without_an_origin_are_served() {
		for request in [
			upgrade(Some("https://polkadot.js.org")),
			upgrade(Some("http://localhost:3000")),
			upgrade(None),
		] {
			let (service, served) = filtered();
			assert_eq!(status(service, request), http::StatusCode::OK);
			assert_eq!(served.load(Ordering::SeqCst), 1);
		}
	}
}
