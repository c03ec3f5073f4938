//! The logic behind the calls, the access check and the queries of the runtime API.

use super::*;
use alloc::vec::Vec;
use dimo_primitives::encryption::KeyError;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{fungible::MutateHold, tokens::Precision},
};
use frame_system::pallet_prelude::BlockNumberFor;

/// Who may read a stream of a vehicle at block `at`, from what storage holds of it: its
/// `ownership` (none: no such vehicle, nobody), then, only if `who` is not the owner, its public
/// streams and `who`'s grant entry, each as (ownership version, streams). An entry of an
/// earlier ownership version gives nothing; a stream is live until its expiry block.
///
/// The one rule: [`Pallet::can_read`] decides with it inside the runtime, and the node's
/// `dimo_canRead` reads the same three entries from the state and decides with it natively,
/// without a runtime call per request.
pub fn may_read<AccountId: PartialEq, BlockNumber: PartialOrd>(
	ownership: Option<Ownership<AccountId>>,
	who: &AccountId,
	stream: Stream,
	at: &BlockNumber,
	public: impl FnOnce() -> Option<(u32, StreamAccess<BlockNumber>)>,
	grant: impl FnOnce() -> Option<(u32, StreamAccess<BlockNumber>)>,
) -> bool {
	let Some(ownership) = ownership else { return false };
	if ownership.owner == *who {
		return true;
	}
	let grants_stream = |(version, streams): (u32, StreamAccess<BlockNumber>)| {
		version == ownership.transfers
			&& streams.iter().any(|entry| entry.stream == stream && entry.is_live_at(at))
	};
	public().is_some_and(grants_stream) || grant().is_some_and(grants_stream)
}

impl<T: Config> Pallet<T> {
	/// Whether `who` may read `stream` of `vehicle` at block `at`.
	///
	/// Three storage reads at most, whatever the number of grants: the vehicle's ownership, its
	/// public streams, and the one entry of (`vehicle`, `who`); the rule is [`may_read`].
	pub fn can_read(
		vehicle: VehicleId,
		who: &T::AccountId,
		stream: Stream,
		at: BlockNumberFor<T>,
	) -> bool {
		may_read(
			T::Vehicles::ownership(vehicle),
			who,
			stream,
			&at,
			|| {
				PublicStreams::<T>::get(vehicle)
					.map(|public| (public.ownership_version, public.streams))
			},
			|| Grants::<T>::get(vehicle, who).map(|grant| (grant.ownership_version, grant.streams)),
		)
	}

	/// Who may read `vehicle`'s data now, or `None` if no vehicle has this id.
	pub fn access_list(vehicle: VehicleId) -> Option<AccessList<T::AccountId, BlockNumberFor<T>>> {
		let ownership = T::Vehicles::ownership(vehicle)?;
		let now = Self::now();
		let live = |streams: StreamAccessOf<T>| -> Vec<StreamExpiry<BlockNumberFor<T>>> {
			streams.into_iter().filter(|entry| entry.is_live_at(&now)).collect()
		};
		let public = PublicStreams::<T>::get(vehicle)
			.filter(|public| public.ownership_version == ownership.transfers)
			.map(|public| live(public.streams))
			.unwrap_or_default();
		let admins = Self::current_admins(vehicle, ownership.transfers).admins.into_inner();
		// The index of the current grantees: bounded, whatever earlier owners left in `Grants`.
		let grants = Self::current_grantees(vehicle, ownership.transfers)
			.grantees
			.into_iter()
			.filter_map(|grantee| {
				let grant = Grants::<T>::get(vehicle, &grantee)
					.filter(|grant| grant.ownership_version == ownership.transfers)?;
				Some(GranteeAccess { grantee, streams: live(grant.streams) })
			})
			.filter(|access| !access.streams.is_empty())
			.collect();
		Some(AccessList { owner: ownership.owner, public, admins, grants })
	}

	pub(crate) fn do_grant(
		who: &T::AccountId,
		vehicle: VehicleId,
		grantees: impl Iterator<Item = T::AccountId>,
		streams: &StreamAccessOf<T>,
	) -> DispatchResult {
		let ownership = Self::ensure_owner_or_admin(who, vehicle)?;
		ensure!(!streams.is_empty(), Error::<T>::NoStreams);
		let now = Self::now();
		Self::ensure_valid_streams(streams, &now)?;

		let version = ownership.transfers;
		let mut counts = GranteeCount::<T>::get(vehicle).current(version);
		let mut list = Self::current_grantees(vehicle, version);
		for grantee in grantees {
			ensure!(grantee != ownership.owner, Error::<T>::GrantToOwner);
			let mut grant = match Grants::<T>::get(vehicle, &grantee) {
				Some(grant) if grant.ownership_version == version => grant,
				stale => {
					if let Some(stale) = stale {
						// An entry of a former owner: it gives nothing, and is replaced.
						Self::release_deposit(vehicle, &grantee, &stale)?;
					}
					counts.count = counts.count.saturating_add(1);
					ensure!(
						counts.count <= T::MaxGranteesPerVehicle::get(),
						Error::<T>::TooManyGrantees
					);
					let deposit = T::GrantDeposit::get();
					T::Currency::hold(&HoldReason::GrantDeposit.into(), who, deposit)?;
					list.grantees
						.try_push(grantee.clone())
						.map_err(|_| Error::<T>::TooManyGrantees)?;
					let counts_as_demand = DataConsumers::<T>::contains_key(&grantee);
					if counts_as_demand {
						counts.consumers = counts.consumers.saturating_add(1);
					}
					Grant {
						ownership_version: version,
						streams: Default::default(),
						payer: who.clone(),
						deposit,
						counts_as_demand,
					}
				},
			};
			grant.streams = Self::merged(&grant.streams, streams, &now)?;
			let new_state = grant.streams.clone();
			Grants::<T>::insert(vehicle, &grantee, grant);
			Self::deposit_event(Event::AccessChanged {
				vehicle,
				grantee,
				streams: new_state,
				by: who.clone(),
			});
		}
		GranteeCount::<T>::insert(vehicle, counts);
		CurrentGrantees::<T>::insert(vehicle, list);
		Ok(())
	}

	pub(crate) fn do_revoke(
		who: &T::AccountId,
		vehicle: VehicleId,
		grantees: impl Iterator<Item = T::AccountId>,
		streams: Option<&BoundedVec<Stream, MaxStreams>>,
	) -> DispatchResult {
		let ownership = Self::ensure_owner_or_admin(who, vehicle)?;
		if let Some(streams) = streams {
			ensure!(!streams.is_empty(), Error::<T>::NoStreams);
			ensure!(!has_duplicates(streams.iter()), Error::<T>::DuplicateStream);
		}
		let now = Self::now();
		let version = ownership.transfers;
		let mut counts = GranteeCount::<T>::get(vehicle).current(version);
		let mut list = Self::current_grantees(vehicle, version);
		for grantee in grantees {
			let mut grant = Grants::<T>::get(vehicle, &grantee)
				.filter(|grant| grant.ownership_version == version)
				.ok_or(Error::<T>::NotGranted)?;
			grant.streams.retain(|entry| {
				entry.is_live_at(&now)
					&& streams.is_some_and(|revoked| !revoked.contains(&entry.stream))
			});
			let new_state = grant.streams.clone();
			if grant.streams.is_empty() {
				Grants::<T>::remove(vehicle, &grantee);
				Self::release_hold(HoldReason::GrantDeposit, &grant.payer, grant.deposit)?;
				counts.forget(&grant);
				list.grantees.retain(|listed| *listed != grantee);
			} else {
				Grants::<T>::insert(vehicle, &grantee, grant);
			}
			Self::deposit_event(Event::AccessChanged {
				vehicle,
				grantee,
				streams: new_state,
				by: who.clone(),
			});
		}
		GranteeCount::<T>::insert(vehicle, counts);
		Self::store_grantees(vehicle, list);
		Ok(())
	}

	/// The grantees of `vehicle` under ownership version `version` (none if the list is of
	/// another version).
	fn current_grantees(vehicle: VehicleId, version: u32) -> GranteeListOf<T> {
		CurrentGrantees::<T>::get(vehicle)
			.filter(|list| list.ownership_version == version)
			.unwrap_or_else(|| GranteeList {
				ownership_version: version,
				grantees: Default::default(),
			})
	}

	/// Stores `list` as `vehicle`'s grantees, or removes it if it is empty.
	fn store_grantees(vehicle: VehicleId, list: GranteeListOf<T>) {
		if list.grantees.is_empty() {
			CurrentGrantees::<T>::remove(vehicle);
		} else {
			CurrentGrantees::<T>::insert(vehicle, list);
		}
	}

	pub(crate) fn do_add_data_consumer(consumer: T::AccountId) -> DispatchResult {
		ensure!(!DataConsumers::<T>::contains_key(&consumer), Error::<T>::AlreadyDataConsumer);
		ensure!(
			DataConsumers::<T>::count() < T::MaxDataConsumers::get(),
			Error::<T>::TooManyDataConsumers
		);
		DataConsumers::<T>::insert(&consumer, ());
		Self::deposit_event(Event::DataConsumerAdded { consumer });
		Ok(())
	}

	pub(crate) fn do_set_encryption_key(
		account: T::AccountId,
		key: EncryptionKey,
	) -> DispatchResult {
		key.check().map_err(|error| match error {
			KeyError::BadLength => Error::<T>::BadKeyLength,
			KeyError::Weak => Error::<T>::WeakKey,
		})?;
		// A replaced key's deposit is released first, so that the new one holds what the
		// deposit is now.
		if let Some(published) = EncryptionKeys::<T>::get(&account) {
			Self::release_hold(HoldReason::KeyDeposit, &account, published.deposit)?;
		}
		let deposit = T::KeyDeposit::get();
		T::Currency::hold(&HoldReason::KeyDeposit.into(), &account, deposit)?;
		EncryptionKeys::<T>::insert(&account, PublishedKey { key: key.clone(), deposit });
		Self::deposit_event(Event::EncryptionKeySet { account, key });
		Ok(())
	}

	pub(crate) fn do_remove_encryption_key(account: T::AccountId) -> DispatchResult {
		let published = EncryptionKeys::<T>::take(&account).ok_or(Error::<T>::NoEncryptionKey)?;
		Self::release_hold(HoldReason::KeyDeposit, &account, published.deposit)?;
		Self::deposit_event(Event::EncryptionKeyRemoved { account });
		Ok(())
	}

	pub(crate) fn do_remove_data_consumer(consumer: T::AccountId) -> DispatchResult {
		ensure!(DataConsumers::<T>::contains_key(&consumer), Error::<T>::NotDataConsumer);
		DataConsumers::<T>::remove(&consumer);
		Self::deposit_event(Event::DataConsumerRemoved { consumer });
		Ok(())
	}

	pub(crate) fn do_set_public(
		who: &T::AccountId,
		vehicle: VehicleId,
		streams: StreamAccessOf<T>,
	) -> DispatchResult {
		let ownership = Self::ensure_owner(who, vehicle)?;
		let now = Self::now();
		Self::ensure_valid_streams(&streams, &now)?;
		let streams = Self::merged(&Default::default(), &streams, &now)?;
		if streams.is_empty() {
			PublicStreams::<T>::remove(vehicle);
		} else {
			PublicStreams::<T>::insert(
				vehicle,
				PublicAccess { ownership_version: ownership.transfers, streams: streams.clone() },
			);
		}
		Self::deposit_event(Event::PublicAccessChanged { vehicle, streams });
		Ok(())
	}

	pub(crate) fn do_add_admin(
		who: &T::AccountId,
		vehicle: VehicleId,
		admin: T::AccountId,
	) -> DispatchResult {
		let ownership = Self::ensure_owner(who, vehicle)?;
		ensure!(admin != ownership.owner, Error::<T>::OwnerAsAdmin);
		let mut list = Self::current_admins(vehicle, ownership.transfers);
		ensure!(!list.admins.contains(&admin), Error::<T>::AlreadyAdmin);
		list.admins.try_push(admin.clone()).map_err(|_| Error::<T>::TooManyAdmins)?;
		Admins::<T>::insert(vehicle, list);
		Self::deposit_event(Event::AdminAdded { vehicle, admin });
		Ok(())
	}

	pub(crate) fn do_remove_admin(
		who: &T::AccountId,
		vehicle: VehicleId,
		admin: T::AccountId,
	) -> DispatchResult {
		let ownership = T::Vehicles::ownership(vehicle).ok_or(Error::<T>::UnknownVehicle)?;
		ensure!(*who == ownership.owner || *who == admin, Error::<T>::NotOwner);
		let mut list = Self::current_admins(vehicle, ownership.transfers);
		let position =
			list.admins.iter().position(|listed| *listed == admin).ok_or(Error::<T>::NotAdmin)?;
		list.admins.remove(position);
		if list.admins.is_empty() {
			Admins::<T>::remove(vehicle);
		} else {
			Admins::<T>::insert(vehicle, list);
		}
		Self::deposit_event(Event::AdminRemoved { vehicle, admin });
		Ok(())
	}

	pub(crate) fn do_remove_expired(vehicle: VehicleId, grantee: T::AccountId) -> DispatchResult {
		let grant = Grants::<T>::get(vehicle, &grantee).ok_or(Error::<T>::NotGranted)?;
		let now = Self::now();
		let current_version = T::Vehicles::ownership(vehicle).map(|ownership| ownership.transfers);
		let is_current = current_version == Some(grant.ownership_version);
		ensure!(
			!(is_current && grant.streams.iter().any(|entry| entry.is_live_at(&now))),
			Error::<T>::GrantStillLive
		);
		if is_current {
			GranteeCount::<T>::mutate(vehicle, |counts| counts.forget(&grant));
			let mut list = Self::current_grantees(vehicle, grant.ownership_version);
			list.grantees.retain(|listed| *listed != grantee);
			Self::store_grantees(vehicle, list);
		}
		Self::release_deposit(vehicle, &grantee, &grant)
	}

	/// Removes the entry of (`vehicle`, `grantee`) and releases its deposit, announcing it.
	fn release_deposit(
		vehicle: VehicleId,
		grantee: &T::AccountId,
		grant: &GrantOf<T>,
	) -> DispatchResult {
		Grants::<T>::remove(vehicle, grantee);
		Self::release_hold(HoldReason::GrantDeposit, &grant.payer, grant.deposit)?;
		Self::deposit_event(Event::ExpiredGrantRemoved {
			vehicle,
			grantee: grantee.clone(),
			payer: grant.payer.clone(),
			deposit: grant.deposit,
		});
		Ok(())
	}

	/// Releases `deposit`, held from `payer` for `reason`.
	fn release_hold(
		reason: HoldReason,
		payer: &T::AccountId,
		deposit: BalanceOf<T>,
	) -> DispatchResult {
		T::Currency::release(&reason.into(), payer, deposit, Precision::BestEffort).map(|_| ())
	}

	/// `current` with every expired stream dropped and the streams of `update` set to their
	/// new expiry, in the order of [`Stream`].
	fn merged(
		current: &StreamAccessOf<T>,
		update: &StreamAccessOf<T>,
		now: &BlockNumberFor<T>,
	) -> Result<StreamAccessOf<T>, DispatchError> {
		let mut merged: Vec<_> = current
			.iter()
			.filter(|entry| entry.is_live_at(now))
			.filter(|entry| update.iter().all(|new| new.stream != entry.stream))
			.chain(update.iter())
			.copied()
			.collect();
		merged.sort_by_key(|entry| entry.stream);
		// Each stream appears once, so there are at most `MaxStreams` of them.
		StreamAccessOf::<T>::try_from(merged).map_err(|_| Error::<T>::DuplicateStream.into())
	}

	fn ensure_valid_streams(
		streams: &StreamAccessOf<T>,
		now: &BlockNumberFor<T>,
	) -> DispatchResult {
		ensure!(
			!has_duplicates(streams.iter().map(|entry| &entry.stream)),
			Error::<T>::DuplicateStream
		);
		ensure!(
			streams.iter().all(|entry| entry.until.is_none_or(|until| until > *now)),
			Error::<T>::ExpiryNotInFuture
		);
		Ok(())
	}

	fn ensure_owner(
		who: &T::AccountId,
		vehicle: VehicleId,
	) -> Result<Ownership<T::AccountId>, DispatchError> {
		let ownership = T::Vehicles::ownership(vehicle).ok_or(Error::<T>::UnknownVehicle)?;
		ensure!(ownership.owner == *who, Error::<T>::NotOwner);
		Ok(ownership)
	}

	fn ensure_owner_or_admin(
		who: &T::AccountId,
		vehicle: VehicleId,
	) -> Result<Ownership<T::AccountId>, DispatchError> {
		let ownership = T::Vehicles::ownership(vehicle).ok_or(Error::<T>::UnknownVehicle)?;
		ensure!(
			ownership.owner == *who
				|| Self::current_admins(vehicle, ownership.transfers).admins.contains(who),
			Error::<T>::NotOwnerOrAdmin
		);
		Ok(ownership)
	}

	/// The admins of `vehicle` appointed under ownership version `version`.
	fn current_admins(vehicle: VehicleId, version: u32) -> AdminsOf<T> {
		Admins::<T>::get(vehicle)
			.filter(|list| list.ownership_version == version)
			.unwrap_or_else(|| AdminList { ownership_version: version, admins: Default::default() })
	}

	fn now() -> BlockNumberFor<T> {
		frame_system::Pallet::<T>::block_number()
	}

	/// Checks the invariants of the access lists:
	///
	/// - every vehicle's grantee count is the number of its entries of the current version;
	/// - every entry's streams are distinct and in order;
	/// - every payer has exactly the deposits of its entries on hold.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;
		use frame_support::traits::fungible::InspectHold;
		use sp_runtime::Saturating;

		let mut held: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
		let mut counts: BTreeMap<VehicleId, (u32, u32)> = BTreeMap::new();
		let mut listed_entries: BTreeMap<VehicleId, Vec<T::AccountId>> = BTreeMap::new();
		for (vehicle, grantee, grant) in Grants::<T>::iter() {
			ensure!(
				grant.streams.windows(2).all(|pair| pair[0].stream < pair[1].stream),
				"the streams of an entry are not distinct and in order"
			);
			let total = held.entry(grant.payer.clone()).or_default();
			*total = total.saturating_add(grant.deposit);
			let current = T::Vehicles::ownership(vehicle).map(|ownership| ownership.transfers);
			if current == Some(grant.ownership_version) {
				listed_entries.entry(vehicle).or_default().push(grantee);
				let (count, consumers) = counts.entry(vehicle).or_default();
				*count = count.saturating_add(1);
				if grant.counts_as_demand {
					*consumers = consumers.saturating_add(1);
				}
			}
		}
		for (vehicle, count) in GranteeCount::<T>::iter() {
			let current = T::Vehicles::ownership(vehicle).map(|ownership| ownership.transfers);
			if current == Some(count.ownership_version) {
				ensure!(
					counts.remove(&vehicle).unwrap_or_default() == (count.count, count.consumers),
					"a vehicle's grantee counts are not its numbers of entries"
				);
			}
		}
		ensure!(counts.is_empty(), "a vehicle's entries are not counted");
		for (vehicle, list) in CurrentGrantees::<T>::iter() {
			let version = T::Vehicles::ownership(vehicle).map(|ownership| ownership.transfers);
			if version == Some(list.ownership_version) {
				let mut listed = list.grantees.into_inner();
				listed.sort();
				let mut entries = listed_entries.remove(&vehicle).unwrap_or_default();
				entries.sort();
				ensure!(listed == entries, "a vehicle's grantee list is not its current entries");
			}
		}
		ensure!(listed_entries.is_empty(), "a vehicle's current entries are not listed");
		ensure!(
			DataConsumers::<T>::iter().count() == DataConsumers::<T>::count() as usize
				&& DataConsumers::<T>::count() <= T::MaxDataConsumers::get(),
			"the data consumers' counter is right and within its bound"
		);
		let registered = |vehicle: VehicleId| T::Vehicles::ownership(vehicle).is_some();
		ensure!(
			Admins::<T>::iter_keys().all(registered)
				&& PublicStreams::<T>::iter_keys().all(registered)
				&& GranteeCount::<T>::iter_keys().all(registered)
				&& CurrentGrantees::<T>::iter_keys().all(registered),
			"a retired vehicle left admins, public streams or grantees behind"
		);
		for (payer, total) in held {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::GrantDeposit.into(), &payer) == total,
				"an account's held deposit is not that of its entries"
			);
		}
		Ok(())
	}
}

/// Whether an item occurs twice. The sets are of at most `MaxStreams` items.
fn has_duplicates<'a, I: Iterator<Item = &'a Stream> + Clone>(items: I) -> bool {
	items
		.clone()
		.enumerate()
		.any(|(index, item)| items.clone().skip(index.saturating_add(1)).any(|other| other == item))
}

/// A retired vehicle's access list goes with it: its admins, its public streams, its grantee
/// count and its list of grantees, one value each. Its grant entries hold their payers' deposits: they read as
/// absent (the vehicle has no owner any more), and anyone may
/// [`remove_expired`](Pallet::remove_expired) them, which returns each deposit to its payer.
impl<T: Config> dimo_primitives::vehicle::OnVehicleRetired for Pallet<T> {
	fn on_vehicle_retired(vehicle: VehicleId) {
		Admins::<T>::remove(vehicle);
		PublicStreams::<T>::remove(vehicle);
		GranteeCount::<T>::remove(vehicle);
		CurrentGrantees::<T>::remove(vehicle);
	}

	fn on_vehicle_retired_weight() -> Weight {
		T::DbWeight::get().writes(4)
	}
}

/// The demand for a vehicle's data, as the data-provider rewards (pallets/issuance) weigh it:
/// the entries of the vehicle's current owner made for registered data consumers. Two storage
/// reads.
///
/// Grants to any other account (the owner's own spare accounts among them) do not count: that
/// is what makes demand cost something real to fake (see the module docs). An entry counts
/// until it is removed, even when all its streams have expired: the count is what keeps the
/// question O(1), and anyone may [`remove_expired`](Pallet::remove_expired) a dead entry.
impl<T: Config> dimo_primitives::rewards::DataDemand for Pallet<T> {
	fn consumer_grants(vehicle: VehicleId) -> u32 {
		T::Vehicles::ownership(vehicle)
			.map(|ownership| GranteeCount::<T>::get(vehicle).current(ownership.transfers).consumers)
			.unwrap_or(0)
	}
}

/// Who may read a vehicle's data now, as a collector re-keys by it (pallets/anchoring's
/// offchain worker): the access list without its admins and expiries. Offchain only: it reads
/// the vehicle's whole grantee list.
impl<T: Config> dimo_primitives::vehicle::DataReaders<T::AccountId> for Pallet<T> {
	fn readers(vehicle: VehicleId) -> Option<dimo_primitives::vehicle::Readers<T::AccountId>> {
		let list = Self::access_list(vehicle)?;
		let published = |account: &T::AccountId| {
			EncryptionKeys::<T>::get(account).map(|published| published.key)
		};
		let streams = |entries: Vec<StreamExpiry<BlockNumberFor<T>>>| {
			entries.into_iter().map(|entry| entry.stream).collect()
		};
		Some(dimo_primitives::vehicle::Readers {
			owner_key: published(&list.owner),
			owner: list.owner,
			public: streams(list.public),
			grantees: list
				.grants
				.into_iter()
				.map(|access| dimo_primitives::vehicle::GranteeReader {
					key: published(&access.grantee),
					account: access.grantee,
					streams: streams(access.streams),
				})
				.collect(),
		})
	}
}
