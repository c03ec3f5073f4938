//! Commitments: a collector commits to a window's records with a Merkle root; a record is
//! proved against it when presented, and proved records count as activity once each.

use crate::{mock::*, *};
use dimo_primitives::{
	commitment::{self, H256},
	vehicle::{
		StorageBackend,
		StorageBackend::{Arweave, Ipfs, Local},
	},
};
use frame_support::{assert_noop, assert_ok, pallet_prelude::*, traits::Authorize};
use sp_runtime::{
	testing::{TestSignature, UintAuthorityId},
	DispatchError, RuntimeAppPublic,
};

/// A committed record of `vehicle`, observed over `from..=to`, on `backend`.
fn committed(
	vehicle: VehicleId,
	seq: u64,
	from: u64,
	to: u64,
	backend: StorageBackend,
) -> CommittedRecord {
	let anchor = record(vehicle, seq as u8, from, to, backend);
	CommittedRecord {
		vehicle,
		seq,
		cid: anchor.cid.into_inner().try_into().expect("same bound"),
		size: anchor.size,
		backend,
		arweave_tx: anchor.arweave_tx,
		observed_from: from,
		observed_to: to,
	}
}

/// The commitment of `collector` number `index` to `records` over the window `from..=to`.
fn commitment_to(
	collector: u64,
	index: u64,
	records: &[CommittedRecord],
	from: u64,
	to: u64,
) -> CommitmentOf<Test> {
	let leaves: Vec<H256> = records.iter().map(CommittedRecord::leaf_hash).collect();
	Commitment {
		collector: UintAuthorityId(collector),
		index,
		root: commitment::root(&leaves),
		leaf_count: records.len() as u32,
		window_from: from,
		window_to: to,
		archive: Some(archive_of(index)),
		arweave_bundle: Some(bundle_of(index)),
	}
}

/// The transaction id of an Arweave bundle, different for each `index`.
fn bundle_of(index: u64) -> [u8; 32] {
	let mut id = [0xb0; 32];
	id[..8].copy_from_slice(&index.to_le_bytes());
	id
}

/// The root of an archive (a CIDv1 DAG-CBOR), different for each `index`.
fn archive_of(index: u64) -> ContentId {
	dimo_offchain::car::dag_cbor_cid(&index.to_le_bytes()).to_vec().try_into().expect("36 bytes")
}

fn signed(commitment: &CommitmentOf<Test>) -> TestSignature {
	let genesis = System::block_hash(0);
	commitment.collector.sign(&commitment.signing_payload(&genesis)).expect("test keys sign")
}

fn commit(commitment: CommitmentOf<Test>) -> DispatchResult {
	let signature = signed(&commitment);
	Anchoring::commit(authorized(), commitment, signature)
}

fn validate(
	commitment: CommitmentOf<Test>,
	signature: TestSignature,
) -> Result<ValidTransaction, TransactionValidityError> {
	crate::Call::<Test>::commit { commitment, signature }
		.authorize(TransactionSource::External)
		.expect("commit is an authorized call")
		.map(|(validity, _)| validity)
}

fn proof_of(records: &[CommittedRecord], index: u32) -> Proof {
	let leaves: Vec<H256> = records.iter().map(CommittedRecord::leaf_hash).collect();
	commitment::proof(&leaves, index).expect("a leaf")
}

/// Three vehicles consenting to COLLECTOR (IPFS, Local, Arweave), and a commitment of
/// COLLECTOR (index 0, window 1_000..=2_000) to one reading of each, made at block 1.
fn three_committed() -> Vec<CommittedRecord> {
	let ipfs = onboard(ALICE, COLLECTOR, Ipfs);
	let local = onboard(BOB, COLLECTOR, Local);
	let arweave = onboard(ALICE, COLLECTOR, Arweave);
	let records = vec![
		committed(ipfs, 0, 1_000, 1_100, Ipfs),
		committed(local, 0, 1_050, 1_050, Local),
		committed(arweave, 0, 1_200, 2_000, Arweave),
	];
	assert_ok!(commit(commitment_to(COLLECTOR, 0, &records, 1_000, 2_000)));
	records
}

#[test]
fn a_commitment_is_kept_with_its_block_and_moves_the_collectors_head() {
	test(|| {
		let records = three_committed();
		let leaves: Vec<H256> = records.iter().map(CommittedRecord::leaf_hash).collect();
		let root = commitment::root(&leaves);
		assert_eq!(
			Anchoring::commitment(&COLLECTOR, 0),
			Some(CommitmentInfo {
				root,
				leaf_count: 3,
				window_from: 1_000,
				window_to: 2_000,
				committed_at: 1
			})
		);
		assert_eq!(Anchoring::commitment_head(&COLLECTOR), CommitmentHead { next_index: 1 });
		System::assert_last_event(
			Event::Committed {
				collector: COLLECTOR,
				index: 0,
				root,
				leaf_count: 3,
				window_from: 1_000,
				window_to: 2_000,
				archive: Some(archive_of(0)),
				arweave_bundle: Some(bundle_of(0)),
			}
			.into(),
		);
		assert_eq!(CommitmentArchives::<Test>::get(COLLECTOR, 0), Some(archive_of(0)));
		assert_eq!(CommitmentBundles::<Test>::get(COLLECTOR, 0), Some(bundle_of(0)));
		// Nothing per record: no anchor, no activity.
		assert!(reported_active().is_empty());
		assert_eq!(Heads::<Test>::iter().count(), 0);
	});
}

#[test]
fn every_record_of_a_commitment_verifies_and_nothing_else_does() {
	test(|| {
		let records = three_committed();
		for (index, record) in records.iter().enumerate() {
			let proof = proof_of(&records, index as u32);
			assert_eq!(
				Anchoring::verify_committed(&COLLECTOR, 0, record, &proof)
					.map(|info| info.committed_at),
				Ok(1)
			);
		}
		let proof = proof_of(&records, 0);
		let check = |collector: u64, index: u64, record: &CommittedRecord, proof: &Proof| {
			Anchoring::verify_committed(&collector, index, record, proof)
		};
		// Another commitment, another collector.
		assert_eq!(check(COLLECTOR, 1, &records[0], &proof), Err(ProofError::UnknownCommitment));
		assert_eq!(
			check(OTHER_COLLECTOR, 0, &records[0], &proof),
			Err(ProofError::UnknownCommitment)
		);
		// Any changed field, another leaf's proof, another leaf count.
		let mut changed = records[0].clone();
		changed.size += 1;
		assert_eq!(check(COLLECTOR, 0, &changed, &proof), Err(ProofError::BadProof));
		assert_eq!(check(COLLECTOR, 0, &records[1], &proof), Err(ProofError::BadProof));
		let wider = Proof { leaf_count: 4, ..proof.clone() };
		assert_eq!(check(COLLECTOR, 0, &records[0], &wider), Err(ProofError::BadProof));
	});
}

#[test]
fn per_vehicle_rules_are_checked_when_a_record_is_presented() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		let stranger = onboard(BOB, OTHER_COLLECTOR, Ipfs);
		let arweave_car = onboard(ALICE, COLLECTOR, Arweave);
		let mut no_tx = committed(arweave_car, 0, 1_000, 1_001, Arweave);
		no_tx.arweave_tx = None;
		let mut bad_cid = committed(car, 1, 1_000, 1_001, Ipfs);
		bad_cid.cid = vec![0x01, 0x70, 0x12, 0x20].try_into().expect("fits");
		let records = vec![
			committed(car, 0, 900, 1_001, Ipfs), // starts before the commitment's window
			committed(car, 1, 1_500, 1_400, Ipfs), // ends before it starts
			committed(car, 2, 1_000, 1_001, Local), // not the owner's backend
			committed(stranger, 0, 1_000, 1_001, Ipfs), // consented to another collector
			committed(VehicleId::MAX, 0, 1_000, 1_001, Ipfs), // no such vehicle
			no_tx,
			bad_cid,
			committed(car, 3, 1_990, 2_001, Ipfs), // ends after the commitment's window
		];
		assert_ok!(commit(commitment_to(COLLECTOR, 0, &records, 1_000, 2_000)));
		let expected = [
			ProofError::OutsideCommitmentWindow,
			ProofError::BadWindow,
			ProofError::NotConsented,
			ProofError::NotConsented,
			ProofError::UnknownVehicle,
			ProofError::ArweaveTxMismatch,
			ProofError::MalformedCid,
			ProofError::OutsideCommitmentWindow,
		];
		for (index, (record, error)) in records.iter().zip(expected).enumerate() {
			let proof = proof_of(&records, index as u32);
			assert_eq!(
				Anchoring::verify_committed(&COLLECTOR, 0, record, &proof),
				Err(error),
				"record {index}"
			);
		}
	});
}

#[test]
fn consent_is_judged_at_the_commitments_block_not_now() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		let records = vec![committed(car, 0, 1_000, 1_100, Ipfs)];
		run_to_block(2);
		assert_ok!(commit(commitment_to(COLLECTOR, 0, &records, 1_000, 2_000)));
		// The owner revokes and moves to Local: the record, committed while consented, still
		// proves; a record committed after the revocation does not.
		run_to_block(3);
		assert_ok!(Registry::revoke_collector(RuntimeOrigin::signed(ALICE), car, COLLECTOR));
		assert_ok!(Registry::set_storage(RuntimeOrigin::signed(ALICE), car, Local));
		assert!(
			Anchoring::verify_committed(&COLLECTOR, 0, &records[0], &proof_of(&records, 0)).is_ok()
		);
		let later = vec![committed(car, 1, 2_001, 2_100, Ipfs)];
		assert_ok!(commit(commitment_to(COLLECTOR, 1, &later, 2_001, 3_000)));
		assert_eq!(
			Anchoring::verify_committed(&COLLECTOR, 1, &later[0], &proof_of(&later, 0)),
			Err(ProofError::NotConsented)
		);
		// A record committed before the vehicle's consent began does not prove either, though
		// the consent holds now.
		let next = pallet_vehicles::NextVehicleId::<Test>::get();
		let early = vec![committed(next, 0, 3_001, 3_100, Ipfs)];
		assert_ok!(commit(commitment_to(COLLECTOR, 2, &early, 3_001, 4_000)));
		run_to_block(4);
		assert_eq!(onboard(BOB, COLLECTOR, Ipfs), next);
		assert_eq!(
			Anchoring::verify_committed(&COLLECTOR, 2, &early[0], &proof_of(&early, 0)),
			Err(ProofError::NotConsented)
		);
	});
}

#[test]
fn commitments_are_refused_when_malformed_out_of_order_or_not_from_a_collector() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		let records = vec![committed(car, 0, 1_000, 1_100, Ipfs)];
		let good = commitment_to(COLLECTOR, 0, &records, 1_000, 2_000);
		assert_noop!(
			commit(Commitment { leaf_count: 0, ..good.clone() }),
			Error::<Test>::EmptyCommitment
		);
		assert_noop!(
			commit(Commitment { leaf_count: MAX_COMMITMENT_LEAVES + 1, ..good.clone() }),
			Error::<Test>::TooManyLeaves
		);
		assert_noop!(
			commit(Commitment { window_from: 2_001, ..good.clone() }),
			Error::<Test>::BadWindow
		);
		let future = CHAIN_TIME_AT_GENESIS + MAX_WINDOW_AHEAD + 1;
		assert_noop!(
			commit(Commitment { window_to: future, ..good.clone() }),
			Error::<Test>::WindowInFuture
		);
		assert_noop!(
			commit(Commitment { index: 1, ..good.clone() }),
			Error::<Test>::CommitmentOutOfOrder
		);
		assert_noop!(
			commit(commitment_to(UNREGISTERED_COLLECTOR, 0, &records, 1_000, 2_000)),
			Error::<Test>::UnknownCollector
		);
		assert_noop!(
			Anchoring::commit(RuntimeOrigin::signed(ALICE), good.clone(), signed(&good)),
			DispatchError::BadOrigin
		);
		assert_ok!(commit(good.clone()));
		// The same again is out of order (a replay); the next may overlap the window (a parked
		// car's old reading), and the head moves on.
		assert_noop!(commit(good.clone()), Error::<Test>::CommitmentOutOfOrder);
		assert_ok!(commit(Commitment { index: 1, window_from: 500, window_to: 2_500, ..good }));
		assert_eq!(Anchoring::commitment_head(&COLLECTOR), CommitmentHead { next_index: 2 });
	});
}

#[test]
fn the_pool_takes_only_the_next_commitment_signed_by_its_collector() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		let records = vec![committed(car, 0, 1_000, 1_100, Ipfs)];
		let good = commitment_to(COLLECTOR, 0, &records, 1_000, 2_000);
		let validity = validate(good.clone(), signed(&good)).expect("valid");
		assert_eq!(validity.provides.len(), 1);
		assert_eq!(validity.priority, 1 << 20);
		// Signed by another key, for another chain's payload, or by nobody registered.
		let other = Commitment { collector: UintAuthorityId(OTHER_COLLECTOR), ..good.clone() };
		assert_eq!(
			validate(good.clone(), signed(&other)),
			Err(InvalidTransaction::BadProof.into())
		);
		let forged = UintAuthorityId(COLLECTOR)
			.sign(&(COMMITMENT_SIGNING_CONTEXT, H256::zero(), &good).encode())
			.expect("signs");
		assert_eq!(validate(good.clone(), forged), Err(InvalidTransaction::BadProof.into()));
		let stranger = commitment_to(UNREGISTERED_COLLECTOR, 0, &records, 1_000, 2_000);
		assert_eq!(
			validate(stranger.clone(), signed(&stranger)),
			Err(InvalidTransaction::BadSigner.into())
		);
		// Ahead of the head: future; behind it: stale.
		let ahead = Commitment { index: 1, ..good.clone() };
		assert_eq!(validate(ahead.clone(), signed(&ahead)), Err(InvalidTransaction::Future.into()));
		assert_ok!(commit(good.clone()));
		assert_eq!(validate(good.clone(), signed(&good)), Err(InvalidTransaction::Stale.into()));
		let empty =
			Commitment { index: 1, leaf_count: 0, window_from: 3_000, window_to: 3_000, ..good };
		assert_eq!(
			validate(empty.clone(), signed(&empty)),
			Err(InvalidTransaction::Custom(Error::<Test>::EmptyCommitment.encode()[0]).into())
		);
	});
}

#[test]
fn a_collector_keeps_its_latest_commitments_only() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		for index in 0..u64::from(MAX_COMMITMENTS_KEPT) + 2 {
			let from = 1_000 + index * 100;
			let records = vec![committed(car, index, from, from + 50, Ipfs)];
			assert_ok!(commit(commitment_to(COLLECTOR, index, &records, from, from + 99)));
		}
		let kept: Vec<u64> = Commitments::<Test>::iter_prefix(COLLECTOR)
			.map(|(index, _)| index)
			.collect::<std::collections::BTreeSet<_>>()
			.into_iter()
			.collect();
		assert_eq!(kept, vec![2, 3, 4, 5]);
		// Their archives go with them.
		let archived: std::collections::BTreeSet<u64> =
			CommitmentArchives::<Test>::iter_prefix(COLLECTOR).map(|(index, _)| index).collect();
		assert_eq!(archived.into_iter().collect::<Vec<_>>(), kept);
		assert_eq!(CommitmentArchives::<Test>::get(COLLECTOR, 5), Some(archive_of(5)));
		// And their bundles.
		let bundled: std::collections::BTreeSet<u64> =
			CommitmentBundles::<Test>::iter_prefix(COLLECTOR).map(|(index, _)| index).collect();
		assert_eq!(bundled.into_iter().collect::<Vec<_>>(), kept);
		assert_eq!(CommitmentBundles::<Test>::get(COLLECTOR, 5), Some(bundle_of(5)));
	});
}

#[test]
fn an_archive_must_be_a_dag_cbor_cid_and_a_commitment_may_have_none() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		let records = vec![committed(car, 0, 1_000, 1_100, Ipfs)];
		let good = commitment_to(COLLECTOR, 0, &records, 1_000, 2_000);
		// The CID of a raw block (what a leaf names), a CID with a trailing byte, and no CID.
		let raw: ContentId = records[0].cid.to_vec().try_into().expect("36 bytes");
		let mut long = archive_of(0).into_inner();
		long.push(0);
		for archive in [raw, long.try_into().expect("37 bytes"), ContentId::default()] {
			let bad = Commitment { archive: Some(archive), ..good.clone() };
			assert_noop!(commit(bad.clone()), Error::<Test>::MalformedArchive);
			assert_eq!(
				validate(bad.clone(), signed(&bad)),
				Err(InvalidTransaction::Custom(Error::<Test>::MalformedArchive.encode()[0]).into())
			);
		}
		// A commitment of records none of which is on IPFS names no archive.
		assert_ok!(commit(Commitment { archive: None, arweave_bundle: None, ..good }));
		assert!(Commitments::<Test>::contains_key(COLLECTOR, 0));
		assert_eq!(CommitmentArchives::<Test>::get(COLLECTOR, 0), None);
		assert_eq!(CommitmentBundles::<Test>::get(COLLECTOR, 0), None);
		System::assert_last_event(
			Event::Committed {
				collector: COLLECTOR,
				index: 0,
				root: commitment::root(&[records[0].leaf_hash()]),
				leaf_count: 1,
				window_from: 1_000,
				window_to: 2_000,
				archive: None,
				arweave_bundle: None,
			}
			.into(),
		);
	});
}

#[test]
fn a_claim_counts_a_proved_reading_once_and_only_a_later_one_after_it() {
	test(|| {
		let records = three_committed();
		let claim = |who: u64, index: u64, record: &CommittedRecord, proof: Proof| {
			Anchoring::claim_activity(
				RuntimeOrigin::signed(who),
				COLLECTOR,
				index,
				record.clone(),
				proof,
			)
		};
		// Anyone may claim; the activity is the vehicle's.
		assert_ok!(claim(BOB, 0, &records[0], proof_of(&records, 0)));
		assert_eq!(reported_active(), vec![records[0].vehicle]);
		assert_eq!(ClaimHeads::<Test>::get(records[0].vehicle), Some(1_100));
		System::assert_last_event(
			Event::ActivityClaimed {
				vehicle: records[0].vehicle,
				collector: COLLECTOR,
				index: 0,
				observed_to: 1_100,
				claimant: BOB,
			}
			.into(),
		);
		// The same reading again: stale.
		assert_noop!(
			claim(ALICE, 0, &records[0], proof_of(&records, 0)),
			Error::<Test>::StaleClaim
		);
		// A bad proof is refused with the pallet's error.
		assert_noop!(claim(ALICE, 0, &records[1], proof_of(&records, 0)), Error::<Test>::BadProof);
		assert_noop!(
			claim(ALICE, 7, &records[1], proof_of(&records, 1)),
			Error::<Test>::UnknownCommitment
		);
		assert_noop!(
			Anchoring::claim_activity(
				RuntimeOrigin::none(),
				COLLECTOR,
				0,
				records[1].clone(),
				proof_of(&records, 1)
			),
			DispatchError::BadOrigin
		);
		// A later reading of the same vehicle counts.
		let car = records[0].vehicle;
		let later = vec![committed(car, 1, 2_001, 2_100, Ipfs)];
		assert_ok!(commit(commitment_to(COLLECTOR, 1, &later, 2_001, 3_000)));
		assert_ok!(claim(ALICE, 1, &later[0], proof_of(&later, 0)));
		assert_eq!(ClaimHeads::<Test>::get(car), Some(2_100));
		// A commitment older than the claim age no longer counts.
		run_to_block(1 + MAX_CLAIM_AGE + 1);
		assert_noop!(
			claim(ALICE, 0, &records[1], proof_of(&records, 1)),
			Error::<Test>::ClaimTooLate
		);
		// Retiring the vehicle forgets its claim head.
		assert_ok!(Registry::retire(RuntimeOrigin::signed(ALICE), car));
		assert_eq!(ClaimHeads::<Test>::get(car), None);
	});
}
