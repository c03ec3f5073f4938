//! Benchmarks of the governance timings.

use super::*;
use crate::Pallet as Governance;
use frame_benchmarking::v2::*;
use frame_support::traits::EnsureOrigin;

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn set_timings() -> Result<(), BenchmarkError> {
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let period = T::MaxPeriod::get();
		let timings = Timings {
			launch_period: period,
			voting_period: period,
			fast_track_voting_period: period,
			enactment_period: period,
			cooloff_period: period,
			motion_duration: period,
		};

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, timings);

		assert_eq!(Governance::<T>::timings(), timings);
		Ok(())
	}

	impl_benchmark_test_suite!(Governance, crate::mock::new_test_ext(), crate::mock::Test);
}
