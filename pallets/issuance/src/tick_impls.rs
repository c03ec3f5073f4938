//! The epoch boundary, run from `on_initialize`: close the epoch in progress, mint its emission
//! into the budgets (never past the supply cap), split it between them, decay the emission at
//! the end of a decay period, and expire the oldest reward pot whose claim window ended. Its
//! work is bounded by the dTeam count (`MaxDTeams`), not by the number of vehicles or accounts:
//! rewards are pulled by their owners ([`crate::rewards`]), and the budgets are minted into an
//! account only when they pay.

use super::*;
use alloc::vec::Vec;
use frame_support::{pallet_prelude::*, traits::fungible::Inspect};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{Saturating, Zero},
	Perbill,
};

impl<T: Config> Pallet<T> {
	/// Closes the epoch in progress if `now` is the first block of the next one. Returns the
	/// weight used.
	pub(crate) fn on_epoch_boundary(now: BlockNumberFor<T>) -> Weight {
		let epoch = CurrentEpoch::<T>::get();
		let schedule = Self::schedule();
		if now < epoch.started_at.saturating_add(schedule.epoch_length) {
			return T::WeightInfo::on_initialize_idle();
		}
		let dteams = Self::close_epoch(epoch.index, &schedule);
		CurrentEpoch::<T>::put(EpochState {
			index: epoch.index.saturating_add(1),
			started_at: now,
		});
		T::WeightInfo::on_initialize_epoch_boundary(dteams)
	}

	/// Mints the emission of `epoch` into the budgets, splits it, decays the emission if a
	/// period ends, and expires the oldest reward pot if its window is over. Returns the
	/// number of dTeams funded.
	///
	/// The budgets are the pallet's own values: the DIMO that they hold is minted into the
	/// account that a budget pays, when it pays ([`Pallet::pay_from_budgets`]), as staking
	/// mints an era's rewards when they are paid out. So the boundary touches no account: its
	/// reads and writes are this pallet's values and pallet-balances' total issuance, whatever
	/// the number of vehicles and accounts.
	pub(crate) fn close_epoch(epoch: EpochIndex, schedule: &Schedule<BlockNumberFor<T>>) -> u32 {
		let epoch_emission = EpochEmission::<T>::get();
		// What is issued: what accounts hold, and what the budgets hold (`Pallet::issued`).
		let total_issuance = T::Currency::total_issuance();
		let unpaid_before = UnpaidBudgets::<T>::get();
		let minted = epoch_emission
			.min(schedule.supply_cap.saturating_sub(total_issuance.saturating_add(unpaid_before)));
		let unpaid_budgets = unpaid_before.saturating_add(minted);
		UnpaidBudgets::<T>::put(unpaid_budgets);
		TotalMinted::<T>::mutate(|total| *total = total.saturating_add(minted));
		Self::deposit_event(Event::Minted {
			epoch,
			amount: minted,
			total_issuance,
			unpaid_budgets,
			remaining_under_cap: schedule
				.supply_cap
				.saturating_sub(total_issuance.saturating_add(unpaid_budgets)),
		});

		let (record, dteams) = Self::split(epoch, minted);
		Mints::<T>::insert(epoch, record);

		if epoch.saturating_add(1).is_multiple_of(schedule.epochs_per_decay.max(1)) {
			let epoch_emission = decayed(epoch_emission, schedule.decay);
			EpochEmission::<T>::put(epoch_emission);
			Self::deposit_event(Event::EmissionDecayed {
				from_epoch: epoch.saturating_add(1),
				epoch_emission,
			});
		}

		Self::expire_oldest_pot(epoch.saturating_add(1));
		dteams
	}

	/// Splits `minted` between the budgets and opens the epoch's reward pot. Every unit goes
	/// somewhere, and no more than `minted` goes anywhere: each share is rounded *down*
	/// (`mul_floor`), so the parts sum to at most the whole whatever the shares (a share of
	/// `Perbill * x` rounds to the nearest, and two parts rounded up would pay out more than
	/// was minted when the DAO's share is zero); the DAO pot gets what the rounding leaves.
	pub(crate) fn split(epoch: EpochIndex, minted: Balance) -> (MintRecord, u32) {
		let shares = CurrentShares::<T>::get();
		let total_points = CurrentEpochPoints::<T>::take();
		let data_providers = if total_points.is_zero() {
			Zero::zero()
		} else {
			shares.data_providers.mul_floor(minted)
		};

		// Share-funded teams first, out of the whole emission; fixed amounts then come out of
		// what is left for the DAO.
		// No more entries than the counter says: the iterator never asks for the key after
		// the last team, which would lie in a map that grows with the fleet.
		let mut teams: Vec<(DTeamId, DTeamOf<T>)> = match DTeams::<T>::count() {
			0 => Vec::new(),
			count => DTeams::<T>::iter().take(count as usize).collect(),
		};
		teams.sort_unstable_by_key(|(id, _)| *id);
		// What is not handed out yet: no part may take more than this, so that a rounding slip
		// can only leave units to the DAO, never create them.
		let mut left = minted.saturating_sub(data_providers);
		let mut to_dteams: Balance = Zero::zero();
		let mut payments: Vec<Balance> = Vec::with_capacity(teams.len());
		for (_, team) in &teams {
			let amount = match team.funding {
				Funding::Share(share) => share.mul_floor(minted).min(left),
				Funding::Fixed(_) => Zero::zero(),
			};
			left = left.saturating_sub(amount);
			to_dteams = to_dteams.saturating_add(amount);
			payments.push(amount);
		}
		let mut dao = left;
		for ((_, team), payment) in teams.iter().zip(payments.iter_mut()) {
			if let Funding::Fixed(amount) = team.funding {
				let amount = amount.min(dao);
				dao = dao.saturating_sub(amount);
				to_dteams = to_dteams.saturating_add(amount);
				*payment = amount;
			}
		}
		let funded = teams.len() as u32;
		for ((id, mut team), amount) in teams.into_iter().zip(payments) {
			team.balance = team.balance.saturating_add(amount);
			Self::deposit_event(Event::DTeamFunded {
				epoch,
				team: id,
				amount,
				balance: team.balance,
			});
			DTeams::<T>::insert(id, team);
		}
		DaoPot::<T>::mutate(|pot| *pot = pot.saturating_add(dao));

		if !total_points.is_zero() {
			let claim_window = Self::reward_params().claim_window;
			RewardPots::<T>::insert(
				epoch,
				RewardPot {
					pot: data_providers,
					total_points,
					paid: Zero::zero(),
					claimable_until: epoch.saturating_add(claim_window),
				},
			);
		}
		Self::deposit_event(Event::Split {
			epoch,
			data_providers,
			dteams: to_dteams,
			dao,
			total_points,
		});
		(MintRecord { minted, data_providers, dteams: to_dteams, dao }, funded)
	}

	/// Returns to the DAO pot what is left of the oldest open reward pot, if its window ended
	/// before `current`. At most one pot per boundary: each boundary opens at most one.
	pub(crate) fn expire_oldest_pot(current: EpochIndex) {
		let oldest = OldestRewardPot::<T>::get();
		if oldest >= current {
			return;
		}
		match RewardPots::<T>::get(oldest) {
			Some(pot) if pot.claimable_until < current => {
				let returned = pot.pot.saturating_sub(pot.paid);
				DaoPot::<T>::mutate(|dao| *dao = dao.saturating_add(returned));
				RewardPots::<T>::remove(oldest);
				Self::deposit_event(Event::RewardsExpired { epoch: oldest, returned });
				OldestRewardPot::<T>::put(oldest.saturating_add(1));
			},
			// Still claimable: the later pots wait behind it.
			Some(_) => {},
			// An epoch in which no vehicle was active opened no pot.
			None => OldestRewardPot::<T>::put(oldest.saturating_add(1)),
		}
	}
}

/// `emission` after one decay of `decay`, rounded down.
pub(crate) fn decayed(emission: Balance, decay: Perbill) -> Balance {
	Perbill::one().saturating_sub(decay).mul_floor(emission)
}
