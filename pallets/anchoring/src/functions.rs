//! What the calls do, the check that both the transaction pool and the dispatch run on a
//! batch, and the reads of the runtime API.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use codec::Encode;
use dimo_offchain::cid::{read_v1_sha256, DAG_CBOR};
use dimo_primitives::{
	rewards::VehicleActivity,
	vehicle::{ConsentProvider, OemId, StorageBackend, VehicleId},
};
use frame_support::{ensure, pallet_prelude::*};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{Convert, Saturating, Zero},
	transaction_validity::{
		InvalidTransaction, TransactionSource, TransactionValidityWithRefund, ValidTransaction,
	},
	RuntimeAppPublic,
};

/// Marks the tag that a batch provides for its collector, apart from its (vehicle, window)
/// tags.
const COLLECTOR_TAG: &[u8; 9] = b"collector";

/// Marks the tag that a commitment provides: (collector, index).
const COMMITMENT_TAG: &[u8; 10] = b"commitment";

/// The key of a content id in [`AnchoredCids`].
pub(crate) fn cid_key(cid: &[u8]) -> [u8; 32] {
	sp_io::hashing::blake2_256(cid)
}

impl<T: Config> Pallet<T> {
	pub(crate) fn do_register_collector(collector: T::CollectorId) -> DispatchResult {
		ensure!(!Collectors::<T>::contains_key(&collector), Error::<T>::CollectorAlreadyRegistered);
		ensure!(Collectors::<T>::count() < T::MaxCollectors::get(), Error::<T>::TooManyCollectors);
		let account = T::CollectorAccount::convert(collector.clone());
		let registered_at = frame_system::Pallet::<T>::block_number();
		Collectors::<T>::insert(
			&collector,
			CollectorInfo { account: account.clone(), registered_at },
		);
		Self::deposit_event(Event::CollectorRegistered { collector, account });
		Ok(())
	}

	pub(crate) fn do_remove_collector(collector: T::CollectorId) -> DispatchResult {
		let info = Collectors::<T>::get(&collector).ok_or(Error::<T>::UnknownCollector)?;
		Collectors::<T>::remove(&collector);
		CollectorLoad::<T>::remove(&info.account);
		Self::deposit_event(Event::CollectorRemoved { collector });
		Ok(())
	}

	pub(crate) fn do_set_oem_source(oem: OemId, source: OemSource) -> DispatchResult {
		let loopback = LoopbackSourcesAllowed::<T>::get();
		for url in [&source.api_base_url, &source.auth_url] {
			check_source_url(url, loopback).map_err(|error| match error {
				UrlError::Malformed => Error::<T>::MalformedSourceUrl,
				UrlError::Insecure => Error::<T>::InsecureSourceUrl,
			})?;
		}
		if !OemSources::<T>::contains_key(oem) {
			ensure!(
				OemSources::<T>::count() < T::MaxOemSources::get(),
				Error::<T>::TooManyOemSources
			);
		}
		OemSources::<T>::insert(oem, source.clone());
		Self::deposit_event(Event::OemSourceSet { oem, source });
		Ok(())
	}

	pub(crate) fn do_remove_oem_source(oem: OemId) -> DispatchResult {
		ensure!(OemSources::<T>::contains_key(oem), Error::<T>::UnknownOemSource);
		OemSources::<T>::remove(oem);
		Self::deposit_event(Event::OemSourceRemoved { oem });
		Ok(())
	}

	pub(crate) fn do_set_push_feed(oem: OemId, feed: PushFeed) -> DispatchResult {
		check_push_feed(&feed, LoopbackSourcesAllowed::<T>::get()).map_err(
			|error| match error {
				FeedError::MalformedHost => Error::<T>::MalformedFeedHost,
				FeedError::BadPort => Error::<T>::BadFeedPort,
				FeedError::MalformedTopic => Error::<T>::MalformedFeedTopic,
				FeedError::MalformedCertificate => Error::<T>::MalformedCaCertificate,
			},
		)?;
		if !PushFeeds::<T>::contains_key(oem) {
			ensure!(
				PushFeeds::<T>::count() < T::MaxOemSources::get(),
				Error::<T>::TooManyPushFeeds
			);
		}
		PushFeeds::<T>::insert(oem, feed.clone());
		Self::deposit_event(Event::PushFeedSet { oem, feed });
		Ok(())
	}

	pub(crate) fn do_remove_push_feed(oem: OemId) -> DispatchResult {
		ensure!(PushFeeds::<T>::contains_key(oem), Error::<T>::UnknownPushFeed);
		PushFeeds::<T>::remove(oem);
		Self::deposit_event(Event::PushFeedRemoved { oem });
		Ok(())
	}

	/// Checks the records of a batch by the collector whose account is `collector` against the
	/// state, and returns each record's vehicle head, in the order of the records, and the
	/// collector's load of this block once the batch is in it.
	///
	/// Run twice for each batch: when the pool validates it (and again when a block author
	/// includes it) through [`Self::authorize_anchor_batch`], and at dispatch, which writes
	/// the heads it returns.
	pub(crate) fn check_records(
		collector: &T::AccountId,
		batch: &AnchorBatchOf<T>,
	) -> Result<(Vec<AnchorHead>, u32), Error<T>> {
		ensure!(!batch.records.is_empty(), Error::<T>::EmptyBatch);
		let now = frame_system::Pallet::<T>::block_number();
		// The collector's share of this block, checked before any record is read.
		let load = Self::load_after(collector, now, batch.records.len())?;
		let latest_end = Self::latest_window_end();
		let mut previous: Option<VehicleId> = None;
		let mut heads = Vec::with_capacity(batch.records.len());
		for record in &batch.records {
			if let Some(previous) = previous {
				ensure!(record.vehicle > previous, Error::<T>::VehiclesNotAscending);
			}
			previous = Some(record.vehicle);
			heads.push(Self::check_record(collector, record, now, latest_end)?);
		}
		// One record per vehicle (ascending ids), and duplicates are refused per vehicle: two
		// records of one batch never clash.
		Ok((heads, load))
	}

	/// How many records of `collector` block `now` holds once `records` more are added, if
	/// that is within [`Config::MaxRecordsPerCollectorPerBlock`].
	pub(crate) fn load_after(
		collector: &T::AccountId,
		now: BlockNumberFor<T>,
		records: usize,
	) -> Result<u32, Error<T>> {
		let so_far = match CollectorLoad::<T>::get(collector) {
			Some((block, load)) if block == now => load,
			_ => 0,
		};
		let records = u32::try_from(records).map_err(|_| Error::<T>::BlockShareUsed)?;
		so_far
			.checked_add(records)
			.filter(|load| *load <= T::MaxRecordsPerCollectorPerBlock::get())
			.ok_or(Error::<T>::BlockShareUsed)
	}

	/// The latest time, in Unix milliseconds, at which an observed window may end now: the
	/// chain's clock plus [`Config::MaxWindowAhead`].
	pub fn latest_window_end() -> u64 {
		use frame_support::traits::Time;
		T::Time::now().saturating_add(T::MaxWindowAhead::get())
	}

	fn check_record(
		collector: &T::AccountId,
		record: &AnchorRecord,
		now: BlockNumberFor<T>,
		latest_end: u64,
	) -> Result<AnchorHead, Error<T>> {
		ensure!(record.observed_from <= record.observed_to, Error::<T>::BadWindow);
		ensure!(record.observed_to <= latest_end, Error::<T>::WindowInFuture);
		ensure!(read_v1_sha256(&record.cid).is_some(), Error::<T>::MalformedCid);
		let backend =
			T::Vehicles::storage_backend(record.vehicle).ok_or(Error::<T>::UnknownVehicle)?;
		ensure!(
			T::Vehicles::may_collect(record.vehicle, collector, now),
			Error::<T>::CollectorNotConsented
		);
		ensure!(record.backend == backend, Error::<T>::BackendNotAllowed);
		ensure!(
			(record.backend == StorageBackend::Arweave) == record.arweave_tx.is_some(),
			Error::<T>::ArweaveTxMismatch
		);
		let head = Heads::<T>::get(record.vehicle);
		ensure!(
			head.next_seq == 0 || record.observed_from > head.last_observed_to,
			Error::<T>::StaleWindow
		);
		ensure!(
			!AnchoredCids::<T>::contains_key(record.vehicle, cid_key(&record.cid)),
			Error::<T>::DuplicateCid
		);
		Ok(head)
	}

	/// Decides whether the pool takes a batch: the collector is registered, the signature is
	/// its key's over [`AnchorBatch::signing_payload`], and every record passes
	/// [`Self::check_records`].
	///
	/// The transaction provides one tag per (vehicle, window start): the pool holds one batch
	/// per reading, and a batch that repeats a reading of another is refused there.
	pub(crate) fn authorize_anchor_batch(
		_source: TransactionSource,
		batch: &AnchorBatchOf<T>,
		signature: &CollectorSignatureOf<T>,
	) -> TransactionValidityWithRefund {
		let Some(info) = Collectors::<T>::get(&batch.collector) else {
			return Err(InvalidTransaction::BadSigner.into());
		};
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		if !batch.collector.verify(&batch.signing_payload(&genesis), signature) {
			return Err(InvalidTransaction::BadProof.into());
		}
		Self::check_records(&info.account, batch).map_err(|error| match error {
			Error::<T>::StaleWindow => InvalidTransaction::Stale,
			// Valid in a later block: the block builder skips it and keeps it in the pool.
			Error::<T>::BlockShareUsed => InvalidTransaction::ExhaustsResources,
			// The pallet's error index, as the transaction's custom error code.
			error => InvalidTransaction::Custom(error.encode().first().copied().unwrap_or(0)),
		})?;
		let mut validity = ValidTransaction::with_tag_prefix("DimoAnchoring")
			.priority(T::AnchorPriority::get())
			.longevity(T::AnchorLongevity::get())
			.propagate(true);
		// One batch per collector in the pool at a time: a collector cannot queue up batches
		// that would crowd out other transactions block after block.
		validity = validity.and_provides((COLLECTOR_TAG, batch.collector.clone()));
		for record in &batch.records {
			validity = validity.and_provides((record.vehicle, record.observed_from));
		}
		Ok((validity.build()?, Weight::zero()))
	}

	pub(crate) fn do_anchor_batch(batch: AnchorBatchOf<T>) -> DispatchResult {
		let collector =
			Collectors::<T>::get(&batch.collector).ok_or(Error::<T>::UnknownCollector)?.account;
		let (heads, load) = Self::check_records(&collector, &batch)?;
		let anchored_at = frame_system::Pallet::<T>::block_number();
		CollectorLoad::<T>::insert(&collector, (anchored_at, load));
		for (record, head) in batch.records.into_iter().zip(heads) {
			let vehicle = record.vehicle;
			let seq = head.next_seq;
			let next_seq = seq.checked_add(1).ok_or(Error::<T>::SequenceOverflow)?;
			let anchor = Anchor {
				seq,
				collector: collector.clone(),
				cid: record.cid,
				size: record.size,
				backend: record.backend,
				arweave_tx: record.arweave_tx,
				observed_from: record.observed_from,
				observed_to: record.observed_to,
				anchored_at,
			};
			LatestAnchors::<T>::mutate(vehicle, |anchors| {
				if anchors.is_full() {
					let oldest = anchors.remove(0);
					AnchoredCids::<T>::remove(vehicle, cid_key(&oldest.cid));
				}
				if anchors.try_push(anchor.clone()).is_err() {
					frame_support::defensive!("a full list made room for the new anchor");
				}
			});
			AnchoredCids::<T>::insert(vehicle, cid_key(&anchor.cid), seq);
			Heads::<T>::insert(
				vehicle,
				AnchorHead { next_seq, last_observed_to: anchor.observed_to },
			);
			T::Activity::note_active(vehicle);
			Self::deposit_event(Event::Anchored {
				vehicle,
				seq,
				collector: collector.clone(),
				cid: anchor.cid,
				size: anchor.size,
				backend: anchor.backend,
				arweave_tx: anchor.arweave_tx,
				observed_from: anchor.observed_from,
				observed_to: anchor.observed_to,
			});
		}
		Ok(())
	}

	/// Checks a commitment of a collector whose next index (its [`CommitmentHeads`] entry) is
	/// `next_index` against the state.
	///
	/// Run when the pool validates it (through [`Self::authorize_commit`]) and at dispatch;
	/// each reads the head once and passes it.
	pub(crate) fn check_commitment(
		next_index: u64,
		commitment: &CommitmentOf<T>,
	) -> Result<(), Error<T>> {
		ensure!(commitment.leaf_count > 0, Error::<T>::EmptyCommitment);
		ensure!(commitment.leaf_count <= T::MaxCommitmentLeaves::get(), Error::<T>::TooManyLeaves);
		ensure!(commitment.window_from <= commitment.window_to, Error::<T>::BadWindow);
		ensure!(commitment.window_to <= Self::latest_window_end(), Error::<T>::WindowInFuture);
		// Windows of one collector's commitments may overlap: a window bounds when its records
		// were observed, and an OEM may report a parked car's reading of hours ago. Replays are
		// refused by the index; a reading counted twice, by the claim head of its vehicle.
		ensure!(commitment.index == next_index, Error::<T>::CommitmentOutOfOrder);
		if let Some(archive) = &commitment.archive {
			ensure!(
				read_v1_sha256(archive).is_some_and(|(codec, _)| codec == u64::from(DAG_CBOR)),
				Error::<T>::MalformedArchive
			);
		}
		Ok(())
	}

	/// Decides whether the pool takes a commitment: the collector is registered, the
	/// signature is its key's over [`Commitment::signing_payload`], and the commitment passes
	/// [`Self::check_commitment`]. It provides the tag (collector, index): the pool holds one
	/// commitment per index, and since only the next index is valid, a collector gets at most
	/// one commitment into a block.
	pub(crate) fn authorize_commit(
		_source: TransactionSource,
		commitment: &CommitmentOf<T>,
		signature: &CollectorSignatureOf<T>,
	) -> TransactionValidityWithRefund {
		let Some(info) = Collectors::<T>::get(&commitment.collector) else {
			return Err(InvalidTransaction::BadSigner.into());
		};
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		if !commitment.collector.verify(&commitment.signing_payload(&genesis), signature) {
			return Err(InvalidTransaction::BadProof.into());
		}
		let next_index = CommitmentHeads::<T>::get(&info.account).next_index;
		Self::check_commitment(next_index, commitment).map_err(|error| match error {
			Error::<T>::CommitmentOutOfOrder if commitment.index < next_index => {
				InvalidTransaction::Stale
			},
			Error::<T>::CommitmentOutOfOrder => InvalidTransaction::Future,
			error => InvalidTransaction::Custom(error.encode().first().copied().unwrap_or(0)),
		})?;
		let validity = ValidTransaction::with_tag_prefix("DimoAnchoring")
			.priority(T::AnchorPriority::get())
			.longevity(T::AnchorLongevity::get())
			.propagate(true)
			.and_provides((COMMITMENT_TAG, commitment.collector.clone(), commitment.index))
			.build()?;
		Ok((validity, Weight::zero()))
	}

	pub(crate) fn do_commit(commitment: CommitmentOf<T>) -> DispatchResult {
		let collector = Collectors::<T>::get(&commitment.collector)
			.ok_or(Error::<T>::UnknownCollector)?
			.account;
		Self::check_commitment(CommitmentHeads::<T>::get(&collector).next_index, &commitment)?;
		let index = commitment.index;
		let next_index = index.checked_add(1).ok_or(Error::<T>::SequenceOverflow)?;
		let info = CommitmentInfo {
			root: commitment.root,
			leaf_count: commitment.leaf_count,
			window_from: commitment.window_from,
			window_to: commitment.window_to,
			committed_at: frame_system::Pallet::<T>::block_number(),
		};
		Commitments::<T>::insert(&collector, index, info);
		if let Some(archive) = &commitment.archive {
			CommitmentArchives::<T>::insert(&collector, index, archive);
		}
		if let Some(bundle) = &commitment.arweave_bundle {
			CommitmentBundles::<T>::insert(&collector, index, bundle);
		}
		if let Some(expired) = index.checked_sub(u64::from(T::MaxCommitmentsKept::get())) {
			Commitments::<T>::remove(&collector, expired);
			CommitmentArchives::<T>::remove(&collector, expired);
			CommitmentBundles::<T>::remove(&collector, expired);
		}
		CommitmentHeads::<T>::insert(&collector, CommitmentHead { next_index });
		Self::deposit_event(Event::Committed {
			collector,
			index,
			root: commitment.root,
			leaf_count: commitment.leaf_count,
			window_from: commitment.window_from,
			window_to: commitment.window_to,
			archive: commitment.archive,
			arweave_bundle: commitment.arweave_bundle,
		});
		Ok(())
	}

	/// Whether `record` was committed by the collector whose account is `collector`, in its
	/// commitment `index`, as `proof` shows, with the owner's consent; the commitment if so.
	///
	/// Per-vehicle rules are checked here, when a record is presented, not when the root is
	/// committed (the chain never sees the records): the proof leads to the root; the record's
	/// window is well-formed and inside the commitment's; its content id is a CIDv1 with a
	/// sha2-256 digest; its Arweave transaction is there exactly when it is on Arweave; and at
	/// the commitment's block the vehicle's owner let this collector collect it onto this
	/// backend (pallets/vehicles' consent history, through
	/// [`ConsentProvider::consent_at`]). That a reading is not counted twice and that a
	/// vehicle's readings move forward is the business of whoever counts them:
	/// [`Self::do_claim_activity`] keeps a head per vehicle.
	pub fn verify_committed(
		collector: &T::AccountId,
		index: u64,
		record: &CommittedRecord,
		proof: &Proof,
	) -> Result<CommitmentInfoOf<T>, ProofError> {
		use dimo_primitives::vehicle::PastConsent;
		let info = Commitments::<T>::get(collector, index).ok_or(ProofError::UnknownCommitment)?;
		ensure!(
			proof.leaf_count == info.leaf_count
				&& dimo_primitives::commitment::verify(&info.root, record, proof),
			ProofError::BadProof
		);
		ensure!(record.observed_from <= record.observed_to, ProofError::BadWindow);
		ensure!(
			info.window_from <= record.observed_from && record.observed_to <= info.window_to,
			ProofError::OutsideCommitmentWindow
		);
		ensure!(read_v1_sha256(&record.cid).is_some(), ProofError::MalformedCid);
		ensure!(
			(record.backend == StorageBackend::Arweave) == record.arweave_tx.is_some(),
			ProofError::ArweaveTxMismatch
		);
		ensure!(T::Vehicles::storage_backend(record.vehicle).is_some(), ProofError::UnknownVehicle);
		match T::Vehicles::consent_at(record.vehicle, collector, record.backend, info.committed_at)
		{
			PastConsent::Given => Ok(info),
			PastConsent::NotGiven => Err(ProofError::NotConsented),
			PastConsent::Forgotten => Err(ProofError::ConsentForgotten),
		}
	}

	pub(crate) fn do_claim_activity(
		claimant: T::AccountId,
		collector: T::AccountId,
		index: u64,
		record: CommittedRecord,
		proof: Proof,
	) -> DispatchResult {
		let info =
			Self::verify_committed(&collector, index, &record, &proof).map_err(Error::<T>::from)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(
			now.saturating_sub(info.committed_at) <= T::MaxClaimAge::get(),
			Error::<T>::ClaimTooLate
		);
		let vehicle = record.vehicle;
		ensure!(
			ClaimHeads::<T>::get(vehicle).is_none_or(|last| record.observed_from > last),
			Error::<T>::StaleClaim
		);
		ClaimHeads::<T>::insert(vehicle, record.observed_to);
		T::Activity::note_active(vehicle);
		Self::deposit_event(Event::ActivityClaimed {
			vehicle,
			collector,
			index,
			observed_to: record.observed_to,
			claimant,
		});
		Ok(())
	}

	/// The commitment `index` of the collector whose account is `collector`, if in state.
	pub fn commitment(collector: &T::AccountId, index: u64) -> Option<CommitmentInfoOf<T>> {
		Commitments::<T>::get(collector, index)
	}

	/// Where the commitments of the collector whose account is `collector` stand.
	pub fn commitment_head(collector: &T::AccountId) -> CommitmentHead {
		CommitmentHeads::<T>::get(collector)
	}

	/// The anchors of `vehicle` still in state whose sequence number is `from` or more, at
	/// most `limit` of them, oldest first.
	pub fn anchors(vehicle: VehicleId, from: u64, limit: u32) -> Vec<AnchorOf<T>> {
		LatestAnchors::<T>::get(vehicle)
			.into_iter()
			.filter(|anchor| anchor.seq >= from)
			.take(limit as usize)
			.collect()
	}

	/// Every registered collector: its key and its record.
	pub fn collectors() -> Vec<(T::CollectorId, CollectorInfoOf<T>)> {
		Collectors::<T>::iter().collect()
	}

	/// Every registered OEM source.
	pub fn oem_sources() -> Vec<(OemId, OemSource)> {
		OemSources::<T>::iter().collect()
	}

	/// Every registered push feed, by OEM (the runtime API's `push_feeds`).
	pub fn push_feeds() -> Vec<(OemId, PushFeed)> {
		PushFeeds::<T>::iter().collect()
	}

	/// The invariants of the anchors:
	///
	/// - each vehicle's anchors in state are at most [`Config::MaxAnchorsKept`], with
	///   consecutive sequence numbers ending at its head's `next_seq - 1`, windows moving
	///   forward, the last one ending at the head's `last_observed_to`;
	/// - [`AnchoredCids`] holds exactly the content ids of the anchors in state, under their
	///   vehicles;
	/// - the registries are within their bounds, and no collector's load above its share.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut anchored = 0usize;
		for (vehicle, anchors) in LatestAnchors::<T>::iter() {
			let head = Heads::<T>::get(vehicle);
			let last = anchors.last().ok_or("an empty list of anchors is kept in state")?;
			ensure!(
				last.seq.checked_add(1) == Some(head.next_seq),
				"the head follows the last anchor"
			);
			ensure!(last.observed_to == head.last_observed_to, "the head holds the last window");
			for pair in anchors.windows(2) {
				ensure!(
					pair[0].seq.checked_add(1) == Some(pair[1].seq),
					"sequence numbers are consecutive"
				);
				ensure!(pair[0].observed_to < pair[1].observed_from, "windows move forward");
			}
			for anchor in &anchors {
				ensure!(
					AnchoredCids::<T>::get(vehicle, cid_key(&anchor.cid)) == Some(anchor.seq),
					"every anchor in state is indexed by its content id"
				);
			}
			anchored = anchored.saturating_add(anchors.len());
		}
		ensure!(
			AnchoredCids::<T>::iter().count() == anchored,
			"the index holds no stale content id"
		);
		ensure!(Collectors::<T>::count() <= T::MaxCollectors::get(), "collectors within bound");
		let registered = |vehicle: VehicleId| T::Vehicles::storage_backend(vehicle).is_some();
		ensure!(
			Heads::<T>::iter_keys().all(registered)
				&& LatestAnchors::<T>::iter_keys().all(registered),
			"a retired vehicle left anchors behind"
		);
		for (_, (_, load)) in CollectorLoad::<T>::iter() {
			ensure!(
				load <= T::MaxRecordsPerCollectorPerBlock::get(),
				"no collector holds more than its share of a block"
			);
		}
		ensure!(OemSources::<T>::count() <= T::MaxOemSources::get(), "sources within bound");
		ensure!(PushFeeds::<T>::count() <= T::MaxOemSources::get(), "push feeds within bound");
		for (collector, head) in CommitmentHeads::<T>::iter() {
			let kept = u64::from(T::MaxCommitmentsKept::get());
			let first_kept = head.next_index.saturating_sub(kept);
			let mut count = 0u64;
			for (index, info) in Commitments::<T>::iter_prefix(&collector) {
				count = count.saturating_add(1);
				ensure!(
					(first_kept..head.next_index).contains(&index),
					"a commitment outside the collector's kept range"
				);
				ensure!(info.window_from <= info.window_to, "a commitment's window is ordered");
			}
			ensure!(count <= kept, "more commitments kept than the bound");
		}
		ensure!(
			Commitments::<T>::iter_keys()
				.all(|(collector, _)| CommitmentHeads::<T>::contains_key(&collector)),
			"a commitment without a head"
		);
		ensure!(
			CommitmentArchives::<T>::iter_keys()
				.all(|(collector, index)| Commitments::<T>::contains_key(&collector, index)),
			"an archive without its commitment"
		);
		ensure!(
			CommitmentBundles::<T>::iter_keys()
				.all(|(collector, index)| Commitments::<T>::contains_key(&collector, index)),
			"a bundle without its commitment"
		);
		ensure!(
			ClaimHeads::<T>::iter_keys().all(registered),
			"a retired vehicle left a claim head behind"
		);
		ensure!(
			Collectors::<T>::iter().count() == Collectors::<T>::count() as usize,
			"the collector counter is right"
		);
		Ok(())
	}
}

/// A retired vehicle's anchors go with it: its head, its latest anchors and their content ids
/// (at most [`Config::MaxAnchorsKept`] of them). Its history stays where it always was, in the
/// `Anchored` events of the blocks that anchored it.
impl<T: Config> dimo_primitives::vehicle::OnVehicleRetired for Pallet<T> {
	fn on_vehicle_retired(vehicle: VehicleId) {
		Heads::<T>::remove(vehicle);
		ClaimHeads::<T>::remove(vehicle);
		let anchors = LatestAnchors::<T>::take(vehicle);
		for anchor in anchors {
			AnchoredCids::<T>::remove(vehicle, cid_key(&anchor.cid));
		}
	}

	fn on_vehicle_retired_weight() -> Weight {
		let kept = u64::from(T::MaxAnchorsKept::get());
		T::DbWeight::get().reads_writes(1, kept.saturating_add(3))
	}
}

/// The registry of collectors, for the vehicle registry's ownership attestations: a collector
/// that governance registered (and has not removed) is trusted to attest.
impl<T: Config> dimo_primitives::ownership::CollectorRegistry<T::CollectorId> for Pallet<T> {
	fn is_registered(collector: &T::CollectorId) -> bool {
		Collectors::<T>::contains_key(collector)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn register_for_benchmarks(collector: T::CollectorId) {
		if !Collectors::<T>::contains_key(&collector) {
			let _ = Self::do_register_collector(collector);
		}
	}
}

impl<T: Config> From<ProofError> for Error<T> {
	fn from(error: ProofError) -> Self {
		match error {
			ProofError::UnknownCommitment => Error::<T>::UnknownCommitment,
			ProofError::BadProof => Error::<T>::BadProof,
			ProofError::BadWindow => Error::<T>::BadWindow,
			ProofError::OutsideCommitmentWindow => Error::<T>::OutsideCommitmentWindow,
			ProofError::MalformedCid => Error::<T>::MalformedCid,
			ProofError::ArweaveTxMismatch => Error::<T>::ArweaveTxMismatch,
			ProofError::UnknownVehicle => Error::<T>::UnknownVehicle,
			ProofError::NotConsented => Error::<T>::CollectorNotConsented,
			ProofError::ConsentForgotten => Error::<T>::ConsentForgotten,
		}
	}
}
