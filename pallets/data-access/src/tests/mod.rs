//! Unit tests of the access lists: every call, every error, every event; and a property test
//! against a plain model in [`model`].

mod keys;
mod model;

use crate::{
	mock::*, AccessList, Error, Event, GranteeAccess, GranteeCount, Grants, HoldReason,
	StreamAccess, StreamExpiry,
};
use dimo_primitives::vehicle::{Stream, VehicleId};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold, BoundedVec};
use sp_core::H256;
use sp_runtime::{DispatchError, TokenError};
use Stream::*;

fn register(owner: u64) -> VehicleId {
	let id = pallet_vehicles::NextVehicleId::<Test>::get();
	assert_ok!(VehicleRegistry::register(
		RuntimeOrigin::signed(owner),
		1,
		H256::from_low_u64_be(id + 1_000),
		None
	));
	id
}

fn access(streams: &[(Stream, Option<u64>)]) -> StreamAccess<u64> {
	streams
		.iter()
		.map(|&(stream, until)| StreamExpiry { stream, until })
		.collect::<Vec<_>>()
		.try_into()
		.expect("at most seven streams")
}

fn names(streams: &[Stream]) -> BoundedVec<Stream, crate::MaxStreams> {
	streams.to_vec().try_into().expect("at most seven streams")
}

fn held(who: u64) -> u64 {
	Balances::balance_on_hold(&HoldReason::GrantDeposit.into(), &who)
}

fn can_read(vehicle: VehicleId, who: u64, stream: Stream) -> bool {
	DataAccess::can_read(vehicle, &who, stream, System::block_number())
}

fn grant(by: u64, vehicle: VehicleId, grantee: u64, streams: &[(Stream, Option<u64>)]) {
	assert_ok!(DataAccess::grant(RuntimeOrigin::signed(by), vehicle, grantee, access(streams)));
}

#[test]
fn the_owner_reads_everything_and_nobody_else_reads_anything() {
	test(|| {
		let vehicle = register(ALICE);
		for stream in Stream::ALL {
			assert!(can_read(vehicle, ALICE, stream));
			assert!(!can_read(vehicle, BOB, stream));
		}
		// Nobody reads a vehicle that does not exist.
		assert!(!can_read(vehicle + 1, ALICE, CurrentLocation));
	});
}

#[test]
fn grant_gives_each_stream_until_its_own_expiry() {
	test(|| {
		let vehicle = register(ALICE);
		grant(ALICE, vehicle, BOB, &[(CurrentLocation, Some(5)), (NonLocationData, None)]);
		System::assert_last_event(
			Event::AccessChanged {
				vehicle,
				grantee: BOB,
				streams: access(&[(NonLocationData, None), (CurrentLocation, Some(5))]),
				by: ALICE,
			}
			.into(),
		);
		assert!(can_read(vehicle, BOB, CurrentLocation));
		assert!(can_read(vehicle, BOB, NonLocationData));
		assert!(!can_read(vehicle, BOB, AllTimeLocation));
		assert_eq!(held(ALICE), GRANT_DEPOSIT);

		run_to_block(5);
		assert!(!can_read(vehicle, BOB, CurrentLocation));
		assert!(can_read(vehicle, BOB, NonLocationData));
		assert_eq!(
			DataAccess::access_list(vehicle),
			Some(AccessList {
				owner: ALICE,
				public: vec![],
				admins: vec![],
				grants: vec![GranteeAccess {
					grantee: BOB,
					streams: vec![StreamExpiry { stream: NonLocationData, until: None }],
				}],
			})
		);
	});
}

#[test]
fn a_second_grant_merges_and_keeps_the_deposit() {
	test(|| {
		let vehicle = register(ALICE);
		grant(ALICE, vehicle, BOB, &[(CurrentLocation, Some(5)), (RawData, Some(3))]);
		run_to_block(3);
		grant(ALICE, vehicle, BOB, &[(CurrentLocation, None), (VinCredential, Some(9))]);
		// RawData expired and is dropped from the entry; CurrentLocation has its new expiry.
		System::assert_last_event(
			Event::AccessChanged {
				vehicle,
				grantee: BOB,
				streams: access(&[(CurrentLocation, None), (VinCredential, Some(9))]),
				by: ALICE,
			}
			.into(),
		);
		assert_eq!(held(ALICE), GRANT_DEPOSIT);
		assert_eq!(GranteeCount::<Test>::get(vehicle).count, 1);
	});
}

#[test]
fn grant_refuses_bad_input() {
	test(|| {
		let vehicle = register(ALICE);
		let alice = || RuntimeOrigin::signed(ALICE);
		assert_noop!(
			DataAccess::grant(alice(), vehicle + 1, BOB, access(&[(RawData, None)])),
			Error::<Test>::UnknownVehicle
		);
		assert_noop!(
			DataAccess::grant(
				RuntimeOrigin::signed(BOB),
				vehicle,
				CHARLIE,
				access(&[(RawData, None)])
			),
			Error::<Test>::NotOwnerOrAdmin
		);
		assert_noop!(
			DataAccess::grant(alice(), vehicle, ALICE, access(&[(RawData, None)])),
			Error::<Test>::GrantToOwner
		);
		assert_noop!(
			DataAccess::grant(alice(), vehicle, BOB, access(&[])),
			Error::<Test>::NoStreams
		);
		assert_noop!(
			DataAccess::grant(
				alice(),
				vehicle,
				BOB,
				access(&[(RawData, None), (RawData, Some(9))])
			),
			Error::<Test>::DuplicateStream
		);
		assert_noop!(
			DataAccess::grant(alice(), vehicle, BOB, access(&[(RawData, Some(1))])),
			Error::<Test>::ExpiryNotInFuture
		);
		assert_noop!(
			DataAccess::grant(RuntimeOrigin::root(), vehicle, BOB, access(&[(RawData, None)])),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn grant_needs_the_deposit_from_its_signer() {
	test(|| {
		let vehicle = register(ALICE);
		assert_ok!(DataAccess::add_admin(RuntimeOrigin::signed(ALICE), vehicle, PAUPER));
		assert_noop!(
			DataAccess::grant(
				RuntimeOrigin::signed(PAUPER),
				vehicle,
				BOB,
				access(&[(RawData, None)])
			),
			DispatchError::Token(TokenError::FundsUnavailable)
		);
	});
}

#[test]
fn grantees_per_vehicle_are_bounded_and_expired_entries_can_be_cleared_to_make_room() {
	test(|| {
		let vehicle = register(ALICE);
		grant(ALICE, vehicle, 10, &[(RawData, Some(3))]);
		for grantee in 11..(10 + u64::from(MAX_GRANTEES)) {
			grant(ALICE, vehicle, grantee, &[(RawData, None)]);
		}
		assert_noop!(
			DataAccess::grant(
				RuntimeOrigin::signed(ALICE),
				vehicle,
				50,
				access(&[(RawData, None)])
			),
			Error::<Test>::TooManyGrantees
		);
		// Granting more to a listed grantee needs no room.
		grant(ALICE, vehicle, 11, &[(CurrentLocation, None)]);
		// The live entry may not be removed by anyone but the owner.
		assert_noop!(
			DataAccess::remove_expired(RuntimeOrigin::signed(CHARLIE), vehicle, 10),
			Error::<Test>::GrantStillLive
		);
		run_to_block(3);
		// Anyone may remove the expired entry; the deposit goes back to Alice, who paid it.
		let before = Balances::free_balance(ALICE);
		assert_ok!(DataAccess::remove_expired(RuntimeOrigin::signed(CHARLIE), vehicle, 10));
		System::assert_last_event(
			Event::ExpiredGrantRemoved {
				vehicle,
				grantee: 10,
				payer: ALICE,
				deposit: GRANT_DEPOSIT,
			}
			.into(),
		);
		assert_eq!(Balances::free_balance(ALICE), before + GRANT_DEPOSIT);
		assert_noop!(
			DataAccess::remove_expired(RuntimeOrigin::signed(CHARLIE), vehicle, 10),
			Error::<Test>::NotGranted
		);
		grant(ALICE, vehicle, 50, &[(RawData, None)]);
	});
}

#[test]
fn revoke_takes_streams_away_and_the_last_one_frees_the_entry() {
	test(|| {
		let vehicle = register(ALICE);
		grant(ALICE, vehicle, BOB, &[(CurrentLocation, None), (RawData, None)]);
		assert_ok!(DataAccess::revoke(
			RuntimeOrigin::signed(ALICE),
			vehicle,
			BOB,
			names(&[CurrentLocation])
		));
		System::assert_last_event(
			Event::AccessChanged {
				vehicle,
				grantee: BOB,
				streams: access(&[(RawData, None)]),
				by: ALICE,
			}
			.into(),
		);
		assert!(!can_read(vehicle, BOB, CurrentLocation));
		assert!(can_read(vehicle, BOB, RawData));
		assert_ok!(DataAccess::revoke(
			RuntimeOrigin::signed(ALICE),
			vehicle,
			BOB,
			names(&[RawData])
		));
		System::assert_last_event(
			Event::AccessChanged { vehicle, grantee: BOB, streams: access(&[]), by: ALICE }.into(),
		);
		assert!(!Grants::<Test>::contains_key(vehicle, BOB));
		assert_eq!(held(ALICE), 0);
		assert_eq!(GranteeCount::<Test>::get(vehicle).count, 0);
	});
}

#[test]
fn revoke_refuses_bad_input() {
	test(|| {
		let vehicle = register(ALICE);
		let alice = || RuntimeOrigin::signed(ALICE);
		assert_noop!(
			DataAccess::revoke(alice(), vehicle, BOB, names(&[RawData])),
			Error::<Test>::NotGranted
		);
		assert_noop!(DataAccess::revoke_all(alice(), vehicle, BOB), Error::<Test>::NotGranted);
		grant(ALICE, vehicle, BOB, &[(RawData, None)]);
		assert_noop!(
			DataAccess::revoke(alice(), vehicle, BOB, names(&[])),
			Error::<Test>::NoStreams
		);
		assert_noop!(
			DataAccess::revoke(alice(), vehicle, BOB, names(&[RawData, RawData])),
			Error::<Test>::DuplicateStream
		);
		assert_noop!(
			DataAccess::revoke(RuntimeOrigin::signed(CHARLIE), vehicle, BOB, names(&[RawData])),
			Error::<Test>::NotOwnerOrAdmin
		);
		assert_noop!(
			DataAccess::revoke_all(alice(), vehicle + 1, BOB),
			Error::<Test>::UnknownVehicle
		);
	});
}

#[test]
fn revoke_all_removes_the_entry_and_releases_the_deposit() {
	test(|| {
		let vehicle = register(ALICE);
		grant(ALICE, vehicle, BOB, &[(RawData, None), (VinCredential, Some(100))]);
		assert_ok!(DataAccess::revoke_all(RuntimeOrigin::signed(ALICE), vehicle, BOB));
		System::assert_last_event(
			Event::AccessChanged { vehicle, grantee: BOB, streams: access(&[]), by: ALICE }.into(),
		);
		assert!(Stream::ALL.iter().all(|&stream| !can_read(vehicle, BOB, stream)));
		assert_eq!(held(ALICE), 0);
	});
}

#[test]
fn batches_grant_and_revoke_all_or_nothing() {
	test(|| {
		let vehicle = register(ALICE);
		let grantees = |list: &[u64]| -> BoundedVec<u64, _> { list.to_vec().try_into().unwrap() };
		assert_ok!(DataAccess::grant_many(
			RuntimeOrigin::signed(ALICE),
			vehicle,
			grantees(&[BOB, CHARLIE, DAVE]),
			access(&[(LiveDataSubscription, None)])
		));
		for who in [BOB, CHARLIE, DAVE] {
			assert!(can_read(vehicle, who, LiveDataSubscription));
		}
		assert_eq!(held(ALICE), 3 * GRANT_DEPOSIT);
		// One bad grantee (the owner) refuses the whole batch.
		assert_noop!(
			DataAccess::grant_many(
				RuntimeOrigin::signed(ALICE),
				vehicle,
				grantees(&[20, ALICE]),
				access(&[(RawData, None)])
			),
			Error::<Test>::GrantToOwner
		);
		// One grantee without a grant refuses the whole revocation.
		assert_noop!(
			DataAccess::revoke_many(
				RuntimeOrigin::signed(ALICE),
				vehicle,
				grantees(&[BOB, 20]),
				None
			),
			Error::<Test>::NotGranted
		);
		assert_ok!(DataAccess::revoke_many(
			RuntimeOrigin::signed(ALICE),
			vehicle,
			grantees(&[BOB, CHARLIE]),
			Some(names(&[LiveDataSubscription]))
		));
		assert!(!can_read(vehicle, BOB, LiveDataSubscription));
		assert!(!can_read(vehicle, CHARLIE, LiveDataSubscription));
		assert!(can_read(vehicle, DAVE, LiveDataSubscription));
		assert_ok!(DataAccess::revoke_many(
			RuntimeOrigin::signed(ALICE),
			vehicle,
			grantees(&[DAVE]),
			None
		));
		assert_eq!(held(ALICE), 0);
	});
}

#[test]
fn public_streams_are_read_by_anyone_until_they_expire() {
	test(|| {
		let vehicle = register(ALICE);
		assert_ok!(DataAccess::set_public(
			RuntimeOrigin::signed(ALICE),
			vehicle,
			access(&[(ApproximateLocation, Some(4))])
		));
		System::assert_last_event(
			Event::PublicAccessChanged {
				vehicle,
				streams: access(&[(ApproximateLocation, Some(4))]),
			}
			.into(),
		);
		assert!(can_read(vehicle, 77, ApproximateLocation));
		assert!(!can_read(vehicle, 77, CurrentLocation));
		run_to_block(4);
		assert!(!can_read(vehicle, 77, ApproximateLocation));
		assert_ok!(DataAccess::set_public(
			RuntimeOrigin::signed(ALICE),
			vehicle,
			access(&[(NonLocationData, None)])
		));
		assert!(can_read(vehicle, 77, NonLocationData));
		assert_ok!(DataAccess::set_public(RuntimeOrigin::signed(ALICE), vehicle, access(&[])));
		assert!(!can_read(vehicle, 77, NonLocationData));
		assert!(!crate::PublicStreams::<Test>::contains_key(vehicle));
	});
}

#[test]
fn set_public_refusals() {
	test(|| {
		let vehicle = register(ALICE);
		assert_ok!(DataAccess::add_admin(RuntimeOrigin::signed(ALICE), vehicle, BOB));
		// Admins grant and revoke, but only the owner publishes.
		assert_noop!(
			DataAccess::set_public(RuntimeOrigin::signed(BOB), vehicle, access(&[(RawData, None)])),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			DataAccess::set_public(
				RuntimeOrigin::signed(ALICE),
				vehicle,
				access(&[(RawData, None), (RawData, None)])
			),
			Error::<Test>::DuplicateStream
		);
		assert_noop!(
			DataAccess::set_public(
				RuntimeOrigin::signed(ALICE),
				vehicle,
				access(&[(RawData, Some(1))])
			),
			Error::<Test>::ExpiryNotInFuture
		);
		assert_noop!(
			DataAccess::set_public(RuntimeOrigin::signed(ALICE), vehicle + 1, access(&[])),
			Error::<Test>::UnknownVehicle
		);
	});
}

#[test]
fn admins_grant_and_revoke_but_cannot_make_admins() {
	test(|| {
		let vehicle = register(ALICE);
		assert_ok!(DataAccess::add_admin(RuntimeOrigin::signed(ALICE), vehicle, BOB));
		System::assert_last_event(Event::AdminAdded { vehicle, admin: BOB }.into());
		grant(BOB, vehicle, CHARLIE, &[(RawData, None)]);
		System::assert_last_event(
			Event::AccessChanged {
				vehicle,
				grantee: CHARLIE,
				streams: access(&[(RawData, None)]),
				by: BOB,
			}
			.into(),
		);
		// Bob paid the deposit of the entry he made.
		assert_eq!(held(BOB), GRANT_DEPOSIT);
		assert!(can_read(vehicle, CHARLIE, RawData));
		assert_noop!(
			DataAccess::add_admin(RuntimeOrigin::signed(BOB), vehicle, DAVE),
			Error::<Test>::NotOwner
		);
		// The owner's revocation of an admin's grant returns the deposit to the admin.
		assert_ok!(DataAccess::revoke_all(RuntimeOrigin::signed(ALICE), vehicle, CHARLIE));
		assert_eq!(held(BOB), 0);
		// An admin may resign; then it can grant nothing.
		assert_ok!(DataAccess::remove_admin(RuntimeOrigin::signed(BOB), vehicle, BOB));
		System::assert_last_event(Event::AdminRemoved { vehicle, admin: BOB }.into());
		assert_noop!(
			DataAccess::grant(
				RuntimeOrigin::signed(BOB),
				vehicle,
				CHARLIE,
				access(&[(RawData, None)])
			),
			Error::<Test>::NotOwnerOrAdmin
		);
	});
}

#[test]
fn admin_list_refusals() {
	test(|| {
		let vehicle = register(ALICE);
		let alice = || RuntimeOrigin::signed(ALICE);
		assert_noop!(DataAccess::add_admin(alice(), vehicle, ALICE), Error::<Test>::OwnerAsAdmin);
		assert_ok!(DataAccess::add_admin(alice(), vehicle, BOB));
		assert_noop!(DataAccess::add_admin(alice(), vehicle, BOB), Error::<Test>::AlreadyAdmin);
		assert_ok!(DataAccess::add_admin(alice(), vehicle, CHARLIE));
		assert_noop!(DataAccess::add_admin(alice(), vehicle, DAVE), Error::<Test>::TooManyAdmins);
		assert_noop!(DataAccess::remove_admin(alice(), vehicle, DAVE), Error::<Test>::NotAdmin);
		// An admin cannot remove another admin.
		assert_noop!(
			DataAccess::remove_admin(RuntimeOrigin::signed(BOB), vehicle, CHARLIE),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			DataAccess::add_admin(alice(), vehicle + 1, DAVE),
			Error::<Test>::UnknownVehicle
		);
		assert_noop!(
			DataAccess::remove_admin(alice(), vehicle + 1, BOB),
			Error::<Test>::UnknownVehicle
		);
	});
}

#[test]
fn a_transfer_wipes_grants_admins_and_public_streams_without_touching_them() {
	test(|| {
		let vehicle = register(ALICE);
		grant(ALICE, vehicle, BOB, &[(CurrentLocation, None)]);
		assert_ok!(DataAccess::add_admin(RuntimeOrigin::signed(ALICE), vehicle, CHARLIE));
		assert_ok!(DataAccess::set_public(
			RuntimeOrigin::signed(ALICE),
			vehicle,
			access(&[(NonLocationData, None)])
		));
		assert_ok!(VehicleRegistry::transfer(RuntimeOrigin::signed(ALICE), vehicle, DAVE));
		assert_ok!(VehicleRegistry::accept_transfer(RuntimeOrigin::signed(DAVE), vehicle));

		// Nothing of the old owner's lists gives anything any more.
		assert!(!can_read(vehicle, BOB, CurrentLocation));
		assert!(!can_read(vehicle, 77, NonLocationData));
		assert!(!can_read(vehicle, ALICE, CurrentLocation));
		assert!(can_read(vehicle, DAVE, CurrentLocation));
		assert_noop!(
			DataAccess::grant(
				RuntimeOrigin::signed(CHARLIE),
				vehicle,
				BOB,
				access(&[(RawData, None)])
			),
			Error::<Test>::NotOwnerOrAdmin
		);
		assert_noop!(
			DataAccess::revoke_all(RuntimeOrigin::signed(DAVE), vehicle, BOB),
			Error::<Test>::NotGranted
		);
		assert_eq!(
			DataAccess::access_list(vehicle),
			Some(AccessList { owner: DAVE, public: vec![], admins: vec![], grants: vec![] })
		);
		// The stale entry is still stored, with Alice's deposit, until anyone removes it.
		assert!(Grants::<Test>::contains_key(vehicle, BOB));
		assert_ok!(DataAccess::remove_expired(RuntimeOrigin::signed(77), vehicle, BOB));
		assert_eq!(held(ALICE), 0);
	});
}

#[test]
fn a_new_owner_granting_over_a_stale_entry_returns_the_old_deposit() {
	test(|| {
		let vehicle = register(ALICE);
		grant(ALICE, vehicle, BOB, &[(CurrentLocation, None)]);
		assert_ok!(VehicleRegistry::transfer(RuntimeOrigin::signed(ALICE), vehicle, DAVE));
		assert_ok!(VehicleRegistry::accept_transfer(RuntimeOrigin::signed(DAVE), vehicle));
		grant(DAVE, vehicle, BOB, &[(RawData, None)]);
		assert_eq!(held(ALICE), 0);
		assert_eq!(held(DAVE), GRANT_DEPOSIT);
		assert!(can_read(vehicle, BOB, RawData));
		assert!(!can_read(vehicle, BOB, CurrentLocation));
		assert_eq!(GranteeCount::<Test>::get(vehicle).count, 1);
	});
}

#[test]
fn retiring_a_vehicle_removes_its_admins_public_streams_and_count() {
	test(|| {
		let vehicle = register(ALICE);
		let other = register(ALICE);
		for car in [vehicle, other] {
			grant(ALICE, car, BOB, &[(CurrentLocation, None)]);
			assert_ok!(DataAccess::add_admin(RuntimeOrigin::signed(ALICE), car, PAUPER));
			assert_ok!(DataAccess::set_public(
				RuntimeOrigin::signed(ALICE),
				car,
				access(&[(NonLocationData, None)])
			));
		}
		assert_ok!(VehicleRegistry::retire(RuntimeOrigin::signed(ALICE), vehicle));
		assert!(!crate::Admins::<Test>::contains_key(vehicle));
		assert!(!crate::PublicStreams::<Test>::contains_key(vehicle));
		assert!(!GranteeCount::<Test>::contains_key(vehicle));
		// The other vehicle keeps its list.
		assert!(crate::Admins::<Test>::contains_key(other));
		assert!(crate::PublicStreams::<Test>::contains_key(other));
		assert_eq!(GranteeCount::<Test>::get(other).count, 1);
		// The grant entry holds Bob's payer's deposit until anyone removes it.
		assert!(Grants::<Test>::contains_key(vehicle, BOB));
		assert_ok!(DataAccess::remove_expired(RuntimeOrigin::signed(77), vehicle, BOB));
	});
}

#[test]
fn retiring_a_vehicle_lets_anyone_clear_its_entries() {
	test(|| {
		let vehicle = register(ALICE);
		grant(ALICE, vehicle, BOB, &[(CurrentLocation, None)]);
		assert_ok!(VehicleRegistry::retire(RuntimeOrigin::signed(ALICE), vehicle));
		assert!(!can_read(vehicle, BOB, CurrentLocation));
		assert_eq!(DataAccess::access_list(vehicle), None);
		assert_ok!(DataAccess::remove_expired(RuntimeOrigin::signed(77), vehicle, BOB));
		assert_eq!(held(ALICE), 0);
	});
}

// ---- Data consumers and demand ----

fn demand(vehicle: VehicleId) -> u32 {
	<DataAccess as dimo_primitives::rewards::DataDemand>::consumer_grants(vehicle)
}

#[test]
fn only_governance_registers_data_consumers() {
	test(|| {
		assert_noop!(
			DataAccess::add_data_consumer(RuntimeOrigin::signed(ALICE), BOB),
			DispatchError::BadOrigin
		);
		assert_ok!(DataAccess::add_data_consumer(RuntimeOrigin::root(), BOB));
		System::assert_last_event(Event::DataConsumerAdded { consumer: BOB }.into());
		assert_noop!(
			DataAccess::add_data_consumer(RuntimeOrigin::root(), BOB),
			Error::<Test>::AlreadyDataConsumer
		);
		assert_noop!(
			DataAccess::remove_data_consumer(RuntimeOrigin::signed(BOB), BOB),
			DispatchError::BadOrigin
		);
		assert_ok!(DataAccess::remove_data_consumer(RuntimeOrigin::root(), BOB));
		System::assert_last_event(Event::DataConsumerRemoved { consumer: BOB }.into());
		assert_noop!(
			DataAccess::remove_data_consumer(RuntimeOrigin::root(), BOB),
			Error::<Test>::NotDataConsumer
		);
		for consumer in 0..crate::mock::MAX_DATA_CONSUMERS {
			assert_ok!(DataAccess::add_data_consumer(
				RuntimeOrigin::root(),
				1_000 + u64::from(consumer)
			));
		}
		assert_noop!(
			DataAccess::add_data_consumer(RuntimeOrigin::root(), BOB),
			Error::<Test>::TooManyDataConsumers
		);
	});
}

#[test]
fn only_grants_to_data_consumers_count_as_demand() {
	test(|| {
		let vehicle = register(ALICE);
		assert_ok!(DataAccess::add_data_consumer(RuntimeOrigin::root(), CHARLIE));
		// Grants to the owner's own spare accounts: no demand.
		grant(ALICE, vehicle, BOB, &[(NonLocationData, None)]);
		grant(ALICE, vehicle, PAUPER, &[(NonLocationData, None)]);
		assert_eq!(demand(vehicle), 0);
		grant(ALICE, vehicle, CHARLIE, &[(NonLocationData, None)]);
		assert_eq!(demand(vehicle), 1);
		// Granting more streams to the consumer is still one grant.
		grant(ALICE, vehicle, CHARLIE, &[(RawData, None)]);
		assert_eq!(demand(vehicle), 1);
		// Revoked: no more demand.
		assert_ok!(DataAccess::revoke_all(RuntimeOrigin::signed(ALICE), vehicle, CHARLIE));
		assert_eq!(demand(vehicle), 0);
		// Removed from the registry before the grant: it does not count.
		assert_ok!(DataAccess::remove_data_consumer(RuntimeOrigin::root(), CHARLIE));
		grant(ALICE, vehicle, CHARLIE, &[(NonLocationData, None)]);
		assert_eq!(demand(vehicle), 0);
	});
}

#[test]
fn a_consumers_grant_counts_until_it_is_removed_or_the_vehicle_changes_hands() {
	test(|| {
		let vehicle = register(ALICE);
		assert_ok!(DataAccess::add_data_consumer(RuntimeOrigin::root(), CHARLIE));
		grant(ALICE, vehicle, CHARLIE, &[(NonLocationData, Some(5))]);
		assert_eq!(demand(vehicle), 1);
		// Expired, still counted until anyone removes the entry.
		run_to_block(5);
		assert_eq!(demand(vehicle), 1);
		assert_ok!(DataAccess::remove_expired(RuntimeOrigin::signed(77), vehicle, CHARLIE));
		assert_eq!(demand(vehicle), 0);
		// A new owner's vehicle starts with no demand.
		grant(ALICE, vehicle, CHARLIE, &[(NonLocationData, None)]);
		assert_ok!(VehicleRegistry::transfer(RuntimeOrigin::signed(ALICE), vehicle, DAVE));
		assert_ok!(VehicleRegistry::accept_transfer(RuntimeOrigin::signed(DAVE), vehicle));
		assert_eq!(demand(vehicle), 0);
	});
}

#[test]
fn the_access_list_walks_only_the_current_owners_grantees() {
	test(|| {
		let vehicle = register(ALICE);
		grant(ALICE, vehicle, BOB, &[(NonLocationData, None)]);
		grant(ALICE, vehicle, CHARLIE, &[(NonLocationData, None)]);
		assert_ok!(VehicleRegistry::transfer(RuntimeOrigin::signed(ALICE), vehicle, DAVE));
		assert_ok!(VehicleRegistry::accept_transfer(RuntimeOrigin::signed(DAVE), vehicle));
		grant(DAVE, vehicle, PAUPER, &[(RawData, None)]);
		// The stale entries of Alice's grantees are still stored (with her deposits) ...
		assert_eq!(Grants::<Test>::iter_prefix(vehicle).count(), 3);
		// ... but the list that dimo_grants walks holds Dave's grantee only.
		assert_eq!(
			crate::CurrentGrantees::<Test>::get(vehicle).map(|list| list.grantees.into_inner()),
			Some(vec![PAUPER])
		);
		let list = DataAccess::access_list(vehicle).expect("registered");
		assert_eq!(list.grants.iter().map(|g| g.grantee).collect::<Vec<_>>(), vec![PAUPER]);
		// Revoking the last grantee empties the list.
		assert_ok!(DataAccess::revoke_all(RuntimeOrigin::signed(DAVE), vehicle, PAUPER));
		assert!(!crate::CurrentGrantees::<Test>::contains_key(vehicle));
	});
}

#[test]
fn readers_are_the_owner_the_live_grantees_with_their_streams_and_the_public_streams() {
	use dimo_primitives::{
		encryption::{EncryptionKey, KeyScheme},
		vehicle::{DataReaders, GranteeReader, Readers},
	};
	test(|| {
		let vehicle = register(ALICE);
		let readers = || DataAccess::readers(vehicle).expect("a registered vehicle");
		assert_eq!(
			readers(),
			Readers { owner: ALICE, public: vec![], grantees: vec![], owner_key: None }
		);
		grant(ALICE, vehicle, BOB, &[(NonLocationData, None)]);
		grant(ALICE, vehicle, CHARLIE, &[(CurrentLocation, Some(4)), (RawData, None)]);
		assert_ok!(DataAccess::set_public(
			RuntimeOrigin::signed(ALICE),
			vehicle,
			access(&[(ApproximateLocation, Some(6))])
		));
		let grantee = |account, streams: &[Stream]| GranteeReader {
			account,
			streams: streams.to_vec(),
			key: None,
		};
		let mut now = readers();
		now.grantees.sort_by_key(|grantee| grantee.account);
		assert_eq!(
			now,
			Readers {
				owner: ALICE,
				public: vec![ApproximateLocation],
				grantees: vec![
					grantee(BOB, &[NonLocationData]),
					grantee(CHARLIE, &[CurrentLocation, RawData])
				],
				owner_key: None
			}
		);
		// Charlie's location stream expires: its raw data stays; then the public stream expires.
		run_to_block(4);
		let after = |public: &[Stream]| Readers {
			owner: ALICE,
			public: public.to_vec(),
			grantees: vec![grantee(BOB, &[NonLocationData]), grantee(CHARLIE, &[RawData])],
			owner_key: None,
		};
		let sorted = || {
			let mut now = readers();
			now.grantees.sort_by_key(|grantee| grantee.account);
			now
		};
		assert_eq!(sorted(), after(&[ApproximateLocation]));
		run_to_block(6);
		assert_eq!(sorted(), after(&[]));
		// The owner publishes an encryption key: the collector sees it, to wrap content keys to.
		let key = |byte| EncryptionKey {
			scheme: KeyScheme::X25519,
			public: vec![byte; 32].try_into().expect("32 bytes"),
		};
		assert_ok!(DataAccess::set_encryption_key(RuntimeOrigin::signed(ALICE), key(9)));
		assert_eq!(readers().owner_key, Some(key(9)));
		// A grantee's key is its own, not the owner's.
		assert_ok!(DataAccess::remove_encryption_key(RuntimeOrigin::signed(ALICE)));
		assert_ok!(DataAccess::set_encryption_key(RuntimeOrigin::signed(BOB), key(8)));
		assert_eq!(readers().owner_key, None);
		let bob = sorted().grantees.into_iter().find(|grantee| grantee.account == BOB);
		assert_eq!(bob.and_then(|bob| bob.key), Some(key(8)));
		assert_ok!(DataAccess::revoke_all(RuntimeOrigin::signed(ALICE), vehicle, BOB));
		assert_ok!(DataAccess::revoke_all(RuntimeOrigin::signed(ALICE), vehicle, CHARLIE));
		assert_eq!(readers().grantees, vec![]);
		assert_eq!(DataAccess::readers(vehicle + 1), None);
	});
}
