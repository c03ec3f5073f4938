//! When a collector polls each vehicle: every [`Policy::poll_every`] blocks while the OEM
//! answers, later and later while it does not.
//!
//! Each vehicle's [`Schedule`] lives in the node's offchain persistent storage (under
//! [`schedule_key`]), so that a restarted node keeps its backoffs and does not hammer an OEM
//! that asked it to wait. The rules:
//!
//! - a reading anchored: next poll in `poll_every` blocks, failures forgotten;
//! - the car sleeps, the OEM fails or answers nonsense, the transport fails: next poll in
//!   `poll_every × 2^failures` blocks, at most `max_backoff` blocks;
//! - the OEM rate-limits (429): no request before its `Retry-After` has passed, in wall-clock
//!   time, and the block backoff as above;
//! - the owner's refresh token is refused: the owner must grant access again; polls stop for
//!   `max_backoff` blocks at a time, so that a new grant set through the RPC is picked up.

use alloc::vec::Vec;
use codec::{Decode, Encode};

/// The prefix of each vehicle's schedule key; the vehicle id follows, little-endian.
pub const SCHEDULE_PREFIX: &[u8] = b"dimo/collector/schedule/";

/// The key of `vehicle`'s schedule.
pub fn schedule_key(vehicle: u64) -> Vec<u8> {
	let mut key = SCHEDULE_PREFIX.to_vec();
	key.extend_from_slice(&vehicle.to_le_bytes());
	key
}

/// How often to poll, and how far to back off.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Policy {
	/// Blocks between two polls of a vehicle that answers.
	pub poll_every: u32,
	/// The longest wait after failures, in blocks.
	pub max_backoff: u32,
}

/// One vehicle's place in the schedule.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode)]
pub struct Schedule {
	/// The first block at which the vehicle may be polled again.
	pub next_block: u64,
	/// The first wall-clock time (Unix milliseconds) at which it may be polled again.
	pub not_before_ms: u64,
	/// The failures since the last reading anchored.
	pub failures: u32,
}

/// Why a poll gave no reading.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Failure {
	/// Asleep, a failure status, a malformed answer, a transport error, a failed upload.
	Transient,
	/// The OEM said to wait this many seconds.
	RateLimited(u32),
	/// The owner's grant is no longer good.
	GrantRevoked,
}

impl Schedule {
	/// Whether the vehicle may be polled at block `block`, wall-clock `now_ms`.
	pub fn is_due(&self, block: u64, now_ms: u64) -> bool {
		block >= self.next_block && now_ms >= self.not_before_ms
	}

	/// The schedule after a reading polled at `block`.
	pub fn after_reading(block: u64, policy: &Policy) -> Self {
		Self {
			next_block: block.saturating_add(u64::from(policy.poll_every)),
			not_before_ms: 0,
			failures: 0,
		}
	}

	/// The schedule after `failure` at `block`, wall-clock `now_ms`.
	pub fn after_failure(
		&self,
		failure: Failure,
		block: u64,
		now_ms: u64,
		policy: &Policy,
	) -> Self {
		let failures = self.failures.saturating_add(1);
		let backoff = match failure {
			Failure::GrantRevoked => u64::from(policy.max_backoff),
			Failure::Transient | Failure::RateLimited(_) => {
				let doubled = 1u64.checked_shl(failures.min(32)).unwrap_or(u64::MAX);
				u64::from(policy.poll_every)
					.saturating_mul(doubled)
					.min(u64::from(policy.max_backoff.max(policy.poll_every)))
			},
		};
		let not_before_ms = match failure {
			Failure::RateLimited(seconds) => {
				now_ms.saturating_add(u64::from(seconds).saturating_mul(1000))
			},
			_ => 0,
		};
		Self { next_block: block.saturating_add(backoff), not_before_ms, failures }
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	const POLICY: Policy = Policy { poll_every: 5, max_backoff: 60 };

	#[test]
	fn a_reading_schedules_the_next_poll_and_forgets_failures() {
		let next = Schedule::after_reading(100, &POLICY);
		assert_eq!(next, Schedule { next_block: 105, not_before_ms: 0, failures: 0 });
		assert!(!next.is_due(104, u64::MAX));
		assert!(next.is_due(105, 0));
	}

	#[test]
	fn failures_back_off_exponentially_up_to_the_bound() {
		let mut schedule = Schedule::default();
		let mut waits = Vec::new();
		for _ in 0..6 {
			schedule = schedule.after_failure(Failure::Transient, 100, 0, &POLICY);
			waits.push(schedule.next_block - 100);
		}
		assert_eq!(waits, [10, 20, 40, 60, 60, 60]);
		assert_eq!(schedule.failures, 6);
		// Many failures neither overflow nor wrap.
		let worn = Schedule { failures: u32::MAX, ..schedule };
		assert_eq!(
			worn.after_failure(Failure::Transient, u64::MAX, 0, &POLICY).next_block,
			u64::MAX
		);
	}

	#[test]
	fn a_rate_limit_is_honoured_in_wall_clock_time() {
		let limited =
			Schedule::default().after_failure(Failure::RateLimited(30), 100, 1_000, &POLICY);
		assert_eq!(limited.not_before_ms, 31_000);
		assert!(!limited.is_due(1_000, 30_999));
		assert!(limited.is_due(1_000, 31_000));
	}

	#[test]
	fn a_revoked_grant_waits_the_longest() {
		let revoked = Schedule::default().after_failure(Failure::GrantRevoked, 100, 0, &POLICY);
		assert_eq!(revoked.next_block, 160);
	}

	#[test]
	fn keys_are_distinct_per_vehicle() {
		assert_ne!(schedule_key(1), schedule_key(256));
		assert!(schedule_key(1).starts_with(SCHEDULE_PREFIX));
	}
}
