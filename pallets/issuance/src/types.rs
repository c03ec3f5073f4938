//! The records of the issuance: its schedule, its budgets and the rewards, as stored and as the
//! runtime API returns them.

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use dimo_primitives::Balance;
use frame_support::{traits::Get, BoundedVec};
use scale_info::TypeInfo;
use sp_runtime::Perbill;

/// The index of an epoch: 0 is the one that starts at genesis.
pub type EpochIndex = u32;

/// The id of a dTeam, assigned by the chain when governance creates it and never reused.
pub type DTeamId = u32;

/// Reward points. A vehicle earns a few thousand in an epoch; `u64` sums any fleet.
pub type Points = u64;

/// How much is minted when, and how far it may go.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Schedule<BlockNumber> {
	/// The length of an epoch, in blocks. DIMO's is a week.
	pub epoch_length: BlockNumber,
	/// How many epochs pass between two decays of the emission. DIMO's: 52 (a year of weeks).
	pub epochs_per_decay: u32,
	/// By how much the emission of an epoch falls at each decay. DIMO's: 15%.
	pub decay: Perbill,
	/// The most DIMO that may ever exist, genesis supply included. DIMO's: 1,000,000,000 DIMO.
	pub supply_cap: Balance,
}

/// How the emission of an epoch is split. With the shares of the share-funded dTeams they make
/// exactly 100%.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct Shares {
	/// The share of the data-provider rewards, claimed by the owners of active vehicles.
	pub data_providers: Perbill,
	/// The share of the DAO pot, spent only by governance. It also receives the rounding
	/// remainder of every split, what closed dTeams held, and expired rewards.
	pub dao: Perbill,
}

/// How a dTeam is funded at each epoch boundary.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum Funding {
	/// A share of the epoch's emission, taken from the DAO's share when the team is funded so.
	Share(Perbill),
	/// A fixed amount per epoch, paid out of the DAO's part of the epoch's emission (and less
	/// if that part is smaller).
	Fixed(Balance),
}

/// A dTeam: a budget that governance created, funds and closes, spent by its admin.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
#[scale_info(skip_type_params(MaxNameLen))]
#[codec(mel_bound(AccountId: MaxEncodedLen))]
pub struct DTeam<AccountId, MaxNameLen: Get<u32>> {
	/// Its name, as governance gave it (UTF-8).
	pub name: BoundedVec<u8, MaxNameLen>,
	/// The account that may spend from it.
	pub admin: AccountId,
	/// How it is funded at each epoch boundary.
	pub funding: Funding,
	/// What it holds now.
	pub balance: Balance,
}

/// The parameters of the data-provider rewards.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub struct RewardParams {
	/// How much each grant to a registered data consumer on a vehicle adds to its points.
	pub demand_bonus_per_grant: Perbill,
	/// How many grants count at most, so that granting oneself access from many accounts
	/// cannot farm rewards: the most demand can add is this times the bonus per grant.
	pub max_rewarded_grants: u32,
	/// For how many epochs after an epoch closes its rewards may be claimed. What is left
	/// afterwards goes to the DAO pot.
	pub claim_window: u32,
}

/// The epoch in progress.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct EpochState<BlockNumber> {
	/// Its index.
	pub index: EpochIndex,
	/// The block in which it started.
	pub started_at: BlockNumber,
}

/// A vehicle's record of activity: its streak and what it earned in its last active epoch.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct Activity<AccountId> {
	/// The last epoch in which the vehicle was active.
	pub epoch: EpochIndex,
	/// Its streak: consecutive active epochs, decayed after missed ones.
	pub streak: u32,
	/// The points it earned in `epoch`.
	pub points: Points,
	/// The account that the points of `epoch` are credited to: the owner, kept up to date by
	/// transfers until the epoch closes.
	pub credited_to: AccountId,
}

/// The data-provider rewards of a closed epoch, while they may be claimed.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct RewardPot {
	/// What the epoch's emission put in it.
	pub pot: Balance,
	/// The points of every vehicle active in the epoch.
	pub total_points: Points,
	/// What has been claimed so far.
	pub paid: Balance,
	/// The last epoch during which it may be claimed.
	pub claimable_until: EpochIndex,
}

/// What the boundary of an epoch minted, and where it went.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct MintRecord {
	/// Minted in all.
	pub minted: Balance,
	/// To the data-provider rewards of the epoch (zero if no vehicle was active: that part
	/// went to the DAO pot).
	pub data_providers: Balance,
	/// To the dTeams, together.
	pub dteams: Balance,
	/// To the DAO pot.
	pub dao: Balance,
}

/// The state of the issuance, as the runtime API returns it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct IssuanceInfo<BlockNumber> {
	/// The schedule.
	pub schedule: Schedule<BlockNumber>,
	/// The epoch in progress.
	pub current_epoch: EpochIndex,
	/// The block in which it started.
	pub epoch_started_at: BlockNumber,
	/// The block at whose start it closes and the next emission is minted.
	pub next_epoch_at: BlockNumber,
	/// The emission of an epoch in the current decay period, before the cap.
	pub epoch_emission: Balance,
	/// What the next boundary will mint: the emission, or what is left under the cap.
	pub next_emission: Balance,
	/// pallet-balances' total issuance: the DIMO that accounts hold.
	pub total_issuance: Balance,
	/// What the budgets hold (the DAO pot, the dTeams, the open reward pots): minted into
	/// accounts as they pay.
	pub unpaid_budgets: Balance,
	/// What may still be minted before the supply cap, which bounds the total issuance and the
	/// budgets together.
	pub remaining_under_cap: Balance,
	/// Minted by this pallet since genesis.
	pub total_minted: Balance,
	/// How the emission is split.
	pub shares: Shares,
	/// The part of the emission that goes to the dTeams funded by shares, together.
	pub dteam_shares: Perbill,
	/// What the DAO pot holds.
	pub dao_pot: Balance,
	/// The points earned so far in the epoch in progress, by all vehicles.
	pub current_epoch_points: Points,
	/// The parameters of the data-provider rewards.
	pub reward_params: RewardParams,
}

/// Rewards an account may claim for one closed epoch, as the runtime API returns them.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct PendingReward {
	/// The epoch.
	pub epoch: EpochIndex,
	/// The account's points in it.
	pub points: Points,
	/// What a claim pays now.
	pub amount: Balance,
	/// The last epoch during which it may be claimed.
	pub claimable_until: EpochIndex,
}

/// What an account may claim, and what it is earning in the epoch in progress.
#[derive(Clone, PartialEq, Eq, Debug, Default, Encode, Decode, TypeInfo)]
pub struct PendingRewards {
	/// The closed epochs it may claim for.
	pub claimable: Vec<PendingReward>,
	/// Its points in the epoch in progress, paid after that epoch closes.
	pub current_epoch_points: Points,
}
