//! The parameters governance sets: the schedule, the epoch's emission, the shares and the
//! reward parameters; DIMO's defaults until governance sets them, the checks every value
//! passes (at genesis, in the calls and in `integrity_test`), and the setters the calls
//! delegate to (check, write, event).

use super::*;
use frame_support::{ensure, pallet_prelude::*};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::Perbill;

impl<T: Config> Pallet<T> {
	/// DIMO's schedule: weekly epochs of 6 s blocks, 15% less every 52 epochs, capped at
	/// 1,000,000,000 DIMO. Clamped into this runtime's bounds of the epoch length.
	pub fn default_schedule() -> Schedule<BlockNumberFor<T>> {
		let week: BlockNumberFor<T> = (7 * dimo_primitives::time::DAYS).into();
		Schedule {
			epoch_length: week.clamp(T::MinEpochLength::get(), T::MaxEpochLength::get()),
			epochs_per_decay: 52,
			decay: Perbill::from_percent(15),
			supply_cap: DEFAULT_SUPPLY_CAP.min(T::MaxSupplyCap::get()),
		}
	}

	/// The schedule in force.
	pub fn schedule() -> Schedule<BlockNumberFor<T>> {
		CurrentSchedule::<T>::get().unwrap_or_else(Self::default_schedule)
	}

	/// The reward parameters in force.
	pub fn reward_params() -> RewardParams {
		CurrentRewardParams::<T>::get().unwrap_or(DEFAULT_REWARD_PARAMS)
	}

	/// Sets the schedule, checked against what is issued now.
	pub(crate) fn do_set_schedule(schedule: Schedule<BlockNumberFor<T>>) -> DispatchResult {
		Self::ensure_valid_schedule(&schedule, Self::issued())?;
		CurrentSchedule::<T>::put(schedule);
		Self::deposit_event(Event::ScheduleChanged { schedule });
		Ok(())
	}

	/// Sets the emission of each epoch of the current decay period, from the next boundary.
	pub(crate) fn do_set_epoch_emission(epoch_emission: Balance) -> DispatchResult {
		Self::ensure_valid_emission(epoch_emission)?;
		EpochEmission::<T>::put(epoch_emission);
		Self::deposit_event(Event::EpochEmissionChanged { epoch_emission });
		Ok(())
	}

	/// Sets the shares of data providers and the DAO, which with the share-funded dTeams'
	/// make 100%.
	pub(crate) fn do_set_shares(shares: Shares) -> DispatchResult {
		let dteam_shares = DTeamShares::<T>::get();
		Self::ensure_valid_shares(&shares, dteam_shares)?;
		CurrentShares::<T>::put(shares);
		Self::deposit_event(Event::SharesChanged { shares, dteam_shares });
		Ok(())
	}

	/// Sets the reward parameters.
	pub(crate) fn do_set_reward_params(params: RewardParams) -> DispatchResult {
		Self::ensure_valid_reward_params(&params)?;
		CurrentRewardParams::<T>::put(params);
		Self::deposit_event(Event::RewardParamsChanged { params });
		Ok(())
	}

	/// The schedule's epoch length within the runtime's bounds, a decay period, a decay no
	/// larger than the runtime allows, and a cap within the runtime's and not below `issued`.
	pub(crate) fn ensure_valid_schedule(
		schedule: &Schedule<BlockNumberFor<T>>,
		issued: Balance,
	) -> DispatchResult {
		ensure!(
			(T::MinEpochLength::get()..=T::MaxEpochLength::get()).contains(&schedule.epoch_length),
			Error::<T>::EpochLengthOutOfBounds
		);
		ensure!(schedule.epochs_per_decay > 0, Error::<T>::ZeroDecayPeriod);
		ensure!(schedule.decay <= T::MaxDecay::get(), Error::<T>::DecayTooLarge);
		ensure!(
			schedule.supply_cap <= T::MaxSupplyCap::get() && schedule.supply_cap >= issued,
			Error::<T>::SupplyCapOutOfBounds
		);
		Ok(())
	}

	/// An emission no larger than the runtime allows.
	pub(crate) fn ensure_valid_emission(emission: Balance) -> DispatchResult {
		ensure!(emission <= T::MaxEpochEmission::get(), Error::<T>::EmissionTooLarge);
		Ok(())
	}

	/// The shares with the share-funded dTeams' must make exactly 100%, computed without
	/// saturation so that an excess is not hidden.
	pub(crate) fn ensure_valid_shares(shares: &Shares, dteam_shares: Perbill) -> DispatchResult {
		let sum = u64::from(shares.data_providers.deconstruct())
			+ u64::from(shares.dao.deconstruct())
			+ u64::from(dteam_shares.deconstruct());
		ensure!(sum == u64::from(Perbill::one().deconstruct()), Error::<T>::SharesDoNotSumToWhole);
		Ok(())
	}

	/// At most the runtime's rewarded grants, and a claim window within its bounds.
	pub(crate) fn ensure_valid_reward_params(params: &RewardParams) -> DispatchResult {
		ensure!(
			params.max_rewarded_grants <= T::MaxRewardedGrants::get(),
			Error::<T>::TooManyRewardedGrants
		);
		ensure!(
			(1..=T::MaxClaimWindow::get()).contains(&params.claim_window),
			Error::<T>::ClaimWindowOutOfBounds
		);
		Ok(())
	}
}
