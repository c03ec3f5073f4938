//! The `dimo_*` JSON-RPC methods: questions about vehicles, who may read their data, the
//! issuance, and the anchors of vehicle data, one module per pallet: [`vehicles`],
//! [`data_access`], [`issuance`], [`anchoring`].
//!
//! Each method calls its pallet's runtime API (`VehiclesApi`, `DataAccessApi`, `IssuanceApi`,
//! `AnchoringApi`) at the block the caller names (`at`, the best block if omitted) and turns
//! its answer into plain JSON: accounts as SS58 addresses, streams and storage backends by
//! name, amounts as decimal strings (they do not fit a JavaScript number), block numbers as
//! numbers. Every failure is a [`DimoError`], whose JSON-RPC code clients match on.

pub mod anchoring;
pub mod data_access;
pub mod issuance;
pub mod vehicles;

use std::sync::Arc;

use dimo_primitives::vehicle::Stream;
use dimo_runtime::opaque::Block;
use jsonrpsee::types::error::{ErrorObject, ErrorObjectOwned};
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;

/// JSON-RPC code of [`DimoError::RuntimeApi`] (also used by the gateway and the collector
/// methods for the same failure).
pub const RUNTIME_ERROR: i32 = 1;
/// JSON-RPC code of [`DimoError::UnknownStream`].
pub const UNKNOWN_STREAM: i32 = 2;

/// Why a `dimo_*` method failed.
#[derive(Debug)]
pub enum DimoError {
	/// The runtime API call failed (the runtime lacks the API, or the block is unknown):
	/// code [`RUNTIME_ERROR`], the runtime's message as data.
	RuntimeApi(sp_api::ApiError),
	/// The state at the block could not be read (the block is unknown or pruned): code
	/// [`RUNTIME_ERROR`], the client's message as data.
	State(sp_blockchain::Error),
	/// The stream name is not one of the chain's streams: code [`UNKNOWN_STREAM`], the streams
	/// listed as data.
	UnknownStream(String),
}

impl DimoError {
	/// The JSON-RPC error code.
	pub fn code(&self) -> i32 {
		match self {
			DimoError::RuntimeApi(_) | DimoError::State(_) => RUNTIME_ERROR,
			DimoError::UnknownStream(_) => UNKNOWN_STREAM,
		}
	}
}

impl From<DimoError> for ErrorObjectOwned {
	fn from(error: DimoError) -> Self {
		let code = error.code();
		match error {
			DimoError::RuntimeApi(error) => {
				ErrorObject::owned(code, "runtime API call failed", Some(error.to_string()))
			},
			DimoError::State(error) => ErrorObject::owned(
				code,
				"the state at that block could not be read",
				Some(error.to_string()),
			),
			DimoError::UnknownStream(name) => unknown_stream(&name),
		}
	}
}

/// The server of the `dimo_*` methods: the node's client, whose runtime answers them. Each
/// pallet's module implements its own trait on it ([`vehicles::VehiclesRpcServer`], ...).
pub struct Dimo<C> {
	client: Arc<C>,
}

impl<C> Dimo<C> {
	/// The methods, over `client`.
	pub fn new(client: Arc<C>) -> Self {
		Self { client }
	}
}

impl<C: HeaderBackend<Block>> Dimo<C> {
	/// The block a call names, or the best block.
	fn at(&self, at: Option<<Block as BlockT>::Hash>) -> <Block as BlockT>::Hash {
		at.unwrap_or_else(|| self.client.info().best_hash)
	}
}

/// The longest part of an unknown stream name that an error repeats: no stream name is
/// longer, and an answer must not echo whatever a caller sent (megabytes, control bytes).
const MAX_ECHOED_STREAM_CHARS: usize = 32;

/// The error for an unknown stream `name`: it names at most [`MAX_ECHOED_STREAM_CHARS`]
/// printable characters of it, and lists the streams.
fn unknown_stream(name: &str) -> ErrorObjectOwned {
	let mut shown: String = name
		.chars()
		.take(MAX_ECHOED_STREAM_CHARS)
		.map(|c| if c.is_control() { '\u{fffd}' } else { c })
		.collect();
	if name.chars().nth(MAX_ECHOED_STREAM_CHARS).is_some() {
		shown.push('…');
	}
	let names: Vec<&str> = Stream::ALL.iter().map(|stream| stream.name()).collect();
	ErrorObject::owned(
		UNKNOWN_STREAM,
		format!("unknown stream `{shown}`"),
		Some(format!("streams: {}", names.join(", "))),
	)
}

#[cfg(test)]
mod tests {
	use super::*;

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
	fn errors_carry_their_codes() {
		let unknown: ErrorObjectOwned = DimoError::UnknownStream("x".into()).into();
		assert_eq!(unknown.code(), UNKNOWN_STREAM);
		let failed: ErrorObjectOwned =
			DimoError::RuntimeApi(sp_api::ApiError::UnknownBlock("0x12".into())).into();
		assert_eq!(failed.code(), RUNTIME_ERROR);
		assert_eq!(failed.message(), "runtime API call failed");
		assert!(failed.data().expect("the runtime's message").get().contains("0x12"));
		let unread: ErrorObjectOwned =
			DimoError::State(sp_blockchain::Error::UnknownBlock("0x34".into())).into();
		assert_eq!(unread.code(), RUNTIME_ERROR);
		assert_eq!(unread.message(), "the state at that block could not be read");
		assert!(unread.data().expect("the client's message").get().contains("0x34"));
	}
}
