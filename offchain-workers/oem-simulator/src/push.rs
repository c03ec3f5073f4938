//! The simulator's vehicles pushing their data, as an OEM's feed does: to an MQTT broker, each
//! reading a Tesla `vehicle_data` answer published with QoS 1 on `{topic_prefix}/{vin}`.
//!
//! ```text
//! dimo-oem-simulator push-mqtt --broker localhost:8883 --ca target/dev-certs/ca.pem \
//!     --login oem-publisher:secret --topic-prefix dimo/tesla --vehicles 3 --every-ms 2000
//! ```
//!
//! It connects over TLS only, trusting the CA it is given (the broker's certificate must name
//! the host), and prints one line per round: how many readings the broker acknowledged so far.
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
