//! The MQTT receiver: subscribes to an OEM's broker, as its push feed on chain names it, and
//! writes what the broker delivers to the push inbox ([`crate::push_inbox`]) before it
//! acknowledges it.
//!
//! # What it promises
//!
//! - **Only the registered broker, only over TLS.** It connects to the feed's `host` and `port`
//!   and nowhere else, and checks the broker's certificate against the feed's `server_ca` when
//!   governance registered one (that CA only), else against the node's trust store (the
//!   system's roots and `SSL_CERT_FILE`, as for HTTPS), and its name against `host`. A
//!   broker that fails the check gets no login and gives no data; the node logs why and tries
//!   again later.
//! - **Acknowledged means in the inbox.** It subscribes with QoS 1 and acknowledges each
//!   message (PUBACK) only once the inbox lists its reading (or once it knows the message can
//!   never make one: a topic that names no car, a payload its adapter cannot read, no time
//!   of observation, a time in the future). A message it did not acknowledge, because the
//!   node died or the inbox is full, the broker delivers again: the session is persistent
//!   (`clean session` off, a client id stable across restarts), so the broker also keeps what
//!   is published while the collector is away (up to its own queue's bound).
//! - **Dated by the OEM.** A reading is dated by its adapter's `observed_at`, never by its
//!   arrival, so that a message delivered twice is the same reading and committed once. A
//!   message without one is dropped (counted), since it could not be told from its resend.
//!
//! Messages are on `{topic_prefix}/{oem_ref}`, their payloads what the OEM's HTTPS API answers
//! for a car's data (the feed's `api` names the adapter that reads them). The receiver does
//! not know which cars the chain holds (it holds only their ids' hashes): the offchain worker
//! drops the readings of cars that are not registered or do not consent, and the broker's own
//! access list decides what this collector's login may read.

use std::{sync::Arc, time::Duration};

use dimo_offchain::{
	oem::{self, OemApi, Response},
	push_inbox::{PushKind, PushedReading, MAX_OEM_REF_LEN, MAX_SEGMENT_READINGS},
	readings::MAX_RAW_KEPT,
};
use dimo_primitives::vehicle::OemId;
use rumqttc::{
	AsyncClient, ConnectionError, Event, EventLoop, MqttOptions, Packet, Publish, QoS,
	TlsConfiguration, Transport,
};
use sp_core::offchain::OffchainStorage;
use tokio::sync::mpsc;
use tokio_rustls::rustls::{self, pki_types::CertificateDer, ClientConfig, RootCertStore};

use crate::push_inbox::{AppendError, InboxWriter};

const LOG_TARGET: &str = "dimo::collector";

/// How far ahead of the node's clock a reading may be dated (clocks of cars and OEMs drift):
/// a later one is dropped, since it would make every real reading of its car until then look
/// committed already.
pub const MAX_CLOCK_AHEAD_MS: u64 = 5 * 60 * 1000;

/// The largest message the receiver takes (a Tesla `vehicle_data` answer is a few KiB).
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// How long a batch waits for more messages before it goes into the inbox.
const BATCH_WINDOW: Duration = Duration::from_millis(50);

/// The longest wait between two connection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// An MQTT push feed, as governance registered it (`pallet_anchoring::PushFeed::Mqtt`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MqttFeed {
	/// The OEM whose feed it is.
	pub oem: OemId,
	/// The adapter that reads its payloads.
	pub api: OemApi,
	/// The broker's DNS name.
	pub host: String,
	/// The broker's TLS port.
	pub port: u16,
	/// The topics' prefix; messages are on `{topic_prefix}/{oem_ref}`.
	pub topic_prefix: String,
	/// The only CA the broker's certificate may chain to (DER), if registered.
	pub server_ca: Option<Vec<u8>>,
}

/// A login at the broker: the operator's OEM client (`collector_setOemClient`).
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
	/// The user name (the client id).
	pub user: String,
	/// The password (the client secret).
	pub password: String,
}

/// Why a message makes no reading. Such a message is acknowledged (the broker would only
/// deliver it again) and counted.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dropped {
	/// It names no usable car: its MQTT topic is not `{topic_prefix}/{oem_ref}`, its Kafka key
	/// is missing, or the `oem_ref` is empty or too long.
	Topic,
	/// Its adapter cannot read its payload, or it is too big.
	Malformed,
	/// Its payload says nothing of when the car observed it.
	Undated,
	/// It is dated more than [`MAX_CLOCK_AHEAD_MS`] ahead of the node's clock.
	Future,
}

/// The reading in a message that `feed`'s broker delivered on `topic`, received at `now_ms`.
pub fn read_message(
	feed: &MqttFeed,
	topic: &str,
	payload: &[u8],
	now_ms: u64,
) -> Result<PushedReading, Dropped> {
	let oem_ref = topic
		.strip_prefix(feed.topic_prefix.as_str())
		.and_then(|rest| rest.strip_prefix('/'))
		.filter(|oem_ref| !oem_ref.contains('/'))
		.ok_or(Dropped::Topic)?;
	read_payload(feed.oem, feed.api, PushKind::Mqtt, oem_ref, payload, now_ms)
}

/// The reading in `payload`, what `oem`'s HTTPS API (`api`) would answer for the car it names
/// `oem_ref`, as a broker (MQTT or Kafka) delivered it at `now_ms`.
pub fn read_payload(
	oem: OemId,
	api: OemApi,
	kind: PushKind,
	oem_ref: &str,
	payload: &[u8],
	now_ms: u64,
) -> Result<PushedReading, Dropped> {
	if oem_ref.is_empty() || oem_ref.len() > MAX_OEM_REF_LEN {
		return Err(Dropped::Topic);
	}
	if payload.len() > MAX_MESSAGE_BYTES {
		return Err(Dropped::Malformed);
	}
	let adapter = oem::adapter(api);
	let response = Response { status: 200, headers: &[], body: payload };
	let signals = (adapter.read_data)(&response).map_err(|_| Dropped::Malformed)?;
	let observed_at_ms = (adapter.observed_at)(&response).ok_or(Dropped::Undated)?;
	if observed_at_ms > now_ms.saturating_add(MAX_CLOCK_AHEAD_MS) {
		return Err(Dropped::Future);
	}
	Ok(PushedReading {
		oem,
		kind,
		oem_ref: oem_ref.as_bytes().to_vec(),
		observed_at_ms,
		received_at_ms: now_ms,
		signals,
		raw: (payload.len() <= MAX_RAW_KEPT).then(|| payload.to_vec()),
	})
}

/// The TLS client configuration for a broker: trusting `server_ca` only, if given, else the
/// node's trust store (the system's roots, or the bundle `SSL_CERT_FILE` names).
pub fn tls_config(server_ca: Option<&[u8]>) -> Result<ClientConfig, String> {
	let mut roots = RootCertStore::empty();
	match server_ca {
		Some(ca) => roots
			.add(CertificateDer::from(ca.to_vec()))
			.map_err(|e| format!("the registered CA is not a usable certificate: {e}"))?,
		None => {
			let found = rustls_native_certs::load_native_certs();
			let (added, _) = roots.add_parsable_certificates(found.certs);
			if added == 0 {
				return Err(format!(
					"no trusted roots in the node's trust store: {:?}",
					found.errors
				));
			}
		},
	}
	ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
		.with_safe_default_protocol_versions()
		.map_err(|e| e.to_string())
		.map(|builder| builder.with_root_certificates(roots).with_no_client_auth())
}

/// What one receiver counted since it started.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Counts {
	/// Readings that went into the inbox and were acknowledged.
	pub queued: u64,
	/// Messages dropped, by reason: topic, malformed, undated, future.
	pub dropped: [u64; 4],
}

/// Receives `feed` into `inbox` until dropped (the node aborts it when governance changes or
/// removes the feed). `login` is asked at each connection, so that an OEM client set later is
/// used from the next one; `client_id` must be the same across the node's restarts, so that
/// the broker keeps its session.
pub async fn receive<S: OffchainStorage + 'static>(
	feed: MqttFeed,
	client_id: String,
	login: impl Fn() -> Option<Login> + Send + 'static,
	inbox: Arc<InboxWriter<S>>,
) {
	let tls = match tls_config(feed.server_ca.as_deref()) {
		Ok(tls) => Arc::new(tls),
		Err(error) => {
			log::error!(
				target: LOG_TARGET,
				"MQTT feed of OEM {} ({}:{}): {error}; not connecting",
				feed.oem, feed.host, feed.port,
			);
			return;
		},
	};
	let mut options = MqttOptions::new(client_id, feed.host.clone(), feed.port);
	options
		.set_clean_session(false)
		.set_manual_acks(true)
		.set_keep_alive(Duration::from_secs(30))
		.set_max_packet_size(MAX_MESSAGE_BYTES + 1024, 64 * 1024)
		.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(tls)));
	if let Some(login) = login() {
		options.set_credentials(login.user, login.password);
	}
	let (client, events) = AsyncClient::new(options, 1024);
	let (delivered, batches) = mpsc::channel(MAX_SEGMENT_READINGS as usize);
	let topic = format!("{}/+", feed.topic_prefix);
	tokio::select! {
		() = pump(&feed, events, client.clone(), topic, delivered, login) => {},
		() = queue(&feed, client, batches, inbox) => {},
	}
}

/// Drives the connection: (re)connects with backoff, subscribes at each new session, and
/// passes each delivered message on.
async fn pump(
	feed: &MqttFeed,
	mut events: EventLoop,
	client: AsyncClient,
	topic: String,
	delivered: mpsc::Sender<Publish>,
	login: impl Fn() -> Option<Login>,
) {
	let mut backoff = Duration::from_secs(1);
	loop {
		match events.poll().await {
			Ok(Event::Incoming(Packet::ConnAck(ack))) => {
				backoff = Duration::from_secs(1);
				log::info!(
					target: LOG_TARGET,
					"MQTT feed of OEM {}: connected to {}:{} (session {})",
					feed.oem, feed.host, feed.port,
					if ack.session_present { "resumed" } else { "new" },
				);
				if !ack.session_present {
					// `subscribe` only queues the request; the event loop sends it.
					if let Err(error) = client.try_subscribe(topic.clone(), QoS::AtLeastOnce) {
						log::warn!(target: LOG_TARGET, "MQTT feed of OEM {}: {error}", feed.oem);
					}
				}
			},
			Ok(Event::Incoming(Packet::Publish(message))) => {
				if delivered.send(message).await.is_err() {
					return;
				}
			},
			Ok(_) => {},
			Err(error) => {
				log::warn!(
					target: LOG_TARGET,
					"MQTT feed of OEM {} ({}:{}): {}; retrying in {} s",
					feed.oem, feed.host, feed.port, describe(&error), backoff.as_secs(),
				);
				tokio::time::sleep(backoff).await;
				backoff = (backoff * 2).min(MAX_BACKOFF);
				if let Some(login) = login() {
					events.mqtt_options.set_credentials(login.user, login.password);
				}
			},
		}
	}
}

/// An error as an operator reads it: the TLS reason first.
fn describe(error: &ConnectionError) -> String {
	let mut text = error.to_string();
	let mut source = std::error::Error::source(error);
	while let Some(cause) = source {
		let cause_text = cause.to_string();
		if !text.contains(&cause_text) {
			text = format!("{text}: {cause_text}");
		}
		source = cause.source();
	}
	text
}

/// Gathers delivered messages into batches, writes their readings to the inbox, and only then
/// acknowledges them.
async fn queue<S: OffchainStorage + 'static>(
	feed: &MqttFeed,
	client: AsyncClient,
	mut batches: mpsc::Receiver<Publish>,
	inbox: Arc<InboxWriter<S>>,
) {
	let mut counts = Counts::default();
	while let Some(first) = batches.recv().await {
		let mut messages = vec![first];
		let window = tokio::time::sleep(BATCH_WINDOW);
		tokio::pin!(window);
		while messages.len() < MAX_SEGMENT_READINGS as usize {
			tokio::select! {
				next = batches.recv() => match next {
					Some(message) => messages.push(message),
					None => break,
				},
				() = &mut window => break,
			}
		}
		let now = crate::now_ms();
		let mut readings = Vec::with_capacity(messages.len());
		for message in &messages {
			match read_message(feed, &message.topic, &message.payload, now) {
				Ok(reading) => readings.push(reading),
				Err(dropped) => {
					counts.dropped[dropped as usize] += 1;
					log::debug!(
						target: LOG_TARGET,
						"MQTT feed of OEM {}: dropped a message on {:?}: {dropped:?}",
						feed.oem, message.topic,
					);
				},
			}
		}
		if !append_patiently(&inbox, &readings, &format!("MQTT feed of OEM {}", feed.oem)).await {
			return;
		}
		counts.queued += readings.len() as u64;
		for message in &messages {
			if client.ack(message).await.is_err() {
				return;
			}
		}
		log::debug!(target: LOG_TARGET, "MQTT feed of OEM {}: {counts:?}", feed.oem);
		if !readings.is_empty() || messages.len() > readings.len() {
			log::info!(
				target: LOG_TARGET,
				"MQTT feed of OEM {}: {} readings queued, {} messages dropped (topic {}, \
				 malformed {}, undated {}, future {}); {} queued since start",
				feed.oem,
				readings.len(),
				messages.len() - readings.len(),
				counts.dropped[0], counts.dropped[1], counts.dropped[2], counts.dropped[3],
				counts.queued,
			);
		}
	}
}

/// Writes `readings` to the inbox, waiting while it is full or busy (the broker redelivers
/// nothing meanwhile, since nothing is acknowledged). False if the inbox can never take them:
/// the receiver then stops without acknowledging them. `source` names the feed in the log.
pub(crate) async fn append_patiently<S: OffchainStorage + 'static>(
	inbox: &Arc<InboxWriter<S>>,
	readings: &[PushedReading],
	source: &str,
) -> bool {
	let mut waited = Duration::ZERO;
	while !readings.is_empty() {
		let append = {
			let inbox = inbox.clone();
			let readings = readings.to_vec();
			tokio::task::spawn_blocking(move || inbox.append(&readings)).await
		};
		match append {
			Ok(Ok(_)) => break,
			Ok(Err(AppendError::BadSize)) | Err(_) => {
				log::error!(
					target: LOG_TARGET,
					"{source}: the push inbox refused {} readings; not acknowledged",
					readings.len(),
				);
				return false;
			},
			Ok(Err(why)) => {
				if waited.is_zero() {
					log::warn!(
						target: LOG_TARGET,
						"{source}: the push inbox is {} ({} readings wait): not acknowledging \
						 until it takes them",
						if why == AppendError::Full { "full" } else { "busy" },
						readings.len(),
					);
				}
				tokio::time::sleep(Duration::from_secs(1)).await;
				waited += Duration::from_secs(1);
			},
		}
	}
	true
}

#[cfg(test)]
pub(crate) mod tests {
	use super::*;

	fn feed() -> MqttFeed {
		MqttFeed {
			oem: 1,
			api: OemApi::Tesla,
			host: "localhost".into(),
			port: 8883,
			topic_prefix: "dimo/tesla".into(),
			server_ca: None,
		}
	}

	pub(crate) fn tesla(timestamp: u64, odometer: f64) -> Vec<u8> {
		serde_json::to_vec(&serde_json::json!({"response": {
			"id": 1, "vin": "5YJ3E1EA7KF000001", "state": "online",
			"drive_state": {"timestamp": timestamp, "latitude": 48.1, "longitude": 11.5,
				"speed": null, "power": 0, "shift_state": null},
			"charge_state": {"timestamp": timestamp, "battery_level": 80, "battery_range": 200.0,
				"charging_state": "Disconnected"},
			"vehicle_state": {"timestamp": timestamp, "odometer": odometer},
		}}))
		.expect("json")
	}

	#[test]
	fn a_message_makes_a_reading_of_the_car_its_topic_names_dated_by_the_oem() {
		let reading =
			read_message(&feed(), "dimo/tesla/5YJ3E1EA7KF000001", &tesla(1_000, 10.0), 5_000)
				.expect("a reading");
		assert_eq!(reading.oem, 1);
		assert_eq!(reading.kind, PushKind::Mqtt);
		assert_eq!(reading.oem_ref, b"5YJ3E1EA7KF000001".to_vec());
		assert_eq!(reading.observed_at_ms, 1_000);
		assert_eq!(reading.received_at_ms, 5_000);
		assert!(reading.signals.contains_key("odometerM"), "{:?}", reading.signals);
		assert_eq!(reading.raw.as_deref(), Some(&tesla(1_000, 10.0)[..]));
	}

	#[test]
	fn messages_that_can_make_no_reading_say_why() {
		let payload = tesla(1_000, 10.0);
		for topic in ["dimo/tesla", "dimo/tesla/", "dimo/teslaX/VIN", "dimo/tesla/a/b", "other/VIN"]
		{
			assert_eq!(
				read_message(&feed(), topic, &payload, 5_000),
				Err(Dropped::Topic),
				"{topic}"
			);
		}
		let long = format!("dimo/tesla/{}", "V".repeat(MAX_OEM_REF_LEN + 1));
		assert_eq!(read_message(&feed(), &long, &payload, 5_000), Err(Dropped::Topic));
		assert_eq!(
			read_message(&feed(), "dimo/tesla/VIN", b"{not json", 5_000),
			Err(Dropped::Malformed)
		);
		let undated = serde_json::to_vec(&serde_json::json!({"response": {
			"vehicle_state": {"odometer": 10.0},
		}}))
		.expect("json");
		assert_eq!(read_message(&feed(), "dimo/tesla/VIN", &undated, 5_000), Err(Dropped::Undated));
		let ahead = 5_000 + MAX_CLOCK_AHEAD_MS + 1;
		assert_eq!(
			read_message(&feed(), "dimo/tesla/VIN", &tesla(ahead, 10.0), 5_000),
			Err(Dropped::Future)
		);
		assert!(read_message(&feed(), "dimo/tesla/VIN", &tesla(ahead - 1, 10.0), 5_000).is_ok());
	}

	#[test]
	fn a_registered_ca_must_be_a_certificate() {
		assert!(tls_config(Some(b"not a certificate")).is_err());
	}
}

/// Against a real broker: Debian's mosquitto over TLS, with a test CA made here.
#[cfg(test)]
mod broker {
	use super::*;
	use crate::{
		test_broker::{broker_dir, free_port, TestCa as Ca},
		test_storage::Shared,
	};
	use codec::Encode;
	use dimo_offchain::push_inbox::{Inbox, Segment, INBOX_KEY, MAX_INBOX_READINGS};
	use std::{
		path::PathBuf,
		process::{Child, Command},
		time::Instant,
	};

	const PREFIX: &[u8] = sp_offchain::STORAGE_PREFIX;
	const USER: &str = "dimo-collector";
	const PASSWORD: &str = "collector-secret";

	fn ca() -> Ca {
		Ca::new("DIMO test MQTT CA")
	}

	/// A mosquitto on a free loopback port, with a TLS listener whose certificate `ca` signed,
	/// a login, and its log in a file; killed when dropped.
	struct Broker {
		port: u16,
		dir: PathBuf,
		process: Child,
	}

	impl Broker {
		fn start(ca: &Ca) -> Self {
			let dir = broker_dir("mqtt");
			ca.write_localhost_certificate(&dir);
			let passwords = dir.join("passwords");
			let made = Command::new("mosquitto_passwd")
				.arg("-b")
				.arg("-c")
				.arg(&passwords)
				.args([USER, PASSWORD])
				.status()
				.expect("mosquitto_passwd (Debian's mosquitto; scripts/setup.sh installs it)");
			assert!(made.success());
			let port = free_port();
			let config = format!(
				"listener {port} 127.0.0.1\ncertfile {dir}/server.pem\nkeyfile {dir}/server.key\n\
				 allow_anonymous false\npassword_file {dir}/passwords\npersistence false\n\
				 log_dest stderr\nlog_type all\n",
				dir = dir.display()
			);
			std::fs::write(dir.join("mosquitto.conf"), config).expect("write");
			// Its log to a file the test opened (run as root, mosquitto writes none of its own
			// once it has dropped to its user).
			let log = std::fs::File::create(dir.join("broker.log")).expect("log file");
			let process = Command::new("mosquitto")
				.arg("-c")
				.arg(dir.join("mosquitto.conf"))
				.stderr(log)
				.spawn()
				.expect("mosquitto (Debian's; scripts/setup.sh installs it)");
			let broker = Self { port, dir, process };
			broker.wait_for_log(&format!("listen socket on port {port}"));
			broker
		}

		fn log(&self) -> String {
			std::fs::read_to_string(self.dir.join("broker.log")).unwrap_or_default()
		}

		/// Waits (at most 20 s) until the broker's log holds `text`.
		fn wait_for_log(&self, text: &str) {
			let deadline = Instant::now() + Duration::from_secs(20);
			while !self.log().contains(text) {
				assert!(
					Instant::now() < deadline,
					"no {text:?} in the broker's log:\n{}",
					self.log()
				);
				std::thread::sleep(Duration::from_millis(20));
			}
		}

		fn feed(&self, server_ca: Option<&Ca>) -> MqttFeed {
			MqttFeed {
				oem: 1,
				api: OemApi::Tesla,
				host: "localhost".into(),
				port: self.port,
				topic_prefix: "dimo/tesla".into(),
				server_ca: server_ca.map(|ca| ca.der.clone()),
			}
		}

		/// Publishes `messages` (topic, payload) with QoS 1, as the OEM, and waits for the
		/// broker's acknowledgements.
		async fn publish(&self, ca: &Ca, messages: &[(String, Vec<u8>)]) {
			let mut options = MqttOptions::new("oem-publisher", "localhost", self.port);
			options.set_credentials(USER, PASSWORD).set_transport(Transport::tls_with_config(
				TlsConfiguration::Rustls(Arc::new(tls_config(Some(&ca.der)).expect("tls"))),
			));
			let (client, mut events) = AsyncClient::new(options, 64);
			for (topic, payload) in messages {
				client
					.publish(topic, QoS::AtLeastOnce, false, payload.clone())
					.await
					.expect("queued");
			}
			let mut acked = 0;
			while acked < messages.len() {
				if let Event::Incoming(Packet::PubAck(_)) =
					events.poll().await.expect("the publisher's connection")
				{
					acked += 1;
				}
			}
			client.disconnect().await.expect("disconnect");
			let _ = tokio::time::timeout(Duration::from_secs(2), async {
				while events.poll().await.is_ok() {}
			})
			.await;
		}
	}

	impl Drop for Broker {
		fn drop(&mut self) {
			let _ = self.process.kill();
			let _ = self.process.wait();
			let _ = std::fs::remove_dir_all(&self.dir);
		}
	}

	fn login() -> Option<Login> {
		Some(Login { user: USER.into(), password: PASSWORD.into() })
	}

	/// Waits (at most 20 s) until the inbox holds `count` readings.
	async fn wait_for_readings(storage: &Shared, count: usize) -> Vec<PushedReading> {
		storage.wait_for_readings(count, Duration::from_secs(20)).await
	}

	fn message(vin: &str, timestamp: u64) -> (String, Vec<u8>) {
		(format!("dimo/tesla/{vin}"), tests::tesla(timestamp, timestamp as f64))
	}

	fn spawn(broker: &Broker, feed: MqttFeed, storage: &Shared) -> tokio::task::JoinHandle<()> {
		let inbox = Arc::new(InboxWriter::new(storage.clone()));
		let handle = tokio::spawn(receive(feed, "dimo-1-test".into(), login, inbox));
		let _ = broker;
		handle
	}

	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn readings_published_to_the_registered_broker_reach_the_inbox_and_only_then_are_acknowledged(
	) {
		let ca = ca();
		let broker = Broker::start(&ca);
		let storage = Shared::default();
		let receiver = spawn(&broker, broker.feed(Some(&ca)), &storage);
		broker.wait_for_log("Sending SUBACK to dimo-1-test");
		let now = crate::now_ms();
		let mut messages: Vec<_> = (0..5).map(|n| message("5YJ3E1EA7KF000001", now + n)).collect();
		messages.push(("dimo/tesla/5YJ3E1EA7KF000002".into(), b"{not json".to_vec()));
		messages.push(message("5YJ3E1EA7KF000002", now));
		broker.publish(&ca, &messages).await;

		let readings = wait_for_readings(&storage, 6).await;
		let mut dates: Vec<_> = readings
			.iter()
			.map(|reading| {
				(String::from_utf8_lossy(&reading.oem_ref).into_owned(), reading.observed_at_ms)
			})
			.collect();
		dates.sort();
		let mut expected: Vec<_> =
			(0..5).map(|n| ("5YJ3E1EA7KF000001".to_string(), now + n)).collect();
		expected.push(("5YJ3E1EA7KF000002".to_string(), now));
		expected.sort();
		assert_eq!(dates, expected, "the malformed message made no reading");
		assert!(readings.iter().all(|reading| reading.kind == PushKind::Mqtt && reading.oem == 1));
		// Every message, the malformed one too, was acknowledged: a second session under the
		// same client id gets nothing again.
		broker.wait_for_log("Received PUBACK from dimo-1-test");
		receiver.abort();
		let _ = receiver.await;
		let again = Shared::default();
		let second = spawn(&broker, broker.feed(Some(&ca)), &again);
		broker.publish(&ca, &[message("5YJ3E1EA7KF000003", now)]).await;
		let readings = wait_for_readings(&again, 1).await;
		assert_eq!(readings.len(), 1, "only the new message came again: {readings:?}");
		assert_eq!(readings[0].oem_ref, b"5YJ3E1EA7KF000003".to_vec());
		second.abort();
	}

	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn messages_the_inbox_could_not_take_are_delivered_again_to_the_next_session() {
		let ca = ca();
		let broker = Broker::start(&ca);
		let storage = Shared::default();
		// A full inbox: the worker is behind.
		let full = Inbox {
			segments: vec![Segment {
				seq: 0,
				readings: MAX_INBOX_READINGS as u32,
				bytes: 0,
				oldest_ms: 0,
			}],
			next_seq: 1,
		};
		storage.clone().set(PREFIX, INBOX_KEY, &full.encode());
		let receiver = spawn(&broker, broker.feed(Some(&ca)), &storage);
		broker.wait_for_log("Sending SUBACK to dimo-1-test");
		let now = crate::now_ms();
		broker
			.publish(
				&ca,
				&[message("5YJ3E1EA7KF000001", now), message("5YJ3E1EA7KF000001", now + 1)],
			)
			.await;
		broker.wait_for_log("Sending PUBLISH to dimo-1-test");
		// The node dies while the inbox is full; the worker then takes the inbox's readings.
		receiver.abort();
		let _ = receiver.await;
		assert!(!broker.log().contains("Received PUBACK from dimo-1-test"), "{}", broker.log());
		storage.clone().remove(PREFIX, INBOX_KEY);
		let second = spawn(&broker, broker.feed(Some(&ca)), &storage);
		let readings = wait_for_readings(&storage, 2).await;
		let dates: Vec<_> = readings.iter().map(|reading| reading.observed_at_ms).collect();
		assert_eq!(dates, vec![now, now + 1]);
		second.abort();
	}

	#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
	async fn a_broker_whose_certificate_does_not_chain_to_the_registered_ca_gets_no_login() {
		let ca = ca();
		let broker = Broker::start(&ca);
		let storage = Shared::default();
		let impostor_check = self::ca();
		let receiver = spawn(&broker, broker.feed(Some(&impostor_check)), &storage);
		// The handshake fails on the collector's side: the broker sees a connection closed before
		// any CONNECT (so never the login).
		broker.wait_for_log("OpenSSL Error");
		assert!(!broker.log().contains("New client connected"), "{}", broker.log());
		receiver.abort();
		assert!(storage.queued().is_empty());
	}
}
