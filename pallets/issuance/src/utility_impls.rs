//! The reads built on the issuance's state: the payment out of a budget, what is issued, the
//! next boundary, the emission of an epoch, the runtime API's answers, and the invariants that
//! `try_state` checks. The parameters themselves are in [`crate::params`].

use super::*;
use crate::tick_impls::decayed;
use alloc::vec::Vec;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::fungible::{Inspect, Mutate},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{Saturating, Zero},
	Perbill,
};

impl<T: Config> Pallet<T> {
	/// Pays `amount` out of the budgets to `to`: mints it into `to`'s account, and it leaves
	/// [`UnpaidBudgets`]. The caller has taken it out of the budget that pays (a dTeam, the DAO
	/// pot or a reward pot) and stores that budget only if this succeeds.
	///
	/// Fails, changing nothing, if `to` cannot receive it (a new account would hold less than
	/// the existential deposit).
	pub(crate) fn pay_from_budgets(to: &T::AccountId, amount: Balance) -> DispatchResult {
		let unpaid = UnpaidBudgets::<T>::get();
		// The budgets never hold more than was minted into them; a shortfall is a bug, and
		// paying it would mint what the boundary never counted against the cap.
		let left = unpaid.checked_sub(amount).ok_or_else(|| {
			frame_support::defensive!("a budget pays more than the budgets hold");
			Error::<T>::InsufficientBudget
		})?;
		T::Currency::mint_into(to, amount)?;
		UnpaidBudgets::<T>::put(left);
		Ok(())
	}

	/// What the DAO pot, the dTeams and the open reward pots hold together, added up from
	/// them, and the number of entries read: at most `MaxDTeams` teams and `MaxClaimWindow` + 1
	/// pots. For `try_state` and the migrations; the runtime keeps the sum in
	/// [`UnpaidBudgets`].
	pub(crate) fn held_by_budgets() -> (Balance, u32) {
		let mut entries: u32 = 1;
		let mut held = DaoPot::<T>::get();
		for team in DTeams::<T>::iter_values() {
			held = held.saturating_add(team.balance);
			entries = entries.saturating_add(1);
		}
		for pot in RewardPots::<T>::iter_values() {
			held = held.saturating_add(pot.pot.saturating_sub(pot.paid));
			entries = entries.saturating_add(1);
		}
		(held, entries)
	}

	/// Every DIMO issued: what accounts hold (pallet-balances' total issuance) and what the
	/// budgets hold, to be minted when they pay ([`UnpaidBudgets`]). The supply cap bounds it.
	pub fn issued() -> Balance {
		T::Currency::total_issuance().saturating_add(UnpaidBudgets::<T>::get())
	}

	/// The first block of the next epoch: the block whose start closes the epoch in progress.
	pub fn next_epoch_at() -> BlockNumberFor<T> {
		let epoch = CurrentEpoch::<T>::get();
		epoch.started_at.saturating_add(Self::schedule().epoch_length)
	}

	/// The emission of epoch `epoch` under `schedule`, starting from `first_emission` in epoch
	/// 0 and ignoring the cap: the emission falls by the decay, rounded down, every
	/// `epochs_per_decay` epochs. One multiplication per decay period: for tests and clients,
	/// never for the runtime's hooks (which keep the current emission in [`EpochEmission`]).
	pub fn emission_of_epoch(
		first_emission: Balance,
		schedule: &Schedule<BlockNumberFor<T>>,
		epoch: EpochIndex,
	) -> Balance {
		let periods = epoch / schedule.epochs_per_decay.max(1);
		let mut emission = first_emission;
		for _ in 0..periods {
			if emission.is_zero() {
				break;
			}
			emission = decayed(emission, schedule.decay);
		}
		emission
	}

	/// The state of the issuance, for the runtime API.
	pub fn issuance_info() -> IssuanceInfo<BlockNumberFor<T>> {
		let schedule = Self::schedule();
		let epoch = CurrentEpoch::<T>::get();
		let epoch_emission = EpochEmission::<T>::get();
		let total_issuance = T::Currency::total_issuance();
		let unpaid_budgets = UnpaidBudgets::<T>::get();
		let remaining_under_cap =
			schedule.supply_cap.saturating_sub(total_issuance.saturating_add(unpaid_budgets));
		IssuanceInfo {
			schedule,
			current_epoch: epoch.index,
			epoch_started_at: epoch.started_at,
			next_epoch_at: epoch.started_at.saturating_add(schedule.epoch_length),
			epoch_emission,
			next_emission: epoch_emission.min(remaining_under_cap),
			total_issuance,
			remaining_under_cap,
			unpaid_budgets,
			total_minted: TotalMinted::<T>::get(),
			shares: CurrentShares::<T>::get(),
			dteam_shares: DTeamShares::<T>::get(),
			dao_pot: DaoPot::<T>::get(),
			current_epoch_points: CurrentEpochPoints::<T>::get(),
			reward_params: Self::reward_params(),
		}
	}

	/// What `who` may claim now, and its points in the epoch in progress, for the runtime
	/// API. Looks at each open reward pot: at most [`Config::MaxClaimWindow`] of them.
	pub fn pending_rewards(who: &T::AccountId) -> PendingRewards {
		let current = CurrentEpoch::<T>::get().index;
		let claimable = (OldestRewardPot::<T>::get()..current)
			.filter_map(|epoch| {
				let (points, amount, pot) = Self::owed(who, epoch, current).ok()?;
				Some(PendingReward { epoch, points, amount, claimable_until: pot.claimable_until })
			})
			.collect();
		PendingRewards {
			claimable,
			current_epoch_points: AccountPoints::<T>::get(current, who).unwrap_or(0),
		}
	}

	/// The invariants of the issuance: the budgets hold, together, what [`UnpaidBudgets`]
	/// says, and with the total issuance no more than the supply cap; the shares make 100%;
	/// the points of the epoch in progress add up; the dTeam count and share sum match the
	/// teams.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let teams: Vec<_> = DTeams::<T>::iter_values().collect();
		let (in_budgets, _) = Self::held_by_budgets();
		ensure!(
			UnpaidBudgets::<T>::get() == in_budgets,
			"UnpaidBudgets is what the DAO pot, the dTeams and the reward pots hold"
		);
		ensure!(Self::issued() <= Self::schedule().supply_cap, "nothing is issued past the cap");
		let team_shares = teams.iter().fold(Perbill::zero(), |sum, team| {
			sum.saturating_add(Self::share_of_funding(&team.funding).unwrap_or_default())
		});
		ensure!(team_shares == DTeamShares::<T>::get(), "DTeamShares is the teams' shares");
		ensure!(
			Self::ensure_valid_shares(&CurrentShares::<T>::get(), team_shares).is_ok(),
			"the shares make 100%"
		);
		ensure!(teams.len() as u32 == DTeams::<T>::count(), "the dTeam count matches");
		ensure!(teams.len() as u32 <= T::MaxDTeams::get(), "at most MaxDTeams dTeams");
		let current = CurrentEpoch::<T>::get().index;
		let points = AccountPoints::<T>::iter_prefix_values(current)
			.fold(0 as Points, |sum, p| sum.saturating_add(p));
		ensure!(points == CurrentEpochPoints::<T>::get(), "the epoch's points add up");
		ensure!(
			VehicleActivityOf::<T>::iter_keys().all(|v| T::Vehicles::ownership(v).is_some()),
			"a retired vehicle left its activity behind"
		);
		Ok(())
	}
}
