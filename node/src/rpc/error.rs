//! The one table of the error codes of DIMO's own JSON-RPC methods (`dimo_*`, `collector_*`),
//! unique across them, and the one helper that makes an error object. Clients match on the
//! code; the message is for people. docs/rpc.md prints the same table.
//!
//! Codes are grouped by what the caller did: 1–9 any method, 10–19 the collector's unsafe
//! methods, 20–29 the gateway, 30–39 ownership attestations, 40–49 commitment proofs.

use dimo_primitives::vehicle::Stream;
use jsonrpsee::types::error::{ErrorObject, ErrorObjectOwned};

/// Declares each code as a constant and lists them all in [`TABLE`], so that a code cannot
/// be added without being listed (and checked unique).
macro_rules! codes {
	($($(#[$doc:meta])* $name:ident = $code:literal;)*) => {
		$($(#[$doc])* pub const $name: i32 = $code;)*

		/// Every code with its name, as docs/rpc.md lists them (read by the tests that keep
		/// the codes unique and the docs true).
		#[cfg_attr(not(test), allow(dead_code))]
		pub const TABLE: &[(i32, &str)] = &[$(($name, stringify!($name))),*];
	};
}

codes! {
	/// A runtime API call failed, or the state at the block could not be read (the block is
	/// unknown or pruned); the runtime's or the client's message as data.
	RUNTIME_ERROR = 1;
	/// The stream name is not one of the chain's streams; the streams listed as data.
	UNKNOWN_STREAM = 2;

	/// Unsafe methods are not allowed on this RPC server.
	UNSAFE_DENIED = 10;
	/// A token, a client field or the OEM's vehicle id is empty or too long.
	BAD_TOKEN = 11;
	/// The node holds credentials for as many vehicles as it may.
	TOO_MANY_VEHICLES = 12;
	/// The node runs without offchain storage.
	NO_OFFCHAIN_STORAGE = 13;
	/// The node's keystore could not make or use the sealing key.
	NO_SEALING_KEY = 14;
	/// The Arweave wallet is not an RSA JWK of at least 4096 bits, or too long.
	BAD_WALLET = 15;

	/// The caller's account may not read this stream of this vehicle (or may not have it pushed).
	NO_ACCESS = 20;
	/// `auth`'s signature does not verify: wrong key, wrong payload, or another chain.
	BAD_SIGNATURE = 21;
	/// `auth`'s expiry block has passed.
	AUTH_EXPIRED = 22;
	/// The stream has no view of readings (`liveDataSubscription`, `vinCredential`).
	STREAM_HAS_NO_VIEW = 23;
	/// This node keeps no reading of the vehicle: it does not collect it.
	NOT_COLLECTED_HERE = 24;
	/// The connection or the node has as many subscriptions as it may.
	TOO_MANY_SUBSCRIPTIONS = 25;
	/// A reading the ring moved past could not be read back from storage: IPFS did not answer,
	/// answered another block, or the collector lost the content key that sealed it.
	STORAGE_UNAVAILABLE = 26;

	/// The carmaker has no OEM source registered on chain.
	NO_OEM_SOURCE = 30;
	/// The operator did not allow the OEM source's host (`--collector-oem-host`).
	HOST_NOT_ALLOWED = 31;
	/// The carmaker could not be reached: connection, TLS (an untrusted certificate) or timeout.
	OEM_UNREACHABLE = 32;
	/// The carmaker refused the token, or answered what its API does not document.
	OEM_REFUSED = 33;
	/// The carmaker does not list the car for this token: the token's owner does not control it.
	NOT_LISTED = 34;
	/// The node's keystore holds no collector key that governance registered.
	NO_COLLECTOR_KEY = 35;
	/// The token or the carmaker's vehicle id is empty or too long.
	BAD_INPUT = 36;

	/// The collector's log of commitments does not decode (written by another version).
	BAD_COMMITMENT_LOG = 40;
}

/// The error object with `code` and `message`, no data.
pub fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObject::owned(code, message.into(), None::<()>)
}

/// The error object with `code`, `message` and `data` (a text: the runtime's message, the
/// streams there are).
pub fn error_with_data(code: i32, message: impl Into<String>, data: String) -> ErrorObjectOwned {
	ErrorObject::owned(code, message.into(), Some(data))
}

/// The longest part of an unknown stream name that an error repeats: no stream name is
/// longer, and an answer must not echo whatever a caller sent (megabytes, control bytes).
const MAX_ECHOED_STREAM_CHARS: usize = 32;

/// The error for an unknown stream `name`: it names at most [`MAX_ECHOED_STREAM_CHARS`]
/// printable characters of it, and lists the streams.
pub fn unknown_stream(name: &str) -> ErrorObjectOwned {
	let mut shown: String = name
		.chars()
		.take(MAX_ECHOED_STREAM_CHARS)
		.map(|c| if c.is_control() { '\u{fffd}' } else { c })
		.collect();
	if name.chars().nth(MAX_ECHOED_STREAM_CHARS).is_some() {
		shown.push('…');
	}
	let names: Vec<&str> = Stream::ALL.iter().map(|stream| stream.name()).collect();
	error_with_data(
		UNKNOWN_STREAM,
		format!("unknown stream `{shown}`"),
		format!("streams: {}", names.join(", ")),
	)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_code_is_listed_once() {
		let mut codes: Vec<i32> = TABLE.iter().map(|(code, _)| *code).collect();
		codes.sort_unstable();
		codes.dedup();
		assert_eq!(codes.len(), TABLE.len(), "two errors share a code");
	}

	#[test]
	fn an_unknown_stream_is_named_briefly_in_the_error() {
		assert_eq!(unknown_stream("location").message(), "unknown stream `location`");
		let huge = "x".repeat(10 << 20);
		let error = unknown_stream(&huge);
		assert_eq!(error.message(), format!("unknown stream `{}…`", "x".repeat(32)));
		assert!(error.data().expect("the streams").get().contains("currentLocation"));
		assert_eq!(unknown_stream("a\nb").message(), "unknown stream `a\u{fffd}b`");
		assert!(Stream::ALL.iter().all(|s| s.name().chars().count() <= MAX_ECHOED_STREAM_CHARS));
	}

	#[test]
	fn the_docs_list_the_table() {
		let docs = include_str!("../../../docs/rpc.md");
		for (code, name) in TABLE {
			assert!(docs.contains(&format!("| {code} | `{name}` |")), "docs/rpc.md lacks {name}");
		}
	}
}
