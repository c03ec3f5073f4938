//! The registries of collectors and OEM sources: governance only, bounded, URLs checked.

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
