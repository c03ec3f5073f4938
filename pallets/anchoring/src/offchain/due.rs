//! The vehicles due for a poll, each checked into a [`Job`], and the poll itself: tokens,
//! fetch, store, in that order, then each vehicle's next poll written to its schedule.
//!
//! A vehicle is polled if the operator stored its credentials, it is due
//! ([`dimo_offchain::schedule`]), it consents to this collector at this block, its readings
//! have room to wait for Arweave if it chose Arweave, its OEM has a registered source on hosts
//! that the operator listed too (no other host is ever contacted), and its credentials name
//! the car the registry holds (the OEM, and the blake2-256 of the OEM's id of the car).

use super::{
	local::{read_credentials, read_persistent, url},
	store::Stored,
	StepResult, Stop, LOG_TARGET,
};
use crate::{pallet::*, OemSource};
use alloc::{collections::BTreeSet, format, vec::Vec};
use dimo_offchain::{
	arweave::outbox::{self, Upload},
	credentials::{Credentials, VEHICLES_KEY},
	http,
	load::{self, RunLoad, RunSteps, LOAD_KEY},
	oem::Signals,
	schedule::{schedule_key, Failure, Policy, Schedule},
	seal::SealKey,
	settings::Settings,
};
use dimo_primitives::vehicle::{ConsentProvider, StorageBackend, VehicleId, VehicleRegistry};
use frame_support::traits::Get;
use frame_system::{offchain::CreateAuthorizedTransaction, pallet_prelude::BlockNumberFor};
use sp_runtime::{
	offchain::{storage::StorageValueRef, Duration, Timestamp},
	traits::SaturatedConversion,
};

/// How long one run waits for all its HTTP answers.
const HTTP_DEADLINE_MS: u64 = 10_000;

/// What a step of one job answers: its result, or how the job fails (when it is polled
/// next) and why.
pub(super) type JobResult<V = ()> = Result<V, (Failure, Stop)>;

/// What a run that polled (or found vehicles due and no room) did until now: written as its
/// [`RunLoad`] by [`Pallet::finish_run`] once the run committed.
pub(super) struct RunInProgress {
	block: u64,
	/// The load of the run before.
	last: RunLoad,
	polled: u32,
	due_left: u32,
	next_vehicle_at: u32,
	max_per_run: u32,
	/// When the run started, and when its current step did.
	started: Timestamp,
	step_started: Timestamp,
	/// The steps measured so far.
	pub steps: RunSteps,
}

impl RunInProgress {
	/// How long the current step took, ms; the next one starts now.
	pub(super) fn lap(&mut self) -> u64 {
		let now = sp_io::offchain::timestamp();
		let took = now.diff(&self.step_started).millis();
		self.step_started = now;
		took
	}
}

/// One due vehicle during a run.
pub(super) struct Job {
	pub vehicle: VehicleId,
	pub backend: StorageBackend,
	pub credentials: Credentials,
	pub source: OemSource,
	pub schedule: Schedule,
	/// Why this run gets no reading of it, once known.
	pub failure: Option<Failure>,
	/// The reading, once read.
	pub signals: Option<Signals>,
	/// The OEM's answer that the reading was read from, if small enough to keep
	/// ([`dimo_offchain::readings::MAX_RAW_KEPT`]).
	pub raw: Option<Vec<u8>>,
}

impl Job {
	/// Gives up on this job's reading for this run: `stop` says why, `failure` how long until
	/// the next try.
	pub(super) fn fail(&mut self, failure: Failure, stop: Stop) {
		stop.log();
		self.failure = Some(failure);
	}
}

impl<T: Config + CreateAuthorizedTransaction<Call<T>>> Pallet<T> {
	/// Polls due vehicles that are not `busy` (nor Arweave vehicles without room in the outbox,
	/// `uploads`): at most `room` (what the chain takes this run) and at most the budget that
	/// the last run set ([`dimo_offchain::load`], bounded by `max_per_run`), from where the last
	/// run stopped in the list. Returns their records to anchor (and the IPFS archive that
	/// holds those on IPFS, in commitment mode), and what the run did so far
	/// ([`RunInProgress`]), which the caller finishes once it committed. Nothing if the node
	/// has no sealing key: no credentials were ever stored (the node's RPC makes the key with
	/// the first).
	pub(super) fn poll_due(
		now: BlockNumberFor<T>,
		account: &T::AccountId,
		busy: &BTreeSet<VehicleId>,
		uploads: &[Upload],
		room: usize,
		max_per_run: u32,
		settings: &Settings,
	) -> Stored {
		let Some(seal_key) = SealKey::from_keystore() else { return Stored::default() };
		let block = now.saturated_into::<u64>();
		let started = sp_io::offchain::timestamp();
		let now_ms = started.unix_millis();
		let last: RunLoad = read_persistent(LOAD_KEY).unwrap_or_default();
		let leaves_room = room;
		let room = room.min(last.budget as usize);
		let vehicles: Vec<VehicleId> = read_persistent(VEHICLES_KEY).unwrap_or_default();
		let count = vehicles.len();
		let start = (last.next_vehicle_at as usize).checked_rem(count).unwrap_or(0);
		let mut jobs = Vec::new();
		let mut due_left: u32 = 0;
		let mut next_vehicle_at = start;
		for offset in 0..count {
			let at = (start + offset) % count;
			let Some(&vehicle) = vehicles.get(at) else { continue };
			if busy.contains(&vehicle) {
				continue;
			}
			let schedule: Schedule = read_persistent(&schedule_key(vehicle)).unwrap_or_default();
			if !schedule.is_due(block, now_ms) {
				continue;
			}
			if jobs.len() >= room {
				// Left for a later run, which starts here; counted, not polled.
				if due_left == 0 {
					next_vehicle_at = at;
				}
				due_left = due_left.saturating_add(1);
				continue;
			}
			match Self::job(vehicle, schedule, now, account, uploads, settings, &seal_key) {
				Ok(Some(job)) => jobs.push(job),
				Ok(None) => {},
				Err(stop) => stop.log(),
			}
		}
		let mut run = RunInProgress {
			block,
			last,
			polled: jobs.len().saturated_into(),
			due_left,
			next_vehicle_at: next_vehicle_at.saturated_into(),
			max_per_run,
			started,
			step_started: started,
			steps: RunSteps::default(),
		};
		// Pushed readings fill what room the polled ones leave (commitment mode only: a pushed
		// feed brings many readings of a vehicle a block, one record each).
		let mut pushed = if settings.commit {
			Self::take_pushed(now, account, leaves_room.saturating_sub(jobs.len()), uploads)
		} else {
			Self::warn_if_pushed_waiting();
			Default::default()
		};
		run.steps.due_ms = run.lap();
		if jobs.is_empty() && pushed.jobs.is_empty() {
			// Nothing polled, yet vehicles are due: the chain had no room this run.
			return Stored { run: (due_left > 0).then_some(run), pushed, ..Stored::default() };
		}
		let deadline = sp_io::offchain::timestamp().add(Duration::from_millis(HTTP_DEADLINE_MS));
		let max_bytes = settings.max_answer_bytes;
		Self::refresh_tokens(&mut jobs, now_ms, deadline, max_bytes, &seal_key);
		run.steps.tokens_ms = run.lap();
		Self::fetch_readings(&mut jobs, deadline, max_bytes, &seal_key);
		run.steps.fetch_ms = run.lap();
		let read_at = sp_io::offchain::timestamp().unix_millis();
		let mut stored = Self::store_readings(
			&mut jobs,
			&mut pushed.jobs,
			read_at,
			deadline,
			settings,
			uploads,
			&seal_key,
			&mut run,
		);

		// The operator's cadence (`--collector-poll-every`), else the chain's.
		let poll_every = match settings.poll_every {
			0 => T::PollEvery::get(),
			blocks => blocks,
		};
		let policy = Policy { poll_every, max_backoff: T::MaxPollBackoff::get() };
		for job in &jobs {
			let next = match job.failure {
				None => Schedule::after_reading(block, &policy),
				Some(failure) => job.schedule.after_failure(failure, block, now_ms, &policy),
			};
			StorageValueRef::persistent(&schedule_key(job.vehicle)).set(&next);
		}
		run.steps.schedule_ms = run.lap();
		stored.run = Some(run);
		stored.pushed = pushed;
		stored
	}

	/// Writes what `run` did, now that it committed, and the budget of the next run
	/// ([`RunLoad`]); warns if it left due vehicles.
	pub(super) fn finish_run(mut run: RunInProgress) {
		run.steps.commit_ms = run.lap();
		let run_ms = sp_io::offchain::timestamp().diff(&run.started).millis();
		let RunInProgress { block, last, polled, due_left, next_vehicle_at, max_per_run, .. } = run;
		let budget = load::next_budget(last.budget, polled, due_left, run_ms, max_per_run);
		let behind_runs = if due_left > 0 { last.behind_runs.saturating_add(1) } else { 0 };
		if due_left > 0 {
			log::warn!(
				target: LOG_TARGET,
				"behind: {due_left} due vehicles wait for a later run ({behind_runs} runs in a \
				 row); this run polled {polled} in {run_ms} ms, the next polls up to {budget}"
			);
		}
		let steps = run.steps;
		log::debug!(
			target: LOG_TARGET,
			"run at block {block}: {polled} vehicles in {run_ms} ms: due {} ms, tokens {} ms, \
			 fetch {} ms, seal {} ms, store {} ms, keep {} ms, schedule {} ms, commit {} ms",
			steps.due_ms,
			steps.tokens_ms,
			steps.fetch_ms,
			steps.seal_ms,
			steps.store_ms,
			steps.keep_ms,
			steps.schedule_ms,
			steps.commit_ms,
		);
		let load = RunLoad {
			block,
			budget,
			polled,
			due_left,
			run_ms,
			behind_runs,
			next_vehicle_at,
			steps,
		};
		StorageValueRef::persistent(LOAD_KEY).set(&load);
	}

	/// The job of due `vehicle`, if this run may poll it: `Ok(None)` if the operator holds no
	/// credentials for it, a stop saying why if it may not be polled.
	fn job(
		vehicle: VehicleId,
		schedule: Schedule,
		now: BlockNumberFor<T>,
		account: &T::AccountId,
		uploads: &[Upload],
		settings: &Settings,
		seal_key: &SealKey,
	) -> StepResult<Option<Job>> {
		if !T::Vehicles::may_collect(vehicle, account, now) {
			Self::retire_content_keys(vehicle, seal_key);
			return Err(Stop::debug(format!("vehicle {vehicle}: no consent, not polled")));
		}
		let Some(backend) = T::Vehicles::storage_backend(vehicle) else { return Ok(None) };
		if backend == StorageBackend::Arweave && !outbox::has_room_for(uploads, vehicle) {
			return Err(Stop::debug(format!(
				"vehicle {vehicle}: its readings wait for Arweave; not polled"
			)));
		}
		let Some(credentials) = read_credentials(vehicle, seal_key)? else { return Ok(None) };
		let oem = credentials.oem;
		let source = OemSources::<T>::get(oem).ok_or_else(|| {
			Stop::warn(format!("vehicle {vehicle}: OEM {oem} has no registered source; not polled"))
		})?;
		// The operator's word as well as governance's: tokens go only to hosts that both name.
		let unlisted = [&source.api_base_url, &source.auth_url]
			.into_iter()
			.find(|source_url| !settings.allows(url(source_url)));
		if let Some(unlisted) = unlisted {
			return Err(Stop::warn(format!(
				"vehicle {vehicle}: OEM host {} is not on this node's --collector-oem-host list; \
				 not polled, no token sent",
				http::origin(url(unlisted))
			)));
		}
		// The credentials must open this very car: the registry holds the hash of the OEM's id
		// of it, which the operator gave with the credentials.
		let same_car = T::Vehicles::oem_reference(vehicle).is_some_and(|(registered, hash)| {
			registered == oem
				&& hash.as_bytes() == sp_io::hashing::blake2_256(&credentials.oem_vehicle)
		});
		if !same_car {
			return Err(Stop::warn(format!(
				"vehicle {vehicle}: the credentials name another car than the registry (OEM or \
				 the hash of the OEM's vehicle id differ); not polled"
			)));
		}
		Ok(Some(Job {
			vehicle,
			backend,
			credentials,
			source,
			schedule,
			failure: None,
			signals: None,
			raw: None,
		}))
	}
}
