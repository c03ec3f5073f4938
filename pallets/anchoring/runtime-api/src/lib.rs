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
pub use pallet_anchoring::{
	Anchor, CollectorInfo, CommitmentHead, CommitmentInfo, CommittedRecord, OemApi, OemSource,
	Proof, ProofError, PushFeed,
};

sp_api::decl_runtime_apis! {
	/// Anchors and the registries.
	///
	/// Version 2 added the commitments: `commitment`, `commitment_head`, `verify_committed`.
	/// Version 3 added `push_feeds`.
	#[api_version(3)]
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

		/// Every registered push feed: where and how each OEM pushes its vehicles' data (since
		/// version 3).
		fn push_feeds() -> Vec<(OemId, PushFeed)>;

		/// The commitment `index` of the collector whose account is `collector`, if still in
		/// state (since version 2, like the next two).
		fn commitment(collector: AccountId, index: u64) -> Option<CommitmentInfo<BlockNumber>>;

		/// Where the commitments of the collector whose account is `collector` stand: its
		/// next index.
		fn commitment_head(collector: AccountId) -> CommitmentHead;

		/// Whether `record` is in the commitment `index` of the collector whose account is
		/// `collector`, as `proof` shows, with the vehicle owner's consent at the commitment's
		/// block: the commitment if so, else why not. The same check as a claim of activity.
		fn verify_committed(
			collector: AccountId,
			index: u64,
			record: CommittedRecord,
			proof: Proof,
		) -> Result<CommitmentInfo<BlockNumber>, ProofError>;
	}
}
