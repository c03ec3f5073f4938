//! The registries of collectors, OEM sources and push feeds: governance only, bounded, URLs,
//! hosts, topics and certificates checked.

use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::{testing::UintAuthorityId, DispatchError};

fn root() -> RuntimeOrigin {
	RuntimeOrigin::root()
}

#[test]
fn governance_registers_a_collector_under_the_account_its_key_spells() {
	test(|| {
		let key = UintAuthorityId(UNREGISTERED_COLLECTOR);
		assert_ok!(Anchoring::register_collector(root(), key.clone()));
		System::assert_last_event(
			Event::CollectorRegistered { collector: key.clone(), account: UNREGISTERED_COLLECTOR }
				.into(),
		);
		let info = Collectors::<Test>::get(&key).expect("registered");
		assert_eq!(info, CollectorInfo { account: UNREGISTERED_COLLECTOR, registered_at: 1 });
		assert_eq!(Anchoring::collectors().len(), 3);
	});
}

#[test]
fn a_plain_account_manages_no_registry() {
	test(|| {
		let alice = RuntimeOrigin::signed(ALICE);
		let key = UintAuthorityId(UNREGISTERED_COLLECTOR);
		assert_noop!(Anchoring::register_collector(alice.clone(), key), DispatchError::BadOrigin);
		assert_noop!(
			Anchoring::remove_collector(alice.clone(), UintAuthorityId(COLLECTOR)),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Anchoring::set_oem_source(alice.clone(), 7, source(OemApi::Smartcar, "api.example")),
			DispatchError::BadOrigin
		);
		assert_noop!(Anchoring::remove_oem_source(alice, TESLA), DispatchError::BadOrigin);
	});
}

#[test]
fn a_collector_is_registered_once_and_within_the_bound() {
	test(|| {
		assert_noop!(
			Anchoring::register_collector(root(), UintAuthorityId(COLLECTOR)),
			Error::<Test>::CollectorAlreadyRegistered
		);
		assert_ok!(Anchoring::register_collector(root(), UintAuthorityId(UNREGISTERED_COLLECTOR)));
		assert_eq!(Collectors::<Test>::count(), MAX_COLLECTORS);
		assert_noop!(
			Anchoring::register_collector(root(), UintAuthorityId(99)),
			Error::<Test>::TooManyCollectors
		);
	});
}

#[test]
fn governance_removes_a_collector() {
	test(|| {
		assert_ok!(Anchoring::remove_collector(root(), UintAuthorityId(COLLECTOR)));
		System::assert_last_event(
			Event::CollectorRemoved { collector: UintAuthorityId(COLLECTOR) }.into(),
		);
		assert!(!Collectors::<Test>::contains_key(UintAuthorityId(COLLECTOR)));
		assert_noop!(
			Anchoring::remove_collector(root(), UintAuthorityId(COLLECTOR)),
			Error::<Test>::UnknownCollector
		);
		// Removing made room for another.
		assert_ok!(Anchoring::register_collector(root(), UintAuthorityId(UNREGISTERED_COLLECTOR)));
	});
}

#[test]
fn governance_sets_changes_and_removes_oem_sources() {
	test(|| {
		let smartcar = source(OemApi::Smartcar, "api.smartcar.example:8443");
		assert_ok!(Anchoring::set_oem_source(root(), 2, smartcar.clone()));
		System::assert_last_event(Event::OemSourceSet { oem: 2, source: smartcar.clone() }.into());
		assert_eq!(OemSources::<Test>::get(2), Some(smartcar));
		// Full: a new OEM is refused, but a registered one may still change.
		assert_noop!(
			Anchoring::set_oem_source(root(), 3, source(OemApi::Tesla, "other.example")),
			Error::<Test>::TooManyOemSources
		);
		let moved = source(OemApi::Tesla, "fleet-api.eu.example");
		assert_ok!(Anchoring::set_oem_source(root(), TESLA, moved.clone()));
		assert_eq!(OemSources::<Test>::get(TESLA), Some(moved));
		assert_ok!(Anchoring::remove_oem_source(root(), 2));
		System::assert_last_event(Event::OemSourceRemoved { oem: 2 }.into());
		assert_noop!(Anchoring::remove_oem_source(root(), 2), Error::<Test>::UnknownOemSource);
		assert_eq!(Anchoring::oem_sources().len(), 1);
	});
}

fn with_urls(api: &str, auth: &str) -> OemSource {
	OemSource {
		api: OemApi::Tesla,
		api_base_url: api.as_bytes().to_vec().try_into().expect("short"),
		auth_url: auth.as_bytes().to_vec().try_into().expect("short"),
	}
}

#[test]
fn sources_must_be_https_unless_the_chain_allows_loopback() {
	test(|| {
		let loopback = with_urls("http://127.0.0.1:8080", "http://127.0.0.1:8080/token");
		assert_noop!(
			Anchoring::set_oem_source(root(), 5, loopback.clone()),
			Error::<Test>::InsecureSourceUrl
		);
		// Either URL is checked.
		assert_noop!(
			Anchoring::set_oem_source(
				root(),
				5,
				with_urls("https://api.example", "http://api.example/token")
			),
			Error::<Test>::InsecureSourceUrl
		);
		assert_noop!(
			Anchoring::set_oem_source(root(), 5, with_urls("api.example", "https://api.example")),
			Error::<Test>::MalformedSourceUrl
		);
		assert_noop!(
			Anchoring::set_oem_source(
				root(),
				5,
				with_urls("https://me@evil.example", "https://api.example")
			),
			Error::<Test>::MalformedSourceUrl
		);

		LoopbackSourcesAllowed::<Test>::put(true);
		assert_ok!(Anchoring::set_oem_source(root(), 5, loopback));
		// Loopback only: plain HTTP elsewhere stays refused.
		assert_noop!(
			Anchoring::set_oem_source(
				root(),
				5,
				with_urls("http://10.0.0.1", "https://api.example")
			),
			Error::<Test>::InsecureSourceUrl
		);
	});
}

/// A real CA certificate (P-256, `CN=DIMO test vehicle CA`), DER.
const VEHICLE_CA: &[u8] = include_bytes!("testdata/vehicle-ca.der");

fn ca(der: &[u8]) -> CaCertificate {
	der.to_vec().try_into().expect("within the bound")
}

fn mqtt(host: &str, port: u16, topic_prefix: &str) -> PushFeed {
	PushFeed::Mqtt {
		api: OemApi::Smartcar,
		host: host.as_bytes().to_vec().try_into().expect("short"),
		port,
		topic_prefix: topic_prefix.as_bytes().to_vec().try_into().expect("short"),
		server_ca: None,
	}
}

fn kafka(topic: &str, server_ca: Option<CaCertificate>) -> PushFeed {
	PushFeed::Kafka {
		api: OemApi::HighMobility,
		host: b"kafka.oem.example".to_vec().try_into().expect("short"),
		port: 9093,
		topic: topic.as_bytes().to_vec().try_into().expect("short"),
		server_ca,
	}
}

#[test]
fn governance_sets_changes_and_removes_push_feeds() {
	test(|| {
		let fleet_telemetry = PushFeed::FleetTelemetry { vehicle_ca: ca(VEHICLE_CA) };
		assert_ok!(Anchoring::set_push_feed(root(), TESLA, fleet_telemetry.clone()));
		System::assert_last_event(
			Event::PushFeedSet { oem: TESLA, feed: fleet_telemetry.clone() }.into(),
		);
		assert_eq!(PushFeeds::<Test>::get(TESLA), Some(fleet_telemetry.clone()));
		// A push feed stands beside the OEM's HTTPS source; neither replaces the other.
		assert!(OemSources::<Test>::contains_key(TESLA));

		let broker = mqtt("mqtt.oem.example", 8883, "vehicles/v1");
		assert_ok!(Anchoring::set_push_feed(root(), 2, broker.clone()));
		assert_noop!(
			Anchoring::set_push_feed(root(), 3, kafka("readings", None)),
			Error::<Test>::TooManyPushFeeds
		);
		// Changing a registered feed needs no room.
		let moved = kafka("readings.v2", Some(ca(VEHICLE_CA)));
		assert_ok!(Anchoring::set_push_feed(root(), 2, moved.clone()));
		assert_eq!(PushFeeds::<Test>::get(2), Some(moved));

		assert_ok!(Anchoring::remove_push_feed(root(), 2));
		System::assert_last_event(Event::PushFeedRemoved { oem: 2 }.into());
		assert_noop!(Anchoring::remove_push_feed(root(), 2), Error::<Test>::UnknownPushFeed);
		assert_eq!(Anchoring::push_feeds(), vec![(TESLA, fleet_telemetry)]);
	});
}

#[test]
fn a_plain_account_manages_no_push_feed() {
	test(|| {
		let alice = RuntimeOrigin::signed(ALICE);
		assert_noop!(
			Anchoring::set_push_feed(alice.clone(), 2, mqtt("mqtt.oem.example", 8883, "v")),
			DispatchError::BadOrigin
		);
		assert_ok!(Anchoring::set_push_feed(root(), 2, mqtt("mqtt.oem.example", 8883, "v")));
		assert_noop!(Anchoring::remove_push_feed(alice, 2), DispatchError::BadOrigin);
	});
}

#[test]
fn push_feeds_name_dns_hosts_real_ports_plain_topics_and_der_certificates() {
	test(|| {
		for host in ["10.0.0.1", "127.0.0.1", "", "-bad.example", "a..example", "me@x.example"] {
			assert_noop!(
				Anchoring::set_push_feed(root(), 2, mqtt(host, 8883, "v")),
				Error::<Test>::MalformedFeedHost
			);
		}
		// `localhost` only on a chain that allows loopback sources (the dev chain).
		assert_noop!(
			Anchoring::set_push_feed(root(), 2, mqtt("localhost", 8883, "v")),
			Error::<Test>::MalformedFeedHost
		);
		assert_noop!(
			Anchoring::set_push_feed(root(), 2, mqtt("mqtt.oem.example", 0, "v")),
			Error::<Test>::BadFeedPort
		);
		for topic in ["", "vehicles/+", "vehicles/#", "$SYS", "with space"] {
			assert_noop!(
				Anchoring::set_push_feed(root(), 2, mqtt("mqtt.oem.example", 8883, topic)),
				Error::<Test>::MalformedFeedTopic
			);
		}
		// A Kafka topic is stricter than an MQTT prefix.
		assert_noop!(
			Anchoring::set_push_feed(root(), 2, kafka("vehicles/v1", None)),
			Error::<Test>::MalformedFeedTopic
		);
		let truncated = &VEHICLE_CA[..VEHICLE_CA.len() - 1];
		let mut trailing = VEHICLE_CA.to_vec();
		trailing.push(0);
		for der in [&b""[..], b"\x30", b"\x04\x00", truncated, &trailing, b"\x30\x81\x05abcde"] {
			assert_noop!(
				Anchoring::set_push_feed(root(), 2, kafka("readings", Some(ca(der)))),
				Error::<Test>::MalformedCaCertificate
			);
			assert_noop!(
				Anchoring::set_push_feed(
					root(),
					2,
					PushFeed::FleetTelemetry { vehicle_ca: ca(der) }
				),
				Error::<Test>::MalformedCaCertificate
			);
		}
		assert!(Anchoring::push_feeds().is_empty());

		LoopbackSourcesAllowed::<Test>::put(true);
		assert_ok!(Anchoring::set_push_feed(root(), 2, mqtt("localhost", 8883, "dimo/dev")));
		// Loopback names, not addresses: a certificate names the host TLS checks.
		assert_noop!(
			Anchoring::set_push_feed(root(), 2, mqtt("127.0.0.1", 8883, "v")),
			Error::<Test>::MalformedFeedHost
		);
	});
}
