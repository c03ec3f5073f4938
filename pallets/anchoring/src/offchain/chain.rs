//! What the worker asks the chain, and what it sends it, written once for both modes: the
//! owner's consent, how far the chain holds a vehicle's readings, and the signed submission of
//! a batch or a commitment as an authorized transaction (no fee, no nonce: the pool checks the
//! collector key's signature).

use super::{StepResult, Stop};
use crate::{pallet::*, AnchorBatch, AnchorRecord};
use alloc::{format, vec::Vec};
use dimo_primitives::vehicle::{ConsentProvider, StorageBackend, VehicleId};
use frame_system::{
	offchain::{CreateAuthorizedTransaction, SubmitTransaction},
	pallet_prelude::BlockNumberFor,
};
use sp_runtime::{traits::Zero, RuntimeAppPublic};

impl<T: Config + CreateAuthorizedTransaction<Call<T>>> Pallet<T> {
	/// Whether `vehicle`'s owner lets `account` collect it at `now` onto `backend`: a reading
	/// stored elsewhere than the owner now chooses is not anchored.
	pub(super) fn consents_onto(
		vehicle: VehicleId,
		account: &T::AccountId,
		now: BlockNumberFor<T>,
		backend: StorageBackend,
	) -> bool {
		T::Vehicles::may_collect(vehicle, account, now)
			&& T::Vehicles::storage_backend(vehicle) == Some(backend)
	}

	/// The end of the last window the chain holds for `vehicle`, if it holds one that a reading
	/// observed from `observed_from` does not come after: such a reading can no longer be
	/// anchored (the chain refuses a window it already holds, [`Error::StaleWindow`]).
	pub(super) fn anchored_past(vehicle: VehicleId, observed_from: u64) -> Option<u64> {
		let head = Heads::<T>::get(vehicle);
		(head.next_seq > 0 && observed_from <= head.last_observed_to)
			.then_some(head.last_observed_to)
	}

	/// What the collector signs a batch or a commitment for: this chain's genesis hash.
	pub(super) fn genesis_hash() -> T::Hash {
		frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero())
	}

	/// Signs `payload` with the collector key `key`, makes the call from the signature and
	/// submits it as an authorized transaction. `what` names it in the stop if the pool does
	/// not take it (most often: the same one is still in the pool from the last run).
	pub(super) fn sign_and_submit(
		key: &T::CollectorId,
		payload: &[u8],
		call: impl FnOnce(CollectorSignatureOf<T>) -> Call<T>,
		what: &str,
	) -> StepResult {
		let signature = key
			.sign(&payload)
			.ok_or_else(|| Stop::error("the keystore could not sign with the collector key"))?;
		let transaction = T::create_authorized_transaction(call(signature).into());
		SubmitTransaction::<T, Call<T>>::submit_transaction(transaction)
			.map_err(|()| Stop::debug(format!("the pool did not take the {what}")))
	}

	/// Signs and submits `records` as one anchor batch.
	pub(super) fn submit_batch(key: T::CollectorId, records: Vec<AnchorRecord>) -> StepResult {
		let count = records.len();
		let records = records
			.try_into()
			.map_err(|_| Stop::error(format!("a batch of {count} records exceeds the bound")))?;
		let batch = AnchorBatch { collector: key.clone(), records };
		let payload = batch.signing_payload(&Self::genesis_hash());
		Self::sign_and_submit(
			&key,
			&payload,
			|signature| Call::anchor_batch { batch, signature },
			"anchor batch",
		)?;
		log::info!(target: super::LOG_TARGET, "submitted an anchor batch ({count} readings)");
		Ok(())
	}
}
