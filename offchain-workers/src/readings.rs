//! The readings a collector keeps for serving: the node-local store from which the gateway
//! (`dimo_readStream`, `dimo_subscribeStream`) answers, whatever the vehicle's storage backend
//! (`Local` vehicles included: their readings go nowhere else).
//!
//! Each vehicle has a ring of [`Settings::keep_readings`](crate::settings::Settings) slots in
//! the node's offchain persistent storage:
//!
//! - [`head_key`]: the SCALE-encoded [`Head`], how many readings of the vehicle were ever
//!   kept (the next reading's number), written after its slot;
//! - [`slot_key`] of `number % keep`: the reading numbered `number`, a
//!   [`Sealed`](crate::seal::Sealed) [`KeptReading`] (the storage key is the associated data).
//!
//! Reading `n` overwrites reading `n - keep`, so the store holds a vehicle's last `keep`
//! readings and no more: bounded per vehicle, and the node bounds the vehicles. A reader of the
//! store reads the head, then the slots it wants, and takes a slot only if the number inside
//! is the one it asked for (the ring may have moved on meanwhile, or `keep` changed).
//!
//! Readings are sealed at rest like credentials: the records hold the position of the car.
//!
//! ## History: what the ring has moved past
//!
//! The ring is the hot end. Every reading kept is also written to the vehicle's **history**,
//! under the same number, and stays there for [`Settings::keep_days`](crate::settings::Settings)
//! days from when it was observed, whatever the ring does and across restarts (offchain
//! persistent storage is in the node's database):
//!
//! - [`history_key`] of `number`: a [`Sealed`](crate::seal::Sealed) [`Archived`]: when the
//!   reading was observed and the reading itself. A reading whose envelope went to IPFS is
//!   archived **without** its record and raw answer: IPFS holds it, and the gateway reads it
//!   back by the envelope's CID, opened with the collector's content key of that id
//!   ([`crate::content_keys::key_by_id_key`]). A `Local` vehicle's reading (its owner asked that
//!   nothing leave the collector) and an Arweave vehicle's (read back from Arweave is not built
//!   yet) are archived whole: the collector is where they are kept.
//! - [`history_head_key`]: the SCALE-encoded [`HistoryHead`], the oldest number still archived;
//!   each reading kept prunes at most [`PRUNE_PER_READING`] archived readings older than the
//!   retention, oldest first, so that pruning keeps pace with keeping at a bounded cost.

use alloc::vec::Vec;
use codec::{Decode, Encode};

/// The prefix of the offchain-storage keys of the store.
pub const READINGS_PREFIX: &[u8] = b"dimo/collector/readings/";

/// The default number of readings kept per vehicle.
pub const DEFAULT_KEEP_READINGS: u32 = 100;

/// The most readings a node may keep per vehicle.
pub const MAX_KEEP_READINGS: u32 = 10_000;

/// The largest OEM answer kept for the `rawData` stream: 64 KiB. A larger answer is still
/// read into a record (up to the node's `--collector-max-answer-bytes`), but its raw bytes are
/// not kept, so that the store's size stays a small multiple of `keep_readings` per vehicle.
pub const MAX_RAW_KEPT: usize = 64 * 1024;

/// The offchain-storage key of `vehicle`'s [`Head`].
pub fn head_key(vehicle: u64) -> Vec<u8> {
	let mut key = READINGS_PREFIX.to_vec();
	key.extend_from_slice(&vehicle.to_le_bytes());
	key.extend_from_slice(b"/head");
	key
}

/// The offchain-storage key of the slot of reading `number` of `vehicle`, in a ring of `keep`.
pub fn slot_key(vehicle: u64, number: u64, keep: u32) -> Vec<u8> {
	let mut key = READINGS_PREFIX.to_vec();
	key.extend_from_slice(&vehicle.to_le_bytes());
	key.push(b'/');
	key.extend_from_slice(&(number % u64::from(keep.max(1))).to_le_bytes());
	key
}

/// How many readings of a vehicle were ever kept.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode)]
pub struct Head {
	/// The number the next reading gets; the readings kept are the last `keep` below it.
	pub next: u64,
}

/// One reading as the collector keeps it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct KeptReading {
	/// Its number among the vehicle's kept readings, from 0.
	pub number: u64,
	/// The blake2-256 of the SCALE-encoded account that owned the vehicle when it was read:
	/// the gateway serves a reading to the owners and grantees of that owner's time only, so
	/// that a new owner does not read the car's history under the previous one.
	pub owner: [u8; 32],
	/// The canonical record ([`crate::record`]).
	pub record: Vec<u8>,
	/// The OEM's answer as received, if it was at most [`MAX_RAW_KEPT`] bytes.
	pub raw: Option<Vec<u8>>,
	/// The CID of the envelope stored for it (IPFS), if any.
	pub envelope_cid: Option<Vec<u8>>,
	/// The id of the content key that sealed that envelope's non-location part (before spec 104:
	/// the whole envelope; 0: none).
	pub key_id: u32,
}

/// The prefix of the offchain-storage keys of the history.
pub const HISTORY_PREFIX: &[u8] = b"dimo/collector/history/";

/// The default number of days a reading stays in the history.
pub const DEFAULT_KEEP_DAYS: u32 = 30;

/// The most days a node may keep readings: ten years.
pub const MAX_KEEP_DAYS: u32 = 3_650;

/// The most archived readings that keeping one reading prunes: more than one, so that a
/// history that fell behind (the retention shortened) catches up.
pub const PRUNE_PER_READING: u32 = 4;

/// Milliseconds in a day.
const DAY_MS: u64 = 86_400_000;

/// The offchain-storage key of `vehicle`'s [`HistoryHead`].
pub fn history_head_key(vehicle: u64) -> Vec<u8> {
	let mut key = HISTORY_PREFIX.to_vec();
	key.extend_from_slice(&vehicle.to_le_bytes());
	key.extend_from_slice(b"/head");
	key
}

/// The offchain-storage key of reading `number` of `vehicle` in its history.
pub fn history_key(vehicle: u64, number: u64) -> Vec<u8> {
	let mut key = HISTORY_PREFIX.to_vec();
	key.extend_from_slice(&vehicle.to_le_bytes());
	key.push(b'/');
	key.extend_from_slice(&number.to_le_bytes());
	key
}

/// Where a vehicle's history starts.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode)]
pub struct HistoryHead {
	/// The oldest reading number still archived (those below were pruned).
	pub first: u64,
}

/// One reading in a vehicle's history.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Archived {
	/// When it was observed: the end of its record's window, Unix ms.
	pub observed_at: u64,
	/// The reading; without `record` and `raw` (empty, `None`) when its envelope is on IPFS
	/// ([`Archived::in_storage`]).
	pub reading: KeptReading,
}

impl Archived {
	/// `reading`, observed at `observed_at`, archived whole, or without its record and raw
	/// answer if `in_storage` (its envelope is on IPFS under `reading.envelope_cid`).
	pub fn new(observed_at: u64, mut reading: KeptReading, in_storage: bool) -> Self {
		if in_storage && reading.envelope_cid.is_some() {
			reading.record = Vec::new();
			reading.raw = None;
		}
		Self { observed_at, reading }
	}

	/// Whether the reading is to be read back from storage (its record is not here).
	pub fn in_storage(&self) -> bool {
		self.reading.record.is_empty() && self.reading.envelope_cid.is_some()
	}
}

/// Whether a reading observed at `observed_at` (Unix ms) is past a retention of `keep_days`
/// at `now` (Unix ms).
pub fn expired(observed_at: u64, now: u64, keep_days: u32) -> bool {
	observed_at.saturating_add(u64::from(keep_days).saturating_mul(DAY_MS)) < now
}

#[cfg(test)]
mod tests {
	use super::*;
	use alloc::vec;

	#[test]
	fn the_ring_wraps_at_keep_and_keys_do_not_collide() {
		assert_eq!(slot_key(1, 0, 3), slot_key(1, 3, 3));
		assert_ne!(slot_key(1, 0, 3), slot_key(1, 1, 3));
		assert_ne!(slot_key(1, 0, 3), slot_key(2, 0, 3));
		assert_ne!(head_key(1), slot_key(1, 0, 3));
		// A zero `keep` is read as one.
		assert_eq!(slot_key(1, 5, 0), slot_key(1, 0, 1));
	}

	#[test]
	fn history_keys_do_not_collide_with_the_ring_or_each_other() {
		assert_ne!(history_key(1, 0), history_key(1, 1));
		assert_ne!(history_key(1, 0), history_key(2, 0));
		assert_ne!(history_head_key(1), history_key(1, 0));
		assert_ne!(history_head_key(1), head_key(1));
		assert_ne!(history_key(1, 0), slot_key(1, 0, 3));
	}

	fn reading(envelope_cid: Option<Vec<u8>>) -> KeptReading {
		KeptReading {
			number: 7,
			owner: [1; 32],
			record: b"{}".to_vec(),
			raw: Some(b"raw".to_vec()),
			envelope_cid,
			key_id: 3,
		}
	}

	#[test]
	fn only_a_reading_on_ipfs_is_archived_without_its_record() {
		let on_ipfs = Archived::new(5, reading(Some(vec![1, 2])), true);
		assert!(on_ipfs.in_storage());
		assert!(on_ipfs.reading.record.is_empty());
		assert_eq!(on_ipfs.reading.raw, None);
		assert_eq!(on_ipfs.reading.envelope_cid, Some(vec![1, 2]));
		// Local: the record stays, whatever its anchor.
		let local = Archived::new(5, reading(None), true);
		assert!(!local.in_storage());
		assert_eq!(local.reading, reading(None));
		// Not in storage (Arweave, until read-back is built): whole.
		let arweave = Archived::new(5, reading(Some(vec![1])), false);
		assert!(!arweave.in_storage());
		assert_eq!(arweave.reading.record, b"{}".to_vec());
	}

	#[test]
	fn a_reading_expires_after_keep_days() {
		let day = DAY_MS;
		assert!(!expired(0, day, 1));
		assert!(expired(0, day + 1, 1));
		assert!(!expired(10 * day, 12 * day, 2));
		assert!(expired(10 * day, 12 * day + 1, 2));
		// No overflow at the ends.
		assert!(!expired(u64::MAX, u64::MAX, MAX_KEEP_DAYS));
		assert!(!expired(0, 0, 0));
	}
}
