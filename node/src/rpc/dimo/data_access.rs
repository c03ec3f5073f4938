//! `dimo_canRead`, `dimo_grants`: who may read a vehicle's data.
//!
//! `dimo_grants` asks `pallet_data_access`' runtime API (`DataAccessApi`). `dimo_canRead` is
//! the gateway's question, asked on every read: it reads the entries the answer depends on
//! (the vehicle record, its public streams, the caller's grant entry) straight from one
//! snapshot of the state and decides with [`pallet_data_access::may_read`], the very function
//! the runtime's `can_read` calls, so the rule has one source and a request costs no runtime
//! call. `may_read` asks for the public streams and the grant entry only when it needs them.

use super::{Dimo, DimoError};
use codec::Decode;
use dimo_primitives::{
	vehicle::{Stream, VehicleId},
	AccountId, BlockNumber,
};
use dimo_runtime::{opaque::Block, Runtime};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use pallet_data_access::{may_read, GrantOf, Grants, PublicAccess, PublicStreams};
use pallet_data_access_runtime_api::{DataAccessApi, StreamExpiry};
use pallet_vehicles::VehicleOf;
use sc_client_api::StateBackend;
use serde::Serialize;
use sp_api::{CallApiAt, ProvideRuntimeApi};
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::{Block as BlockT, HashingFor};
use std::cell::Cell;

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

/// [`read`] for a lazy read inside `may_read`'s closures: a failure is kept in `failed` (the
/// caller answers with it) and reads as no entry.
fn read_or_keep_error<S, V>(state: &S, key: &[u8], failed: &Cell<Option<DimoError>>) -> Option<V>
where
	S: StateBackend<HashingFor<Block>>,
	V: Decode,
{
	read(state, key).unwrap_or_else(|error| {
		failed.set(Some(error));
		None
	})
}

/// The SCALE-decoded value at `key` of `state`.
fn read<S, V>(state: &S, key: &[u8]) -> Result<Option<V>, DimoError>
where
	S: StateBackend<HashingFor<Block>>,
	V: Decode,
{
	let state_error = |error: String| DimoError::State(sp_blockchain::Error::Storage(error));
	let Some(data) = state.storage(key).map_err(|error| state_error(error.to_string()))? else {
		return Ok(None);
	};
	V::decode(&mut &data[..])
		.map(Some)
		.map_err(|error| state_error(format!("a value does not decode: {error}")))
}

impl<C> DataAccessRpcServer<<Block as BlockT>::Hash> for Dimo<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + CallApiAt<Block> + Send + Sync + 'static,
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
		let at = self.at(at);
		// One snapshot of the state for every entry: opening one is most of a read's cost.
		let state = self.client.state_at(at).map_err(DimoError::RuntimeApi)?;
		let record: Option<VehicleOf<Runtime>> =
			read(&state, &pallet_vehicles::Vehicles::<Runtime>::hashed_key_for(vehicle))?;
		// The runtime's `can_read` compares expiries with the block's number.
		let number =
			self.client.number(at).map_err(DimoError::State)?.ok_or_else(|| {
				DimoError::State(sp_blockchain::Error::UnknownBlock(at.to_string()))
			})?;
		let failed = Cell::new(None);
		let allowed = may_read(
			record.map(|record| record.ownership()),
			&account,
			stream,
			&number,
			|| {
				let key = PublicStreams::<Runtime>::hashed_key_for(vehicle);
				read_or_keep_error::<_, PublicAccess<BlockNumber>>(&state, &key, &failed)
					.map(|public| (public.ownership_version, public.streams))
			},
			|| {
				let key = Grants::<Runtime>::hashed_key_for(vehicle, &account);
				read_or_keep_error::<_, GrantOf<Runtime>>(&state, &key, &failed)
					.map(|grant| (grant.ownership_version, grant.streams))
			},
		);
		match failed.take() {
			Some(error) => Err(error.into()),
			None => Ok(allowed),
		}
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
