//! `dimo_anchors`, `dimo_collectors`, `dimo_oemSources`, `dimo_pushFeeds`: the anchors of vehicle
//! data and their registries (`pallet_anchoring`'s runtime API, `AnchoringApi`).

use super::{Dimo, DimoError};
use dimo_primitives::{collector::CollectorId, vehicle::VehicleId, AccountId, BlockNumber};
use dimo_runtime::opaque::Block;
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use pallet_anchoring_runtime_api::{Anchor, AnchoringApi, OemSource, PushFeed};
use serde::Serialize;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;

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
	/// The Arweave transaction that holds it (base64url, as gateways name it), if on Arweave.
	pub arweave_tx: Option<String>,
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
			arweave_tx: anchor.arweave_tx.map(|id| dimo_offchain::arweave::b64url(&id)),
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
	/// The adapter that speaks to it, by its `OemApi` name: `tesla`, `smartcar`, `highmobility`.
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
			api: source.api.name(),
			api_base_url: String::from_utf8_lossy(&source.api_base_url).into_owned(),
			auth_url: String::from_utf8_lossy(&source.auth_url).into_owned(),
		}
	}
}

/// A registered push feed: where and how an OEM pushes its vehicles' data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushFeedJson {
	/// The OEM's id, as vehicles name it.
	pub oem: u32,
	/// `mqtt`, `kafka` or `fleetTelemetry`.
	pub kind: &'static str,
	/// The adapter whose data answers the messages are (MQTT and Kafka).
	pub api: Option<&'static str>,
	/// The broker's DNS name (MQTT and Kafka).
	pub host: Option<String>,
	/// The broker's TLS port (MQTT and Kafka).
	pub port: Option<u16>,
	/// The MQTT topic prefix or the Kafka topic.
	pub topic: Option<String>,
	/// The registered CA certificate, if any: the brokers' (MQTT and Kafka, where the feed
	/// pins one) or the vehicles' (Fleet Telemetry).
	pub ca: Option<CaCertificateJson>,
}

/// A CA certificate, as registered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaCertificateJson {
	/// The SHA-256 of its DER bytes, hex: the fingerprint `openssl x509 -fingerprint -sha256`
	/// prints (without the colons).
	pub sha256: String,
	/// Its DER bytes, hex.
	pub der_hex: String,
}

impl CaCertificateJson {
	fn new(der: &[u8]) -> Self {
		let hex = |bytes: &[u8]| format!("0x{}", sp_core::hexdisplay::HexDisplay::from(&bytes));
		Self { sha256: hex(&sp_io::hashing::sha2_256(der)), der_hex: hex(der) }
	}
}

impl PushFeedJson {
	fn new(oem: u32, feed: PushFeed) -> Self {
		let text = |bytes: &[u8]| Some(String::from_utf8_lossy(bytes).into_owned());
		let kind = match feed {
			PushFeed::Mqtt { .. } => "mqtt",
			PushFeed::Kafka { .. } => "kafka",
			PushFeed::FleetTelemetry { .. } => "fleetTelemetry",
		};
		match feed {
			PushFeed::Mqtt { api, host, port, topic_prefix: topic, server_ca }
			| PushFeed::Kafka { api, host, port, topic, server_ca } => Self {
				oem,
				kind,
				api: Some(api.name()),
				host: text(&host),
				port: Some(port),
				topic: text(&topic),
				ca: server_ca.as_ref().map(|ca| CaCertificateJson::new(ca)),
			},
			PushFeed::FleetTelemetry { vehicle_ca } => Self {
				oem,
				kind,
				api: None,
				host: None,
				port: None,
				topic: None,
				ca: Some(CaCertificateJson::new(&vehicle_ca)),
			},
		}
	}
}

/// The most anchors that one `dimo_anchors` call returns.
pub const MAX_ANCHORS_PER_CALL: u32 = 1_000;

/// The `dimo_anchors`, `dimo_collectors`, `dimo_oemSources`, `dimo_pushFeeds` methods.
#[rpc(server)]
pub trait AnchoringRpc<BlockHash> {
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

	/// The registered push feeds: the only brokers that collectors connect to, and the CAs
	/// whose vehicles they accept.
	#[method(name = "dimo_pushFeeds")]
	fn push_feeds(&self, at: Option<BlockHash>) -> RpcResult<Vec<PushFeedJson>>;
}

impl<C> AnchoringRpcServer<<Block as BlockT>::Hash> for Dimo<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: AnchoringApi<Block, AccountId, BlockNumber, CollectorId>,
{
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
			.map_err(DimoError::RuntimeApi)?;
		Ok(anchors.into_iter().map(AnchorJson::from).collect())
	}

	fn collectors(&self, at: Option<<Block as BlockT>::Hash>) -> RpcResult<Vec<CollectorInfoJson>> {
		let collectors =
			self.client.runtime_api().collectors(self.at(at)).map_err(DimoError::RuntimeApi)?;
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
		let sources =
			self.client.runtime_api().oem_sources(self.at(at)).map_err(DimoError::RuntimeApi)?;
		Ok(sources.into_iter().map(|(oem, source)| OemSourceJson::new(oem, source)).collect())
	}

	fn push_feeds(&self, at: Option<<Block as BlockT>::Hash>) -> RpcResult<Vec<PushFeedJson>> {
		let feeds =
			self.client.runtime_api().push_feeds(self.at(at)).map_err(DimoError::RuntimeApi)?;
		Ok(feeds.into_iter().map(|(oem, feed)| PushFeedJson::new(oem, feed)).collect())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use pallet_anchoring_runtime_api::OemApi;
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
			arweave_tx: None,
			observed_from: 1,
			observed_to: 2,
			anchored_at: 9,
		}))
		.expect("serializable");
		assert_eq!(json["cid"], "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
		assert_eq!(json["arweaveTx"], serde_json::Value::Null);
		assert_eq!(json["backend"], "ipfs");
		assert_eq!(json["observedTo"], 2);
		assert!(json["cidHex"].as_str().expect("a string").starts_with("0x01551220e3b0c442"));
	}

	#[test]
	fn push_feeds_print_text_and_the_ca_fingerprint() {
		let mqtt = PushFeed::Mqtt {
			api: OemApi::Smartcar,
			host: b"mqtt.oem.example".to_vec().try_into().expect("short"),
			port: 8883,
			topic_prefix: b"vehicles/v1".to_vec().try_into().expect("short"),
			server_ca: None,
		};
		assert_eq!(
			serde_json::to_value(PushFeedJson::new(3, mqtt)).expect("serializable"),
			serde_json::json!({
				"oem": 3, "kind": "mqtt", "api": "smartcar", "host": "mqtt.oem.example",
				"port": 8883, "topic": "vehicles/v1", "ca": null,
			})
		);
		// The fingerprint is the SHA-256 of the DER bytes (here 30 00, as `sha256sum` prints it).
		let fleet = PushFeed::FleetTelemetry {
			vehicle_ca: b"\x30\x00".to_vec().try_into().expect("short"),
		};
		let json = serde_json::to_value(PushFeedJson::new(1, fleet)).expect("serializable");
		assert_eq!(json["kind"], "fleetTelemetry");
		assert_eq!(json["host"], serde_json::Value::Null);
		assert_eq!(json["ca"]["derHex"], "0x3000");
		assert_eq!(
			json["ca"]["sha256"],
			"0xe4f60d0aa6d7f3d3b6a6494b1c861b99f649c6f9ec51abaf201b20f297327c95"
		);
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
}
