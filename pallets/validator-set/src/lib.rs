//! # Validator-set pallet
//!
//! Which accounts author DIMO Chain's blocks (Aura) and finalize them (GRANDPA), and how long a
//! session lasts. Governance admits and removes validators; `pallet-session` applies the set at
//! session boundaries; a validator proven to equivocate is disabled for the rest of its session
//! and reported in an event for governance to act on.
//!
//! ## Why a pallet of our own
//!
//! Phase 1 has no staking: validators are a handful of operators that DIMO's DAO admits, like the
//! invulnerables of `pallet-collator-selection`, and nobody bonds DIMO to become one. That pallet
//! is built for parachains (its candidacy bonds and author rewards assume a relay chain's
//! security and `pallet-authorship`), so this one keeps only what a solochain's governed set needs:
//! a bounded list of accounts ([`Validators`]), changed by [`Config::AddOrigin`] (a referendum)
//! and [`Config::RemoveOrigin`] (a referendum, or the technical committee removing a misbehaving
//! validator at once), never below [`Config::MinValidators`] nor above
//! [`Config::MaxValidators`]; a validator must have set its session keys
//! (`session.setKeys`) before it is admitted, so that an admitted validator can always author.
//!
//! ## How a change reaches consensus
//!
//! The pallet is `pallet-session`'s `SessionManager`. When the set changes, the next session
//! boundary *queues* it (`session.queuedKeys`, so that the validators' nodes see it one session
//! ahead) and the boundary after that makes it active: Aura's authorities change and GRANDPA
//! schedules an authority-set change. A change therefore takes effect within two sessions. The
//! session length is [`SessionLength`], set by each chain's genesis (an hour on the testnet, a
//! minute on the dev chains) and changed by [`Config::AddOrigin`]; the pallet is also the
//! session's `ShouldEndSession` and `EstimateNextSessionRotation`.
//!
//! ## Offences
//!
//! `pallet-offences` hands proven offences (GRANDPA equivocations, reported by any node as
//! unsigned transactions with a key-ownership proof from `pallet-session::historical`) to this
//! pallet. There is no stake to slash: the offender is disabled for the rest of the session
//! through [`Config::DisableValidator`] (its blocks are refused and its votes ignored, up to the
//! third of the set that still lets the rest finalize) and [`Event::OffenceReported`] tells
//! governance, which may remove it.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use weights::WeightInfo;

use alloc::vec::Vec;
use dimo_primitives::validators::DisableValidator;
use frame_support::{
	pallet_prelude::*,
	traits::{EstimateNextSessionRotation, ValidatorRegistration},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{
	traits::{One, Saturating, Zero},
	Perbill, Permill,
};
use sp_staking::{
	offence::{OffenceDetails, OnOffenceHandler},
	SessionIndex,
};

/// What a runtime must do for the benchmarks: give an account session keys, as
/// `session.setKeys` would, so that it may be admitted.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
	/// Registers session keys for `who`, funding it for the deposit if need be.
	fn register_keys(who: &AccountId);
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The origin that admits validators and sets the session length: a referendum.
		type AddOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The origin that removes validators: a referendum, or the technical committee.
		type RemoveOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Whether an account has set its session keys (`pallet-session`).
		type KeysRegistration: ValidatorRegistration<Self::AccountId>;

		/// Disables an offender for the rest of its session (`pallet-session`).
		type DisableValidator: DisableValidator<Self::AccountId>;

		/// The fewest validators the set may hold: removing one more is an error.
		#[pallet::constant]
		type MinValidators: Get<u32>;

		/// The most validators the set may hold (at most Aura's and GRANDPA's
		/// `MaxAuthorities`).
		#[pallet::constant]
		type MaxValidators: Get<u32>;

		/// The shortest session allowed, in blocks.
		#[pallet::constant]
		type MinSessionLength: Get<BlockNumberFor<Self>>;

		/// The longest session allowed, in blocks.
		#[pallet::constant]
		type MaxSessionLength: Get<BlockNumberFor<Self>>;

		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;

		/// Gives accounts session keys in the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
	}

	/// The validators that governance admitted: the set of the sessions to come.
	#[pallet::storage]
	pub type Validators<T: Config> =
		StorageValue<_, BoundedVec<T::AccountId, T::MaxValidators>, ValueQuery>;

	/// Whether [`Validators`] changed since the session pallet last planned a session.
	#[pallet::storage]
	pub type SetChanged<T: Config> = StorageValue<_, bool, ValueQuery>;

	/// How many blocks a session lasts.
	#[pallet::storage]
	pub type SessionLength<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	/// The block at which the current session started.
	#[pallet::storage]
	pub type SessionStart<T: Config> = StorageValue<_, BlockNumberFor<T>, ValueQuery>;

	#[pallet::genesis_config]
	pub struct GenesisConfig<T: Config> {
		/// The first validators (each also needs session keys in `pallet-session`'s genesis).
		/// If empty, `pallet-session`'s genesis keys name the first set and this pallet plans
		/// nothing until governance admits a validator.
		pub validators: Vec<T::AccountId>,
		/// How many blocks a session lasts.
		pub session_length: BlockNumberFor<T>,
	}

	/// No validators; the longest session allowed.
	impl<T: Config> Default for GenesisConfig<T> {
		fn default() -> Self {
			Self { validators: Vec::new(), session_length: T::MaxSessionLength::get() }
		}
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if !self.validators.is_empty() {
				let validators = Pallet::<T>::ensure_valid_set(self.validators.clone())
					.expect("the genesis validators are distinct and within the pallet's bounds");
				Validators::<T>::put(validators);
			}
			Pallet::<T>::ensure_valid_session_length(self.session_length)
				.expect("the genesis session length is within the pallet's bounds");
			SessionLength::<T>::put(self.session_length);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// Governance admitted a validator; it authors from the session after next.
		ValidatorAdded {
			/// Its account.
			validator: T::AccountId,
		},
		/// Governance removed a validator; it stops authoring from the session after next.
		ValidatorRemoved {
			/// Its account.
			validator: T::AccountId,
		},
		/// The set that governance changed was handed to the session pallet: it is queued now
		/// and active from `session`.
		NewSetPlanned {
			/// The session from which it is active.
			session: SessionIndex,
			/// The validators.
			validators: Vec<T::AccountId>,
		},
		/// The session length changed; the current session ends by the new length.
		SessionLengthChanged {
			/// The new length, in blocks.
			length: BlockNumberFor<T>,
		},
		/// A validator was proven to have committed an offence (a GRANDPA equivocation):
		/// governance may remove it.
		OffenceReported {
			/// The offender.
			validator: T::AccountId,
			/// The session in which it offended.
			session: SessionIndex,
			/// Whether it was disabled for the rest of the current session (not when it is no
			/// longer in the set, nor when a third of the set is disabled already).
			disabled: bool,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is a validator already.
		AlreadyValidator,
		/// The account is not a validator.
		NotValidator,
		/// The account has not set its session keys (`session.setKeys`).
		NoSessionKeys,
		/// The set would hold more than [`Config::MaxValidators`].
		TooManyValidators,
		/// The set would hold fewer than [`Config::MinValidators`].
		TooFewValidators,
		/// The genesis names a validator twice.
		DuplicateValidator,
		/// The length is outside [`Config::MinSessionLength`]..=[`Config::MaxSessionLength`].
		SessionLengthOutOfBounds,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MinValidators::get() >= 1, "a chain needs a validator");
			assert!(
				T::MinValidators::get() <= T::MaxValidators::get(),
				"MinValidators is at most MaxValidators"
			);
			assert!(!T::MinSessionLength::get().is_zero(), "a session lasts at least a block");
			assert!(
				T::MinSessionLength::get() <= T::MaxSessionLength::get(),
				"MinSessionLength is at most MaxSessionLength"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call(weight(<T as Config>::WeightInfo))]
	impl<T: Config> Pallet<T> {
		/// Admits `validator`, which must have set its session keys. It authors from the
		/// session after next.
		///
		/// Errors: [`Error::AlreadyValidator`], [`Error::NoSessionKeys`],
		/// [`Error::TooManyValidators`].
		///
		/// Emits [`Event::ValidatorAdded`].
		#[pallet::call_index(0)]
		pub fn add_validator(origin: OriginFor<T>, validator: T::AccountId) -> DispatchResult {
			T::AddOrigin::ensure_origin(origin)?;
			let mut validators = Validators::<T>::get();
			ensure!(!validators.contains(&validator), Error::<T>::AlreadyValidator);
			ensure!(T::KeysRegistration::is_registered(&validator), Error::<T>::NoSessionKeys);
			validators.try_push(validator.clone()).map_err(|_| Error::<T>::TooManyValidators)?;
			Validators::<T>::put(validators);
			SetChanged::<T>::put(true);
			Self::deposit_event(Event::ValidatorAdded { validator });
			Ok(())
		}

		/// Removes `validator`. It stops authoring from the session after next; its session
		/// keys stay set (`session.purgeKeys` removes them).
		///
		/// Errors: [`Error::NotValidator`], [`Error::TooFewValidators`].
		///
		/// Emits [`Event::ValidatorRemoved`].
		#[pallet::call_index(1)]
		pub fn remove_validator(origin: OriginFor<T>, validator: T::AccountId) -> DispatchResult {
			T::RemoveOrigin::ensure_origin(origin)?;
			let mut validators = Validators::<T>::get();
			let position =
				validators.iter().position(|v| *v == validator).ok_or(Error::<T>::NotValidator)?;
			ensure!(
				validators.len() > T::MinValidators::get() as usize,
				Error::<T>::TooFewValidators
			);
			validators.remove(position);
			Validators::<T>::put(validators);
			SetChanged::<T>::put(true);
			Self::deposit_event(Event::ValidatorRemoved { validator });
			Ok(())
		}

		/// Sets how many blocks a session lasts. The current session ends once it has lasted
		/// `length` blocks (at the next block if it has already).
		///
		/// Errors: [`Error::SessionLengthOutOfBounds`].
		///
		/// Emits [`Event::SessionLengthChanged`].
		#[pallet::call_index(2)]
		pub fn set_session_length(
			origin: OriginFor<T>,
			length: BlockNumberFor<T>,
		) -> DispatchResult {
			T::AddOrigin::ensure_origin(origin)?;
			Self::ensure_valid_session_length(length)?;
			SessionLength::<T>::put(length);
			Self::deposit_event(Event::SessionLengthChanged { length });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// The validators governance admitted (the set of the sessions to come).
		pub fn validators() -> Vec<T::AccountId> {
			Validators::<T>::get().into_inner()
		}

		/// The session length in force: at least a block, whatever the storage holds.
		pub fn session_length() -> BlockNumberFor<T> {
			SessionLength::<T>::get().max(One::one())
		}

		/// Seeds the pallet on a chain that ran before it (the runtime's migration from fixed
		/// Aura and GRANDPA authorities): `validators` are the sessions' set from now on and the
		/// current session started at this block. Errors as the genesis would.
		pub fn initialize(
			validators: Vec<T::AccountId>,
			session_length: BlockNumberFor<T>,
		) -> Result<(), Error<T>> {
			let validators = Self::ensure_valid_set(validators)?;
			Self::ensure_valid_session_length(session_length)?;
			Validators::<T>::put(validators);
			SessionLength::<T>::put(session_length);
			SessionStart::<T>::put(frame_system::Pallet::<T>::block_number());
			Ok(())
		}

		pub(crate) fn ensure_valid_set(
			validators: Vec<T::AccountId>,
		) -> Result<BoundedVec<T::AccountId, T::MaxValidators>, Error<T>> {
			let mut sorted = validators.clone();
			sorted.sort();
			sorted.dedup();
			ensure!(sorted.len() == validators.len(), Error::<T>::DuplicateValidator);
			ensure!(
				validators.len() >= T::MinValidators::get() as usize,
				Error::<T>::TooFewValidators
			);
			BoundedVec::try_from(validators).map_err(|_| Error::<T>::TooManyValidators)
		}

		pub(crate) fn ensure_valid_session_length(
			length: BlockNumberFor<T>,
		) -> Result<(), Error<T>> {
			ensure!(
				(T::MinSessionLength::get()..=T::MaxSessionLength::get()).contains(&length),
				Error::<T>::SessionLengthOutOfBounds
			);
			Ok(())
		}

		/// The block at which the current session is due to end.
		pub(crate) fn session_end() -> BlockNumberFor<T> {
			SessionStart::<T>::get().saturating_add(Self::session_length())
		}

		#[cfg(any(test, feature = "try-runtime"))]
		pub(crate) fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			ensure!(
				Self::ensure_valid_set(Validators::<T>::get().into_inner()).is_ok(),
				"the set is below the minimum or names a validator twice"
			);
			Ok(())
		}
	}
}

/// Plans each session's validators for `pallet-session`: the governed set, whenever it changed.
impl<T: Config> pallet_session::SessionManager<T::AccountId> for Pallet<T> {
	fn new_session(new_index: SessionIndex) -> Option<Vec<T::AccountId>> {
		if !SetChanged::<T>::take() {
			return None;
		}
		let validators = Self::validators();
		Self::deposit_event(Event::NewSetPlanned {
			session: new_index,
			validators: validators.clone(),
		});
		Some(validators)
	}

	fn new_session_genesis(_: SessionIndex) -> Option<Vec<T::AccountId>> {
		let validators = Self::validators();
		(!validators.is_empty()).then_some(validators)
	}

	fn end_session(_: SessionIndex) {}

	/// Notes the start, and enables the validators disabled in the session that ended: an
	/// offender sits out the rest of its session, not more.
	fn start_session(_: SessionIndex) {
		SessionStart::<T>::put(frame_system::Pallet::<T>::block_number());
		T::DisableValidator::enable_all();
	}
}

/// The same plan for `pallet-session::historical`, which keeps each session's set to prove
/// later who held a key: a validator's full identification is its account (there is no stake).
impl<T: Config> pallet_session::historical::SessionManager<T::AccountId, T::AccountId>
	for Pallet<T>
{
	fn new_session(new_index: SessionIndex) -> Option<Vec<(T::AccountId, T::AccountId)>> {
		<Self as pallet_session::SessionManager<_>>::new_session(new_index)
			.map(|validators| validators.into_iter().map(|v| (v.clone(), v)).collect())
	}

	fn new_session_genesis(new_index: SessionIndex) -> Option<Vec<(T::AccountId, T::AccountId)>> {
		<Self as pallet_session::SessionManager<_>>::new_session_genesis(new_index)
			.map(|validators| validators.into_iter().map(|v| (v.clone(), v)).collect())
	}

	fn end_session(end_index: SessionIndex) {
		<Self as pallet_session::SessionManager<_>>::end_session(end_index)
	}

	fn start_session(start_index: SessionIndex) {
		<Self as pallet_session::SessionManager<_>>::start_session(start_index)
	}
}

/// Ends a session once it has lasted [`SessionLength`] blocks.
impl<T: Config> pallet_session::ShouldEndSession<BlockNumberFor<T>> for Pallet<T> {
	fn should_end_session(now: BlockNumberFor<T>) -> bool {
		now >= Self::session_end()
	}
}

/// Where the session stands, for `pallet-session` and the clients that ask it.
impl<T: Config> EstimateNextSessionRotation<BlockNumberFor<T>> for Pallet<T> {
	fn average_session_length() -> BlockNumberFor<T> {
		Self::session_length()
	}

	fn estimate_current_session_progress(now: BlockNumberFor<T>) -> (Option<Permill>, Weight) {
		// The current block counts as elapsed: the session's last block is at 100%.
		let elapsed = now.saturating_sub(SessionStart::<T>::get()).saturating_add(One::one());
		let length = Self::session_length();
		(Some(Permill::from_rational(elapsed.min(length), length)), T::DbWeight::get().reads(2))
	}

	fn estimate_next_session_rotation(
		now: BlockNumberFor<T>,
	) -> (Option<BlockNumberFor<T>>, Weight) {
		let end = Self::session_end();
		// A session that has run its length ends at the next block.
		let next = if end > now { end } else { now.saturating_add(One::one()) };
		(Some(next), T::DbWeight::get().reads(2))
	}
}

/// Proven offences (from `pallet-offences`): the offender is disabled for the rest of the
/// session and reported. There is no stake to slash, so `slash_fraction` is ignored.
impl<T: Config, FullIdentification>
	OnOffenceHandler<T::AccountId, (T::AccountId, FullIdentification), Weight> for Pallet<T>
{
	fn on_offence(
		offenders: &[OffenceDetails<T::AccountId, (T::AccountId, FullIdentification)>],
		_slash_fraction: &[Perbill],
		session: SessionIndex,
	) -> Weight {
		let mut weight = Weight::zero();
		for details in offenders {
			let validator = &details.offender.0;
			let disabled = T::DisableValidator::disable(validator);
			Self::deposit_event(Event::OffenceReported {
				validator: validator.clone(),
				session,
				disabled,
			});
			// The session's validators and disabled list read and the latter written; the event.
			weight.saturating_accrue(T::DbWeight::get().reads_writes(2, 2));
		}
		weight
	}
}
