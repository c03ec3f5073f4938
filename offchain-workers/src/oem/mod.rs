//! OEM adapters: how to ask a carmaker's API for a vehicle's data, for a fresh access token
//! and for the vehicles an owner's grant covers, and how to read its answers.
//!
//! One trait, [`OemAdapter`], one module per OEM ([`tesla`], [`smartcar`], [`highmobility`]),
//! and one table, [`adapter`], from the kind of API that governance registers a source as
//! ([`dimo_primitives::oem::OemApi`]) to its adapter. Adding an OEM: its module here, its
//! variant in `OemApi` (name and place in `OemApi::ALL`), and its line in [`adapter`]; the
//! anchoring pallet's worker and the node's RPC take it from there, and the OEM simulator
//! serves it once its file there says how the API answers. Adapters do no I/O:
//! they build [`Request`]s and read responses, so that the offchain worker drives many
//! requests at once through the offchain HTTP API, and so that each adapter is tested against
//! recorded responses of the real APIs' shapes.

pub mod highmobility;
pub mod smartcar;
pub mod tesla;

use alloc::{collections::BTreeMap, string::String, vec::Vec};
pub use dimo_primitives::oem::OemApi;

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

/// The OAuth client that a collector's operator registered with an OEM: what the OEM's token
/// endpoint authenticates a refresh with (Tesla: the client id in the form; Smartcar: HTTP
/// Basic with the id and the secret). Kept sealed in the node's offchain storage
/// ([`crate::credentials::OemClient`]); prints its secret redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthClient {
	/// The client id.
	pub client_id: String,
	/// The client secret (empty where the OEM wants none).
	pub client_secret: String,
}

impl core::fmt::Debug for OAuthClient {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("OAuthClient")
			.field("client_id", &self.client_id)
			.field("client_secret", &"<redacted>")
			.finish()
	}
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

	/// When the car measured the data of a data answer, by the OEM's word (Unix ms, the
	/// latest of the answer's times), if the answer says. A pushed reading is dated by it, so
	/// that a message the OEM sends again is the same reading, and committed once.
	fn observed_at(_response: &Response) -> Option<u64> {
		None
	}

	/// The request for new tokens at the OEM's token endpoint `auth_url`, authenticated as
	/// `client`.
	fn refresh_request(auth_url: &str, client: &OAuthClient, refresh_token: &str) -> Request;

	/// The tokens in the answer to [`refresh_request`](Self::refresh_request).
	fn read_tokens(response: &Response) -> Result<Tokens, OemError> {
		read_oauth_tokens(response)
	}

	/// The request for the vehicles that `access_token` gives access to: how a collector checks
	/// that an owner's grant covers a car before it attests the owner's control of it
	/// ([`dimo_primitives::ownership`]).
	fn list_request(api_base: &str, access_token: &str) -> Request;

	/// The OEM's ids of the vehicles in the answer to [`list_request`](Self::list_request): the
	/// ids that [`data_request`](Self::data_request) takes, whose BLAKE2-256 is the chain's
	/// `oem_ref_hash`. A car may be listed under more than one (Tesla: its numeric id and its
	/// VIN, which its Fleet Telemetry stream names it by).
	fn read_vehicle_ids(response: &Response) -> Result<Vec<String>, OemError>;
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
	/// [`OemAdapter::observed_at`].
	pub observed_at: fn(&Response) -> Option<u64>,
	/// [`OemAdapter::refresh_request`].
	pub refresh_request: fn(&str, &OAuthClient, &str) -> Request,
	/// [`OemAdapter::read_tokens`].
	pub read_tokens: fn(&Response) -> Result<Tokens, OemError>,
	/// [`OemAdapter::list_request`].
	pub list_request: fn(&str, &str) -> Request,
	/// [`OemAdapter::read_vehicle_ids`].
	pub read_vehicle_ids: fn(&Response) -> Result<Vec<String>, OemError>,
}

impl Adapter {
	/// The functions of adapter `A`.
	pub fn of<A: OemAdapter>() -> Self {
		Self {
			name: A::NAME,
			data_request: A::data_request,
			read_data: A::read_data,
			observed_at: A::observed_at,
			refresh_request: A::refresh_request,
			read_tokens: A::read_tokens,
			list_request: A::list_request,
			read_vehicle_ids: A::read_vehicle_ids,
		}
	}
}

/// The adapter that speaks `api`: the one table from the kinds of API that governance registers
/// sources as to the code that speaks them, used by the collector's worker and by the node's
/// `collector_attestOwnership`.
pub fn adapter(api: OemApi) -> Adapter {
	match api {
		OemApi::Tesla => Adapter::of::<tesla::Tesla>(),
		OemApi::Smartcar => Adapter::of::<smartcar::Smartcar>(),
		OemApi::HighMobility => Adapter::of::<highmobility::HighMobility>(),
	}
}

/// A `GET` of `url` with the owner's `access_token` as a bearer token.
fn bearer_get(url: String, access_token: &str) -> Request {
	Request {
		method: "GET",
		url,
		headers: alloc::vec![("Authorization", alloc::format!("Bearer {access_token}"))],
		body: Vec::new(),
	}
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

/// The `Authorization` header value of HTTP Basic authentication (RFC 7617) for `client`.
pub fn basic_auth(client: &OAuthClient) -> String {
	let mut pair = client.client_id.clone();
	pair.push(':');
	pair.push_str(&client.client_secret);
	alloc::format!("Basic {}", crate::encoding::base64(pair.as_bytes()))
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

/// The Unix milliseconds of an RFC 3339 time in UTC as the OEMs write it,
/// `YYYY-MM-DDTHH:MM:SS[.fff]Z` (any number of fraction digits, read to the millisecond);
/// `None` for another shape, a date before 1970 or a field out of its range.
pub fn utc_millis(text: &str) -> Option<u64> {
	let bytes = text.as_bytes();
	let digits = |from: usize, len: usize| -> Option<u64> {
		let part = bytes.get(from..from.checked_add(len)?)?;
		part.iter().try_fold(0u64, |acc, byte| {
			byte.is_ascii_digit()
				.then(|| acc.saturating_mul(10).saturating_add(u64::from(byte - b'0')))
		})
	};
	let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
	if !separators.iter().all(|(at, byte)| bytes.get(*at) == Some(byte)) {
		return None;
	}
	let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
	let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
	let rest = bytes.get(19..)?;
	let (fraction, zone) = match rest.split_first() {
		Some((b'.', after)) => {
			let count = after.iter().take_while(|byte| byte.is_ascii_digit()).count();
			let (fraction, zone) = after.split_at(count);
			if fraction.is_empty() {
				return None;
			}
			let millis = (0..3).fold(0u64, |acc, index| {
				let digit = fraction.get(index).map_or(0, |byte| u64::from(byte - b'0'));
				acc * 10 + digit
			});
			(millis, zone)
		},
		_ => (0, rest),
	};
	if zone != b"Z" || year < 1970 || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
		return None;
	}
	if hour > 23 || minute > 59 || second > 60 {
		return None;
	}
	// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
	// Every field is at most four digits, so no step below can overflow a u64.
	let (y, m) = if month <= 2 { (year - 1, month + 9) } else { (year, month - 3) };
	let era = y / 400;
	let year_of_era = y - era * 400;
	let day_of_year = (153 * m + 2) / 5 + day - 1;
	let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
	let days = (era * 146_097 + day_of_era).checked_sub(719_468)?;
	let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second;
	seconds.checked_mul(1_000)?.checked_add(fraction)
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
pub(crate) mod tests {
	use super::*;

	/// A recorded answer, as the adapters' tests give them.
	pub(crate) fn response<'a>(
		status: u16,
		headers: &'a [(String, String)],
		body: &'a str,
	) -> Response<'a> {
		Response { status, headers, body: body.as_bytes() }
	}

	/// Signals from `(name, value)` pairs, as the adapters' tests expect them.
	pub(crate) fn signals_of(pairs: &[(&str, i64)]) -> Signals {
		pairs.iter().map(|(name, value)| (String::from(*name), *value)).collect()
	}

	#[test]
	fn utc_times_read_to_the_millisecond_and_other_shapes_are_refused() {
		assert_eq!(utc_millis("1970-01-01T00:00:00Z"), Some(0));
		assert_eq!(utc_millis("2025-11-24T16:00:00.000Z"), Some(1_764_000_000_000));
		assert_eq!(utc_millis("2026-11-24T16:00:00.000Z"), Some(1_795_536_000_000));
		// A leap day, and fraction digits past the millisecond dropped.
		assert_eq!(utc_millis("2000-02-29T23:59:59.999999Z"), Some(951_868_799_999));
		assert_eq!(utc_millis("2000-02-29T23:59:59.5Z"), Some(951_868_799_500));
		for text in [
			"",
			"2025-11-24",
			"2025-11-24T16:00:00",
			"2025-11-24T16:00:00+01:00",
			"2025-11-24 16:00:00Z",
			"2025-13-24T16:00:00Z",
			"2025-11-24T24:00:00Z",
			"1969-12-31T23:59:59Z",
			"2025-11-24T16:00:00.Z",
			"2025-1a-24T16:00:00Z",
		] {
			assert_eq!(utc_millis(text), None, "{text}");
		}
	}

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
	fn basic_auth_follows_rfc_7617() {
		// RFC 7617 §2.
		let client =
			OAuthClient { client_id: "Aladdin".into(), client_secret: "open sesame".into() };
		assert_eq!(basic_auth(&client), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
		assert!(!alloc::format!("{client:?}").contains("sesame"));
	}

	#[test]
	fn every_kind_of_api_has_an_adapter_of_its_name() {
		for api in OemApi::ALL {
			assert_eq!(adapter(api).name, api.name(), "{api:?}");
		}
	}
}
