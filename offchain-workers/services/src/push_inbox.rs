//! The receivers' side of the push inbox ([`dimo_offchain::push_inbox`]): appends what a
//! receiver got from an OEM to the node's offchain storage, where the offchain worker takes
//! it into a commitment.
//!
//! A receiver acknowledges a message to its OEM only after [`InboxWriter::append`] returned
//! `Ok`: the segment's bytes are written first, then the inbox's list names them
//! (compare-and-set, since the worker removes segments meanwhile). A crash before the list
//! names a segment loses nothing acknowledged; its bytes stay behind unreferenced until the
//! same number is written again (numbers are taken from the list, so the next append reuses
//! it).
//!
//! One writer per node: the receivers share it, and it hands out the segments' numbers under
//! its lock, so two receivers never write the same segment.

use codec::{Decode, Encode};
use dimo_offchain::push_inbox::{
	segment_key, Inbox, PushedReading, INBOX_KEY, MAX_SEGMENT_READINGS,
};
use sp_core::offchain::OffchainStorage;

const PREFIX: &[u8] = sp_offchain::STORAGE_PREFIX;

/// How often an append tries its compare-and-set before it gives up (the worker changes the
/// list once a block at most).
const MAX_TRIES: usize = 16;

/// Why an append was refused: the readings are not in the inbox, and must not be acknowledged.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AppendError {
	/// The inbox is full: the worker is behind. The OEM keeps the messages.
	Full,
	/// More than [`MAX_SEGMENT_READINGS`] readings, or none.
	BadSize,
	/// The inbox's list does not decode, or kept changing.
	Storage,
}

/// The appending side of the push inbox, over the node's offchain storage `S`.
pub struct InboxWriter<S> {
	storage: parking_lot::Mutex<S>,
}

impl<S: OffchainStorage> InboxWriter<S> {
	/// A writer into `storage`.
	pub fn new(storage: S) -> Self {
		Self { storage: parking_lot::Mutex::new(storage) }
	}

	/// Appends `readings` (1 to [`MAX_SEGMENT_READINGS`]) as one segment; its number once the
	/// inbox lists it, after which the readings may be acknowledged.
	pub fn append(&self, readings: &[PushedReading]) -> Result<u64, AppendError> {
		let count = u32::try_from(readings.len()).map_err(|_| AppendError::BadSize)?;
		if count == 0 || count > MAX_SEGMENT_READINGS {
			return Err(AppendError::BadSize);
		}
		let bytes = readings.encode();
		let size = u32::try_from(bytes.len()).map_err(|_| AppendError::BadSize)?;
		let oldest_ms =
			readings.iter().map(|reading| reading.received_at_ms).min().unwrap_or_default();
		let mut storage = self.storage.lock();
		let mut written: Option<u64> = None;
		for _ in 0..MAX_TRIES {
			let held = storage.get(PREFIX, INBOX_KEY);
			let mut inbox = match &held {
				Some(held) => Inbox::decode(&mut &held[..]).map_err(|_| AppendError::Storage)?,
				None => Inbox::default(),
			};
			let Some(seq) = inbox.add(count, size, oldest_ms) else {
				if let Some(seq) = written {
					storage.remove(PREFIX, &segment_key(seq));
				}
				return Err(AppendError::Full);
			};
			// The number comes from the list, which only this writer moves on: a retry after
			// the worker removed segments gets the same one, written already.
			if written != Some(seq) {
				if let Some(stale) = written {
					storage.remove(PREFIX, &segment_key(stale));
				}
				storage.set(PREFIX, &segment_key(seq), &bytes);
				written = Some(seq);
			}
			if storage.compare_and_set(PREFIX, INBOX_KEY, held.as_deref(), &inbox.encode()) {
				return Ok(seq);
			}
		}
		if let Some(seq) = written {
			storage.remove(PREFIX, &segment_key(seq));
		}
		Err(AppendError::Storage)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::test_storage::Shared;
	use dimo_offchain::push_inbox::{PushKind, MAX_INBOX_READINGS};

	fn reading(n: u64) -> PushedReading {
		PushedReading {
			oem: 1,
			kind: PushKind::Mqtt,
			oem_ref: format!("VIN{n}").into_bytes(),
			observed_at_ms: 1_000 + n,
			received_at_ms: 2_000 + n,
			signals: [("speedKph".to_string(), n as i64)].into_iter().collect(),
			raw: None,
		}
	}

	#[test]
	fn a_segment_is_written_then_listed_and_reads_back_as_written() {
		let storage = Shared::default();
		let writer = InboxWriter::new(storage.clone());
		assert_eq!(writer.append(&[reading(1), reading(2)]), Ok(0));
		assert_eq!(writer.append(&[reading(3)]), Ok(1));
		let listed = storage.inbox();
		assert_eq!(
			listed.segments.iter().map(|s| (s.seq, s.readings)).collect::<Vec<_>>(),
			[(0, 2), (1, 1)]
		);
		assert_eq!(listed.segments[0].oldest_ms, 2_001);
		let bytes = storage.get(PREFIX, &segment_key(0)).expect("written");
		assert_eq!(Vec::<PushedReading>::decode(&mut &bytes[..]), Ok(vec![reading(1), reading(2)]));
		assert_eq!(
			(listed.segments.len(), listed.readings(), listed.oldest_ms(), listed.is_full()),
			(2, 3, Some(2_001), false)
		);
	}

	#[test]
	fn the_worker_removing_segments_meanwhile_costs_a_retry_not_a_reading() {
		let shared = Shared::default();
		let writer = InboxWriter::new(shared.clone());
		writer.append(&[reading(1)]).expect("appended");
		// The worker releases segment 0 between the writer's read of the list and its
		// compare-and-set: that one fails, and the retry lists the segment under the number it
		// was written at, segment 0 staying released.
		shared.race_next_compare_and_set(|storage| {
			let mut released: Inbox = storage
				.get(PREFIX, INBOX_KEY)
				.and_then(|bytes| Inbox::decode(&mut &bytes[..]).ok())
				.expect("listed");
			released.remove(&[0]);
			storage.set(PREFIX, INBOX_KEY, &released.encode());
		});
		assert_eq!(writer.append(&[reading(2)]), Ok(1));
		assert_eq!(shared.inbox().segments.iter().map(|s| s.seq).collect::<Vec<_>>(), [1]);
		let bytes = shared.get(PREFIX, &segment_key(1)).expect("written");
		assert_eq!(Vec::<PushedReading>::decode(&mut &bytes[..]), Ok(vec![reading(2)]));
	}

	#[test]
	fn a_full_inbox_or_a_bad_size_takes_nothing_and_leaves_no_bytes() {
		let storage = Shared::default();
		let writer = InboxWriter::new(storage.clone());
		assert_eq!(writer.append(&[]), Err(AppendError::BadSize));
		let too_many: Vec<PushedReading> = (0..=MAX_SEGMENT_READINGS as u64).map(reading).collect();
		assert_eq!(writer.append(&too_many), Err(AppendError::BadSize));

		let mut full = Inbox::default();
		full.add(MAX_INBOX_READINGS as u32, 1, 0);
		let mut worker = storage.clone();
		worker.set(PREFIX, INBOX_KEY, &full.encode());
		assert_eq!(writer.append(&[reading(1)]), Err(AppendError::Full));
		assert!(storage.inbox().is_full());
		assert_eq!(storage.get(PREFIX, &segment_key(1)), None, "no bytes left behind");

		worker.set(PREFIX, INBOX_KEY, b"not an inbox");
		assert_eq!(writer.append(&[reading(1)]), Err(AppendError::Storage));
	}
}
