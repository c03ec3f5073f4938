//! The collector's IPFS importer: `dag/import`s into the node's IPFS (`--collector-ipfs-api`)
//! the archives that commitment-mode runs left in the IPFS spool
//! ([`dimo_offchain::ipfs_spool`]), oldest first, and removes each from the spool once IPFS
//! answered that it imported and pinned that very root.
//!
//! It runs in the node, beside the worker, so that a run does not wait for IPFS: on the dev
//! IPFS node an archive of 2,000 readings takes about a second to import, which the run used to
//! spend idle. Now the import of one run's archive overlaps the next run's polling, and the
//! spool's bounds turn an IPFS that falls behind into backpressure (the worker stops polling)
//! rather than memory.
//!
//! An archive IPFS refuses (unreachable, an error status, another root, a pin error) stays
//! spooled and is tried again, the next round after a pause that doubles up to
//! [`MAX_PAUSE`]; the warning says why, once, then about once a minute.

use std::time::{Duration, Instant};

use crate::{
	https::{fetch, https_client, HttpsClient},
	now_ms,
};
use dimo_offchain::{
	cid::multibase32,
	ipfs::{self, check_import_answer},
	ipfs_spool::{self, Spooled, SPOOL_KEY},
	oem::Request,
};
use sp_core::offchain::OffchainStorage;

/// The log target of the importer's lines.
pub const LOG_TARGET: &str = "dimo::ipfs";

/// How often the importer looks at the spool when it is empty.
pub const ROUND_EVERY: Duration = Duration::from_millis(200);

/// The longest pause after IPFS refused an archive.
pub const MAX_PAUSE: Duration = Duration::from_secs(30);

/// How long IPFS may take to import one archive (at most the spool's bytes).
const IMPORT_TIMEOUT: Duration = Duration::from_secs(120);

/// The largest answer read from IPFS: an import's answer is a line or two of JSON.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// How many times a removal is tried when the worker wrote the spool meanwhile.
const WRITE_TRIES: u32 = 5;

/// A repeated warning is said again after this long.
const REPEAT_WARNING_AFTER: Duration = Duration::from_secs(60);

const PREFIX: &[u8] = sp_offchain::STORAGE_PREFIX;

/// What one round did.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Round {
	/// Archives imported and removed from the spool.
	pub imported: usize,
	/// Whether IPFS refused an archive (the round stopped there).
	pub refused: bool,
}

/// The importer, over the node's offchain storage `S`.
pub struct Importer<S> {
	storage: S,
	/// The IPFS RPC API's root URL.
	api: String,
	https: HttpsClient,
	/// The pause before the next try after a refusal.
	pause: Duration,
	/// The warning logged last, and when.
	last_warning: parking_lot::Mutex<Option<(String, Instant)>>,
}

impl<S: OffchainStorage + 'static> Importer<S> {
	/// An importer of `storage`'s spool into the IPFS RPC API at `api`.
	pub fn new(storage: S, api: String) -> Result<Self, std::io::Error> {
		Ok(Self {
			storage,
			api: api.trim_end_matches('/').to_string(),
			https: https_client()?,
			pause: ROUND_EVERY,
			last_warning: Default::default(),
		})
	}

	/// Imports for as long as the node runs.
	pub async fn run(mut self) {
		loop {
			let round = self.round().await;
			if round.refused {
				tokio::time::sleep(self.pause).await;
				self.pause = (self.pause * 2).min(MAX_PAUSE);
				continue;
			}
			self.pause = ROUND_EVERY;
			// An archive imported: look again at once, the worker may have spooled another.
			if round.imported == 0 {
				tokio::time::sleep(ROUND_EVERY).await;
			}
		}
	}

	/// The spool's list as stored (its bytes, for compare-and-set), decoded; `None` if empty
	/// or if it does not decode.
	fn read_spool(&self) -> Option<(Vec<u8>, Vec<Spooled>)> {
		let bytes = self.storage.get(PREFIX, SPOOL_KEY)?;
		match codec::Decode::decode(&mut &bytes[..]) {
			Ok(spool) => Some((bytes, spool)),
			Err(_) => {
				self.warn("the IPFS spool's list does not decode".into());
				None
			},
		}
	}

	/// One round: the spool's archives imported in order, until IPFS refuses one.
	pub async fn round(&mut self) -> Round {
		let mut round = Round::default();
		let Some((_, spool)) = self.read_spool() else { return round };
		for archive in spool {
			let root = multibase32(&archive.root);
			let key = ipfs_spool::archive_key(&archive.root);
			let Some(car) = self.storage.get(PREFIX, &key) else {
				log::error!(
					target: LOG_TARGET,
					"the spooled archive {root} has no bytes in offchain storage; dropped from \
					 the spool (its readings are in the node's history only)"
				);
				self.remove(&archive.root);
				continue;
			};
			let started = Instant::now();
			match self.import(&archive.root, car).await {
				Ok(()) => {
					self.remove(&archive.root);
					self.storage.remove(PREFIX, &key);
					round.imported += 1;
					log::info!(
						target: LOG_TARGET,
						"imported archive {root} ({} readings, {} bytes) into IPFS in {} ms, \
						 spooled {} ms before",
						archive.readings,
						archive.bytes,
						started.elapsed().as_millis(),
						now_ms().saturating_sub(archive.spooled_at_ms),
					);
				},
				Err(reason) => {
					self.warn(format!(
						"IPFS at {} did not take the archive {root} ({} readings): {reason}; \
						 it stays spooled and is tried again",
						self.api, archive.readings
					));
					round.refused = true;
					break;
				},
			}
		}
		round
	}

	/// Posts `car`, the archive whose root is `root`, to IPFS's `dag/import`, and checks that
	/// the answer names that root, pinned.
	async fn import(&self, root: &[u8; 36], car: Vec<u8>) -> Result<(), String> {
		let request = Request {
			method: "POST",
			url: ipfs::import_url(&self.api),
			headers: vec![("Content-Type", ipfs::add_content_type())],
			body: ipfs::add_body("readings.car", &car),
		};
		let answer = fetch(&self.https, request, MAX_ANSWER_BYTES, IMPORT_TIMEOUT).await?;
		if answer.status != 200 {
			return Err(format!("status {}: {}", answer.status, answer.body_text(200)));
		}
		check_import_answer(&answer.body, root)
			.map_err(|error| format!("the answer is not the archive's root, pinned: {error:?}"))
	}

	/// Removes the archive `root` from the spool's list (compare-and-set: the worker adds
	/// meanwhile).
	fn remove(&mut self, root: &[u8; 36]) {
		for _ in 0..WRITE_TRIES {
			let Some((bytes, mut spool)) = self.read_spool() else { return };
			if !ipfs_spool::remove(&mut spool, root) {
				return;
			}
			let new = codec::Encode::encode(&spool);
			if self.storage.compare_and_set(PREFIX, SPOOL_KEY, Some(&bytes), &new) {
				return;
			}
		}
		log::warn!(target: LOG_TARGET, "the IPFS spool kept changing under the importer's write");
	}

	/// Logs `text` as a warning, unless it was the last one, said less than a minute ago.
	fn warn(&self, text: String) {
		let mut last_warning = self.last_warning.lock();
		let repeat = last_warning
			.as_ref()
			.is_some_and(|(last, at)| *last == text && at.elapsed() < REPEAT_WARNING_AFTER);
		if repeat {
			log::debug!(target: LOG_TARGET, "{text}");
		} else {
			log::warn!(target: LOG_TARGET, "{text}");
			*last_warning = Some((text, Instant::now()));
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::test_storage::Shared;
	use codec::Encode;
	use std::{
		io::{BufRead, BufReader, Read, Write},
		net::TcpListener,
		sync::mpsc,
	};

	/// An IPFS RPC API on loopback that answers each `dag/import` with the next of `roots`
	/// (binary CIDs; `None`: status 500), and hands each request's body to the test.
	fn fake_ipfs(roots: Vec<Option<[u8; 36]>>) -> (String, mpsc::Receiver<(String, Vec<u8>)>) {
		let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
		let url = format!("http://{}", listener.local_addr().expect("bound"));
		let (sender, received) = mpsc::channel();
		std::thread::spawn(move || {
			for root in roots {
				let Ok((stream, _)) = listener.accept() else { return };
				let mut reader = BufReader::new(stream);
				let mut request_line = String::new();
				reader.read_line(&mut request_line).expect("a request line");
				let mut length = 0;
				loop {
					let mut line = String::new();
					reader.read_line(&mut line).expect("a header");
					if line.trim().is_empty() {
						break;
					}
					if let Some((name, value)) = line.split_once(':') {
						if name.eq_ignore_ascii_case("content-length") {
							length = value.trim().parse().expect("a length");
						}
					}
				}
				let mut body = vec![0; length];
				reader.read_exact(&mut body).expect("the body");
				sender.send((request_line, body)).expect("the test listens");
				let (status, answer) = match root {
					Some(root) => (
						"200 OK",
						format!(
							"{{\"Root\":{{\"Cid\":{{\"/\":\"{}\"}},\"PinErrorMsg\":\"\"}}}}\n",
							multibase32(&root)
						),
					),
					None => ("500 Internal Server Error", "{\"Message\":\"disk full\"}".into()),
				};
				let mut stream = reader.into_inner();
				write!(
					stream,
					"HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
					answer.len()
				)
				.expect("answered");
			}
		});
		(url, received)
	}

	/// Spools the archive of `envelopes` in `storage`, as the worker does; its root and bytes.
	fn spool(storage: &mut Shared, envelopes: &[&[u8]]) -> ([u8; 36], Vec<u8>) {
		let object = dimo_offchain::car::commitment_object(envelopes);
		storage.set(PREFIX, &ipfs_spool::archive_key(&object.root), &object.car);
		let mut list: Vec<Spooled> = storage
			.get(PREFIX, SPOOL_KEY)
			.map(|bytes| codec::Decode::decode(&mut &bytes[..]).expect("decodes"))
			.unwrap_or_default();
		assert!(ipfs_spool::add(
			&mut list,
			Spooled {
				root: object.root,
				readings: envelopes.len() as u32,
				bytes: object.car.len() as u32,
				spooled_at_ms: now_ms(),
			}
		));
		storage.set(PREFIX, SPOOL_KEY, &list.encode());
		(object.root, object.car)
	}

	fn spooled_roots(storage: &Shared) -> Vec<[u8; 36]> {
		let list: Vec<Spooled> = storage
			.get(PREFIX, SPOOL_KEY)
			.map(|bytes| codec::Decode::decode(&mut &bytes[..]).expect("decodes"))
			.unwrap_or_default();
		list.into_iter().map(|archive| archive.root).collect()
	}

	#[tokio::test]
	async fn archives_leave_the_spool_only_once_ipfs_answered_their_root_pinned() {
		let mut storage = Shared::default();
		let (first, first_car) = spool(&mut storage, &[b"one", b"two"]);
		let (second, _) = spool(&mut storage, &[b"three"]);
		let (third, _) = spool(&mut storage, &[b"four"]);
		// IPFS imports the first; answers another root for the second; then fails; then takes
		// the second and the third.
		let (api, requests) =
			fake_ipfs(vec![Some(first), Some(first), None, Some(second), Some(third)]);
		let mut importer = Importer::new(storage.clone(), api).expect("a client");

		let round = importer.round().await;
		assert_eq!(round, Round { imported: 1, refused: true });
		let (line, body) = requests.recv().expect("the first import");
		assert!(line.starts_with("POST /api/v0/dag/import?pin-roots=true "), "{line}");
		assert_eq!(body, ipfs::add_body("readings.car", &first_car), "the archive, as spooled");
		assert_eq!(spooled_roots(&storage), vec![second, third], "the lied-about one stays");
		assert!(storage.get(PREFIX, &ipfs_spool::archive_key(&first)).is_none());
		assert!(storage.get(PREFIX, &ipfs_spool::archive_key(&second)).is_some());

		assert_eq!(importer.round().await, Round { imported: 0, refused: true }, "status 500");
		assert_eq!(spooled_roots(&storage), vec![second, third]);

		assert_eq!(importer.round().await, Round { imported: 2, refused: false });
		assert!(spooled_roots(&storage).is_empty());
		assert!(storage.get(PREFIX, &ipfs_spool::archive_key(&third)).is_none());
	}

	#[tokio::test]
	async fn an_unreachable_ipfs_leaves_the_spool_as_it_is() {
		let mut storage = Shared::default();
		let (root, _) = spool(&mut storage, &[b"one"]);
		// A port nobody listens on.
		let closed = TcpListener::bind("127.0.0.1:0").expect("a port");
		let api = format!("http://{}", closed.local_addr().expect("bound"));
		drop(closed);
		let mut importer = Importer::new(storage.clone(), api).expect("a client");
		assert_eq!(importer.round().await, Round { imported: 0, refused: true });
		assert_eq!(spooled_roots(&storage), vec![root]);
	}
}
