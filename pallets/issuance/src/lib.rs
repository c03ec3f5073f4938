//! # Issuance pallet
//!
//! How much new DIMO exists, and who gets it.
//!
//! ## Overview
//!
//! Time is cut into epochs of [`Schedule::epoch_length`] blocks (a week on the testnet, as in
//! DIMO's DIP-2; a minute on the dev chain). At the start of the first block of each epoch the
//! pallet closes the epoch that ended:
//!
//! 1. it mints the epoch's emission, [`EpochEmission`], into the budgets, or what is left
//!    under [`Schedule::supply_cap`] if that is less: the last epochs mint the rest, then
//!    nothing;
//! 2. it splits what it minted by [`Shares`]: the data-provider rewards of the epoch, each
//!    dTeam (by share, or a fixed amount out of the DAO's part), and the DAO pot, which also
//!    gets the rounding remainder, so that no unit is created or lost;
//! 3. every [`Schedule::epochs_per_decay`] epochs it lowers the emission by
//!    [`Schedule::decay`], rounding down (DIMO: 1,105,000 DIMO a week, 15% less every 52
//!    weeks);
//! 4. it returns to the DAO pot what was not claimed of the rewards of an old epoch.
//!
//! ## Data-provider rewards
//!
//! A vehicle earns points in an epoch in which it sent data: the anchors report it through
//! [`VehicleActivity`]. Its points are a base plus a streak bonus (DIMO's levels: 4, 21 and 36
//! consecutive active epochs; each missed epoch drops a level; the streak stays with the
//! vehicle when it changes hands), raised by the demand for its data: each grant on it to a
//! data consumer that governance registered ([`DataDemand`]) adds
//! [`RewardParams::demand_bonus_per_grant`], up to [`RewardParams::max_rewarded_grants`]
//! grants. Grants to other accounts do not count, so an owner cannot farm the bonus by
//! granting its own spare accounts access. The points are credited to the vehicle's owner and
//! follow the vehicle if it changes hands before the epoch closes ([`OnVehicleTransfer`]): the
//! owner at the close [`claim`](Pallet::claim)s `points / all points × the epoch's pot`,
//! rounded down, within [`RewardParams::claim_window`] epochs.
//!
//! ## Budgets
//!
//! - **dTeams**: named budgets that governance creates, funds and closes
//!   ([`create_dteam`](Pallet::create_dteam), [`update_dteam`](Pallet::update_dteam),
//!   [`close_dteam`](Pallet::close_dteam)); the team's admin [`spend`](Pallet::spend)s from it.
//!   What a closed team holds goes back to the DAO pot.
//! - **DAO pot**: only governance spends from it ([`spend_dao`](Pallet::spend_dao)).
//!
//! All budgets are ledgers in this pallet's storage, and no account holds what they hold: a
//! budget mints what it pays into the account it pays, when it pays, as staking mints an era's
//! rewards at payout. [`UnpaidBudgets`] is their sum (the DAO pot, the dTeams' balances and
//! the unclaimed rewards; checked by `try_state`), and DIMO issued is pallet-balances' total
//! issuance plus it ([`Pallet::issued`]): the supply cap bounds that sum. So the epoch
//! boundary writes no account, and its cost does not grow with the number of accounts.
//!
//! Unclaimed points of expired epochs stay in state until anyone
//! [`reap_points`](Pallet::reap_points) them.
//!
//! ## Cost
//!
//! The epoch boundary touches a bounded number of records: the schedule, the pots, at most
//! [`Config::MaxDTeams`] teams, one expired reward pot and the total issuance. It never reads
//! a vehicle, an owner, an account or a grant; rewards are pulled by
//! [`claim`](Pallet::claim), one (epoch, account) record per claim. Recording activity is O(1)
//! per vehicle.
//!
//! ## Governance
//!
//! Every parameter is set by [`Config::AdminOrigin`] within bounds that the code enforces
//! ([`Config::MaxEpochEmission`], [`Config::MaxSupplyCap`], [`Config::MinEpochLength`], ...).

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
mod dteams;
mod impl_activity;
pub mod migrations;
#[cfg(test)]
mod mock;
mod params;
mod rewards;
#[cfg(test)]
mod tests;
mod tick_impls;
pub mod types;
mod utility_impls;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

use dimo_primitives::{
	rewards::{DataDemand, OnVehicleTransfer, VehicleActivity},
	vehicle::{VehicleId, VehicleRegistry},
	Balance,
};

/// The target of the pallet's log lines.
pub(crate) const LOG_TARGET: &str = "runtime::issuance";

/// The base points of an active vehicle in an epoch (DIMO's points for a connected vehicle).
pub const BASE_POINTS: Points = 6_000;

/// The streak levels: the streak at which each level starts, and the bonus points it adds
/// (DIMO's connection streak: levels at 0, 4, 21 and 36 consecutive weeks).
pub const STREAK_LEVELS: [(u32, Points); 4] = [(0, 0), (4, 1_000), (21, 2_000), (36, 3_000)];

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::{pallet_prelude::*, traits::fungible::Mutate};
	use frame_system::pallet_prelude::*;
	use sp_runtime::{traits::StaticLookup, Perbill};

	/// The in-code storage version. 1: the budgets are minted as they pay
	/// ([`migrations::v1`]).
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The native currency, which this pallet mints.
		type Currency: Mutate<Self::AccountId, Balance = Balance>;

		/// The registry of vehicles: who owns an active vehicle.
		type Vehicles: VehicleRegistry<Self::AccountId>;

		/// The demand for a vehicle's data: its grants to registered data consumers.
		type Demand: DataDemand;

		/// The origin of every parameter change, dTeam decision and DAO spend: governance.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The origin that may record activity by hand with
		/// [`record_activity`](Pallet::record_activity), besides the anchors that report it
		/// through [`VehicleActivity`].
		type ActivityOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The shortest epoch governance may set, in blocks.
		#[pallet::constant]
		type MinEpochLength: Get<BlockNumberFor<Self>>;

		/// The longest epoch governance may set, in blocks.
		#[pallet::constant]
		type MaxEpochLength: Get<BlockNumberFor<Self>>;

		/// The largest emission per epoch governance may set.
		#[pallet::constant]
		type MaxEpochEmission: Get<Balance>;

		/// The largest supply cap governance may set.
		#[pallet::constant]
		type MaxSupplyCap: Get<Balance>;

		/// The largest decay per period governance may set.
		#[pallet::constant]
		type MaxDecay: Get<Perbill>;

		/// The most grants governance may let count towards demand.
		#[pallet::constant]
		type MaxRewardedGrants: Get<u32>;

		/// The longest claim window governance may set, in epochs. Bounds the number of open
		/// reward pots, and so the work of `dimo_pendingRewards`.
		#[pallet::constant]
		type MaxClaimWindow: Get<u32>;

		/// The most dTeams that may exist at once. Bounds the work of an epoch boundary.
		#[pallet::constant]
		type MaxDTeams: Get<u32>;

		/// The longest dTeam name, in bytes.
		#[pallet::constant]
		type MaxDTeamNameLen: Get<u32>;

		/// The most vehicles one [`record_activity`](Pallet::record_activity) call may name.
		#[pallet::constant]
		type MaxActivityBatch: Get<u32>;

		/// The most accounts one [`reap_points`](Pallet::reap_points) call may name.
		#[pallet::constant]
		type MaxReapBatch: Get<u32>;

		/// Weights of this pallet's calls and of the epoch boundary.
		type WeightInfo: WeightInfo;
	}

	/// A dTeam, as stored.
	pub type DTeamOf<T> =
		DTeam<<T as frame_system::Config>::AccountId, <T as Config>::MaxDTeamNameLen>;

	/// The name of a dTeam.
	pub type DTeamNameOf<T> = BoundedVec<u8, <T as Config>::MaxDTeamNameLen>;

	/// The vehicles of a [`record_activity`](Pallet::record_activity) call.
	pub type ActivityBatchOf<T> = BoundedVec<VehicleId, <T as Config>::MaxActivityBatch>;

	/// The accounts of a [`reap_points`](Pallet::reap_points) call.
	pub type ReapBatchOf<T> =
		BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxReapBatch>;

	/// The schedule of the emission.
	#[pallet::storage]
	pub type CurrentSchedule<T: Config> = StorageValue<_, Schedule<BlockNumberFor<T>>, OptionQuery>;

	/// What an epoch of the current decay period mints, before the supply cap.
	#[pallet::storage]
	pub type EpochEmission<T> = StorageValue<_, Balance, ValueQuery>;

	/// How the emission is split between data providers and the DAO (the share-funded dTeams
	/// hold the rest: together they make 100%).
	#[pallet::storage]
	pub type CurrentShares<T> = StorageValue<_, Shares, ValueQuery>;

	/// The sum of the shares of the share-funded dTeams.
	#[pallet::storage]
	pub type DTeamShares<T> = StorageValue<_, Perbill, ValueQuery>;

	/// The parameters of the data-provider rewards.
	#[pallet::storage]
	pub type CurrentRewardParams<T> = StorageValue<_, RewardParams, OptionQuery>;

	/// The epoch in progress.
	#[pallet::storage]
	pub type CurrentEpoch<T: Config> = StorageValue<_, EpochState<BlockNumberFor<T>>, ValueQuery>;

	/// What the boundary of each closed epoch minted, and to which budget.
	///
	/// One small record per epoch: 52 a year on the testnet.
	#[pallet::storage]
	pub type Mints<T> = StorageMap<_, Twox64Concat, EpochIndex, MintRecord>;

	/// Minted by this pallet since genesis.
	#[pallet::storage]
	pub type TotalMinted<T> = StorageValue<_, Balance, ValueQuery>;

	/// What the DAO pot holds.
	#[pallet::storage]
	pub type DaoPot<T> = StorageValue<_, Balance, ValueQuery>;

	/// What the budgets hold together (the DAO pot, the dTeams and the open reward pots):
	/// minted at the epoch boundaries into them, and into an account when a budget pays it.
	/// Not in pallet-balances' total issuance until paid; counted with it against the cap.
	#[pallet::storage]
	pub type UnpaidBudgets<T> = StorageValue<_, Balance, ValueQuery>;

	/// The dTeams. Bounded by [`Config::MaxDTeams`].
	#[pallet::storage]
	pub type DTeams<T: Config> = CountedStorageMap<_, Twox64Concat, DTeamId, DTeamOf<T>>;

	/// The id the next dTeam gets.
	#[pallet::storage]
	pub type NextDTeamId<T> = StorageValue<_, DTeamId, ValueQuery>;

	/// Each vehicle's activity: its streak and its points in its last active epoch.
	///
	/// `Twox64Concat`: vehicle ids are assigned by the chain.
	#[pallet::storage]
	pub type VehicleActivityOf<T: Config> =
		StorageMap<_, Twox64Concat, VehicleId, Activity<T::AccountId>>;

	/// The points of each account in each epoch: in the epoch in progress, the sum of its
	/// vehicles' points so far; in a closed epoch, what it may claim for (removed by the claim).
	#[pallet::storage]
	pub type AccountPoints<T: Config> =
		StorageDoubleMap<_, Twox64Concat, EpochIndex, Blake2_128Concat, T::AccountId, Points>;

	/// The points of every vehicle in the epoch in progress.
	#[pallet::storage]
	pub type CurrentEpochPoints<T> = StorageValue<_, Points, ValueQuery>;

	/// The rewards of each closed epoch, while they may be claimed.
	#[pallet::storage]
	pub type RewardPots<T> = StorageMap<_, Twox64Concat, EpochIndex, RewardPot>;

	/// The oldest epoch whose reward pot may still be open: where the next expiry looks.
	#[pallet::storage]
	pub type OldestRewardPot<T> = StorageValue<_, EpochIndex, ValueQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The schedule; the default is DIMO's, with weekly epochs of 6 s blocks.
		pub schedule: Option<Schedule<BlockNumberFor<T>>>,
		/// The emission of an epoch in the first decay period; 1,105,000 DIMO if `None`.
		pub epoch_emission: Option<Balance>,
		/// The split; 70% to data providers and 30% to the DAO if `None`.
		pub shares: Option<Shares>,
		/// The reward parameters; 10% per grant, 5 grants, 8 epochs to claim if `None`.
		pub reward_params: Option<RewardParams>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let schedule = self.schedule.unwrap_or_else(Pallet::<T>::default_schedule);
			let emission = self.epoch_emission.unwrap_or(DEFAULT_EPOCH_EMISSION);
			let shares = self.shares.unwrap_or(DEFAULT_SHARES);
			let params = self.reward_params.unwrap_or(DEFAULT_REWARD_PARAMS);
			Pallet::<T>::ensure_valid_schedule(&schedule, 0)
				.expect("the genesis schedule is within the pallet's bounds");
			Pallet::<T>::ensure_valid_emission(emission)
				.expect("the genesis emission is within the pallet's bounds");
			Pallet::<T>::ensure_valid_shares(&shares, Perbill::zero())
				.expect("the genesis shares make 100%");
			Pallet::<T>::ensure_valid_reward_params(&params)
				.expect("the genesis reward parameters are within the pallet's bounds");
			CurrentSchedule::<T>::put(schedule);
			EpochEmission::<T>::put(emission);
			CurrentShares::<T>::put(shares);
			CurrentRewardParams::<T>::put(params);
			CurrentEpoch::<T>::put(EpochState {
				index: 0,
				started_at: frame_system::Pallet::<T>::block_number(),
			});
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An epoch closed and its emission was minted into the budgets (each mints what it
		/// pays into the account it pays, when it pays).
		Minted {
			/// The epoch that closed.
			epoch: EpochIndex,
			/// What was minted into the budgets.
			amount: Balance,
			/// pallet-balances' total issuance: the DIMO that accounts hold.
			total_issuance: Balance,
			/// What the budgets hold now, this mint included.
			unpaid_budgets: Balance,
			/// What may still be minted under the supply cap (which bounds the total issuance
			/// and the budgets together).
			remaining_under_cap: Balance,
		},
		/// What an epoch minted was split between the budgets. The parts sum to what was minted.
		Split {
			/// The epoch.
			epoch: EpochIndex,
			/// To the epoch's data-provider rewards.
			data_providers: Balance,
			/// To the dTeams, together (see [`Event::DTeamFunded`]).
			dteams: Balance,
			/// To the DAO pot, rounding remainder included.
			dao: Balance,
			/// The points of every vehicle active in the epoch. When zero, the data providers'
			/// part went to the DAO pot.
			total_points: Points,
		},
		/// A dTeam received its funding at an epoch boundary.
		DTeamFunded {
			/// The epoch that closed.
			epoch: EpochIndex,
			/// The team.
			team: DTeamId,
			/// What it received.
			amount: Balance,
			/// What it holds now.
			balance: Balance,
		},
		/// The emission per epoch fell by the decay.
		EmissionDecayed {
			/// The first epoch that mints the new emission.
			from_epoch: EpochIndex,
			/// The new emission per epoch.
			epoch_emission: Balance,
		},
		/// The claim window of an epoch's rewards ended; what was left went to the DAO pot.
		RewardsExpired {
			/// The epoch.
			epoch: EpochIndex,
			/// What went back to the DAO pot.
			returned: Balance,
		},
		/// A vehicle earned points in the epoch in progress (or more than before in it).
		PointsEarned {
			/// The vehicle.
			vehicle: VehicleId,
			/// The epoch.
			epoch: EpochIndex,
			/// Its points in the epoch now.
			points: Points,
			/// Its streak, this epoch included.
			streak: u32,
			/// The grants to registered data consumers that counted.
			rewarded_grants: u32,
			/// The account credited: the owner.
			credited_to: T::AccountId,
		},
		/// An account claimed its rewards of an epoch.
		Claimed {
			/// The epoch.
			epoch: EpochIndex,
			/// The account.
			who: T::AccountId,
			/// Its points in the epoch.
			points: Points,
			/// What it was paid.
			amount: Balance,
		},
		/// A dTeam's admin spent from it.
		DTeamSpent {
			/// The team.
			team: DTeamId,
			/// Who was paid.
			to: T::AccountId,
			/// How much.
			amount: Balance,
			/// What the team holds now.
			balance: Balance,
		},
		/// Governance spent from the DAO pot.
		DaoSpent {
			/// Who was paid.
			to: T::AccountId,
			/// How much.
			amount: Balance,
			/// What the DAO pot holds now.
			dao_pot: Balance,
		},
		/// Governance created a dTeam.
		DTeamCreated {
			/// Its id.
			team: DTeamId,
			/// Its name.
			name: DTeamNameOf<T>,
			/// Its admin.
			admin: T::AccountId,
			/// Its funding.
			funding: Funding,
		},
		/// Governance changed a dTeam's admin or funding.
		DTeamUpdated {
			/// The team.
			team: DTeamId,
			/// Its admin now.
			admin: T::AccountId,
			/// Its funding now.
			funding: Funding,
		},
		/// Governance closed a dTeam; what it held went to the DAO pot.
		DTeamClosed {
			/// The team.
			team: DTeamId,
			/// What went to the DAO pot.
			returned: Balance,
		},
		/// The schedule changed.
		ScheduleChanged {
			/// The new schedule.
			schedule: Schedule<BlockNumberFor<T>>,
		},
		/// The emission per epoch changed.
		EpochEmissionChanged {
			/// The new emission per epoch.
			epoch_emission: Balance,
		},
		/// The split of the emission changed (by governance, or because a share-funded dTeam
		/// was created, changed or closed).
		SharesChanged {
			/// The new shares of data providers and the DAO.
			shares: Shares,
			/// The share-funded dTeams' part, together.
			dteam_shares: Perbill,
		},
		/// The reward parameters changed.
		RewardParamsChanged {
			/// The new parameters.
			params: RewardParams,
		},
		/// Unclaimed points of an expired epoch were removed from state.
		PointsReaped {
			/// The epoch.
			epoch: EpochIndex,
			/// How many accounts' points were removed.
			accounts: u32,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The epoch length is outside [`Config::MinEpochLength`]..=[`Config::MaxEpochLength`].
		EpochLengthOutOfBounds,
		/// The number of epochs between decays is zero.
		ZeroDecayPeriod,
		/// The decay is above [`Config::MaxDecay`].
		DecayTooLarge,
		/// The supply cap is above [`Config::MaxSupplyCap`] or below what is issued already (the
		/// total issuance and the budgets).
		SupplyCapOutOfBounds,
		/// The emission per epoch is above [`Config::MaxEpochEmission`].
		EmissionTooLarge,
		/// The shares of data providers, the DAO and the share-funded dTeams do not make 100%.
		SharesDoNotSumToWhole,
		/// More grants than [`Config::MaxRewardedGrants`] would count towards demand.
		TooManyRewardedGrants,
		/// The claim window is zero or longer than [`Config::MaxClaimWindow`].
		ClaimWindowOutOfBounds,
		/// The epoch has not closed yet: its rewards are not known.
		EpochNotClosed,
		/// The epoch's claim window is over: its rewards went to the DAO pot.
		ClaimExpired,
		/// The account has nothing to claim in this epoch: no points, or claimed already.
		NothingToClaim,
		/// No dTeam has this id.
		UnknownDTeam,
		/// There are [`Config::MaxDTeams`] dTeams already.
		TooManyDTeams,
		/// The signer is not the dTeam's admin.
		NotDTeamAdmin,
		/// The budget holds less than the amount.
		InsufficientBudget,
		/// The amount is zero.
		ZeroAmount,
		/// The dTeam's share is larger than the DAO's share, out of which it is taken.
		ShareExceedsDaoShare,
		/// The name is empty.
		EmptyName,
		/// The batch names no vehicle.
		EmptyBatch,
		/// No vehicle has this id.
		UnknownVehicle,
		/// The epoch's rewards may still be claimed (or it has not closed): its points stay.
		RewardsNotExpired,
		/// None of the accounts has points left in the epoch.
		NothingToReap,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			Self::on_epoch_boundary(now)
		}

		/// The bounds are usable and DIMO's defaults (what genesis falls back to) lie within
		/// them: a runtime that breaks this fails its tests, not its genesis.
		fn integrity_test() {
			use sp_runtime::traits::Zero;
			assert!(!T::MinEpochLength::get().is_zero(), "an epoch lasts at least one block");
			assert!(
				T::MinEpochLength::get() <= T::MaxEpochLength::get(),
				"MinEpochLength is at most MaxEpochLength"
			);
			for (bound, what) in [
				(T::MaxClaimWindow::get(), "MaxClaimWindow"),
				(T::MaxDTeams::get(), "MaxDTeams"),
				(T::MaxDTeamNameLen::get(), "MaxDTeamNameLen"),
				(T::MaxActivityBatch::get(), "MaxActivityBatch"),
				(T::MaxReapBatch::get(), "MaxReapBatch"),
			] {
				assert!(bound > 0, "{what} must be at least 1");
			}
			assert!(
				Self::ensure_valid_schedule(&Self::default_schedule(), 0).is_ok(),
				"DIMO's default schedule is within the bounds"
			);
			assert!(
				Self::ensure_valid_emission(DEFAULT_EPOCH_EMISSION).is_ok(),
				"DIMO's default emission is within MaxEpochEmission"
			);
			assert!(
				Self::ensure_valid_shares(&DEFAULT_SHARES, Perbill::zero()).is_ok(),
				"DIMO's default shares make 100%"
			);
			assert!(
				Self::ensure_valid_reward_params(&DEFAULT_REWARD_PARAMS).is_ok(),
				"DIMO's default reward parameters are within the bounds"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Claim the data-provider rewards of a closed epoch. Signed by the account that owned
		/// the active vehicles when the epoch closed.
		///
		/// Pays `points / all points × the epoch's pot`, rounded down.
		///
		/// Errors: [`Error::EpochNotClosed`], [`Error::ClaimExpired`], [`Error::NothingToClaim`].
		///
		/// Emits [`Event::Claimed`].
		#[pallet::call_index(0)]
		pub fn claim(origin: OriginFor<T>, epoch: EpochIndex) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_claim(&who, epoch)
		}

		/// Spend from a dTeam's budget. Signed by the team's admin.
		///
		/// Errors: [`Error::UnknownDTeam`], [`Error::NotDTeamAdmin`], [`Error::ZeroAmount`],
		/// [`Error::InsufficientBudget`], or a token error if `to` cannot receive it.
		///
		/// Emits [`Event::DTeamSpent`].
		#[pallet::call_index(1)]
		pub fn spend(
			origin: OriginFor<T>,
			team: DTeamId,
			to: AccountIdLookupOf<T>,
			#[pallet::compact] amount: Balance,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let to = T::Lookup::lookup(to)?;
			Self::do_spend(&who, team, to, amount)
		}

		/// Spend from the DAO pot. Governance only.
		///
		/// Errors: [`Error::ZeroAmount`], [`Error::InsufficientBudget`], or a token error if
		/// `to` cannot receive it.
		///
		/// Emits [`Event::DaoSpent`].
		#[pallet::call_index(2)]
		pub fn spend_dao(
			origin: OriginFor<T>,
			to: AccountIdLookupOf<T>,
			#[pallet::compact] amount: Balance,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			let to = T::Lookup::lookup(to)?;
			Self::do_spend_dao(to, amount)
		}

		/// Create a dTeam. Governance only.
		///
		/// A share-funded team takes its share out of the DAO's.
		///
		/// Errors: [`Error::EmptyName`], [`Error::TooManyDTeams`],
		/// [`Error::ShareExceedsDaoShare`], [`Error::ZeroAmount`] (a fixed funding of zero).
		///
		/// Emits [`Event::DTeamCreated`], and [`Event::SharesChanged`] for a share-funded team.
		#[pallet::call_index(3)]
		pub fn create_dteam(
			origin: OriginFor<T>,
			name: DTeamNameOf<T>,
			admin: AccountIdLookupOf<T>,
			funding: Funding,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			let admin = T::Lookup::lookup(admin)?;
			Self::do_create_dteam(name, admin, funding)
		}

		/// Change a dTeam's admin and funding. Governance only.
		///
		/// Errors: [`Error::UnknownDTeam`], [`Error::ShareExceedsDaoShare`], [`Error::ZeroAmount`].
		///
		/// Emits [`Event::DTeamUpdated`], and [`Event::SharesChanged`] if a share changed.
		#[pallet::call_index(4)]
		pub fn update_dteam(
			origin: OriginFor<T>,
			team: DTeamId,
			admin: AccountIdLookupOf<T>,
			funding: Funding,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			let admin = T::Lookup::lookup(admin)?;
			Self::do_update_dteam(team, admin, funding)
		}

		/// Close a dTeam: what it holds goes to the DAO pot, and its share back to the DAO's.
		/// Governance only.
		///
		/// Errors: [`Error::UnknownDTeam`].
		///
		/// Emits [`Event::DTeamClosed`], and [`Event::SharesChanged`] for a share-funded team.
		#[pallet::call_index(5)]
		pub fn close_dteam(origin: OriginFor<T>, team: DTeamId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_close_dteam(team)
		}

		/// Set the schedule. Governance only. A new epoch length applies to the epoch in
		/// progress (it closes at its start plus the new length, or at the next block if that
		/// is past); a new decay applies from the next decay.
		///
		/// Errors: [`Error::EpochLengthOutOfBounds`], [`Error::ZeroDecayPeriod`],
		/// [`Error::DecayTooLarge`], [`Error::SupplyCapOutOfBounds`].
		///
		/// Emits [`Event::ScheduleChanged`].
		#[pallet::call_index(6)]
		pub fn set_schedule(
			origin: OriginFor<T>,
			schedule: Schedule<BlockNumberFor<T>>,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_set_schedule(schedule)
		}

		/// Set the emission of each epoch of the current decay period, from the next boundary
		/// on. Governance only.
		///
		/// Errors: [`Error::EmissionTooLarge`].
		///
		/// Emits [`Event::EpochEmissionChanged`].
		#[pallet::call_index(7)]
		pub fn set_epoch_emission(
			origin: OriginFor<T>,
			#[pallet::compact] epoch_emission: Balance,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_set_epoch_emission(epoch_emission)
		}

		/// Set the shares of data providers and the DAO. With the share-funded dTeams' they
		/// must make exactly 100%. Governance only.
		///
		/// Errors: [`Error::SharesDoNotSumToWhole`].
		///
		/// Emits [`Event::SharesChanged`].
		#[pallet::call_index(8)]
		pub fn set_shares(origin: OriginFor<T>, shares: Shares) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_set_shares(shares)
		}

		/// Set the reward parameters. Governance only. They apply to points earned from now on
		/// and to epochs that close from now on.
		///
		/// Errors: [`Error::TooManyRewardedGrants`], [`Error::ClaimWindowOutOfBounds`].
		///
		/// Emits [`Event::RewardParamsChanged`].
		#[pallet::call_index(9)]
		pub fn set_reward_params(origin: OriginFor<T>, params: RewardParams) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::do_set_reward_params(params)
		}

		/// Record that vehicles sent data in the epoch in progress, as an anchor does.
		/// [`Config::ActivityOrigin`] only: governance attesting data collected off chain, or a
		/// dev chain without collectors.
		///
		/// Errors: [`Error::EmptyBatch`], [`Error::UnknownVehicle`].
		///
		/// Emits [`Event::PointsEarned`] for each vehicle whose points rose.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::record_activity(vehicles.len() as u32))]
		pub fn record_activity(
			origin: OriginFor<T>,
			vehicles: ActivityBatchOf<T>,
		) -> DispatchResult {
			T::ActivityOrigin::ensure_origin(origin)?;
			ensure!(!vehicles.is_empty(), Error::<T>::EmptyBatch);
			// All or nothing: the call's storage layer undoes the vehicles before an unknown one.
			for vehicle in vehicles {
				Self::do_note_active(vehicle)?;
			}
			Ok(())
		}

		/// Remove from state the points that accounts left unclaimed in an epoch whose rewards
		/// expired (their DIMO went back to the DAO pot). Anyone may call it: it only tidies
		/// state. The keys are listed by `state_getKeysPaged` on `issuance.accountPoints(epoch)`.
		///
		/// Errors: [`Error::RewardsNotExpired`], [`Error::NothingToReap`].
		///
		/// Emits [`Event::PointsReaped`].
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::reap_points(accounts.len() as u32))]
		pub fn reap_points(
			origin: OriginFor<T>,
			epoch: EpochIndex,
			accounts: ReapBatchOf<T>,
		) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_reap_points(epoch, accounts)
		}
	}

	/// An account, or its index or other lookup.
	pub type AccountIdLookupOf<T> = <<T as frame_system::Config>::Lookup as StaticLookup>::Source;
}

/// The emission of an epoch in DIMO's first year: 1,105,000 DIMO.
pub const DEFAULT_EPOCH_EMISSION: Balance = 1_105_000 * dimo_primitives::currency::DIMO;

/// DIMO's supply cap: 1,000,000,000 DIMO.
pub const DEFAULT_SUPPLY_CAP: Balance = 1_000_000_000 * dimo_primitives::currency::DIMO;

/// The default split: 70% to data providers, 30% to the DAO.
pub const DEFAULT_SHARES: Shares = Shares {
	data_providers: sp_runtime::Perbill::from_percent(70),
	dao: sp_runtime::Perbill::from_percent(30),
};

/// The default reward parameters: each grant to a data consumer adds 10%, up to 5 grants (+50%);
/// rewards may be claimed for 8 epochs after their epoch closes.
pub const DEFAULT_REWARD_PARAMS: RewardParams = RewardParams {
	demand_bonus_per_grant: sp_runtime::Perbill::from_percent(10),
	max_rewarded_grants: 5,
	claim_window: 8,
};
