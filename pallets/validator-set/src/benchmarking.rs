//! Benchmarks of the validator set: each call with the set at its worst-case size.

use super::*;
use crate::Pallet as ValidatorSet;
use frame_benchmarking::v2::*;
use frame_support::traits::EnsureOrigin;

/// Fills the set with `count` validators that have session keys.
fn fill<T: Config>(count: u32) -> Vec<T::AccountId> {
	let validators: Vec<T::AccountId> = (0..count).map(|i| account("validator", i, 0)).collect();
	for validator in &validators {
		T::BenchmarkHelper::register_keys(validator);
	}
	Validators::<T>::put(BoundedVec::truncate_from(validators.clone()));
	validators
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Admitting into a set one short of full: the membership check scans it all.
	#[benchmark]
	fn add_validator() -> Result<(), BenchmarkError> {
		let origin =
			T::AddOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		fill::<T>(T::MaxValidators::get().saturating_sub(1));
		let newcomer: T::AccountId = account("newcomer", 0, 0);
		T::BenchmarkHelper::register_keys(&newcomer);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, newcomer.clone());

		assert!(ValidatorSet::<T>::validators().contains(&newcomer));
		Ok(())
	}

	/// Removing the last of a full set: found at the end of the scan.
	#[benchmark]
	fn remove_validator() -> Result<(), BenchmarkError> {
		let origin =
			T::RemoveOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let validators = fill::<T>(T::MaxValidators::get());
		let leaving = validators.last().cloned().ok_or(BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, leaving.clone());

		assert!(!ValidatorSet::<T>::validators().contains(&leaving));
		Ok(())
	}

	#[benchmark]
	fn set_session_length() -> Result<(), BenchmarkError> {
		let origin =
			T::AddOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let length = T::MaxSessionLength::get();

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, length);

		assert_eq!(SessionLength::<T>::get(), length);
		Ok(())
	}

	impl_benchmark_test_suite!(ValidatorSet, crate::mock::new_test_ext(), crate::mock::Test);
}
