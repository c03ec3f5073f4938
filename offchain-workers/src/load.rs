//! How much one run of the collector takes on, and whether the collector keeps up.
//!
//! A run polls the vehicles that are due, seals and stores their readings and anchors them,
//! under the collector's lock; a run that outlasts its block makes the next block's run skip,
//! and a commitment takes at most one block's worth of readings. So rather than a fixed number
//! of vehicles a run, each run sizes the next from what it measured ([`next_budget`]): it
//! grows (at most doubling) while runs finish within [`TARGET_RUN_MS`] and leave due vehicles
//! behind, and shrinks to what fits in that time when a run took longer. The work therefore
//! follows the machine's cores and I/O and the OEMs' answers, up to what the chain takes in a
//! block, never a constant.
//!
//! Runs scan the vehicles from where the last one stopped ([`RunLoad::next_vehicle_at`]), so a
//! collector that is behind serves every vehicle in turn instead of the head of its list only.
//!
//! **Backpressure.** A vehicle that a run leaves due is simply polled by a later run: it was
//! not read, so nothing is dropped. A run that left due vehicles says so: a warning in the
//! log, and [`RunLoad`] under [`LOAD_KEY`], which the node's `collector_load` RPC method
//! serves (how many it polled, in how long, how many it left due, for how many runs in a row).

use codec::{Decode, Encode};

/// The offchain-storage key of the SCALE-encoded [`RunLoad`] of the latest run.
pub const LOAD_KEY: &[u8] = b"dimo/collector/load";

/// The time a run aims to finish in: half of a 6-second block, so that the next block's run
/// finds the lock free and the commitment reaches the next block.
pub const TARGET_RUN_MS: u64 = 3_000;

/// The fewest vehicles a run may poll, however slow the last one was.
pub const MIN_POLLS_PER_RUN: u32 = 50;

/// How many vehicles the first run polls at most, before any run measured anything.
pub const INITIAL_POLLS_PER_RUN: u32 = 500;

/// What the latest run that polled did, and what the next may take on.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
pub struct RunLoad {
	/// The block of the run.
	pub block: u64,
	/// The most vehicles the next run polls.
	pub budget: u32,
	/// How many vehicles the run polled.
	pub polled: u32,
	/// How many due vehicles it left for later runs.
	pub due_left: u32,
	/// How long it took from reading the schedules to storing the readings, ms.
	pub run_ms: u64,
	/// How many runs in a row left due vehicles (0: the collector keeps up).
	pub behind_runs: u32,
	/// Where the next run starts in the list of vehicles the node holds credentials for.
	pub next_vehicle_at: u32,
}

impl Default for RunLoad {
	fn default() -> Self {
		Self {
			block: 0,
			budget: INITIAL_POLLS_PER_RUN,
			polled: 0,
			due_left: 0,
			run_ms: 0,
			behind_runs: 0,
			next_vehicle_at: 0,
		}
	}
}

/// The budget of the run after one that polled `polled` vehicles of at most `budget` in
/// `run_ms` and left `due_left` due, at most `max` (what the chain takes in one run).
///
/// - A run that took longer than [`TARGET_RUN_MS`] shrinks the budget to what would have fit,
///   at the same pace.
/// - A run that filled its budget within the target and left vehicles due grows it to what
///   would fit at that pace, at most double.
/// - Otherwise (the collector keeps up) the budget stays.
///
/// Always within [`MIN_POLLS_PER_RUN`] and `max` (which wins if smaller).
pub fn next_budget(budget: u32, polled: u32, due_left: u32, run_ms: u64, max: u32) -> u32 {
	let fits =
		|polled: u32| -> u64 { u64::from(polled).saturating_mul(TARGET_RUN_MS) / run_ms.max(1) };
	let next = if polled == 0 {
		u64::from(budget)
	} else if run_ms > TARGET_RUN_MS {
		fits(polled)
	} else if due_left > 0 && polled >= budget {
		fits(polled).min(u64::from(budget).saturating_mul(2)).max(u64::from(budget))
	} else {
		u64::from(budget)
	};
	let next = u32::try_from(next).unwrap_or(u32::MAX);
	next.max(MIN_POLLS_PER_RUN).min(max.max(1))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_budget_grows_while_runs_are_quick_and_leave_vehicles_due() {
		// 500 polled in 1 s, 2,000 left: 1,500 would fit, at most double: 1,000.
		assert_eq!(next_budget(500, 500, 2_000, 1_000, 65_536), 1_000);
		// 500 polled in 2 s: 750 would fit.
		assert_eq!(next_budget(500, 500, 2_000, 2_000, 65_536), 750);
		// Never beyond what the chain takes.
		assert_eq!(next_budget(40_000, 40_000, 10, 100, 65_536), 65_536);
	}

	#[test]
	fn a_budget_shrinks_to_what_fits_after_a_slow_run() {
		// 2,000 polled in 6 s: 1,000 fit in 3 s.
		assert_eq!(next_budget(2_000, 2_000, 500, 6_000, 65_536), 1_000);
		// However slow, a run still polls the minimum.
		assert_eq!(next_budget(100, 100, 0, 60_000, 65_536), MIN_POLLS_PER_RUN);
	}

	#[test]
	fn a_budget_stays_while_the_collector_keeps_up() {
		// Nothing left due, or the budget not filled, or nothing polled.
		assert_eq!(next_budget(800, 800, 0, 500, 65_536), 800);
		assert_eq!(next_budget(800, 300, 20, 500, 65_536), 800);
		assert_eq!(next_budget(800, 0, 0, 0, 65_536), 800);
		// A smaller chain bound wins, even over the minimum.
		assert_eq!(next_budget(800, 0, 0, 0, 10), 10);
	}
}
