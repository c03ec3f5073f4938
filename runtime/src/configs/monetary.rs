//! Money: the DIMO token (pallet-balances), transaction fees and other assets.
//!
//! ## Fees
//!
//! A fee is `weight fee + length fee + tip`, with no congestion multiplier, so that a user can
//! work it out in advance:
//!
//! - **weight**: [`FEE_PER_SECOND_OF_EXECUTION`] (100 DIMO) per second of execution time on the
//!   reference hardware that weights are measured on, i.e. 0.1 milli-DIMO per microsecond. The
//!   base weight of any extrinsic (about 100 µs) costs about 0.01 DIMO;
//! - **length**: [`FEE_PER_BYTE`] (10 micro-DIMO) per byte of the encoded extrinsic.
//!
//! A `transfer_keep_alive` costs about 0.017 DIMO; `payment_queryInfo` tells the exact fee of
//! any extrinsic before it is sent.

use frame_support::{
	parameter_types,
	traits::{AsEnsureOriginWithArg, ConstU128, ConstU32, ConstU8, NeverEnsureOrigin},
	weights::{constants::WEIGHT_REF_TIME_PER_SECOND, ConstantMultiplier},
};
use frame_system::EnsureRoot;
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_runtime::traits::One;

use super::super::{
	AccountId, Balance, Balances, Runtime, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason,
	System, DIMO, EXISTENTIAL_DEPOSIT, MICRO_DIMO,
};

impl pallet_balances::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type Balance = Balance;
	/// Dust below the existential deposit is burnt.
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type ReserveIdentifier = [u8; 8];
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ConstU32<50>;
	type MaxFreezes = frame_support::traits::VariantCountOf<RuntimeFreezeReason>;
	type DoneSlashHandler = ();
}

/// What one second of execution time (`WEIGHT_REF_TIME_PER_SECOND` of `ref_time`) costs.
pub const FEE_PER_SECOND_OF_EXECUTION: Balance = 100 * DIMO;

/// What one unit of `ref_time` (a picosecond of execution) costs: 10^8 units, exactly.
pub const FEE_PER_REF_TIME: Balance =
	FEE_PER_SECOND_OF_EXECUTION / WEIGHT_REF_TIME_PER_SECOND as Balance;

/// What one byte of an encoded extrinsic costs: 10 micro-DIMO (0.01 DIMO per kilobyte).
pub const FEE_PER_BYTE: Balance = 10 * MICRO_DIMO;

parameter_types! {
	pub const FeePerRefTime: Balance = FEE_PER_REF_TIME;
	pub const FeePerByte: Balance = FEE_PER_BYTE;
	/// Fees do not rise with congestion: the price of a call is the same in every block.
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	/// Fees are paid in DIMO and burnt: nobody, not even the block author, is paid to fill
	/// blocks.
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type WeightToFee = ConstantMultiplier<Balance, FeePerRefTime>;
	type LengthToFee = ConstantMultiplier<Balance, FeePerByte>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	/// Operational calls (governance fixes) may outbid ordinary ones by paying 5× the priority.
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

/// The id of an asset class of pallet-assets.
pub type AssetId = u32;

parameter_types! {
	pub const AssetDeposit: Balance = 100 * DIMO;
	pub const AssetAccountDeposit: Balance = DIMO / 10;
	pub const MetadataDepositBase: Balance = DIMO;
	pub const MetadataDepositPerByte: Balance = DIMO / 100;
	pub const ApprovalDeposit: Balance = DIMO / 10;
}

/// Assets other than DIMO (e.g. a bridged stablecoin).
///
/// Admitting an asset is a governance decision: nobody may `create` one (`CreateOrigin` never
/// succeeds) and `force_create` answers to `ForceOrigin`, which is root until the governance
/// pallets land.
impl pallet_assets::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type Balance = Balance;
	type RemoveItemsLimit = ConstU32<1000>;
	type AssetId = AssetId;
	type AssetIdParameter = codec::Compact<AssetId>;
	type ReserveData = ();
	type Currency = Balances;
	type CreateOrigin = AsEnsureOriginWithArg<NeverEnsureOrigin<AccountId>>;
	type ForceOrigin = EnsureRoot<AccountId>;
	type AssetDeposit = AssetDeposit;
	type AssetAccountDeposit = AssetAccountDeposit;
	type MetadataDepositBase = MetadataDepositBase;
	type MetadataDepositPerByte = MetadataDepositPerByte;
	type ApprovalDeposit = ApprovalDeposit;
	type StringLimit = ConstU32<50>;
	type Freezer = ();
	type Holder = ();
	type Extra = ();
	type CallbackHandle = ();
	type AssetIdAllocator = ();
	type WeightInfo = crate::weights::pallet_assets::WeightInfo<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = ();
}
