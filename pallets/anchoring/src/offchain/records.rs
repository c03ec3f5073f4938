//! Per-record anchoring (the default mode): each reading is one record of an anchor batch.
//!
//! The work queue ([`PENDING_KEY`]) holds the records built by earlier runs that the chain has
//! not anchored yet; it is written before each submission, so a crash loses nothing and the
//! chain, which refuses a window it holds already, anchors each record once.

use super::{local::read_persistent, StepResult, Stop};
use crate::{pallet::*, AnchorRecord};
use alloc::{collections::BTreeSet, format, vec::Vec};
use codec::{Decode, Encode};
use dimo_offchain::{
	arweave::outbox::{Upload, OUTBOX_KEY},
	settings::Settings,
};
use dimo_primitives::vehicle::VehicleId;
use frame_support::traits::Get;
use frame_system::{offchain::CreateAuthorizedTransaction, pallet_prelude::BlockNumberFor};
use sp_runtime::offchain::storage::StorageValueRef;

/// The offchain-storage key of the work queue: a SCALE `Vec<`[`PendingRecord`]`>`.
pub const PENDING_KEY: &[u8] = b"dimo/collector/pending";

/// A queued record is submitted at most this many times, then dropped with an error line.
pub const MAX_SUBMISSIONS: u32 = 20;

/// A record built by a run and not yet seen on chain.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct PendingRecord {
	/// The record, as submitted.
	pub record: AnchorRecord,
	/// How many times it was submitted.
	pub submissions: u32,
}

impl PendingRecord {
	fn new(record: AnchorRecord) -> Self {
		Self { record, submissions: 0 }
	}
}

impl<T: Config + CreateAuthorizedTransaction<Call<T>>> Pallet<T> {
	/// The run at block `now` in per-record mode: the queue that the chain still lacks, the
	/// Arweave readings now mined, and the fresh readings of the due vehicles that have nothing
	/// queued, submitted as one batch after the queue is written.
	pub(super) fn collect_records(
		now: BlockNumberFor<T>,
		key: T::CollectorId,
		account: &T::AccountId,
		settings: &Settings,
	) -> StepResult {
		let queued: Vec<PendingRecord> = read_persistent(PENDING_KEY).unwrap_or_default();
		let had_queue = !queued.is_empty();
		let mut queue = Self::still_pending(queued, now, account);
		// Arweave readings now mined join the queue; `done` leaves the outbox once it is written.
		let uploads: Vec<Upload> = read_persistent(OUTBOX_KEY).unwrap_or_default();
		let room = (T::MaxBatchRecords::get() as usize).saturating_sub(queue.len());
		let mined = Self::mined_uploads(&uploads, &queue, now, account, room, false);
		let done = mined.done;
		queue.extend(mined.records.into_iter().map(PendingRecord::new));
		let busy: BTreeSet<VehicleId> = queue.iter().map(|p| p.record.vehicle).collect();
		let max_records = T::MaxBatchRecords::get();
		let room = (max_records as usize).saturating_sub(queue.len());
		let fresh = Self::poll_due(now, account, &busy, &uploads, room, max_records, settings);
		queue.extend(fresh.records.into_iter().map(PendingRecord::new));
		let submitted = Self::submit_queue(key, queue, had_queue, done);
		if let Some(run) = fresh.run {
			Self::finish_run(run);
		}
		submitted
	}

	/// Writes the work `queue` and submits it as one batch; the `done` uploads then leave the
	/// outbox. An empty queue is cleared if the run found one (`had_queue`).
	fn submit_queue(
		key: T::CollectorId,
		mut queue: Vec<PendingRecord>,
		had_queue: bool,
		done: Vec<Upload>,
	) -> StepResult {
		if queue.is_empty() {
			if had_queue {
				StorageValueRef::persistent(PENDING_KEY).clear();
			}
			return Self::remove_uploads(&done);
		}
		queue.sort_by_key(|pending| pending.record.vehicle);
		for pending in queue.iter_mut() {
			pending.submissions = pending.submissions.saturating_add(1);
		}
		// The queue is written before the submission: a crash after this line loses nothing.
		StorageValueRef::persistent(PENDING_KEY).set(&queue);
		// And before the mined uploads leave the outbox: a crash between the two leaves an
		// upload in both, which `mined_uploads` drops once the chain holds its anchor. A
		// failed removal is retried by the next run; the batch goes out anyway.
		if let Err(stop) = Self::remove_uploads(&done) {
			stop.log();
		}
		Self::submit_batch(key, queue.into_iter().map(|pending| pending.record).collect())
	}

	/// The `queued` records that the chain does not hold yet and may still take; why each of
	/// the others left is logged.
	fn still_pending(
		queued: Vec<PendingRecord>,
		now: BlockNumberFor<T>,
		account: &T::AccountId,
	) -> Vec<PendingRecord> {
		queued
			.into_iter()
			.filter(|pending| match Self::still_anchorable(pending, now, account) {
				Ok(()) => true,
				Err(Some(stop)) => {
					stop.log();
					false
				},
				Err(None) => false,
			})
			.collect()
	}

	/// `Ok` if the chain may still take `pending`; `Err(None)` if it holds it already;
	/// `Err(Some(stop))` if it will never take it, and why.
	fn still_anchorable(
		pending: &PendingRecord,
		now: BlockNumberFor<T>,
		account: &T::AccountId,
	) -> Result<(), Option<Stop>> {
		let record = &pending.record;
		let vehicle = record.vehicle;
		if let Some(last_to) = Self::anchored_past(vehicle, record.observed_from) {
			// Anchored, if the vehicle's anchors hold its content id; otherwise a later window
			// was anchored first (by another collector, or dated ahead): say so, the reading is
			// lost to the chain.
			let cid_key = crate::functions::cid_key(&record.cid);
			if AnchoredCids::<T>::contains_key(vehicle, cid_key) {
				return Err(None);
			}
			return Err(Some(Stop::warn(format!(
				"vehicle {vehicle}: dropping a reading observed at {} that was never anchored: \
				 the chain holds a window up to {last_to} already",
				record.observed_to
			))));
		}
		if pending.submissions >= MAX_SUBMISSIONS {
			return Err(Some(Stop::error(format!(
				"vehicle {vehicle}: dropping a reading that the chain refused {} times",
				pending.submissions
			))));
		}
		if !Self::consents_onto(vehicle, account, now, record.backend) {
			return Err(Some(Stop::warn(format!(
				"vehicle {vehicle}: the owner withdrew consent; dropping its unanchored reading"
			))));
		}
		Ok(())
	}
}
