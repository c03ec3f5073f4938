//! The runtime API of the anchors and of the registries of collectors and OEM sources.
//!
//! The node's `dimo_anchors`, `dimo_collectors` and `dimo_oemSources` JSON-RPC methods call it;
//! so does the collector's offchain worker, through the pallet's own functions. Clients that
//! speak the runtime API directly (Polkadot.js: `api.call.anchoringApi.*`) may too.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

use alloc::vec::Vec;
use codec::Codec;
use dimo_primitives::vehicle::{OemId, VehicleId};
pub use pallet_anchoring::{Anchor, CollectorInfo, OemApi, OemSource};

sp_api::decl_runtime_apis! {
	/// Anchors and the registries.
	#[api_version(1)]
	pub trait AnchoringApi<AccountId, BlockNumber, CollectorId>
	where
		AccountId: Codec,
		BlockNumber: Codec,
		CollectorId: Codec,
	{
		/// The anchors of `vehicle` still in state (its latest ones) whose sequence number is
		/// `from` or more, at most `limit`, oldest first. Older anchors are in the events of
		/// the blocks that anchored them.
		fn anchors(vehicle: VehicleId, from: u64, limit: u32) -> Vec<Anchor<AccountId, BlockNumber>>;

		/// Every registered collector: its key and its record.
		fn collectors() -> Vec<(CollectorId, CollectorInfo<AccountId, BlockNumber>)>;

		/// Every registered OEM source.
		fn oem_sources() -> Vec<(OemId, OemSource)>;
	}
}
