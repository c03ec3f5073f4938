//! The gateway's methods and what goes over the wire.

use dimo_primitives::{vehicle::VehicleId, AccountId, BlockNumber};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use serde::{Deserialize, Serialize};
use sp_core::Bytes;

/// The proof that the caller holds `account`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StreamAuth {
	/// The account, SS58.
	pub account: AccountId,
	/// The last block at which the proof is good.
	pub expiry: BlockNumber,
	/// The SCALE-encoded `MultiSignature` of [`super::auth::auth_payload`], hex.
	pub signature: Bytes,
}

/// A time range of `dimo_readStream`: the readings observed from `since` to `until` (Unix ms,
/// both included); either may be omitted.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReadWindow {
	/// The earliest observation time, Unix ms.
	pub since: Option<u64>,
	/// The latest observation time, Unix ms.
	pub until: Option<u64>,
}

/// One reading as the gateway serves it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamReading {
	/// Its number among the vehicle's kept readings: `from` for the next query.
	pub number: u64,
	/// When it was observed (the end of its record's window), Unix ms.
	pub observed_at: u64,
	/// Where it was served from: `recent` (the collector's ring of its last readings),
	/// `history` (the collector's history), `ipfs` (read back from IPFS by its envelope's CID).
	pub source: ReadingSource,
	/// The stream's view of the reading: a record (canonical JSON, the signals the stream
	/// allows); absent for `rawData`.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub record: Option<serde_json::Value>,
	/// `rawData`: the OEM's answer as received, hex.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub raw: Option<Bytes>,
	/// The CID of the reading's envelope on IPFS (base32), if it went there.
	pub envelope_cid: Option<String>,
	/// The id of the content key that sealed the envelope's non-location part (of the whole
	/// envelope, for one sealed before spec 104).
	pub key_id: u32,
}

/// Where the gateway found a reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ReadingSource {
	/// The ring of the vehicle's last `--collector-keep-readings` readings.
	Recent,
	/// The collector's history (`--collector-keep-days`): a reading kept whole by the collector.
	History,
	/// IPFS: the envelope the history names, fetched by its CID and opened by the collector.
	Ipfs,
}

/// Why a subscription ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CloseReason {
	/// The owner (or an admin) revoked the stream.
	Revoked,
	/// The grant (or the public stream) reached its expiry block.
	Expired,
	/// The vehicle changed hands.
	Transferred,
	/// The vehicle was retired.
	Retired,
	/// The `auth` expiry block passed.
	AuthExpired,
	/// The subscriber did not read its notifications fast enough.
	SlowConsumer,
}

/// A notification of `dimo_subscribeStream`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StreamEvent {
	/// A new reading.
	Reading(StreamReading),
	/// The last notification: the subscription is over.
	Closed {
		/// Why.
		reason: CloseReason,
		/// The best block at which it was seen.
		block: BlockNumber,
	},
}

/// The gateway's methods.
#[rpc(server)]
pub trait StreamApi {
	/// The readings of `vehicle` that this node collected and still keeps (its last readings,
	/// then its history: whole, or read back from IPFS), reduced to `stream`'s view, from
	/// reading number `from` (the oldest kept if omitted) and within `window` (observation
	/// times), at most `limit` (100 if omitted, at most 1000), oldest first.
	/// `currentLocation` answers the latest reading with a position only.
	#[method(name = "dimo_readStream", blocking)]
	fn read_stream(
		&self,
		vehicle: VehicleId,
		stream: String,
		auth: StreamAuth,
		from: Option<u64>,
		limit: Option<u32>,
		window: Option<ReadWindow>,
	) -> RpcResult<Vec<StreamReading>>;

	/// Each new reading of `vehicle`, reduced to `stream`'s view, as soon as this node has
	/// it, for as long as `auth`'s account may read it.
	#[subscription(
		name = "dimo_subscribeStream" => "dimo_streamReading",
		unsubscribe = "dimo_unsubscribeStream",
		item = StreamEvent
	)]
	fn subscribe_stream(&self, vehicle: VehicleId, stream: String, auth: StreamAuth);
}
