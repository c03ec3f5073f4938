//! The node's offchain storage as the tests share it between the worker's side and a service.

use codec::Decode;
use dimo_offchain::push_inbox::{segment_key, Inbox, PushedReading, INBOX_KEY};
use sp_core::offchain::{storage::InMemOffchainStorage, OffchainStorage};
use std::{
	sync::Arc,
	time::{Duration, Instant},
};

/// The prefix of the node's persistent offchain storage.
const PREFIX: &[u8] = sp_offchain::STORAGE_PREFIX;

/// What runs once, on the storage, just before the next compare-and-set: another writer
/// changing the value under the caller.
type Race = Box<dyn FnOnce(&mut InMemOffchainStorage) + Send>;

/// In-memory offchain storage behind a shared lock: clones see the same entries.
#[derive(Clone, Default)]
pub(crate) struct Shared {
	storage: Arc<parking_lot::Mutex<InMemOffchainStorage>>,
	race: Arc<parking_lot::Mutex<Option<Race>>>,
	reads: Arc<std::sync::atomic::AtomicUsize>,
}

impl Shared {
	/// Runs `race` on the storage just before the next compare-and-set, once.
	pub(crate) fn race_next_compare_and_set(
		&self,
		race: impl FnOnce(&mut InMemOffchainStorage) + Send + 'static,
	) {
		*self.race.lock() = Some(Box::new(race));
	}

	/// How many times a value was read so far (a writer that found the inbox full has read it).
	pub(crate) fn reads(&self) -> usize {
		self.reads.load(std::sync::atomic::Ordering::Relaxed)
	}

	/// The push inbox's list of segments.
	pub(crate) fn inbox(&self) -> Inbox {
		self.get(PREFIX, INBOX_KEY)
			.map(|bytes| Inbox::decode(&mut &bytes[..]).expect("decodes"))
			.unwrap_or_default()
	}

	/// Every reading the push inbox holds, oldest segment first.
	pub(crate) fn queued(&self) -> Vec<PushedReading> {
		self.inbox()
			.segments
			.iter()
			.flat_map(|segment| {
				let bytes = self.get(PREFIX, &segment_key(segment.seq)).expect("listed");
				Vec::<PushedReading>::decode(&mut &bytes[..]).expect("decodes")
			})
			.collect()
	}

	/// The push inbox's readings once it holds `count`; fails the test after `within`.
	pub(crate) async fn wait_for_readings(
		&self,
		count: usize,
		within: Duration,
	) -> Vec<PushedReading> {
		let deadline = Instant::now() + within;
		loop {
			let readings = self.queued();
			if readings.len() >= count {
				return readings;
			}
			assert!(Instant::now() < deadline, "{} of {count} readings queued", readings.len());
			tokio::time::sleep(Duration::from_millis(20)).await;
		}
	}
}

impl OffchainStorage for Shared {
	fn set(&mut self, prefix: &[u8], key: &[u8], value: &[u8]) {
		self.storage.lock().set(prefix, key, value)
	}
	fn remove(&mut self, prefix: &[u8], key: &[u8]) {
		self.storage.lock().remove(prefix, key)
	}
	fn get(&self, prefix: &[u8], key: &[u8]) -> Option<Vec<u8>> {
		self.reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
		self.storage.lock().get(prefix, key)
	}
	fn compare_and_set(
		&mut self,
		prefix: &[u8],
		key: &[u8],
		old: Option<&[u8]>,
		new: &[u8],
	) -> bool {
		let mut storage = self.storage.lock();
		if let Some(race) = self.race.lock().take() {
			race(&mut storage);
		}
		storage.compare_and_set(prefix, key, old, new)
	}
}
