//! Each vehicle's content key, which its envelopes are sealed under
//! ([`dimo_offchain::envelope`]), kept sealed in offchain storage: made for the first reading,
//! rotated whenever someone who could read the vehicle's data ([`Config::Readers`]) no longer
//! can, retired once the collector's consent ends; and the store of recent readings
//! ([`dimo_offchain::readings`]) that the gateway serves from.

use super::{
	local::{read_persistent, read_sealed, write_sealed},
	StepResult, Stop, LOG_TARGET,
};
use crate::pallet::*;
use alloc::format;
use codec::Encode;
use dimo_offchain::{
	envelope::{self, content_key_key, ContentKey, KeyChange},
	readings::{self, Head, KeptReading},
	seal::SealKey,
};
use dimo_primitives::vehicle::{DataReaders, VehicleId};
use frame_system::offchain::CreateAuthorizedTransaction;
use sp_runtime::offchain::storage::StorageValueRef;

/// The key that seals a vehicle's next reading: its id, the key, and the hash of the vehicle's
/// owner (whom the kept reading belongs to).
pub(super) struct SealingKey {
	pub owner: [u8; 32],
	pub id: u32,
	pub key: [u8; 32],
}

impl<T: Config + CreateAuthorizedTransaction<Call<T>>> Pallet<T> {
	/// The content key to seal `vehicle`'s next reading with, made or rotated if need be
	/// ([`ContentKey::for_readers`]); a stop if the vehicle has no owner (retired meanwhile).
	pub(super) fn content_key(vehicle: VehicleId, seal_key: &SealKey) -> StepResult<SealingKey> {
		let no_owner = || Stop::info(format!("vehicle {vehicle}: no owner; not sealed"));
		let now = T::Readers::readers(vehicle).ok_or_else(no_owner)?;
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
			KeyChange::Made => {
				log::info!(target: LOG_TARGET, "vehicle {vehicle}: content key {} made", key.id)
			},
			KeyChange::Rotated => log::info!(
				target: LOG_TARGET,
				"vehicle {vehicle}: content key rotated to {}: a reader lost access",
				key.id
			),
			KeyChange::Kept => {},
		}
		if current.as_ref() != Some(&key) {
			write_sealed(&storage_key, &key, seal_key);
		}
		let id = key.id;
		let key = key.key.ok_or_else(no_owner)?;
		Ok(SealingKey { owner, id, key })
	}

	/// Drops `vehicle`'s content key, if it has one in use: the collector's consent ended.
	pub(super) fn retire_content_key(vehicle: VehicleId, seal_key: &SealKey) {
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
		write_sealed(&storage_key, &current.retire(), seal_key);
	}

	/// Keeps `reading` as `vehicle`'s next reading in the gateway's store: its slot first,
	/// then the head, so that the gateway never finds a head past a missing slot.
	pub(super) fn keep_reading(
		vehicle: VehicleId,
		mut reading: KeptReading,
		keep: u32,
		seal_key: &SealKey,
	) {
		let head_key = readings::head_key(vehicle);
		let head: Head = read_persistent(&head_key).unwrap_or_default();
		reading.number = head.next;
		write_sealed(&readings::slot_key(vehicle, head.next, keep), &reading, seal_key);
		StorageValueRef::persistent(&head_key).set(&Head { next: head.next.saturating_add(1) });
	}
}
