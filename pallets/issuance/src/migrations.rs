//! Storage migrations of the issuance.

/// Storage version 1: the budgets are no longer held by an account of the pallet's but minted
/// as they pay ([`crate::UnpaidBudgets`]).
pub mod v1 {
	use crate::{Config, Pallet, UnpaidBudgets};
	use core::marker::PhantomData;
	#[cfg(feature = "try-runtime")]
	use dimo_primitives::Balance;
	#[cfg(feature = "try-runtime")]
	use frame_support::traits::fungible::Inspect;
	use frame_support::{
		migrations::VersionedMigration,
		pallet_prelude::*,
		traits::{
			fungible::Mutate,
			tokens::{Fortitude, Precision, Preservation},
			UncheckedOnRuntimeUpgrade,
		},
	};
	use sp_runtime::traits::Zero;

	/// Moves what the budgets hold out of the account that held them in version 0
	/// (`OldAccount`: `PalletId(*b"dimo/iss")`'s account in DIMO's runtime) into
	/// [`UnpaidBudgets`]: that much is burnt from the account and counted as unpaid, so that
	/// what is issued (the total issuance plus the unpaid budgets) does not change. The
	/// account keeps its existential deposit and anything sent to it besides the budgets.
	///
	/// Reads and writes: the DAO pot, the dTeams (at most `MaxDTeams`) and the open reward
	/// pots (at most `MaxClaimWindow` + 1), the account, the total issuance.
	pub struct UncheckedMigrateToV1<T, OldAccount>(PhantomData<(T, OldAccount)>);

	impl<T: Config, OldAccount: Get<T::AccountId>> UncheckedOnRuntimeUpgrade
		for UncheckedMigrateToV1<T, OldAccount>
	{
		fn on_runtime_upgrade() -> Weight {
			let (in_budgets, entries) = Pallet::<T>::held_by_budgets();
			let account = OldAccount::get();
			let burnt = if in_budgets.is_zero() {
				Zero::zero()
			} else {
				T::Currency::burn_from(
					&account,
					in_budgets,
					Preservation::Preserve,
					Precision::BestEffort,
					Fortitude::Force,
				)
				.unwrap_or_default()
			};
			if burnt < in_budgets {
				log::error!(
					target: crate::LOG_TARGET,
					"the budgets' account held {burnt:?} of the budgets' {in_budgets:?}: the rest \
					 is issued anew when paid"
				);
			}
			UnpaidBudgets::<T>::put(in_budgets);
			log::info!(
				target: crate::LOG_TARGET,
				"budgets of {in_budgets:?} moved from their account to UnpaidBudgets"
			);
			// The budgets, the account and the total issuance read; the account, the total
			// issuance and `UnpaidBudgets` written.
			T::DbWeight::get().reads_writes(u64::from(entries).saturating_add(2), 3)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok(T::Currency::total_issuance().encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let issued_before = Balance::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("undecodable pre_upgrade state"))?;
			ensure!(
				Pallet::<T>::issued() == issued_before,
				"what is issued is what the total issuance was"
			);
			Pallet::<T>::do_try_state()
		}
	}

	/// [`UncheckedMigrateToV1`], run once: only while the pallet's storage version is 0.
	pub type MigrateToV1<T, OldAccount> = VersionedMigration<
		0,
		1,
		UncheckedMigrateToV1<T, OldAccount>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;

	#[cfg(test)]
	mod tests {
		use super::*;
		use crate::{mock::*, DaoPot, RewardPot, RewardPots};
		use dimo_primitives::currency::DIMO;
		use frame_support::{
			assert_ok, parameter_types,
			traits::{fungible::Inspect, OnRuntimeUpgrade, StorageVersion},
		};

		parameter_types! {
			pub OldAccount: u64 = 777;
		}

		#[test]
		fn the_budgets_leave_their_account_and_what_is_issued_stays() {
			new_test_ext().execute_with(|| {
				// Version 0's state: the account holds its deposit, the budgets and a gift.
				StorageVersion::new(0).put::<Pallet<Test>>();
				let (dao, rewards, paid, gift) = (300 * DIMO, 700 * DIMO, 200 * DIMO, 5 * DIMO);
				DaoPot::<Test>::put(dao);
				RewardPots::<Test>::insert(
					0,
					RewardPot { pot: rewards, total_points: 6_000, paid, claimable_until: 8 },
				);
				let in_budgets = dao + rewards - paid;
				let held = EXISTENTIAL_DEPOSIT + in_budgets + gift;
				assert_ok!(Balances::mint_into(&OldAccount::get(), held));
				let issued = Balances::total_issuance();

				MigrateToV1::<Test, OldAccount>::on_runtime_upgrade();

				assert_eq!(UnpaidBudgets::<Test>::get(), in_budgets);
				assert_eq!(Balances::balance(&OldAccount::get()), EXISTENTIAL_DEPOSIT + gift);
				assert_eq!(Pallet::<Test>::issued(), issued);
				assert_eq!(StorageVersion::get::<Pallet<Test>>(), 1);
				assert!(Pallet::<Test>::do_try_state().is_ok());

				// Once only.
				MigrateToV1::<Test, OldAccount>::on_runtime_upgrade();
				assert_eq!(Balances::balance(&OldAccount::get()), EXISTENTIAL_DEPOSIT + gift);
				assert_eq!(Pallet::<Test>::issued(), issued);
			});
		}
	}
}
