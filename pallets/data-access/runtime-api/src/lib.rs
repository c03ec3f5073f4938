//! The runtime API of the access lists.
//!
//! The node's `dimo_canRead` and `dimo_grants` JSON-RPC methods call it; clients that speak the
//! runtime API directly (Polkadot.js: `api.call.dataAccessApi.*`) may too.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

use codec::Codec;
use dimo_primitives::vehicle::{Stream, VehicleId};
pub use pallet_data_access::{AccessList, GranteeAccess, StreamExpiry};

sp_api::decl_runtime_apis! {
	/// Questions about who may read a vehicle's data.
	#[api_version(1)]
	pub trait DataAccessApi<AccountId, BlockNumber>
	where
		AccountId: Codec,
		BlockNumber: Codec,
	{
		/// Whether `account` may read `stream` of `vehicle` at the block the call is made at:
		/// as the owner, through a public stream, or through a grant that has not expired.
		fn can_read(vehicle: VehicleId, account: AccountId, stream: Stream) -> bool;

		/// Who may read `vehicle`'s data at the block the call is made at: its owner, public
		/// streams, admins and grantees with their live streams and expiries. `None` if no
		/// vehicle has this id.
		fn access_list(vehicle: VehicleId) -> Option<AccessList<AccountId, BlockNumber>>;
	}
}
