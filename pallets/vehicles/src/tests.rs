//! Unit tests of the vehicle registry: every call, every error, every event.

use crate::{
	mock::*, AttestationRequired, CollectorConsents, ConsentProvider, Consents, Error, Event,
	HoldReason, NextVehicleId, Ownership, PastConsent, ReclaimClaims, StorageBackend, VehicleId,
	VehicleRegistry,
};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use sp_core::H256;
use sp_runtime::{DispatchError, TokenError};

fn reference(n: u64) -> H256 {
	H256::from_low_u64_be(n)
}

fn register(owner: u64, n: u64) -> VehicleId {
	let id = NextVehicleId::<Test>::get();
	assert_ok!(Vehicles::register(RuntimeOrigin::signed(owner), 1, reference(n), None));
	id
}

fn held(who: u64) -> u64 {
	Balances::balance_on_hold(&HoldReason::VehicleDeposit.into(), &who)
}

#[test]
fn register_assigns_ids_holds_the_deposit_and_lists_the_vehicle() {
	test(|| {
		let first = register(ALICE, 1);
		let second = register(ALICE, 2);
		assert_eq!((first, second), (0, 1));
		System::assert_last_event(
			Event::Registered {
				vehicle: 1,
				owner: ALICE,
				oem: 1,
				oem_ref_hash: reference(2),
				deposit: DEPOSIT,
				attested_by: None,
			}
			.into(),
		);
		assert_eq!(held(ALICE), 2 * DEPOSIT);
		assert_eq!(Vehicles::vehicles_of(&ALICE), vec![0, 1]);
		let details = Vehicles::vehicle(1).expect("registered");
		assert_eq!(details.vehicle.owner, ALICE);
		assert_eq!(details.vehicle.storage, StorageBackend::Local);
		assert_eq!(details.vehicle.transfers, 0);
		assert_eq!(details.vehicle.registered_at, 1);
	});
}

#[test]
fn register_refuses_a_car_registered_twice() {
	test(|| {
		register(ALICE, 1);
		assert_noop!(
			Vehicles::register(RuntimeOrigin::signed(BOB), 1, reference(1), None),
			Error::<Test>::AlreadyRegistered
		);
		// Another OEM may use the same reference.
		assert_ok!(Vehicles::register(RuntimeOrigin::signed(BOB), 2, reference(1), None));
	});
}

#[test]
fn register_refuses_an_owner_with_too_many_vehicles() {
	test(|| {
		for n in 0..u64::from(MAX_VEHICLES) {
			register(ALICE, n);
		}
		assert_noop!(
			Vehicles::register(RuntimeOrigin::signed(ALICE), 1, reference(100), None),
			Error::<Test>::TooManyVehicles
		);
	});
}

#[test]
fn register_needs_the_deposit() {
	test(|| {
		assert_noop!(
			Vehicles::register(RuntimeOrigin::signed(PAUPER), 1, reference(1), None),
			DispatchError::Token(TokenError::FundsUnavailable)
		);
	});
}

#[test]
fn calls_need_a_signed_origin() {
	test(|| {
		assert_noop!(
			Vehicles::register(RuntimeOrigin::root(), 1, reference(1), None),
			DispatchError::BadOrigin
		);
		assert_noop!(Vehicles::retire(RuntimeOrigin::none(), 0), DispatchError::BadOrigin);
	});
}

#[test]
fn only_the_owner_may_act_on_a_vehicle() {
	test(|| {
		let vehicle = register(ALICE, 1);
		let bob = RuntimeOrigin::signed(BOB);
		assert_noop!(Vehicles::transfer(bob.clone(), vehicle, CHARLIE), Error::<Test>::NotOwner);
		assert_noop!(Vehicles::retire(bob.clone(), vehicle), Error::<Test>::NotOwner);
		assert_noop!(
			Vehicles::authorize_collector(bob.clone(), vehicle, CHARLIE, None),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			Vehicles::revoke_collector(bob.clone(), vehicle, CHARLIE),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			Vehicles::set_storage(bob, vehicle, StorageBackend::Ipfs),
			Error::<Test>::NotOwner
		);
	});
}

#[test]
fn unknown_vehicles_are_refused() {
	test(|| {
		let alice = RuntimeOrigin::signed(ALICE);
		assert_noop!(Vehicles::transfer(alice.clone(), 7, BOB), Error::<Test>::UnknownVehicle);
		assert_noop!(Vehicles::retire(alice.clone(), 7), Error::<Test>::UnknownVehicle);
		assert_noop!(
			Vehicles::authorize_collector(alice.clone(), 7, BOB, None),
			Error::<Test>::UnknownVehicle
		);
		assert_noop!(
			Vehicles::revoke_collector(alice.clone(), 7, BOB),
			Error::<Test>::UnknownVehicle
		);
		assert_noop!(
			Vehicles::set_storage(alice, 7, StorageBackend::Ipfs),
			Error::<Test>::UnknownVehicle
		);
		assert_eq!(Vehicles::vehicle(7), None);
		assert_eq!(Vehicles::consents(7), None);
		assert_eq!(<Vehicles as VehicleRegistry<u64>>::ownership(7), None);
	});
}

#[test]
fn transfer_moves_the_vehicle_and_wipes_consent() {
	test(|| {
		let vehicle = register(ALICE, 1);
		assert_ok!(Vehicles::authorize_collector(RuntimeOrigin::signed(ALICE), vehicle, 50, None));
		assert_ok!(Vehicles::set_storage(
			RuntimeOrigin::signed(ALICE),
			vehicle,
			StorageBackend::Ipfs
		));
		assert_ok!(Vehicles::transfer(RuntimeOrigin::signed(ALICE), vehicle, BOB));
		// An offer only: nothing has moved yet.
		System::assert_last_event(
			Event::TransferOffered {
				vehicle,
				from: ALICE,
				to: BOB,
				expires_at: 1 + TRANSFER_OFFER_LIFETIME,
			}
			.into(),
		);
		assert_eq!(Vehicles::owner_of(vehicle), Some(ALICE));
		assert!(Vehicles::may_collect(vehicle, &50, 1));
		assert_ok!(Vehicles::accept_transfer(RuntimeOrigin::signed(BOB), vehicle));
		System::assert_last_event(
			Event::Transferred { vehicle, from: ALICE, to: BOB, transfers: 1 }.into(),
		);
		assert!(!crate::TransferOffers::<Test>::contains_key(vehicle));
		assert_eq!(
			<Vehicles as VehicleRegistry<u64>>::ownership(vehicle),
			Some(Ownership { owner: BOB, transfers: 1 })
		);
		assert_eq!(Vehicles::vehicles_of(&ALICE), Vec::<VehicleId>::new());
		assert_eq!(Vehicles::vehicles_of(&BOB), vec![vehicle]);
		assert!(!Vehicles::may_collect(vehicle, &50, 1));
		assert_eq!(Vehicles::storage_backend(vehicle), Some(StorageBackend::Local));
		assert_eq!(
			Vehicles::consents(vehicle),
			Some(Consents { storage: StorageBackend::Local, collectors: vec![] })
		);
		// The deposit stays with Alice, who paid it.
		assert_eq!(held(ALICE), DEPOSIT);
		assert_eq!(held(BOB), 0);
		// The old owner has lost every right.
		assert_noop!(
			Vehicles::transfer(RuntimeOrigin::signed(ALICE), vehicle, CHARLIE),
			Error::<Test>::NotOwner
		);
	});
}

#[test]
fn transfer_refusals() {
	test(|| {
		let vehicle = register(ALICE, 1);
		assert_noop!(
			Vehicles::transfer(RuntimeOrigin::signed(ALICE), vehicle, ALICE),
			Error::<Test>::TransferToSelf
		);
		for n in 0..u64::from(MAX_VEHICLES) {
			register(BOB, 100 + n);
		}
		assert_ok!(Vehicles::transfer(RuntimeOrigin::signed(ALICE), vehicle, BOB));
		assert_noop!(
			Vehicles::accept_transfer(RuntimeOrigin::signed(BOB), vehicle),
			Error::<Test>::TooManyVehicles
		);
	});
}

#[test]
fn nobody_can_push_a_vehicle_onto_an_account() {
	test(|| {
		// The attack: fill Bob's list with unwanted vehicles until his own
		// registration fails. Offers take no room in his list.
		for n in 0..u64::from(MAX_VEHICLES) + 2 {
			let vehicle = register(if n % 2 == 0 { ALICE } else { CHARLIE }, 200 + n);
			let owner = Vehicles::owner_of(vehicle).expect("registered");
			assert_ok!(Vehicles::transfer(RuntimeOrigin::signed(owner), vehicle, BOB));
		}
		assert!(Vehicles::vehicles_of(&BOB).is_empty());
		register(BOB, 1);
		assert_eq!(Vehicles::vehicles_of(&BOB).len(), 1);
	});
}

#[test]
fn an_offer_is_taken_only_by_its_receiver_before_it_expires() {
	test(|| {
		let vehicle = register(ALICE, 1);
		let alice = RuntimeOrigin::signed(ALICE);
		assert_noop!(
			Vehicles::accept_transfer(RuntimeOrigin::signed(BOB), vehicle),
			Error::<Test>::NoTransferOffer
		);
		assert_noop!(
			Vehicles::accept_transfer(RuntimeOrigin::signed(BOB), 77),
			Error::<Test>::UnknownVehicle
		);
		assert_ok!(Vehicles::transfer(alice.clone(), vehicle, BOB));
		assert_noop!(
			Vehicles::accept_transfer(RuntimeOrigin::signed(CHARLIE), vehicle),
			Error::<Test>::NoTransferOffer
		);
		// A new offer replaces the old one.
		assert_ok!(Vehicles::transfer(alice.clone(), vehicle, CHARLIE));
		assert_noop!(
			Vehicles::accept_transfer(RuntimeOrigin::signed(BOB), vehicle),
			Error::<Test>::NoTransferOffer
		);
		// It expires.
		System::set_block_number(1 + TRANSFER_OFFER_LIFETIME);
		assert_noop!(
			Vehicles::accept_transfer(RuntimeOrigin::signed(CHARLIE), vehicle),
			Error::<Test>::TransferOfferExpired
		);
		// Offered again, accepted in time.
		assert_ok!(Vehicles::transfer(alice, vehicle, CHARLIE));
		System::set_block_number(TRANSFER_OFFER_LIFETIME * 2);
		assert_ok!(Vehicles::accept_transfer(RuntimeOrigin::signed(CHARLIE), vehicle));
		assert_eq!(Vehicles::owner_of(vehicle), Some(CHARLIE));
		// Accepting again does nothing: the offer went with the transfer.
		assert_noop!(
			Vehicles::accept_transfer(RuntimeOrigin::signed(CHARLIE), vehicle),
			Error::<Test>::NoTransferOffer
		);
	});
}

#[test]
fn an_offer_dies_with_the_ownership_it_was_made_in() {
	test(|| {
		let vehicle = register(ALICE, 1);
		assert_ok!(Vehicles::transfer(RuntimeOrigin::signed(ALICE), vehicle, BOB));
		// Alice's offer to Bob is stored; she then sells to Charlie through a second offer
		// that Charlie accepts, and Charlie's ownership must not be takeable with a copy of
		// the first one. (One offer per vehicle: the second replaced it; and an offer also
		// names the ownership version it was made in.)
		crate::TransferOffers::<Test>::insert(
			vehicle,
			crate::TransferOffer { to: BOB, transfers: 0, expires_at: 1_000 },
		);
		assert_ok!(Vehicles::transfer(RuntimeOrigin::signed(ALICE), vehicle, CHARLIE));
		assert_ok!(Vehicles::accept_transfer(RuntimeOrigin::signed(CHARLIE), vehicle));
		crate::TransferOffers::<Test>::insert(
			vehicle,
			crate::TransferOffer { to: BOB, transfers: 0, expires_at: 1_000 },
		);
		assert_noop!(
			Vehicles::accept_transfer(RuntimeOrigin::signed(BOB), vehicle),
			Error::<Test>::NoTransferOffer
		);
		crate::TransferOffers::<Test>::remove(vehicle);
	});
}

#[test]
fn either_side_may_cancel_an_offer_and_nobody_else() {
	test(|| {
		let vehicle = register(ALICE, 1);
		assert_noop!(
			Vehicles::cancel_transfer(RuntimeOrigin::signed(ALICE), vehicle),
			Error::<Test>::NoTransferOffer
		);
		assert_ok!(Vehicles::transfer(RuntimeOrigin::signed(ALICE), vehicle, BOB));
		assert_noop!(
			Vehicles::cancel_transfer(RuntimeOrigin::signed(CHARLIE), vehicle),
			Error::<Test>::NoTransferOffer
		);
		// The receiver declines.
		assert_ok!(Vehicles::cancel_transfer(RuntimeOrigin::signed(BOB), vehicle));
		System::assert_last_event(Event::TransferCancelled { vehicle, to: BOB }.into());
		assert_noop!(
			Vehicles::accept_transfer(RuntimeOrigin::signed(BOB), vehicle),
			Error::<Test>::NoTransferOffer
		);
		// The owner withdraws.
		assert_ok!(Vehicles::transfer(RuntimeOrigin::signed(ALICE), vehicle, BOB));
		assert_ok!(Vehicles::cancel_transfer(RuntimeOrigin::signed(ALICE), vehicle));
		assert!(!crate::TransferOffers::<Test>::contains_key(vehicle));
		// Retiring a vehicle removes its offer.
		assert_ok!(Vehicles::transfer(RuntimeOrigin::signed(ALICE), vehicle, BOB));
		assert_ok!(Vehicles::retire(RuntimeOrigin::signed(ALICE), vehicle));
		assert!(!crate::TransferOffers::<Test>::contains_key(vehicle));
	});
}

#[test]
fn a_vehicle_is_found_by_its_carmaker_reference_until_it_is_retired() {
	test(|| {
		let vehicle = register(ALICE, 7);
		assert_eq!(Vehicles::vehicle_by_reference(1, reference(7)), Some(vehicle));
		// Another carmaker's car with the same hash, or another hash, is another car.
		assert_eq!(Vehicles::vehicle_by_reference(2, reference(7)), None);
		assert_eq!(Vehicles::vehicle_by_reference(1, reference(8)), None);
		assert_eq!(Vehicles::oem_reference(vehicle), Some((1, reference(7))));
		assert_ok!(Vehicles::retire(RuntimeOrigin::signed(ALICE), vehicle));
		assert_eq!(Vehicles::vehicle_by_reference(1, reference(7)), None);
	});
}

#[test]
fn retire_releases_the_deposit_to_its_payer_and_forgets_the_vehicle() {
	test(|| {
		let vehicle = register(ALICE, 1);
		assert_ok!(Vehicles::authorize_collector(RuntimeOrigin::signed(ALICE), vehicle, 50, None));
		assert_ok!(Vehicles::transfer(RuntimeOrigin::signed(ALICE), vehicle, BOB));
		assert_ok!(Vehicles::accept_transfer(RuntimeOrigin::signed(BOB), vehicle));
		assert_ok!(Vehicles::retire(RuntimeOrigin::signed(BOB), vehicle));
		System::assert_last_event(
			Event::Retired { vehicle, owner: BOB, depositor: ALICE, deposit: DEPOSIT }.into(),
		);
		assert_eq!(held(ALICE), 0);
		assert_eq!(Balances::free_balance(ALICE), ENDOWMENT);
		assert_eq!(Vehicles::vehicle(vehicle), None);
		assert_eq!(Vehicles::vehicles_of(&BOB), Vec::<VehicleId>::new());
		assert!(!Vehicles::may_collect(vehicle, &50, 1));
		// The car may be registered again, and gets a new id.
		let again = register(CHARLIE, 1);
		assert_ne!(again, vehicle);
	});
}

#[test]
fn collector_consent_expires_and_can_be_renewed_or_revoked() {
	test(|| {
		let vehicle = register(ALICE, 1);
		let alice = RuntimeOrigin::signed(ALICE);
		assert_ok!(Vehicles::authorize_collector(alice.clone(), vehicle, 50, Some(5)));
		System::assert_last_event(
			Event::CollectorAuthorized { vehicle, collector: 50, until: Some(5) }.into(),
		);
		assert!(Vehicles::may_collect(vehicle, &50, 4));
		assert!(!Vehicles::may_collect(vehicle, &50, 5));
		assert!(!Vehicles::may_collect(vehicle, &51, 4));
		run_to_block(5);
		assert_eq!(Vehicles::consents(vehicle).map(|c| c.collectors.len()), Some(0));
		assert_ok!(Vehicles::authorize_collector(alice.clone(), vehicle, 50, None));
		assert!(Vehicles::may_collect(vehicle, &50, 1_000));
		assert_eq!(CollectorConsents::<Test>::get(vehicle).len(), 1);

		assert_ok!(Vehicles::revoke_collector(alice.clone(), vehicle, 50));
		System::assert_last_event(Event::CollectorRevoked { vehicle, collector: 50 }.into());
		assert!(!Vehicles::may_collect(vehicle, &50, 6));
		assert_noop!(
			Vehicles::revoke_collector(alice, vehicle, 50),
			Error::<Test>::CollectorNotAuthorized
		);
	});
}

#[test]
fn consent_expiry_must_be_in_the_future() {
	test(|| {
		let vehicle = register(ALICE, 1);
		run_to_block(10);
		assert_noop!(
			Vehicles::authorize_collector(RuntimeOrigin::signed(ALICE), vehicle, 50, Some(10)),
			Error::<Test>::ExpiryNotInFuture
		);
		assert_ok!(Vehicles::authorize_collector(
			RuntimeOrigin::signed(ALICE),
			vehicle,
			50,
			Some(11)
		));
	});
}

#[test]
fn consent_list_is_bounded_but_expired_consents_make_room() {
	test(|| {
		let vehicle = register(ALICE, 1);
		let alice = RuntimeOrigin::signed(ALICE);
		assert_ok!(Vehicles::authorize_collector(alice.clone(), vehicle, 50, Some(3)));
		for collector in 51..(50 + u64::from(MAX_COLLECTORS)) {
			assert_ok!(Vehicles::authorize_collector(alice.clone(), vehicle, collector, None));
		}
		assert_noop!(
			Vehicles::authorize_collector(alice.clone(), vehicle, 60, None),
			Error::<Test>::TooManyCollectors
		);
		// Changing the expiry of a listed collector needs no room.
		assert_ok!(Vehicles::authorize_collector(alice.clone(), vehicle, 51, Some(100)));
		run_to_block(3);
		assert_ok!(Vehicles::authorize_collector(alice, vehicle, 60, None));
		assert!(Vehicles::may_collect(vehicle, &60, 3));
		assert!(!Vehicles::may_collect(vehicle, &50, 3));
	});
}

#[test]
fn set_storage_changes_the_backend() {
	test(|| {
		let vehicle = register(ALICE, 1);
		assert_ok!(Vehicles::set_storage(
			RuntimeOrigin::signed(ALICE),
			vehicle,
			StorageBackend::Arweave
		));
		System::assert_last_event(
			Event::StorageSet { vehicle, backend: StorageBackend::Arweave }.into(),
		);
		assert_eq!(Vehicles::storage_backend(vehicle), Some(StorageBackend::Arweave));
		assert_eq!(Vehicles::storage_backend(vehicle + 1), None);
	});
}

#[test]
fn the_ownership_version_never_wraps() {
	test(|| {
		let vehicle = register(ALICE, 1);
		crate::Vehicles::<Test>::mutate(vehicle, |record| {
			if let Some(record) = record {
				record.transfers = u32::MAX;
			}
		});
		assert_noop!(
			Vehicles::transfer(RuntimeOrigin::signed(ALICE), vehicle, BOB),
			Error::<Test>::TooManyTransfers
		);
	});
}

/// An attestation by the registered collector that `owner` controls car `n` of OEM 1, living
/// as long as it may from now.
fn attested(owner: u64, n: u64) -> crate::AttestationOf<Test> {
	attestation(
		COLLECTOR,
		1,
		reference(n),
		owner,
		System::block_number() + MAX_ATTESTATION_LIFETIME,
	)
}

#[test]
fn where_attestations_are_required_register_refuses_a_car_without_one() {
	test(|| {
		AttestationRequired::<Test>::put(true);
		assert_noop!(
			Vehicles::register(RuntimeOrigin::signed(ALICE), 1, reference(1), None),
			Error::<Test>::AttestationRequired
		);
		assert_ok!(Vehicles::register(
			RuntimeOrigin::signed(ALICE),
			1,
			reference(1),
			Some(attested(ALICE, 1))
		));
		System::assert_last_event(
			Event::Registered {
				vehicle: 0,
				owner: ALICE,
				oem: 1,
				oem_ref_hash: reference(1),
				deposit: DEPOSIT,
				attested_by: Some(COLLECTOR),
			}
			.into(),
		);
	});
}

#[test]
fn register_refuses_every_bad_attestation_even_where_none_is_required() {
	test(|| {
		let now = System::block_number();
		let register = |attestation| {
			Vehicles::register(RuntimeOrigin::signed(ALICE), 1, reference(1), Some(attestation))
		};
		// Another car, another owner, another OEM: the signature does not cover this call.
		assert_noop!(register(attested(ALICE, 2)), Error::<Test>::BadAttestationSignature);
		assert_noop!(register(attested(BOB, 1)), Error::<Test>::BadAttestationSignature);
		let other_oem = attestation(COLLECTOR, 2, reference(1), ALICE, now + 5);
		assert_noop!(register(other_oem), Error::<Test>::BadAttestationSignature);
		// Signed by one key, claimed for the registered collector: forged.
		let mut forged = attestation(UNREGISTERED_COLLECTOR, 1, reference(1), ALICE, now + 5);
		forged.collector = COLLECTOR;
		assert_noop!(register(forged), Error::<Test>::BadAttestationSignature);
		// A real signature by a collector governance never registered.
		let unregistered = attestation(UNREGISTERED_COLLECTOR, 1, reference(1), ALICE, now + 5);
		assert_noop!(register(unregistered), Error::<Test>::UnknownAttestingCollector);
		// Expired (the expiry block is exclusive), and living longer than allowed.
		assert_noop!(
			register(attestation(COLLECTOR, 1, reference(1), ALICE, now)),
			Error::<Test>::AttestationExpired
		);
		assert_noop!(
			register(attestation(
				COLLECTOR,
				1,
				reference(1),
				ALICE,
				now + MAX_ATTESTATION_LIFETIME + 1
			)),
			Error::<Test>::AttestationTooLong
		);
		assert_eq!(NextVehicleId::<Test>::get(), 0);
	});
}

#[test]
fn an_attestation_expires_with_time() {
	test(|| {
		let attestation = attested(ALICE, 1);
		run_to_block(System::block_number() + MAX_ATTESTATION_LIFETIME);
		assert_noop!(
			Vehicles::register(RuntimeOrigin::signed(ALICE), 1, reference(1), Some(attestation)),
			Error::<Test>::AttestationExpired
		);
	});
}

#[test]
fn reclaim_moves_a_squatted_vehicle_and_the_squatters_deposit_to_the_attested_owner() {
	test(|| {
		let vehicle = register(BOB, 1);
		assert_ok!(Vehicles::authorize_collector(
			RuntimeOrigin::signed(BOB),
			vehicle,
			CHARLIE,
			None
		));
		assert_ok!(Vehicles::set_storage(
			RuntimeOrigin::signed(BOB),
			vehicle,
			StorageBackend::Ipfs
		));
		assert_ok!(Vehicles::transfer(RuntimeOrigin::signed(BOB), vehicle, CHARLIE));
		run_to_block(3);

		assert_ok!(Vehicles::reclaim(RuntimeOrigin::signed(ALICE), vehicle, attested(ALICE, 1)));
		System::assert_last_event(
			Event::Reclaimed {
				vehicle,
				from: BOB,
				to: ALICE,
				attested_by: COLLECTOR,
				transfers: 1,
				depositor: BOB,
				deposit: DEPOSIT,
			}
			.into(),
		);
		let record = crate::Vehicles::<Test>::get(vehicle).expect("still registered");
		assert_eq!((record.owner, record.depositor, record.deposit), (ALICE, ALICE, DEPOSIT));
		assert_eq!((record.transfers, record.owned_since), (1, 3));
		assert_eq!(record.storage, StorageBackend::Local);
		assert_eq!(Vehicles::ownership(vehicle), Some(Ownership { owner: ALICE, transfers: 1 }));
		// Consents and the pending offer went with the old ownership.
		assert!(CollectorConsents::<Test>::get(vehicle).is_empty());
		assert!(!crate::TransferOffers::<Test>::contains_key(vehicle));
		assert_eq!(Vehicles::vehicles_of(&BOB), Vec::<VehicleId>::new());
		assert_eq!(Vehicles::vehicles_of(&ALICE), vec![vehicle]);
		// The squatter's deposit is the new owner's now, on hold until the vehicle is retired.
		assert_eq!((held(BOB), held(ALICE)), (0, DEPOSIT));
		let alice_free = Balances::free_balance(ALICE);
		assert_ok!(Vehicles::retire(RuntimeOrigin::signed(ALICE), vehicle));
		assert_eq!(Balances::free_balance(ALICE), alice_free + DEPOSIT);
		assert_eq!(Balances::free_balance(BOB), ENDOWMENT - DEPOSIT);
	});
}

#[test]
fn reclaim_refuses_a_stale_replayed_or_foreign_attestation() {
	test(|| {
		let vehicle = register(BOB, 1);
		assert_noop!(
			Vehicles::reclaim(RuntimeOrigin::signed(ALICE), vehicle + 1, attested(ALICE, 1)),
			Error::<Test>::UnknownVehicle
		);
		assert_noop!(
			Vehicles::reclaim(RuntimeOrigin::signed(BOB), vehicle, attested(BOB, 1)),
			Error::<Test>::AlreadyOwner
		);
		// For another car, or naming someone else.
		assert_noop!(
			Vehicles::reclaim(RuntimeOrigin::signed(ALICE), vehicle, attested(ALICE, 2)),
			Error::<Test>::BadAttestationSignature
		);
		assert_noop!(
			Vehicles::reclaim(RuntimeOrigin::signed(ALICE), vehicle, attested(CHARLIE, 1)),
			Error::<Test>::BadAttestationSignature
		);
		let unregistered = attestation(
			UNREGISTERED_COLLECTOR,
			1,
			reference(1),
			ALICE,
			System::block_number() + MAX_ATTESTATION_LIFETIME,
		);
		assert_noop!(
			Vehicles::reclaim(RuntimeOrigin::signed(ALICE), vehicle, unregistered),
			Error::<Test>::UnknownAttestingCollector
		);

		// Alice reclaims at block 3, then sells the car to Charlie at block 5: the attestation
		// she still holds may predate Charlie's ownership, so it cannot take the car back.
		run_to_block(3);
		let alices = attested(ALICE, 1);
		assert_ok!(Vehicles::reclaim(RuntimeOrigin::signed(ALICE), vehicle, alices.clone()));
		run_to_block(5);
		assert_ok!(Vehicles::transfer(RuntimeOrigin::signed(ALICE), vehicle, CHARLIE));
		assert_ok!(Vehicles::accept_transfer(RuntimeOrigin::signed(CHARLIE), vehicle));
		assert_noop!(
			Vehicles::reclaim(RuntimeOrigin::signed(ALICE), vehicle, alices),
			Error::<Test>::AttestationPredatesOwner
		);
		// One made after the sale (the carmaker still lists the car for her grant) is a claim
		// that Charlie, who accepted the car, may answer: the vehicle stays his for now.
		run_to_block(6);
		assert_ok!(Vehicles::reclaim(RuntimeOrigin::signed(ALICE), vehicle, attested(ALICE, 1)));
		assert_eq!(Vehicles::owner_of(vehicle), Some(CHARLIE));
		assert!(ReclaimClaims::<Test>::contains_key(vehicle));
	});
}

fn claim_held(who: u64) -> u64 {
	Balances::balance_on_hold(&HoldReason::ReclaimClaim.into(), &who)
}

/// Bob registers car 1 and sells it to Charlie at block 2; at block 3 Bob, whose carmaker
/// account still lists the car, reclaims it. Returns the vehicle.
fn sold_then_reclaimed_by_the_seller() -> VehicleId {
	let vehicle = register(BOB, 1);
	run_to_block(2);
	assert_ok!(Vehicles::transfer(RuntimeOrigin::signed(BOB), vehicle, CHARLIE));
	assert_ok!(Vehicles::accept_transfer(RuntimeOrigin::signed(CHARLIE), vehicle));
	run_to_block(3);
	assert_ok!(Vehicles::reclaim(RuntimeOrigin::signed(BOB), vehicle, attested(BOB, 1)));
	vehicle
}

#[test]
fn a_reclaim_of_a_car_the_owner_accepted_waits_for_the_owners_answer() {
	test(|| {
		let vehicle = sold_then_reclaimed_by_the_seller();
		let answer_by = 3 + RECLAIM_ANSWER_PERIOD;
		System::assert_last_event(
			Event::ReclaimOpened {
				vehicle,
				owner: CHARLIE,
				claimant: BOB,
				attested_by: COLLECTOR,
				answer_by,
				deposit: DEPOSIT,
			}
			.into(),
		);
		assert_eq!(Vehicles::owner_of(vehicle), Some(CHARLIE));
		assert_eq!(claim_held(BOB), DEPOSIT);
		// Nothing moves the vehicle meanwhile: no second claim, no sale, no retirement.
		assert_noop!(
			Vehicles::reclaim(RuntimeOrigin::signed(ALICE), vehicle, attested(ALICE, 1)),
			Error::<Test>::ReclaimOpen
		);
		assert_noop!(
			Vehicles::transfer(RuntimeOrigin::signed(CHARLIE), vehicle, ALICE),
			Error::<Test>::ReclaimOpen
		);
		assert_noop!(
			Vehicles::retire(RuntimeOrigin::signed(CHARLIE), vehicle),
			Error::<Test>::ReclaimOpen
		);
		// Not completed while Charlie may answer.
		run_to_block(answer_by);
		assert_noop!(
			Vehicles::complete_reclaim(RuntimeOrigin::signed(BOB), vehicle),
			Error::<Test>::AnswerPeriodOpen
		);
	});
}

#[test]
fn the_buyer_keeps_the_car_with_a_fresher_attestation_and_gets_the_claims_deposit() {
	test(|| {
		let vehicle = sold_then_reclaimed_by_the_seller();
		let bobs_expiry = 3 + MAX_ATTESTATION_LIFETIME;
		run_to_block(4);
		// Only the owner answers, only with its own, fresher, attestation.
		assert_noop!(
			Vehicles::answer_reclaim(RuntimeOrigin::signed(ALICE), vehicle, attested(ALICE, 1)),
			Error::<Test>::NotOwner
		);
		assert_noop!(
			Vehicles::answer_reclaim(RuntimeOrigin::signed(CHARLIE), vehicle, attested(BOB, 1)),
			Error::<Test>::BadAttestationSignature
		);
		let older = attestation(COLLECTOR, 1, reference(1), CHARLIE, bobs_expiry - 1);
		assert_noop!(
			Vehicles::answer_reclaim(RuntimeOrigin::signed(CHARLIE), vehicle, older),
			Error::<Test>::AnswerNotFresher
		);
		assert_noop!(
			Vehicles::answer_reclaim(
				RuntimeOrigin::signed(CHARLIE),
				vehicle + 1,
				attested(CHARLIE, 1)
			),
			Error::<Test>::NoReclaim
		);
		let charlies_before = Balances::free_balance(CHARLIE);
		assert_ok!(Vehicles::answer_reclaim(
			RuntimeOrigin::signed(CHARLIE),
			vehicle,
			attested(CHARLIE, 1)
		));
		System::assert_last_event(
			Event::ReclaimRejected {
				vehicle,
				owner: CHARLIE,
				claimant: BOB,
				attested_by: COLLECTOR,
				deposit: DEPOSIT,
			}
			.into(),
		);
		assert_eq!(Vehicles::owner_of(vehicle), Some(CHARLIE));
		assert!(!ReclaimClaims::<Test>::contains_key(vehicle));
		assert_eq!(claim_held(BOB), 0);
		assert_eq!(Balances::free_balance(CHARLIE), charlies_before + DEPOSIT);
		// Closed: nothing to complete, and Charlie may sell again.
		assert_noop!(
			Vehicles::complete_reclaim(RuntimeOrigin::signed(BOB), vehicle),
			Error::<Test>::NoReclaim
		);
		assert_ok!(Vehicles::transfer(RuntimeOrigin::signed(CHARLIE), vehicle, ALICE));
	});
}

#[test]
fn an_unanswered_reclaim_gives_the_claimant_the_car_after_the_answer_period() {
	test(|| {
		let vehicle = sold_then_reclaimed_by_the_seller();
		run_to_block(3 + RECLAIM_ANSWER_PERIOD + 1);
		assert_noop!(
			Vehicles::answer_reclaim(RuntimeOrigin::signed(CHARLIE), vehicle, attested(CHARLIE, 1)),
			Error::<Test>::AnswerPeriodOver
		);
		// Anyone may complete it.
		assert_ok!(Vehicles::complete_reclaim(RuntimeOrigin::signed(ALICE), vehicle));
		System::assert_last_event(
			Event::Reclaimed {
				vehicle,
				from: CHARLIE,
				to: BOB,
				attested_by: COLLECTOR,
				transfers: 2,
				depositor: BOB,
				deposit: DEPOSIT,
			}
			.into(),
		);
		assert_eq!(Vehicles::owner_of(vehicle), Some(BOB));
		assert_eq!(claim_held(BOB), 0, "the claim's deposit is released");
		assert_eq!(held(BOB), DEPOSIT, "the vehicle's deposit stays held");
		// Got back by a reclaim, not accepted: Charlie's own reclaim now takes it at once.
		run_to_block(3 + RECLAIM_ANSWER_PERIOD + 2);
		assert_ok!(Vehicles::reclaim(
			RuntimeOrigin::signed(CHARLIE),
			vehicle,
			attested(CHARLIE, 1)
		));
		assert_eq!(Vehicles::owner_of(vehicle), Some(CHARLIE));
	});
}

#[test]
fn an_equally_fresh_answer_leaves_the_reclaim_to_the_dispute_origin() {
	test(|| {
		let vehicle = sold_then_reclaimed_by_the_seller();
		// Charlie answers in the block of the claim: both attestations expire together.
		assert_ok!(Vehicles::answer_reclaim(
			RuntimeOrigin::signed(CHARLIE),
			vehicle,
			attested(CHARLIE, 1)
		));
		System::assert_last_event(
			Event::ReclaimContested { vehicle, owner: CHARLIE, claimant: BOB }.into(),
		);
		assert_noop!(
			Vehicles::answer_reclaim(RuntimeOrigin::signed(CHARLIE), vehicle, attested(CHARLIE, 1)),
			Error::<Test>::ReclaimContested
		);
		run_to_block(3 + RECLAIM_ANSWER_PERIOD + 1);
		assert_noop!(
			Vehicles::complete_reclaim(RuntimeOrigin::signed(BOB), vehicle),
			Error::<Test>::ReclaimContested
		);
		assert_noop!(
			Vehicles::settle_reclaim(RuntimeOrigin::signed(CHARLIE), vehicle, false),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Vehicles::settle_reclaim(RuntimeOrigin::root(), vehicle + 1, false),
			Error::<Test>::NoReclaim
		);
		// For the owner: Charlie keeps the car, Bob gets his deposit back.
		assert_ok!(Vehicles::settle_reclaim(RuntimeOrigin::root(), vehicle, false));
		System::assert_last_event(Event::ReclaimSettled { vehicle, claimant_wins: false }.into());
		assert_eq!(Vehicles::owner_of(vehicle), Some(CHARLIE));
		assert_eq!(claim_held(BOB), 0);
		assert!(!ReclaimClaims::<Test>::contains_key(vehicle));
	});
}

#[test]
fn the_dispute_origin_may_settle_a_reclaim_for_the_claimant() {
	test(|| {
		let vehicle = sold_then_reclaimed_by_the_seller();
		assert_ok!(Vehicles::settle_reclaim(RuntimeOrigin::root(), vehicle, true));
		System::assert_has_event(
			Event::Reclaimed {
				vehicle,
				from: CHARLIE,
				to: BOB,
				attested_by: COLLECTOR,
				transfers: 2,
				depositor: BOB,
				deposit: DEPOSIT,
			}
			.into(),
		);
		System::assert_last_event(Event::ReclaimSettled { vehicle, claimant_wins: true }.into());
		assert_eq!(Vehicles::owner_of(vehicle), Some(BOB));
		assert_eq!(claim_held(BOB), 0);
	});
}

#[test]
fn a_claimant_who_cannot_pay_the_claims_deposit_opens_no_claim() {
	test(|| {
		let vehicle = register(BOB, 1);
		assert_ok!(Vehicles::transfer(RuntimeOrigin::signed(BOB), vehicle, CHARLIE));
		assert_ok!(Vehicles::accept_transfer(RuntimeOrigin::signed(CHARLIE), vehicle));
		run_to_block(2);
		let pauper = 99;
		assert_noop!(
			Vehicles::reclaim(RuntimeOrigin::signed(pauper), vehicle, attested(pauper, 1)),
			TokenError::FundsUnavailable
		);
	});
}

/// What the history says of `collector` onto `backend` at each block of `blocks`.
fn past(
	vehicle: VehicleId,
	collector: u64,
	backend: StorageBackend,
	blocks: &[u64],
) -> Vec<PastConsent> {
	blocks
		.iter()
		.map(|at| {
			<Vehicles as ConsentProvider<u64, u64>>::consent_at(vehicle, &collector, backend, *at)
		})
		.collect()
}

#[test]
fn the_consent_history_answers_for_past_blocks_after_revocation_backend_change_and_transfer() {
	use PastConsent::{Given, NotGiven};
	use StorageBackend::{Ipfs, Local};
	test(|| {
		let alice = RuntimeOrigin::signed(ALICE);
		let vehicle = register(ALICE, 1);
		assert_eq!(past(vehicle, 50, Local, &[0, 1]), vec![NotGiven, NotGiven]);
		run_to_block(2);
		assert_ok!(Vehicles::authorize_collector(alice.clone(), vehicle, 50, Some(20)));
		run_to_block(4);
		assert_ok!(Vehicles::set_storage(alice.clone(), vehicle, Ipfs));
		run_to_block(6);
		assert_ok!(Vehicles::revoke_collector(alice.clone(), vehicle, 50));
		run_to_block(8);
		assert_ok!(Vehicles::authorize_collector(alice.clone(), vehicle, 51, None));
		// 50 onto Local in [2, 4), onto Ipfs in [4, 6), then nothing.
		assert_eq!(
			past(vehicle, 50, Local, &[1, 2, 3, 4, 8]),
			vec![NotGiven, Given, Given, NotGiven, NotGiven]
		);
		assert_eq!(
			past(vehicle, 50, Ipfs, &[3, 4, 5, 6, 9]),
			vec![NotGiven, Given, Given, NotGiven, NotGiven]
		);
		assert_eq!(past(vehicle, 51, Ipfs, &[7, 8, 100]), vec![NotGiven, Given, Given]);
		// The current consent agrees with the history at the current block.
		assert!(Vehicles::may_collect(vehicle, &51, 8));
		// A transfer ends every span; the history stays for the records made before it.
		run_to_block(10);
		assert_ok!(Vehicles::transfer(alice.clone(), vehicle, BOB));
		assert_ok!(Vehicles::accept_transfer(RuntimeOrigin::signed(BOB), vehicle));
		assert_eq!(past(vehicle, 51, Ipfs, &[9, 10, 11]), vec![Given, NotGiven, NotGiven]);
		// The new owner's backend is the default one; a consent onto it begins a new span.
		assert_ok!(Vehicles::authorize_collector(RuntimeOrigin::signed(BOB), vehicle, 51, None));
		assert_eq!(past(vehicle, 51, Local, &[9, 10, 11]), vec![NotGiven, Given, Given]);
		// Retiring the vehicle forgets its history.
		assert_ok!(Vehicles::retire(RuntimeOrigin::signed(BOB), vehicle));
		assert_eq!(past(vehicle, 51, Local, &[10]), vec![NotGiven]);
		assert!(crate::ConsentHistories::<Test>::get(vehicle).is_none());
	});
}

#[test]
fn an_expiring_consent_ends_its_span_when_it_expires_and_a_renewal_begins_another() {
	use PastConsent::{Given, NotGiven};
	test(|| {
		let alice = RuntimeOrigin::signed(ALICE);
		let vehicle = register(ALICE, 1);
		assert_ok!(Vehicles::authorize_collector(alice.clone(), vehicle, 50, Some(5)));
		run_to_block(3);
		// Renewed before it expired: [1, 3) and [3, ∞).
		assert_ok!(Vehicles::authorize_collector(alice.clone(), vehicle, 50, None));
		assert_eq!(
			past(vehicle, 50, StorageBackend::Local, &[0, 1, 4, 5, 50]),
			vec![NotGiven, Given, Given, Given, Given]
		);
		let spans = crate::ConsentHistories::<Test>::get(vehicle).expect("kept").spans;
		assert_eq!(
			spans.iter().map(|s| (s.from, s.until)).collect::<Vec<_>>(),
			vec![(1, Some(3)), (3, None)]
		);
		// A consent granted and revoked in one block held for no block: it leaves no span.
		run_to_block(6);
		assert_ok!(Vehicles::authorize_collector(alice.clone(), vehicle, 51, None));
		assert_ok!(Vehicles::revoke_collector(alice.clone(), vehicle, 51));
		assert_eq!(crate::ConsentHistories::<Test>::get(vehicle).expect("kept").spans.len(), 2);
	});
}

#[test]
fn a_full_history_drops_its_oldest_ended_span_and_says_it_forgot() {
	use PastConsent::{Forgotten, Given, NotGiven};
	test(|| {
		let alice = RuntimeOrigin::signed(ALICE);
		let vehicle = register(ALICE, 1);
		// A consent that stays open through the churn.
		assert_ok!(Vehicles::authorize_collector(alice.clone(), vehicle, 49, None));
		// The mock keeps 2 * MAX_COLLECTORS spans; each round adds one ended span.
		let spans = 2 * MAX_COLLECTORS as u64;
		for round in 0..spans {
			run_to_block(2 + 2 * round);
			assert_ok!(Vehicles::authorize_collector(alice.clone(), vehicle, 50, None));
			run_to_block(3 + 2 * round);
			assert_ok!(Vehicles::revoke_collector(alice.clone(), vehicle, 50));
		}
		let history = crate::ConsentHistories::<Test>::get(vehicle).expect("kept");
		assert_eq!(history.spans.len() as u64, spans);
		// Seven spans began: the first round's, [2, 3), made room for the last; the open span
		// stayed, and the history says from when it is complete.
		assert!(history.spans.iter().any(|span| span.collector == 49 && span.until.is_none()));
		assert_eq!(history.complete_from, 3);
		assert_eq!(
			past(vehicle, 50, StorageBackend::Local, &[2, 3, 4]),
			vec![Forgotten, NotGiven, Given]
		);
		assert_eq!(past(vehicle, 49, StorageBackend::Local, &[1, 2]), vec![Given, Given]);
		let last = 2 + 2 * (spans - 1);
		assert_eq!(
			past(vehicle, 50, StorageBackend::Local, &[last, last + 1]),
			vec![Given, NotGiven]
		);
	});
}
