//! The OEM requests for the due vehicles' data, all in flight at once under one deadline,
//! each answer read by the OEM's adapter ([`dimo_offchain::oem`]) into signals. HTTPS goes
//! through the node's client, which checks the certificate chain against the system trust
//! store; no answer is read past the operator's maximum.

use super::{
	due::{Job, JobResult},
	local::url,
	Stop,
};
use crate::pallet::*;
use alloc::{format, string::String};
use dimo_offchain::{
	http::{self, Answer},
	oem::{self, OemError, Signals},
	readings::MAX_RAW_KEPT,
	schedule::Failure,
	seal::SealKey,
};
use frame_system::offchain::CreateAuthorizedTransaction;
use sp_runtime::offchain::Timestamp;

impl<T: Config + CreateAuthorizedTransaction<Call<T>>> Pallet<T> {
	/// Asks each job's OEM for its data, all at once; a job without a reading fails for this
	/// run.
	pub(super) fn fetch_readings(
		jobs: &mut [Job],
		deadline: Timestamp,
		max_bytes: u32,
		seal_key: &SealKey,
	) {
		let request_of = |_, job: &Job| {
			if job.failure.is_some() {
				return None;
			}
			let car = String::from_utf8_lossy(&job.credentials.oem_vehicle);
			let token = String::from_utf8_lossy(&job.credentials.access_token);
			Some((oem::adapter(job.source.api).data_request)(
				url(&job.source.api_base_url),
				&car,
				&token,
			))
		};
		http::run_for(
			jobs,
			request_of,
			deadline,
			max_bytes,
			|job, answer| match Self::read_answer(job, answer, seal_key) {
				Ok(signals) => job.signals = Some(signals),
				Err((failure, stop)) => job.fail(failure, stop),
			},
		);
	}

	/// The signals in the OEM's `answer` (the answer kept in `job` if small enough); or how
	/// the job fails and why. An OEM that no longer takes the access token has it refreshed
	/// before the next poll.
	fn read_answer(
		job: &mut Job,
		answer: Result<Answer, &'static str>,
		seal_key: &SealKey,
	) -> JobResult<Signals> {
		let vehicle = job.vehicle;
		let host = http::origin(url(&job.source.api_base_url));
		let answer = answer.map_err(|reason| {
			let stop = Stop::warn(format!("vehicle {vehicle}: request to {host} failed: {reason}"));
			(Failure::Transient, stop)
		})?;
		let read = (oem::adapter(job.source.api).read_data)(&answer.response());
		let error = match read {
			Ok(signals) => {
				if answer.body.len() <= MAX_RAW_KEPT {
					job.raw = Some(answer.body);
				}
				return Ok(signals);
			},
			Err(error) => error,
		};
		let stop = Stop::info(format!("vehicle {vehicle}: no reading from {host}: {error:?}"));
		let failure = match error {
			OemError::RateLimited { retry_after } => Failure::RateLimited(retry_after),
			OemError::Unauthorized => {
				// Refresh before the next poll.
				let used = job.credentials.refresh_token.clone();
				job.credentials.expires_at = 0;
				Self::write_back(vehicle, &used, &job.credentials, seal_key);
				Failure::Transient
			},
			OemError::RefreshRejected => Failure::GrantRevoked,
			_ => Failure::Transient,
		};
		Err((failure, stop))
	}
}
