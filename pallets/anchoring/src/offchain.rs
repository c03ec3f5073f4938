//! The collector's offchain worker: polls the OEM APIs with the owners' credentials, stores
//! each reading, and anchors the readings' content ids in one authorized batch.
//!
//! It runs on every imported block of a node whose keystore holds a registered collector key
//! (key type `dcol`), and does nothing on other nodes. One run:
//!
//! 1. takes the collector's lock in offchain storage ([`LOCK_KEY`]), so that two runs (two
//!    blocks imported in quick succession) never poll the same vehicles;
//! 2. reads the work queue ([`PENDING_KEY`]): records built by earlier runs that the chain has
//!    not anchored yet. Those the chain now holds (its [`Heads`] moved past them) are done; one
//!    that its head moved past without anchoring it is dropped with a warning; the others are
//!    submitted again. A vehicle with a pending record is not polled, so its
//!    readings reach the chain in order;
//! 3. picks the due vehicles ([`dimo_offchain::schedule`]) among those it holds credentials for
//!    ([`dimo_offchain::credentials`]), that consent to this collector at this block, whose OEM
//!    has a registered source on a host that the operator listed (no other host is ever
//!    contacted), and whose credentials name the car the registry holds (the OEM, and the
//!    blake2-256 of the OEM's id of the car);
//! 4. refreshes the access tokens that expire within a minute, and writes the new tokens back
//!    to offchain storage; then asks every due vehicle's OEM for data, all requests in flight
//!    at once, under one deadline, reading at most the operator's maximum of each answer
//!    (a larger one fails that vehicle only). HTTPS goes through the node's client, which
//!    checks the certificate chain against the system trust store;
//! 5. builds each reading's canonical record ([`dimo_offchain::record`]) and seals it in an
//!    envelope ([`dimo_offchain::envelope`]) under the vehicle's content key, made or rotated
//!    here: a new key whenever someone who could read the vehicle's data ([`Config::Readers`])
//!    no longer can, none once the collector's consent ends. The envelope's CID is what is
//!    anchored; for the vehicles that chose IPFS the envelope is added to the node's IPFS and
//!    the CID that IPFS returns checked against its own; for those that chose Arweave it goes
//!    to the Arweave outbox ([`dimo_offchain::arweave::outbox`]), from which the node's
//!    uploader posts it as an Arweave transaction. Each reading stored (IPFS), queued for
//!    Arweave or anchored only (`Local`) is kept, sealed, in the node's store of recent
//!    readings ([`dimo_offchain::readings`]) from which the gateway serves owners and grantees;
//! 6. adds to the work queue, with the transaction id, each Arweave reading that the gateway
//!    reports mined (of each vehicle the oldest first: [`outbox::anchorable`]), so that an
//!    Arweave anchor always names data that any gateway serves;
//! 7. writes the records to the work queue *before* submitting them (and only then removes the
//!    mined uploads from the outbox), then signs the batch with the collector key and submits
//!    it as an authorized transaction.
//!
//! A crash anywhere leaves either no record (the vehicle is polled again) or a queued record
//! (submitted again by the next run); the chain refuses a window it already holds
//! ([`Error::StaleWindow`]), so a record can be submitted any number of times and anchored once.
//! A re-org that drops an anchor leaves its record in the queue until the chain holds it. An
//! Arweave reading the gateway refuses (no balance, gateway down) stays in the outbox and holds
//! back its vehicle's later readings, of which the outbox takes at most
//! [`outbox::MAX_UPLOADS_PER_VEHICLE`]: nothing of the vehicle is anchored until it is mined.
//!
//! Credentials never leave the node: tokens go only into the OEM's request headers and form
//! bodies, to hosts that governance registered *and* the operator listed
//! ([`dimo_offchain::settings`]); they are sealed at rest ([`dimo_offchain::seal`]) under a key
//! from the node's keystore; and the log lines name vehicles, OEMs and hosts, never tokens.

use crate::{
	pallet::*, AnchorBatch, AnchorRecord, Commitment, CommittedRecord, ContentId, OemSource,
};
use alloc::{
	collections::{BTreeMap, BTreeSet},
	format,
	string::String,
	vec,
	vec::Vec,
};
use codec::{Decode, Encode};
use dimo_offchain::{
	arweave::outbox::{self, Upload, OUTBOX_KEY},
	cid::Cid,
	commitments::{self, Committed, LoggedCommitment},
	credentials::{credentials_key, oem_client_key, Credentials, OemClient, VEHICLES_KEY},
	envelope::{self, content_key_key, ContentKey, KeyChange},
	http, ipfs,
	oem::{self, OemError, Signals},
	readings::{self, Head, KeptReading, MAX_RAW_KEPT},
	record::Record,
	schedule::{schedule_key, Failure, Policy, Schedule},
	seal::{offchain_nonce, SealKey, Sealed},
	settings::{Settings, SETTINGS_KEY},
};
use dimo_primitives::vehicle::{
	ConsentProvider, DataReaders, StorageBackend, VehicleId, VehicleRegistry,
};
use frame_support::traits::Get;
use frame_system::{
	offchain::{CreateAuthorizedTransaction, SubmitTransaction},
	pallet_prelude::BlockNumberFor,
};
use sp_runtime::{
	offchain::{
		storage::{MutateStorageError, StorageRetrievalError, StorageValueRef},
		storage_lock::{BlockAndTime, StorageLock},
		Duration, Timestamp,
	},
	traits::{Convert, SaturatedConversion, Zero},
	RuntimeAppPublic,
};

/// The target of the collector's log lines.
pub const LOG_TARGET: &str = "dimo::collector";

/// The offchain-storage key of the collector's lock.
pub const LOCK_KEY: &[u8] = b"dimo/collector/lock";

/// The offchain-storage key of the work queue: a SCALE `Vec<`[`PendingRecord`]`>`.
pub const PENDING_KEY: &[u8] = b"dimo/collector/pending";

/// How long one run waits for all its HTTP answers.
const HTTP_DEADLINE_MS: u64 = 10_000;

/// Tokens that expire within this many seconds are refreshed before use.
const REFRESH_MARGIN_SECS: u64 = 60;

/// The most vehicles one run in commitment mode polls: a commitment takes up to
/// [`Config::MaxCommitmentLeaves`] readings, so what bounds a run is the OEM requests in flight
/// at once under one deadline. At one run a block and a poll every [`Config::PollEvery`]
/// blocks, a collector keeps up with `PollEvery` times this many vehicles (2,500 on the dev
/// chain: 5,000 readings a minute).
pub const MAX_POLLED_PER_COMMITMENT: usize = 500;

/// A queued record is submitted at most this many times, then dropped with an error line.
pub const MAX_SUBMISSIONS: u32 = 20;

/// The lock expires after this many blocks or this long, whichever comes later, so that a
/// run that died holding it does not stop collection for good.
const LOCK_BLOCKS: u32 = 5;
const LOCK_MS: u64 = 60_000;

/// A record built by a run and not yet seen on chain.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct PendingRecord {
	/// The record, as submitted.
	pub record: AnchorRecord,
	/// How many times it was submitted.
	pub submissions: u32,
}

/// One due vehicle during a run.
struct Job {
	vehicle: VehicleId,
	backend: StorageBackend,
	credentials: Credentials,
	source: OemSource,
	schedule: Schedule,
	/// Why this run gets no reading of it, once known.
	failure: Option<Failure>,
	/// The reading, once read.
	signals: Option<Signals>,
	/// The OEM's answer that the reading was read from, if small enough to keep
	/// ([`MAX_RAW_KEPT`]).
	raw: Option<Vec<u8>>,
}

/// How many times a write of the Arweave outbox is tried when the node's uploader wrote it
/// meanwhile.
const OUTBOX_WRITE_TRIES: u32 = 5;

/// Changes the Arweave outbox with `change` (compare-and-set, retried when the node's uploader
/// wrote it meanwhile). `None` if `change` refused, the outbox does not decode (left as it is)
/// or the writes kept colliding.
fn mutate_outbox<R>(mut change: impl FnMut(&mut Vec<Upload>) -> Option<R>) -> Option<R> {
	for _ in 0..OUTBOX_WRITE_TRIES {
		let mut answer = None;
		let written = StorageValueRef::persistent(OUTBOX_KEY).mutate(
			|held: Result<Option<Vec<Upload>>, StorageRetrievalError>| {
				let mut uploads = held.map_err(|_| ())?.unwrap_or_default();
				answer = Some(change(&mut uploads).ok_or(())?);
				Ok::<_, ()>(uploads)
			},
		);
		match written {
			Ok(_) => return answer,
			Err(MutateStorageError::ConcurrentModification(_)) => continue,
			Err(MutateStorageError::ValueFunctionFailed(())) => return None,
		}
	}
	log::warn!(target: LOG_TARGET, "the Arweave outbox kept changing under this run's write");
	None
}

fn url(bytes: &[u8]) -> &str {
	core::str::from_utf8(bytes).unwrap_or("")
}

fn read_persistent<V: Decode>(key: &[u8]) -> Option<V> {
	StorageValueRef::persistent(key).get::<V>().ok().flatten()
}

/// The OAuth client of OEM `oem` that the operator stored (sealed), if any.
fn read_oem_client(oem: u32, seal_key: &SealKey) -> Option<OemClient> {
	read_sealed(&oem_client_key(oem), seal_key)
}

/// The sealed value at `key`, opened with `seal_key`: `None` if absent or if it does not open.
fn read_sealed<V: Decode>(key: &[u8], seal_key: &SealKey) -> Option<V> {
	let sealed: Sealed = read_persistent(key)?;
	seal_key.open_value(key, &sealed)
}

/// The credentials of `vehicle`, opened with `seal_key`; `None` (with a warning) if the entry
/// does not open: sealed under another key (a node whose keystore was replaced) or stored by
/// a node before credentials were sealed. The operator stores them again.
fn read_credentials(vehicle: VehicleId, seal_key: &SealKey) -> Option<Credentials> {
	let key = credentials_key(vehicle);
	let sealed: Sealed = read_persistent(&key)?;
	let opened = seal_key.open_value(&key, &sealed);
	if opened.is_none() {
		log::warn!(
			target: LOG_TARGET,
			"vehicle {vehicle}: its credentials do not open with this node's sealing key; store \
			 them again with collector_setCredentials"
		);
	}
	opened
}

impl<T: Config + CreateAuthorizedTransaction<Call<T>>> Pallet<T> {
	/// The offchain worker's run at block `now` (see the [module docs](self)).
	pub fn collect(now: BlockNumberFor<T>) {
		let Some(key) = Self::local_collector() else { return };
		let mut lock =
			StorageLock::<BlockAndTime<frame_system::Pallet<T>>>::with_block_and_time_deadline(
				LOCK_KEY,
				LOCK_BLOCKS,
				Duration::from_millis(LOCK_MS),
			);
		let Ok(_guard) = lock.try_lock() else {
			log::debug!(target: LOG_TARGET, "another run holds the collector's lock");
			return;
		};
		let account = T::CollectorAccount::convert(key.clone());
		let settings: Settings = read_persistent(SETTINGS_KEY).unwrap_or_default();
		if settings.commit {
			Self::collect_committed(now, key, &account, &settings);
			return;
		}

		let queued: Vec<PendingRecord> = read_persistent(PENDING_KEY).unwrap_or_default();
		let had_queue = !queued.is_empty();
		let mut queue = Self::still_pending(queued, now, &account);
		// Arweave readings now mined join the queue; `done` leaves the outbox once it is written.
		let uploads: Vec<Upload> = read_persistent(OUTBOX_KEY).unwrap_or_default();
		let (mined, done) = Self::mined_uploads(&uploads, &queue, now, &account);
		queue.extend(mined.into_iter().map(|record| PendingRecord { record, submissions: 0 }));
		let busy: BTreeSet<VehicleId> = queue.iter().map(|p| p.record.vehicle).collect();
		let room = (T::MaxBatchRecords::get() as usize).saturating_sub(queue.len());
		let fresh = match SealKey::from_keystore() {
			Some(seal_key) => {
				Self::poll_due(now, &account, &busy, &uploads, room, &settings, &seal_key)
			},
			// No credentials were ever stored: the node's RPC makes the key with the first.
			None => Vec::new(),
		};
		queue.extend(fresh.into_iter().map(|record| PendingRecord { record, submissions: 0 }));
		if queue.is_empty() {
			if had_queue {
				StorageValueRef::persistent(PENDING_KEY).clear();
			}
			Self::remove_uploads(&done);
			return;
		}
		queue.sort_by_key(|pending| pending.record.vehicle);
		for pending in queue.iter_mut() {
			pending.submissions = pending.submissions.saturating_add(1);
		}
		// The queue is written before the submission: a crash after this line loses nothing.
		StorageValueRef::persistent(PENDING_KEY).set(&queue);
		// And before the mined uploads leave the outbox: a crash between the two leaves an
		// upload in both, which `mined_uploads` drops once the chain holds its anchor.
		Self::remove_uploads(&done);
		Self::submit(key, queue.into_iter().map(|pending| pending.record).collect());
	}

	/// The run at block `now` in commitment mode ([`Settings::commit`]): the readings of the due
	/// vehicles (and the Arweave uploads now mined) go under one Merkle root, logged in offchain
	/// storage ([`dimo_offchain::commitments`]) before `commit` is submitted.
	///
	/// The chain's head of the collector's commitments says which index comes next. If the log
	/// holds a commitment with that index, an earlier run wrote it and the chain does not hold it
	/// yet (not included, or re-orged out): it is submitted again, and nothing new is polled
	/// until it lands, so the log never holds two commitments for one index. A reading whose
	/// window does not start after its vehicle's last committed one is left out (the OEM
	/// answered the same reading again), as is one dated past the chain's tolerance, which the
	/// chain would refuse with the whole commitment.
	fn collect_committed(
		now: BlockNumberFor<T>,
		key: T::CollectorId,
		account: &T::AccountId,
		settings: &Settings,
	) {
		let index = CommitmentHeads::<T>::get(account).next_index;
		let log_key = commitments::commitment_key(index);
		if let Some(mut logged) = read_persistent::<LoggedCommitment>(&log_key) {
			logged.submissions = logged.submissions.saturating_add(1);
			if logged.submissions % MAX_SUBMISSIONS == 0 {
				log::error!(
					target: LOG_TARGET,
					"commitment {index}: submitted {} times and not on chain yet",
					logged.submissions
				);
			}
			StorageValueRef::persistent(&log_key).set(&logged);
			Self::submit_commitment(key, &logged);
			return;
		}
		let uploads: Vec<Upload> = read_persistent(OUTBOX_KEY).unwrap_or_default();
		let (mined, done) = Self::mined_uploads(&uploads, &[], now, account);
		let busy: BTreeSet<VehicleId> = mined.iter().map(|record| record.vehicle).collect();
		let room = MAX_POLLED_PER_COMMITMENT
			.min(T::MaxCommitmentLeaves::get() as usize)
			.saturating_sub(mined.len());
		let fresh = match SealKey::from_keystore() {
			Some(seal_key) => {
				Self::poll_due(now, account, &busy, &uploads, room, settings, &seal_key)
			},
			None => Vec::new(),
		};
		let mut readings: Vec<AnchorRecord> = mined.into_iter().chain(fresh).collect();
		readings.sort_by_key(|record| (record.vehicle, record.observed_from));
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
		let Some(mut logged) = LoggedCommitment::new(index, records) else {
			Self::remove_uploads(&done);
			return;
		};
		logged.submissions = 1;
		// The log is written before the submission: a crash after these lines loses nothing,
		// the next run submits it again.
		StorageValueRef::persistent(&log_key).set(&logged);
		for (vehicle, vehicle_index) in &indexes {
			StorageValueRef::persistent(&commitments::vehicle_key(*vehicle)).set(vehicle_index);
		}
		if let Some(expired) = index.checked_sub(commitments::MAX_COMMITMENTS_LOGGED) {
			StorageValueRef::persistent(&commitments::commitment_key(expired)).clear();
		}
		Self::remove_uploads(&done);
		Self::submit_commitment(key, &logged);
	}

	/// Signs the commitment to `logged` with `key` and submits it.
	fn submit_commitment(key: T::CollectorId, logged: &LoggedCommitment) {
		let count = logged.records.len();
		let commitment = Commitment {
			collector: key.clone(),
			index: logged.index,
			root: logged.root(),
			leaf_count: count.saturated_into(),
			window_from: logged.window_from,
			window_to: logged.window_to,
		};
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let Some(signature) = key.sign(&commitment.signing_payload(&genesis)) else {
			log::error!(target: LOG_TARGET, "the keystore could not sign with the collector key");
			return;
		};
		let transaction =
			T::create_authorized_transaction(Call::commit { commitment, signature }.into());
		match SubmitTransaction::<T, Call<T>>::submit_transaction(transaction) {
			Ok(()) => log::info!(
				target: LOG_TARGET,
				"submitted commitment {} ({count} readings)",
				logged.index
			),
			Err(()) => log::debug!(target: LOG_TARGET, "the pool did not take the commitment"),
		}
	}

	/// The anchor records of the Arweave uploads that are mined and due (of each vehicle its
	/// oldest, [`outbox::anchorable`], unless the queue holds one of the vehicle's records
	/// already), and the uploads to remove from the outbox: those, those the chain holds
	/// already, and every upload of a vehicle that no longer consents to this collector or
	/// chose another backend (a queued one is then never posted).
	fn mined_uploads(
		uploads: &[Upload],
		queue: &[PendingRecord],
		now: BlockNumberFor<T>,
		account: &T::AccountId,
	) -> (Vec<AnchorRecord>, Vec<Upload>) {
		let mut records = Vec::new();
		let mut done = Vec::new();
		if uploads.is_empty() {
			return (records, done);
		}
		let mut withdrawn = BTreeSet::new();
		let vehicles: BTreeSet<VehicleId> = uploads.iter().map(|upload| upload.vehicle).collect();
		for vehicle in vehicles {
			let consents = T::Vehicles::may_collect(vehicle, account, now)
				&& T::Vehicles::storage_backend(vehicle) == Some(StorageBackend::Arweave);
			if !consents {
				log::warn!(
					target: LOG_TARGET,
					"vehicle {vehicle}: the owner withdrew consent or left Arweave; dropping its \
					 readings waiting for Arweave"
				);
				withdrawn.insert(vehicle);
			}
		}
		done.extend(uploads.iter().filter(|upload| withdrawn.contains(&upload.vehicle)).cloned());
		let busy: BTreeSet<VehicleId> = queue.iter().map(|p| p.record.vehicle).collect();
		let mut room = (T::MaxBatchRecords::get() as usize).saturating_sub(queue.len());
		for upload in outbox::anchorable(uploads) {
			let vehicle = upload.vehicle;
			if withdrawn.contains(&vehicle) || busy.contains(&vehicle) {
				continue;
			}
			let head = Heads::<T>::get(vehicle);
			if head.next_seq > 0 && upload.observed_from <= head.last_observed_to {
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
		(records, done)
	}

	/// Removes `done` from the Arweave outbox, with their envelopes.
	fn remove_uploads(done: &[Upload]) {
		if done.is_empty() {
			return;
		}
		let removed = mutate_outbox(|uploads| {
			uploads.retain(|held| !done.iter().any(|gone| gone.same_reading(held)));
			Some(())
		});
		if removed.is_some() {
			for upload in done {
				StorageValueRef::persistent(&upload.envelope_key()).clear();
			}
		}
	}

	/// Puts the envelope of an Arweave vehicle's reading, `anchor`, into the outbox for the
	/// node's uploader; `false` (logged) if the outbox has no room for it. `held` is the outbox
	/// as this run read it.
	fn queue_upload(anchor: &AnchorRecord, envelope: &[u8], held: &[Upload]) -> bool {
		let upload = Upload::new(
			anchor.vehicle,
			anchor.observed_from,
			anchor.observed_to,
			anchor.cid.to_vec(),
			anchor.size,
		);
		// Only this worker adds, under its lock, so the run's copy has every reading held: one
		// held already is not replaced (its envelope would no longer match the CID it holds).
		if held.iter().any(|other| other.same_reading(&upload)) {
			return false;
		}
		// The envelope first: the uploader never finds an upload without it.
		let envelope_key = upload.envelope_key();
		let mut envelope_ref = StorageValueRef::persistent(&envelope_key);
		envelope_ref.set(&envelope.to_vec());
		let added = mutate_outbox(|uploads| outbox::add(uploads, upload.clone()).ok());
		if added.is_none() {
			log::warn!(
				target: LOG_TARGET,
				"vehicle {}: the Arweave outbox has no room for its reading; polled again later",
				anchor.vehicle
			);
			envelope_ref.clear();
			return false;
		}
		log::info!(
			target: LOG_TARGET,
			"vehicle {}: reading of {} queued for Arweave ({} bytes)",
			anchor.vehicle,
			anchor.observed_to,
			anchor.size
		);
		true
	}

	/// The first collector key in the node's keystore that the chain has registered.
	fn local_collector() -> Option<T::CollectorId> {
		T::CollectorId::all().into_iter().find(|key| Collectors::<T>::contains_key(key))
	}

	/// The `queued` records that the chain does not hold yet and may still take.
	fn still_pending(
		queued: Vec<PendingRecord>,
		now: BlockNumberFor<T>,
		account: &T::AccountId,
	) -> Vec<PendingRecord> {
		queued
			.into_iter()
			.filter(|pending| {
				let record = &pending.record;
				let head = Heads::<T>::get(record.vehicle);
				if head.next_seq > 0 && record.observed_from <= head.last_observed_to {
					// The chain will never take it now. Anchored, if the vehicle's anchors hold
					// its content id; otherwise a later window was anchored first (by another
					// collector, or dated ahead): say so, the reading is lost to the chain.
					let anchored = AnchoredCids::<T>::contains_key(
						record.vehicle,
						crate::functions::cid_key(&record.cid),
					);
					if !anchored {
						log::warn!(
							target: LOG_TARGET,
							"vehicle {}: dropping a reading observed at {} that was never \
							 anchored: the chain holds a window up to {} already",
							record.vehicle,
							record.observed_to,
							head.last_observed_to
						);
					}
					return false;
				}
				if pending.submissions >= MAX_SUBMISSIONS {
					log::error!(
						target: LOG_TARGET,
						"vehicle {}: dropping a reading that the chain refused {} times",
						record.vehicle,
						pending.submissions
					);
					return false;
				}
				let consents = T::Vehicles::may_collect(record.vehicle, account, now)
					&& T::Vehicles::storage_backend(record.vehicle) == Some(record.backend);
				if !consents {
					log::warn!(
						target: LOG_TARGET,
						"vehicle {}: the owner withdrew consent; dropping its unanchored reading",
						record.vehicle
					);
				}
				consents
			})
			.collect()
	}

	/// Polls up to `room` due vehicles that are not `busy` (nor Arweave vehicles without room in
	/// the outbox, `uploads`); returns their records to anchor.
	fn poll_due(
		now: BlockNumberFor<T>,
		account: &T::AccountId,
		busy: &BTreeSet<VehicleId>,
		uploads: &[Upload],
		room: usize,
		settings: &Settings,
		seal_key: &SealKey,
	) -> Vec<AnchorRecord> {
		let block = now.saturated_into::<u64>();
		let now_ms = sp_io::offchain::timestamp().unix_millis();
		let vehicles: Vec<VehicleId> = read_persistent(VEHICLES_KEY).unwrap_or_default();
		let mut jobs = Vec::new();
		for vehicle in vehicles {
			if jobs.len() >= room {
				break;
			}
			if busy.contains(&vehicle) {
				continue;
			}
			let schedule: Schedule = read_persistent(&schedule_key(vehicle)).unwrap_or_default();
			if !schedule.is_due(block, now_ms) {
				continue;
			}
			if !T::Vehicles::may_collect(vehicle, account, now) {
				log::debug!(target: LOG_TARGET, "vehicle {vehicle}: no consent, not polled");
				Self::retire_content_key(vehicle, seal_key);
				continue;
			}
			let Some(backend) = T::Vehicles::storage_backend(vehicle) else { continue };
			if backend == StorageBackend::Arweave && !outbox::has_room_for(uploads, vehicle) {
				log::debug!(
					target: LOG_TARGET,
					"vehicle {vehicle}: its readings wait for Arweave; not polled"
				);
				continue;
			}
			let Some(credentials) = read_credentials(vehicle, seal_key) else { continue };
			let Some(source) = OemSources::<T>::get(credentials.oem) else {
				log::warn!(
					target: LOG_TARGET,
					"vehicle {vehicle}: OEM {} has no registered source; not polled",
					credentials.oem
				);
				continue;
			};
			// The operator's word as well as governance's: tokens go only to hosts that both
			// name.
			let unlisted = [&source.api_base_url, &source.auth_url]
				.into_iter()
				.find(|source_url| !settings.allows(url(source_url)));
			if let Some(unlisted) = unlisted {
				log::warn!(
					target: LOG_TARGET,
					"vehicle {vehicle}: OEM host {} is not on this node's --collector-oem-host \
					 list; not polled, no token sent",
					http::origin(url(unlisted))
				);
				continue;
			}
			// The credentials must open this very car: the registry holds the hash of the OEM's
			// id of it, which the operator gave with the credentials.
			let same_car = T::Vehicles::oem_reference(vehicle).is_some_and(|(oem, hash)| {
				oem == credentials.oem
					&& hash.as_bytes() == sp_io::hashing::blake2_256(&credentials.oem_vehicle)
			});
			if !same_car {
				log::warn!(
					target: LOG_TARGET,
					"vehicle {vehicle}: the credentials name another car than the registry (OEM or \
					 the hash of the OEM's vehicle id differ); not polled"
				);
				continue;
			}
			jobs.push(Job {
				vehicle,
				backend,
				credentials,
				source,
				schedule,
				failure: None,
				signals: None,
				raw: None,
			});
		}
		if jobs.is_empty() {
			return Vec::new();
		}
		let deadline = sp_io::offchain::timestamp().add(Duration::from_millis(HTTP_DEADLINE_MS));
		let max_bytes = settings.max_answer_bytes;
		Self::refresh_tokens(&mut jobs, now_ms, deadline, max_bytes, seal_key);
		Self::fetch_readings(&mut jobs, deadline, max_bytes, seal_key);
		let read_at = sp_io::offchain::timestamp().unix_millis();
		let records =
			Self::store_readings(&mut jobs, read_at, deadline, settings, uploads, seal_key);

		let policy =
			Policy { poll_every: T::PollEvery::get(), max_backoff: T::MaxPollBackoff::get() };
		for job in &jobs {
			let next = match job.failure {
				None => Schedule::after_reading(block, &policy),
				Some(failure) => job.schedule.after_failure(failure, block, now_ms, &policy),
			};
			StorageValueRef::persistent(&schedule_key(job.vehicle)).set(&next);
		}
		records
	}

	/// Refreshes the access tokens that expire soon, and writes the new ones back.
	fn refresh_tokens(
		jobs: &mut [Job],
		now_ms: u64,
		deadline: Timestamp,
		max_bytes: u32,
		seal_key: &SealKey,
	) {
		let now_secs = now_ms / 1000;
		// The jobs whose token expires soon, by index, with their OEM's OAuth client.
		let mut expiring: BTreeMap<usize, OemClient> = BTreeMap::new();
		// Each OEM's client is read and opened once per run, however many of its vehicles
		// refresh.
		let mut clients: BTreeMap<u32, Option<OemClient>> = BTreeMap::new();
		for (index, job) in jobs.iter_mut().enumerate() {
			if job.credentials.expires_at > now_secs.saturating_add(REFRESH_MARGIN_SECS) {
				continue;
			}
			let oem = job.credentials.oem;
			match clients.entry(oem).or_insert_with(|| read_oem_client(oem, seal_key)).clone() {
				Some(client) => {
					expiring.insert(index, client);
				},
				None => {
					log::warn!(
						target: LOG_TARGET,
						"vehicle {}: its access token expires and OEM {} has no OAuth client on \
						 this node (collector_setOemClient): not refreshed",
						job.vehicle,
						job.credentials.oem
					);
					job.failure = Some(Failure::Transient);
				},
			}
		}
		let request_of = |index: usize, job: &Job| {
			let client = expiring.get(&index)?;
			let refresh = String::from_utf8_lossy(&job.credentials.refresh_token);
			Some((oem::adapter(job.source.api).refresh_request)(
				url(&job.source.auth_url),
				&client.to_oauth(),
				&refresh,
			))
		};
		http::run_for(jobs, request_of, deadline, max_bytes, |job, answer| {
			let host = http::origin(url(&job.source.auth_url));
			let tokens = match answer {
				Ok(answer) => (oem::adapter(job.source.api).read_tokens)(&answer.response()),
				Err(reason) => {
					log::warn!(
						target: LOG_TARGET,
						"vehicle {}: token refresh at {host} failed: {reason}",
						job.vehicle
					);
					job.failure = Some(Failure::Transient);
					return;
				},
			};
			match tokens {
				Ok(tokens) => {
					let used = job.credentials.refresh_token.clone();
					job.credentials.access_token = tokens.access_token.into_bytes();
					job.credentials.refresh_token = tokens.refresh_token.into_bytes();
					job.credentials.expires_at = now_secs.saturating_add(tokens.expires_in);
					Self::write_back(job.vehicle, &used, &job.credentials, seal_key);
					log::info!(target: LOG_TARGET, "vehicle {}: access token refreshed", job.vehicle);
				},
				Err(error) => {
					let failure = if error == OemError::RefreshRejected {
						Failure::GrantRevoked
					} else {
						Failure::Transient
					};
					log::warn!(
						target: LOG_TARGET,
						"vehicle {}: token refresh at {host} refused: {error:?}",
						job.vehicle
					);
					job.failure = Some(failure);
				},
			}
		});
	}

	/// Seals refreshed credentials back, unless the operator replaced the old ones meanwhile.
	fn write_back(
		vehicle: VehicleId,
		used_refresh_token: &[u8],
		credentials: &Credentials,
		seal_key: &SealKey,
	) {
		let key = credentials_key(vehicle);
		let _ = StorageValueRef::persistent(&key).mutate(|stored: Result<Option<Sealed>, _>| {
			let current = match stored {
				Ok(Some(sealed)) => seal_key.open_value::<Credentials>(&key, &sealed),
				_ => None,
			};
			match current {
				Some(current) if current.refresh_token == used_refresh_token => {
					Ok(seal_key.seal_value(&key, offchain_nonce(), credentials))
				},
				_ => Err(()),
			}
		});
	}

	/// Asks each job's OEM for its data, all at once.
	fn fetch_readings(jobs: &mut [Job], deadline: Timestamp, max_bytes: u32, seal_key: &SealKey) {
		let request_of = |_, job: &Job| {
			if job.failure.is_some() {
				return None;
			}
			let car = String::from_utf8_lossy(&job.credentials.oem_vehicle);
			let token = String::from_utf8_lossy(&job.credentials.access_token);
			Some((oem::adapter(job.source.api).data_request)(
				url(&job.source.api_base_url),
				&car,
				&token,
			))
		};
		http::run_for(jobs, request_of, deadline, max_bytes, |job, answer| {
			let host = http::origin(url(&job.source.api_base_url));
			let read = match answer {
				Ok(answer) => {
					let read = (oem::adapter(job.source.api).read_data)(&answer.response());
					if read.is_ok() && answer.body.len() <= MAX_RAW_KEPT {
						job.raw = Some(answer.body);
					}
					read
				},
				Err(reason) => {
					log::warn!(
						target: LOG_TARGET,
						"vehicle {}: request to {host} failed: {reason}",
						job.vehicle
					);
					job.failure = Some(Failure::Transient);
					return;
				},
			};
			match read {
				Ok(signals) => job.signals = Some(signals),
				Err(error) => {
					log::info!(
						target: LOG_TARGET,
						"vehicle {}: no reading from {host}: {error:?}",
						job.vehicle
					);
					job.failure = Some(match error {
						OemError::RateLimited { retry_after } => Failure::RateLimited(retry_after),
						OemError::Unauthorized => {
							// Refresh before the next poll.
							let used = job.credentials.refresh_token.clone();
							job.credentials.expires_at = 0;
							Self::write_back(job.vehicle, &used, &job.credentials, seal_key);
							Failure::Transient
						},
						OemError::RefreshRejected => Failure::GrantRevoked,
						_ => Failure::Transient,
					});
				},
			}
		});
	}

	/// Builds the records of the readings, seals each in an envelope under its vehicle's
	/// content key, adds the envelopes of IPFS vehicles to IPFS and those of Arweave vehicles
	/// to the outbox, keeps the readings for the gateway, and returns the anchor records of
	/// those stored (Arweave's are anchored once mined). `uploads` is the outbox as this run
	/// read it.
	fn store_readings(
		jobs: &mut [Job],
		read_at: u64,
		deadline: Timestamp,
		settings: &Settings,
		uploads: &[Upload],
		seal_key: &SealKey,
	) -> Vec<AnchorRecord> {
		/// A reading: its job, its record and envelope, its anchor, and whether it is stored.
		struct Built {
			job: usize,
			record: Vec<u8>,
			raw: Option<Vec<u8>>,
			owner: [u8; 32],
			key_id: u32,
			envelope: Vec<u8>,
			anchor: AnchorRecord,
			stored: bool,
		}
		let mut built = Vec::new();
		for (index, job) in jobs.iter_mut().enumerate() {
			let Some(signals) = job.signals.take() else { continue };
			let record = Record {
				vehicle: job.vehicle,
				oem: oem::adapter(job.source.api).name.into(),
				from: read_at,
				to: read_at,
				signals,
			};
			let bytes = match record.to_canonical_bytes() {
				Ok(bytes) => bytes,
				Err(error) => {
					log::warn!(
						target: LOG_TARGET,
						"vehicle {}: the reading makes no record: {error:?}",
						job.vehicle
					);
					job.failure = Some(Failure::Transient);
					continue;
				},
			};
			let Some((owner, key_id, key)) = Self::content_key(job.vehicle, seal_key) else {
				job.failure = Some(Failure::Transient);
				continue;
			};
			let sealed = envelope::seal(
				&key,
				key_id,
				job.vehicle,
				read_at,
				read_at,
				offchain_nonce(),
				&bytes,
			);
			let Ok(cid) = ContentId::try_from(Cid::of_raw(&sealed).as_bytes().to_vec()) else {
				continue;
			};
			let anchor = AnchorRecord {
				vehicle: job.vehicle,
				cid,
				size: u32::try_from(sealed.len()).unwrap_or(u32::MAX),
				backend: job.backend,
				// An Arweave reading is anchored with its transaction id once mined.
				arweave_tx: None,
				observed_from: read_at,
				observed_to: read_at,
			};
			built.push(Built {
				job: index,
				record: bytes,
				raw: job.raw.take(),
				owner,
				key_id,
				envelope: sealed,
				anchor,
				stored: true,
			});
		}

		let api: String = read_persistent::<Vec<u8>>(ipfs::API_URL_KEY)
			.and_then(|url| String::from_utf8(url).ok())
			.unwrap_or_else(|| ipfs::DEFAULT_API_URL.into());
		let request_of = |_, b: &Built| {
			(b.anchor.backend == StorageBackend::Ipfs).then(|| oem::Request {
				method: "POST",
				url: ipfs::add_url(&api),
				headers: vec![("Content-Type", ipfs::add_content_type())],
				body: ipfs::add_body(&format!("vehicle-{}.denv", b.anchor.vehicle), &b.envelope),
			})
		};
		http::run_for(&mut built, request_of, deadline, settings.max_answer_bytes, |b, answer| {
			let checked = match answer {
				Ok(answer) if answer.status == 200 => {
					ipfs::check_add_answer(&answer.body, &b.envelope).map(|_| ()).map_err(|error| {
						format!("IPFS answered a different content id or size: {error:?}")
					})
				},
				Ok(answer) => Err(format!("IPFS answered status {}", answer.status)),
				Err(reason) => Err(format!("IPFS at {} unreachable: {reason}", http::origin(&api))),
			};
			if let Err(reason) = checked {
				log::warn!(target: LOG_TARGET, "vehicle {}: not stored: {reason}", b.anchor.vehicle);
				b.stored = false;
			}
		});

		let mut records = Vec::new();
		for mut b in built {
			if b.stored && b.anchor.backend == StorageBackend::Arweave {
				b.stored = Self::queue_upload(&b.anchor, &b.envelope, uploads);
			}
			if !b.stored {
				if let Some(job) = jobs.get_mut(b.job) {
					job.failure = Some(Failure::Transient);
				}
				continue;
			}
			let envelope_cid =
				(b.anchor.backend != StorageBackend::Local).then(|| b.anchor.cid.to_vec());
			let kept = KeptReading {
				number: 0,
				owner: b.owner,
				record: b.record,
				raw: b.raw,
				envelope_cid,
				key_id: b.key_id,
			};
			Self::keep_reading(b.anchor.vehicle, kept, settings.keep_readings, seal_key);
			if b.anchor.backend != StorageBackend::Arweave {
				records.push(b.anchor);
			}
		}
		records
	}

	/// The content key to seal `vehicle`'s next reading with, made or rotated if need be
	/// ([`ContentKey::for_readers`]), with the hash of the vehicle's owner: `(owner hash, key
	/// id, key)`. `None` if the vehicle has no owner (retired meanwhile).
	fn content_key(vehicle: VehicleId, seal_key: &SealKey) -> Option<([u8; 32], u32, [u8; 32])> {
		let now = T::Readers::readers(vehicle)?;
		let hash = |account: &T::AccountId| sp_io::hashing::blake2_256(&account.encode());
		let readers = envelope::Readers {
			owner: hash(&now.owner),
			public: now.public,
			grantees: now.grantees.iter().map(hash).collect(),
		};
		let owner = readers.owner;
		let storage_key = content_key_key(vehicle);
		let current: Option<ContentKey> = read_sealed(&storage_key, seal_key);
		let (key, change) =
			ContentKey::for_readers(current.clone(), readers, sp_io::offchain::random_seed());
		match change {
			KeyChange::Made => log::info!(
				target: LOG_TARGET,
				"vehicle {vehicle}: content key {} made",
				key.id
			),
			KeyChange::Rotated => log::info!(
				target: LOG_TARGET,
				"vehicle {vehicle}: content key rotated to {}: a reader lost access",
				key.id
			),
			KeyChange::Kept => {},
		}
		if current.as_ref() != Some(&key) {
			StorageValueRef::persistent(&storage_key).set(&seal_key.seal_value(
				&storage_key,
				offchain_nonce(),
				&key,
			));
		}
		Some((owner, key.id, key.key?))
	}

	/// Drops `vehicle`'s content key, if it has one in use: the collector's consent ended.
	fn retire_content_key(vehicle: VehicleId, seal_key: &SealKey) {
		let storage_key = content_key_key(vehicle);
		let Some(current) = read_sealed::<ContentKey>(&storage_key, seal_key) else { return };
		if current.key.is_none() {
			return;
		}
		log::info!(
			target: LOG_TARGET,
			"vehicle {vehicle}: content key {} retired: the consent to this collector ended",
			current.id
		);
		let retired = current.retire();
		StorageValueRef::persistent(&storage_key).set(&seal_key.seal_value(
			&storage_key,
			offchain_nonce(),
			&retired,
		));
	}

	/// Keeps `reading` as `vehicle`'s next reading in the gateway's store
	/// ([`dimo_offchain::readings`]): its slot first, then the head.
	fn keep_reading(vehicle: VehicleId, mut reading: KeptReading, keep: u32, seal_key: &SealKey) {
		let head_key = readings::head_key(vehicle);
		let head: Head = read_persistent(&head_key).unwrap_or_default();
		reading.number = head.next;
		let slot_key = readings::slot_key(vehicle, head.next, keep);
		StorageValueRef::persistent(&slot_key).set(&seal_key.seal_value(
			&slot_key,
			offchain_nonce(),
			&reading,
		));
		StorageValueRef::persistent(&head_key).set(&Head { next: head.next.saturating_add(1) });
	}

	/// Signs `records` as one batch with `key` and submits it.
	fn submit(key: T::CollectorId, records: Vec<AnchorRecord>) {
		let count = records.len();
		let Ok(records) = records.try_into() else {
			log::error!(target: LOG_TARGET, "a batch of {count} records exceeds the bound");
			return;
		};
		let batch = AnchorBatch { collector: key.clone(), records };
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let Some(signature) = key.sign(&batch.signing_payload(&genesis)) else {
			log::error!(target: LOG_TARGET, "the keystore could not sign with the collector key");
			return;
		};
		let call = Call::anchor_batch { batch, signature };
		let transaction = T::create_authorized_transaction(call.into());
		match SubmitTransaction::<T, Call<T>>::submit_transaction(transaction) {
			Ok(()) => {
				log::info!(target: LOG_TARGET, "submitted an anchor batch ({count} readings)")
			},
			// Most often: the same batch is still in the pool from the last run.
			Err(()) => log::debug!(target: LOG_TARGET, "the pool did not take the anchor batch"),
		}
	}
}
