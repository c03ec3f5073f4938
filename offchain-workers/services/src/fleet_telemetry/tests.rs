use super::{vehicle::Vehicle, *};
use crate::test_storage::Shared;
use codec::Encode;
use dimo_offchain::push_inbox::{Inbox, Segment, INBOX_KEY, MAX_INBOX_READINGS};
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use tokio_rustls::rustls::pki_types::PrivatePkcs8KeyDer;

const PREFIX: &[u8] = sp_offchain::STORAGE_PREFIX;
const VIN: &str = "5YJ3E1EA7KF317000";

/// A CA that signs certificates.
struct Ca {
	certificate: rcgen::Certificate,
	key: KeyPair,
}

impl Ca {
	fn new(name: &str) -> Self {
		let key = KeyPair::generate().expect("key");
		let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
		params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
		params.distinguished_name.push(DnType::CommonName, name);
		let certificate = params.self_signed(&key).expect("CA");
		Self { certificate, key }
	}

	fn der(&self) -> CertificateDer<'static> {
		self.certificate.der().clone()
	}

	/// A leaf for `names` (a server) or with common name `common_name` (a vehicle).
	fn leaf(
		&self,
		names: Vec<String>,
		common_name: &str,
		client: bool,
		expired: bool,
	) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
		let key = KeyPair::generate().expect("key");
		let mut params = CertificateParams::new(names).expect("params");
		params.distinguished_name.push(DnType::CommonName, common_name);
		params.extended_key_usages = vec![if client {
			ExtendedKeyUsagePurpose::ClientAuth
		} else {
			ExtendedKeyUsagePurpose::ServerAuth
		}];
		if expired {
			params.not_before = rcgen::date_time_ymd(2020, 1, 1);
			params.not_after = rcgen::date_time_ymd(2021, 1, 1);
		}
		let leaf = params.signed_by(&key, &self.certificate, &self.key).expect("leaf");
		(
			vec![leaf.der().clone()],
			PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
		)
	}

	fn vehicle(&self, vin: &str) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
		self.leaf(Vec::new(), vin, true, false)
	}
}

fn fields(n: f64) -> vehicle::Fields {
	vehicle::Fields {
		speed_mph: 30.0 + n,
		odometer_miles: 1_000.0 + n,
		battery_percent: 80.0,
		charging_kw: 0.0,
		location: (48.137, 11.575),
	}
}

#[test]
fn a_payload_makes_a_reading_in_the_records_units_dated_by_the_car() {
	let payload = vehicle::payload(VIN, &fields(0.0), 1_700_000_000_250, false);
	let reading = read_payload(1, VIN, &payload, 1_700_000_001_000).expect("a reading");
	assert_eq!(reading.kind, PushKind::FleetTelemetry);
	assert_eq!(reading.oem_ref, VIN.as_bytes().to_vec());
	assert_eq!(reading.observed_at_ms, 1_700_000_000_250);
	assert_eq!(reading.received_at_ms, 1_700_000_001_000);
	assert_eq!(reading.signals.get("speedKph"), Some(&48)); // 30 mph
	assert_eq!(reading.signals.get("odometerM"), Some(&1_609_344)); // 1,000 miles
	assert_eq!(reading.signals.get("batteryPermille"), Some(&800));
	assert_eq!(reading.signals.get("chargingW"), Some(&0));
	assert_eq!(reading.signals.get("latE7"), Some(&481_370_000));
	assert_eq!(reading.signals.get("lonE7"), Some(&115_750_000));
	assert_eq!(reading.raw, Some(payload));
}

#[test]
fn numbers_sent_as_text_are_read_and_fields_of_no_record_ignored() {
	let payload = wire::Payload {
		data: vec![
			wire::Datum {
				key: wire::field::ODOMETER,
				value: Some(wire::ValueMessage {
					value: Some(wire::Value::StringValue("12.5".into())),
				}),
			},
			wire::Datum {
				key: 999,
				value: Some(wire::ValueMessage { value: Some(wire::Value::DoubleValue(1.0)) }),
			},
			wire::Datum {
				key: wire::field::VEHICLE_SPEED,
				value: Some(wire::ValueMessage { value: Some(wire::Value::Invalid(true)) }),
			},
		],
		created_at: Some(wire::Timestamp { seconds: 1_700_000_000, nanos: 0 }),
		vin: String::new(),
		is_resend: true,
	};
	let reading = read_payload(1, VIN, &payload.encode_to_vec(), 1_700_000_000_000).expect("read");
	assert_eq!(reading.signals.into_iter().collect::<Vec<_>>(), vec![("odometerM".into(), 20_117)]);
}

#[test]
fn payloads_that_can_make_no_reading_say_why() {
	let now = 1_700_000_000_000;
	let other = vehicle::payload("5YJ3E1EA7KF999999", &fields(0.0), now, false);
	assert_eq!(read_payload(1, VIN, &other, now), Err(Refused::Identity));
	assert_eq!(read_payload(1, VIN, b"\xff\xff not protobuf", now), Err(Refused::Malformed));
	let mut undated = wire::Payload::decode(&vehicle::payload(VIN, &fields(0.0), now, false)[..])
		.expect("decodes");
	undated.created_at = None;
	assert_eq!(read_payload(1, VIN, &undated.encode_to_vec(), now), Err(Refused::Undated));
	let ahead = vehicle::payload(VIN, &fields(0.0), now + MAX_CLOCK_AHEAD_MS + 1_000, false);
	assert_eq!(read_payload(1, VIN, &ahead, now), Err(Refused::Future));
	let empty = wire::Payload {
		created_at: Some(wire::Timestamp { seconds: 1, nanos: 0 }),
		..Default::default()
	};
	assert_eq!(read_payload(1, VIN, &empty.encode_to_vec(), now), Err(Refused::Malformed));
}

#[test]
fn the_vehicle_is_its_certificates_common_name() {
	let ca = Ca::new("Tesla Issuing CA");
	assert_eq!(vehicle_of(&ca.vehicle(VIN).0[0]), Some(VIN.to_string()));
	assert_eq!(vehicle_of(&ca.vehicle("device.123").0[0]), Some("device-123".to_string()));
	assert_eq!(vehicle_of(&ca.vehicle("a b").0[0]), None);
	assert_eq!(vehicle_of(&ca.vehicle(&"V".repeat(MAX_OEM_REF_LEN + 1)).0[0]), None);
}

/// A server on a free loopback port, its vehicles' CA registered for OEM 1.
struct Running {
	port: u16,
	server_ca: Ca,
	vehicle_ca: Ca,
	storage: Shared,
	feeds: watch::Sender<Vec<FleetTelemetryFeed>>,
	task: tokio::task::JoinHandle<()>,
}

impl Running {
	async fn start(storage: Shared) -> Self {
		let server_ca = Ca::new("DIMO collector test CA");
		let vehicle_ca = Ca::new("Tesla Issuing CA (test)");
		let (chain, key) = server_ca.leaf(vec!["localhost".into()], "localhost", false, false);
		let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
		let port = listener.local_addr().expect("addr").port();
		let (feeds, watched) = watch::channel(vec![FleetTelemetryFeed {
			oem: 1,
			vehicle_ca: vehicle_ca.der().to_vec(),
		}]);
		let inbox = Arc::new(InboxWriter::new(storage.clone()));
		let task = tokio::spawn(serve(listener, ServerIdentity { chain, key }, watched, inbox));
		Self { port, server_ca, vehicle_ca, storage, feeds, task }
	}

	async fn connect(
		&self,
		vin: &str,
		(chain, key): (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>),
	) -> Result<Vehicle, String> {
		Vehicle::connect("localhost", self.port, self.server_ca.der(), vin, chain, key).await
	}

	fn queued(&self) -> Vec<PushedReading> {
		self.storage.queued()
	}
}

impl Drop for Running {
	fn drop(&mut self) {
		self.task.abort();
	}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vehicle_of_the_registered_ca_streams_and_each_reading_is_queued_before_its_ack() {
	let server = Running::start(Shared::default()).await;
	let mut car = server.connect(VIN, server.vehicle_ca.vehicle(VIN)).await.expect("connects");
	let now = crate::now_ms();
	for n in 0..3u64 {
		let payload = vehicle::payload(VIN, &fields(n as f64), now + n * 1_000, false);
		assert!(car.send("V", payload, 0).await.expect("sent"), "acknowledged");
		// Acknowledged means in the inbox already.
		assert_eq!(server.queued().len() as u64, n + 1);
	}
	// Another car's VIN in the payload: acknowledged (it can never be read) but not queued.
	let spoofed = vehicle::payload("5YJ3E1EA7KF999999", &fields(0.0), now, false);
	assert!(car.send("V", spoofed, 0).await.expect("sent"));
	// Another topic: acknowledged, not queued.
	assert!(car.send("connectivity", vec![], 0).await.expect("sent"));
	// An unreadable payload: answered with an error, not acknowledged.
	assert!(!car.send("V", b"\xff\xff".to_vec(), 0).await.expect("sent"));
	let queued = server.queued();
	assert_eq!(queued.len(), 3);
	assert!(queued.iter().all(|reading| reading.oem_ref == VIN.as_bytes()));
	assert_eq!(
		queued.iter().map(|reading| reading.observed_at_ms).collect::<Vec<_>>(),
		vec![now, now + 1_000, now + 2_000]
	);
	car.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vehicles_of_another_ca_or_with_an_expired_certificate_are_refused_in_the_handshake() {
	let server = Running::start(Shared::default()).await;
	let impostor = Ca::new("Tesla Issuing CA (not registered)");
	// rustls reports the server's refusal to the client as an alert when it reads next.
	let refused = |result: Result<Vehicle, String>| async move {
		match result {
			Err(_) => true,
			Ok(mut car) => car.send("V", vec![], 0).await.map_or(true, |acked| !acked),
		}
	};
	assert!(refused(server.connect(VIN, impostor.vehicle(VIN)).await).await);
	let expired = server.vehicle_ca.leaf(Vec::new(), VIN, true, true);
	assert!(refused(server.connect(VIN, expired).await).await);
	assert!(server.queued().is_empty());
	// Governance removes the feed: even the registered CA's vehicles are refused.
	server.feeds.send(Vec::new()).expect("watched");
	tokio::task::yield_now().await;
	let deadline = Instant::now() + Duration::from_secs(10);
	loop {
		let attempt = server.connect(VIN, server.vehicle_ca.vehicle(VIN)).await;
		if refused(attempt).await {
			break;
		}
		assert!(Instant::now() < deadline, "still accepted after the feed was removed");
		tokio::time::sleep(Duration::from_millis(50)).await;
	}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_acknowledged_while_the_inbox_is_full() {
	let storage = Shared::default();
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
	let server = Running::start(storage).await;
	let mut car = server.connect(VIN, server.vehicle_ca.vehicle(VIN)).await.expect("connects");
	let payload = vehicle::payload(VIN, &fields(0.0), crate::now_ms(), false);
	// No answer comes: the car gives up waiting, as a real one does, and sends it again later.
	let answer =
		tokio::time::timeout(Duration::from_secs(2), car.send("V", payload.clone(), 0)).await;
	assert!(answer.is_err(), "no acknowledgement while the inbox is full: {answer:?}");
}
