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

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_ring_wraps_at_keep_and_keys_do_not_collide() {
		assert_eq!(slot_key(1, 0, 3), slot_key(1, 3, 3));
		assert_ne!(slot_key(1, 0, 3), slot_key(1, 1, 3));
		assert_ne!(slot_key(1, 0, 3), slot_key(2, 0, 3));
		assert_ne!(head_key(1), slot_key(1, 0, 3));
		// A zero `keep` is read as one.
		assert_eq!(slot_key(1, 5, 0), slot_key(1, 0, 1));
	}
}
