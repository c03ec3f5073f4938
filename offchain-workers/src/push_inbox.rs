//! The push inbox: readings that OEMs pushed to the collector (an MQTT broker, a Kafka topic,
//! Tesla Fleet Telemetry), written by the node's receivers to its offchain storage and taken by
//! the offchain worker into the same path as polled readings (record → envelope sealed with
//! the vehicle's key → its storage backend → commitment).
//!
//! # Why an inbox
//!
//! A receiver holds connections; the offchain worker, which knows the chain (the vehicle a
//! carmaker's id names, the owner's consent and backend, the content keys), runs once a block
//! and holds none. The inbox joins the two: a receiver writes what it received, then
//! acknowledges it to the OEM; the worker takes it at its next run.
//!
//! # What it promises
//!
//! - **Nothing acknowledged is lost.** A receiver writes a segment's bytes, then adds the
//!   segment to the list ([`Inbox`], compare-and-set), and only then acknowledges its
//!   messages (an MQTT PUBACK, a Kafka offset, a Fleet Telemetry ack). A crash before the list
//!   names the segment leaves the messages unacknowledged, and the OEM sends them again.
//! - **Nothing is committed twice.** The worker removes a segment from the list only after the
//!   commitment that holds its readings was logged. A crash in between leaves the segment
//!   listed: the next run takes it again, and each of its readings is then left out as
//!   committed already (its vehicle's last committed window ends at or after it).
//! - **Bounded.** An inbox that holds [`MAX_INBOX_READINGS`] readings or [`MAX_INBOX_BYTES`]
//!   is full ([`Inbox::is_full`]): receivers then stop acknowledging, and the OEMs hold their
//!   messages (a broker's in-flight window, a Kafka offset that does not move, a vehicle's
//!   own buffer). The memory is the database's, not the node's heap.

use crate::oem::Signals;
use alloc::vec::Vec;
use codec::{Decode, Encode};
use dimo_primitives::vehicle::OemId;

/// The offchain-storage key of the inbox's list ([`Inbox`]).
pub const INBOX_KEY: &[u8] = b"dimo/collector/push-inbox";

/// The prefix of the offchain-storage keys of the segments' bytes.
pub const SEGMENT_PREFIX: &[u8] = b"dimo/collector/push-inbox/segment/";

/// The most readings the inbox holds: a few blocks of a national fleet's pushes, more than
/// a commitment takes in one run.
pub const MAX_INBOX_READINGS: u64 = 200_000;

/// The most bytes the inbox's segments add up to: 128 MiB.
pub const MAX_INBOX_BYTES: u64 = 128 << 20;

/// The most segments the list holds, whatever their size: keeps the list itself small.
pub const MAX_INBOX_SEGMENTS: usize = 4_096;

/// The most readings a receiver writes in one segment.
pub const MAX_SEGMENT_READINGS: u32 = 1_000;

/// The longest carmaker's id of a vehicle that a pushed reading may carry, in bytes (a VIN
/// takes 17).
pub const MAX_OEM_REF_LEN: usize = 64;

/// The offchain-storage key of the bytes of segment `seq`.
pub fn segment_key(seq: u64) -> Vec<u8> {
	let mut key = SEGMENT_PREFIX.to_vec();
	key.extend_from_slice(&seq.to_be_bytes());
	key
}

/// Where a pushed reading came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
pub enum PushKind {
	/// An MQTT broker.
	Mqtt,
	/// A Kafka topic.
	Kafka,
	/// Tesla Fleet Telemetry.
	FleetTelemetry,
}

/// One reading that an OEM pushed, as a receiver read it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct PushedReading {
	/// The OEM whose feed it came from (its id on chain).
	pub oem: OemId,
	/// The feed's kind.
	pub kind: PushKind,
	/// The carmaker's id of the car (a VIN, for Tesla): its BLAKE2-256 is the vehicle's
	/// `oem_ref_hash` on chain. At most [`MAX_OEM_REF_LEN`] bytes.
	pub oem_ref: Vec<u8>,
	/// When the car observed it, by the OEM's word (Unix ms).
	pub observed_at_ms: u64,
	/// When the receiver received it (Unix ms): how long it waited is measured from here.
	pub received_at_ms: u64,
	/// Its signals, read by the OEM's adapter.
	pub signals: Signals,
	/// The message as the OEM sent it, if small enough to keep
	/// ([`crate::readings::MAX_RAW_KEPT`]).
	pub raw: Option<Vec<u8>>,
}

/// One segment of the inbox: what one receiver wrote at once.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Segment {
	/// Its number: segments are taken in this order.
	pub seq: u64,
	/// How many readings it holds.
	pub readings: u32,
	/// Its size in bytes (SCALE-encoded `Vec<PushedReading>`).
	pub bytes: u32,
	/// When its oldest reading was received (Unix ms).
	pub oldest_ms: u64,
}

/// The inbox's list.
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode)]
pub struct Inbox {
	/// The segments waiting for the worker, oldest first.
	pub segments: Vec<Segment>,
	/// The number of the next segment a receiver writes.
	pub next_seq: u64,
}

impl Inbox {
	/// The readings waiting.
	pub fn readings(&self) -> u64 {
		self.segments.iter().map(|segment| u64::from(segment.readings)).fold(0, u64::saturating_add)
	}

	/// The bytes waiting.
	pub fn bytes(&self) -> u64 {
		self.segments.iter().map(|segment| u64::from(segment.bytes)).fold(0, u64::saturating_add)
	}

	/// When the oldest waiting reading was received (Unix ms), if any waits.
	pub fn oldest_ms(&self) -> Option<u64> {
		self.segments.iter().map(|segment| segment.oldest_ms).min()
	}

	/// Whether the inbox takes no more: receivers stop acknowledging until the worker took
	/// some.
	pub fn is_full(&self) -> bool {
		self.segments.len() >= MAX_INBOX_SEGMENTS
			|| self.readings() >= MAX_INBOX_READINGS
			|| self.bytes() >= MAX_INBOX_BYTES
	}

	/// Lists a segment of `readings` readings and `bytes` bytes whose oldest was received at
	/// `oldest_ms`, written at [`segment_key`] of the number it returns; `None` if the inbox
	/// is full (the segment's bytes are then to be cleared, and its messages not acknowledged).
	pub fn add(&mut self, readings: u32, bytes: u32, oldest_ms: u64) -> Option<u64> {
		if self.is_full() {
			return None;
		}
		let seq = self.next_seq;
		self.segments.push(Segment { seq, readings, bytes, oldest_ms });
		self.next_seq = seq.saturating_add(1);
		Some(seq)
	}

	/// The oldest segments whose readings add up to at most `room`, in order. A segment holds
	/// at most [`MAX_SEGMENT_READINGS`], fewer than a commitment's leaves, so the oldest is
	/// taken by the next run with room for it.
	pub fn take(&self, room: usize) -> Vec<Segment> {
		let mut taken = Vec::new();
		let mut readings: usize = 0;
		for segment in &self.segments {
			let after = readings.saturating_add(segment.readings as usize);
			if after > room {
				break;
			}
			taken.push(*segment);
			readings = after;
		}
		taken
	}

	/// Removes the segments numbered `seqs`; how many were listed.
	pub fn remove(&mut self, seqs: &[u64]) -> usize {
		let before = self.segments.len();
		self.segments.retain(|segment| !seqs.contains(&segment.seq));
		before.saturating_sub(self.segments.len())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn segments_are_numbered_in_order_until_the_inbox_is_full() {
		let mut inbox = Inbox::default();
		assert_eq!(inbox.add(10, 1_000, 5), Some(0));
		assert_eq!(inbox.add(20, 2_000, 3), Some(1));
		assert_eq!((inbox.readings(), inbox.bytes(), inbox.oldest_ms()), (30, 3_000, Some(3)));
		assert_eq!(inbox.remove(&[0, 7]), 1);
		assert_eq!(inbox.add(1, 1, 9), Some(2), "numbers never repeat");
		assert_eq!(inbox.segments.iter().map(|s| s.seq).collect::<Vec<_>>(), vec![1, 2]);

		let mut by_readings = Inbox::default();
		assert!(by_readings.add(MAX_INBOX_READINGS as u32, 1, 0).is_some());
		assert!(by_readings.is_full());
		assert_eq!(by_readings.add(1, 1, 0), None);
		let mut by_bytes = Inbox::default();
		assert!(by_bytes.add(1, MAX_INBOX_BYTES as u32, 0).is_some());
		assert_eq!(by_bytes.add(1, 1, 0), None);
		let mut by_segments = Inbox::default();
		for _ in 0..MAX_INBOX_SEGMENTS {
			assert!(by_segments.add(1, 1, 0).is_some());
		}
		assert_eq!(by_segments.add(1, 1, 0), None);
		assert_eq!(Inbox::default().oldest_ms(), None);
	}

	#[test]
	fn the_worker_takes_the_oldest_segments_that_fit() {
		let mut inbox = Inbox::default();
		for readings in [300, 200, 100] {
			inbox.add(readings, 1, 0);
		}
		let seqs = |taken: Vec<Segment>| taken.iter().map(|s| s.seq).collect::<Vec<_>>();
		assert_eq!(seqs(inbox.take(0)), Vec::<u64>::new());
		assert_eq!(seqs(inbox.take(299)), Vec::<u64>::new(), "the oldest waits for room");
		assert_eq!(seqs(inbox.take(300)), vec![0]);
		assert_eq!(seqs(inbox.take(550)), vec![0, 1], "in order: the third would not fit");
		assert_eq!(seqs(inbox.take(600)), vec![0, 1, 2]);
	}

	#[test]
	fn segment_keys_are_distinct_and_ordered() {
		assert!(segment_key(1).starts_with(SEGMENT_PREFIX));
		assert!(segment_key(1) < segment_key(2));
		assert!(segment_key(255) < segment_key(256));
	}

	#[test]
	fn a_pushed_reading_round_trips() {
		let reading = PushedReading {
			oem: 1,
			kind: PushKind::FleetTelemetry,
			oem_ref: b"5YJ3E1EA7KF000001".to_vec(),
			observed_at_ms: 1_700_000_000_000,
			received_at_ms: 1_700_000_000_250,
			signals: [("speedKph".into(), 88)].into_iter().collect(),
			raw: None,
		};
		let bytes = vec![reading.clone()].encode();
		assert_eq!(Vec::<PushedReading>::decode(&mut &bytes[..]), Ok(vec![reading]));
	}
}
