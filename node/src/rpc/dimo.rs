//! The `dimo_*` JSON-RPC methods: questions about vehicles, who may read their data, the
//! issuance, and the anchors of vehicle data.
//!
//! Each method calls one runtime API (`VehiclesApi`, `DataAccessApi`, `IssuanceApi`,
//! `AnchoringApi`) at the block the caller
//! names (`at`, the best block if omitted) and turns its answer into plain JSON: accounts as
//! SS58 addresses, streams and storage backends by name, amounts as decimal strings (they do
//! not fit a JavaScript number), block numbers as numbers.

use std::sync::Arc;

use dimo_primitives::collector::CollectorId;
use dimo_primitives::{
	vehicle::{Stream, VehicleId},
	AccountId, Balance, BlockNumber,
};
use dimo_runtime::opaque::Block;
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::error::{ErrorObject, ErrorObjectOwned},
};
use pallet_anchoring_runtime_api::{Anchor, AnchoringApi, OemSource};
use pallet_data_access_runtime_api::{DataAccessApi, StreamExpiry};
use pallet_issuance_runtime_api::{IssuanceApi, IssuanceInfo, PendingRewards};
use pallet_vehicles_runtime_api::VehiclesApi;
use serde::Serialize;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::H256;
use sp_runtime::traits::Block as BlockT;

/// The runtime API call failed (the runtime lacks the API, or the block is unknown).
pub const RUNTIME_ERROR: i32 = 1;
/// The stream name is not one of the chain's streams.
pub const UNKNOWN_STREAM: i32 = 2;

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

/// The schedule and state of the DIMO emission. Amounts are decimal strings in units of
/// 10^-18 DIMO; shares and the decay are in parts per billion (150000000 = 15%).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuanceJson {
	/// The epoch in progress.
	pub current_epoch: u32,
	/// The block in which it started.
	pub epoch_started_at: BlockNumber,
	/// The block at whose start it closes and the next emission is minted.
	pub next_epoch_at: BlockNumber,
	/// The length of an epoch, in blocks.
	pub epoch_length: BlockNumber,
	/// Epochs between two decays of the emission.
	pub epochs_per_decay: u32,
	/// The decay, in parts per billion.
	pub decay_perbill: u32,
	/// The emission of an epoch in the current decay period, before the cap.
	pub epoch_emission: String,
	/// What the next epoch boundary mints: the emission, or what is left under the cap.
	pub next_emission: String,
	/// The most DIMO that may ever exist.
	pub supply_cap: String,
	/// All DIMO in existence now.
	pub total_issuance: String,
	/// What may still be minted under the cap.
	pub remaining_under_cap: String,
	/// Minted by the issuance since genesis.
	pub total_minted: String,
	/// The data providers' share, in parts per billion.
	pub data_providers_perbill: u32,
	/// The DAO's share, in parts per billion.
	pub dao_perbill: u32,
	/// The share-funded dTeams' share, together, in parts per billion.
	pub dteams_perbill: u32,
	/// What the DAO pot holds.
	pub dao_pot: String,
	/// The points earned so far in the epoch in progress.
	pub current_epoch_points: u64,
	/// For how many epochs after its close an epoch's rewards may be claimed.
	pub claim_window: u32,
}

impl From<IssuanceInfo<BlockNumber>> for IssuanceJson {
	fn from(info: IssuanceInfo<BlockNumber>) -> Self {
		Self {
			current_epoch: info.current_epoch,
			epoch_started_at: info.epoch_started_at,
			next_epoch_at: info.next_epoch_at,
			epoch_length: info.schedule.epoch_length,
			epochs_per_decay: info.schedule.epochs_per_decay,
			decay_perbill: info.schedule.decay.deconstruct(),
			epoch_emission: info.epoch_emission.to_string(),
			next_emission: info.next_emission.to_string(),
			supply_cap: info.schedule.supply_cap.to_string(),
			total_issuance: info.total_issuance.to_string(),
			remaining_under_cap: info.remaining_under_cap.to_string(),
			total_minted: info.total_minted.to_string(),
			data_providers_perbill: info.shares.data_providers.deconstruct(),
			dao_perbill: info.shares.dao.deconstruct(),
			dteams_perbill: info.dteam_shares.deconstruct(),
			dao_pot: info.dao_pot.to_string(),
			current_epoch_points: info.current_epoch_points,
			claim_window: info.reward_params.claim_window,
		}
	}
}

/// Rewards that an account may claim for one closed epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingRewardJson {
	/// The epoch, the argument of `issuance.claim`.
	pub epoch: u32,
	/// The account's points in it.
	pub points: u64,
	/// What a claim pays now, in units of 10^-18 DIMO.
	pub amount: String,
	/// The last epoch during which it may be claimed.
	pub claimable_until: u32,
}

/// What an account may claim, and what it is earning now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingRewardsJson {
	/// The closed epochs it may claim for.
	pub claimable: Vec<PendingRewardJson>,
	/// The sum of `claimable`'s amounts.
	pub total: String,
	/// Its points in the epoch in progress, paid after that epoch closes.
	pub current_epoch_points: u64,
}

impl From<PendingRewards> for PendingRewardsJson {
	fn from(pending: PendingRewards) -> Self {
		let total: Balance =
			pending.claimable.iter().fold(0, |sum, reward| sum.saturating_add(reward.amount));
		Self {
			claimable: pending
				.claimable
				.into_iter()
				.map(|reward| PendingRewardJson {
					epoch: reward.epoch,
					points: reward.points,
					amount: reward.amount.to_string(),
					claimable_until: reward.claimable_until,
				})
				.collect(),
			total: total.to_string(),
			current_epoch_points: pending.current_epoch_points,
		}
	}
}

/// An anchor: where one reading of a vehicle is, and its content id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AnchorJson {
	/// Its sequence number among the vehicle's anchors, from 0.
	pub seq: u64,
	/// The content id in base32 text (`bafkrei…` for raw blocks), as IPFS prints it.
	pub cid: String,
	/// The content id's bytes, hex.
	pub cid_hex: String,
	/// The record's size, in bytes.
	pub size: u32,
	/// Where the record is: `local`, `ipfs` or `arweave`.
	pub backend: &'static str,
	/// The start of the observed window, in Unix milliseconds.
	pub observed_from: u64,
	/// The end of the observed window, in Unix milliseconds.
	pub observed_to: u64,
	/// The account of the collector that anchored it.
	pub collector: AccountId,
	/// The block in which it was anchored.
	pub anchored_at: BlockNumber,
}

impl From<Anchor<AccountId, BlockNumber>> for AnchorJson {
	fn from(anchor: Anchor<AccountId, BlockNumber>) -> Self {
		Self {
			seq: anchor.seq,
			cid: dimo_offchain::cid::multibase32(&anchor.cid),
			cid_hex: format!("0x{}", sp_core::hexdisplay::HexDisplay::from(&anchor.cid.as_slice())),
			size: anchor.size,
			backend: anchor.backend.name(),
			observed_from: anchor.observed_from,
			observed_to: anchor.observed_to,
			collector: anchor.collector,
			anchored_at: anchor.anchored_at,
		}
	}
}

/// A registered collector.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CollectorInfoJson {
	/// Its collector key (sr25519, key type `dcol`), hex.
	pub key: String,
	/// The account that its key spells: what owners consent to.
	pub account: AccountId,
	/// The block in which governance registered it.
	pub registered_at: BlockNumber,
}

/// A registered OEM source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OemSourceJson {
	/// The OEM's id, as vehicles name it.
	pub oem: u32,
	/// The adapter that speaks to it: `tesla` or `smartcar`.
	pub api: &'static str,
	/// The base URL of its data API.
	pub api_base_url: String,
	/// The URL of its OAuth2 token endpoint.
	pub auth_url: String,
}

impl OemSourceJson {
	fn new(oem: u32, source: OemSource) -> Self {
		Self {
			oem,
			api: source.api.adapter().name,
			api_base_url: String::from_utf8_lossy(&source.api_base_url).into_owned(),
			auth_url: String::from_utf8_lossy(&source.auth_url).into_owned(),
		}
	}
}

/// The most anchors that one `dimo_anchors` call returns.
pub const MAX_ANCHORS_PER_CALL: u32 = 1_000;

/// The `dimo_*` methods.
#[rpc(server)]
pub trait DimoApi<BlockHash> {
	/// The ids of the vehicles that `owner` owns.
	#[method(name = "dimo_vehiclesOf")]
	fn vehicles_of(&self, owner: AccountId, at: Option<BlockHash>) -> RpcResult<Vec<VehicleId>>;

	/// A vehicle, or `null` if no vehicle has this id.
	#[method(name = "dimo_vehicle")]
	fn vehicle(&self, vehicle: VehicleId, at: Option<BlockHash>) -> RpcResult<Option<VehicleJson>>;

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

	/// What the owner consents to: storage backend and collectors; `null` if no vehicle has
	/// this id.
	#[method(name = "dimo_consents")]
	fn consents(
		&self,
		vehicle: VehicleId,
		at: Option<BlockHash>,
	) -> RpcResult<Option<ConsentsJson>>;

	/// The emission schedule, the epoch in progress, the next emission and what is left
	/// under the supply cap.
	#[method(name = "dimo_issuance")]
	fn issuance(&self, at: Option<BlockHash>) -> RpcResult<IssuanceJson>;

	/// The data-provider rewards that `account` may claim, epoch by epoch, and its points in
	/// the epoch in progress.
	#[method(name = "dimo_pendingRewards")]
	fn pending_rewards(
		&self,
		account: AccountId,
		at: Option<BlockHash>,
	) -> RpcResult<PendingRewardsJson>;

	/// The anchors of `vehicle` still in state (its latest ones) whose sequence number is
	/// `from` or more, at most `limit` (default and cap: 1,000), oldest first. Older anchors
	/// are in the `anchoring.Anchored` events of the blocks that anchored them.
	#[method(name = "dimo_anchors")]
	fn anchors(
		&self,
		vehicle: VehicleId,
		from: Option<u64>,
		limit: Option<u32>,
		at: Option<BlockHash>,
	) -> RpcResult<Vec<AnchorJson>>;

	/// The registered collectors.
	#[method(name = "dimo_collectors")]
	fn collectors(&self, at: Option<BlockHash>) -> RpcResult<Vec<CollectorInfoJson>>;

	/// The registered OEM sources: the only hosts that collectors poll.
	#[method(name = "dimo_oemSources")]
	fn oem_sources(&self, at: Option<BlockHash>) -> RpcResult<Vec<OemSourceJson>>;
}

/// The `dimo_*` methods, answered by the runtime of the node's client.
pub struct Dimo<C> {
	client: Arc<C>,
}

impl<C> Dimo<C> {
	/// The methods, over `client`.
	pub fn new(client: Arc<C>) -> Self {
		Self { client }
	}
}

fn runtime_error(error: impl std::fmt::Display) -> ErrorObjectOwned {
	ErrorObject::owned(RUNTIME_ERROR, "runtime API call failed", Some(error.to_string()))
}

impl<C> Dimo<C>
where
	C: HeaderBackend<Block>,
{
	fn at(&self, at: Option<<Block as BlockT>::Hash>) -> <Block as BlockT>::Hash {
		at.unwrap_or_else(|| self.client.info().best_hash)
	}
}

impl<C> DimoApiServer<<Block as BlockT>::Hash> for Dimo<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: VehiclesApi<Block, AccountId, Balance, BlockNumber>,
	C::Api: DataAccessApi<Block, AccountId, BlockNumber>,
	C::Api: IssuanceApi<Block, AccountId, BlockNumber>,
	C::Api: AnchoringApi<Block, AccountId, BlockNumber, CollectorId>,
{
	fn vehicles_of(
		&self,
		owner: AccountId,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<Vec<VehicleId>> {
		self.client.runtime_api().vehicles_of(self.at(at), owner).map_err(runtime_error)
	}

	fn vehicle(
		&self,
		vehicle: VehicleId,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<Option<VehicleJson>> {
		let details =
			self.client.runtime_api().vehicle(self.at(at), vehicle).map_err(runtime_error)?;
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

	fn can_read(
		&self,
		vehicle: VehicleId,
		account: AccountId,
		stream: String,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<bool> {
		let stream = Stream::from_name(&stream).ok_or_else(|| unknown_stream(&stream))?;
		self.client
			.runtime_api()
			.can_read(self.at(at), vehicle, account, stream)
			.map_err(runtime_error)
	}

	fn grants(
		&self,
		vehicle: VehicleId,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<Option<GrantsJson>> {
		let list =
			self.client.runtime_api().access_list(self.at(at), vehicle).map_err(runtime_error)?;
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

	fn consents(
		&self,
		vehicle: VehicleId,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<Option<ConsentsJson>> {
		let consents =
			self.client.runtime_api().consents(self.at(at), vehicle).map_err(runtime_error)?;
		Ok(consents.map(|consents| ConsentsJson {
			storage: consents.storage.name(),
			collectors: consents
				.collectors
				.into_iter()
				.map(|consent| CollectorJson { collector: consent.collector, until: consent.until })
				.collect(),
		}))
	}

	fn issuance(&self, at: Option<<Block as BlockT>::Hash>) -> RpcResult<IssuanceJson> {
		let info = self.client.runtime_api().issuance(self.at(at)).map_err(runtime_error)?;
		Ok(info.into())
	}

	fn pending_rewards(
		&self,
		account: AccountId,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<PendingRewardsJson> {
		let pending = self
			.client
			.runtime_api()
			.pending_rewards(self.at(at), account)
			.map_err(runtime_error)?;
		Ok(pending.into())
	}

	fn anchors(
		&self,
		vehicle: VehicleId,
		from: Option<u64>,
		limit: Option<u32>,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<Vec<AnchorJson>> {
		let limit = limit.unwrap_or(MAX_ANCHORS_PER_CALL).min(MAX_ANCHORS_PER_CALL);
		let anchors = self
			.client
			.runtime_api()
			.anchors(self.at(at), vehicle, from.unwrap_or(0), limit)
			.map_err(runtime_error)?;
		Ok(anchors.into_iter().map(AnchorJson::from).collect())
	}

	fn collectors(&self, at: Option<<Block as BlockT>::Hash>) -> RpcResult<Vec<CollectorInfoJson>> {
		let collectors =
			self.client.runtime_api().collectors(self.at(at)).map_err(runtime_error)?;
		Ok(collectors
			.into_iter()
			.map(|(key, info)| CollectorInfoJson {
				key: format!("0x{}", sp_core::hexdisplay::HexDisplay::from(&key.as_ref())),
				account: info.account,
				registered_at: info.registered_at,
			})
			.collect())
	}

	fn oem_sources(&self, at: Option<<Block as BlockT>::Hash>) -> RpcResult<Vec<OemSourceJson>> {
		let sources = self.client.runtime_api().oem_sources(self.at(at)).map_err(runtime_error)?;
		Ok(sources.into_iter().map(|(oem, source)| OemSourceJson::new(oem, source)).collect())
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
	use pallet_anchoring_runtime_api::OemApi;
	use sp_core::crypto::Ss58Codec;

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
	fn streams_print_by_name_and_expiries_as_numbers() {
		let json = serde_json::to_value(StreamAccessJson::from(StreamExpiry {
			stream: Stream::CurrentLocation,
			until: Some(120),
		}))
		.expect("serializable");
		assert_eq!(json, serde_json::json!({ "stream": "currentLocation", "until": 120 }));
	}

	#[test]
	fn pending_rewards_print_amounts_as_strings_and_sum_them() {
		use pallet_issuance_runtime_api::PendingReward;
		let dimo = dimo_primitives::currency::DIMO;
		let json = serde_json::to_value(PendingRewardsJson::from(PendingRewards {
			claimable: vec![
				PendingReward { epoch: 3, points: 6_000, amount: 2 * dimo, claimable_until: 11 },
				PendingReward { epoch: 4, points: 6_600, amount: dimo / 2, claimable_until: 12 },
			],
			current_epoch_points: 7_000,
		}))
		.expect("serializable");
		assert_eq!(json["total"], "2500000000000000000");
		assert_eq!(json["claimable"][1]["amount"], "500000000000000000");
		assert_eq!(json["claimable"][0]["claimableUntil"], 11);
		assert_eq!(json["currentEpochPoints"], 7_000);
	}

	#[test]
	fn anchors_print_their_cid_as_ipfs_does() {
		let mut cid = vec![0x01, 0x55, 0x12, 0x20];
		// sha2-256 of the empty string: its raw CIDv1 is well known.
		cid.extend(
			sp_core::bytes::from_hex(
				"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
			)
			.expect("hex"),
		);
		let json = serde_json::to_value(AnchorJson::from(Anchor {
			seq: 4,
			collector: sp_keyring::Sr25519Keyring::Ferdie.to_account_id(),
			cid: cid.try_into().expect("36 bytes"),
			size: 0,
			backend: dimo_primitives::vehicle::StorageBackend::Ipfs,
			observed_from: 1,
			observed_to: 2,
			anchored_at: 9,
		}))
		.expect("serializable");
		assert_eq!(json["cid"], "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
		assert_eq!(json["backend"], "ipfs");
		assert_eq!(json["observedTo"], 2);
		assert!(json["cidHex"].as_str().expect("a string").starts_with("0x01551220e3b0c442"));
	}

	#[test]
	fn oem_sources_print_urls_as_text() {
		let source = OemSource {
			api: OemApi::Smartcar,
			api_base_url: b"https://localhost:8443/smartcar".to_vec().try_into().expect("short"),
			auth_url: b"https://localhost:8443/smartcar/oauth/token"
				.to_vec()
				.try_into()
				.expect("short"),
		};
		let json = serde_json::to_value(OemSourceJson::new(2, source)).expect("serializable");
		assert_eq!(
			json,
			serde_json::json!({
				"oem": 2,
				"api": "smartcar",
				"apiBaseUrl": "https://localhost:8443/smartcar",
				"authUrl": "https://localhost:8443/smartcar/oauth/token",
			})
		);
	}

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
