//! # DIMO OEM simulator
//!
//! An HTTPS server that answers like the carmakers' APIs DIMO knows (Tesla Fleet API, Smartcar,
//! High Mobility: one file each in `oems/`), for the collector's
//! offchain worker in dev and tests: OAuth tokens that expire and refresh, simulated vehicles
//! whose odometer, battery and position evolve, and faults on demand. See [`api`] for the
//! routes.
//!
//! ```text
//! dimo-oem-simulator gen-certs --out target/dev-certs          # a fresh CA and a localhost leaf
//! dimo-oem-simulator serve --certs target/dev-certs --port 7443 --vehicles 3
//! dimo-oem-simulator push-mqtt --broker localhost:8883 --ca target/dev-certs/ca.pem ...
//! dimo-oem-simulator push-kafka --broker localhost:9093 --ca target/dev-certs/ca.pem ...
//! ```
//!
//! It listens on 127.0.0.1 only (unless `--listen` names another address: a container's, whose
//! network is private to its compose project), prints `listening on https://localhost:<port>` once ready,
//! and one line per request (method, path, status: never a header or a body, so never a
//! token).

mod api;
mod certs;
mod fleet;
mod oems;
mod push;

use clap::{Parser, Subcommand};
use http_body_util::{BodyExt, Full};
use hyper::{body::Bytes, server::conn::http1, service::service_fn, Request, Response};
use hyper_util::rt::TokioIo;
use std::{convert::Infallible, path::PathBuf, sync::Arc, sync::Mutex, time::Duration};
use tokio::net::TcpListener;
use tokio_rustls::{
	rustls::{
		self,
		pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer},
	},
	TlsAcceptor,
};

#[derive(Parser)]
#[command(
	version,
	about = "Carmaker-shaped HTTPS APIs (Tesla, Smartcar, High Mobility) for DIMO Chain's dev and tests"
)]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Makes a fresh test CA and a leaf certificate for localhost and 127.0.0.1 signed by it;
	/// writes ca.pem (to trust), the leaf and its key. The CA's key is never written.
	GenCerts {
		/// The folder to write into.
		#[arg(long)]
		out: PathBuf,
		/// The CA's common name.
		#[arg(long, default_value = "DIMO dev OEM CA")]
		name: String,
		/// Another DNS name the leaf is valid for (e.g. `oem-simulator`, the service's name in
		/// a compose network); repeatable.
		#[arg(long = "host")]
		hosts: Vec<String>,
	},
	/// Serves the APIs over HTTPS on 127.0.0.1 (or the address `--listen` gives).
	Serve {
		/// The folder that `gen-certs` wrote.
		#[arg(long)]
		certs: PathBuf,
		/// If the folder holds no certificates yet, make them first, as `gen-certs` would (a
		/// container's first start; later starts reuse them, so a trusted CA stays trusted).
		#[arg(long)]
		make_certs: bool,
		/// With `--make-certs`: another DNS name the leaf is valid for; repeatable.
		#[arg(long = "host", requires = "make_certs")]
		hosts: Vec<String>,
		/// The address to listen on. Keep 127.0.0.1 on a host; in a container, 0.0.0.0 makes
		/// it reachable from the other services of its compose network.
		#[arg(long, default_value = "127.0.0.1")]
		listen: std::net::IpAddr,
		/// The port (0: any free port; the line `listening on ...` says which).
		#[arg(long, default_value_t = 7443)]
		port: u16,
		/// Simulated vehicles of each OEM.
		#[arg(long, default_value_t = 3)]
		vehicles: u32,
		/// How long an access token lives, in seconds.
		#[arg(long, default_value_t = 3600)]
		token_lifetime: u64,
		/// A fault to inject from the start: KIND[:VEHICLE[:COUNT]], KIND one of asleep,
		/// rate-limit, server-error, slow, malformed, oversized; VEHICLE an OEM id or `*`
		/// (default).
		#[arg(long)]
		fault: Vec<String>,
		/// The OAuth client the OEMs accept for token refreshes, `ID:SECRET`.
		#[arg(long, default_value = "dimo-dev-client:dimo-dev-secret")]
		oauth_client: String,
	},
	/// Makes a vehicle CA (as Tesla's issuing CA) and a client certificate for each of the
	/// fleet's first `--vehicles` Teslas (common name: the VIN); writes vehicle-ca.pem, -ca.der
	/// (what governance registers) and each car's certificate and key. The CA's key is never
	/// written.
	GenVehicleCerts {
		/// The folder to write into.
		#[arg(long)]
		out: PathBuf,
		/// The CA's common name.
		#[arg(long, default_value = "DIMO dev vehicle CA")]
		name: String,
		/// How many Teslas.
		#[arg(long, default_value_t = 3)]
		vehicles: u32,
		/// Certificates that expired a year ago.
		#[arg(long)]
		expired: bool,
	},
	/// Streams the fleet's Teslas' readings to a Fleet Telemetry server, as cars do: a
	/// WebSocket over mutual TLS per car, with the certificates `gen-vehicle-certs` wrote.
	PushFleetTelemetry {
		/// The server, `HOST:PORT` (its certificate must name `HOST`).
		#[arg(long)]
		server: String,
		/// The CA (PEM) of the server's certificate.
		#[arg(long)]
		server_ca: PathBuf,
		/// The folder `gen-vehicle-certs` wrote.
		#[arg(long)]
		vehicle_certs: PathBuf,
		/// The fleet's place of the first Tesla that streams (0: the first; the dev network
		/// streams one that it does not poll).
		#[arg(long, default_value_t = 0)]
		first: u32,
		/// How many Teslas stream.
		#[arg(long, default_value_t = 3)]
		vehicles: u32,
		/// Milliseconds between two readings of a car.
		#[arg(long, default_value_t = 2000)]
		every_ms: u64,
		/// How many readings each car sends.
		#[arg(long, default_value_t = 10)]
		rounds: u64,
		/// Seconds a car keeps trying to connect (refused, or the server down) before it
		/// gives up.
		#[arg(long, default_value_t = 60)]
		give_up_after_s: u64,
	},
	/// Pushes the fleet's Teslas' readings to an MQTT broker over TLS, as an OEM's feed does
	/// (`vehicle_data` JSON, QoS 1, on `{topic-prefix}/{vin}`).
	PushMqtt {
		/// The broker, `HOST:PORT` (its certificate must name `HOST`).
		#[arg(long)]
		broker: String,
		/// The CA (PEM) that the broker's certificate chains to.
		#[arg(long)]
		ca: PathBuf,
		/// The login at the broker, `USER:PASSWORD`.
		#[arg(long)]
		login: Option<String>,
		/// The topics' prefix.
		#[arg(long, default_value = "dimo/tesla")]
		topic_prefix: String,
		/// How many Teslas push (the first of `serve --vehicles`, same VINs).
		#[arg(long, default_value_t = 3)]
		vehicles: u32,
		/// Milliseconds between two readings of a car.
		#[arg(long, default_value_t = 2000)]
		every_ms: u64,
		/// How many rounds (0: until stopped).
		#[arg(long, default_value_t = 0)]
		rounds: u64,
	},
	/// Produces the fleet's Teslas' readings to a Kafka topic over TLS, as an OEM's feed does
	/// (`vehicle_data` JSON, keyed by the VIN, acknowledged by all in-sync replicas).
	PushKafka {
		/// A bootstrap broker, `HOST:PORT` (its certificate must name `HOST`).
		#[arg(long)]
		broker: String,
		/// The CA (PEM) that the brokers' certificates chain to.
		#[arg(long)]
		ca: PathBuf,
		/// The topic.
		#[arg(long, default_value = "vehicle-data")]
		topic: String,
		/// How many Teslas push (the first of `serve --vehicles`, same VINs).
		#[arg(long, default_value_t = 3)]
		vehicles: u32,
		/// Milliseconds between two readings of a car.
		#[arg(long, default_value_t = 2000)]
		every_ms: u64,
		/// How many rounds (0: until stopped).
		#[arg(long, default_value_t = 0)]
		rounds: u64,
	},
}

fn parse_fault(text: &str) -> Result<(String, fleet::Fault), String> {
	let mut parts = text.splitn(3, ':');
	let kind = parts
		.next()
		.and_then(fleet::FaultKind::from_name)
		.ok_or(format!("unknown fault in {text}"))?;
	let vehicle = parts.next().unwrap_or("*").to_string();
	let remaining = match parts.next() {
		Some(count) => Some(count.parse().map_err(|_| format!("bad count in {text}"))?),
		None => None,
	};
	Ok((vehicle, fleet::Fault { kind, remaining }))
}

fn tls_config(dir: &std::path::Path) -> Result<rustls::ServerConfig, String> {
	let read = |file: &str| {
		std::fs::read(dir.join(file)).map_err(|e| format!("{}: {e}", dir.join(file).display()))
	};
	let cert = CertificateDer::from(read(certs::LEAF_CERT_FILE)?);
	let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(read(certs::LEAF_KEY_FILE)?));
	rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
		.with_safe_default_protocol_versions()
		.map_err(|e| e.to_string())?
		.with_no_client_auth()
		.with_single_cert(vec![cert], key)
		.map_err(|e| e.to_string())
}

async fn handle(
	fleet: Arc<Mutex<fleet::Fleet>>,
	request: Request<hyper::body::Incoming>,
) -> Response<Full<Bytes>> {
	let method = request.method().as_str().to_string();
	let path = request.uri().path().to_string();
	let query = request.uri().query().unwrap_or("").to_string();
	let authorization = request
		.headers()
		.get(hyper::header::AUTHORIZATION)
		.and_then(|value| value.to_str().ok())
		.map(str::to_string);
	let body = match request.into_body().collect().await {
		Ok(body) => body.to_bytes(),
		Err(_) => Bytes::new(),
	};
	let answer = api::route(
		&fleet,
		&api::Incoming {
			method: &method,
			path: &path,
			query: &query,
			authorization: authorization.as_deref(),
			body: &body,
		},
	);
	if answer.delay_s > 0 {
		tokio::time::sleep(Duration::from_secs(answer.delay_s)).await;
	}
	println!("{method} {path} {}", answer.status);
	let mut response =
		Response::builder().status(answer.status).header("content-type", "application/json");
	for (name, value) in answer.headers {
		response = response.header(name, value);
	}
	response
		.body(Full::new(Bytes::from(answer.body)))
		.unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// What `serve` needs.
struct ServeOptions {
	certs: PathBuf,
	listen: std::net::IpAddr,
	port: u16,
	vehicles: u32,
	token_lifetime: u64,
	faults: Vec<String>,
	oauth_client: String,
}

async fn serve(options: ServeOptions) -> Result<(), String> {
	let ServeOptions { certs, listen, port, vehicles, token_lifetime, faults, oauth_client } =
		options;
	let acceptor = TlsAcceptor::from(Arc::new(tls_config(&certs)?));
	let mut fleet = fleet::Fleet::new(vehicles, token_lifetime);
	let (id, secret) =
		oauth_client.split_once(':').ok_or("--oauth-client must be ID:SECRET".to_string())?;
	fleet.oauth_client = (id.to_string(), secret.to_string());
	for fault in &faults {
		let (vehicle, fault) = parse_fault(fault)?;
		fleet.set_fault(&vehicle, Some(fault));
	}
	let fleet = Arc::new(Mutex::new(fleet));
	let listener =
		TcpListener::bind((listen, port)).await.map_err(|e| format!("{listen}:{port}: {e}"))?;
	let port = listener.local_addr().map_err(|e| e.to_string())?.port();
	println!(
		"listening on https://localhost:{port} (CA: {})",
		certs.join(certs::CA_FILE).display()
	);
	loop {
		let Ok((tcp, peer)) = listener.accept().await else { continue };
		let acceptor = acceptor.clone();
		let fleet = fleet.clone();
		tokio::spawn(async move {
			match acceptor.accept(tcp).await {
				Ok(tls) => {
					let service = service_fn(move |request| {
						let fleet = fleet.clone();
						async move { Ok::<_, Infallible>(handle(fleet, request).await) }
					});
					let _ =
						http1::Builder::new().serve_connection(TokioIo::new(tls), service).await;
				},
				Err(error) => {
					if let Ok(mut fleet) = fleet.lock() {
						fleet.tls_failures += 1;
					}
					println!("TLS handshake with {peer} failed: {error}");
				},
			}
		});
	}
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
	let result = match Cli::parse().command {
		Command::GenCerts { out, name, hosts } => certs::generate(&out, &name, &hosts).map(|()| {
			println!(
				"wrote {} (trust this), the leaf and its key",
				out.join(certs::CA_FILE).display()
			)
		}),
		Command::Serve {
			certs,
			make_certs,
			hosts,
			listen,
			port,
			vehicles,
			token_lifetime,
			fault,
			oauth_client,
		} => {
			if make_certs && !certs.join(certs::CA_FILE).exists() {
				if let Err(error) = certs::generate(&certs, "DIMO dev OEM CA", &hosts) {
					eprintln!("dimo-oem-simulator: {error}");
					return std::process::ExitCode::FAILURE;
				}
			}
			serve(ServeOptions {
				certs,
				listen,
				port,
				vehicles,
				token_lifetime,
				faults: fault,
				oauth_client,
			})
			.await
		},
		Command::GenVehicleCerts { out, name, vehicles, expired } => {
			let fleet = fleet::Fleet::new(vehicles, 3600);
			let vins: Vec<String> = fleet
				.vehicles()
				.iter()
				.filter(|v| v.oem == fleet::Oem::Tesla)
				.map(|v| v.vin.clone())
				.collect();
			certs::generate_vehicles(&out, &name, &vins, expired).map(|()| {
				println!(
					"wrote {} (register it as the feed's vehicleCa) and {} vehicles' certificates",
					out.join(certs::VEHICLE_CA_DER_FILE).display(),
					vins.len()
				)
			})
		},
		Command::PushFleetTelemetry {
			server,
			server_ca,
			vehicle_certs,
			first,
			vehicles,
			every_ms,
			rounds,
			give_up_after_s,
		} => {
			push::push_fleet_telemetry(push::FleetTelemetryPush {
				server,
				server_ca,
				vehicle_certs,
				first,
				vehicles,
				every: Duration::from_millis(every_ms),
				rounds,
				give_up_after: Duration::from_secs(give_up_after_s),
			})
			.await
		},
		Command::PushMqtt { broker, ca, login, topic_prefix, vehicles, every_ms, rounds } => {
			push::push_mqtt(push::MqttPush {
				broker,
				ca,
				login,
				topic_prefix,
				vehicles,
				every: Duration::from_millis(every_ms),
				rounds,
			})
			.await
		},
		Command::PushKafka { broker, ca, topic, vehicles, every_ms, rounds } => {
			push::push_kafka(push::KafkaPush {
				broker,
				ca,
				topic,
				vehicles,
				every: Duration::from_millis(every_ms),
				rounds,
			})
			.await
		},
	};
	match result {
		Ok(()) => std::process::ExitCode::SUCCESS,
		Err(error) => {
			eprintln!("dimo-oem-simulator: {error}");
			std::process::ExitCode::FAILURE
		},
	}
}
