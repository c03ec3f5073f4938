//! `dimo_vehiclesOf`, `dimo_vehicle`, `dimo_consents`: the vehicle registry
//! (`pallet_vehicles`' runtime API, `VehiclesApi`).

use super::{Dimo, DimoError};
use dimo_primitives::{vehicle::VehicleId, AccountId, Balance, BlockNumber};
use dimo_runtime::opaque::Block;
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use pallet_vehicles_runtime_api::VehiclesApi;
use serde::Serialize;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::H256;
use sp_runtime::traits::Block as BlockT;

/// A registered vehicle.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VehicleJson {
	/// Its id.
	pub id: VehicleId,
	/// Its owner.
	pub owner: AccountId,
	/// Its carmaker's id.
	pub oem: u32,
	/// The hash of the carmaker's reference to it.
	pub oem_ref_hash: H256,
	/// How many times it has changed hands.
	pub transfers: u32,
	/// Where its data may be stored: `local`, `ipfs` or `arweave`.
	pub storage: &'static str,
	/// The account that paid its deposit.
	pub depositor: AccountId,
	/// The deposit, in units of 10^-18 DIMO.
	pub deposit: String,
	/// The block it was registered in.
	pub registered_at: BlockNumber,
	/// The block from which its owner owns it (registration, transfer or reclaim).
	pub owned_since: BlockNumber,
}

/// A collector's consent.
#[derive(Clone, Debug, Serialize)]
pub struct CollectorJson {
	/// The collector.
	pub collector: AccountId,
	/// The first block at which the consent no longer holds; `null`: no expiry.
	pub until: Option<BlockNumber>,
}

/// What the owner of a vehicle consents to.
#[derive(Clone, Debug, Serialize)]
pub struct ConsentsJson {
	/// Where the vehicle's data may be stored.
	pub storage: &'static str,
	/// The collectors that may collect it now.
	pub collectors: Vec<CollectorJson>,
}

/// The `dimo_vehiclesOf`, `dimo_vehicle`, `dimo_consents` methods.
#[rpc(server)]
pub trait VehiclesRpc<BlockHash> {
	/// The ids of the vehicles that `owner` owns.
	#[method(name = "dimo_vehiclesOf")]
	fn vehicles_of(&self, owner: AccountId, at: Option<BlockHash>) -> RpcResult<Vec<VehicleId>>;

	/// A vehicle, or `null` if no vehicle has this id.
	#[method(name = "dimo_vehicle")]
	fn vehicle(&self, vehicle: VehicleId, at: Option<BlockHash>) -> RpcResult<Option<VehicleJson>>;

	/// What the owner consents to: storage backend and collectors; `null` if no vehicle has
	/// this id.
	#[method(name = "dimo_consents")]
	fn consents(
		&self,
		vehicle: VehicleId,
		at: Option<BlockHash>,
	) -> RpcResult<Option<ConsentsJson>>;
}

impl<C> VehiclesRpcServer<<Block as BlockT>::Hash> for Dimo<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: VehiclesApi<Block, AccountId, Balance, BlockNumber>,
{
	fn vehicles_of(
		&self,
		owner: AccountId,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<Vec<VehicleId>> {
		Ok(self
			.client
			.runtime_api()
			.vehicles_of(self.at(at), owner)
			.map_err(DimoError::RuntimeApi)?)
	}

	fn vehicle(
		&self,
		vehicle: VehicleId,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<Option<VehicleJson>> {
		let details = self
			.client
			.runtime_api()
			.vehicle(self.at(at), vehicle)
			.map_err(DimoError::RuntimeApi)?;
		Ok(details.map(|details| {
			let record = details.vehicle;
			VehicleJson {
				id: details.id,
				owner: record.owner,
				oem: record.oem,
				oem_ref_hash: record.oem_ref_hash,
				transfers: record.transfers,
				storage: record.storage.name(),
				depositor: record.depositor,
				deposit: record.deposit.to_string(),
				registered_at: record.registered_at,
				owned_since: record.owned_since,
			}
		}))
	}

	fn consents(
		&self,
		vehicle: VehicleId,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<Option<ConsentsJson>> {
		let consents = self
			.client
			.runtime_api()
			.consents(self.at(at), vehicle)
			.map_err(DimoError::RuntimeApi)?;
		Ok(consents.map(|consents| ConsentsJson {
			storage: consents.storage.name(),
			collectors: consents
				.collectors
				.into_iter()
				.map(|consent| CollectorJson { collector: consent.collector, until: consent.until })
				.collect(),
		}))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_core::crypto::Ss58Codec;
	#[test]
	fn vehicles_print_camel_case_with_amounts_as_strings() {
		let owner = sp_keyring::Sr25519Keyring::Alice.to_account_id();
		let json = serde_json::to_value(VehicleJson {
			id: 7,
			owner: owner.clone(),
			oem: 1,
			oem_ref_hash: H256::repeat_byte(0xab),
			transfers: 0,
			storage: "ipfs",
			depositor: owner.clone(),
			deposit: (5 * dimo_primitives::currency::DIMO).to_string(),
			registered_at: 3,
			owned_since: 5,
		})
		.expect("serializable");
		assert_eq!(json["deposit"], "5000000000000000000");
		assert_eq!(json["oemRefHash"], format!("0x{}", "ab".repeat(32)));
		assert_eq!(json["registeredAt"], 3);
		// Accounts print as SS58 in the default format; the node sets it to DIMO's.
		let printed = json["owner"].as_str().expect("a string");
		assert_eq!(AccountId::from_ss58check_with_version(printed).expect("SS58").0, owner);
	}
}
