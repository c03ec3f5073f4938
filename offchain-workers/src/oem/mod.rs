//! OEM adapters: how to ask a carmaker's API for a vehicle's data and for a fresh access
//! token, and how to read its answers.
//!
//! One trait, [`OemAdapter`], one module per OEM ([`tesla`], [`smartcar`]): adding an OEM
//! touches one new file and the list in [`adapter_names`]. Adapters do no I/O: they build
//! [`Request`]s and read responses, so that the offchain worker drives many requests at once
//! through the offchain HTTP API, and so that each adapter is tested against recorded
//! responses of the real APIs' shapes.

pub mod smartcar;
pub mod tesla;

use alloc::{collections::BTreeMap, string::String, vec::Vec};

/// An HTTP request to make.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Request {
	/// `GET` or `POST`.
	pub method: &'static str,
	/// The full URL.
	pub url: String,
	/// Headers, in order.
	pub headers: Vec<(&'static str, String)>,
	/// The body (empty for a `GET`).
	pub body: Vec<u8>,
}

/// An HTTP response as the offchain HTTP API returns it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Response<'a> {
	/// The status code.
	pub status: u16,
	/// The headers (names in any case).
	pub headers: &'a [(String, String)],
	/// The body.
	pub body: &'a [u8],
}

impl Response<'_> {
	/// The value of the header `name`, compared without case.
	pub fn header(&self, name: &str) -> Option<&str> {
		self.headers
			.iter()
			.find(|(key, _)| key.eq_ignore_ascii_case(name))
			.map(|(_, value)| value.as_str())
	}

	/// The seconds of a `Retry-After` header, if it holds a number of seconds.
	fn retry_after(&self) -> Option<u32> {
		self.header("retry-after").and_then(|value| value.trim().parse().ok())
	}
}

/// OAuth tokens, as an OEM's token endpoint returns them.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Tokens {
	/// The bearer token for the API.
	pub access_token: String,
	/// The token to get the next access token (OEMs rotate it: keep the new one).
	pub refresh_token: String,
	/// How long the access token is valid, in seconds.
	pub expires_in: u64,
}

/// Signals by name, in the record's units (see [`crate::record`]).
pub type Signals = BTreeMap<String, i64>;

/// Why an OEM call did not give data.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum OemError {
	/// The vehicle sleeps or is offline (Tesla: 408): try later, without waking it.
	Asleep,
	/// Too many requests (429): wait this many seconds (60 if the OEM did not say).
	RateLimited {
		/// The seconds to wait.
		retry_after: u32,
	},
	/// The access token is no longer accepted (401): refresh it.
	Unauthorized,
	/// The refresh token is no longer accepted: the owner must grant access again.
	RefreshRejected,
	/// Any other failure status.
	Status(u16),
	/// The answer is not what the API documents.
	Malformed,
}

/// The seconds to wait after a 429 that gave no `Retry-After`.
pub const DEFAULT_RETRY_AFTER: u32 = 60;

/// A carmaker's API.
pub trait OemAdapter {
	/// The adapter's name: the `oem` of the records it makes.
	const NAME: &'static str;

	/// The request for the data of the OEM's vehicle `oem_vehicle` at `api_base`.
	fn data_request(api_base: &str, oem_vehicle: &str, access_token: &str) -> Request;

	/// The signals in the answer to [`data_request`](Self::data_request).
	fn read_data(response: &Response) -> Result<Signals, OemError>;

	/// The request for new tokens at the OEM's token endpoint `auth_url`.
	fn refresh_request(auth_url: &str, client_id: &str, refresh_token: &str) -> Request;

	/// The tokens in the answer to [`refresh_request`](Self::refresh_request).
	fn read_tokens(response: &Response) -> Result<Tokens, OemError> {
		read_oauth_tokens(response)
	}
}

/// An adapter's functions, chosen at run time (by the OEM source that governance registered)
/// where [`OemAdapter`]'s static functions cannot be.
#[derive(Clone, Copy)]
pub struct Adapter {
	/// [`OemAdapter::NAME`].
	pub name: &'static str,
	/// [`OemAdapter::data_request`].
	pub data_request: fn(&str, &str, &str) -> Request,
	/// [`OemAdapter::read_data`].
	pub read_data: fn(&Response) -> Result<Signals, OemError>,
	/// [`OemAdapter::refresh_request`].
	pub refresh_request: fn(&str, &str, &str) -> Request,
	/// [`OemAdapter::read_tokens`].
	pub read_tokens: fn(&Response) -> Result<Tokens, OemError>,
}

impl Adapter {
	/// The functions of adapter `A`.
	pub fn of<A: OemAdapter>() -> Self {
		Self {
			name: A::NAME,
			data_request: A::data_request,
			read_data: A::read_data,
			refresh_request: A::refresh_request,
			read_tokens: A::read_tokens,
		}
	}
}

/// The adapters this build knows, by name.
pub fn adapter_names() -> [&'static str; 2] {
	[tesla::Tesla::NAME, smartcar::Smartcar::NAME]
}

/// The common failures of an API call, from its status; `Ok` for a 2xx.
fn check_status(response: &Response) -> Result<(), OemError> {
	match response.status {
		200..=299 => Ok(()),
		401 => Err(OemError::Unauthorized),
		408 => Err(OemError::Asleep),
		429 => Err(OemError::RateLimited {
			retry_after: response.retry_after().unwrap_or(DEFAULT_RETRY_AFTER),
		}),
		status => Err(OemError::Status(status)),
	}
}

/// An OAuth 2 token response (RFC 6749 §5.1), as Tesla's and Smartcar's token endpoints send.
fn read_oauth_tokens(response: &Response) -> Result<Tokens, OemError> {
	match response.status {
		200 => {},
		400 | 401 => return Err(OemError::RefreshRejected),
		_ => return check_status(response).and(Err(OemError::Malformed)),
	}
	#[derive(serde::Deserialize)]
	struct TokenAnswer {
		access_token: String,
		refresh_token: String,
		expires_in: u64,
	}
	let answer: TokenAnswer =
		serde_json::from_slice(response.body).map_err(|_| OemError::Malformed)?;
	Ok(Tokens {
		access_token: answer.access_token,
		refresh_token: answer.refresh_token,
		expires_in: answer.expires_in,
	})
}

/// A form-encoded body (`application/x-www-form-urlencoded`).
fn form(fields: &[(&str, &str)]) -> Vec<u8> {
	let mut body = String::new();
	for (index, (key, value)) in fields.iter().enumerate() {
		if index > 0 {
			body.push('&');
		}
		body.push_str(key);
		body.push('=');
		for byte in value.bytes() {
			if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
				body.push(byte as char);
			} else {
				body.push_str(&alloc::format!("%{byte:02X}"));
			}
		}
	}
	body.into_bytes()
}

/// `value × scale`, rounded half away from zero, as the records' integers (`core` has no
/// `f64::round`).
fn scaled(value: f64, scale: f64) -> Option<i64> {
	let x = value * scale;
	if !x.is_finite() || x.abs() > 9.0e15 {
		return None;
	}
	Some(if x >= 0.0 { (x + 0.5) as i64 } else { (x - 0.5) as i64 })
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn rounding_is_half_away_from_zero_and_refuses_nonsense() {
		assert_eq!(scaled(52.352_000_05, 1e7), Some(523_520_001));
		assert_eq!(scaled(-1.340_000_05, 1e7), Some(-13_400_001));
		assert_eq!(scaled(0.815, 1000.0), Some(815));
		assert_eq!(scaled(f64::NAN, 1.0), None);
		assert_eq!(scaled(1e300, 1.0), None);
	}

	#[test]
	fn forms_are_percent_encoded() {
		assert_eq!(
			form(&[("grant_type", "refresh_token"), ("refresh_token", "a+b/c=")]),
			b"grant_type=refresh_token&refresh_token=a%2Bb%2Fc%3D".to_vec()
		);
	}

	#[test]
	fn every_adapter_has_a_distinct_plain_name() {
		let names = adapter_names();
		assert_ne!(names[0], names[1]);
		assert!(names.iter().all(|n| n.bytes().all(|b| b.is_ascii_lowercase())));
	}
}
