//! Pallet configurations, one module per concern.
//!
//! This module holds the system and consensus pallets (the validator set, its sessions and
//! the reports of its offences included); [`monetary`] holds the DIMO token,
//! fees and other assets; [`governance`] holds democracy, the technical committee and their
//! helpers; [`dimo`] holds DIMO's own pallets.

pub mod dimo;
pub mod governance;
pub mod monetary;

use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{ConstBool, ConstU32, ConstU64},
	weights::{
		constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		Weight,
	},
};
use frame_system::limits::{BlockLength, BlockWeights};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::Perbill;
use sp_version::RuntimeVersion;

use frame_system::EnsureRoot;

use super::{
	AccountId, Aura, Balance, Balances, Block, BlockNumber, Hash, Historical, Nonce, Offences,
	OriginCaller, PalletInfo, Runtime, RuntimeCall, RuntimeEvent, RuntimeOrigin, RuntimeTask,
	Session, SessionKeys, ValidatorSet, DAYS, DIMO, HOURS, MINUTES, SLOT_DURATION, VERSION,
};

/// The share of a block that ordinary transactions may fill; the rest is kept for operational
/// ones (e.g. a governance fix while the chain is congested).
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

/// How many validators Aura and GRANDPA accept. A phase-1.0 chain runs a handful.
pub type MaxAuthorities = ConstU32<32>;

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;

	/// Two seconds of compute in a 6 s block: the rest is for propagation and import.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	/// 5 MiB blocks.
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(DispatchClass::Normal, |max| {
			*max = NORMAL_DISPATCH_RATIO * *max
		})
		.build();
	pub const SS58Prefix: u16 = dimo_primitives::SS58_PREFIX;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// The node stores state in ParityDB.
	type DbWeight = ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

impl pallet_timestamp::Config for Runtime {
	/// Milliseconds since the Unix epoch.
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	/// A validator disabled for an offence authors no block for the rest of the session.
	type DisabledValidators = Session;
	type MaxAuthorities = MaxAuthorities;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = MaxAuthorities;
	type MaxNominators = ConstU32<0>;
	/// How many authority sets an equivocation may be reported in after the fact.
	type MaxSetIdSessionEntries = ReportableSessions;
	/// Which validator held a GRANDPA key in a past session: `pallet-session::historical`'s
	/// proof, which the node asks the runtime for (`generate_key_ownership_proof`).
	type KeyOwnerProof = sp_session::MembershipProof;
	/// Equivocations are reported by any node as unsigned transactions and handed to
	/// `pallet-offences`, which hands them to the validator set (the offender is disabled).
	type EquivocationReportSystem =
		pallet_grandpa::EquivocationReportSystem<Self, Offences, Historical, ReportLongevity>;
}

parameter_types! {
	/// A week of hourly sessions on the testnet: how far back an equivocation may be proven.
	pub const ReportableSessions: u64 = 7 * 24;
	/// How long an equivocation report stays in the pool, in blocks.
	pub const ReportLongevity: u64 = ReportableSessions::get() * HOURS as u64;
	/// What `session.setKeys` holds from a validator's account for its keys' storage.
	pub const SessionKeyDeposit: Balance = DIMO;
}

/// The validators are accounts: an account's validator id is itself.
impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = sp_runtime::traits::ConvertInto;
	type ShouldEndSession = ValidatorSet;
	type NextSessionRotation = ValidatorSet;
	type SessionManager = pallet_session::historical::NoteHistoricalRoot<Self, ValidatorSet>;
	type SessionHandler = <SessionKeys as sp_runtime::traits::OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	/// At most a third of the set disabled at once, so that the rest still finalizes.
	type DisablingStrategy = pallet_session::disabling::UpToLimitDisablingStrategy;
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type KeyDeposit = SessionKeyDeposit;
}

impl pallet_session::historical::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	/// Nothing but the account: there is no stake to prove.
	type FullIdentification = AccountId;
	type FullIdentificationOf = sp_runtime::traits::ConvertInto;
}

impl pallet_offences::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type IdentificationTuple = pallet_session::historical::IdentificationTuple<Self>;
	type OnOffenceHandler = ValidatorSet;
}

/// The author of each block, for the equivocation reports' `reporter`.
impl pallet_authorship::Config for Runtime {
	type FindAuthor = pallet_session::FindAccountFromAuthorIndex<Self, Aura>;
	type EventHandler = ();
}

/// Disables an offender through `pallet-session`'s disabling strategy, until the session ends.
pub struct DisableInSession;
impl dimo_primitives::validators::DisableValidator<AccountId> for DisableInSession {
	fn disable(validator: &AccountId) -> bool {
		let Some(index) = pallet_session::Pallet::<Runtime>::validator_id_to_index(validator)
		else {
			return false;
		};
		pallet_session::Pallet::<Runtime>::report_offence(
			validator.clone(),
			sp_staking::offence::OffenceSeverity::max_severity(),
		);
		pallet_session::Pallet::<Runtime>::disabled_validators().contains(&index)
	}

	fn enable_all() {
		for index in pallet_session::Pallet::<Runtime>::disabled_validators() {
			pallet_session::Pallet::<Runtime>::reenable_index(index);
		}
	}
}

parameter_types! {
	/// The fewest validators: one, so that the dev chain can run alone; GRANDPA finalizes
	/// with any set.
	pub const MinValidators: u32 = 1;
	/// A minute of 6 s blocks: the shortest session.
	pub const MinSessionLength: BlockNumber = MINUTES / 6;
	/// A day: the longest session.
	pub const MaxSessionLength: BlockNumber = DAYS;
}

impl pallet_validator_set::Config for Runtime {
	type AddOrigin = EnsureRoot<AccountId>;
	type RemoveOrigin = governance::RootOrCommittee<2, 3>;
	type KeysRegistration = Session;
	type DisableValidator = DisableInSession;
	type MinValidators = MinValidators;
	type MaxValidators = MaxAuthorities;
	type MinSessionLength = MinSessionLength;
	type MaxSessionLength = MaxSessionLength;
	type WeightInfo = pallet_validator_set::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = SessionKeysForBenchmarks;
}

/// Gives an account session keys in the validator set's benchmarks, as `session.setKeys`
/// would (without its deposit): keys derived from the account.
#[cfg(feature = "runtime-benchmarks")]
pub struct SessionKeysForBenchmarks;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_validator_set::BenchmarkHelper<AccountId> for SessionKeysForBenchmarks {
	fn register_keys(who: &AccountId) {
		use pallet_session::SessionInterface;
		let raw: [u8; 32] = *who.as_ref();
		let keys = SessionKeys {
			aura: sp_core::sr25519::Public::from_raw(raw).into(),
			grandpa: sp_core::ed25519::Public::from_raw(raw).into(),
		};
		let _ = <Session as SessionInterface>::set_keys(who, keys);
	}
}

impl pallet_utility::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = OriginCaller;
	type WeightInfo = pallet_utility::weights::SubstrateWeight<Runtime>;
}

/// Sudo exists in the runtime, but only the `dev` genesis preset gives it a key: on `local` and
/// `testnet` nobody holds it and every admin call goes through governance.
impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}
