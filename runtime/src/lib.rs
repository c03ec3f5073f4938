//! # DIMO Chain runtime
//!
//! The state transition function of DIMO Chain: which pallets exist, how they are configured
//! and which runtime APIs the node and clients may call.
//!
//! - [`configs`] holds one module per concern (consensus and system, money, ...);
//! - [`apis`] implements the runtime APIs;
//! - [`genesis_config_presets`] holds the `dev`, `local` and `testnet` genesis presets that the
//!   node's chain specs name.
//!
//! Pallet indices are grouped with gaps so that later pallets find a home without renumbering
//! (which would break every client): system and consensus 0–9 (and block authorship, 30), money
//! 10–19, governance 20–29, DIMO's own pallets 50–59.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime`-style macros need a higher recursion limit.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

// Before `apis`: it defines the `list_benchmarks!` and `add_benchmarks!` macros that `apis` uses.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
pub mod apis;
pub mod configs;
pub mod genesis_config_presets;
pub mod migrations;
pub mod weights;

use alloc::{borrow::Cow, vec::Vec};
use sp_runtime::{generic, impl_opaque_keys, MultiAddress};
use sp_version::RuntimeVersion;

pub use dimo_primitives::{
	currency::{self, DIMO, EXISTENTIAL_DEPOSIT, MICRO_DIMO, MILLI_DIMO},
	time::{self, DAYS, HOURS, MINUTES, SLOT_DURATION},
	AccountId, Balance, BlockNumber, Hash, Nonce, Signature,
};
pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Types that the node needs without knowing the runtime's calls: it treats extrinsics as
/// opaque bytes, so that it keeps syncing across runtime upgrades that change them.
pub mod opaque {
	use super::*;

	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = dimo_primitives::Header;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block hash type.
	pub type Hash = dimo_primitives::Hash;
}

impl_opaque_keys! {
	/// The keys a validator registers: Aura to author blocks, GRANDPA to finalize them.
	pub struct SessionKeys {
		/// Block authoring.
		pub aura: Aura,
		/// Finality voting.
		pub grandpa: Grandpa,
	}
}

/// The runtime's version. Bump `spec_version` with every runtime upgrade, and
/// `transaction_version` whenever a call or a transaction extension changes its encoding.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: Cow::Borrowed("dimo"),
	impl_name: Cow::Borrowed("dimo-node"),
	authoring_version: 1,
	spec_version: 110,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 4,
	system_version: 1,
};

/// The address format of calls: Polkadot.js sends `MultiAddress::Id`.
pub type Address = MultiAddress<AccountId, ()>;

/// Block header type as expected by this runtime.
pub type Header = dimo_primitives::Header;

/// Block type as expected by this runtime.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// The transaction extensions: what a signed transaction carries besides its call, and the
/// checks the runtime makes before it dispatches it.
///
/// `AuthorizeCall` comes first so that calls authorized by their pallet (`#[pallet::authorize]`,
/// used by the collectors' anchor transactions) need no signature and no nonce.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
);

/// Unchecked extrinsic type as expected by this runtime.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;

/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

frame_support::parameter_types! {
	/// The account that held the issuance's budgets until its storage version 1.
	pub IssuanceBudgetsAccountV0: AccountId =
		sp_runtime::traits::AccountIdConversion::into_account_truncating(
			&frame_support::PalletId(*b"dimo/iss"),
		);
}

/// Migrations of the runtime, aside from the ones the pallets declare themselves. Each runs
/// once (a versioned migration checks the pallet's storage version); drop one when every
/// network has run it.
type Migrations = (
	pallet_issuance::migrations::v1::MigrateToV1<Runtime, IssuanceBudgetsAccountV0>,
	migrations::SeedSessionsFromAuthorities,
);

/// Dispatches blocks and calls to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	/// The DIMO Chain runtime.
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	// System and consensus: 0–9.
	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;
	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;
	#[runtime::pallet_index(4)]
	pub type Utility = pallet_utility;
	#[runtime::pallet_index(9)]
	pub type Sudo = pallet_sudo;

	// Money: 10–19.
	#[runtime::pallet_index(10)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(11)]
	pub type TransactionPayment = pallet_transaction_payment;
	#[runtime::pallet_index(12)]
	pub type Assets = pallet_assets;

	// The validator set and its sessions (consensus, 5–8), declared after the money: their
	// genesis needs the validators' accounts, and Aura's hook must see a block's authorities
	// before the session rotates them.
	#[runtime::pallet_index(5)]
	pub type ValidatorSet = pallet_validator_set;
	#[runtime::pallet_index(6)]
	pub type Session = pallet_session;
	#[runtime::pallet_index(7)]
	pub type Historical = pallet_session::historical;
	#[runtime::pallet_index(8)]
	pub type Offences = pallet_offences;
	#[runtime::pallet_index(30)]
	pub type Authorship = pallet_authorship;

	// Governance: 20–29.
	#[runtime::pallet_index(20)]
	pub type Preimage = pallet_preimage;
	#[runtime::pallet_index(21)]
	pub type Scheduler = pallet_scheduler;
	#[runtime::pallet_index(22)]
	pub type Democracy = pallet_democracy;
	#[runtime::pallet_index(23)]
	pub type TechnicalCommittee = pallet_collective<Instance1>;
	#[runtime::pallet_index(24)]
	pub type Governance = pallet_governance;

	// DIMO: 50–59.
	#[runtime::pallet_index(50)]
	pub type Vehicles = pallet_vehicles;
	#[runtime::pallet_index(51)]
	pub type DataAccess = pallet_data_access;
	#[runtime::pallet_index(52)]
	pub type Issuance = pallet_issuance;
	#[runtime::pallet_index(53)]
	pub type Anchoring = pallet_anchoring;
}

#[cfg(test)]
mod tests;
