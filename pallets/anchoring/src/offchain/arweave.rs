//! The Arweave outbox ([`dimo_offchain::arweave::outbox`]) as the worker sees it: it queues
//! the envelopes of Arweave vehicles' readings for the node's uploader, anchors those the
//! gateway reports mined (of each vehicle the oldest first: [`outbox::anchorable`](dimo_offchain::arweave::outbox::anchorable), so that an
//! Arweave anchor always names data that any gateway serves), and drops those of vehicles
//! whose owner withdrew consent or left Arweave.
//!
//! The node's uploader writes the outbox too (posted, mined), so every write here is a
//! compare-and-set, retried a few times.

use super::{StepResult, Stop, LOG_TARGET};
use crate::{pallet::*, AnchorRecord, ContentId};
use alloc::{
	collections::{BTreeMap, BTreeSet},
	format,
	vec::Vec,
};
use dimo_offchain::arweave::outbox::{self, Upload, OUTBOX_KEY};
use dimo_primitives::vehicle::{StorageBackend, VehicleId};
use frame_system::{offchain::CreateAuthorizedTransaction, pallet_prelude::BlockNumberFor};
use sp_runtime::offchain::storage::{MutateStorageError, StorageRetrievalError, StorageValueRef};

use super::records::PendingRecord;

/// What [`Pallet::mined_uploads`] found.
#[derive(Default)]
pub(super) struct MinedUploads {
	/// The anchor records of the mined uploads to anchor now.
	pub records: Vec<AnchorRecord>,
	/// The uploads to remove from the outbox once the records are queued or logged.
	pub done: Vec<Upload>,
	/// The bundle whose records these are, when one bundle was asked for and one found.
	pub bundle: Option<[u8; 32]>,
}

/// How many times a write of the Arweave outbox is tried when the node's uploader wrote it
/// meanwhile.
const OUTBOX_WRITE_TRIES: u32 = 5;

/// Changes the Arweave outbox with `change` (compare-and-set, retried when the node's uploader
/// wrote it meanwhile). A stop if `change` refused (`refused` says why), the outbox does not
/// decode (left as it is) or the writes kept colliding.
fn mutate_outbox<R>(
	mut change: impl FnMut(&mut Vec<Upload>) -> Option<R>,
	refused: impl Fn() -> Stop,
) -> StepResult<R> {
	for _ in 0..OUTBOX_WRITE_TRIES {
		let mut answer = None;
		let written = StorageValueRef::persistent(OUTBOX_KEY).mutate(
			|held: Result<Option<Vec<Upload>>, StorageRetrievalError>| {
				let mut uploads = held.map_err(|_| ())?.unwrap_or_default();
				answer = Some(change(&mut uploads).ok_or(())?);
				Ok::<_, ()>(uploads)
			},
		);
		match (written, answer) {
			(Ok(_), Some(answer)) => return Ok(answer),
			(Err(MutateStorageError::ConcurrentModification(_)), _) => continue,
			_ => return Err(refused()),
		}
	}
	Err(Stop::warn("the Arweave outbox kept changing under this run's write"))
}

impl<T: Config + CreateAuthorizedTransaction<Call<T>>> Pallet<T> {
	/// The anchor records of the Arweave uploads that are mined and due (of each vehicle its
	/// oldest, [`outbox::anchorable`](dimo_offchain::arweave::outbox::anchorable), unless the queue holds one of the vehicle's records
	/// already), and the uploads to remove from the outbox: those, those the chain holds
	/// already, and every upload of a vehicle that no longer consents to this collector or
	/// chose another backend (a queued one is then never posted).
	///
	/// At most `room` records. With `one_bundle` (a commitment names one bundle), the records
	/// mined in a bundle are those of one bundle only, the one with the most records due, which
	/// is returned too; the others wait for a later run.
	pub(super) fn mined_uploads(
		uploads: &[Upload],
		queue: &[PendingRecord],
		now: BlockNumberFor<T>,
		account: &T::AccountId,
		room: usize,
		one_bundle: bool,
	) -> MinedUploads {
		let mut mined = MinedUploads::default();
		let MinedUploads { records, done, bundle: chosen } = &mut mined;
		if uploads.is_empty() {
			return mined;
		}
		let vehicles: BTreeSet<VehicleId> = uploads.iter().map(|upload| upload.vehicle).collect();
		let withdrawn: BTreeSet<VehicleId> = vehicles
			.into_iter()
			.filter(|vehicle| {
				let consents = Self::consents_onto(*vehicle, account, now, StorageBackend::Arweave);
				if !consents {
					log::warn!(
						target: LOG_TARGET,
						"vehicle {vehicle}: the owner withdrew consent or left Arweave; dropping \
						 its readings waiting for Arweave"
					);
				}
				!consents
			})
			.collect();
		done.extend(uploads.iter().filter(|upload| withdrawn.contains(&upload.vehicle)).cloned());
		let busy: BTreeSet<VehicleId> = queue.iter().map(|p| p.record.vehicle).collect();
		let mut room = room;
		let anchorable = outbox::anchorable(uploads);
		if one_bundle {
			let mut due: BTreeMap<[u8; 32], usize> = BTreeMap::new();
			for upload in &anchorable {
				if let Some(bundle) = upload.mined_bundle() {
					let count = due.entry(bundle).or_default();
					*count = count.saturating_add(1);
				}
			}
			// The most records; of equals, the lowest id (any fixed rule will do).
			*chosen = due
				.into_iter()
				.max_by(|(one, many), (other, more)| many.cmp(more).then_with(|| other.cmp(one)))
				.map(|(bundle, _)| bundle);
		}
		for upload in anchorable {
			let vehicle = upload.vehicle;
			if withdrawn.contains(&vehicle) || busy.contains(&vehicle) {
				continue;
			}
			if Self::anchored_past(vehicle, upload.observed_from).is_some() {
				// Anchored by a run that crashed before removing it.
				done.push(upload.clone());
				continue;
			}
			let (Some(id), Ok(cid)) = (upload.mined_id(), ContentId::try_from(upload.cid.clone()))
			else {
				done.push(upload.clone());
				continue;
			};
			if room == 0 {
				break;
			}
			if one_bundle && upload.mined_bundle().is_some_and(|bundle| Some(bundle) != *chosen) {
				continue;
			}
			room -= 1;
			log::info!(
				target: LOG_TARGET,
				"vehicle {vehicle}: reading of {} mined on Arweave; anchoring it",
				upload.observed_to
			);
			records.push(AnchorRecord {
				vehicle,
				cid,
				size: upload.size,
				backend: StorageBackend::Arweave,
				arweave_tx: Some(id),
				observed_from: upload.observed_from,
				observed_to: upload.observed_to,
			});
			done.push(upload.clone());
		}
		mined
	}

	/// Removes `done` from the Arweave outbox, with their envelopes.
	pub(super) fn remove_uploads(done: &[Upload]) -> StepResult {
		if done.is_empty() {
			return Ok(());
		}
		mutate_outbox(
			|uploads| {
				uploads.retain(|held| !done.iter().any(|gone| gone.same_reading(held)));
				Some(())
			},
			|| Stop::warn("the Arweave outbox does not decode; nothing removed from it"),
		)?;
		for upload in done {
			StorageValueRef::persistent(&upload.envelope_key()).clear();
		}
		Ok(())
	}

	/// Puts the envelope of an Arweave vehicle's reading, `anchor`, into the outbox for the
	/// node's uploader; a stop if it is held already or the outbox has no room for it. `held`
	/// is the outbox as this run read it.
	pub(super) fn queue_upload(
		anchor: &AnchorRecord,
		envelope: &[u8],
		held: &[Upload],
	) -> StepResult {
		let vehicle = anchor.vehicle;
		let upload = Upload::new(
			vehicle,
			anchor.observed_from,
			anchor.observed_to,
			anchor.cid.to_vec(),
			anchor.size,
		);
		// Only this worker adds, under its lock, so the run's copy has every reading held: one
		// held already is not replaced (its envelope would no longer match the CID it holds).
		if held.iter().any(|other| other.same_reading(&upload)) {
			return Err(Stop::debug(format!(
				"vehicle {vehicle}: its reading of {} waits for Arweave already",
				anchor.observed_to
			)));
		}
		// The envelope first: the uploader never finds an upload without it.
		let envelope_key = upload.envelope_key();
		let mut envelope_ref = StorageValueRef::persistent(&envelope_key);
		envelope_ref.set(&envelope.to_vec());
		let added = mutate_outbox(
			|uploads| outbox::add(uploads, upload.clone()).ok(),
			|| {
				Stop::warn(format!(
					"vehicle {vehicle}: the Arweave outbox has no room for its reading; polled \
					 again later"
				))
			},
		);
		if let Err(stop) = added {
			envelope_ref.clear();
			return Err(stop);
		}
		log::info!(
			target: LOG_TARGET,
			"vehicle {vehicle}: reading of {} queued for Arweave ({} bytes)",
			anchor.observed_to,
			anchor.size
		);
		Ok(())
	}
}
