//! The node's own HTTP(S) client: what `collector_attestOwnership` asks carmakers with and what
//! the Arweave uploader posts with. Certificates are checked against the node's trust store
//! (native roots, or `SSL_CERT_FILE`), as sc-offchain's client does for the offchain worker;
//! plain HTTP only where the caller allowed it (a loopback source).

use std::time::Duration;

use dimo_offchain::oem;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;

/// An HTTPS (and HTTP) client: rustls with ring, HTTP/1.
pub type HttpsClient = hyper_util::client::legacy::Client<
	hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
	Full<Bytes>,
>;

/// A client over the node's trust store. Reads the trust store once, here.
pub fn https_client() -> Result<HttpsClient, std::io::Error> {
	let connector = hyper_rustls::HttpsConnectorBuilder::new()
		.with_provider_and_native_roots(tokio_rustls::rustls::crypto::ring::default_provider())?
		.https_or_http()
		.enable_http1()
		.build();
	Ok(hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
		.build(connector))
}

/// The answer to one request.
pub struct Answer {
	/// The status code.
	pub status: u16,
	/// The headers, as text.
	pub headers: Vec<(String, String)>,
	/// The body, at most the reader's maximum.
	pub body: Vec<u8>,
}

impl Answer {
	/// The body as one line of text (runs of whitespace and control characters made one
	/// space), cut to `max` characters: for log lines.
	pub fn body_text(&self, max: usize) -> String {
		let text = String::from_utf8_lossy(&self.body);
		let words: Vec<&str> = text
			.split(|c: char| c.is_whitespace() || c.is_control())
			.filter(|w| !w.is_empty())
			.collect();
		words.join(" ").chars().take(max).collect()
	}
}

/// Makes `request`, reading at most `max_bytes` of the answer, within `timeout`.
pub async fn fetch(
	client: &HttpsClient,
	request: oem::Request,
	max_bytes: usize,
	timeout: Duration,
) -> Result<Answer, String> {
	let mut builder = hyper::Request::builder().method(request.method).uri(&request.url);
	for (name, value) in &request.headers {
		builder = builder.header(*name, value);
	}
	let http_request =
		builder.body(Full::new(Bytes::from(request.body))).map_err(|e| e.to_string())?;
	let exchange = async {
		let response = client.request(http_request).await.map_err(|e| {
			// The source of a connection error says why (TLS: the certificate), never a header.
			let mut text = e.to_string();
			let mut source = std::error::Error::source(&e);
			while let Some(cause) = source {
				text = format!("{text}: {cause}");
				source = cause.source();
			}
			text
		})?;
		let status = response.status().as_u16();
		let headers = response
			.headers()
			.iter()
			.map(|(name, value)| (name.to_string(), value.to_str().unwrap_or("").to_string()))
			.collect();
		let body = Limited::new(response.into_body(), max_bytes)
			.collect()
			.await
			.map_err(|e| format!("the answer: {e}"))?
			.to_bytes()
			.to_vec();
		Ok::<_, String>(Answer { status, headers, body })
	};
	tokio::time::timeout(timeout, exchange)
		.await
		.map_err(|_| format!("no answer within {} s", timeout.as_secs()))?
}
