//! The logic behind the epoch boundary, the calls, the activity trait and the runtime API.

use super::*;
use alloc::vec::Vec;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, Mutate},
		tokens::Preservation,
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding,
	traits::{AccountIdConversion, Saturating, Zero},
	Perbill, Rounding,
};

impl<T: Config> Pallet<T> {
	/// The account that holds every budget: the DAO pot, the dTeams and the unclaimed
	/// rewards, on top of its existential deposit.
	pub fn account_id() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

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

	/// What may still be minted before the total issuance reaches `cap`.
	pub fn remaining_under(cap: Balance) -> Balance {
		cap.saturating_sub(T::Currency::total_issuance())
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

	/// Mints the emission of `epoch`, splits it, decays the emission if a period ends, and
	/// expires the oldest reward pot if its window is over. Returns the number of dTeams
	/// funded.
	pub(crate) fn close_epoch(epoch: EpochIndex, schedule: &Schedule<BlockNumberFor<T>>) -> u32 {
		let epoch_emission = EpochEmission::<T>::get();
		let emission = epoch_emission.min(Self::remaining_under(schedule.supply_cap));
		let account = Self::account_id();
		let minted = if emission.is_zero() {
			Zero::zero()
		} else {
			match T::Currency::mint_into(&account, emission) {
				Ok(minted) => minted,
				Err(error) => {
					// Minting into the pallet's own live account fails only if the total
					// issuance would overflow, which the cap rules out: mint nothing.
					frame_support::defensive!("minting an epoch's emission failed", error);
					Zero::zero()
				},
			}
		};
		TotalMinted::<T>::mutate(|total| *total = total.saturating_add(minted));
		let total_issuance = T::Currency::total_issuance();
		Self::deposit_event(Event::Minted {
			epoch,
			amount: minted,
			total_issuance,
			remaining_under_cap: schedule.supply_cap.saturating_sub(total_issuance),
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
	fn split(epoch: EpochIndex, minted: Balance) -> (MintRecord, u32) {
		let shares = CurrentShares::<T>::get();
		let total_points = CurrentEpochPoints::<T>::take();
		let data_providers = if total_points.is_zero() {
			Zero::zero()
		} else {
			shares.data_providers.mul_floor(minted)
		};

		// Share-funded teams first, out of the whole emission; fixed amounts then come out of
		// what is left for the DAO.
		let mut teams: Vec<(DTeamId, DTeamOf<T>)> = DTeams::<T>::iter().collect();
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
	fn expire_oldest_pot(current: EpochIndex) {
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
	fn owed(
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
			T::Currency::transfer(&Self::account_id(), who, amount, Preservation::Preserve)?;
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

	pub(crate) fn do_spend(
		who: &T::AccountId,
		id: DTeamId,
		to: T::AccountId,
		amount: Balance,
	) -> DispatchResult {
		let mut team = DTeams::<T>::get(id).ok_or(Error::<T>::UnknownDTeam)?;
		ensure!(team.admin == *who, Error::<T>::NotDTeamAdmin);
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		team.balance = team.balance.checked_sub(amount).ok_or(Error::<T>::InsufficientBudget)?;
		T::Currency::transfer(&Self::account_id(), &to, amount, Preservation::Preserve)?;
		let balance = team.balance;
		DTeams::<T>::insert(id, team);
		Self::deposit_event(Event::DTeamSpent { team: id, to, amount, balance });
		Ok(())
	}

	pub(crate) fn do_spend_dao(to: T::AccountId, amount: Balance) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let dao_pot =
			DaoPot::<T>::get().checked_sub(amount).ok_or(Error::<T>::InsufficientBudget)?;
		T::Currency::transfer(&Self::account_id(), &to, amount, Preservation::Preserve)?;
		DaoPot::<T>::put(dao_pot);
		Self::deposit_event(Event::DaoSpent { to, amount, dao_pot });
		Ok(())
	}

	/// Moves a dTeam's share between the DAO's share and the dTeams': `old` (the team's share
	/// before, if any) goes back to the DAO, `new` (its share after, if any) is taken from it.
	fn move_share(old: Option<Perbill>, new: Option<Perbill>) -> DispatchResult {
		if old == new {
			return Ok(());
		}
		let mut shares = CurrentShares::<T>::get();
		let mut dteam_shares = DTeamShares::<T>::get();
		if let Some(old) = old {
			shares.dao = shares.dao.saturating_add(old);
			dteam_shares = dteam_shares.saturating_sub(old);
		}
		if let Some(new) = new {
			ensure!(new <= shares.dao, Error::<T>::ShareExceedsDaoShare);
			shares.dao = shares.dao.saturating_sub(new);
			dteam_shares = dteam_shares.saturating_add(new);
		}
		CurrentShares::<T>::put(shares);
		DTeamShares::<T>::put(dteam_shares);
		Self::deposit_event(Event::SharesChanged { shares, dteam_shares });
		Ok(())
	}

	fn share_of_funding(funding: &Funding) -> Option<Perbill> {
		match funding {
			Funding::Share(share) => Some(*share),
			Funding::Fixed(_) => None,
		}
	}

	fn ensure_valid_funding(funding: &Funding) -> DispatchResult {
		match funding {
			Funding::Share(share) => ensure!(!share.is_zero(), Error::<T>::ZeroAmount),
			Funding::Fixed(amount) => ensure!(!amount.is_zero(), Error::<T>::ZeroAmount),
		}
		Ok(())
	}

	pub(crate) fn do_create_dteam(
		name: DTeamNameOf<T>,
		admin: T::AccountId,
		funding: Funding,
	) -> DispatchResult {
		ensure!(!name.is_empty(), Error::<T>::EmptyName);
		ensure!(DTeams::<T>::count() < T::MaxDTeams::get(), Error::<T>::TooManyDTeams);
		Self::ensure_valid_funding(&funding)?;
		Self::move_share(None, Self::share_of_funding(&funding))?;
		let id = NextDTeamId::<T>::get();
		NextDTeamId::<T>::put(id.saturating_add(1));
		DTeams::<T>::insert(
			id,
			DTeam { name: name.clone(), admin: admin.clone(), funding, balance: Zero::zero() },
		);
		Self::deposit_event(Event::DTeamCreated { team: id, name, admin, funding });
		Ok(())
	}

	pub(crate) fn do_update_dteam(
		id: DTeamId,
		admin: T::AccountId,
		funding: Funding,
	) -> DispatchResult {
		let mut team = DTeams::<T>::get(id).ok_or(Error::<T>::UnknownDTeam)?;
		Self::ensure_valid_funding(&funding)?;
		Self::move_share(Self::share_of_funding(&team.funding), Self::share_of_funding(&funding))?;
		team.admin = admin.clone();
		team.funding = funding;
		DTeams::<T>::insert(id, team);
		Self::deposit_event(Event::DTeamUpdated { team: id, admin, funding });
		Ok(())
	}

	pub(crate) fn do_close_dteam(id: DTeamId) -> DispatchResult {
		let team = DTeams::<T>::take(id).ok_or(Error::<T>::UnknownDTeam)?;
		Self::move_share(Self::share_of_funding(&team.funding), None)?;
		DaoPot::<T>::mutate(|dao| *dao = dao.saturating_add(team.balance));
		Self::deposit_event(Event::DTeamClosed { team: id, returned: team.balance });
		Ok(())
	}

	pub(crate) fn ensure_valid_schedule(
		schedule: &Schedule<BlockNumberFor<T>>,
		total_issuance: Balance,
	) -> DispatchResult {
		ensure!(
			(T::MinEpochLength::get()..=T::MaxEpochLength::get()).contains(&schedule.epoch_length),
			Error::<T>::EpochLengthOutOfBounds
		);
		ensure!(schedule.epochs_per_decay > 0, Error::<T>::ZeroDecayPeriod);
		ensure!(schedule.decay <= T::MaxDecay::get(), Error::<T>::DecayTooLarge);
		ensure!(
			schedule.supply_cap <= T::MaxSupplyCap::get() && schedule.supply_cap >= total_issuance,
			Error::<T>::SupplyCapOutOfBounds
		);
		Ok(())
	}

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

	/// The state of the issuance, for the runtime API.
	pub fn issuance_info() -> IssuanceInfo<BlockNumberFor<T>> {
		let schedule = Self::schedule();
		let epoch = CurrentEpoch::<T>::get();
		let epoch_emission = EpochEmission::<T>::get();
		let remaining_under_cap = Self::remaining_under(schedule.supply_cap);
		IssuanceInfo {
			schedule,
			current_epoch: epoch.index,
			epoch_started_at: epoch.started_at,
			next_epoch_at: epoch.started_at.saturating_add(schedule.epoch_length),
			epoch_emission,
			next_emission: epoch_emission.min(remaining_under_cap),
			total_issuance: T::Currency::total_issuance(),
			remaining_under_cap,
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

	/// The invariants of the issuance: the pallet's account holds exactly its existential
	/// deposit plus every budget; the shares make 100%; the points of the epoch in progress
	/// add up; the dTeam count and share sum match the teams.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let teams: Vec<_> = DTeams::<T>::iter_values().collect();
		let in_teams =
			teams.iter().fold(Balance::zero(), |sum, team| sum.saturating_add(team.balance));
		let in_pots = RewardPots::<T>::iter_values()
			.fold(Balance::zero(), |sum, pot| sum.saturating_add(pot.pot.saturating_sub(pot.paid)));
		let expected = T::Currency::minimum_balance()
			.saturating_add(DaoPot::<T>::get())
			.saturating_add(in_teams)
			.saturating_add(in_pots);
		ensure!(
			T::Currency::balance(&Self::account_id()) == expected,
			"the pallet's account holds exactly its ED and the budgets"
		);
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

/// `emission` after one decay of `decay`, rounded down.
fn decayed(emission: Balance, decay: Perbill) -> Balance {
	Perbill::one().saturating_sub(decay).mul_floor(emission)
}

impl<T: Config> VehicleActivity for Pallet<T> {
	fn note_active(vehicle: VehicleId) {
		// An anchor names a registered vehicle; an unknown one simply earns nothing.
		let _ = Self::do_note_active(vehicle);
	}

	fn note_active_weight() -> Weight {
		T::WeightInfo::note_active()
	}
}

/// A retired vehicle's streak goes with it: one removal. The points it earned in the epoch in
/// progress stay with the owner who earned them, as they would after a transfer.
impl<T: Config> dimo_primitives::vehicle::OnVehicleRetired for Pallet<T> {
	fn on_vehicle_retired(vehicle: VehicleId) {
		VehicleActivityOf::<T>::remove(vehicle);
	}

	fn on_vehicle_retired_weight() -> Weight {
		T::DbWeight::get().writes(1)
	}
}

impl<T: Config> OnVehicleTransfer<T::AccountId> for Pallet<T> {
	fn on_vehicle_transfer(vehicle: VehicleId, _from: &T::AccountId, to: &T::AccountId) {
		Self::do_vehicle_transferred(vehicle, to)
	}

	fn on_vehicle_transfer_weight() -> Weight {
		T::WeightInfo::on_vehicle_transfer()
	}
}
