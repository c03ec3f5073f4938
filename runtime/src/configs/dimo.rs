//! DIMO's own pallets: the vehicle registry, the access lists and the issuance.
//!
//! The pallets meet only here, through the traits of `dimo_primitives`: the access lists and
//! the issuance ask the registry who owns a vehicle
//! ([`VehicleRegistry`](dimo_primitives::vehicle::VehicleRegistry)); the registry tells the
//! issuance of transfers ([`OnVehicleTransfer`](dimo_primitives::rewards::OnVehicleTransfer));
//! the access lists tell it the demand for a vehicle's data
//! ([`DataDemand`](dimo_primitives::rewards::DataDemand)); the anchors ask the registry for
//! the owners' consent ([`ConsentProvider`](dimo_primitives::vehicle::ConsentProvider)) and
//! tell the issuance which vehicles sent data
//! ([`VehicleActivity`](dimo_primitives::rewards::VehicleActivity)).

use frame_support::{parameter_types, traits::ConstU32};
use frame_system::EnsureRoot;
use sp_runtime::Perbill;

use super::super::{
	AccountId, Anchoring, Balances, DataAccess, Issuance, Runtime, RuntimeCall, RuntimeHoldReason,
	Timestamp, TxExtension, UncheckedExtrinsic, Vehicles, DIMO, MILLI_DIMO,
};
use dimo_primitives::{
	collector::{CollectorAccount, CollectorId},
	time::{DAYS, MINUTES},
	Balance, BlockNumber,
};

parameter_types! {
	/// The deposit for a registered vehicle: its record, its place in its owner's list and
	/// its OEM reference index take about 300 bytes. Released when the vehicle is retired.
	pub const VehicleDeposit: Balance = 500 * MILLI_DIMO;
	/// The deposit for one (vehicle, grantee) entry of an access list (about 200 bytes).
	/// Released when the entry is revoked or removed as expired.
	pub const GrantDeposit: Balance = 100 * MILLI_DIMO;
	/// The deposit for a published encryption key: up to 1,184 bytes (ML-KEM-768).
	/// Released when the key is removed.
	pub const KeyDeposit: Balance = 500 * MILLI_DIMO;
	/// Three days for the owner of a vehicle got by an accepted transfer to answer a reclaim.
	pub const ReclaimAnswerPeriod: BlockNumber = 3 * DAYS;
}

impl pallet_vehicles::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type VehicleDeposit = VehicleDeposit;
	/// A fleet operator may own many vehicles; more need more accounts.
	type MaxVehiclesPerOwner = ConstU32<1_000>;
	/// Phase 1.0 runs few collectors.
	type MaxCollectorsPerVehicle = ConstU32<8>;
	type MaxConsentSpans = ConstU32<32>;
	/// A week to accept a vehicle offered to you.
	type TransferOfferLifetime = ConstU32<{ 7 * DAYS }>;
	type OnTransfer = Issuance;
	/// Retiring a vehicle removes its access lists, its anchors and its activity.
	type OnRetire = (DataAccess, Anchoring, Issuance);
	/// Ownership attestations are signed with the collectors' `dcol` keys ...
	type CollectorId = dimo_primitives::collector::CollectorId;
	/// ... of the collectors registered in pallets/anchoring.
	type Collectors = Anchoring;
	/// An hour: the owner registers while the grant the collector checked is fresh.
	type MaxAttestationLifetime =
		ConstU32<{ dimo_primitives::ownership::MAX_ATTESTATION_LIFETIME }>;
	/// A buyer has three days to answer a reclaim of the car it accepted.
	type ReclaimAnswerPeriod = ReclaimAnswerPeriod;
	/// A reclaim that both sides attested equally fresh: the technical committee (two
	/// thirds), or a referendum.
	type DisputeOrigin = super::governance::RootOrCommittee<2, 3>;
	type WeightInfo = pallet_vehicles::weights::SubstrateWeight<Runtime>;
}

impl pallet_data_access::Config for Runtime {
	type Vehicles = Vehicles;
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type GrantDeposit = GrantDeposit;
	type KeyDeposit = KeyDeposit;
	type MaxGranteesPerVehicle = ConstU32<100>;
	type MaxAdminsPerVehicle = ConstU32<8>;
	type MaxBatch = ConstU32<50>;
	type ConsumerOrigin = Governance;
	/// Apps and businesses registered by governance, whose grants count as demand.
	type MaxDataConsumers = ConstU32<1_000>;
	type WeightInfo = pallet_data_access::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Up to ten times DIMO's first-year emission per epoch.
	pub const MaxEpochEmission: Balance = 11_050_000 * DIMO;
	/// Up to twice DIMO's cap.
	pub const MaxSupplyCap: Balance = 2_000_000_000 * DIMO;
	/// At most half the emission gone at one decay.
	pub const MaxDecay: Perbill = Perbill::from_percent(50);
}

/// Governance: the root origin, which only a passed referendum (pallet-democracy, enacted by
/// the scheduler) has on the testnet; sudo has it too on the dev chain.
type Governance = EnsureRoot<AccountId>;

impl pallet_issuance::Config for Runtime {
	type Currency = Balances;
	type Vehicles = Vehicles;
	type Demand = DataAccess;
	type AdminOrigin = Governance;
	/// The anchors report activity through the trait (pallets/anchoring); by hand, only
	/// governance attests it.
	type ActivityOrigin = Governance;
	/// Ten blocks: one minute. Long enough for a dev chain to show an epoch close.
	type MinEpochLength = ConstU32<10>;
	/// Four weeks.
	type MaxEpochLength = ConstU32<{ 28 * DAYS }>;
	type MaxEpochEmission = MaxEpochEmission;
	type MaxSupplyCap = MaxSupplyCap;
	type MaxDecay = MaxDecay;
	type MaxRewardedGrants = ConstU32<20>;
	/// A year of weekly epochs.
	type MaxClaimWindow = ConstU32<52>;
	type MaxDTeams = ConstU32<16>;
	type MaxDTeamNameLen = ConstU32<64>;
	type MaxActivityBatch = ConstU32<100>;
	type MaxReapBatch = ConstU32<100>;
	type WeightInfo = pallet_issuance::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Above the pool's default priority: anchors are what the chain is for, and they pay no
	/// fee to be ordered by.
	pub const AnchorPriority: sp_runtime::transaction_validity::TransactionPriority = 1 << 20;
	/// Ten minutes: a batch that has not made it into a block by then is dropped, and the
	/// collector's offchain worker sends its readings again.
	pub const AnchorLongevity: sp_runtime::transaction_validity::TransactionLongevity =
		10 * MINUTES as u64;
	/// Two minutes, in milliseconds: a reading's window may end at most this long after the
	/// timestamp of the block (in the pool: of the best block, up to a slot behind the wall
	/// clock). Room for a slot and a collector's clock drift; and the longest a collector can
	/// hold a vehicle's later readings back by dating one of its own ahead.
	pub const MaxWindowAhead: u64 = 2 * 60 * 1_000;
}

impl pallet_anchoring::Config for Runtime {
	type CollectorId = CollectorId;
	type CollectorAccount = CollectorAccount;
	type Vehicles = Vehicles;
	type Readers = DataAccess;
	type Activity = Issuance;
	type AdminOrigin = Governance;
	/// Phase 1.0 runs few collectors.
	type MaxCollectors = ConstU32<32>;
	type MaxOemSources = ConstU32<64>;
	/// One batch per offchain-worker run of a collector: a hundred vehicles every few blocks.
	type Time = Timestamp;
	type MaxWindowAhead = MaxWindowAhead;
	type MaxBatchRecords = ConstU32<100>;
	/// One full batch per collector per block: about 63 ms of a block's 1.5 s normal class at
	/// the current anchoring weights, so other transactions always find room.
	type MaxRecordsPerCollectorPerBlock = ConstU32<100>;
	/// The last day of a vehicle polled every ten minutes.
	type MaxAnchorsKept = ConstU32<144>;
	type AnchorPriority = AnchorPriority;
	type AnchorLongevity = AnchorLongevity;
	// Every 5 blocks (30 s) while the OEM answers; at most every 100 blocks (10 min) while not.
	type PollEvery = ConstU32<5>;
	type MaxPollBackoff = ConstU32<100>;
	/// 2^20 records a commitment: a proof has at most 20 siblings (640 bytes).
	type MaxCommitmentLeaves = ConstU32<{ 1 << 20 }>;
	/// A day of commitments at one per block (five days at one per offchain-worker run).
	type MaxCommitmentsKept = ConstU32<{ DAYS }>;
	/// A claim shows a reading committed within the last day.
	type MaxClaimAge = ConstU32<{ DAYS }>;
	type WeightInfo = pallet_anchoring::weights::SubstrateWeight<Runtime>;
}

/// The transactions that the runtime builds itself: an offchain worker's general
/// transactions.
impl<LocalCall> frame_system::offchain::CreateTransactionBase<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	type Extrinsic = UncheckedExtrinsic;
	type RuntimeCall = RuntimeCall;
}

impl<LocalCall> frame_system::offchain::CreateTransaction<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	type Extension = TxExtension;

	fn create_transaction(call: RuntimeCall, extension: TxExtension) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_transaction(call, extension)
	}
}

/// A bare (unsigned) transaction: a GRANDPA equivocation report, which its proofs validate.
impl<LocalCall> frame_system::offchain::CreateBare<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	fn create_bare(call: RuntimeCall) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_bare(call)
	}
}

/// An authorized transaction (an anchor batch) carries the same extensions as a signed one,
/// but no signer: `AuthorizeCall` makes its origin, the others do nothing for it (no nonce, no
/// fee), except that the era is immortal and the checks of version and genesis still hold.
impl<LocalCall> frame_system::offchain::CreateAuthorizedTransaction<LocalCall> for Runtime
where
	RuntimeCall: From<LocalCall>,
{
	fn create_extension() -> TxExtension {
		(
			frame_system::AuthorizeCall::<Runtime>::new(),
			frame_system::CheckNonZeroSender::<Runtime>::new(),
			frame_system::CheckSpecVersion::<Runtime>::new(),
			frame_system::CheckTxVersion::<Runtime>::new(),
			frame_system::CheckGenesis::<Runtime>::new(),
			frame_system::CheckEra::<Runtime>::from(sp_runtime::generic::Era::Immortal),
			frame_system::CheckNonce::<Runtime>::from(0),
			frame_system::CheckWeight::<Runtime>::new(),
			pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
		)
	}
}
