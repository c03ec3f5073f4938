//! # DIMO test utilities
//!
//! What the mock runtimes of DIMO's pallets share, so that each `mock.rs` says only what is
//! particular to its pallet: the tests' accounts ([`accounts`]), a genesis builder
//! ([`ExtBuilder`]: funded accounts, any pallet's genesis, block 1 so that events are recorded),
//! and mocks of the traits in `dimo_primitives` through which the
//! pallets talk to each other ([`mocks`]). A dev-dependency of the pallets only: nothing here is
//! in the runtime or the node. It names no pallet's `Config`: a mock that keeps the vehicle
//! registry takes `pallet_vehicles::config_preludes::TestDefaultConfig` with `#[derive_impl]`.
//!
//! Mock runtimes that exercise another pallet's hooks (a transfer in the registry moving rewards
//! in the issuance, a retirement clearing access lists) keep the real pallet: there the mock
//! would test itself. Where only a trait's answer matters, [`mocks`] serves.

pub mod mocks;

use core::marker::PhantomData;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{BuildStorage, Storage};

/// The accounts of the mock runtimes (`AccountId = u64`).
pub mod accounts {
	/// Funded in every mock that has balances.
	pub const ALICE: u64 = 1;
	/// Funded in every mock that has balances.
	pub const BOB: u64 = 2;
	/// Funded where a test needs a third party.
	pub const CHARLIE: u64 = 3;
	/// Funded where a test needs a fourth party.
	pub const DAVE: u64 = 4;
	/// Never funded.
	pub const PAUPER: u64 = 99;
}

/// Builds the genesis of a mock runtime `T`: the pallets' genesis configs [`with`](Self::with) it
/// (for balances, [`funded`]), the chain at block 1 (events are not recorded in block 0).
pub struct ExtBuilder<T> {
	storage: Storage,
	runtime: PhantomData<T>,
}

impl<T: frame_system::Config> Default for ExtBuilder<T> {
	fn default() -> Self {
		let storage = frame_system::GenesisConfig::<T>::default()
			.build_storage()
			.expect("the system's genesis builds");
		Self { storage, runtime: PhantomData }
	}
}

impl<T: frame_system::Config> ExtBuilder<T> {
	/// Adds a pallet's genesis config.
	pub fn with(mut self, config: impl BuildStorage) -> Self {
		config.assimilate_storage(&mut self.storage).expect("a mock's genesis config builds");
		self
	}

	/// The externalities, at block 1.
	pub fn build(self) -> sp_io::TestExternalities {
		let mut ext = sp_io::TestExternalities::new(self.storage);
		ext.execute_with(|| {
			frame_system::Pallet::<T>::set_block_number(BlockNumberFor::<T>::from(1u32))
		});
		ext
	}
}

/// The balances' genesis: each of `accounts` holds `amount`.
pub fn funded<T: pallet_balances::Config>(
	accounts: impl IntoIterator<Item = T::AccountId>,
	amount: T::Balance,
) -> pallet_balances::GenesisConfig<T> {
	pallet_balances::GenesisConfig {
		balances: accounts.into_iter().map(|who| (who, amount)).collect(),
		..Default::default()
	}
}
