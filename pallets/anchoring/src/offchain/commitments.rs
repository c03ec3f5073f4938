//! Commitment mode ([`Settings::commit`]): the readings of a run go under one Merkle root,
//! logged in offchain storage ([`dimo_offchain::commitments`]) before `commit` is submitted.
//!
//! The chain's head of the collector's commitments says which index comes next. If the log
//! holds a commitment with that index, an earlier run wrote it and the chain does not hold it
//! yet (not included, or re-orged out): it is submitted again, and nothing new is polled until
//! it lands, so the log never holds two commitments for one index. A reading whose window does
//! not start after its vehicle's last committed one is left out (the OEM answered the same
//! reading again), as is one dated past the chain's tolerance, which the chain would refuse
//! with the whole commitment.
//!
//! One key, one log: a node that finds the chain's last commitment under its key missing from
//! its log (another node uses the key) stops collecting, with an error line.

use super::{
	arweave::MinedUploads, local::read_persistent, records::MAX_SUBMISSIONS, store::Stored,
	StepResult, Stop, LOG_TARGET,
};
use crate::{pallet::*, AnchorRecord, Commitment, CommittedRecord, ContentId};
use alloc::{
	collections::{BTreeMap, BTreeSet},
	format,
	vec::Vec,
};
use dimo_offchain::{
	arweave::outbox::{Upload, OUTBOX_KEY},
	commitments::{self, Committed, LoggedCommitment},
	ipfs_spool,
	settings::Settings,
};
use dimo_primitives::vehicle::{StorageBackend, VehicleId};
use frame_support::traits::Get;
use frame_system::{offchain::CreateAuthorizedTransaction, pallet_prelude::BlockNumberFor};
use sp_runtime::{offchain::storage::StorageValueRef, traits::SaturatedConversion};

impl<T: Config + CreateAuthorizedTransaction<Call<T>>> Pallet<T> {
	/// The run at block `now` in commitment mode (see the [module docs](self)).
	pub(super) fn collect_committed(
		now: BlockNumberFor<T>,
		key: T::CollectorId,
		account: &T::AccountId,
		settings: &Settings,
	) -> StepResult {
		let index = CommitmentHeads::<T>::get(account).next_index;
		Self::ensure_sole_committer(account, index)?;
		let log_key = commitments::commitment_key(index);
		if let Some(logged) = read_persistent::<LoggedCommitment>(&log_key) {
			return Self::resubmit_commitment(key, logged);
		}
		Self::ensure_spool_has_room()?;
		let uploads: Vec<Upload> = read_persistent(OUTBOX_KEY).unwrap_or_default();
		let max_leaves = T::MaxCommitmentLeaves::get();
		let mined = Self::mined_uploads(&uploads, &[], now, account, max_leaves as usize, true);
		let busy: BTreeSet<VehicleId> = mined.records.iter().map(|record| record.vehicle).collect();
		let room = (max_leaves as usize).saturating_sub(mined.records.len());
		let mut fresh = Self::poll_due(now, account, &busy, &uploads, room, max_leaves, settings);
		let run = fresh.run.take();
		let committed = Self::commit_readings(key, index, mined, fresh);
		if let Some(run) = run {
			Self::finish_run(run);
		}
		committed
	}

	/// Commits the `mined` Arweave readings (of one bundle) and those `fresh` from this run as
	/// commitment `index`, logged before it is submitted; the mined uploads then leave the
	/// outbox.
	fn commit_readings(
		key: T::CollectorId,
		index: u64,
		mined: MinedUploads,
		mut fresh: Stored,
	) -> StepResult {
		let log_key = commitments::commitment_key(index);
		let pushed = core::mem::take(&mut fresh.pushed);
		let MinedUploads { records: mined, done, bundle } = mined;
		let mined_items: BTreeSet<Option<[u8; 32]>> =
			mined.iter().filter(|_| bundle.is_some()).map(|record| record.arweave_tx).collect();
		let mut readings: Vec<AnchorRecord> = mined.into_iter().chain(fresh.records).collect();
		readings.sort_by_key(|record| (record.vehicle, record.observed_from));
		let (records, indexes) = Self::number_readings(index, readings);
		// The archive is named only if a leaf lies in it (the run's IPFS readings may all have
		// been left out).
		let archive = fresh
			.archive
			.filter(|_| records.iter().any(|record| record.backend == StorageBackend::Ipfs));
		let Some(mut logged) = LoggedCommitment::new(index, records) else {
			// Nothing to commit: the pushed readings taken were dropped or committed already.
			Self::release_pushed(&pushed.segments, &pushed.jobs);
			return Self::remove_uploads(&done);
		};
		logged.submissions = 1;
		logged.archive = archive.map(|root| root.to_vec());
		// The bundle likewise, if one of its items is a leaf (each of its records names its
		// item; one named already, by an earlier commitment, is left out above).
		logged.arweave_bundle = bundle.filter(|_| {
			logged.records.iter().any(|record| {
				record.backend == StorageBackend::Arweave
					&& mined_items.contains(&record.arweave_tx)
			})
		});
		// The log is written before the submission: a crash after these lines loses nothing,
		// the next run submits it again.
		StorageValueRef::persistent(&log_key).set(&logged);
		for (vehicle, vehicle_index) in &indexes {
			StorageValueRef::persistent(&commitments::vehicle_key(*vehicle)).set(vehicle_index);
		}
		// Logged: the pushed segments whose readings are all in it (or dropped) may go.
		Self::release_pushed(&pushed.segments, &pushed.jobs);
		if let Some(expired) = index.checked_sub(commitments::MAX_COMMITMENTS_LOGGED) {
			StorageValueRef::persistent(&commitments::commitment_key(expired)).clear();
		}
		if let Err(stop) = Self::remove_uploads(&done) {
			stop.log();
		}
		Self::submit_commitment(key, &logged)
	}

	/// A stop, and nothing polled, while the IPFS spool is full: the node's importer has not
	/// taken the archives of the last runs into IPFS yet (IPFS down, or slower than the
	/// collector reads). The collector is behind and says so each run, rather than holding
	/// more readings than the spool's bounds.
	fn ensure_spool_has_room() -> StepResult {
		let spool: Vec<ipfs_spool::Spooled> =
			read_persistent(ipfs_spool::SPOOL_KEY).unwrap_or_default();
		if !ipfs_spool::is_full(&spool) {
			return Ok(());
		}
		let oldest = ipfs_spool::oldest_spooled_at(&spool).unwrap_or_default();
		let waited_s =
			sp_io::offchain::timestamp().unix_millis().saturating_sub(oldest).saturating_div(1_000);
		Err(Stop::warn(format!(
			"behind: {} archives ({} readings, {} KiB) wait for the node's IPFS import, the \
			 oldest for {waited_s} s; no vehicle polled until IPFS takes them",
			spool.len(),
			ipfs_spool::spooled_readings(&spool),
			ipfs_spool::spooled_bytes(&spool).saturating_div(1024),
		)))
	}

	/// A stop if the chain holds this collector's latest commitment (index `next_index - 1`)
	/// and this node's log does not, or logs another root: another node commits under the
	/// same key (or this node lost its log), and two logs behind one head diverge, so the
	/// proofs of one of them would lead nowhere. Nothing is collected until the operator
	/// leaves the key on one node only.
	fn ensure_sole_committer(account: &T::AccountId, next_index: u64) -> StepResult {
		let Some(last) = next_index.checked_sub(1) else { return Ok(()) };
		let Some(on_chain) = Commitments::<T>::get(account, last) else { return Ok(()) };
		let logged = read_persistent::<LoggedCommitment>(&commitments::commitment_key(last));
		match logged {
			Some(logged) if logged.root() == on_chain.root => Ok(()),
			logged => Err(Stop::error(format!(
				"the chain holds commitment {last} of this node's collector key, which this \
				 node's log {}: another node commits with the same key (or this node's offchain \
				 storage was lost); collection stopped until the key is on one node only",
				if logged.is_some() { "holds with another root" } else { "does not hold" }
			))),
		}
	}

	/// Submits again the commitment that an earlier run logged and the chain lacks.
	fn resubmit_commitment(key: T::CollectorId, mut logged: LoggedCommitment) -> StepResult {
		logged.submissions = logged.submissions.saturating_add(1);
		if logged.submissions.is_multiple_of(MAX_SUBMISSIONS) {
			Stop::error(format!(
				"commitment {}: submitted {} times and not on chain yet",
				logged.index, logged.submissions
			))
			.log();
		}
		StorageValueRef::persistent(&commitments::commitment_key(logged.index)).set(&logged);
		Self::submit_commitment(key, &logged)
	}

	/// The records of commitment `index`: `readings` (sorted by vehicle and time) numbered in
	/// each vehicle's sequence, those committed already or dated past the chain's clock left
	/// out; with each vehicle's index of its committed readings, updated.
	fn number_readings(
		index: u64,
		readings: Vec<AnchorRecord>,
	) -> (Vec<CommittedRecord>, BTreeMap<VehicleId, Vec<Committed>>) {
		let latest_end = Self::latest_window_end();
		let mut indexes: BTreeMap<VehicleId, Vec<Committed>> = BTreeMap::new();
		let mut records = Vec::with_capacity(readings.len());
		for reading in readings {
			let vehicle = reading.vehicle;
			let vehicle_index = indexes.entry(vehicle).or_insert_with(|| {
				read_persistent(&commitments::vehicle_key(vehicle)).unwrap_or_default()
			});
			let (seq, last_to) = commitments::vehicle_head(vehicle_index);
			if last_to.is_some_and(|to| reading.observed_from <= to) {
				log::debug!(
					target: LOG_TARGET,
					"vehicle {vehicle}: the reading of {} is committed already",
					reading.observed_to
				);
				continue;
			}
			if reading.observed_to > latest_end {
				log::warn!(
					target: LOG_TARGET,
					"vehicle {vehicle}: the OEM dates a reading at {}, past the chain's clock; \
					 not committed",
					reading.observed_to
				);
				continue;
			}
			let Ok(cid) = reading.cid.into_inner().try_into() else { continue };
			commitments::push_entry(
				vehicle_index,
				Committed {
					seq,
					commitment: index,
					leaf: records.len().saturated_into(),
					observed_to: reading.observed_to,
				},
			);
			records.push(CommittedRecord {
				vehicle,
				seq,
				cid,
				size: reading.size,
				backend: reading.backend,
				arweave_tx: reading.arweave_tx,
				observed_from: reading.observed_from,
				observed_to: reading.observed_to,
			});
		}
		(records, indexes)
	}

	/// Signs the commitment to `logged` with `key` and submits it.
	fn submit_commitment(key: T::CollectorId, logged: &LoggedCommitment) -> StepResult {
		let count = logged.records.len();
		let archive = match &logged.archive {
			Some(root) => Some(ContentId::try_from(root.clone()).map_err(|_| {
				Stop::error(format!("commitment {}: its archive's CID is too long", logged.index))
			})?),
			None => None,
		};
		let commitment = Commitment {
			collector: key.clone(),
			index: logged.index,
			root: logged.root(),
			leaf_count: count.saturated_into(),
			window_from: logged.window_from,
			window_to: logged.window_to,
			archive,
			arweave_bundle: logged.arweave_bundle,
		};
		let payload = commitment.signing_payload(&Self::genesis_hash());
		Self::sign_and_submit(
			&key,
			&payload,
			|signature| Call::commit { commitment, signature },
			"commitment",
		)?;
		log::info!(target: LOG_TARGET, "submitted commitment {} ({count} readings)", logged.index);
		Ok(())
	}
}
