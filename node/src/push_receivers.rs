//! The collector's push receivers, wired to the chain: one task per MQTT or Kafka push feed that
//! governance registered (`anchoring.setPushFeed`), started, changed and stopped as the
//! finalized chain's registry changes; and the CAs of the registered Fleet Telemetry feeds,
//! handed to the node's Fleet Telemetry server (if it runs one,
//! `--collector-fleet-telemetry-listen`), which accepts only vehicles of those CAs.
//!
//! A node receives only while it is a collector: its keystore holds the `dcol` key of a
//! collector registered on chain. Otherwise it connects to nothing, whatever the registry
//! holds. A feed reaches a receiver only once finalized, so that a fork's registration never
//! makes the node contact a host. The receivers write to the push inbox; the runtime's offchain
//! worker takes it from there (`pallet_anchoring::offchain::pushed`).
//!
//! What each receiver promises (TLS to the registered host only, acknowledged or committed
//! means queued) is in [`dimo_collector::mqtt`] and [`dimo_collector::kafka`]. The login a
//! receiver gives its broker is the operator's OEM client for that OEM
//! (`collector_setOemClient`), read at each connection.

use std::{collections::BTreeMap, sync::Arc};

use codec::Decode;
use dimo_collector::{
	fleet_telemetry::FleetTelemetryFeed,
	kafka::{self, KafkaFeed},
	mqtt::{self, Login, MqttFeed},
	node_seal_key,
	push_inbox::InboxWriter,
};
use dimo_offchain::{
	credentials::{oem_client_key, OemClient},
	seal::{SealKey, Sealed},
};
use dimo_primitives::{
	collector::{CollectorId, COLLECTOR_KEY_TYPE},
	vehicle::OemId,
};
use dimo_runtime::{opaque::Block, AccountId, BlockNumber};
use futures::StreamExt;
use pallet_anchoring_runtime_api::{AnchoringApi, PushFeed};
use sc_client_api::BlockchainEvents;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::offchain::OffchainStorage;
use sp_keystore::{Keystore, KeystorePtr};

const LOG_TARGET: &str = "dimo::collector";

/// A feed that a receiver of this node connects to: a broker it subscribes to.
#[derive(Clone, PartialEq, Eq, Debug)]
enum BrokerFeed {
	Mqtt(MqttFeed),
	Kafka(KafkaFeed),
}

impl BrokerFeed {
	/// How the log names it.
	fn name(&self) -> String {
		match self {
			Self::Mqtt(feed) => {
				format!("MQTT feed of OEM {} ({}:{})", feed.oem, feed.host, feed.port)
			},
			Self::Kafka(feed) => feed.name(),
		}
	}
}

/// The broker feed (MQTT or Kafka) that `feed` is, if it is one.
fn broker_feed(oem: OemId, feed: PushFeed) -> Option<BrokerFeed> {
	let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
	match feed {
		PushFeed::Mqtt { api, host, port, topic_prefix, server_ca } => {
			Some(BrokerFeed::Mqtt(MqttFeed {
				oem,
				api,
				host: text(&host),
				port,
				topic_prefix: text(&topic_prefix),
				server_ca: server_ca.map(|ca| ca.into_inner()),
			}))
		},
		PushFeed::Kafka { api, host, port, topic, server_ca } => {
			Some(BrokerFeed::Kafka(KafkaFeed {
				oem,
				api,
				host: text(&host),
				port,
				topic: text(&topic),
				server_ca: server_ca.map(|ca| ca.into_inner()),
			}))
		},
		PushFeed::FleetTelemetry { .. } => None,
	}
}

/// The collector key of this node that the chain registered at the finalized block, if any.
fn registered_collector<C>(client: &C, keystore: &KeystorePtr) -> Option<CollectorId>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
	C::Api: AnchoringApi<Block, AccountId, BlockNumber, CollectorId>,
{
	let at = client.info().finalized_hash;
	let registered = client.runtime_api().collectors(at).ok()?;
	keystore
		.sr25519_public_keys(COLLECTOR_KEY_TYPE)
		.into_iter()
		.map(CollectorId::from)
		.find(|key| registered.iter().any(|(registered, _)| registered == key))
}

/// The Fleet Telemetry feed that `feed` is, if it is one.
fn fleet_telemetry_feed(oem: OemId, feed: &PushFeed) -> Option<FleetTelemetryFeed> {
	match feed {
		PushFeed::FleetTelemetry { vehicle_ca } => {
			Some(FleetTelemetryFeed { oem, vehicle_ca: vehicle_ca.to_vec() })
		},
		PushFeed::Mqtt { .. } | PushFeed::Kafka { .. } => None,
	}
}

/// The push feeds registered at the finalized block.
fn registered_feeds<C>(client: &C) -> Vec<(OemId, PushFeed)>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
	C::Api: AnchoringApi<Block, AccountId, BlockNumber, CollectorId>,
{
	let at = client.info().finalized_hash;
	client.runtime_api().push_feeds(at).unwrap_or_else(|error| {
		log::warn!(target: LOG_TARGET, "push feeds: the runtime could not list them: {error}");
		Vec::new()
	})
}

/// The operator's OEM client for `oem`, as the broker's login.
fn login<S: OffchainStorage>(storage: &S, seal_key: &SealKey, oem: OemId) -> Option<Login> {
	let key = oem_client_key(oem);
	let sealed = storage.get(sp_offchain::STORAGE_PREFIX, &key)?;
	let sealed = Sealed::decode(&mut &sealed[..]).ok()?;
	let client: OemClient = seal_key.open_value(&key, &sealed)?;
	Some(Login {
		user: String::from_utf8_lossy(&client.client_id).into_owned(),
		password: String::from_utf8_lossy(&client.client_secret).into_owned(),
	})
}

/// The MQTT client id (and Kafka consumer group) of this collector at `oem`'s broker: the same
/// across restarts (the broker keeps the session, or the group's offsets, under it), and at
/// most 23 characters (MQTT 3.1.1's bound that every broker takes).
fn client_id(collector: &CollectorId, oem: OemId) -> String {
	let key: &[u8] = collector.as_ref();
	let short: String = key.iter().take(3).map(|byte| format!("{byte:02x}")).collect();
	format!("dimo-{short}-{oem}")
}

/// Runs the receivers of the registered feeds until the node stops: checks the registry at
/// each finalized block and starts, restarts or stops receivers to match it, and tells the
/// Fleet Telemetry server (through `fleet_telemetry`) which vehicle CAs to accept.
pub async fn run<C, S>(
	client: Arc<C>,
	keystore: KeystorePtr,
	storage: S,
	inbox: Arc<InboxWriter<S>>,
	fleet_telemetry: tokio::sync::watch::Sender<Vec<FleetTelemetryFeed>>,
) where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + BlockchainEvents<Block> + 'static,
	C::Api: AnchoringApi<Block, AccountId, BlockNumber, CollectorId>,
	S: OffchainStorage + 'static,
{
	let mut running: BTreeMap<OemId, (BrokerFeed, tokio::task::JoinHandle<()>)> = BTreeMap::new();
	let mut finalized = client.finality_notification_stream();
	loop {
		let collector = registered_collector(&*client, &keystore);
		let feeds = match &collector {
			Some(_) => registered_feeds(&*client),
			None => Vec::new(),
		};
		let vehicle_cas: Vec<_> =
			feeds.iter().filter_map(|(oem, feed)| fleet_telemetry_feed(*oem, feed)).collect();
		fleet_telemetry.send_if_modified(|held| {
			let changed = *held != vehicle_cas;
			*held = vehicle_cas.clone();
			changed
		});
		let wanted: BTreeMap<OemId, BrokerFeed> = feeds
			.into_iter()
			.filter_map(|(oem, feed)| broker_feed(oem, feed).map(|feed| (oem, feed)))
			.collect();
		running.retain(|oem, (feed, task)| {
			let keep = wanted.get(oem) == Some(feed) && !task.is_finished();
			if !keep {
				log::info!(
					target: LOG_TARGET,
					"{}: stopping its receiver (the feed changed, was removed, or this node is \
					 no longer a registered collector)",
					feed.name(),
				);
				task.abort();
			}
			keep
		});
		if let (Some(collector), false) = (&collector, wanted.is_empty() && vehicle_cas.is_empty())
		{
			// A collector that only receives never got a secret over RPC, which is what makes
			// the sealing key otherwise: the worker needs it to seal what the receivers queue.
			match node_seal_key(&keystore, true) {
				Ok(Some(seal_key)) => {
					for (oem, feed) in wanted {
						if running.contains_key(&oem) {
							continue;
						}
						let storage = storage.clone();
						let seal_key = seal_key.clone();
						let login = move || login(&storage, &seal_key, oem);
						let id = client_id(collector, oem);
						let task = match &feed {
							BrokerFeed::Mqtt(mqtt) => {
								log::info!(
									target: LOG_TARGET,
									"{}: receiving topics {}/+",
									feed.name(), mqtt.topic_prefix,
								);
								tokio::spawn(mqtt::receive(mqtt.clone(), id, login, inbox.clone()))
							},
							BrokerFeed::Kafka(kafka) => {
								log::info!(
									target: LOG_TARGET,
									"{}: receiving topic {}",
									feed.name(), kafka.topic,
								);
								tokio::spawn(kafka::receive(
									kafka.clone(),
									id,
									login,
									inbox.clone(),
								))
							},
						};
						running.insert(oem, (feed, task));
					}
				},
				Ok(None) | Err(_) => log::error!(
					target: LOG_TARGET,
					"push feeds: the keystore gives no sealing key; receiving nothing"
				),
			}
		}
		if finalized.next().await.is_none() {
			break;
		}
	}
	for (_, (_, task)) in running {
		task.abort();
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use pallet_anchoring_runtime_api::OemApi;

	#[test]
	fn broker_feeds_make_receivers_with_their_registered_fields() {
		let feed = PushFeed::Mqtt {
			api: OemApi::Tesla,
			host: b"mqtt.oem.example".to_vec().try_into().expect("short"),
			port: 8883,
			topic_prefix: b"vehicles/v1".to_vec().try_into().expect("short"),
			server_ca: Some(vec![0x30, 0x00].try_into().expect("short")),
		};
		assert_eq!(
			broker_feed(7, feed),
			Some(BrokerFeed::Mqtt(MqttFeed {
				oem: 7,
				api: OemApi::Tesla,
				host: "mqtt.oem.example".into(),
				port: 8883,
				topic_prefix: "vehicles/v1".into(),
				server_ca: Some(vec![0x30, 0x00]),
			}))
		);
		let feed = PushFeed::Kafka {
			api: OemApi::Smartcar,
			host: b"kafka.oem.example".to_vec().try_into().expect("short"),
			port: 9093,
			topic: b"vehicle-data".to_vec().try_into().expect("short"),
			server_ca: None,
		};
		assert_eq!(
			broker_feed(8, feed),
			Some(BrokerFeed::Kafka(KafkaFeed {
				oem: 8,
				api: OemApi::Smartcar,
				host: "kafka.oem.example".into(),
				port: 9093,
				topic: "vehicle-data".into(),
				server_ca: None,
			}))
		);
		let fleet =
			PushFeed::FleetTelemetry { vehicle_ca: vec![0x30, 0x00].try_into().expect("short") };
		assert_eq!(broker_feed(7, fleet), None);
	}

	#[test]
	fn client_ids_are_stable_short_and_differ_by_oem() {
		let collector = CollectorId::from(sp_core::sr25519::Public::from_raw([0xab; 32]));
		assert_eq!(client_id(&collector, 1), "dimo-ababab-1");
		assert_ne!(client_id(&collector, 1), client_id(&collector, 2));
		assert!(client_id(&collector, u32::MAX).len() <= 23);
	}
}
