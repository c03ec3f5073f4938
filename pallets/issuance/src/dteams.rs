//! dTeams and the DAO pot: teams funded by a share of each epoch's emission (taken from the
//! DAO's share, so that the shares always make 100%) or by a fixed amount, their admins'
//! spending, and governance's spending of the DAO pot.

use super::*;
use frame_support::{ensure, pallet_prelude::*};
use sp_runtime::{
	traits::{Saturating, Zero},
	Perbill,
};

impl<T: Config> Pallet<T> {
	pub(crate) fn do_spend(
		who: &T::AccountId,
		id: DTeamId,
		to: T::AccountId,
		amount: Balance,
	) -> DispatchResult {
		let mut team = DTeams::<T>::get(id).ok_or(Error::<T>::UnknownDTeam)?;
		ensure!(team.admin == *who, Error::<T>::NotDTeamAdmin);
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		team.balance = team.balance.checked_sub(amount).ok_or(Error::<T>::InsufficientBudget)?;
		Self::pay_from_budgets(&to, amount)?;
		let balance = team.balance;
		DTeams::<T>::insert(id, team);
		Self::deposit_event(Event::DTeamSpent { team: id, to, amount, balance });
		Ok(())
	}

	pub(crate) fn do_spend_dao(to: T::AccountId, amount: Balance) -> DispatchResult {
		ensure!(!amount.is_zero(), Error::<T>::ZeroAmount);
		let dao_pot =
			DaoPot::<T>::get().checked_sub(amount).ok_or(Error::<T>::InsufficientBudget)?;
		Self::pay_from_budgets(&to, amount)?;
		DaoPot::<T>::put(dao_pot);
		Self::deposit_event(Event::DaoSpent { to, amount, dao_pot });
		Ok(())
	}

	/// Moves a dTeam's share between the DAO's share and the dTeams': `old` (the team's share
	/// before, if any) goes back to the DAO, `new` (its share after, if any) is taken from it.
	pub(crate) fn move_share(old: Option<Perbill>, new: Option<Perbill>) -> DispatchResult {
		if old == new {
			return Ok(());
		}
		let mut shares = CurrentShares::<T>::get();
		let mut dteam_shares = DTeamShares::<T>::get();
		if let Some(old) = old {
			shares.dao = shares.dao.saturating_add(old);
			dteam_shares = dteam_shares.saturating_sub(old);
		}
		if let Some(new) = new {
			ensure!(new <= shares.dao, Error::<T>::ShareExceedsDaoShare);
			shares.dao = shares.dao.saturating_sub(new);
			dteam_shares = dteam_shares.saturating_add(new);
		}
		CurrentShares::<T>::put(shares);
		DTeamShares::<T>::put(dteam_shares);
		Self::deposit_event(Event::SharesChanged { shares, dteam_shares });
		Ok(())
	}

	pub(crate) fn share_of_funding(funding: &Funding) -> Option<Perbill> {
		match funding {
			Funding::Share(share) => Some(*share),
			Funding::Fixed(_) => None,
		}
	}

	pub(crate) fn ensure_valid_funding(funding: &Funding) -> DispatchResult {
		match funding {
			Funding::Share(share) => ensure!(!share.is_zero(), Error::<T>::ZeroAmount),
			Funding::Fixed(amount) => ensure!(!amount.is_zero(), Error::<T>::ZeroAmount),
		}
		Ok(())
	}

	pub(crate) fn do_create_dteam(
		name: DTeamNameOf<T>,
		admin: T::AccountId,
		funding: Funding,
	) -> DispatchResult {
		ensure!(!name.is_empty(), Error::<T>::EmptyName);
		ensure!(DTeams::<T>::count() < T::MaxDTeams::get(), Error::<T>::TooManyDTeams);
		Self::ensure_valid_funding(&funding)?;
		Self::move_share(None, Self::share_of_funding(&funding))?;
		let id = NextDTeamId::<T>::get();
		NextDTeamId::<T>::put(id.saturating_add(1));
		DTeams::<T>::insert(
			id,
			DTeam { name: name.clone(), admin: admin.clone(), funding, balance: Zero::zero() },
		);
		Self::deposit_event(Event::DTeamCreated { team: id, name, admin, funding });
		Ok(())
	}

	pub(crate) fn do_update_dteam(
		id: DTeamId,
		admin: T::AccountId,
		funding: Funding,
	) -> DispatchResult {
		let mut team = DTeams::<T>::get(id).ok_or(Error::<T>::UnknownDTeam)?;
		Self::ensure_valid_funding(&funding)?;
		Self::move_share(Self::share_of_funding(&team.funding), Self::share_of_funding(&funding))?;
		team.admin = admin.clone();
		team.funding = funding;
		DTeams::<T>::insert(id, team);
		Self::deposit_event(Event::DTeamUpdated { team: id, admin, funding });
		Ok(())
	}

	pub(crate) fn do_close_dteam(id: DTeamId) -> DispatchResult {
		let team = DTeams::<T>::take(id).ok_or(Error::<T>::UnknownDTeam)?;
		Self::move_share(Self::share_of_funding(&team.funding), None)?;
		DaoPot::<T>::mutate(|dao| *dao = dao.saturating_add(team.balance));
		Self::deposit_event(Event::DTeamClosed { team: id, returned: team.balance });
		Ok(())
	}
}
