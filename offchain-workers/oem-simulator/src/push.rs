//! The simulator's vehicles pushing their data, as an OEM's feed does: to an MQTT broker, each
//! reading a Tesla `vehicle_data` answer published with QoS 1 on `{topic_prefix}/{vin}`.
//!
//! ```text
//! dimo-oem-simulator push-mqtt --broker localhost:8883 --ca target/dev-certs/ca.pem \
//!     --login oem-publisher:secret --topic-prefix dimo/tesla --vehicles 3 --every-ms 2000
//! ```
//!
//! `push-kafka` does the same as a Kafka producer: each reading a record of the topic, keyed by
//! the car's VIN, acknowledged by all in-sync replicas.
//!
//! ```text
//! dimo-oem-simulator push-kafka --broker localhost:9093 --ca target/dev-certs/ca.pem \
//!     --topic vehicle-data --vehicles 3 --every-ms 2000
//! ```
//!
//! Both connect over TLS only, trusting the CA they are given (the broker's certificate must
//! name the host), and print one line per round: how many readings the broker acknowledged so
//! far.
//! The same fleet as `serve` (`--vehicles` Teslas: the same VINs), so that a car the dev
//! network onboarded through the polled API can also be pushed.

use crate::{
	fleet::{unix_ms, Fleet, Oem, State},
	oems::tesla::vehicle_data,
};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS, TlsConfiguration, Transport};
use std::{path::PathBuf, sync::Arc, time::Duration};
use tokio_rustls::rustls::{
	self,
	pki_types::{pem::PemObject, CertificateDer},
};

/// What `push-mqtt` needs.
pub struct MqttPush {
	/// The broker, `host:port`.
	pub broker: String,
	/// The CA (PEM) the broker's certificate chains to.
	pub ca: PathBuf,
	/// The login, `user:password`, if the broker wants one.
	pub login: Option<String>,
	/// The topics' prefix.
	pub topic_prefix: String,
	/// How many Teslas push.
	pub vehicles: u32,
	/// The time between two readings of a car.
	pub every: Duration,
	/// How many rounds (0: until stopped).
	pub rounds: u64,
}

/// Publishes the fleet's Teslas' readings to the broker, round after round.
pub async fn push_mqtt(options: MqttPush) -> Result<(), String> {
	let (host, port) = options.broker.rsplit_once(':').ok_or("--broker must be HOST:PORT")?;
	let port: u16 = port.parse().map_err(|_| "--broker must be HOST:PORT".to_string())?;
	let ca = CertificateDer::from_pem_file(&options.ca)
		.map_err(|e| format!("{}: {e}", options.ca.display()))?;
	let mut roots = rustls::RootCertStore::empty();
	roots.add(ca).map_err(|e| format!("{}: {e}", options.ca.display()))?;
	let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
		rustls::crypto::ring::default_provider(),
	))
	.with_safe_default_protocol_versions()
	.map_err(|e| e.to_string())?
	.with_root_certificates(roots)
	.with_no_client_auth();
	let mut mqtt =
		MqttOptions::new(format!("dimo-oem-simulator-{}", std::process::id()), host, port);
	mqtt.set_keep_alive(Duration::from_secs(30))
		.set_transport(Transport::tls_with_config(TlsConfiguration::Rustls(Arc::new(tls))));
	if let Some(login) = &options.login {
		let (user, password) = login.split_once(':').ok_or("--login must be USER:PASSWORD")?;
		mqtt.set_credentials(user, password);
	}
	let (client, mut events) = AsyncClient::new(mqtt, 1024);
	let fleet = Fleet::new(options.vehicles, 3600);
	let teslas: Vec<_> = fleet.vehicles().iter().filter(|v| v.oem == Oem::Tesla).cloned().collect();
	let acked = Arc::new(std::sync::atomic::AtomicU64::new(0));
	let pump = {
		let acked = acked.clone();
		tokio::spawn(async move {
			loop {
				match events.poll().await {
					Ok(Event::Incoming(Packet::PubAck(_))) => {
						acked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
					},
					Ok(Event::Incoming(Packet::ConnAck(_))) => println!("connected to the broker"),
					Ok(_) => {},
					Err(error) => {
						println!("the broker: {error}; retrying in 1 s");
						tokio::time::sleep(Duration::from_secs(1)).await;
					},
				}
			}
		})
	};
	let started = unix_ms();
	let mut published = 0u64;
	let mut round = 0u64;
	while options.rounds == 0 || round < options.rounds {
		let elapsed_s = ((unix_ms() - started) / 1000) as i64;
		for vehicle in &teslas {
			let state = State::at(vehicle.index, elapsed_s);
			let payload = vehicle_data(&vehicle.id, &vehicle.vin, &state, true).to_string();
			let topic = format!("{}/{}", options.topic_prefix, vehicle.vin);
			client
				.publish(topic, QoS::AtLeastOnce, false, payload.into_bytes())
				.await
				.map_err(|e| e.to_string())?;
			published += 1;
		}
		round += 1;
		tokio::time::sleep(options.every).await;
		println!(
			"round {round}: published {published}, acknowledged {}",
			acked.load(std::sync::atomic::Ordering::Relaxed)
		);
	}
	// Until the broker acknowledged everything (or 30 s).
	let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
	while acked.load(std::sync::atomic::Ordering::Relaxed) < published
		&& tokio::time::Instant::now() < deadline
	{
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
	let acked = acked.load(std::sync::atomic::Ordering::Relaxed);
	println!("pushed {published} readings, the broker acknowledged {acked}");
	let _ = client.disconnect().await;
	pump.abort();
	if acked < published {
		return Err(format!("the broker acknowledged {acked} of {published}"));
	}
	Ok(())
}

/// What `push-kafka` needs.
pub struct KafkaPush {
	/// A bootstrap broker, `host:port`.
	pub broker: String,
	/// The CA (PEM) the brokers' certificates chain to.
	pub ca: PathBuf,
	/// The topic.
	pub topic: String,
	/// How many Teslas push.
	pub vehicles: u32,
	/// The time between two readings of a car.
	pub every: Duration,
	/// How many rounds (0: until stopped).
	pub rounds: u64,
}

/// Produces the fleet's Teslas' readings to the Kafka topic, round after round, each keyed by
/// the car's VIN.
pub async fn push_kafka(options: KafkaPush) -> Result<(), String> {
	use rdkafka::{
		config::ClientConfig,
		producer::{FutureProducer, FutureRecord},
	};
	let ca = std::fs::read_to_string(&options.ca)
		.map_err(|e| format!("{}: {e}", options.ca.display()))?;
	let producer: FutureProducer = ClientConfig::new()
		.set("bootstrap.servers", &options.broker)
		.set("client.id", "dimo-oem-simulator")
		.set("security.protocol", "ssl")
		.set("ssl.ca.pem", ca)
		.set("ssl.endpoint.identification.algorithm", "https")
		.set("acks", "all")
		.set("enable.idempotence", "true")
		.set("message.timeout.ms", "30000")
		.create()
		.map_err(|e| format!("no producer: {e}"))?;
	let fleet = Fleet::new(options.vehicles, 3600);
	let teslas: Vec<_> = fleet.vehicles().iter().filter(|v| v.oem == Oem::Tesla).cloned().collect();
	let started = unix_ms();
	let (mut published, mut acked) = (0u64, 0u64);
	let mut round = 0u64;
	while options.rounds == 0 || round < options.rounds {
		let elapsed_s = ((unix_ms() - started) / 1000) as i64;
		let mut sends = Vec::with_capacity(teslas.len());
		for vehicle in &teslas {
			let state = State::at(vehicle.index, elapsed_s);
			let payload = vehicle_data(&vehicle.id, &vehicle.vin, &state, true).to_string();
			let record = FutureRecord::to(&options.topic).key(&vehicle.vin).payload(&payload);
			// Queued now (the client sends them together); the futures are the deliveries.
			match producer.send_result(record) {
				Ok(delivery) => sends.push(delivery),
				Err((error, _)) => println!("a record not queued: {error}"),
			}
			published += 1;
		}
		for sent in sends {
			match sent.await {
				Ok(Ok(_)) => acked += 1,
				Ok(Err((error, _))) => println!("the broker refused a record: {error}"),
				Err(_) => println!("a record's delivery was cancelled"),
			}
		}
		round += 1;
		println!("round {round}: published {published}, acknowledged {acked}");
		tokio::time::sleep(options.every).await;
	}
	println!("pushed {published} readings, the broker acknowledged {acked}");
	if acked < published {
		return Err(format!("the broker acknowledged {acked} of {published}"));
	}
	Ok(())
}

/// What `push-fleet-telemetry` needs.
pub struct FleetTelemetryPush {
	/// The collector's Fleet Telemetry server, `host:port` (its certificate must name `host`).
	pub server: String,
	/// The CA (PEM) of the server's certificate (a vehicle config's `ca`).
	pub server_ca: PathBuf,
	/// The folder `gen-vehicle-certs` wrote: each vehicle's client certificate and key.
	pub vehicle_certs: PathBuf,
	/// The fleet's place of the first Tesla that streams (0: the first).
	pub first: u32,
	/// How many Teslas stream.
	pub vehicles: u32,
	/// The time between two readings of a car.
	pub every: Duration,
	/// How many rounds.
	pub rounds: u64,
	/// How long a car keeps trying to connect before it gives up.
	pub give_up_after: Duration,
}

/// The fleet's Teslas stream to a Fleet Telemetry server, each over its own mutual-TLS
/// WebSocket, as cars do: a `Payload` each round, sent again (`is_resend`) after a reconnect
/// until the server acknowledges it.
pub async fn push_fleet_telemetry(options: FleetTelemetryPush) -> Result<(), String> {
	use dimo_collector::fleet_telemetry::vehicle::{payload, Fields, Vehicle};
	use rustls::pki_types::PrivateKeyDer;
	let (host, port) = options.server.rsplit_once(':').ok_or("--server must be HOST:PORT")?;
	let port: u16 = port.parse().map_err(|_| "--server must be HOST:PORT".to_string())?;
	let server_ca = CertificateDer::from_pem_file(&options.server_ca)
		.map_err(|e| format!("{}: {e}", options.server_ca.display()))?;
	let fleet = Fleet::new(options.first.saturating_add(options.vehicles), 3600);
	let teslas: Vec<_> = fleet
		.vehicles()
		.iter()
		.filter(|v| v.oem == Oem::Tesla)
		.skip(options.first as usize)
		.cloned()
		.collect();
	let started = unix_ms();
	let mut cars = Vec::new();
	for vehicle in teslas {
		let dir = &options.vehicle_certs;
		let cert = dir.join(crate::certs::vehicle_cert_file(&vehicle.vin));
		let key = dir.join(crate::certs::vehicle_key_file(&vehicle.vin));
		let chain = CertificateDer::pem_file_iter(&cert)
			.and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
			.map_err(|e| format!("{}: {e}", cert.display()))?;
		let key =
			PrivateKeyDer::from_pem_file(&key).map_err(|e| format!("{}: {e}", key.display()))?;
		let host = host.to_string();
		let server_ca = server_ca.clone();
		let (every, rounds, give_up_after) = (options.every, options.rounds, options.give_up_after);
		cars.push(tokio::spawn(async move {
			let mut car: Option<Vehicle> = None;
			let mut acked = 0u64;
			let mut refused_since: Option<std::time::Instant> = None;
			let mut round = 0u64;
			while round < rounds {
				let observed = unix_ms();
				let elapsed_s = ((observed - started) / 1000) as i64;
				let state = State::at(vehicle.index, elapsed_s);
				let fields = Fields {
					speed_mph: state.speed_kph as f64 / 1.609_344,
					odometer_miles: state.odometer_m as f64 / 1_609.344,
					battery_percent: state.battery_permille as f64 / 10.0,
					charging_kw: state.charging_w as f64 / 1000.0,
					location: (state.lat_e7 as f64 / 1e7, state.lon_e7 as f64 / 1e7),
				};
				// Until the server acknowledges this reading: a car keeps what it could not send.
				let mut resend = false;
				loop {
					if car.is_none() {
						match Vehicle::connect(
							&host,
							port,
							server_ca.clone(),
							&vehicle.vin,
							chain.clone(),
							key.clone_key(),
						)
						.await
						{
							Ok(connected) => {
								car = Some(connected);
								refused_since = None;
							},
							Err(error) => {
								println!("{}: refused: {error}", vehicle.vin);
								let since =
									*refused_since.get_or_insert_with(std::time::Instant::now);
								if since.elapsed() >= give_up_after {
									return (vehicle.vin, acked, Err(error));
								}
								tokio::time::sleep(Duration::from_secs(1)).await;
								continue;
							},
						}
					}
					let Some(connected) = car.as_mut() else { continue };
					let bytes = payload(&vehicle.vin, &fields, observed, resend);
					match connected.send("V", bytes, (observed / 1000) as u32).await {
						Ok(true) => {
							acked += 1;
							break;
						},
						Ok(false) | Err(_) => {
							println!("{}: not acknowledged; sending it again", vehicle.vin);
							car = None;
							resend = true;
							tokio::time::sleep(Duration::from_secs(1)).await;
						},
					}
				}
				round += 1;
				tokio::time::sleep(every).await;
			}
			if let Some(car) = car {
				car.close().await;
			}
			(vehicle.vin, acked, Ok(()))
		}));
	}
	let mut total = 0u64;
	let mut failures = Vec::new();
	for car in cars {
		let (vin, acked, result) = car.await.map_err(|e| e.to_string())?;
		println!("{vin}: {acked} readings acknowledged");
		total += acked;
		if let Err(error) = result {
			failures.push(format!("{vin}: {error}"));
		}
	}
	println!("streamed {total} readings, the server acknowledged {total}");
	if failures.is_empty() {
		Ok(())
	} else {
		Err(format!("refused: {}", failures.join("; ")))
	}
}
