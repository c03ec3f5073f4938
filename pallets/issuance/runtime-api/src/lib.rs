//! The runtime API of the issuance.
//!
//! The node's `dimo_issuance` and `dimo_pendingRewards` JSON-RPC methods call it; clients that
//! speak the runtime API directly (Polkadot.js: `api.call.issuanceApi.*`) may too.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

use codec::Codec;
pub use pallet_issuance::{
	EpochIndex, IssuanceInfo, MintRecord, PendingReward, PendingRewards, RewardParams, Schedule,
	Shares,
};

sp_api::decl_runtime_apis! {
	/// Questions about the emission of DIMO and the data-provider rewards.
	#[api_version(1)]
	pub trait IssuanceApi<AccountId, BlockNumber>
	where
		AccountId: Codec,
		BlockNumber: Codec,
	{
		/// The schedule, the epoch in progress, the next emission and what is left under the
		/// supply cap, at the block the call is made at.
		fn issuance() -> IssuanceInfo<BlockNumber>;

		/// What `account` may claim now, epoch by epoch, and its points in the epoch in
		/// progress.
		fn pending_rewards(account: AccountId) -> PendingRewards;

		/// What the boundary of `epoch` minted and where it went; `None` if the epoch has not
		/// closed.
		fn mint(epoch: EpochIndex) -> Option<MintRecord>;
	}
}
