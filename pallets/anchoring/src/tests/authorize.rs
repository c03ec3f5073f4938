//! What the transaction pool does with a batch: the authorization that runs before a batch
//! takes block space.

use crate::{mock::*, *};
use dimo_primitives::vehicle::StorageBackend::Ipfs;
use frame_support::{assert_ok, pallet_prelude::*, traits::Authorize};
use sp_runtime::testing::TestSignature;

fn authorize(call: &crate::Call<Test>) -> Result<ValidTransaction, TransactionValidityError> {
	call.authorize(TransactionSource::External)
		.expect("anchor_batch is an authorized call")
		.map(|(validity, _refund)| validity)
}

#[test]
fn a_good_batch_is_valid_with_one_tag_per_reading() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		let other = onboard(BOB, COLLECTOR, Ipfs);
		let call = anchor_call(batch(
			COLLECTOR,
			vec![record(car, 1, 10, 20, Ipfs), record(other, 2, 10, 20, Ipfs)],
		));
		let validity = authorize(&call).expect("valid");
		assert_eq!(validity.priority, 1 << 20);
		assert_eq!(validity.longevity, 16);
		assert!(validity.propagate);
		// One tag for the collector, one per reading.
		assert_eq!(validity.provides.len(), 3);
		assert!(validity.requires.is_empty());
		// A batch that repeats one of those readings provides the same tag: the pool keeps one.
		Registry::authorize_collector(RuntimeOrigin::signed(ALICE), car, OTHER_COLLECTOR, None)
			.expect("a second collector");
		let overlapping = anchor_call(batch(OTHER_COLLECTOR, vec![record(car, 3, 10, 30, Ipfs)]));
		let tags = authorize(&overlapping).expect("valid alone").provides;
		assert_eq!(tags.len(), 2);
		assert!(!validity.provides.contains(&tags[0]), "another collector's tag");
		assert!(validity.provides.contains(&tags[1]), "the same reading's tag");
	});
}

#[test]
fn the_pool_holds_one_batch_per_collector() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		let other = onboard(BOB, COLLECTOR, Ipfs);
		let first = authorize(&anchor_call(batch(COLLECTOR, vec![record(car, 1, 10, 20, Ipfs)])))
			.expect("valid");
		let second =
			authorize(&anchor_call(batch(COLLECTOR, vec![record(other, 2, 10, 20, Ipfs)])))
				.expect("valid");
		// Disjoint readings, and still one shared tag: the pool takes one of the two.
		assert_eq!(first.provides[0], second.provides[0]);
		assert_ne!(first.provides[1], second.provides[1]);
	});
}

#[test]
fn a_batch_over_the_collectors_share_of_the_block_waits_for_the_next_block() {
	test(|| {
		MaxRecordsPerCollectorPerBlock::set(MAX_BATCH);
		let cars: Vec<u64> = (0..MAX_BATCH).map(|_| onboard(ALICE, COLLECTOR, Ipfs)).collect();
		let full: Vec<AnchorRecord> =
			cars.iter().map(|car| record(*car, *car as u8, 10, 20, Ipfs)).collect();
		let call = anchor_call(batch(COLLECTOR, full.clone()));
		assert_ok!(authorize(&call));
		assert_ok!(Anchoring::anchor_batch(
			authorized(),
			batch(COLLECTOR, full.clone()),
			sign(&batch(COLLECTOR, full))
		));
		// The share of this block is used: the next batch is refused as "exhausts resources",
		// which the block builder skips and keeps for a later block, and at dispatch.
		let next = vec![record(cars[0], 100, 30, 40, Ipfs)];
		let call = anchor_call(batch(COLLECTOR, next.clone()));
		assert_eq!(authorize(&call), Err(InvalidTransaction::ExhaustsResources.into()));
		assert_eq!(
			Anchoring::anchor_batch(
				authorized(),
				batch(COLLECTOR, next.clone()),
				sign(&batch(COLLECTOR, next.clone()))
			),
			Err(Error::<Test>::BlockShareUsed.into())
		);
		// Another collector's share is its own.
		let theirs = onboard(BOB, OTHER_COLLECTOR, Ipfs);
		let call = anchor_call(batch(OTHER_COLLECTOR, vec![record(theirs, 101, 10, 20, Ipfs)]));
		assert_ok!(authorize(&call));
		// The next block has room again.
		run_to_block(2);
		assert_ok!(authorize(&anchor_call(batch(COLLECTOR, next.clone()))));
		assert_ok!(Anchoring::anchor_batch(
			authorized(),
			batch(COLLECTOR, next.clone()),
			sign(&batch(COLLECTOR, next))
		));
		assert_eq!(CollectorLoad::<Test>::get(COLLECTOR), Some((2, 1)));
		// Removing the collector removes its load.
		assert_ok!(Anchoring::remove_collector(
			RuntimeOrigin::root(),
			sp_runtime::testing::UintAuthorityId(COLLECTOR)
		));
		assert_eq!(CollectorLoad::<Test>::get(COLLECTOR), None);
	});
}

#[test]
fn a_bad_signature_or_an_unknown_collector_is_refused() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		let good = batch(COLLECTOR, vec![record(car, 1, 10, 20, Ipfs)]);

		// Signed by another (registered) collector's key.
		let mut forged = anchor_call(good.clone());
		if let crate::Call::anchor_batch { signature, .. } = &mut forged {
			*signature = TestSignature(OTHER_COLLECTOR, signature.1.clone());
		}
		assert_eq!(authorize(&forged), Err(InvalidTransaction::BadProof.into()));

		// Changed after signing.
		let signature = sign(&good);
		let mut changed = good.clone();
		changed.records[0].size = 1;
		let call = crate::Call::anchor_batch { batch: changed, signature };
		assert_eq!(authorize(&call), Err(InvalidTransaction::BadProof.into()));

		// Signed for another chain: the payload holds the genesis hash.
		let mut other_chain = anchor_call(good.clone());
		if let crate::Call::anchor_batch { batch, signature } = &mut other_chain {
			*signature =
				TestSignature(COLLECTOR, batch.signing_payload(&sp_core::H256::repeat_byte(1)));
		}
		assert_eq!(authorize(&other_chain), Err(InvalidTransaction::BadProof.into()));

		let stranger =
			anchor_call(batch(UNREGISTERED_COLLECTOR, vec![record(car, 1, 10, 20, Ipfs)]));
		assert_eq!(authorize(&stranger), Err(InvalidTransaction::BadSigner.into()));
	});
}

#[test]
fn records_the_chain_would_refuse_never_enter_the_pool() {
	test(|| {
		let car = onboard(ALICE, COLLECTOR, Ipfs);
		let call = anchor_call(batch(COLLECTOR, vec![record(car, 1, 10, 20, Ipfs)]));
		assert_ok!(authorize(&call));
		let (batch_of_call, signature) = match call.clone() {
			crate::Call::anchor_batch { batch, signature } => (batch, signature),
			_ => unreachable!("built as anchor_batch"),
		};
		assert_ok!(Anchoring::anchor_batch(authorized(), batch_of_call, signature));
		// The replay is stale.
		assert_eq!(authorize(&call), Err(InvalidTransaction::Stale.into()));

		// A vehicle that does not consent: the pallet's error index as the custom code.
		let stranger = onboard(BOB, OTHER_COLLECTOR, Ipfs);
		let call = anchor_call(batch(COLLECTOR, vec![record(stranger, 2, 10, 20, Ipfs)]));
		let code = Error::<Test>::CollectorNotConsented.encode()[0];
		assert_eq!(authorize(&call), Err(InvalidTransaction::Custom(code).into()));
	});
}
