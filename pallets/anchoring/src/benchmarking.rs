//! Benchmarks of the anchoring pallet, each in its worst case: registries full up to the new
//! entry, every record of a batch on a vehicle whose consent list is full (the collector last),
//! whose anchors in state are full (the new one pushes out the oldest).

use super::*;
use crate::{functions::cid_key, Pallet as Anchoring};
use codec::Encode;
use dimo_primitives::vehicle::StorageBackend;
use frame_benchmarking::v2::*;
use frame_support::{
	pallet_prelude::TransactionSource,
	traits::{Authorize, EnsureOrigin, Get},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::{
	traits::{Convert, Zero},
	RuntimeAppPublic,
};

/// A content id whose digest is the hash of `(vehicle, seq)`: distinct for every reading.
fn content_id(vehicle: VehicleId, seq: u64) -> ContentId {
	let mut bytes = alloc::vec![0x01, 0x55, 0x12, 0x20];
	bytes.extend(sp_io::hashing::blake2_256(&(vehicle, seq).encode()));
	bytes.try_into().expect("36 bytes fit in a content id; qed")
}

/// Fills the registry of collectors up to one below its bound.
fn fill_collectors<T: Config>() {
	while Collectors::<T>::count().saturating_add(1) < T::MaxCollectors::get() {
		Anchoring::<T>::do_register_collector(T::CollectorId::generate_pair(None))
			.expect("below the bound; qed");
	}
}

/// A registered collector whose key is in the keystore, and its account.
fn collector<T: Config>() -> (T::CollectorId, T::AccountId) {
	fill_collectors::<T>();
	let key = T::CollectorId::generate_pair(None);
	Anchoring::<T>::do_register_collector(key.clone()).expect("below the bound; qed");
	let account = T::CollectorAccount::convert(key.clone());
	(key, account)
}

/// `records` vehicles that consent to `account` and store on IPFS, each with a full list of
/// anchors in state; and a signed batch with one new reading of each.
fn signed_batch<T: Config>(
	key: &T::CollectorId,
	collector_account: &T::AccountId,
	records: u32,
) -> (AnchorBatchOf<T>, CollectorSignatureOf<T>) {
	let kept = T::MaxAnchorsKept::get();
	let mut batch = AnchorBatch { collector: key.clone(), records: Default::default() };
	for index in 0..records {
		let owner: T::AccountId = account("owner", index, 0);
		let vehicle = T::Vehicles::register_for_benchmark(&owner);
		T::Vehicles::consent_for_benchmark(vehicle, collector_account, StorageBackend::Ipfs);
		let mut anchors = BoundedVec::<AnchorOf<T>, T::MaxAnchorsKept>::default();
		for seq in 0..u64::from(kept) {
			let anchor = Anchor {
				seq,
				collector: collector_account.clone(),
				cid: content_id(vehicle, seq),
				size: 1_024,
				backend: StorageBackend::Ipfs,
				arweave_tx: None,
				observed_from: seq * 10,
				observed_to: seq * 10 + 5,
				anchored_at: BlockNumberFor::<T>::zero(),
			};
			AnchoredCids::<T>::insert(vehicle, cid_key(&anchor.cid), seq);
			anchors.try_push(anchor).expect("within the bound; qed");
		}
		LatestAnchors::<T>::insert(vehicle, anchors);
		let next_seq = u64::from(kept);
		Heads::<T>::insert(
			vehicle,
			AnchorHead { next_seq, last_observed_to: next_seq.saturating_sub(1) * 10 + 5 },
		);
		let record = AnchorRecord {
			vehicle,
			cid: content_id(vehicle, next_seq),
			size: 1_024,
			backend: StorageBackend::Ipfs,
			arweave_tx: None,
			observed_from: next_seq * 10,
			observed_to: next_seq * 10 + 5,
		};
		batch.records.try_push(record).expect("within the bound; qed");
	}
	let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
	let signature = key
		.sign(&batch.signing_payload(&genesis))
		.expect("the key was generated in the benchmark's keystore; qed");
	(batch, signature)
}

/// A signed commitment of `key` (whose account is `collector_account`) that takes the place of
/// its oldest kept one: the collector has made [`Config::MaxCommitmentsKept`] before it.
fn signed_commitment<T: Config>(
	key: &T::CollectorId,
	collector_account: &T::AccountId,
) -> (CommitmentOf<T>, CollectorSignatureOf<T>) {
	let kept = u64::from(T::MaxCommitmentsKept::get());
	let info = CommitmentInfo {
		root: Default::default(),
		leaf_count: 1,
		window_from: 0,
		window_to: 5,
		committed_at: BlockNumberFor::<T>::zero(),
	};
	Commitments::<T>::insert(collector_account, 0, info);
	CommitmentHeads::<T>::insert(collector_account, CommitmentHead { next_index: kept });
	let commitment = Commitment {
		collector: key.clone(),
		index: kept,
		root: dimo_primitives::commitment::H256::repeat_byte(7),
		leaf_count: T::MaxCommitmentLeaves::get(),
		window_from: 10,
		window_to: 20,
		// The heavier case: an archive and a bundle to keep.
		archive: Some(
			dimo_offchain::car::dag_cbor_cid(b"archive")
				.to_vec()
				.try_into()
				.expect("a CID fits a content id; qed"),
		),
		arweave_bundle: Some([8; 32]),
	};
	CommitmentArchives::<T>::insert(
		collector_account,
		0,
		ContentId::try_from(dimo_offchain::car::dag_cbor_cid(b"first").to_vec())
			.expect("a CID fits a content id; qed"),
	);
	CommitmentBundles::<T>::insert(collector_account, 0, [9u8; 32]);
	let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
	let signature = key
		.sign(&commitment.signing_payload(&genesis))
		.expect("the key was generated in the benchmark's keystore; qed");
	(commitment, signature)
}

/// A committed record of a vehicle that consents to `collector_account` (its consent list
/// full, the collector last) with the longest proof a commitment allows: the record is the
/// first of a tree of the largest power of two of leaves within
/// [`Config::MaxCommitmentLeaves`], whose commitment is in state.
fn committed_record<T: Config>(collector_account: &T::AccountId) -> (CommittedRecord, Proof) {
	use sp_runtime::traits::{BlakeTwo256, Hash};
	let owner: T::AccountId = account("owner", 0, 0);
	let vehicle = T::Vehicles::register_for_benchmark(&owner);
	T::Vehicles::consent_for_benchmark(vehicle, collector_account, StorageBackend::Ipfs);
	let record = CommittedRecord {
		vehicle,
		seq: 1,
		cid: content_id(vehicle, 1).into_inner().try_into().expect("same bound; qed"),
		size: 1_024,
		backend: StorageBackend::Ipfs,
		arweave_tx: None,
		observed_from: 10,
		observed_to: 15,
	};
	// Leaf 0 of 2^depth leaves: on every row it is the left node of a pair.
	let depth = T::MaxCommitmentLeaves::get().ilog2();
	let mut node = record.leaf_hash();
	let mut siblings = alloc::vec::Vec::new();
	for row in 0..depth {
		let sibling = BlakeTwo256::hash(&row.encode());
		node = BlakeTwo256::hash(&[node.as_bytes(), sibling.as_bytes()].concat());
		siblings.push(sibling);
	}
	let proof = Proof {
		leaf_index: 0,
		leaf_count: 1 << depth,
		siblings: siblings.try_into().expect("at most 32 rows; qed"),
	};
	let info = CommitmentInfo {
		root: node,
		leaf_count: 1 << depth,
		window_from: 0,
		window_to: 20,
		committed_at: frame_system::Pallet::<T>::block_number(),
	};
	Commitments::<T>::insert(collector_account, 0, info);
	CommitmentHeads::<T>::insert(collector_account, CommitmentHead { next_index: 1 });
	// An earlier claim, so that the head is read and overwritten.
	ClaimHeads::<T>::insert(vehicle, 5);
	(record, proof)
}

/// An HTTPS source with URLs as long as allowed.
fn longest_source() -> OemSource {
	let url = |fill: u8| {
		let mut bytes = b"https://".to_vec();
		bytes.resize(MAX_URL_LEN as usize, fill);
		SourceUrl::try_from(bytes).expect("exactly the bound; qed")
	};
	OemSource { api: OemApi::Smartcar, api_base_url: url(b'a'), auth_url: url(b'b') }
}

/// The largest push feed: a Kafka feed (the longest variant) with every field at its bound, its
/// CA certificate a DER `SEQUENCE` of the longest length.
fn largest_push_feed() -> PushFeed {
	let label = [b'a'; 63];
	let mut host = alloc::vec::Vec::new();
	while host.len().saturating_add(64) <= MAX_HOST_LEN as usize {
		host.extend_from_slice(&label);
		host.push(b'.');
	}
	host.extend(core::iter::repeat_n(b'b', (MAX_HOST_LEN as usize).saturating_sub(host.len())));
	// A DER SEQUENCE header with a two-byte length, then the content up to the bound.
	let [high, low] = (MAX_CA_CERTIFICATE_LEN as u16).saturating_sub(4).to_be_bytes();
	let mut certificate = alloc::vec![0x30, 0x82, high, low];
	certificate.resize(MAX_CA_CERTIFICATE_LEN as usize, 0);
	PushFeed::Kafka {
		api: OemApi::Smartcar,
		host: FeedHost::try_from(host).expect("exactly the bound; qed"),
		port: u16::MAX,
		topic: FeedTopic::try_from(alloc::vec![b't'; MAX_TOPIC_LEN as usize])
			.expect("exactly the bound; qed"),
		server_ca: Some(CaCertificate::try_from(certificate).expect("exactly the bound; qed")),
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn register_collector() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		fill_collectors::<T>();
		let key = T::CollectorId::generate_pair(None);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, key.clone());

		assert!(Collectors::<T>::contains_key(&key));
		Ok(())
	}

	#[benchmark]
	fn remove_collector() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let (key, _) = collector::<T>();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, key.clone());

		assert!(!Collectors::<T>::contains_key(&key));
		Ok(())
	}

	#[benchmark]
	fn set_oem_source() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let oem = OemId::MAX;
		OemSources::<T>::remove(oem);
		let source = longest_source();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, oem, source.clone());

		assert_eq!(OemSources::<T>::get(oem), Some(source));
		Ok(())
	}

	#[benchmark]
	fn remove_oem_source() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let oem = OemId::MAX;
		OemSources::<T>::insert(oem, longest_source());

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, oem);

		assert!(!OemSources::<T>::contains_key(oem));
		Ok(())
	}

	#[benchmark]
	fn set_push_feed() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let oem = OemId::MAX;
		PushFeeds::<T>::remove(oem);
		let feed = largest_push_feed();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, oem, feed.clone());

		assert_eq!(PushFeeds::<T>::get(oem), Some(feed));
		Ok(())
	}

	#[benchmark]
	fn remove_push_feed() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let oem = OemId::MAX;
		PushFeeds::<T>::insert(oem, largest_push_feed());

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, oem);

		assert!(!PushFeeds::<T>::contains_key(oem));
		Ok(())
	}

	#[benchmark]
	fn authorize_anchor_batch(
		n: Linear<1, { T::MaxBatchRecords::get() }>,
	) -> Result<(), BenchmarkError> {
		let (key, account) = collector::<T>();
		let (batch, signature) = signed_batch::<T>(&key, &account, n);
		let call = Call::<T>::anchor_batch { batch, signature };

		#[block]
		{
			call.authorize(TransactionSource::External)
				.ok_or("anchor_batch is an authorized call")?
				.map_err(|_| "the batch is valid")?;
		}

		Ok(())
	}

	#[benchmark]
	fn anchor_batch(n: Linear<1, { T::MaxBatchRecords::get() }>) {
		let (key, account) = collector::<T>();
		let (batch, signature) = signed_batch::<T>(&key, &account, n);
		let first = batch.records[0].vehicle;

		#[extrinsic_call]
		_(RawOrigin::<T::AccountId>::Authorized, batch, signature);

		assert_eq!(Heads::<T>::get(first).next_seq, u64::from(T::MaxAnchorsKept::get()) + 1);
	}

	#[benchmark]
	fn authorize_commit() -> Result<(), BenchmarkError> {
		let (key, account) = collector::<T>();
		let (commitment, signature) = signed_commitment::<T>(&key, &account);
		let call = Call::<T>::commit { commitment, signature };

		#[block]
		{
			call.authorize(TransactionSource::External)
				.ok_or("commit is an authorized call")?
				.map_err(|_| "the commitment is valid")?;
		}

		Ok(())
	}

	#[benchmark]
	fn commit() {
		let (key, account) = collector::<T>();
		let (commitment, signature) = signed_commitment::<T>(&key, &account);
		let index = commitment.index;

		#[extrinsic_call]
		_(RawOrigin::<T::AccountId>::Authorized, commitment, signature);

		assert!(Commitments::<T>::contains_key(&account, index));
		assert!(CommitmentArchives::<T>::contains_key(&account, index));
		assert!(CommitmentBundles::<T>::contains_key(&account, index));
		assert!(!Commitments::<T>::contains_key(&account, 0));
		assert!(!CommitmentArchives::<T>::contains_key(&account, 0));
		assert!(!CommitmentBundles::<T>::contains_key(&account, 0));
	}

	#[benchmark]
	fn claim_activity() {
		let (_, account) = collector::<T>();
		let (record, proof) = committed_record::<T>(&account);
		let vehicle = record.vehicle;
		let claimant: T::AccountId = whitelisted_caller();

		#[extrinsic_call]
		_(RawOrigin::Signed(claimant), account, 0, record, proof);

		assert_eq!(ClaimHeads::<T>::get(vehicle), Some(15));
	}

	impl_benchmark_test_suite!(Anchoring, crate::mock::new_test_ext(), crate::mock::Test);
}
