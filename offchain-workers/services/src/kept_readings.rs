//! The node's store of each vehicle's readings ([`dimo_offchain::readings`]), as the gateway
//! reads it: the offchain worker keeps each reading sealed in a ring of
//! `--collector-keep-readings` slots per vehicle and in its history (for
//! `--collector-keep-days`), and this opens them.
//!
//! A reading still in the ring is served from there. One the ring has moved past is served
//! from the history: whole if the collector is where it is kept (`Local`, Arweave), or read
//! back from IPFS ([`from_storage`]): the envelope fetched by the CID the history names, checked
//! against it, and the part of the stream's class opened with the collector's content key of
//! the id the envelope names ([`dimo_offchain::content_keys::key_by_id_key`]).

use std::time::Duration;

use codec::Decode;
use dimo_offchain::{
	cid::Cid,
	content_keys::{class_keys_key, key_by_id_key, ClassKeys},
	credentials::VEHICLES_KEY,
	envelope::{self, HeaderV3},
	ipfs,
	readings::{
		head_key, history_head_key, history_key, slot_key, Archived, Head, HistoryHead, KeptReading,
	},
	seal::{SealKey, Sealed},
	settings::{Settings, SETTINGS_KEY},
	streams::Class,
};
use dimo_primitives::vehicle::VehicleId;
use sp_core::offchain::OffchainStorage;
use sp_keystore::KeystorePtr;

use crate::https::{fetch, HttpsClient};

/// How long the gateway waits for IPFS to answer for one envelope.
const IPFS_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest envelope read back from IPFS: one IPFS chunk, the most an envelope is sealed to.
const MAX_ENVELOPE_BYTES: usize = 1 << 20;

/// A reading found in the store.
#[derive(Clone, Debug, PartialEq)]
pub enum Found {
	/// The reading itself, from the ring.
	Recent(KeptReading),
	/// The reading itself, from the history: the collector keeps it whole.
	Archived(KeptReading),
	/// A reading whose envelope is on IPFS: the history names its CID, the record is there.
	OnIpfs {
		/// The reading without its record (`record` empty, `raw` none), its CID in
		/// `envelope_cid`.
		reading: KeptReading,
		/// When it was observed, Unix ms.
		observed_at: u64,
	},
}

/// The kept readings in the node's offchain storage `S`, opened with its sealing key.
pub struct KeptReadings<S> {
	storage: S,
	seal_key: SealKey,
	keep: u32,
	ipfs_api: String,
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
		let ipfs_api = ipfs::api_url(
			storage
				.get(sp_offchain::STORAGE_PREFIX, ipfs::API_URL_KEY)
				.and_then(|bytes| Vec::<u8>::decode(&mut &bytes[..]).ok()),
		);
		Some(Self { storage, seal_key, keep, ipfs_api })
	}

	fn get<V: Decode>(&self, key: &[u8]) -> Option<V> {
		let bytes = self.storage.get(sp_offchain::STORAGE_PREFIX, key)?;
		V::decode(&mut &bytes[..]).ok()
	}

	fn get_sealed<V: Decode>(&self, key: &[u8]) -> Option<V> {
		let sealed: Sealed = self.get(key)?;
		self.seal_key.open_value(key, &sealed)
	}

	/// The number of the next reading of `vehicle`; `None` if the node never kept one and
	/// holds no credentials for it (it does not collect it).
	pub fn next(&self, vehicle: VehicleId) -> Option<u64> {
		self.get::<Head>(&head_key(vehicle)).map(|head| head.next).or_else(|| {
			let held: Vec<VehicleId> = self.get(VEHICLES_KEY).unwrap_or_default();
			held.contains(&vehicle).then_some(0)
		})
	}

	/// Reading `number` of `vehicle` from its ring slot, if the ring still holds it.
	pub fn recent(&self, vehicle: VehicleId, number: u64) -> Option<KeptReading> {
		let reading: KeptReading = self.get_sealed(&slot_key(vehicle, number, self.keep))?;
		(reading.number == number).then_some(reading)
	}

	/// Reading `number` of `vehicle` from its history, if still archived.
	pub fn archived(&self, vehicle: VehicleId, number: u64) -> Option<Archived> {
		let archived: Archived = self.get_sealed(&history_key(vehicle, number))?;
		(archived.reading.number == number).then_some(archived)
	}

	/// Reading `number` of `vehicle`, when `next` comes next: from the ring if it still holds it
	/// (only numbers in the ring's range are looked for there), else from the history.
	pub fn reading(&self, vehicle: VehicleId, number: u64, next: u64) -> Option<Found> {
		if number >= self.oldest_recent(next) {
			if let Some(reading) = self.recent(vehicle, number) {
				return Some(Found::Recent(reading));
			}
		}
		let archived = self.archived(vehicle, number)?;
		Some(if archived.in_storage() {
			Found::OnIpfs { observed_at: archived.observed_at, reading: archived.reading }
		} else {
			Found::Archived(archived.reading)
		})
	}

	/// When reading `number` of `vehicle` was observed (Unix ms), by its history, else by its
	/// record in the ring; `None` if neither holds it.
	pub fn observed_at(&self, vehicle: VehicleId, number: u64) -> Option<u64> {
		if let Some(archived) = self.archived(vehicle, number) {
			return Some(archived.observed_at);
		}
		let reading = self.recent(vehicle, number)?;
		dimo_offchain::record::Record::from_canonical_bytes(&reading.record).map(|r| r.to)
	}

	/// The oldest reading number the ring may still hold, when `next` comes next.
	pub fn oldest_recent(&self, next: u64) -> u64 {
		next.saturating_sub(u64::from(self.keep))
	}

	/// The oldest reading number of `vehicle` that may still be kept, when `next` comes next:
	/// the history's first, or the ring's oldest if that is older (readings kept before the
	/// history existed).
	pub fn oldest(&self, vehicle: VehicleId, next: u64) -> u64 {
		let ring = self.oldest_recent(next);
		let history = self.get::<HistoryHead>(&history_head_key(vehicle)).unwrap_or_default();
		history.first.min(ring)
	}

	/// The first reading number of `vehicle` in `oldest..next` observed at or after `since`
	/// (Unix ms): a binary search, readings being numbered in the order they were observed. A
	/// number the store no longer holds counts as older.
	pub fn first_since(&self, vehicle: VehicleId, oldest: u64, next: u64, since: u64) -> u64 {
		let (mut low, mut high) = (oldest, next);
		while low < high {
			let middle = low + (high - low) / 2;
			match self.observed_at(vehicle, middle) {
				Some(at) if at >= since => high = middle,
				_ => low = middle.saturating_add(1),
			}
		}
		low
	}

	/// `vehicle`'s content key `id`: as the worker keeps every key it made by its id, else among
	/// the keys in use (one made before keys were kept by id, not rotated since).
	pub fn content_key(&self, vehicle: VehicleId, id: u32) -> Option<[u8; 32]> {
		self.get_sealed(&key_by_id_key(vehicle, id)).or_else(|| {
			let in_use: ClassKeys = self.get_sealed(&class_keys_key(vehicle))?;
			in_use.keys.iter().find(|(_, key)| key.id == id).map(|(_, key)| key.key)
		})
	}

	/// The node's IPFS RPC API, as `--collector-ipfs-api` set it.
	pub fn ipfs_api(&self) -> &str {
		&self.ipfs_api
	}
}

/// Why a reading was not read back from storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageError {
	/// The history names no CID, or not one of an envelope (raw, sha2-256).
	NoCid,
	/// IPFS did not answer, or answered with an error.
	Ipfs(String),
	/// What IPFS answered is not the block of that CID.
	Mismatch,
	/// The envelope does not parse (or is of a version before parts).
	Envelope(envelope::EnvelopeError),
	/// The collector no longer holds the content key the part names.
	NoKey(u32),
}

/// The `class` part of the envelope of `reading` (found [`Found::OnIpfs`]), fetched with
/// `client` from the node's IPFS API, checked against its CID, and opened with the key of
/// `store` it names. `Ok(None)` if the envelope has no such part (a reading without a position has no
/// location part). Returns the envelope's header with the part.
pub async fn from_storage<S: OffchainStorage>(
	store: &KeptReadings<S>,
	client: &HttpsClient,
	vehicle: VehicleId,
	reading: &KeptReading,
	class: Class,
) -> Result<Option<(HeaderV3, Vec<u8>)>, StorageError> {
	let cid = reading
		.envelope_cid
		.as_deref()
		.and_then(|bytes| Cid::from_bytes(bytes).ok())
		.ok_or(StorageError::NoCid)?;
	let request = dimo_offchain::oem::Request {
		method: "POST",
		url: ipfs::block_get_url(store.ipfs_api(), &cid),
		headers: Vec::new(),
		body: Vec::new(),
	};
	let answer = fetch(client, request, MAX_ENVELOPE_BYTES, IPFS_TIMEOUT)
		.await
		.map_err(StorageError::Ipfs)?;
	if answer.status != 200 {
		return Err(StorageError::Ipfs(format!("{}: {}", answer.status, answer.body_text(200))));
	}
	if Cid::of_raw(&answer.body) != cid {
		return Err(StorageError::Mismatch);
	}
	let header = HeaderV3::parse(&answer.body).map_err(StorageError::Envelope)?;
	let Some(key_id) = header.parts.iter().find(|part| part.class == class).map(|p| p.key_id)
	else {
		return Ok(None);
	};
	let key = store.content_key(vehicle, key_id).ok_or(StorageError::NoKey(key_id))?;
	envelope::open_part(&answer.body, class, &key, key_id).map(Some).map_err(StorageError::Envelope)
}

#[cfg(test)]
mod tests {
	use super::*;
	use codec::Encode;
	use dimo_offchain::readings::DEFAULT_KEEP_DAYS;
	use sp_core::offchain::storage::InMemOffchainStorage;
	use sp_keystore::testing::MemoryKeystore;
	use std::sync::Arc;

	const VEHICLE: VehicleId = 7;

	fn reading(number: u64, on_ipfs: bool) -> KeptReading {
		KeptReading {
			number,
			owner: [1; 32],
			record: format!(r#"{{"n":{number}}}"#).into_bytes(),
			raw: None,
			envelope_cid: on_ipfs.then(|| Cid::of_raw(&[number as u8]).as_bytes().to_vec()),
			key_id: 1,
		}
	}

	/// A store with a ring of 2 and readings 0 to 4 observed a second apart: 0 pruned from the
	/// history, 1 kept whole (Local), 2 on IPFS, 3 and 4 in the ring as well; content key 1 by
	/// its id, key 5 in use only.
	fn store() -> KeptReadings<InMemOffchainStorage> {
		let keystore: KeystorePtr = Arc::new(MemoryKeystore::new());
		let seal_key = crate::node_seal_key(&keystore, true).expect("made").expect("a key");
		let mut storage = InMemOffchainStorage::default();
		let mut set = |key: &[u8], value: Vec<u8>| {
			storage.set(sp_offchain::STORAGE_PREFIX, key, &value);
		};
		let settings = Settings { keep_readings: 2, ..Settings::default() };
		assert_eq!(settings.keep_days, DEFAULT_KEEP_DAYS);
		set(SETTINGS_KEY, settings.encode());
		fn sealed<V: Encode>(seal_key: &SealKey, key: Vec<u8>, value: &V) -> (Vec<u8>, Vec<u8>) {
			let value = seal_key.seal_value(&key, [3; 24], value).encode();
			(key, value)
		}
		let mut entries = Vec::new();
		for number in 1..5u64 {
			let archived = Archived::new(number * 1_000, reading(number, number == 2), true);
			entries.push(sealed(&seal_key, history_key(VEHICLE, number), &archived));
		}
		for number in 3..5u64 {
			entries.push(sealed(&seal_key, slot_key(VEHICLE, number, 2), &reading(number, false)));
		}
		entries.push(sealed(&seal_key, key_by_id_key(VEHICLE, 1), &[9u8; 32]));
		// Key 5 is in use, made before keys were kept by id.
		let in_use = ClassKeys {
			last_id: 5,
			keys: vec![(
				Class::NonLocation,
				dimo_offchain::content_keys::ClassKey {
					id: 5,
					key: [5; 32],
					readers: Default::default(),
					wraps: Vec::new(),
				},
			)],
		};
		entries.push(sealed(&seal_key, class_keys_key(VEHICLE), &in_use));
		for (key, value) in entries {
			set(&key, value);
		}
		set(&head_key(VEHICLE), Head { next: 5 }.encode());
		set(&history_head_key(VEHICLE), HistoryHead { first: 1 }.encode());
		KeptReadings::open(storage, &keystore).expect("the node has a sealing key")
	}

	#[test]
	fn a_reading_comes_from_the_ring_else_from_the_history_else_from_ipfs() {
		let store = store();
		assert_eq!(store.next(VEHICLE), Some(5));
		assert_eq!(store.next(VEHICLE + 1), None, "not collected here");
		assert_eq!(store.reading(VEHICLE, 4, 5), Some(Found::Recent(reading(4, false))));
		assert_eq!(store.reading(VEHICLE, 1, 5), Some(Found::Archived(reading(1, false))));
		let Some(Found::OnIpfs { reading: on_ipfs, observed_at }) = store.reading(VEHICLE, 2, 5)
		else {
			panic!("reading 2 is on IPFS")
		};
		assert_eq!((on_ipfs.number, observed_at, on_ipfs.record.len()), (2, 2_000, 0));
		assert_eq!(on_ipfs.envelope_cid, reading(2, true).envelope_cid);
		assert_eq!(store.reading(VEHICLE, 0, 5), None, "pruned");
		assert_eq!(store.reading(VEHICLE, 5, 5), None, "not yet");
		assert_eq!((store.oldest(VEHICLE, 5), store.oldest_recent(5)), (1, 3));
		assert_eq!(store.content_key(VEHICLE, 1), Some([9; 32]));
		assert_eq!(store.content_key(VEHICLE, 5), Some([5; 32]), "among the keys in use");
		assert_eq!(store.content_key(VEHICLE, 2), None);
		assert_eq!(store.ipfs_api(), ipfs::DEFAULT_API_URL);
	}

	#[test]
	fn a_time_range_starts_at_the_first_reading_observed_since() {
		let store = store();
		let first_since = |since| store.first_since(VEHICLE, 1, 5, since);
		assert_eq!(first_since(0), 1);
		assert_eq!(first_since(1_000), 1);
		assert_eq!(first_since(1_001), 2);
		assert_eq!(first_since(2_500), 3);
		assert_eq!(first_since(4_000), 4);
		assert_eq!(first_since(4_001), 5, "none: the next reading");
		// Readings the store no longer holds count as older.
		assert_eq!(store.first_since(VEHICLE, 0, 5, 0), 1);
	}

	#[test]
	fn a_reading_without_an_envelope_cid_is_not_fetched() {
		let store = store();
		let client = crate::https::https_client().expect("a client");
		let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
		let fetched = runtime.block_on(from_storage(
			&store,
			&client,
			VEHICLE,
			&reading(1, false),
			Class::NonLocation,
		));
		assert_eq!(fetched, Err(StorageError::NoCid));
	}
}
