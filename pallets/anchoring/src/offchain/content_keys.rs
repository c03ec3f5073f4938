//! Each vehicle's content keys, one per class of its signals ([`dimo_offchain::content_keys`]),
//! kept sealed in offchain storage: made for the first reading of a class, rotated whenever the
//! readers of that class ([`Config::Readers`]) change, wrapped to each reader's published
//! encryption key (every part sealed under a key carries its wraps, so that owner and grantees
//! open it without the collector), retired once the collector's consent ends, and each kept by
//! its id as well, so that the gateway opens old envelopes; and the store of readings
//! ([`dimo_offchain::readings`]: the ring, the history) that the gateway serves from.

use super::{
	local::{read_persistent, read_sealed, write_sealed},
	StepResult, Stop, LOG_TARGET,
};
use crate::pallet::*;
use alloc::{format, vec::Vec};
use codec::Encode;
use dimo_offchain::{
	content_keys::{
		class_keys_key, class_readers, key_by_id_key, legacy_content_key_keys, ClassKeys, KeyChange,
	},
	key_wrap::Wrap,
	readings::{self, Archived, Head, HistoryHead, KeptReading},
	seal::SealKey,
	settings::Settings,
	streams::Class,
};
use dimo_primitives::vehicle::{DataReaders, VehicleId};
use frame_system::offchain::CreateAuthorizedTransaction;
use sp_runtime::offchain::storage::StorageValueRef;

/// The keys that seal a vehicle's next reading, one per class it has, with the hash of the
/// vehicle's owner (whom the kept reading belongs to).
pub(super) struct SealingKeys {
	pub owner: [u8; 32],
	pub keys: Vec<SealingKey>,
}

/// One class's key: its id, the key, and the key wrapped to each reader of the class.
pub(super) struct SealingKey {
	pub class: Class,
	pub id: u32,
	pub key: [u8; 32],
	pub wraps: Vec<Wrap>,
}

impl<T: Config + CreateAuthorizedTransaction<Call<T>>> Pallet<T> {
	/// The content keys to seal `vehicle`'s next reading with, one for each of `classes`,
	/// made or rotated if need be ([`ClassKeys::for_readers`]) and wrapped to each reader of
	/// the class ([`ClassKeys::wrap_to`]); a stop if the vehicle has no owner (retired
	/// meanwhile).
	pub(super) fn class_keys(
		vehicle: VehicleId,
		classes: &[Class],
		seal_key: &SealKey,
	) -> StepResult<SealingKeys> {
		let no_owner = || Stop::info(format!("vehicle {vehicle}: no owner; not sealed"));
		let now = T::Readers::readers(vehicle).ok_or_else(no_owner)?;
		let storage_key = class_keys_key(vehicle);
		let stored = Self::stored_class_keys(vehicle, seal_key);
		let mut keys = stored.clone();
		let mut sealing = Vec::with_capacity(classes.len());
		for &class in classes {
			let (readers, recipients) = class_readers(&now, class);
			match keys.for_readers(class, readers, sp_io::offchain::random_seed()) {
				KeyChange::Made => log::info!(
					target: LOG_TARGET,
					"vehicle {vehicle}: {class:?} key {} made",
					keys.last_id
				),
				KeyChange::Rotated => log::info!(
					target: LOG_TARGET,
					"vehicle {vehicle}: {class:?} key rotated to {}: its readers changed",
					keys.last_id
				),
				KeyChange::Kept => {},
			}
			// Wrapped to the X25519 keys of the owner and of the class's grantees (an ML-KEM
			// key is not wrapped to yet: docs/storage-formats.md); a fresh ephemeral key for
			// each new wrap.
			let wrapped = keys.wrap_to(class, vehicle, &recipients, sp_io::offchain::random_seed);
			if wrapped.changed {
				log::info!(
					target: LOG_TARGET,
					"vehicle {vehicle}: {class:?} key wrapped to {} reader(s)",
					recipients.len().saturating_sub(wrapped.refused as usize)
				);
			}
			if wrapped.refused > 0 {
				log::warn!(
					target: LOG_TARGET,
					"vehicle {vehicle}: {class:?} key not wrapped to {} reader key(s) of small \
					 order",
					wrapped.refused
				);
			}
			let key = keys.get(class).ok_or_else(no_owner)?;
			sealing.push(SealingKey { class, id: key.id, key: key.key, wraps: key.wraps.clone() });
		}
		if keys != stored {
			// Every key by its id first: never a key in use that the gateway cannot find. The
			// ones replaced too: a key made before keys were kept by id is written here, at its
			// rotation (until then the gateway finds it among the keys in use).
			Self::keep_keys_by_id(vehicle, &stored, seal_key);
			Self::keep_keys_by_id(vehicle, &keys, seal_key);
			write_sealed(&storage_key, &keys, seal_key);
		}
		let owner = sp_io::hashing::blake2_256(&now.owner.encode());
		Ok(SealingKeys { owner, keys: sealing })
	}

	/// `vehicle`'s class keys as offchain storage holds them; for a vehicle whose one content
	/// key was kept by a collector before spec 104, none yet, continuing that key's id (the
	/// old key is dropped: its envelopes carry it wrapped to the owner).
	fn stored_class_keys(vehicle: VehicleId, seal_key: &SealKey) -> ClassKeys {
		if let Some(keys) = read_sealed::<ClassKeys>(&class_keys_key(vehicle), seal_key) {
			return keys;
		}
		let mut last_id = 0u32;
		for old_key in legacy_content_key_keys(vehicle) {
			if let Some(id) = read_sealed::<u32>(&old_key, seal_key) {
				last_id = last_id.max(id);
				StorageValueRef::persistent(&old_key).clear();
			}
		}
		let keys = ClassKeys::continuing(last_id);
		if last_id > 0 {
			write_sealed(&class_keys_key(vehicle), &keys, seal_key);
		}
		keys
	}

	/// Drops `vehicle`'s content keys, if it has some in use: the collector's consent ended.
	pub(super) fn retire_content_keys(vehicle: VehicleId, seal_key: &SealKey) {
		let mut keys = Self::stored_class_keys(vehicle, seal_key);
		Self::keep_keys_by_id(vehicle, &keys, seal_key);
		if !keys.retire() {
			return;
		}
		log::info!(
			target: LOG_TARGET,
			"vehicle {vehicle}: content keys retired (the last was {}): the consent to this \
			 collector ended",
			keys.last_id
		);
		write_sealed(&class_keys_key(vehicle), &keys, seal_key);
	}

	/// Writes each of `keys` in use by its id ([`key_by_id_key`]), so that the gateway opens what
	/// it sealed after it is rotated or retired. Called when the keys change (rarely: a change of
	/// readers or of their published keys), so rewriting a key already there costs little.
	fn keep_keys_by_id(vehicle: VehicleId, keys: &ClassKeys, seal_key: &SealKey) {
		for (_, key) in &keys.keys {
			write_sealed(&key_by_id_key(vehicle, key.id), &key.key, seal_key);
		}
	}

	/// Keeps `reading`, observed at `observed_at` (Unix ms), as `vehicle`'s next reading in the
	/// gateway's store: in its ring slot and in the history (without its record if
	/// `in_storage`: its envelope is on IPFS), then the head, so that the gateway never finds a
	/// head past a missing reading; then prunes the history of what is older than `keep_days`
	/// at `now`.
	#[allow(clippy::too_many_arguments)]
	pub(super) fn keep_reading(
		vehicle: VehicleId,
		mut reading: KeptReading,
		observed_at: u64,
		in_storage: bool,
		settings: &Settings,
		now: u64,
		seal_key: &SealKey,
	) {
		let head_key = readings::head_key(vehicle);
		let head: Head = read_persistent(&head_key).unwrap_or_default();
		reading.number = head.next;
		write_sealed(
			&readings::slot_key(vehicle, head.next, settings.keep_readings),
			&reading,
			seal_key,
		);
		let archived = Archived::new(observed_at, reading, in_storage);
		write_sealed(&readings::history_key(vehicle, head.next), &archived, seal_key);
		let next = head.next.saturating_add(1);
		StorageValueRef::persistent(&head_key).set(&Head { next });
		Self::prune_history(vehicle, head.next, next, settings.keep_days, now, seal_key);
	}

	/// Drops the oldest readings of `vehicle`'s history (numbers below `next`) that are older
	/// than `keep_days` at `now`, at most [`readings::PRUNE_PER_READING`]. An entry that does
	/// not open (sealed under another key) is dropped as well: nothing can serve it. A history
	/// without a head starts at `kept`, the reading just kept: the readings a node kept before
	/// it had a history are in the ring only, and nothing scans for them.
	fn prune_history(
		vehicle: VehicleId,
		kept: u64,
		next: u64,
		keep_days: u32,
		now: u64,
		seal_key: &SealKey,
	) {
		let head_key = readings::history_head_key(vehicle);
		let stored: Option<HistoryHead> = read_persistent(&head_key);
		let mut head = stored.unwrap_or(HistoryHead { first: kept });
		for _ in 0..readings::PRUNE_PER_READING {
			if head.first >= next {
				break;
			}
			let key = readings::history_key(vehicle, head.first);
			if let Some(archived) = read_sealed::<Archived>(&key, seal_key) {
				if !readings::expired(archived.observed_at, now, keep_days) {
					break;
				}
			}
			StorageValueRef::persistent(&key).clear();
			head.first = head.first.saturating_add(1);
		}
		if stored != Some(head) {
			StorageValueRef::persistent(&head_key).set(&head);
		}
	}
}
