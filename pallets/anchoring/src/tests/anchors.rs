//! Anchoring batches: what is stored, what is reported, and every record that is refused.

use crate::{functions::cid_key, mock::*, *};
use dimo_primitives::vehicle::StorageBackend::{Arweave, Ipfs, Local};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

fn anchor(records: Vec<AnchorRecord>) -> frame_support::dispatch::DispatchResult {
	Anchoring::anchor_batch(
		authorized(),
		batch(COLLECTOR, records.clone()),
		sign(&batch(COLLECTOR, records)),
	)
}

#[test]
fn a_batch_anchors_each_record_reports_activity_and_emits_events() {
	test(|| {
		let ipfs_car = onboard(ALICE, COLLECTOR, Ipfs);
		let local_car = onboard(BOB, COLLECTOR, Local);
		assert_ok!(anchor(vec![
			record(ipfs_car, 1, 1_000, 2_000, Ipfs),
			record(local_car, 2, 1_500, 1_500, Local),
		]));

		let stored = LatestAnchors::<Test>::get(ipfs_car);
		assert_eq!(stored.len(), 1);
		assert_eq!(
			stored[0],
			Anchor {
				seq: 0,
				collector: COLLECTOR,
				cid: cid(1),
				size: 512,
				backend: Ipfs,
				arweave_tx: None,
				observed_from: 1_000,
				observed_to: 2_000,
				anchored_at: 1,
			}
		);
		assert_eq!(
			Heads::<Test>::get(local_car),
			AnchorHead { next_seq: 1, last_observed_to: 1_500 }
		);
		assert_eq!(AnchoredCids::<Test>::get(local_car, cid_key(&cid(2))), Some(0));
		assert_eq!(reported_active(), vec![ipfs_car, local_car]);
		System::assert_has_event(
			Event::Anchored {
				vehicle: ipfs_car,
				seq: 0,
				collector: COLLECTOR,
				cid: cid(1),
				size: 512,
				backend: Ipfs,
				arweave_tx: None,
				observed_from: 1_000,
				observed_to: 2_000,
			}
			.into(),
		);
		System::assert_last_event(
			Event::Anchored {
				vehicle: local_car,
				seq: 0,
				collector: COLLECTOR,
				cid: cid(2),
				size: 512,
				backend: Local,
				arweave_tx: None,
				observed_from: 1_500,
				observed_to: 1_500,
			}
			.into(),
		);

		// The next reading of a vehicle gets the next sequence number.
		run_to_block(2);
		assert_ok!(anchor(vec![record(ipfs_car, 3, 2_001, 3_000, Ipfs)]));
		let seqs: Vec<u64> = Anchoring::anchors(ipfs_car, 0, 10).iter().map(|a| a.seq).collect();
		assert_eq!(seqs, vec![0, 1]);
		assert_eq!(Anchoring::anchors(ipfs_car, 1, 10)[0].anchored_at, 2);
		assert_eq!(Anchoring::anchors(ipfs_car, 0, 1).len(), 1);
	});
}

#[test]
fn only_the_latest_anchors_stay_in_state_and_their_content_ids_with_them() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		for seed in 0..=MAX_ANCHORS_KEPT as u8 {
			let at = u64::from(seed) * 10;
			assert_ok!(anchor(vec![record(car, seed, at, at, Ipfs)]));
		}
		let kept: Vec<u64> = LatestAnchors::<Test>::get(car).iter().map(|a| a.seq).collect();
		assert_eq!(kept, (1..=u64::from(MAX_ANCHORS_KEPT)).collect::<Vec<_>>());
		assert_eq!(AnchoredCids::<Test>::get(car, cid_key(&cid(0))), None);
		assert_eq!(Heads::<Test>::get(car).next_seq, u64::from(MAX_ANCHORS_KEPT) + 1);
		// The anchors from a sequence number on, oldest first.
		let from_2: Vec<u64> = Anchoring::anchors(car, 2, 10).iter().map(|a| a.seq).collect();
		assert_eq!(from_2, vec![2, 3]);
	});
}

#[test]
fn only_an_authorized_transaction_anchors() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		let batch = batch(COLLECTOR, vec![record(car, 1, 1, 2, Ipfs)]);
		let signature = sign(&batch);
		// Even signed by the collector's own account.
		assert_noop!(
			Anchoring::anchor_batch(
				RuntimeOrigin::signed(COLLECTOR),
				batch.clone(),
				signature.clone()
			),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Anchoring::anchor_batch(RuntimeOrigin::root(), batch, signature),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn the_batch_and_its_collector_must_be_well_formed() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		let other = onboard(BOB, COLLECTOR, Ipfs);
		assert_noop!(anchor(vec![]), Error::<Test>::EmptyBatch);
		assert_noop!(
			anchor(vec![record(other, 1, 1, 2, Ipfs), record(car, 2, 1, 2, Ipfs)]),
			Error::<Test>::VehiclesNotAscending
		);
		assert_noop!(
			anchor(vec![record(car, 1, 1, 2, Ipfs), record(car, 2, 3, 4, Ipfs)]),
			Error::<Test>::VehiclesNotAscending
		);
		let unregistered = batch(UNREGISTERED_COLLECTOR, vec![record(car, 1, 1, 2, Ipfs)]);
		assert_noop!(
			Anchoring::anchor_batch(authorized(), unregistered.clone(), sign(&unregistered)),
			Error::<Test>::UnknownCollector
		);
	});
}

#[test]
fn each_record_needs_a_vehicle_consent_and_the_owners_backend() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		let elsewhere = onboard(BOB, OTHER_COLLECTOR, Ipfs);
		assert_noop!(anchor(vec![record(999, 1, 1, 2, Ipfs)]), Error::<Test>::UnknownVehicle);
		assert_noop!(
			anchor(vec![record(elsewhere, 1, 1, 2, Ipfs)]),
			Error::<Test>::CollectorNotConsented
		);
		assert_noop!(anchor(vec![record(car, 1, 1, 2, Local)]), Error::<Test>::BackendNotAllowed);
		// One bad record refuses the whole batch.
		assert_noop!(
			anchor(vec![record(car, 1, 1, 2, Ipfs), record(elsewhere, 2, 1, 2, Ipfs)]),
			Error::<Test>::CollectorNotConsented
		);
		assert!(reported_active().is_empty());
	});
}

#[test]
fn a_record_names_an_arweave_transaction_exactly_when_it_is_on_arweave() {
	test(|| {
		let on_ipfs = onboard(ALICE, COLLECTOR, Ipfs);
		let on_arweave = onboard(BOB, COLLECTOR, Arweave);
		let mut without_tx = record(on_arweave, 1, 1, 2, Arweave);
		without_tx.arweave_tx = None;
		assert_noop!(anchor(vec![without_tx]), Error::<Test>::ArweaveTxMismatch);
		let mut with_tx = record(on_ipfs, 2, 1, 2, Ipfs);
		with_tx.arweave_tx = Some([9; 32]);
		assert_noop!(anchor(vec![with_tx]), Error::<Test>::ArweaveTxMismatch);
		assert_ok!(anchor(vec![record(on_arweave, 3, 1, 2, Arweave)]));
		let stored = LatestAnchors::<Test>::get(on_arweave);
		assert_eq!(stored[0].arweave_tx, Some([3; 32]));
		assert_eq!(stored[0].backend, Arweave);
	});
}

#[test]
fn consent_that_expired_was_revoked_or_went_with_a_transfer_anchors_nothing() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		let alice = RuntimeOrigin::signed(ALICE);
		// Consent until block 5: block 4 anchors, block 5 does not.
		assert_ok!(Registry::authorize_collector(alice.clone(), car, COLLECTOR, Some(5)));
		run_to_block(4);
		assert_ok!(anchor(vec![record(car, 1, 1, 2, Ipfs)]));
		run_to_block(5);
		assert_noop!(
			anchor(vec![record(car, 2, 3, 4, Ipfs)]),
			Error::<Test>::CollectorNotConsented
		);

		assert_ok!(Registry::authorize_collector(alice.clone(), car, COLLECTOR, None));
		assert_ok!(anchor(vec![record(car, 2, 3, 4, Ipfs)]));
		assert_ok!(Registry::revoke_collector(alice.clone(), car, COLLECTOR));
		assert_noop!(
			anchor(vec![record(car, 3, 5, 6, Ipfs)]),
			Error::<Test>::CollectorNotConsented
		);

		assert_ok!(Registry::authorize_collector(alice.clone(), car, COLLECTOR, None));
		assert_ok!(Registry::transfer(alice, car, BOB));
		assert_ok!(Registry::accept_transfer(RuntimeOrigin::signed(BOB), car));
		assert_noop!(
			anchor(vec![record(car, 3, 5, 6, Ipfs)]),
			Error::<Test>::CollectorNotConsented
		);
	});
}

#[test]
fn content_ids_and_windows_are_checked() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		let mut bad_cid = record(car, 1, 1, 2, Ipfs);
		bad_cid.cid = vec![0x12, 0x20, 1, 2, 3].try_into().expect("short");
		assert_noop!(anchor(vec![bad_cid]), Error::<Test>::MalformedCid);
		assert_noop!(anchor(vec![record(car, 1, 5, 4, Ipfs)]), Error::<Test>::BadWindow);
	});
}

#[test]
fn a_reading_is_anchored_once() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		let other = onboard(BOB, COLLECTOR, Ipfs);
		assert_ok!(anchor(vec![record(car, 1, 100, 200, Ipfs)]));
		// The same batch again, or any window that does not start after the last one.
		assert_noop!(anchor(vec![record(car, 1, 100, 200, Ipfs)]), Error::<Test>::StaleWindow);
		assert_noop!(anchor(vec![record(car, 9, 200, 300, Ipfs)]), Error::<Test>::StaleWindow);
		assert_noop!(anchor(vec![record(car, 9, 50, 60, Ipfs)]), Error::<Test>::StaleWindow);
		// The same content id again for the same vehicle, even in a later window.
		assert_noop!(anchor(vec![record(car, 1, 300, 400, Ipfs)]), Error::<Test>::DuplicateCid);
		assert_ok!(anchor(vec![record(car, 2, 201, 300, Ipfs)]));
		// Another vehicle's content ids are not this vehicle's business.
		assert_ok!(anchor(vec![record(other, 1, 100, 200, Ipfs)]));
		assert_eq!(AnchoredCids::<Test>::get(car, cid_key(&cid(1))), Some(0));
		assert_eq!(AnchoredCids::<Test>::get(other, cid_key(&cid(1))), Some(0));
	});
}

#[test]
fn a_content_id_copied_from_the_pool_does_not_sink_an_honest_batch() {
	test(|| {
		let honest = onboard(ALICE, COLLECTOR, Ipfs);
		let also_honest = onboard(ALICE, COLLECTOR, Ipfs);
		let attackers = onboard(BOB, OTHER_COLLECTOR, Ipfs);
		let pending =
			vec![record(honest, 1, 100, 200, Ipfs), record(also_honest, 2, 100, 200, Ipfs)];
		// The other collector saw the pending batch and anchors one of its content ids first,
		// under a vehicle it collects.
		let front_run = batch(OTHER_COLLECTOR, vec![record(attackers, 1, 100, 200, Ipfs)]);
		assert_ok!(Anchoring::anchor_batch(authorized(), front_run.clone(), sign(&front_run)));
		// The honest batch is still valid in the pool, and anchors whole.
		let honest_batch = batch(COLLECTOR, pending.clone());
		assert_ok!(Anchoring::authorize_anchor_batch(
			sp_runtime::transaction_validity::TransactionSource::External,
			&honest_batch,
			&sign(&honest_batch)
		));
		assert_ok!(anchor(pending));
		assert_eq!(Heads::<Test>::get(honest).next_seq, 1);
		assert_eq!(Heads::<Test>::get(also_honest).next_seq, 1);
	});
}

#[test]
fn a_window_may_not_end_after_the_chains_clock_and_its_tolerance() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		let now = 1_800_000_000_000;
		set_chain_time(now);
		// The attack: a window that ends at the end of time would make every later reading
		// stale.
		assert_noop!(
			anchor(vec![record(car, 1, now, u64::MAX, Ipfs)]),
			Error::<Test>::WindowInFuture
		);
		let too_late = now + MAX_WINDOW_AHEAD + 1;
		assert_noop!(
			anchor(vec![record(car, 1, now, too_late, Ipfs)]),
			Error::<Test>::WindowInFuture
		);
		// The pool refuses it too, before it takes any block space.
		let refused = batch(COLLECTOR, vec![record(car, 1, now, too_late, Ipfs)]);
		let code = codec::Encode::encode(&Error::<Test>::WindowInFuture)[0];
		assert_eq!(
			Anchoring::authorize_anchor_batch(
				sp_runtime::transaction_validity::TransactionSource::External,
				&refused,
				&sign(&refused)
			)
			.map(|_| ()),
			Err(sp_runtime::transaction_validity::InvalidTransaction::Custom(code).into())
		);
		// Up to the tolerance is taken, and the next honest reading after it too.
		assert_ok!(anchor(vec![record(car, 1, now, now + MAX_WINDOW_AHEAD, Ipfs)]));
		set_chain_time(now + MAX_WINDOW_AHEAD + 6_000);
		let next = now + MAX_WINDOW_AHEAD + 1;
		assert_ok!(anchor(vec![record(car, 2, next, next + 5_000, Ipfs)]));
	});
}

#[test]
fn a_removed_collector_anchors_no_more() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		assert_ok!(Anchoring::remove_collector(
			RuntimeOrigin::root(),
			sp_runtime::testing::UintAuthorityId(COLLECTOR)
		));
		assert_noop!(anchor(vec![record(car, 1, 1, 2, Ipfs)]), Error::<Test>::UnknownCollector);
	});
}

#[test]
fn retiring_a_vehicle_removes_its_anchors_and_their_content_ids() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		let other = onboard(BOB, COLLECTOR, Ipfs);
		for seed in 0..MAX_ANCHORS_KEPT as u8 {
			let at = u64::from(seed) * 10;
			assert_ok!(anchor(vec![
				record(car, seed, at, at, Ipfs),
				record(other, 100 + seed, at, at, Ipfs)
			]));
			run_to_block(System::block_number() + 1);
		}
		assert_ok!(Registry::retire(RuntimeOrigin::signed(ALICE), car));
		assert_eq!(Heads::<Test>::get(car), AnchorHead::default());
		assert!(!Heads::<Test>::contains_key(car));
		assert!(LatestAnchors::<Test>::get(car).is_empty());
		assert_eq!(AnchoredCids::<Test>::iter_prefix(car).count(), 0);
		// The other vehicle's anchors stay.
		assert_eq!(LatestAnchors::<Test>::get(other).len(), MAX_ANCHORS_KEPT as usize);
		assert_eq!(AnchoredCids::<Test>::iter_prefix(other).count(), MAX_ANCHORS_KEPT as usize);
	});
}
