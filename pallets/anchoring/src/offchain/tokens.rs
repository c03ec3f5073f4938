//! The OAuth refresh of the access tokens that expire within [`REFRESH_MARGIN_SECS`], through
//! each OEM's adapter and the OAuth client that the operator stored for the OEM; the new
//! tokens are sealed back into offchain storage unless the operator replaced the old ones
//! meanwhile. Tokens go only into request headers and form bodies, never into a log line.

use super::{
	due::{Job, JobResult},
	local::{read_oem_client, url},
	Stop,
};
use crate::pallet::*;
use alloc::{collections::BTreeMap, format, string::String};
use dimo_offchain::{
	credentials::{credentials_key, Credentials, OemClient},
	http::{self, Answer},
	oem::{self, OemError},
	schedule::Failure,
	seal::{offchain_nonce, SealKey, Sealed},
};
use dimo_primitives::vehicle::VehicleId;
use frame_system::offchain::CreateAuthorizedTransaction;
use sp_runtime::offchain::{storage::StorageValueRef, Timestamp};

/// Tokens that expire within this many seconds are refreshed before use.
const REFRESH_MARGIN_SECS: u64 = 60;

impl<T: Config + CreateAuthorizedTransaction<Call<T>>> Pallet<T> {
	/// Refreshes the access tokens of `jobs` that expire soon, and writes the new ones back; a
	/// job whose token could not be refreshed fails for this run.
	pub(super) fn refresh_tokens(
		jobs: &mut [Job],
		now_ms: u64,
		deadline: Timestamp,
		max_bytes: u32,
		seal_key: &SealKey,
	) {
		let now_secs = now_ms / 1000;
		// The jobs whose token expires soon, by index, with their OEM's OAuth client.
		let mut expiring: BTreeMap<usize, OemClient> = BTreeMap::new();
		// Each OEM's client is read and opened once per run, however many of its vehicles
		// refresh.
		let mut clients: BTreeMap<u32, Option<OemClient>> = BTreeMap::new();
		for (index, job) in jobs.iter_mut().enumerate() {
			if job.credentials.expires_at > now_secs.saturating_add(REFRESH_MARGIN_SECS) {
				continue;
			}
			let oem = job.credentials.oem;
			match clients.entry(oem).or_insert_with(|| read_oem_client(oem, seal_key)).clone() {
				Some(client) => {
					expiring.insert(index, client);
				},
				None => job.fail(
					Failure::Transient,
					Stop::warn(format!(
						"vehicle {}: its access token expires and OEM {oem} has no OAuth client \
						 on this node (collector_setOemClient): not refreshed",
						job.vehicle
					)),
				),
			}
		}
		let request_of = |index: usize, job: &Job| {
			let client = expiring.get(&index)?;
			let refresh = String::from_utf8_lossy(&job.credentials.refresh_token);
			Some((oem::adapter(job.source.api).refresh_request)(
				url(&job.source.auth_url),
				&client.to_oauth(),
				&refresh,
			))
		};
		http::run_for(jobs, request_of, deadline, max_bytes, |job, answer| {
			match Self::refreshed(job, answer, now_secs, seal_key) {
				Ok(()) => {
					log::info!(
						target: super::LOG_TARGET,
						"vehicle {}: access token refreshed",
						job.vehicle
					)
				},
				Err((failure, stop)) => job.fail(failure, stop),
			}
		});
	}

	/// Takes the fresh tokens in the OEM's `answer` into `job`'s credentials and seals them
	/// back; or how the job fails and why.
	fn refreshed(
		job: &mut Job,
		answer: Result<Answer, &'static str>,
		now_secs: u64,
		seal_key: &SealKey,
	) -> JobResult {
		let vehicle = job.vehicle;
		let host = http::origin(url(&job.source.auth_url));
		let answer = answer.map_err(|reason| {
			let stop =
				Stop::warn(format!("vehicle {vehicle}: token refresh at {host} failed: {reason}"));
			(Failure::Transient, stop)
		})?;
		let tokens =
			(oem::adapter(job.source.api).read_tokens)(&answer.response()).map_err(|error| {
				let failure = if error == OemError::RefreshRejected {
					Failure::GrantRevoked
				} else {
					Failure::Transient
				};
				let stop = Stop::warn(format!(
					"vehicle {vehicle}: token refresh at {host} refused: {error:?}"
				));
				(failure, stop)
			})?;
		let used = job.credentials.refresh_token.clone();
		job.credentials.access_token = tokens.access_token.into_bytes();
		job.credentials.refresh_token = tokens.refresh_token.into_bytes();
		job.credentials.expires_at = now_secs.saturating_add(tokens.expires_in);
		Self::write_back(vehicle, &used, &job.credentials, seal_key);
		Ok(())
	}

	/// Seals `credentials` back, unless the operator replaced the ones that held
	/// `used_refresh_token` meanwhile (theirs win).
	pub(super) fn write_back(
		vehicle: VehicleId,
		used_refresh_token: &[u8],
		credentials: &Credentials,
		seal_key: &SealKey,
	) {
		let key = credentials_key(vehicle);
		let _ = StorageValueRef::persistent(&key).mutate(|stored: Result<Option<Sealed>, _>| {
			let current = match stored {
				Ok(Some(sealed)) => seal_key.open_value::<Credentials>(&key, &sealed),
				_ => None,
			};
			match current {
				Some(current) if current.refresh_token == used_refresh_token => {
					Ok(seal_key.seal_value(&key, offchain_nonce(), credentials))
				},
				_ => Err(()),
			}
		});
	}
}
