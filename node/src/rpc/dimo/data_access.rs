//! `dimo_canRead`, `dimo_grants`: who may read a vehicle's data (`pallet_data_access`' runtime
//! API, `DataAccessApi`).

use super::{Dimo, DimoError};
use dimo_primitives::{
	vehicle::{Stream, VehicleId},
	AccountId, BlockNumber,
};
use dimo_runtime::opaque::Block;
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use pallet_data_access_runtime_api::{DataAccessApi, StreamExpiry};
use serde::Serialize;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;

/// A stream that may be read, and until when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StreamAccessJson {
	/// The stream's name, e.g. `currentLocation`.
	pub stream: &'static str,
	/// The first block at which it may no longer be read; `null`: no expiry.
	pub until: Option<BlockNumber>,
}

impl From<StreamExpiry<BlockNumber>> for StreamAccessJson {
	fn from(entry: StreamExpiry<BlockNumber>) -> Self {
		Self { stream: entry.stream.name(), until: entry.until }
	}
}

/// A grantee and what it may read.
#[derive(Clone, Debug, Serialize)]
pub struct GranteeJson {
	/// The grantee.
	pub grantee: AccountId,
	/// The streams it may read now.
	pub streams: Vec<StreamAccessJson>,
}

/// Who may read a vehicle's data.
#[derive(Clone, Debug, Serialize)]
pub struct GrantsJson {
	/// The owner, who reads everything.
	pub owner: AccountId,
	/// The streams anyone may read.
	pub public: Vec<StreamAccessJson>,
	/// The accounts that may grant and revoke on the owner's behalf.
	pub admins: Vec<AccountId>,
	/// The grantees with at least one live stream.
	pub grants: Vec<GranteeJson>,
}

/// The `dimo_canRead`, `dimo_grants` methods.
#[rpc(server)]
pub trait DataAccessRpc<BlockHash> {
	/// Whether `account` may read `stream` (by name) of `vehicle` at the block.
	#[method(name = "dimo_canRead")]
	fn can_read(
		&self,
		vehicle: VehicleId,
		account: AccountId,
		stream: String,
		at: Option<BlockHash>,
	) -> RpcResult<bool>;

	/// Who may read the vehicle's data, with named streams and expiries; `null` if no vehicle
	/// has this id.
	#[method(name = "dimo_grants")]
	fn grants(&self, vehicle: VehicleId, at: Option<BlockHash>) -> RpcResult<Option<GrantsJson>>;
}

impl<C> DataAccessRpcServer<<Block as BlockT>::Hash> for Dimo<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: DataAccessApi<Block, AccountId, BlockNumber>,
{
	fn can_read(
		&self,
		vehicle: VehicleId,
		account: AccountId,
		stream: String,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<bool> {
		let stream =
			Stream::from_name(&stream).ok_or_else(|| DimoError::UnknownStream(stream.clone()))?;
		Ok(self
			.client
			.runtime_api()
			.can_read(self.at(at), vehicle, account, stream)
			.map_err(DimoError::RuntimeApi)?)
	}

	fn grants(
		&self,
		vehicle: VehicleId,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<Option<GrantsJson>> {
		let list = self
			.client
			.runtime_api()
			.access_list(self.at(at), vehicle)
			.map_err(DimoError::RuntimeApi)?;
		let streams = |streams: Vec<StreamExpiry<BlockNumber>>| {
			streams.into_iter().map(StreamAccessJson::from).collect()
		};
		Ok(list.map(|list| GrantsJson {
			owner: list.owner,
			public: streams(list.public),
			admins: list.admins,
			grants: list
				.grants
				.into_iter()
				.map(|grant| GranteeJson {
					grantee: grant.grantee,
					streams: streams(grant.streams),
				})
				.collect(),
		}))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn streams_print_by_name_and_expiries_as_numbers() {
		let json = serde_json::to_value(StreamAccessJson::from(StreamExpiry {
			stream: Stream::CurrentLocation,
			until: Some(120),
		}))
		.expect("serializable");
		assert_eq!(json, serde_json::json!({ "stream": "currentLocation", "until": 120 }));
	}
}
