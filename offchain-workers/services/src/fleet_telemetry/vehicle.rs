//! The vehicle's side of Fleet Telemetry: what a Tesla does when its `fleet_telemetry_config`
//! points it at a server. The OEM simulator's vehicles and the tests use it to stream to the
//! receiver as cars would: a WebSocket over mutual TLS (the vehicle's client certificate, the
//! server's certificate checked against the CA the config names), `Payload`s in stream
//! messages, an acknowledgement awaited for each.

use std::sync::Arc;

use futures::{SinkExt, StreamExt};
use prost::Message as _;
use tokio::net::TcpStream;
use tokio_rustls::{
	client::TlsStream,
	rustls::{
		self,
		pki_types::{CertificateDer, PrivateKeyDer, ServerName},
		ClientConfig, RootCertStore,
	},
	TlsConnector,
};
use tokio_tungstenite::{tungstenite::Message, WebSocketStream};

use super::wire;

/// A vehicle's open stream to a server.
pub struct Vehicle {
	vin: String,
	socket: WebSocketStream<TlsStream<TcpStream>>,
	sent: u64,
}

/// One reading, as the vehicle's fields (Tesla's units: mph, miles, percent, kW, degrees).
#[derive(Clone, Copy, PartialEq, Debug, Default)]
pub struct Fields {
	/// `VehicleSpeed`, mph.
	pub speed_mph: f64,
	/// `Odometer`, miles.
	pub odometer_miles: f64,
	/// `BatteryLevel`, percent.
	pub battery_percent: f64,
	/// `ACChargingPower`, kW.
	pub charging_kw: f64,
	/// `Location`, degrees.
	pub location: (f64, f64),
}

/// The `Payload` of `fields` observed at `created_at_ms` by `vin`.
pub fn payload(vin: &str, fields: &Fields, created_at_ms: u64, is_resend: bool) -> Vec<u8> {
	let double = |key: i32, value: f64| wire::Datum {
		key,
		value: Some(wire::ValueMessage { value: Some(wire::Value::DoubleValue(value)) }),
	};
	wire::Payload {
		data: vec![
			double(wire::field::VEHICLE_SPEED, fields.speed_mph),
			double(wire::field::ODOMETER, fields.odometer_miles),
			double(wire::field::BATTERY_LEVEL, fields.battery_percent),
			double(wire::field::AC_CHARGING_POWER, fields.charging_kw),
			wire::Datum {
				key: wire::field::LOCATION,
				value: Some(wire::ValueMessage {
					value: Some(wire::Value::LocationValue(wire::LocationValue {
						latitude: fields.location.0,
						longitude: fields.location.1,
					})),
				}),
			},
		],
		created_at: Some(wire::Timestamp {
			seconds: (created_at_ms / 1000) as i64,
			nanos: ((created_at_ms % 1000) * 1_000_000) as i32,
		}),
		vin: vin.to_string(),
		is_resend,
	}
	.encode_to_vec()
}

impl Vehicle {
	/// Connects to the server at `host:port` (its certificate must name `host` and chain to
	/// `server_ca`) as the vehicle `vin`, with its client certificate `chain` and `key`.
	pub async fn connect(
		host: &str,
		port: u16,
		server_ca: CertificateDer<'static>,
		vin: &str,
		chain: Vec<CertificateDer<'static>>,
		key: PrivateKeyDer<'static>,
	) -> Result<Self, String> {
		let mut roots = RootCertStore::empty();
		roots.add(server_ca).map_err(|e| e.to_string())?;
		let config =
			ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
				.with_safe_default_protocol_versions()
				.map_err(|e| e.to_string())?
				.with_root_certificates(roots)
				.with_client_auth_cert(chain, key)
				.map_err(|e| e.to_string())?;
		let name = ServerName::try_from(host.to_string()).map_err(|e| e.to_string())?;
		let tcp = TcpStream::connect((host, port)).await.map_err(|e| e.to_string())?;
		let tls = TlsConnector::from(Arc::new(config))
			.connect(name, tcp)
			.await
			.map_err(|e| format!("TLS: {e}"))?;
		let (socket, _) = tokio_tungstenite::client_async(format!("wss://{host}:{port}/"), tls)
			.await
			.map_err(|e| format!("WebSocket: {e}"))?;
		Ok(Self { vin: vin.to_string(), socket, sent: 0 })
	}

	/// Sends `payload` on topic `topic` and waits for the server's answer: `Ok(true)` for its
	/// acknowledgement, `Ok(false)` for another answer (an error message) or none before the
	/// connection closed.
	pub async fn send(
		&mut self,
		topic: &str,
		payload: Vec<u8>,
		created_at_s: u32,
	) -> Result<bool, String> {
		self.sent += 1;
		let txid = format!("{}-{}", self.vin, self.sent).into_bytes();
		let message = wire::StreamMessage {
			txid: txid.clone(),
			topic: topic.as_bytes().to_vec(),
			message_id: txid.clone(),
			sender_id: format!("vehicle_device.{}", self.vin).into_bytes(),
			created_at: created_at_s,
			payload,
		};
		self.socket
			.send(Message::Binary(wire::stream(&message).into()))
			.await
			.map_err(|e| e.to_string())?;
		loop {
			match self.socket.next().await {
				Some(Ok(Message::Binary(reply))) => return Ok(wire::is_ack_of(&reply, &txid)),
				Some(Ok(Message::Close(_))) | None => return Ok(false),
				Some(Ok(_)) => continue,
				Some(Err(error)) => return Err(error.to_string()),
			}
		}
	}

	/// Closes the stream.
	pub async fn close(mut self) {
		let _ = self.socket.close(None).await;
	}
}
