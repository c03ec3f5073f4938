//! The `dimo_*` JSON-RPC methods: questions about vehicles, who may read their data, the
//! issuance, and the anchors of vehicle data, one module per pallet: [`vehicles`],
//! [`data_access`], [`issuance`], [`anchoring`].
//!
//! Each method calls its pallet's runtime API (`VehiclesApi`, `DataAccessApi`, `IssuanceApi`,
//! `AnchoringApi`) at the block the caller names (`at`, the best block if omitted), except
//! `dimo_canRead`, which reads three entries natively through [`state`], the one place that
//! does; and turns its answer into plain JSON: accounts as SS58 addresses, streams and storage backends by
//! name, amounts as decimal strings (they do not fit a JavaScript number), block numbers as
//! numbers. Every failure is a [`DimoError`], whose JSON-RPC code (from the node's one table,
//! [`super::error`]) clients match on.

pub mod anchoring;
pub mod data_access;
pub mod issuance;
pub mod state;
pub mod vehicles;

use std::sync::Arc;

use dimo_runtime::opaque::Block;
use jsonrpsee::types::error::ErrorObjectOwned;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;

use super::error::{error_with_data, unknown_stream, RUNTIME_ERROR, UNKNOWN_STREAM};

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
				error_with_data(code, "runtime API call failed", error.to_string())
			},
			DimoError::State(error) => error_with_data(
				code,
				"the state at that block could not be read",
				error.to_string(),
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

#[cfg(test)]
mod tests {
	use super::*;

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
