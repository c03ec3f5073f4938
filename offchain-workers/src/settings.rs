//! The collector node operator's settings, as the node hands them to its offchain worker.
//!
//! The chain decides which OEM sources exist (governance registers them); the operator decides
//! what its own node will do with the owners' tokens it holds. The two must agree before a
//! token leaves the node: a source that governance registered but the operator did not list
//! is never contacted, so a compromised or mistaken governance decision cannot make every
//! collector send its owners' tokens to a new host.
//!
//! The node writes [`Settings`] into offchain persistent storage under [`SETTINGS_KEY`] at
//! start, from its command line (`--collector-oem-host`, `--collector-max-answer-bytes`,
//! `--collector-keep-readings`, `--collector-anchor`, `--collector-keep-days`,
//! `--collector-poll-every`):
//! offchain storage is the one channel from the node's command line to the worker. Absent
//! settings (a node that never wrote them) allow no OEM host at all.

use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode};

/// The offchain-storage key of the SCALE-encoded [`Settings`].
pub const SETTINGS_KEY: &[u8] = b"dimo/collector/settings";

/// The largest answer the collector reads from an OEM or IPFS by default: 1 MiB. A Tesla
/// `vehicle_data` answer is about 10 KiB, a Smartcar batch a few KiB; an answer larger than
/// this is refused rather than read (the offchain worker's memory is the runtime's).
pub const DEFAULT_MAX_ANSWER_BYTES: u32 = 1 << 20;

/// The largest answer a node may be told to read: 16 MiB, well inside the runtime's memory.
pub const MAX_MAX_ANSWER_BYTES: u32 = 16 << 20;

/// What the operator of a collector node allows its offchain worker.
#[derive(Clone, PartialEq, Eq, Debug, Encode)]
pub struct Settings {
	/// The OEM hosts (`host` or `host:port`, lower case) that may receive owners' tokens. A
	/// registered source whose host is not here is never contacted.
	pub oem_hosts: Vec<String>,
	/// The largest HTTP answer body read, in bytes; a longer one is refused.
	pub max_answer_bytes: u32,
	/// How many readings of each vehicle the node keeps for its gateway
	/// ([`crate::readings`]).
	pub keep_readings: u32,
	/// Whether the worker anchors each run's readings in one commitment (a Merkle root,
	/// [`crate::commitments`]) instead of one record each.
	pub commit: bool,
	/// How many days each reading stays in the node's history ([`crate::readings`]) after it
	/// was observed. Settings written before it existed decode with the default.
	pub keep_days: u32,
	/// Every how many blocks each vehicle is polled; 0: the chain's `PollEvery`. Written last:
	/// settings written before it existed decode with 0.
	pub poll_every: u32,
}

impl Decode for Settings {
	fn decode<I: codec::Input>(input: &mut I) -> Result<Self, codec::Error> {
		let oem_hosts = Decode::decode(input)?;
		let max_answer_bytes = Decode::decode(input)?;
		let keep_readings = Decode::decode(input)?;
		let commit = Decode::decode(input)?;
		// Absent from the settings of a node older than the history.
		let keep_days = match input.remaining_len()? {
			Some(0) => crate::readings::DEFAULT_KEEP_DAYS,
			_ => u32::decode(input)?,
		};
		// Absent from the settings of a node older than `--collector-poll-every`.
		let poll_every = match input.remaining_len()? {
			Some(0) => 0,
			_ => u32::decode(input)?,
		};
		Ok(Self { oem_hosts, max_answer_bytes, keep_readings, commit, keep_days, poll_every })
	}
}

impl Default for Settings {
	/// No OEM host, [`DEFAULT_MAX_ANSWER_BYTES`] and
	/// [`DEFAULT_KEEP_READINGS`](crate::readings::DEFAULT_KEEP_READINGS).
	fn default() -> Self {
		Self {
			oem_hosts: Vec::new(),
			max_answer_bytes: DEFAULT_MAX_ANSWER_BYTES,
			keep_readings: crate::readings::DEFAULT_KEEP_READINGS,
			commit: false,
			keep_days: crate::readings::DEFAULT_KEEP_DAYS,
			poll_every: 0,
		}
	}
}

/// Why an operator's OEM host is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum HostError {
	/// Empty, or with a scheme, a path, user info or whitespace: a host is `name[:port]`.
	Malformed,
	/// The port is not a number from 1 to 65535.
	BadPort,
}

/// `host` as an allow-list entry: lower case, checked to be `name[:port]`.
pub fn normalize_host(host: &str) -> Result<String, HostError> {
	let host = host.trim().to_ascii_lowercase();
	let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
	if host.is_empty() || !host.chars().all(allowed) {
		return Err(HostError::Malformed);
	}
	if let Some((name, port)) = split_port(&host) {
		if name.is_empty() {
			return Err(HostError::Malformed);
		}
		match port.parse::<u16>() {
			Ok(port) if port > 0 => {},
			_ => return Err(HostError::BadPort),
		}
	}
	Ok(host)
}

/// `host:port` split at the port's colon, if there is a port (IPv6 literals are bracketed).
fn split_port(host: &str) -> Option<(&str, &str)> {
	let colon = host.rfind(':')?;
	let (name, port) = (host.get(..colon)?, host.get(colon.saturating_add(1)..)?);
	if name.contains(':') && !(name.starts_with('[') && name.ends_with(']')) {
		return None; // a bare IPv6 literal, no port
	}
	Some((name, port))
}

/// The authority of `url` (`host[:port]`, lower case), without scheme, user info, path or
/// query; `None` if `url` has no `scheme://`.
pub fn url_authority(url: &str) -> Option<String> {
	let rest = url.get(url.find("://")?.saturating_add(3)..)?;
	let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
	let authority = authority.rsplit('@').next().unwrap_or(authority);
	Some(authority.to_ascii_lowercase())
}

/// The port a URL's scheme implies.
fn default_port(url: &str) -> Option<&'static str> {
	if url.starts_with("https://") {
		Some("443")
	} else if url.starts_with("http://") {
		Some("80")
	} else {
		None
	}
}

impl Settings {
	/// Whether the operator allows tokens to go to the host of `url`. An entry without a port
	/// matches the scheme's default port only, so `fleet-api.example.com` does not open
	/// `fleet-api.example.com:8443`.
	pub fn allows(&self, url: &str) -> bool {
		let Some(authority) = url_authority(url) else { return false };
		let (name, port) = match split_port(&authority) {
			Some((name, port)) => (name, Some(port)),
			None => (authority.as_str(), None),
		};
		let port = port.or_else(|| default_port(url));
		self.oem_hosts.iter().any(|entry| match split_port(entry) {
			Some((entry_name, entry_port)) => entry_name == name && Some(entry_port) == port,
			None => entry == name && port == default_port(url),
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec;

	fn allowing(hosts: &[&str]) -> Settings {
		Settings {
			oem_hosts: hosts.iter().map(|h| normalize_host(h).expect("well-formed")).collect(),
			..Settings::default()
		}
	}

	#[test]
	fn nothing_is_allowed_by_default() {
		assert!(!Settings::default().allows("https://fleet-api.example.com/api"));
	}

	#[test]
	fn a_host_is_matched_with_its_port_and_nothing_else() {
		let settings = allowing(&["Fleet-API.example.com", "localhost:7443"]);
		assert!(settings.allows("https://fleet-api.example.com/api/1/vehicles"));
		assert!(settings.allows("https://fleet-api.example.com:443/api"));
		assert!(!settings.allows("https://fleet-api.example.com:8443/api"));
		assert!(!settings.allows("https://fleet-api.example.com.evil.net/api"));
		assert!(!settings.allows("https://evil.net/fleet-api.example.com"));
		assert!(!settings.allows("https://fleet-api.example.com@evil.net/"));
		assert!(settings.allows("https://localhost:7443/tesla"));
		assert!(!settings.allows("https://localhost:7444/tesla"));
		assert!(!settings.allows("https://localhost/tesla"));
		assert!(!settings.allows("localhost:7443"));
	}

	#[test]
	fn malformed_hosts_are_refused() {
		for bad in ["", "https://x.com", "x.com/path", "user@x.com", "x .com"] {
			assert_eq!(normalize_host(bad), Err(HostError::Malformed), "{bad}");
		}
		for bad in ["x.com:0", "x.com:65536", "x.com:https"] {
			assert_eq!(normalize_host(bad), Err(HostError::BadPort), "{bad}");
		}
		assert_eq!(normalize_host(" [::1]:7443 "), Ok("[::1]:7443".into()));
		assert_eq!(allowing(&["[::1]:7443"]).oem_hosts, vec![String::from("[::1]:7443")]);
	}

	#[test]
	fn settings_round_trip_through_scale() {
		let settings = allowing(&["a.example.com"]);
		assert_eq!(Settings::decode(&mut &settings.encode()[..]), Ok(settings));
		let short = Settings { keep_days: 2, poll_every: 1, ..Settings::default() };
		assert_eq!(Settings::decode(&mut &short.encode()[..]), Ok(short));
	}

	#[test]
	fn settings_written_before_keep_days_or_poll_every_decode_with_the_defaults() {
		let settings =
			Settings { keep_days: 9, commit: true, poll_every: 2, ..allowing(&["a.example.com"]) };
		let mut old = settings.encode();
		old.truncate(old.len() - 4);
		let decoded = Settings::decode(&mut &old[..]).expect("decodes");
		assert_eq!(decoded, Settings { poll_every: 0, ..settings.clone() });
		old.truncate(old.len() - 4);
		let decoded = Settings::decode(&mut &old[..]).expect("decodes");
		assert_eq!(
			decoded,
			Settings { keep_days: crate::readings::DEFAULT_KEEP_DAYS, poll_every: 0, ..settings }
		);
		// A truncated field is still an error.
		old.push(1);
		assert!(Settings::decode(&mut &old[..]).is_err());
	}
}
