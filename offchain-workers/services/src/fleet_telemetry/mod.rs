//! The Fleet Telemetry receiver: a server that Tesla vehicles stream to, compatible with
//! teslamotors/fleet-telemetry, writing what they send to the push inbox
//! ([`crate::push_inbox`]) before it acknowledges it.
//!
//! # What it promises
//!
//! - **Only vehicles of a registered CA.** Each vehicle opens a WebSocket over mutual TLS: the
//!   server requires a client certificate, and the handshake succeeds only if it chains to the
//!   `vehicle_ca` of a Fleet Telemetry feed that governance registered, and is within its
//!   validity (an expired one, or one of another CA, is refused in the handshake, with a log
//!   line that says why). With no such feed registered, every connection is refused.
//! - **The identity is the certificate's.** The vehicle is the certificate's common name (its
//!   VIN, `.` read as `-` as Tesla's server does), never what the message says: a message
//!   whose `Payload.vin` names another car is dropped, counted.
//! - **Acknowledged means queued.** A message's reading goes into the push inbox before the
//!   server sends its acknowledgement (the `FlatbuffersStreamAck` Tesla's server sends). A
//!   vehicle resends what was not acknowledged; while the inbox is full, nothing is.
//! - **Dated by the car.** A reading is dated by the `Payload`'s `created_at`, so that a
//!   resend (`is_resend`, after an outage) is the same reading and committed once; one more
//!   than [`crate::mqtt::MAX_CLOCK_AHEAD_MS`] ahead of the node's clock is dropped.
//!
//! Messages on other topics than `V` (alerts, errors, connectivity) are acknowledged and not
//! kept. One the server cannot read is answered as Tesla's server does, with a stream message
//! whose payload says so, and not acknowledged.

pub mod vehicle;
pub mod wire;

use std::{
	net::SocketAddr,
	sync::Arc,
	time::{Duration, Instant},
};

use dimo_offchain::{
	oem::Signals,
	push_inbox::{PushKind, PushedReading, MAX_OEM_REF_LEN, MAX_SEGMENT_READINGS},
	readings::MAX_RAW_KEPT,
};
use dimo_primitives::vehicle::OemId;
use futures::{SinkExt, StreamExt};
use prost::Message as _;
use sp_core::offchain::OffchainStorage;
use tokio::{
	net::TcpListener,
	sync::{mpsc, oneshot, watch},
};
use tokio_rustls::{
	rustls::{
		self,
		pki_types::{CertificateDer, PrivateKeyDer, UnixTime},
		server::{danger::ClientCertVerifier, WebPkiClientVerifier},
		RootCertStore, ServerConfig,
	},
	TlsAcceptor,
};
use tokio_tungstenite::tungstenite::Message;

use crate::{
	mqtt::MAX_CLOCK_AHEAD_MS,
	push_inbox::{AppendError, InboxWriter},
};

const LOG_TARGET: &str = "dimo::collector";

/// The largest message a vehicle may send (Tesla's server's default is 1 MB).
pub const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// How long a batch of readings waits for more before it goes into the inbox.
const BATCH_WINDOW: Duration = Duration::from_millis(50);

/// How long a connection may stay silent before the server closes it (vehicles send at least
/// every `interval_seconds`, and WebSocket pings).
const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// A Fleet Telemetry feed, as governance registered it
/// (`pallet_anchoring::PushFeed::FleetTelemetry`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FleetTelemetryFeed {
	/// The OEM whose feed it is.
	pub oem: OemId,
	/// The CA (DER) that its vehicles' client certificates must chain to.
	pub vehicle_ca: Vec<u8>,
}

/// The server's own certificate chain and key (PEM files the operator gives the node).
pub struct ServerIdentity {
	/// The chain, leaf first.
	pub chain: Vec<CertificateDer<'static>>,
	/// The leaf's key.
	pub key: PrivateKeyDer<'static>,
}

impl ServerIdentity {
	/// Reads the chain and key from PEM files.
	pub fn from_pem_files(chain: &std::path::Path, key: &std::path::Path) -> Result<Self, String> {
		use rustls::pki_types::pem::PemObject;
		let chain = CertificateDer::pem_file_iter(chain)
			.and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
			.map_err(|e| format!("{}: {e}", chain.display()))?;
		let key =
			PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
		Ok(Self { chain, key })
	}
}

/// Why a message made no reading (and how many there were).
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct Dropped {
	/// Its `Payload.vin` names another car than the certificate.
	pub identity: u64,
	/// Its payload is not a `Payload`, or has none of the fields the records hold.
	pub malformed: u64,
	/// It has no `created_at`.
	pub undated: u64,
	/// It is dated ahead of the node's clock.
	pub future: u64,
}

/// Why a payload makes no reading.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Refused {
	/// `Payload.vin` is another car's.
	Identity,
	/// Not a `Payload`, or nothing the records hold.
	Malformed,
	/// No `created_at`.
	Undated,
	/// Dated ahead of the node's clock.
	Future,
}

fn number(value: &wire::Value) -> Option<f64> {
	match value {
		wire::Value::StringValue(text) => text.trim().parse().ok(),
		wire::Value::IntValue(n) => Some(f64::from(*n)),
		wire::Value::LongValue(n) => Some(*n as f64),
		wire::Value::FloatValue(n) => Some(f64::from(*n)),
		wire::Value::DoubleValue(n) => Some(*n),
		_ => None,
	}
	.filter(|n| n.is_finite())
}

fn scaled(value: f64, scale: f64) -> Option<i64> {
	let scaled = (value * scale).round();
	(scaled.is_finite() && scaled.abs() < 9.0e15).then_some(scaled as i64)
}

/// The signals of a `Payload`'s data, in the records' units (Tesla sends miles, mph, percent,
/// kW and degrees).
pub fn signals(payload: &wire::Payload) -> Signals {
	const METRES_PER_MILE: f64 = 1_609.344;
	const KPH_PER_MPH: f64 = 1.609_344;
	let mut signals = Signals::new();
	let mut charging_kw: Option<f64> = None;
	for datum in &payload.data {
		let Some(value) = datum.value.as_ref().and_then(|value| value.value.as_ref()) else {
			continue;
		};
		let mut put = |name: &str, scale: f64| {
			if let Some(n) = number(value).and_then(|n| scaled(n, scale)) {
				signals.insert(name.into(), n);
			}
		};
		match datum.key {
			wire::field::VEHICLE_SPEED => put("speedKph", KPH_PER_MPH),
			wire::field::ODOMETER => put("odometerM", METRES_PER_MILE),
			wire::field::BATTERY_LEVEL | wire::field::SOC => put("batteryPermille", 10.0),
			wire::field::AC_CHARGING_POWER | wire::field::DC_CHARGING_POWER => {
				if let Some(kw) = number(value) {
					charging_kw = Some(charging_kw.unwrap_or(0.0) + kw);
				}
			},
			wire::field::LOCATION => {
				if let wire::Value::LocationValue(location) = value {
					if let (Some(lat), Some(lon)) =
						(scaled(location.latitude, 1e7), scaled(location.longitude, 1e7))
					{
						signals.insert("latE7".into(), lat);
						signals.insert("lonE7".into(), lon);
					}
				}
			},
			_ => {},
		}
	}
	if let Some(watts) = charging_kw.and_then(|kw| scaled(kw, 1000.0)) {
		signals.insert("chargingW".into(), watts);
	}
	signals
}

/// The reading in a `V` message's `payload` from vehicle `vin` of `oem`, received at `now_ms`.
pub fn read_payload(
	oem: OemId,
	vin: &str,
	payload: &[u8],
	now_ms: u64,
) -> Result<PushedReading, Refused> {
	let decoded = wire::Payload::decode(payload).map_err(|_| Refused::Malformed)?;
	if !decoded.vin.is_empty() && decoded.vin != vin {
		return Err(Refused::Identity);
	}
	let created = decoded.created_at.ok_or(Refused::Undated)?;
	let observed_at_ms = u64::try_from(created.seconds)
		.ok()
		.and_then(|seconds| seconds.checked_mul(1000))
		.and_then(|ms| ms.checked_add(u64::try_from(created.nanos / 1_000_000).unwrap_or(0)))
		.filter(|ms| *ms > 0)
		.ok_or(Refused::Undated)?;
	if observed_at_ms > now_ms.saturating_add(MAX_CLOCK_AHEAD_MS) {
		return Err(Refused::Future);
	}
	let signals = signals(&decoded);
	if signals.is_empty() {
		return Err(Refused::Malformed);
	}
	Ok(PushedReading {
		oem,
		kind: PushKind::FleetTelemetry,
		oem_ref: vin.as_bytes().to_vec(),
		observed_at_ms,
		received_at_ms: now_ms,
		signals,
		raw: (payload.len() <= MAX_RAW_KEPT).then(|| payload.to_vec()),
	})
}

/// The vehicle a client certificate names: its common name, `.` read as `-` (as Tesla's
/// server reads it), if it is a usable id.
pub fn vehicle_of(certificate: &CertificateDer<'_>) -> Option<String> {
	let (_, parsed) = x509_parser::parse_x509_certificate(certificate.as_ref()).ok()?;
	let common_name = parsed.subject().iter_common_name().next()?.as_str().ok()?;
	let vin = common_name.replace('.', "-");
	(!vin.is_empty()
		&& vin.len() <= MAX_OEM_REF_LEN
		&& vin.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
	.then_some(vin)
}

/// A client verifier per registered feed, so that the OEM of a connection is the feed whose CA
/// its certificate chains to.
struct Verifiers {
	/// What the handshake checks: any registered feed's CA.
	config: Arc<ServerConfig>,
	/// Each feed's own check.
	by_oem: Vec<(OemId, Arc<dyn ClientCertVerifier>)>,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
	Arc::new(rustls::crypto::ring::default_provider())
}

fn verifier(cas: &[&[u8]]) -> Result<Arc<dyn ClientCertVerifier>, String> {
	let mut roots = RootCertStore::empty();
	for ca in cas {
		roots
			.add(CertificateDer::from(ca.to_vec()))
			.map_err(|e| format!("a registered vehicle CA is not usable: {e}"))?;
	}
	WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
		.build()
		.map_err(|e| e.to_string())
}

impl Verifiers {
	fn new(feeds: &[FleetTelemetryFeed], identity: &ServerIdentity) -> Result<Self, String> {
		let mut by_oem = Vec::new();
		for feed in feeds {
			match verifier(&[&feed.vehicle_ca]) {
				Ok(verifier) => by_oem.push((feed.oem, verifier)),
				Err(error) => log::error!(
					target: LOG_TARGET,
					"Fleet Telemetry feed of OEM {}: {error}; its vehicles are refused",
					feed.oem
				),
			}
		}
		if by_oem.is_empty() {
			return Err("no usable Fleet Telemetry feed is registered".into());
		}
		let cas: Vec<&[u8]> = feeds.iter().map(|feed| feed.vehicle_ca.as_slice()).collect();
		let config = ServerConfig::builder_with_provider(provider())
			.with_safe_default_protocol_versions()
			.map_err(|e| e.to_string())?
			.with_client_cert_verifier(verifier(&cas)?)
			.with_single_cert(identity.chain.clone(), identity.key.clone_key())
			.map_err(|e| format!("the server's certificate: {e}"))?;
		Ok(Self { config: Arc::new(config), by_oem })
	}

	/// The OEM whose CA `chain` (leaf first) chains to.
	fn oem_of(&self, chain: &[CertificateDer<'_>]) -> Option<OemId> {
		let (leaf, intermediates) = chain.split_first()?;
		self.by_oem
			.iter()
			.find(|(_, verifier)| {
				verifier.verify_client_cert(leaf, intermediates, UnixTime::now()).is_ok()
			})
			.map(|(oem, _)| *oem)
	}
}

/// A reading waiting to be queued, with whom to tell once it is (or is not).
type Queued = (PushedReading, oneshot::Sender<bool>);

/// Gathers the connections' readings into segments of the inbox, and tells each connection
/// whether its reading is in (then it acknowledges it) or not (then it does not: the inbox is
/// full, and the vehicle sends it again later).
async fn queue<S: OffchainStorage + 'static>(
	mut readings: mpsc::Receiver<Queued>,
	inbox: Arc<InboxWriter<S>>,
) {
	let mut queued_since_start = 0u64;
	let mut last_report = Instant::now();
	let mut full_reported = false;
	while let Some(first) = readings.recv().await {
		let mut batch = vec![first];
		let window = tokio::time::sleep(BATCH_WINDOW);
		tokio::pin!(window);
		while batch.len() < MAX_SEGMENT_READINGS as usize {
			tokio::select! {
				next = readings.recv() => match next {
					Some(reading) => batch.push(reading),
					None => break,
				},
				() = &mut window => break,
			}
		}
		let (batch, replies): (Vec<_>, Vec<_>) = batch.into_iter().unzip();
		let appended = {
			let inbox = inbox.clone();
			tokio::task::spawn_blocking(move || inbox.append(&batch).map(|_| batch.len())).await
		};
		let queued = match appended {
			Ok(Ok(count)) => {
				queued_since_start += count as u64;
				full_reported = false;
				true
			},
			Ok(Err(why)) => {
				if !full_reported {
					log::warn!(
						target: LOG_TARGET,
						"Fleet Telemetry: the push inbox is {} : not acknowledging; vehicles \
						 send again",
						if why == AppendError::Full { "full" } else { "unavailable" },
					);
					full_reported = true;
				}
				false
			},
			Err(_) => false,
		};
		for reply in replies {
			let _ = reply.send(queued);
		}
		if queued && last_report.elapsed() >= Duration::from_secs(10) {
			last_report = Instant::now();
			log::info!(
				target: LOG_TARGET,
				"Fleet Telemetry: {queued_since_start} readings queued since start"
			);
		}
	}
}

/// Serves vehicles on `listener` until dropped: the feeds come from `feeds` (the node follows
/// the chain's registry), the server's own certificate from `identity`.
pub async fn serve<S: OffchainStorage + 'static>(
	listener: TcpListener,
	identity: ServerIdentity,
	mut feeds: watch::Receiver<Vec<FleetTelemetryFeed>>,
	inbox: Arc<InboxWriter<S>>,
) {
	let (to_queue, from_connections) = mpsc::channel(MAX_SEGMENT_READINGS as usize * 4);
	tokio::spawn(queue(from_connections, inbox));
	let identity = Arc::new(identity);
	let build = |feeds: &[FleetTelemetryFeed]| -> Option<Arc<Verifiers>> {
		if feeds.is_empty() {
			return None;
		}
		match Verifiers::new(feeds, &identity) {
			Ok(verifiers) => Some(Arc::new(verifiers)),
			Err(error) => {
				log::error!(target: LOG_TARGET, "Fleet Telemetry: {error}; refusing every vehicle");
				None
			},
		}
	};
	let mut verifiers = build(&feeds.borrow_and_update());
	loop {
		tokio::select! {
			changed = feeds.changed() => {
				if changed.is_err() {
					return;
				}
				verifiers = build(&feeds.borrow_and_update());
				log::info!(
					target: LOG_TARGET,
					"Fleet Telemetry: {} feed(s) registered; vehicles of their CAs are accepted",
					verifiers.as_ref().map_or(0, |v| v.by_oem.len()),
				);
			},
			accepted = listener.accept() => {
				let Ok((tcp, peer)) = accepted else { continue };
				let Some(verifiers) = verifiers.clone() else {
					log::debug!(target: LOG_TARGET, "Fleet Telemetry: {peer} refused: no feed registered");
					continue;
				};
				tokio::spawn(connection(tcp, peer, verifiers, to_queue.clone()));
			},
		}
	}
}

/// One vehicle's connection: TLS with its certificate checked, the WebSocket, then its
/// messages.
async fn connection(
	tcp: tokio::net::TcpStream,
	peer: SocketAddr,
	verifiers: Arc<Verifiers>,
	to_queue: mpsc::Sender<Queued>,
) {
	let tls = match TlsAcceptor::from(verifiers.config.clone()).accept(tcp).await {
		Ok(tls) => tls,
		Err(error) => {
			log::warn!(
				target: LOG_TARGET,
				"Fleet Telemetry: refused {peer}: TLS handshake failed: {error}"
			);
			return;
		},
	};
	let chain = tls.get_ref().1.peer_certificates().map(<[_]>::to_vec).unwrap_or_default();
	let (Some(oem), Some(vin)) = (verifiers.oem_of(&chain), chain.first().and_then(vehicle_of))
	else {
		log::warn!(
			target: LOG_TARGET,
			"Fleet Telemetry: refused {peer}: its certificate names no vehicle id"
		);
		return;
	};
	let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
		.max_message_size(Some(MAX_MESSAGE_BYTES))
		.max_frame_size(Some(MAX_MESSAGE_BYTES));
	let mut socket = match tokio_tungstenite::accept_async_with_config(tls, Some(config)).await {
		Ok(socket) => socket,
		Err(error) => {
			log::warn!(target: LOG_TARGET, "Fleet Telemetry: {vin} ({peer}): not a WebSocket: {error}");
			return;
		},
	};
	log::info!(target: LOG_TARGET, "Fleet Telemetry: vehicle {vin} of OEM {oem} connected from {peer}");
	let mut dropped = Dropped::default();
	let mut queued = 0u64;
	loop {
		let next = match tokio::time::timeout(IDLE_TIMEOUT, socket.next()).await {
			Ok(Some(Ok(next))) => next,
			Ok(Some(Err(_)) | None) | Err(_) => break,
		};
		let bytes = match next {
			Message::Binary(bytes) => bytes,
			Message::Close(_) => break,
			_ => continue,
		};
		let message = match wire::read_stream(&bytes) {
			Ok(message) => message,
			Err(error) => {
				dropped.malformed += 1;
				log::debug!(target: LOG_TARGET, "Fleet Telemetry: {vin}: unreadable message: {error:?}");
				continue;
			},
		};
		if message.topic != wire::TOPIC_VEHICLE_DATA.as_bytes() {
			// Alerts, errors, connectivity: acknowledged, as Tesla's server does for a topic it
			// does not dispatch, so the car does not send them again.
			if socket.send(Message::Binary(wire::ack(&message).into())).await.is_err() {
				break;
			}
			continue;
		}
		let reading = match read_payload(oem, &vin, &message.payload, crate::now_ms()) {
			Ok(reading) => reading,
			Err(refused) => {
				match refused {
					Refused::Identity => dropped.identity += 1,
					Refused::Malformed => dropped.malformed += 1,
					Refused::Undated => dropped.undated += 1,
					Refused::Future => dropped.future += 1,
				}
				log::debug!(target: LOG_TARGET, "Fleet Telemetry: {vin}: dropped a message: {refused:?}");
				let reply = if refused == Refused::Malformed {
					wire::stream(&wire::StreamMessage {
						txid: message.txid.clone(),
						payload: b"incorrect message format".to_vec(),
						..Default::default()
					})
				} else {
					// It can never make a reading: acknowledged, so it is not sent again.
					wire::ack(&message)
				};
				if socket.send(Message::Binary(reply.into())).await.is_err() {
					break;
				}
				continue;
			},
		};
		let (reply, is_queued) = oneshot::channel();
		if to_queue.send((reading, reply)).await.is_err() {
			break;
		}
		if is_queued.await.unwrap_or(false) {
			queued += 1;
			if socket.send(Message::Binary(wire::ack(&message).into())).await.is_err() {
				break;
			}
		}
	}
	log::info!(
		target: LOG_TARGET,
		"Fleet Telemetry: vehicle {vin} disconnected: {queued} readings queued; dropped: identity \
		 {}, malformed {}, undated {}, future {}",
		dropped.identity,
		dropped.malformed,
		dropped.undated,
		dropped.future,
	);
}

#[cfg(test)]
mod tests;
