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
//!
//! **Where the time goes.** A run also records how long each of its steps took ([`RunSteps`]),
//! so that an operator (and `scripts/perf.sh`) sees what bounds the collector: finding and
//! checking the due vehicles, the OEMs' answers, sealing, storage, the readings kept for the
//! gateway, or the commitment.

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
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode)]
pub struct RunLoad {
	/// The block of the run.
	pub block: u64,
	/// The most vehicles the next run polls.
	pub budget: u32,
	/// How many vehicles the run polled.
	pub polled: u32,
	/// How many due vehicles it left for later runs.
	pub due_left: u32,
	/// How long it took from reading the schedules to submitting its commitment (or batch), ms.
	pub run_ms: u64,
	/// How many runs in a row left due vehicles (0: the collector keeps up).
	pub behind_runs: u32,
	/// Where the next run starts in the list of vehicles the node holds credentials for.
	pub next_vehicle_at: u32,
	/// How long each step of the run took.
	pub steps: RunSteps,
}

/// How long each step of a run took, ms, in the order a run takes them. The steps add up to
/// about the run's `run_ms` (the clock of the offchain worker counts whole milliseconds).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode)]
pub struct RunSteps {
	/// Finding the due vehicles (each one's schedule read) and checking each into a job:
	/// consent, backend, credentials opened, the OEM's source, the very car.
	pub due_ms: u64,
	/// Refreshing the OAuth tokens that expire soon.
	pub tokens_ms: u64,
	/// The OEM requests, all in flight at once.
	pub fetch_ms: u64,
	/// Records built and sealed into envelopes, content keys made or rotated.
	pub seal_ms: u64,
	/// Envelopes to IPFS: the run's archive imported (or each envelope added).
	pub store_ms: u64,
	/// Readings kept, sealed, for the gateway (the ring and the history), and those of Arweave
	/// vehicles queued to the outbox.
	pub keep_ms: u64,
	/// Each polled vehicle's next poll written.
	pub schedule_ms: u64,
	/// The readings numbered, logged and submitted: the commitment (or the batch of anchors).
	pub commit_ms: u64,
}

impl Decode for RunLoad {
	fn decode<I: codec::Input>(input: &mut I) -> Result<Self, codec::Error> {
		let block = Decode::decode(input)?;
		let budget = Decode::decode(input)?;
		let polled = Decode::decode(input)?;
		let due_left = Decode::decode(input)?;
		let run_ms = Decode::decode(input)?;
		let behind_runs = Decode::decode(input)?;
		let next_vehicle_at = Decode::decode(input)?;
		// Absent from the load that a node older than the steps wrote.
		let steps = match input.remaining_len()? {
			Some(0) => RunSteps::default(),
			_ => RunSteps::decode(input)?,
		};
		Ok(Self { block, budget, polled, due_left, run_ms, behind_runs, next_vehicle_at, steps })
	}
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
			steps: RunSteps::default(),
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
	fn a_load_written_before_the_steps_decodes_without_them() {
		let load = RunLoad {
			block: 7,
			budget: 900,
			polled: 800,
			due_left: 3,
			run_ms: 1_200,
			behind_runs: 1,
			next_vehicle_at: 42,
			steps: RunSteps { fetch_ms: 700, commit_ms: 90, ..RunSteps::default() },
		};
		let encoded = load.encode();
		assert_eq!(RunLoad::decode(&mut &encoded[..]), Ok(load));
		// The fields of a node older than the steps: the same bytes, less the steps.
		let older = &encoded[..encoded.len() - RunSteps::default().encode().len()];
		let decoded = RunLoad::decode(&mut &older[..]).expect("an older load decodes");
		assert_eq!(decoded, RunLoad { steps: RunSteps::default(), ..load });
		// Truncated within the steps: an error, not a guess.
		assert!(RunLoad::decode(&mut &encoded[..encoded.len() - 1]).is_err());
	}

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
