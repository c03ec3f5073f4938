//! # Governance timings pallet
//!
//! How long each step of DIMO Chain's governance takes: the launch period of public
//! proposals, the voting period of referenda, the enactment delay (the timelock between a
//! decision and its execution), the fast-track voting period, the cool-off after a veto, and
//! how long a technical-committee motion stays open.
//!
//! ## Why a pallet
//!
//! pallet-democracy and pallet-collective take these periods as `Get` types of their `Config`.
//! Constants would need one runtime for the testnet (DIMO's DIP-1: 7-day review, 7-day vote,
//! 96-hour timelock) and another with short periods for the dev chain, where a whole
//! proposal-to-enactment cycle must run in minutes. Here they are storage, set by each chain's
//! genesis preset: one runtime serves every chain, and [`Config::AdminOrigin`] (a referendum)
//! changes them later within [`Config::MinPeriod`]..=[`Config::MaxPeriod`]. The `Get` adapters
//! ([`LaunchPeriod`], [`VotingPeriod`], ...) are what the runtime hands to democracy and the
//! committee.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use weights::WeightInfo;

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;

/// The periods of governance, in blocks.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Timings<BlockNumber> {
	/// How often the most-seconded public proposal (or the external one, in turn) becomes a
	/// referendum. DIP-1: 7 days of review.
	pub launch_period: BlockNumber,
	/// How long a referendum is open for votes. DIP-1: 7 days.
	pub voting_period: BlockNumber,
	/// The voting period of a referendum that the technical committee fast-tracks.
	pub fast_track_voting_period: BlockNumber,
	/// The timelock: how long after a referendum passes its proposal is executed, and the
	/// unit of conviction locks. DIP-1: 96 hours.
	pub enactment_period: BlockNumber,
	/// How long a vetoed external proposal may not be proposed again.
	pub cooloff_period: BlockNumber,
	/// How long a technical-committee motion stays open for votes.
	pub motion_duration: BlockNumber,
}

impl<BlockNumber: From<u32>> Timings<BlockNumber> {
	/// DIMO's DIP-1 periods for 6-second blocks: 7-day launch period, 7-day vote, 96-hour
	/// timelock; a fast-tracked referendum is open 3 hours; a veto holds 7 days; a committee
	/// motion is open 3 days.
	pub fn dip1() -> Self {
		use dimo_primitives::time::{DAYS, HOURS};
		Self {
			launch_period: (7 * DAYS).into(),
			voting_period: (7 * DAYS).into(),
			fast_track_voting_period: (3 * HOURS).into(),
			enactment_period: (96 * HOURS).into(),
			cooloff_period: (7 * DAYS).into(),
			motion_duration: (3 * DAYS).into(),
		}
	}
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The origin that may change the timings: a referendum.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The shortest period allowed, in blocks.
		#[pallet::constant]
		type MinPeriod: Get<BlockNumberFor<Self>>;

		/// The longest period allowed, in blocks.
		#[pallet::constant]
		type MaxPeriod: Get<BlockNumberFor<Self>>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// The timings in force; DIP-1's if never set.
	#[pallet::storage]
	pub type CurrentTimings<T: Config> = StorageValue<_, Timings<BlockNumberFor<T>>, OptionQuery>;

	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The chain's timings; DIP-1's if `None`.
		pub timings: Option<Timings<BlockNumberFor<T>>>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(timings) = self.timings {
				Pallet::<T>::ensure_valid(&timings)
					.expect("the genesis timings are within the pallet's bounds");
				CurrentTimings::<T>::put(timings);
			}
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// The timings changed.
		TimingsChanged {
			/// The new timings.
			timings: Timings<BlockNumberFor<T>>,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// A period is shorter than [`Config::MinPeriod`] or longer than [`Config::MaxPeriod`].
		PeriodOutOfBounds,
		/// The fast-track voting period is longer than the voting period.
		FastTrackLongerThanVote,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// The bounds are usable and DIP-1's timings (in force until governance sets others)
		/// lie within them.
		fn integrity_test() {
			use sp_runtime::traits::Zero;
			assert!(!T::MinPeriod::get().is_zero(), "a period lasts at least one block");
			assert!(T::MinPeriod::get() <= T::MaxPeriod::get(), "MinPeriod is at most MaxPeriod");
			assert!(
				Pallet::<T>::ensure_valid(&Timings::dip1()).is_ok(),
				"DIP-1's timings are within MinPeriod and MaxPeriod"
			);
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Set the timings. Governance only. They apply to what starts from now on: a
		/// referendum already open keeps its end.
		///
		/// Errors: [`Error::PeriodOutOfBounds`], [`Error::FastTrackLongerThanVote`].
		///
		/// Emits [`Event::TimingsChanged`].
		#[pallet::call_index(0)]
		pub fn set_timings(
			origin: OriginFor<T>,
			timings: Timings<BlockNumberFor<T>>,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::ensure_valid(&timings)?;
			CurrentTimings::<T>::put(timings);
			Self::deposit_event(Event::TimingsChanged { timings });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The timings in force.
		pub fn timings() -> Timings<BlockNumberFor<T>> {
			CurrentTimings::<T>::get().unwrap_or_else(Timings::dip1)
		}

		pub(crate) fn ensure_valid(timings: &Timings<BlockNumberFor<T>>) -> DispatchResult {
			let bounds = T::MinPeriod::get()..=T::MaxPeriod::get();
			for period in [
				timings.launch_period,
				timings.voting_period,
				timings.fast_track_voting_period,
				timings.enactment_period,
				timings.cooloff_period,
				timings.motion_duration,
			] {
				ensure!(bounds.contains(&period), Error::<T>::PeriodOutOfBounds);
			}
			ensure!(
				timings.fast_track_voting_period <= timings.voting_period,
				Error::<T>::FastTrackLongerThanVote
			);
			Ok(())
		}
	}
}

macro_rules! period_getter {
	($name:ident, $field:ident, $doc:literal) => {
		#[doc = $doc]
		pub struct $name<T>(PhantomData<T>);

		impl<T: Config> Get<BlockNumberFor<T>> for $name<T> {
			fn get() -> BlockNumberFor<T> {
				Pallet::<T>::timings().$field
			}
		}
	};
}

period_getter!(LaunchPeriod, launch_period, "The launch period in force, for pallet-democracy.");
period_getter!(VotingPeriod, voting_period, "The voting period in force, for pallet-democracy.");
period_getter!(
	FastTrackVotingPeriod,
	fast_track_voting_period,
	"The fast-track voting period in force, for pallet-democracy."
);
period_getter!(
	EnactmentPeriod,
	enactment_period,
	"The enactment delay in force, for pallet-democracy (also its vote-locking unit)."
);
period_getter!(
	CooloffPeriod,
	cooloff_period,
	"The cool-off period in force, for pallet-democracy."
);
period_getter!(
	MotionDuration,
	motion_duration,
	"How long a committee motion stays open, for pallet-collective."
);
