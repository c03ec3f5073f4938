//! Governance: DIMO holders decide by referendum, a technical committee guards.
//!
//! - **pallet-democracy**: anyone proposes with a deposit (the proposal threshold), others
//!   second; every launch period the most-seconded public proposal, or the committee's
//!   external proposal in turn, becomes a referendum; holders vote with conviction (locking
//!   their DIMO longer to weigh more) or delegate; a passed proposal is executed with the root
//!   origin after the enactment period (the timelock). A referendum's root origin is the only
//!   "governance origin" of the runtime: every admin knob of DIMO's pallets, pallet-assets'
//!   admission of new assets and `system.setCode` answer to it.
//! - **Technical committee** (pallet-collective, instance 1): Compound's guardian. It proposes
//!   external referenda (a majority), fast-tracks an emergency one (2/3, or all members for an
//!   instant one), cancels a malicious referendum (2/3), cancels a public proposal or
//!   blacklists one (all members), and any single member may veto an external proposal.
//!   Its members are set at genesis and changed by referendum.
//! - **pallet-scheduler** runs enactments; **pallet-preimage** stores the proposed calls, with a
//!   deposit per byte held from whoever notes them.
//!
//! The periods come from pallet-governance, whose values each chain's genesis preset sets
//! (DIP-1's on the testnet, a few blocks on the dev chain), so one runtime serves every chain.

use frame_support::{
	parameter_types,
	traits::{
		fungible::HoldConsideration, ConstBool, ConstU32, EitherOfDiverse, EqualPrivilegeOnly,
		LinearStoragePrice,
	},
	weights::Weight,
};
use frame_system::{EnsureRoot, EnsureSigned};
use sp_runtime::Perbill;

use super::{super::*, RuntimeBlockWeights};

/// The technical committee's instance of pallet-collective.
pub type TechnicalCollective = pallet_collective::Instance1;

/// At least `N/D` of the technical committee.
pub(crate) type CommitteeFraction<const N: u32, const D: u32> =
	pallet_collective::EnsureProportionAtLeast<AccountId, TechnicalCollective, N, D>;

/// Root (a referendum, or sudo on the dev chain), or at least `N/D` of the committee.
pub(crate) type RootOrCommittee<const N: u32, const D: u32> =
	EitherOfDiverse<EnsureRoot<AccountId>, CommitteeFraction<N, D>>;

parameter_types! {
	/// A quarter of a block's weight for the calls that the scheduler runs in a block.
	pub MaximumSchedulerWeight: Weight = Perbill::from_percent(25) * RuntimeBlockWeights::get().max_block;
	/// Half a block for a committee motion's call.
	pub MaxCollectiveProposalWeight: Weight = Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
	/// The deposit of a public proposal: the proposal threshold.
	pub const MinimumDeposit: Balance = 100 * DIMO;
	pub const PreimageBaseDeposit: Balance = DIMO;
	pub const PreimageByteDeposit: Balance = 10 * MICRO_DIMO;
	pub const PreimageHoldReason: RuntimeHoldReason =
		RuntimeHoldReason::Preimage(pallet_preimage::HoldReason::Preimage);
}

impl pallet_preimage::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = crate::weights::pallet_preimage::WeightInfo<Runtime>;
	type Currency = Balances;
	type ManagerOrigin = EnsureRoot<AccountId>;
	type Consideration = HoldConsideration<
		AccountId,
		Balances,
		PreimageHoldReason,
		LinearStoragePrice<PreimageBaseDeposit, PreimageByteDeposit, Balance>,
	>;
}

impl pallet_scheduler::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeOrigin = RuntimeOrigin;
	type PalletsOrigin = OriginCaller;
	type RuntimeCall = RuntimeCall;
	type MaximumWeight = MaximumSchedulerWeight;
	type ScheduleOrigin = EnsureRoot<AccountId>;
	type MaxScheduledPerBlock = ConstU32<50>;
	type WeightInfo = crate::weights::pallet_scheduler::WeightInfo<Runtime>;
	type OriginPrivilegeCmp = EqualPrivilegeOnly;
	type Preimages = Preimage;
	type BlockNumberProvider = System;
}

impl pallet_collective::Config<TechnicalCollective> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = pallet_governance::MotionDuration<Runtime>;
	type MaxProposals = ConstU32<100>;
	type MaxMembers = ConstU32<32>;
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = crate::weights::pallet_collective::WeightInfo<Runtime>;
	/// Membership changes by referendum.
	type SetMembersOrigin = EnsureRoot<AccountId>;
	type MaxProposalWeight = MaxCollectiveProposalWeight;
	type DisapproveOrigin = EnsureRoot<AccountId>;
	type KillOrigin = EnsureRoot<AccountId>;
	type Consideration = ();
}

impl pallet_democracy::Config for Runtime {
	type WeightInfo = crate::weights::pallet_democracy::WeightInfo<Runtime>;
	type RuntimeEvent = RuntimeEvent;
	type Scheduler = Scheduler;
	type Preimages = Preimage;
	type Currency = Balances;
	type EnactmentPeriod = pallet_governance::EnactmentPeriod<Runtime>;
	type LaunchPeriod = pallet_governance::LaunchPeriod<Runtime>;
	type VotingPeriod = pallet_governance::VotingPeriod<Runtime>;
	/// A conviction-1 vote locks for one enactment period, conviction 6 for 32 of them.
	type VoteLockingPeriod = pallet_governance::EnactmentPeriod<Runtime>;
	type MinimumDeposit = MinimumDeposit;
	type InstantAllowed = ConstBool<true>;
	type FastTrackVotingPeriod = pallet_governance::FastTrackVotingPeriod<Runtime>;
	type CooloffPeriod = pallet_governance::CooloffPeriod<Runtime>;
	type MaxVotes = ConstU32<100>;
	type MaxProposals = ConstU32<100>;
	type MaxDeposits = ConstU32<100>;
	type MaxBlacklisted = ConstU32<100>;
	/// External proposals come only from the committee: a majority for a super-majority-approve
	/// referendum, a majority for a simple-majority one, all members for a
	/// super-majority-against one.
	type ExternalOrigin = CommitteeFraction<1, 2>;
	type ExternalMajorityOrigin = CommitteeFraction<1, 2>;
	type ExternalDefaultOrigin = CommitteeFraction<1, 1>;
	type SubmitOrigin = EnsureSigned<AccountId>;
	/// Two thirds of the committee fast-track an external proposal; all of them make it instant.
	type FastTrackOrigin = CommitteeFraction<2, 3>;
	type InstantOrigin = CommitteeFraction<1, 1>;
	/// Two thirds of the committee (or a referendum) cancel a referendum.
	type CancellationOrigin = RootOrCommittee<2, 3>;
	type BlacklistOrigin = RootOrCommittee<1, 1>;
	type CancelProposalOrigin = RootOrCommittee<1, 1>;
	/// Any committee member vetoes an external proposal (once, for the cool-off period).
	type VetoOrigin = pallet_collective::EnsureMember<AccountId, TechnicalCollective>;
	type PalletsOrigin = OriginCaller;
	/// Slashed deposits (of blacklisted proposals) are burnt.
	type Slash = ();
}

impl pallet_governance::Config for Runtime {
	type AdminOrigin = EnsureRoot<AccountId>;
	/// Five blocks: 30 seconds, the dev chain's shortest step.
	type MinPeriod = ConstU32<5>;
	/// Ninety days.
	type MaxPeriod = ConstU32<{ 90 * dimo_primitives::time::DAYS }>;
	type WeightInfo = pallet_governance::weights::SubstrateWeight<Runtime>;
}
