//! The logic behind the calls, and the queries that the runtime API answers.

use super::*;
use alloc::vec::Vec;
use frame_support::{
	ensure,
	pallet_prelude::*,
	traits::{
		fungible::MutateHold,
		tokens::{Fortitude, Precision, Restriction},
	},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::H256;
use sp_runtime::{traits::Zero, RuntimeAppPublic, Saturating};

impl<T: Config> Pallet<T> {
	/// Checks that `attestation` is a registered collector's live word that `owner` controls
	/// the car `(oem, oem_ref_hash)` on this chain, and returns the collector.
	pub(crate) fn check_attestation(
		attestation: &AttestationOf<T>,
		oem: OemId,
		oem_ref_hash: &H256,
		owner: &T::AccountId,
	) -> Result<T::CollectorId, DispatchError> {
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now < attestation.expires_at, Error::<T>::AttestationExpired);
		ensure!(
			attestation.expires_at <= now.saturating_add(T::MaxAttestationLifetime::get()),
			Error::<T>::AttestationTooLong
		);
		ensure!(
			T::Collectors::is_registered(&attestation.collector),
			Error::<T>::UnknownAttestingCollector
		);
		let genesis = frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero());
		let payload = dimo_primitives::ownership::ownership_payload(
			&genesis,
			oem,
			oem_ref_hash,
			owner,
			&attestation.expires_at,
		);
		ensure!(
			attestation.collector.verify(&payload, &attestation.signature),
			Error::<T>::BadAttestationSignature
		);
		Ok(attestation.collector.clone())
	}

	/// Registers a vehicle owned by `owner` and returns its id. `attested_by` is the collector
	/// whose attestation the caller checked, if any.
	pub(crate) fn do_register(
		owner: T::AccountId,
		oem: OemId,
		oem_ref_hash: H256,
		attested_by: Option<T::CollectorId>,
	) -> Result<VehicleId, DispatchError> {
		ensure!(
			!VehicleByReference::<T>::contains_key(oem, oem_ref_hash),
			Error::<T>::AlreadyRegistered
		);
		let vehicle = NextVehicleId::<T>::get();
		let next = vehicle.checked_add(1).ok_or(Error::<T>::VehicleIdOverflow)?;

		VehiclesOf::<T>::try_mutate(&owner, |vehicles| {
			vehicles.try_push(vehicle).map_err(|_| Error::<T>::TooManyVehicles)
		})?;
		let deposit = T::VehicleDeposit::get();
		T::Currency::hold(&HoldReason::VehicleDeposit.into(), &owner, deposit)?;

		NextVehicleId::<T>::put(next);
		VehicleByReference::<T>::insert(oem, oem_ref_hash, vehicle);
		let now = frame_system::Pallet::<T>::block_number();
		Vehicles::<T>::insert(
			vehicle,
			Vehicle {
				owner: owner.clone(),
				oem,
				oem_ref_hash,
				transfers: 0,
				storage: StorageBackend::default(),
				depositor: owner.clone(),
				deposit,
				registered_at: now,
				owned_since: now,
			},
		);
		Self::deposit_event(Event::Registered {
			vehicle,
			owner,
			oem,
			oem_ref_hash,
			deposit,
			attested_by,
		});
		Ok(vehicle)
	}

	pub(crate) fn do_offer_transfer(
		owner: &T::AccountId,
		vehicle: VehicleId,
		to: T::AccountId,
	) -> DispatchResult {
		let record = Self::owned_vehicle(owner, vehicle)?;
		ensure!(*owner != to, Error::<T>::TransferToSelf);
		ensure!(!ReclaimClaims::<T>::contains_key(vehicle), Error::<T>::ReclaimOpen);
		// Refused now rather than at acceptance: the version could not grow.
		record.transfers.checked_add(1).ok_or(Error::<T>::TooManyTransfers)?;
		let expires_at = frame_system::Pallet::<T>::block_number()
			.saturating_add(T::TransferOfferLifetime::get());
		TransferOffers::<T>::insert(
			vehicle,
			TransferOffer { to: to.clone(), transfers: record.transfers, expires_at },
		);
		Self::deposit_event(Event::TransferOffered {
			vehicle,
			from: owner.clone(),
			to,
			expires_at,
		});
		Ok(())
	}

	pub(crate) fn do_accept_transfer(
		new_owner: T::AccountId,
		vehicle: VehicleId,
	) -> DispatchResult {
		let record = Vehicles::<T>::get(vehicle).ok_or(Error::<T>::UnknownVehicle)?;
		let offer = TransferOffers::<T>::get(vehicle).ok_or(Error::<T>::NoTransferOffer)?;
		ensure!(!ReclaimClaims::<T>::contains_key(vehicle), Error::<T>::ReclaimOpen);
		ensure!(
			offer.to == new_owner && offer.transfers == record.transfers,
			Error::<T>::NoTransferOffer
		);
		ensure!(
			frame_system::Pallet::<T>::block_number() < offer.expires_at,
			Error::<T>::TransferOfferExpired
		);
		let from = record.owner.clone();
		let transfers = Self::hand_over(record, vehicle, new_owner.clone())?;
		OwnedByTransfer::<T>::insert(vehicle, ());
		Self::deposit_event(Event::Transferred { vehicle, from, to: new_owner, transfers });
		Ok(())
	}

	pub(crate) fn do_reclaim(
		claimant: T::AccountId,
		vehicle: VehicleId,
		attestation: AttestationOf<T>,
	) -> DispatchResult {
		let record = Vehicles::<T>::get(vehicle).ok_or(Error::<T>::UnknownVehicle)?;
		ensure!(record.owner != claimant, Error::<T>::AlreadyOwner);
		ensure!(!ReclaimClaims::<T>::contains_key(vehicle), Error::<T>::ReclaimOpen);
		let collector =
			Self::check_attestation(&attestation, record.oem, &record.oem_ref_hash, &claimant)?;
		// Made no earlier than `expires_at - lifetime`: that must not be before the current
		// owner got the vehicle, or a seller could take back the car they sold.
		let earliest_making =
			attestation.expires_at.saturating_sub(T::MaxAttestationLifetime::get());
		ensure!(earliest_making >= record.owned_since, Error::<T>::AttestationPredatesOwner);

		if OwnedByTransfer::<T>::contains_key(vehicle) {
			// The owner accepted the vehicle from someone: it may answer before it loses it.
			let deposit = T::VehicleDeposit::get();
			T::Currency::hold(&HoldReason::ReclaimClaim.into(), &claimant, deposit)?;
			let answer_by = frame_system::Pallet::<T>::block_number()
				.saturating_add(T::ReclaimAnswerPeriod::get());
			ReclaimClaims::<T>::insert(
				vehicle,
				ReclaimClaim {
					claimant: claimant.clone(),
					attested_by: collector.clone(),
					attested_until: attestation.expires_at,
					transfers: record.transfers,
					answer_by,
					deposit,
					contested: false,
				},
			);
			Self::deposit_event(Event::ReclaimOpened {
				vehicle,
				owner: record.owner,
				claimant,
				attested_by: collector,
				answer_by,
				deposit,
			});
			return Ok(());
		}
		Self::take_back(record, vehicle, claimant, collector)
	}

	/// Moves `vehicle` (whose record is `record`) to `claimant`, whose attestation by
	/// `collector` proved its control of the car, with the deposit of whoever registered it.
	fn take_back(
		record: VehicleOf<T>,
		vehicle: VehicleId,
		claimant: T::AccountId,
		collector: T::CollectorId,
	) -> DispatchResult {
		let mut record = record;
		let from = record.owner.clone();
		let depositor = record.depositor.clone();
		// The deposit of whoever registered it stays on hold, now from the claimant, as this
		// vehicle's deposit: released to the claimant when the vehicle is retired. (A refusal
		// by `hand_over` below undoes it with the rest of the call.)
		let deposit = if depositor == claimant {
			record.deposit
		} else {
			T::Currency::transfer_on_hold(
				&HoldReason::VehicleDeposit.into(),
				&depositor,
				&claimant,
				record.deposit,
				Precision::BestEffort,
				Restriction::OnHold,
				Fortitude::Force,
			)?
		};
		record.depositor = claimant.clone();
		record.deposit = deposit;
		let transfers = Self::hand_over(record, vehicle, claimant.clone())?;
		// Got by a reclaim, not an accepted transfer: a later reclaim takes it at once.
		OwnedByTransfer::<T>::remove(vehicle);
		Self::deposit_event(Event::Reclaimed {
			vehicle,
			from,
			to: claimant,
			attested_by: collector,
			transfers,
			depositor,
			deposit,
		});
		Ok(())
	}

	pub(crate) fn do_answer_reclaim(
		owner: T::AccountId,
		vehicle: VehicleId,
		attestation: AttestationOf<T>,
	) -> DispatchResult {
		let mut claim = ReclaimClaims::<T>::get(vehicle).ok_or(Error::<T>::NoReclaim)?;
		let record = Self::owned_vehicle(&owner, vehicle)?;
		ensure!(!claim.contested, Error::<T>::ReclaimContested);
		ensure!(
			frame_system::Pallet::<T>::block_number() <= claim.answer_by,
			Error::<T>::AnswerPeriodOver
		);
		let collector =
			Self::check_attestation(&attestation, record.oem, &record.oem_ref_hash, &owner)?;
		ensure!(attestation.expires_at >= claim.attested_until, Error::<T>::AnswerNotFresher);
		if attestation.expires_at == claim.attested_until {
			claim.contested = true;
			let claimant = claim.claimant.clone();
			ReclaimClaims::<T>::insert(vehicle, claim);
			Self::deposit_event(Event::ReclaimContested { vehicle, owner, claimant });
			return Ok(());
		}
		// Fresher: the owner still controls the car. The claim's deposit is the owner's.
		let deposit = T::Currency::transfer_on_hold(
			&HoldReason::ReclaimClaim.into(),
			&claim.claimant,
			&owner,
			claim.deposit,
			Precision::BestEffort,
			Restriction::Free,
			Fortitude::Force,
		)?;
		ReclaimClaims::<T>::remove(vehicle);
		Self::deposit_event(Event::ReclaimRejected {
			vehicle,
			owner,
			claimant: claim.claimant,
			attested_by: collector,
			deposit,
		});
		Ok(())
	}

	/// Completes `vehicle`'s open reclaim: unanswered and past its answer period, or
	/// `settled` by the dispute origin (`Some(claimant_wins)`).
	pub(crate) fn do_complete_reclaim(vehicle: VehicleId, settled: Option<bool>) -> DispatchResult {
		let claim = ReclaimClaims::<T>::get(vehicle).ok_or(Error::<T>::NoReclaim)?;
		let claimant_wins = match settled {
			Some(claimant_wins) => claimant_wins,
			None => {
				ensure!(!claim.contested, Error::<T>::ReclaimContested);
				ensure!(
					frame_system::Pallet::<T>::block_number() > claim.answer_by,
					Error::<T>::AnswerPeriodOpen
				);
				true
			},
		};
		T::Currency::release(
			&HoldReason::ReclaimClaim.into(),
			&claim.claimant,
			claim.deposit,
			Precision::BestEffort,
		)?;
		ReclaimClaims::<T>::remove(vehicle);
		if !claimant_wins {
			return Ok(());
		}
		// While the claim was open the vehicle could not change hands (`ReclaimOpen`).
		let record = Vehicles::<T>::get(vehicle).ok_or(Error::<T>::UnknownVehicle)?;
		ensure!(record.transfers == claim.transfers, Error::<T>::NoReclaim);
		Self::take_back(record, vehicle, claim.claimant, claim.attested_by)
	}

	pub(crate) fn do_settle_reclaim(vehicle: VehicleId, claimant_wins: bool) -> DispatchResult {
		Self::do_complete_reclaim(vehicle, Some(claimant_wins))?;
		Self::deposit_event(Event::ReclaimSettled { vehicle, claimant_wins });
		Ok(())
	}

	pub(crate) fn do_cancel_transfer(who: &T::AccountId, vehicle: VehicleId) -> DispatchResult {
		let offer = TransferOffers::<T>::get(vehicle).ok_or(Error::<T>::NoTransferOffer)?;
		let owner = Vehicles::<T>::get(vehicle).map(|record| record.owner);
		ensure!(offer.to == *who || owner.as_ref() == Some(who), Error::<T>::NoTransferOffer);
		TransferOffers::<T>::remove(vehicle);
		Self::deposit_event(Event::TransferCancelled { vehicle, to: offer.to });
		Ok(())
	}

	/// Makes `new_owner` the owner of `vehicle` (whose record is `record`), now, and returns
	/// the new ownership version. The caller emits the event that says why.
	pub(crate) fn hand_over(
		mut record: VehicleOf<T>,
		vehicle: VehicleId,
		new_owner: T::AccountId,
	) -> Result<u32, DispatchError> {
		let owner = record.owner.clone();
		ensure!(owner != new_owner, Error::<T>::TransferToSelf);
		let transfers = record.transfers.checked_add(1).ok_or(Error::<T>::TooManyTransfers)?;

		VehiclesOf::<T>::try_mutate(&new_owner, |vehicles| {
			vehicles.try_push(vehicle).map_err(|_| Error::<T>::TooManyVehicles)
		})?;
		Self::forget_owned(&owner, vehicle);

		// The new ownership version makes every access grant of the old owner read as absent;
		// the consents are one value, removed in one write.
		record.transfers = transfers;
		record.owner = new_owner.clone();
		record.storage = StorageBackend::default();
		record.owned_since = frame_system::Pallet::<T>::block_number();
		Vehicles::<T>::insert(vehicle, record);
		CollectorConsents::<T>::remove(vehicle);
		Self::log_consents(vehicle, |history, now| history.end(None, now));
		TransferOffers::<T>::remove(vehicle);
		T::OnTransfer::on_vehicle_transfer(vehicle, &owner, &new_owner);
		Ok(transfers)
	}

	pub(crate) fn do_retire(owner: &T::AccountId, vehicle: VehicleId) -> DispatchResult {
		let record = Self::owned_vehicle(owner, vehicle)?;
		ensure!(!ReclaimClaims::<T>::contains_key(vehicle), Error::<T>::ReclaimOpen);
		T::Currency::release(
			&HoldReason::VehicleDeposit.into(),
			&record.depositor,
			record.deposit,
			Precision::BestEffort,
		)?;
		Self::forget_owned(owner, vehicle);
		VehicleByReference::<T>::remove(record.oem, record.oem_ref_hash);
		CollectorConsents::<T>::remove(vehicle);
		ConsentHistories::<T>::remove(vehicle);
		TransferOffers::<T>::remove(vehicle);
		OwnedByTransfer::<T>::remove(vehicle);
		Vehicles::<T>::remove(vehicle);
		T::OnRetire::on_vehicle_retired(vehicle);
		Self::deposit_event(Event::Retired {
			vehicle,
			owner: owner.clone(),
			depositor: record.depositor,
			deposit: record.deposit,
		});
		Ok(())
	}

	pub(crate) fn do_authorize_collector(
		owner: &T::AccountId,
		vehicle: VehicleId,
		collector: T::AccountId,
		until: Option<BlockNumberFor<T>>,
	) -> DispatchResult {
		let record = Self::owned_vehicle(owner, vehicle)?;
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(until.is_none_or(|until| until > now), Error::<T>::ExpiryNotInFuture);

		CollectorConsents::<T>::try_mutate(vehicle, |consents| -> DispatchResult {
			// Expired consents make room: they hold nothing any more.
			consents.retain(|consent| consent.is_live_at(&now) || consent.collector == collector);
			match consents.iter_mut().find(|consent| consent.collector == collector) {
				Some(consent) => consent.until = until,
				None => consents
					.try_push(CollectorConsent { collector: collector.clone(), until })
					.map_err(|_| Error::<T>::TooManyCollectors)?,
			}
			Ok(())
		})?;
		Self::log_consents(vehicle, |history, now| {
			history.end(Some(&collector), now);
			history.begin(collector.clone(), record.storage, now, until);
		});
		Self::deposit_event(Event::CollectorAuthorized { vehicle, collector, until });
		Ok(())
	}

	pub(crate) fn do_revoke_collector(
		owner: &T::AccountId,
		vehicle: VehicleId,
		collector: T::AccountId,
	) -> DispatchResult {
		Self::owned_vehicle(owner, vehicle)?;
		CollectorConsents::<T>::try_mutate_exists(vehicle, |maybe_consents| -> DispatchResult {
			let consents = maybe_consents.as_mut().ok_or(Error::<T>::CollectorNotAuthorized)?;
			let position = consents
				.iter()
				.position(|consent| consent.collector == collector)
				.ok_or(Error::<T>::CollectorNotAuthorized)?;
			consents.remove(position);
			if consents.is_empty() {
				*maybe_consents = None;
			}
			Ok(())
		})?;
		Self::log_consents(vehicle, |history, now| history.end(Some(&collector), now));
		Self::deposit_event(Event::CollectorRevoked { vehicle, collector });
		Ok(())
	}

	pub(crate) fn do_set_storage(
		owner: &T::AccountId,
		vehicle: VehicleId,
		backend: StorageBackend,
	) -> DispatchResult {
		let mut record = Self::owned_vehicle(owner, vehicle)?;
		if record.storage != backend {
			Self::log_consents(vehicle, |history, now| history.change_backend(backend, now));
		}
		record.storage = backend;
		Vehicles::<T>::insert(vehicle, record);
		Self::deposit_event(Event::StorageSet { vehicle, backend });
		Ok(())
	}

	/// Applies `change` to the consent history of `vehicle`, at the current block; an empty
	/// history is not stored.
	fn log_consents(
		vehicle: VehicleId,
		change: impl FnOnce(&mut ConsentHistoryOf<T>, BlockNumberFor<T>),
	) {
		let now = frame_system::Pallet::<T>::block_number();
		ConsentHistories::<T>::mutate_exists(vehicle, |maybe_history| {
			let history = maybe_history.get_or_insert_with(|| ConsentHistory {
				spans: Default::default(),
				complete_from: Zero::zero(),
			});
			change(history, now);
			if history.spans.is_empty() && history.complete_from.is_zero() {
				*maybe_history = None;
			}
		});
	}

	/// Whether the consent history of `vehicle` shows that `collector` could collect it onto
	/// `backend` at block `at`.
	pub(crate) fn past_consent(
		vehicle: VehicleId,
		collector: &T::AccountId,
		backend: StorageBackend,
		at: BlockNumberFor<T>,
	) -> PastConsent {
		let Some(history) = ConsentHistories::<T>::get(vehicle) else {
			return PastConsent::NotGiven;
		};
		let given = history.spans.iter().any(|span| {
			span.collector == *collector && span.backend == backend && span.covers(&at)
		});
		if given {
			PastConsent::Given
		} else if at < history.complete_from {
			PastConsent::Forgotten
		} else {
			PastConsent::NotGiven
		}
	}

	/// The record of `vehicle`, if `who` owns it.
	fn owned_vehicle(who: &T::AccountId, vehicle: VehicleId) -> Result<VehicleOf<T>, Error<T>> {
		let record = Vehicles::<T>::get(vehicle).ok_or(Error::<T>::UnknownVehicle)?;
		ensure!(record.owner == *who, Error::<T>::NotOwner);
		Ok(record)
	}

	/// Removes `vehicle` from the list of `owner`'s vehicles.
	fn forget_owned(owner: &T::AccountId, vehicle: VehicleId) {
		VehiclesOf::<T>::mutate_exists(owner, |maybe_vehicles| {
			if let Some(vehicles) = maybe_vehicles {
				vehicles.retain(|owned| *owned != vehicle);
				if vehicles.is_empty() {
					*maybe_vehicles = None;
				}
			}
		});
	}

	/// The vehicles of `owner`, for the runtime API.
	pub fn vehicles_of(owner: &T::AccountId) -> Vec<VehicleId> {
		VehiclesOf::<T>::get(owner).into_inner()
	}

	/// A vehicle, for the runtime API.
	pub fn vehicle(
		vehicle: VehicleId,
	) -> Option<VehicleDetails<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
		Vehicles::<T>::get(vehicle).map(|record| VehicleDetails { id: vehicle, vehicle: record })
	}

	/// The consents of a vehicle that hold now, for the runtime API.
	pub fn consents(vehicle: VehicleId) -> Option<Consents<T::AccountId, BlockNumberFor<T>>> {
		let record = Vehicles::<T>::get(vehicle)?;
		let now = frame_system::Pallet::<T>::block_number();
		let collectors = CollectorConsents::<T>::get(vehicle)
			.into_iter()
			.filter(|consent| consent.is_live_at(&now))
			.collect();
		Some(Consents { storage: record.storage, collectors })
	}

	/// Checks the invariants of the registry:
	///
	/// - every vehicle is in its owner's list, and every listed vehicle is owned by the list's
	///   account;
	/// - every vehicle is indexed under its OEM reference, and the index holds nothing else;
	/// - every vehicle's id is below the next id;
	/// - consents exist only for registered vehicles, never empty, never twice for a collector;
	/// - every consent that holds now is an open span of the consent history, onto the
	///   vehicle's backend; histories exist only for registered vehicles;
	/// - transfer offers exist only for registered vehicles.
	#[cfg(any(feature = "try-runtime", feature = "std"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let next = NextVehicleId::<T>::get();
		let mut vehicles = 0usize;
		for (id, record) in Vehicles::<T>::iter() {
			vehicles = vehicles.saturating_add(1);
			ensure!(id < next, "a vehicle id is not below the next id");
			ensure!(
				VehiclesOf::<T>::get(&record.owner).contains(&id),
				"a vehicle is missing from its owner's list"
			);
			ensure!(
				VehicleByReference::<T>::get(record.oem, record.oem_ref_hash) == Some(id),
				"a vehicle is not indexed under its OEM reference"
			);
		}
		for (id, ()) in OwnedByTransfer::<T>::iter() {
			ensure!(Vehicles::<T>::contains_key(id), "a vehicle owned by transfer does not exist");
		}
		for (id, claim) in ReclaimClaims::<T>::iter() {
			let record = Vehicles::<T>::get(id).ok_or("a reclaim is open for no vehicle")?;
			ensure!(record.transfers == claim.transfers, "a reclaim outlived its ownership");
			ensure!(record.owner != claim.claimant, "a reclaim's claimant owns the vehicle");
		}
		let mut listed = 0usize;
		for (owner, owned) in VehiclesOf::<T>::iter() {
			ensure!(!owned.is_empty(), "an empty list of vehicles is stored");
			for id in owned {
				listed = listed.saturating_add(1);
				let record = Vehicles::<T>::get(id).ok_or("a listed vehicle does not exist")?;
				ensure!(
					record.owner == owner,
					"a vehicle is listed under an account not its owner"
				);
			}
		}
		ensure!(listed == vehicles, "owners' lists and vehicles disagree");
		ensure!(
			VehicleByReference::<T>::iter().count() == vehicles,
			"the OEM reference index holds vehicles that do not exist"
		);
		for (id, offer) in TransferOffers::<T>::iter() {
			let record =
				Vehicles::<T>::get(id).ok_or("an offer of a vehicle that does not exist")?;
			ensure!(offer.transfers <= record.transfers, "an offer from a later owner");
		}
		let now = frame_system::Pallet::<T>::block_number();
		for (id, history) in ConsentHistories::<T>::iter() {
			let record = Vehicles::<T>::get(id).ok_or("a history of a vehicle that is gone")?;
			for span in &history.spans {
				ensure!(span.until.is_none_or(|until| span.from < until), "an empty span");
			}
			// Every consent that holds now is in the history, onto the current backend.
			for consent in CollectorConsents::<T>::get(id).iter().filter(|c| c.is_live_at(&now)) {
				ensure!(
					history.spans.iter().any(|span| span.collector == consent.collector
						&& span.backend == record.storage
						&& span.until == consent.until
						&& span.covers(&now)),
					"a consent that holds now is not in the history"
				);
			}
		}
		for (id, consents) in CollectorConsents::<T>::iter() {
			ensure!(Vehicles::<T>::contains_key(id), "consents of a vehicle that does not exist");
			ensure!(
				ConsentHistories::<T>::contains_key(id),
				"consents of a vehicle without a history"
			);
			ensure!(!consents.is_empty(), "an empty list of consents is stored");
			for (index, consent) in consents.iter().enumerate() {
				ensure!(
					consents
						.iter()
						.skip(index.saturating_add(1))
						.all(|c| c.collector != consent.collector),
					"a collector is listed twice"
				);
			}
		}
		Ok(())
	}
}
