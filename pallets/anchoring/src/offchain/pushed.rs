//! Pushed readings: what the node's receivers wrote to the push inbox
//! ([`dimo_offchain::push_inbox`]), taken by a commitment-mode run into the path of polled
//! readings.
//!
//! A run takes the oldest segments that fit beside its polled readings, and names each
//! reading's vehicle by the chain: the OEM's push feed must be registered, the carmaker's id
//! of the car must hash to a registered vehicle's `oem_ref_hash` of that OEM, and the vehicle
//! must consent to this collector at this block. A reading that fails a rule is dropped and
//! counted (one log line a run), never stored; so is one that makes no record (a signal name
//! the record format does not take, a reading too large for an envelope), with a warning
//! each. The others are sealed and stored like polled
//! readings, dated by the OEM's observation time; the commitment then leaves out a reading
//! whose vehicle has a later one committed (a resend) or that is dated past the chain's clock.
//!
//! A segment leaves the inbox only after the commitment that holds its readings was logged
//! ([`Pallet::release_pushed`]). If one of its readings could not be stored this run (the
//! Arweave outbox of its vehicle full, a seal that failed), the segment stays, and the
//! vehicle's later readings of this run are held back with it: the next run takes the segment
//! again, stores what was held, and leaves out as committed what this run committed. So a
//! vehicle's pushed readings reach the chain in order, and each once.

use super::{local::read_persistent, Stop, LOG_TARGET};
use crate::pallet::*;
use alloc::{collections::BTreeMap, format, vec::Vec};
use codec::Decode;
use dimo_offchain::{
	arweave::outbox::{self, Upload},
	oem::Signals,
	push_inbox::{self, Inbox, PushedReading},
};
use dimo_primitives::{
	oem::OemApi,
	vehicle::{ConsentProvider, OemId, StorageBackend, VehicleId, VehicleRegistry},
};
use frame_system::{offchain::CreateAuthorizedTransaction, pallet_prelude::BlockNumberFor};
use sp_runtime::offchain::{
	storage::{StorageRetrievalError, StorageValueRef},
	StorageKind,
};

/// One pushed reading on its way to a commitment.
pub(super) struct PushedJob {
	/// The segment it came from.
	pub segment: u64,
	/// Its vehicle, as the chain names it.
	pub vehicle: VehicleId,
	/// Where the owner lets its data be stored.
	pub backend: StorageBackend,
	/// The adapter that read its signals: the record's `oem`.
	pub api: OemApi,
	/// When the car observed it (Unix ms).
	pub observed_at: u64,
	/// Its signals, until sealed.
	pub signals: Option<Signals>,
	/// The message as the OEM sent it, if kept.
	pub raw: Option<Vec<u8>>,
	/// Whether it could not be stored this run: its segment stays in the inbox.
	pub failed: bool,
}

impl PushedJob {
	/// Gives up on storing this reading in this run: `stop` says why. Its segment stays.
	pub(super) fn fail(&mut self, stop: Stop) {
		stop.log();
		self.failed = true;
	}
}

/// What a run took from the push inbox.
#[derive(Default)]
pub(super) struct TakenPushes {
	/// The readings to store, by vehicle and observation time.
	pub jobs: Vec<PushedJob>,
	/// The segments taken, to release once the commitment is logged.
	pub segments: Vec<u64>,
}

/// Why pushed readings were dropped in one run, counted for its log line.
#[derive(Default)]
struct Dropped {
	no_feed: u32,
	unregistered: u32,
	not_consented: u32,
	malformed: u32,
}

/// Why a rule drops a pushed reading.
#[derive(Clone, Copy)]
enum DropReason {
	NoFeed,
	Unregistered,
	NotConsented,
	Malformed,
}

/// What the chain says of the OEMs and cars of one run's pushed readings, each asked once: a
/// feed brings many readings of one car in a block.
#[derive(Default)]
struct Lookups {
	/// The adapter of each OEM's push feed, `None` without one.
	apis: BTreeMap<OemId, Option<OemApi>>,
	/// Each car (OEM, carmaker's id): its vehicle and backend, or why its readings are dropped.
	cars: BTreeMap<(OemId, Vec<u8>), Result<(VehicleId, StorageBackend), DropReason>>,
}

impl Dropped {
	fn count(&mut self, reason: DropReason) {
		let counter = match reason {
			DropReason::NoFeed => &mut self.no_feed,
			DropReason::Unregistered => &mut self.unregistered,
			DropReason::NotConsented => &mut self.not_consented,
			DropReason::Malformed => &mut self.malformed,
		};
		*counter = counter.saturating_add(1);
	}

	fn total(&self) -> u32 {
		self.no_feed
			.saturating_add(self.unregistered)
			.saturating_add(self.not_consented)
			.saturating_add(self.malformed)
	}
}

impl<T: Config + CreateAuthorizedTransaction<Call<T>>> Pallet<T> {
	/// Takes the oldest segments of the push inbox whose readings add up to at most `room`,
	/// and checks each reading into a job (see the [module docs](self)).
	pub(super) fn take_pushed(
		now: BlockNumberFor<T>,
		account: &T::AccountId,
		room: usize,
		uploads: &[Upload],
	) -> TakenPushes {
		let inbox: Inbox = read_persistent(push_inbox::INBOX_KEY).unwrap_or_default();
		let mut taken = TakenPushes::default();
		let mut dropped = Dropped::default();
		let mut lookups = Lookups::default();
		let mut readings_taken: u32 = 0;
		for segment in inbox.take(room) {
			taken.segments.push(segment.seq);
			let key = push_inbox::segment_key(segment.seq);
			let bytes = sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &key);
			let Some(readings) =
				bytes.and_then(|bytes| Vec::<PushedReading>::decode(&mut &bytes[..]).ok())
			else {
				log::error!(
					target: LOG_TARGET,
					"push inbox: segment {} is listed but missing or does not decode; dropped",
					segment.seq
				);
				continue;
			};
			for reading in readings {
				readings_taken = readings_taken.saturating_add(1);
				match Self::pushed_job(segment.seq, reading, now, account, uploads, &mut lookups) {
					Ok(job) => taken.jobs.push(job),
					Err(reason) => dropped.count(reason),
				}
			}
		}
		taken.jobs.sort_by_key(|job| (job.vehicle, job.observed_at));
		if readings_taken > 0 {
			log::info!(
				target: LOG_TARGET,
				"push inbox: took {readings_taken} readings in {} segments; {} to store, {} \
				 dropped (no push feed {}, unregistered car {}, no consent {}, malformed {})",
				taken.segments.len(),
				taken.jobs.len(),
				dropped.total(),
				dropped.no_feed,
				dropped.unregistered,
				dropped.not_consented,
				dropped.malformed,
			);
		}
		taken
	}

	/// Per-record mode takes no pushed readings: warns, once a run, if some wait in the inbox.
	pub(super) fn warn_if_pushed_waiting() {
		let inbox: Inbox = read_persistent(push_inbox::INBOX_KEY).unwrap_or_default();
		if !inbox.segments.is_empty() {
			log::warn!(
				target: LOG_TARGET,
				"push inbox: {} pushed readings wait, and this collector anchors one record per \
				 reading; run it with --collector-anchor commitments to commit them",
				inbox.readings()
			);
		}
	}

	/// The job of `reading`, or why a rule drops it.
	fn pushed_job(
		segment: u64,
		reading: PushedReading,
		now: BlockNumberFor<T>,
		account: &T::AccountId,
		uploads: &[Upload],
		lookups: &mut Lookups,
	) -> Result<PushedJob, DropReason> {
		if reading.oem_ref.is_empty() || reading.oem_ref.len() > push_inbox::MAX_OEM_REF_LEN {
			return Err(DropReason::Malformed);
		}
		let oem = reading.oem;
		let api = (*lookups.apis.entry(oem).or_insert_with(|| {
			PushFeeds::<T>::get(oem).map(|feed| match feed {
				crate::PushFeed::Mqtt { api, .. } | crate::PushFeed::Kafka { api, .. } => api,
				crate::PushFeed::FleetTelemetry { .. } => OemApi::Tesla,
			})
		}))
		.ok_or(DropReason::NoFeed)?;
		let (vehicle, backend) = *lookups
			.cars
			.entry((oem, reading.oem_ref.clone()))
			.or_insert_with(|| Self::pushed_car(oem, &reading.oem_ref, now, account))
			.as_ref()
			.map_err(|reason| *reason)?;
		let mut job = PushedJob {
			segment,
			vehicle,
			backend,
			api,
			observed_at: reading.observed_at_ms,
			signals: Some(reading.signals),
			raw: reading.raw,
			failed: false,
		};
		if backend == StorageBackend::Arweave && !outbox::has_room_for(uploads, vehicle) {
			job.fail(Stop::debug(format!(
				"vehicle {vehicle}: its pushed reading waits for Arweave; kept in the push inbox"
			)));
		}
		Ok(job)
	}

	/// The vehicle registered as OEM `oem`'s car `oem_ref` and its backend, if it consents to
	/// this collector at `now`; else why its readings are dropped.
	fn pushed_car(
		oem: OemId,
		oem_ref: &[u8],
		now: BlockNumberFor<T>,
		account: &T::AccountId,
	) -> Result<(VehicleId, StorageBackend), DropReason> {
		let hash = dimo_primitives::commitment::H256(sp_io::hashing::blake2_256(oem_ref));
		let vehicle =
			T::Vehicles::vehicle_by_reference(oem, hash).ok_or(DropReason::Unregistered)?;
		if !T::Vehicles::may_collect(vehicle, account, now) {
			return Err(DropReason::NotConsented);
		}
		let backend = T::Vehicles::storage_backend(vehicle).ok_or(DropReason::Unregistered)?;
		Ok((vehicle, backend))
	}

	/// Removes from the push inbox the `segments` a run took whose readings all went to the
	/// logged commitment or were dropped by a rule, and clears their bytes; the others stay
	/// (compare-and-set: the node's receivers add segments meanwhile).
	pub(super) fn release_pushed(segments: &[u64], jobs: &[PushedJob]) {
		let done: Vec<u64> = segments
			.iter()
			.copied()
			.filter(|seq| !jobs.iter().any(|job| job.failed && job.segment == *seq))
			.collect();
		if done.is_empty() {
			return;
		}
		let released = StorageValueRef::persistent(push_inbox::INBOX_KEY).mutate(
			|held: Result<Option<Inbox>, StorageRetrievalError>| {
				let mut inbox = held.map_err(|_| ())?.unwrap_or_default();
				inbox.remove(&done);
				Ok::<_, ()>(inbox)
			},
		);
		if released.is_err() {
			// Left listed: the next run takes the segments again, and finds their readings
			// committed already.
			log::error!(target: LOG_TARGET, "push inbox: its list does not decode or kept changing");
			return;
		}
		for seq in done {
			sp_io::offchain::local_storage_clear(
				StorageKind::PERSISTENT,
				&push_inbox::segment_key(seq),
			);
		}
	}
}

/// Holds back, in `jobs` (sorted by vehicle and observation time), every reading of a vehicle
/// after its first that could not be stored: each is marked failed too, so that its segment
/// stays in the inbox. A vehicle's readings thus reach the chain in order.
pub(super) fn hold_back(jobs: &mut [PushedJob]) {
	let mut held: Option<VehicleId> = None;
	for job in jobs {
		if held == Some(job.vehicle) {
			job.failed = true;
		} else if job.failed {
			held = Some(job.vehicle);
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn job(vehicle: VehicleId, observed_at: u64, failed: bool) -> PushedJob {
		PushedJob {
			segment: 0,
			vehicle,
			backend: StorageBackend::Local,
			api: OemApi::Tesla,
			observed_at,
			signals: None,
			raw: None,
			failed,
		}
	}

	#[test]
	fn a_failed_reading_holds_back_its_vehicles_later_readings_only() {
		let mut jobs = [
			job(1, 10, false),
			job(1, 20, true),
			job(1, 30, false),
			job(2, 10, false),
			job(3, 10, true),
			job(4, 5, false),
		];
		hold_back(&mut jobs);
		assert_eq!(
			jobs.iter().map(|job| job.failed).collect::<Vec<_>>(),
			[false, true, true, false, true, false]
		);
	}
}
