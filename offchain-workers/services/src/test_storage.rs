//! The node's offchain storage as the tests share it between the worker's side and a service.

use sp_core::offchain::{storage::InMemOffchainStorage, OffchainStorage};
use std::sync::Arc;

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
