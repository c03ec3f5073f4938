//! Data-provider rewards: activity noted per vehicle as it happens (one write per vehicle and
//! epoch, with its streak and its demand), points credited to the owner of the moment, and the
//! owners' claims against a closed epoch's pot, pulled rather than pushed so that closing an
//! epoch does not grow with the fleet. Expired points are reaped by anyone.

use super::*;
use frame_support::{ensure, pallet_prelude::*};
use sp_runtime::{helpers_128bit::multiply_by_rational_with_rounding, traits::Zero, Rounding};

impl<T: Config> Pallet<T> {
	/// The streak of a vehicle active in `epoch` that was last active in `last` with `streak`:
	/// one more if `last` was the epoch before; otherwise one level lower for each epoch
	/// missed, back at that level's start, plus this one.
	pub fn next_streak(last: Option<(EpochIndex, u32)>, epoch: EpochIndex) -> u32 {
		let Some((last, streak)) = last else { return 1 };
		if last == epoch {
			return streak;
		}
		let missed = epoch.saturating_sub(last).saturating_sub(1);
		if missed == 0 {
			return streak.saturating_add(1);
		}
		let level = Self::streak_level(streak);
		let dropped = level.saturating_sub(missed as usize);
		let start = STREAK_LEVELS.get(dropped).map(|(start, _)| *start).unwrap_or(0);
		start.saturating_add(1)
	}

	/// The level of a streak: the index of the last level that it reached.
	pub fn streak_level(streak: u32) -> usize {
		STREAK_LEVELS.iter().rposition(|(start, _)| streak >= *start).unwrap_or(0)
	}

	/// The points of a vehicle with `streak` and `grants` grants to data consumers.
	pub fn points_for(streak: u32, grants: u32, params: &RewardParams) -> (Points, u32) {
		let bonus =
			STREAK_LEVELS.get(Self::streak_level(streak)).map(|(_, bonus)| *bonus).unwrap_or(0);
		let base = BASE_POINTS.saturating_add(bonus);
		let rewarded_grants = grants.min(params.max_rewarded_grants);
		let demand =
			(params.demand_bonus_per_grant * base).saturating_mul(Points::from(rewarded_grants));
		(base.saturating_add(demand), rewarded_grants)
	}

	/// Records that `vehicle` sent data in the epoch in progress. O(1): the vehicle's record,
	/// its owner, its demand, and the points of the account credited.
	pub(crate) fn do_note_active(vehicle: VehicleId) -> Result<(), Error<T>> {
		let owner = T::Vehicles::owner_of(vehicle).ok_or(Error::<T>::UnknownVehicle)?;
		let epoch = CurrentEpoch::<T>::get().index;
		let previous = VehicleActivityOf::<T>::get(vehicle);
		let streak = Self::next_streak(previous.as_ref().map(|a| (a.epoch, a.streak)), epoch);
		let (points, rewarded_grants) =
			Self::points_for(streak, T::Demand::consumer_grants(vehicle), &Self::reward_params());

		// Points already earned in this epoch: keep the higher (demand may have risen).
		let earned = previous.filter(|a| a.epoch == epoch).map(|a| a.points).unwrap_or(0);
		if points <= earned {
			return Ok(());
		}
		let increase = points.saturating_sub(earned);
		AccountPoints::<T>::mutate(epoch, &owner, |p| {
			*p = Some(p.unwrap_or(0).saturating_add(increase))
		});
		CurrentEpochPoints::<T>::mutate(|total| *total = total.saturating_add(increase));
		VehicleActivityOf::<T>::insert(
			vehicle,
			Activity { epoch, streak, points, credited_to: owner.clone() },
		);
		Self::deposit_event(Event::PointsEarned {
			vehicle,
			epoch,
			points,
			streak,
			rewarded_grants,
			credited_to: owner,
		});
		Ok(())
	}

	/// Moves the points that `vehicle` earned in the epoch in progress to its new owner.
	pub(crate) fn do_vehicle_transferred(vehicle: VehicleId, to: &T::AccountId) {
		let epoch = CurrentEpoch::<T>::get().index;
		let Some(mut activity) = VehicleActivityOf::<T>::get(vehicle) else { return };
		if activity.epoch != epoch || activity.credited_to == *to {
			return;
		}
		AccountPoints::<T>::mutate_exists(epoch, &activity.credited_to, |p| {
			*p = p.map(|p| p.saturating_sub(activity.points)).filter(|p| !p.is_zero())
		});
		AccountPoints::<T>::mutate(epoch, to, |p| {
			*p = Some(p.unwrap_or(0).saturating_add(activity.points))
		});
		activity.credited_to = to.clone();
		VehicleActivityOf::<T>::insert(vehicle, activity);
	}

	/// What `who` is owed for `epoch` while `current` is the epoch in progress, and the pot it
	/// comes out of.
	pub(crate) fn owed(
		who: &T::AccountId,
		epoch: EpochIndex,
		current: EpochIndex,
	) -> Result<(Points, Balance, RewardPot), Error<T>> {
		ensure!(epoch < current, Error::<T>::EpochNotClosed);
		let pot = RewardPots::<T>::get(epoch).ok_or_else(|| {
			if epoch < OldestRewardPot::<T>::get() {
				Error::<T>::ClaimExpired
			} else {
				Error::<T>::NothingToClaim
			}
		})?;
		ensure!(current <= pot.claimable_until, Error::<T>::ClaimExpired);
		let points = AccountPoints::<T>::get(epoch, who).ok_or(Error::<T>::NothingToClaim)?;
		let amount = Self::share_of(pot.pot, points, pot.total_points);
		Ok((points, amount, pot))
	}

	/// `points / total_points` of `pot`, rounded down.
	pub fn share_of(pot: Balance, points: Points, total_points: Points) -> Balance {
		if total_points.is_zero() {
			return Zero::zero();
		}
		multiply_by_rational_with_rounding(
			pot,
			u128::from(points),
			u128::from(total_points),
			Rounding::Down,
		)
		.unwrap_or(Zero::zero())
	}

	pub(crate) fn do_claim(who: &T::AccountId, epoch: EpochIndex) -> DispatchResult {
		let (points, amount, mut pot) = Self::owed(who, epoch, CurrentEpoch::<T>::get().index)?;
		// Never more than the pot holds, whatever the rounding.
		let amount = amount.min(pot.pot.saturating_sub(pot.paid));
		if !amount.is_zero() {
			Self::pay_from_budgets(who, amount)?;
		}
		pot.paid = pot.paid.saturating_add(amount);
		RewardPots::<T>::insert(epoch, pot);
		AccountPoints::<T>::remove(epoch, who);
		Self::deposit_event(Event::Claimed { epoch, who: who.clone(), points, amount });
		Ok(())
	}

	pub(crate) fn do_reap_points(epoch: EpochIndex, accounts: ReapBatchOf<T>) -> DispatchResult {
		// Pots expire oldest first: every epoch before the oldest open one has expired.
		ensure!(
			epoch < OldestRewardPot::<T>::get() && epoch < CurrentEpoch::<T>::get().index,
			Error::<T>::RewardsNotExpired
		);
		let mut reaped: u32 = 0;
		for who in accounts {
			if AccountPoints::<T>::take(epoch, &who).is_some() {
				reaped = reaped.saturating_add(1);
			}
		}
		ensure!(reaped > 0, Error::<T>::NothingToReap);
		Self::deposit_event(Event::PointsReaped { epoch, accounts: reaped });
		Ok(())
	}
}
