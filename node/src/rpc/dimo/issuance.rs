//! `dimo_issuance`, `dimo_pendingRewards`: the DIMO emission and the rewards an account may
//! claim (`pallet_issuance`' runtime API, `IssuanceApi`).

use super::{Dimo, DimoError};
use dimo_primitives::{AccountId, Balance, BlockNumber};
use dimo_runtime::opaque::Block;
use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use pallet_issuance_runtime_api::{IssuanceApi, IssuanceInfo, PendingRewards};
use serde::Serialize;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Block as BlockT;

/// The schedule and state of the DIMO emission. Amounts are decimal strings in units of
/// 10^-18 DIMO; shares and the decay are in parts per billion (150000000 = 15%).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuanceJson {
	/// The epoch in progress.
	pub current_epoch: u32,
	/// The block in which it started.
	pub epoch_started_at: BlockNumber,
	/// The block at whose start it closes and the next emission is minted.
	pub next_epoch_at: BlockNumber,
	/// The length of an epoch, in blocks.
	pub epoch_length: BlockNumber,
	/// Epochs between two decays of the emission.
	pub epochs_per_decay: u32,
	/// The decay, in parts per billion.
	pub decay_perbill: u32,
	/// The emission of an epoch in the current decay period, before the cap.
	pub epoch_emission: String,
	/// What the next epoch boundary mints: the emission, or what is left under the cap.
	pub next_emission: String,
	/// The most DIMO that may ever exist.
	pub supply_cap: String,
	/// pallet-balances' total issuance: the DIMO that accounts hold.
	pub total_issuance: String,
	/// What the budgets hold (the DAO pot, the dTeams, the open reward pots): minted into
	/// accounts as they pay. The cap bounds it and the total issuance together.
	pub unpaid_budgets: String,
	/// What may still be minted under the cap.
	pub remaining_under_cap: String,
	/// Minted by the issuance since genesis.
	pub total_minted: String,
	/// The data providers' share, in parts per billion.
	pub data_providers_perbill: u32,
	/// The DAO's share, in parts per billion.
	pub dao_perbill: u32,
	/// The share-funded dTeams' share, together, in parts per billion.
	pub dteams_perbill: u32,
	/// What the DAO pot holds.
	pub dao_pot: String,
	/// The points earned so far in the epoch in progress.
	pub current_epoch_points: u64,
	/// For how many epochs after its close an epoch's rewards may be claimed.
	pub claim_window: u32,
}

impl From<IssuanceInfo<BlockNumber>> for IssuanceJson {
	fn from(info: IssuanceInfo<BlockNumber>) -> Self {
		Self {
			current_epoch: info.current_epoch,
			epoch_started_at: info.epoch_started_at,
			next_epoch_at: info.next_epoch_at,
			epoch_length: info.schedule.epoch_length,
			epochs_per_decay: info.schedule.epochs_per_decay,
			decay_perbill: info.schedule.decay.deconstruct(),
			epoch_emission: info.epoch_emission.to_string(),
			next_emission: info.next_emission.to_string(),
			supply_cap: info.schedule.supply_cap.to_string(),
			total_issuance: info.total_issuance.to_string(),
			unpaid_budgets: info.unpaid_budgets.to_string(),
			remaining_under_cap: info.remaining_under_cap.to_string(),
			total_minted: info.total_minted.to_string(),
			data_providers_perbill: info.shares.data_providers.deconstruct(),
			dao_perbill: info.shares.dao.deconstruct(),
			dteams_perbill: info.dteam_shares.deconstruct(),
			dao_pot: info.dao_pot.to_string(),
			current_epoch_points: info.current_epoch_points,
			claim_window: info.reward_params.claim_window,
		}
	}
}

/// Rewards that an account may claim for one closed epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingRewardJson {
	/// The epoch, the argument of `issuance.claim`.
	pub epoch: u32,
	/// The account's points in it.
	pub points: u64,
	/// What a claim pays now, in units of 10^-18 DIMO.
	pub amount: String,
	/// The last epoch during which it may be claimed.
	pub claimable_until: u32,
}

/// What an account may claim, and what it is earning now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingRewardsJson {
	/// The closed epochs it may claim for.
	pub claimable: Vec<PendingRewardJson>,
	/// The sum of `claimable`'s amounts.
	pub total: String,
	/// Its points in the epoch in progress, paid after that epoch closes.
	pub current_epoch_points: u64,
}

impl From<PendingRewards> for PendingRewardsJson {
	fn from(pending: PendingRewards) -> Self {
		let total: Balance =
			pending.claimable.iter().fold(0, |sum, reward| sum.saturating_add(reward.amount));
		Self {
			claimable: pending
				.claimable
				.into_iter()
				.map(|reward| PendingRewardJson {
					epoch: reward.epoch,
					points: reward.points,
					amount: reward.amount.to_string(),
					claimable_until: reward.claimable_until,
				})
				.collect(),
			total: total.to_string(),
			current_epoch_points: pending.current_epoch_points,
		}
	}
}

/// The `dimo_issuance`, `dimo_pendingRewards` methods.
#[rpc(server)]
pub trait IssuanceRpc<BlockHash> {
	/// The emission schedule, the epoch in progress, the next emission and what is left
	/// under the supply cap.
	#[method(name = "dimo_issuance")]
	fn issuance(&self, at: Option<BlockHash>) -> RpcResult<IssuanceJson>;

	/// The data-provider rewards that `account` may claim, epoch by epoch, and its points in
	/// the epoch in progress.
	#[method(name = "dimo_pendingRewards")]
	fn pending_rewards(
		&self,
		account: AccountId,
		at: Option<BlockHash>,
	) -> RpcResult<PendingRewardsJson>;
}

impl<C> IssuanceRpcServer<<Block as BlockT>::Hash> for Dimo<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: IssuanceApi<Block, AccountId, BlockNumber>,
{
	fn issuance(&self, at: Option<<Block as BlockT>::Hash>) -> RpcResult<IssuanceJson> {
		let info =
			self.client.runtime_api().issuance(self.at(at)).map_err(DimoError::RuntimeApi)?;
		Ok(info.into())
	}

	fn pending_rewards(
		&self,
		account: AccountId,
		at: Option<<Block as BlockT>::Hash>,
	) -> RpcResult<PendingRewardsJson> {
		let pending = self
			.client
			.runtime_api()
			.pending_rewards(self.at(at), account)
			.map_err(DimoError::RuntimeApi)?;
		Ok(pending.into())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn pending_rewards_print_amounts_as_strings_and_sum_them() {
		use pallet_issuance_runtime_api::PendingReward;
		let dimo = dimo_primitives::currency::DIMO;
		let json = serde_json::to_value(PendingRewardsJson::from(PendingRewards {
			claimable: vec![
				PendingReward { epoch: 3, points: 6_000, amount: 2 * dimo, claimable_until: 11 },
				PendingReward { epoch: 4, points: 6_600, amount: dimo / 2, claimable_until: 12 },
			],
			current_epoch_points: 7_000,
		}))
		.expect("serializable");
		assert_eq!(json["total"], "2500000000000000000");
		assert_eq!(json["claimable"][1]["amount"], "500000000000000000");
		assert_eq!(json["claimable"][0]["claimableUntil"], 11);
		assert_eq!(json["currentEpochPoints"], 7_000);
	}
}
