//! The offchain worker's HTTP transport: many requests sent at once through the node's offchain
//! HTTP API (`sp_runtime::offchain::http`, with the node's TLS certificate checks), one deadline
//! for all of them, and every answer's body read only up to a limit.
//!
//! [`run_for`] is how a worker uses it: "for these jobs, these requests; give each job its
//! answer". The worker decides which jobs need a request and what to make of each answer; this
//! module owns everything in between (starting, waiting, reading, bounding, and the short
//! reasons a request gave no answer, fit for a log line: never a URL's path or query, which may
//! carry a token).

use crate::oem::{Request, Response};
use alloc::{string::String, vec, vec::Vec};
use sp_runtime::offchain::{http, Timestamp};

/// Why an answer was refused because of its size.
pub const TOO_LARGE: &str = "the answer is larger than this node's --collector-max-answer-bytes";

/// An HTTP answer, read to its end.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Answer {
	/// The status code.
	pub status: u16,
	/// The headers, in the order the server sent them.
	pub headers: Vec<(String, String)>,
	/// The body.
	pub body: Vec<u8>,
}

impl Answer {
	/// The answer as the OEM adapters read it.
	pub fn response(&self) -> Response<'_> {
		Response { status: self.status, headers: &self.headers, body: &self.body }
	}
}

/// The host and port in `url`, for log lines (never the path or the query).
pub fn origin(url: &str) -> &str {
	let after_scheme = url.find("://").map(|i| i.saturating_add(3)).unwrap_or(0);
	let rest = url.get(after_scheme..).unwrap_or("");
	rest.split('/').next().unwrap_or(rest)
}

/// Reads at most `max_bytes` of `body`: `None` if it holds more. The body arrives in chunks
/// that the node reads as they are asked for, so an endless or huge answer costs the worker
/// `max_bytes` of memory and no more.
fn read_bounded(body: impl Iterator<Item = u8>, max_bytes: u32) -> Option<Vec<u8>> {
	let max = max_bytes as usize;
	let mut bytes = Vec::new();
	for byte in body {
		if bytes.len() >= max {
			return None;
		}
		bytes.push(byte);
	}
	Some(bytes)
}

/// Sends every request at once and waits for all the answers until `deadline`, reading at
/// most `max_bytes` of each body. Each answer is `Err` with a short reason if the transport
/// failed (refused connection, a certificate chain the node does not trust, the deadline) or
/// the body was too large ([`TOO_LARGE`]).
pub fn fetch_all(
	requests: &[Request],
	deadline: Timestamp,
	max_bytes: u32,
) -> Vec<Result<Answer, &'static str>> {
	let mut results: Vec<Result<Answer, &'static str>> = Vec::with_capacity(requests.len());
	let mut started = Vec::new();
	let mut started_at = Vec::new();
	for (index, request) in requests.iter().enumerate() {
		let method = if request.method == "POST" { http::Method::Post } else { http::Method::Get };
		let body: Vec<Vec<u8>> =
			if request.body.is_empty() { Vec::new() } else { vec![request.body.clone()] };
		let mut builder = http::Request::<Vec<Vec<u8>>>::new(&request.url)
			.method(method)
			.body(body)
			.deadline(deadline);
		for (name, value) in &request.headers {
			builder = builder.add_header(name, value);
		}
		match builder.send() {
			Ok(pending) => {
				results.push(Err("no answer before the deadline"));
				started.push(pending);
				started_at.push(index);
			},
			Err(_) => results.push(Err("could not start the request")),
		}
	}
	let answers = http::PendingRequest::try_wait_all(started, deadline);
	for (index, answer) in started_at.into_iter().zip(answers) {
		let result = match answer {
			Ok(Ok(mut response)) => {
				let mut headers = Vec::new();
				let mut iter = response.headers().into_iter();
				while iter.next() {
					if let Some((name, value)) = iter.current() {
						headers.push((name.into(), value.into()));
					}
				}
				let mut body_reader = response.body();
				body_reader.deadline(deadline);
				match read_bounded(body_reader.by_ref(), max_bytes) {
					None => Err(TOO_LARGE),
					Some(_) if body_reader.error().is_some() => {
						Err("the answer's body did not arrive in time")
					},
					Some(body) => Ok(Answer { status: response.code, headers, body }),
				}
			},
			Ok(Err(http::Error::DeadlineReached)) | Err(_) => Err("no answer before the deadline"),
			Ok(Err(_)) => Err(
				"transport error (connection refused, or a TLS certificate chain that the node \
				 does not trust)",
			),
		};
		if let Some(slot) = results.get_mut(index) {
			*slot = result;
		}
	}
	results
}

/// Runs one round of requests for `jobs`: `request_of(index, job)` says which request a job
/// needs (`None`: none this round), all of them are sent at once ([`fetch_all`]), and
/// `on_answer(job, answer)` gets each job's answer, in the jobs' order.
pub fn run_for<J>(
	jobs: &mut [J],
	request_of: impl Fn(usize, &J) -> Option<Request>,
	deadline: Timestamp,
	max_bytes: u32,
	mut on_answer: impl FnMut(&mut J, Result<Answer, &'static str>),
) {
	let (asking, requests): (Vec<usize>, Vec<Request>) = jobs
		.iter()
		.enumerate()
		.filter_map(|(index, job)| request_of(index, job).map(|request| (index, request)))
		.unzip();
	if requests.is_empty() {
		return;
	}
	let answers = fetch_all(&requests, deadline, max_bytes);
	for (index, answer) in asking.into_iter().zip(answers) {
		if let Some(job) = jobs.get_mut(index) {
			on_answer(job, answer);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn origins_name_host_and_port_only() {
		assert_eq!(
			origin("https://fleet-api.example.com:8443/api/1/vehicles?token=x"),
			"fleet-api.example.com:8443"
		);
		assert_eq!(origin("http://127.0.0.1:5001"), "127.0.0.1:5001");
		assert_eq!(origin("no-scheme/path"), "no-scheme");
	}

	#[test]
	fn bodies_are_read_up_to_their_limit() {
		assert_eq!(read_bounded([1u8, 2, 3].into_iter(), 3), Some(vec![1, 2, 3]));
		assert_eq!(read_bounded([1u8, 2, 3].into_iter(), 2), None);
		// An endless body costs the limit, not forever.
		assert_eq!(read_bounded(core::iter::repeat(7u8), 1024), None);
	}
}
