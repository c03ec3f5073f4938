//! Each vehicle's content key, which its envelopes are sealed under
//! ([`dimo_offchain::envelope`]), kept sealed in offchain storage: made for the first reading,
//! rotated whenever someone who could read the vehicle's data ([`Config::Readers`]) no longer
//! can, wrapped to the owner's published encryption key (each envelope carries that wrap, so
//! the owner opens it without the collector), retired once the collector's consent ends; and the store of recent readings
//! ([`dimo_offchain::readings`]) that the gateway serves from.

use super::{
	local::{read_persistent, read_sealed, write_sealed},
	StepResult, Stop, LOG_TARGET,
};
use crate::pallet::*;
use alloc::format;
use codec::Encode;
use dimo_offchain::{
	envelope::{self, content_key_key, content_key_v1_key, ContentKey, ContentKeyV1, KeyChange},
	key_wrap::Wrap,
	readings::{self, Head, KeptReading},
	seal::SealKey,
};
use dimo_primitives::{
	encryption::KeyScheme,
	vehicle::{DataReaders, VehicleId},
};
use frame_system::offchain::CreateAuthorizedTransaction;
use sp_runtime::offchain::storage::StorageValueRef;

/// The key that seals a vehicle's next reading: its id, the key, the key wrapped to the
/// vehicle's owner (if it published an X25519 key), and the hash of the vehicle's owner (whom
/// the kept reading belongs to).
pub(super) struct SealingKey {
	pub owner: [u8; 32],
	pub id: u32,
	pub key: [u8; 32],
	pub owner_wrap: Option<Wrap>,
}

impl<T: Config + CreateAuthorizedTransaction<Call<T>>> Pallet<T> {
	/// The content key to seal `vehicle`'s next reading with, made or rotated if need be
	/// ([`ContentKey::for_readers`]) and wrapped to the owner's published X25519 key
	/// ([`ContentKey::wrap_to_owner`]); a stop if the vehicle has no owner (retired meanwhile).
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
		let current = Self::stored_content_key(vehicle, seal_key);
		let (mut key, change) =
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
		// Wrapped to the owner's X25519 key (an ML-KEM key is not wrapped to yet: docs/
		// storage-formats.md); a fresh ephemeral key for each wrap.
		let owner_key: Option<[u8; 32]> = now
			.owner_key
			.filter(|published| published.scheme == KeyScheme::X25519)
			.and_then(|published| published.public.as_slice().try_into().ok());
		match key.wrap_to_owner(vehicle, owner_key.as_ref(), &sp_io::offchain::random_seed()) {
			Ok(true) if key.owner_wrap.is_some() => log::info!(
				target: LOG_TARGET,
				"vehicle {vehicle}: content key {} wrapped to the owner's published key",
				key.id
			),
			Ok(true) => log::info!(
				target: LOG_TARGET,
				"vehicle {vehicle}: the owner has no X25519 key published; content key {} is \
				 not wrapped to it",
				key.id
			),
			Ok(false) => {},
			Err(error) => log::warn!(
				target: LOG_TARGET,
				"vehicle {vehicle}: content key {} not wrapped to the owner's key: {error:?}",
				key.id
			),
		}
		if current.as_ref() != Some(&key) {
			write_sealed(&storage_key, &key, seal_key);
		}
		let id = key.id;
		let owner_wrap = key.owner_wrap;
		let key = key.key.ok_or_else(no_owner)?;
		Ok(SealingKey { owner, id, key, owner_wrap })
	}

	/// `vehicle`'s content key as offchain storage holds it; one kept by a collector before
	/// spec 103 (no wrap) is moved to the current storage key the first time it is read.
	fn stored_content_key(vehicle: VehicleId, seal_key: &SealKey) -> Option<ContentKey> {
		let storage_key = content_key_key(vehicle);
		if let Some(key) = read_sealed::<ContentKey>(&storage_key, seal_key) {
			return Some(key);
		}
		let old_key = content_key_v1_key(vehicle);
		let old: ContentKey = read_sealed::<ContentKeyV1>(&old_key, seal_key)?.into();
		write_sealed(&storage_key, &old, seal_key);
		StorageValueRef::persistent(&old_key).clear();
		Some(old)
	}

	/// Drops `vehicle`'s content key, if it has one in use: the collector's consent ended.
	pub(super) fn retire_content_key(vehicle: VehicleId, seal_key: &SealKey) {
		let storage_key = content_key_key(vehicle);
		let Some(current) = Self::stored_content_key(vehicle, seal_key) else { return };
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
