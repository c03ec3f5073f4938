//! The node's store of each vehicle's recent readings ([`dimo_offchain::readings`]), as the
//! gateway reads it: the offchain worker keeps each reading sealed in a ring of
//! `--collector-keep-readings` slots per vehicle, and this opens them.

use codec::Decode;
use dimo_offchain::{
	credentials::VEHICLES_KEY,
	readings::{head_key, slot_key, Head, KeptReading},
	seal::{SealKey, Sealed},
	settings::{Settings, SETTINGS_KEY},
};
use dimo_primitives::vehicle::VehicleId;
use sp_core::offchain::OffchainStorage;
use sp_keystore::KeystorePtr;

/// The kept readings in the node's offchain storage `S`, opened with its sealing key.
pub struct KeptReadings<S> {
	storage: S,
	seal_key: SealKey,
	keep: u32,
}

impl<S: OffchainStorage> KeptReadings<S> {
	/// The store in `storage`, opened with `keystore`'s sealing key; `None` if the node has
	/// no sealing key (it never collected).
	pub fn open(storage: S, keystore: &KeystorePtr) -> Option<Self> {
		let seal_key = crate::node_seal_key(keystore, false).ok().flatten()?;
		let keep = storage
			.get(sp_offchain::STORAGE_PREFIX, SETTINGS_KEY)
			.and_then(|bytes| Settings::decode(&mut &bytes[..]).ok())
			.unwrap_or_default()
			.keep_readings;
		Some(Self { storage, seal_key, keep })
	}

	fn get<V: Decode>(&self, key: &[u8]) -> Option<V> {
		let bytes = self.storage.get(sp_offchain::STORAGE_PREFIX, key)?;
		V::decode(&mut &bytes[..]).ok()
	}

	/// The number of the next reading of `vehicle`; `None` if the node never kept one and
	/// holds no credentials for it (it does not collect it).
	pub fn next(&self, vehicle: VehicleId) -> Option<u64> {
		self.get::<Head>(&head_key(vehicle)).map(|head| head.next).or_else(|| {
			let held: Vec<VehicleId> = self.get(VEHICLES_KEY).unwrap_or_default();
			held.contains(&vehicle).then_some(0)
		})
	}

	/// Reading `number` of `vehicle`, if still kept.
	pub fn reading(&self, vehicle: VehicleId, number: u64) -> Option<KeptReading> {
		let slot = slot_key(vehicle, number, self.keep);
		let sealed: Sealed = self.get(&slot)?;
		let reading: KeptReading = self.seal_key.open_value(&slot, &sealed)?;
		(reading.number == number).then_some(reading)
	}

	/// The oldest reading number that may still be kept, when `next` comes next.
	pub fn oldest(&self, next: u64) -> u64 {
		next.saturating_sub(u64::from(self.keep))
	}
}
