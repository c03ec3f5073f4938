//! The collector's Arweave outbox: the sealed envelopes of vehicles whose owners chose Arweave,
//! waiting to be stored permanently, and where each one stands.
//!
//! The offchain worker [`add`]s an upload when it seals a reading of such a vehicle (the
//! envelope itself under [`envelope_key`], the outbox holding only what tracks it); the node's
//! uploader posts the queued ones together, as the data items of one ANS-104 bundle
//! ([`super::bundle`], [`Upload::bundled`]), follows the bundle's transaction until the gateway
//! reports it mined ([`Upload::on_status`]) and queues them again if the gateway dropped it; the
//! worker then anchors the mined ones with their data item's id, each vehicle's in the order of
//! their windows ([`anchorable`]), and removes each once it is in the worker's queue of records
//! to anchor. (Uploads that an older node posted each as its own transaction,
//! [`UploadState::Posted`], are followed to the end the same way.) Every upload is an entry of the node's offchain storage, so a restart loses none,
//! and an upload is anchored only once it is mined, under the one id it was mined as.
//!
//! Two writers share the outbox: the worker adds and removes entries, the uploader changes
//! their states. Both write with compare-and-set on the whole value; the uploader's changes
//! are [`Change`]s, applied ([`apply`]) only to entries still as it saw them, so that neither
//! undoes the other.

use super::Tag;
use alloc::{collections::BTreeMap, format, vec::Vec};
use codec::{Decode, Encode};

/// The offchain-storage key of the outbox: a SCALE `Vec<`[`Upload`]`>`.
pub const OUTBOX_KEY: &[u8] = b"dimo/collector/arweave-outbox";

/// The prefix of the offchain-storage keys of the envelopes waiting in the outbox.
pub const ENVELOPE_PREFIX: &[u8] = b"dimo/collector/arweave-envelope/";

/// The most uploads the outbox holds: past it, new readings of Arweave vehicles wait (the
/// worker backs them off) instead of growing the node's storage without bound.
pub const MAX_UPLOADS: usize = 10_000;

/// The most uploads of one vehicle in the outbox: while its oldest is not mined (the gateway
/// refuses it, or is down), the vehicle is polled until it has this many, then waits.
pub const MAX_UPLOADS_PER_VEHICLE: usize = 8;

/// A posted transaction that the gateway does not know this long after it was posted was
/// dropped (its anchor expired, the gateway restarted): it is posted again, under a new anchor.
pub const REPOST_AFTER_MS: u64 = 20 * 60 * 1000;

/// The offchain-storage key of the envelope of `vehicle`'s reading that starts at
/// `observed_from`: a SCALE `Vec<u8>`.
pub fn envelope_key(vehicle: u64, observed_from: u64) -> Vec<u8> {
	let mut key = ENVELOPE_PREFIX.to_vec();
	key.extend_from_slice(&vehicle.to_be_bytes());
	key.extend_from_slice(&observed_from.to_be_bytes());
	key
}

/// An envelope to store on Arweave.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Upload {
	/// The vehicle.
	pub vehicle: u64,
	/// The start of the reading's window, Unix milliseconds.
	pub observed_from: u64,
	/// The end of the reading's window, Unix milliseconds.
	pub observed_to: u64,
	/// The envelope's CID (raw, sha2-256), as it will be anchored.
	pub cid: Vec<u8>,
	/// The envelope's length in bytes (the envelope is under [`Upload::envelope_key`]).
	pub size: u32,
	/// How many times it was posted.
	pub attempts: u32,
	/// Where it stands.
	pub state: UploadState,
}

/// Where an upload stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
pub enum UploadState {
	/// To be posted (first time, or again after the gateway dropped it).
	Queued,
	/// Posted as transaction `id`, not yet mined.
	Posted {
		/// The transaction id.
		id: [u8; 32],
		/// When it was posted, Unix milliseconds.
		posted_at_ms: u64,
	},
	/// Mined as transaction `id`: ready to be anchored.
	Mined {
		/// The transaction id.
		id: [u8; 32],
	},
	/// Posted as data item `item` of the bundle that transaction `bundle` carries, not yet
	/// mined.
	Bundled {
		/// The bundle's transaction id.
		bundle: [u8; 32],
		/// The data item's id.
		item: [u8; 32],
		/// When it was posted, Unix milliseconds.
		posted_at_ms: u64,
	},
	/// Mined as data item `item` of bundle `bundle`: ready to be anchored.
	MinedInBundle {
		/// The bundle's transaction id.
		bundle: [u8; 32],
		/// The data item's id.
		item: [u8; 32],
	},
}

/// How many confirmations a mined transaction needs, by default, before it is anchored: an
/// Arweave block can be orphaned while it is recent, and an anchor must name a transaction that
/// stays. Ten blocks are about twenty minutes on Arweave.
pub const DEFAULT_CONFIRMATIONS: u64 = 10;

/// What a gateway says of a posted transaction (`GET /tx/{id}/status`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GatewayStatus {
	/// In a block, with this many confirmations (blocks on top of it, as the gateway counts).
	Mined {
		/// `number_of_confirmations` of the gateway's answer.
		confirmations: u64,
	},
	/// Known, not yet in a block.
	Pending,
	/// Not known: never received, or dropped.
	Unknown,
}

impl GatewayStatus {
	/// The status of an answer to `GET /tx/{id}/status`: 200 with the block's JSON when mined
	/// (`block_height`, `number_of_confirmations`);
	/// 202 (Arweave nodes) or 200 with the text `Pending` (arlocal) while pending; 404 when
	/// unknown. `None` for anything else (the gateway failing says nothing of the transaction).
	pub fn from_answer(status: u16, body: &[u8]) -> Option<Self> {
		match status {
			200 if body.trim_ascii() == b"Pending" => Some(Self::Pending),
			200 => {
				let json: serde_json::Value = serde_json::from_slice(body).ok()?;
				json.get("block_height").and_then(|height| height.as_u64())?;
				let confirmations = json
					.get("number_of_confirmations")
					.and_then(|confirmations| confirmations.as_u64())
					.unwrap_or(0);
				Some(Self::Mined { confirmations })
			},
			202 => Some(Self::Pending),
			404 => Some(Self::Unknown),
			_ => None,
		}
	}
}

impl Upload {
	/// A queued upload of an envelope of `size` bytes whose CID is `cid`, for the reading of
	/// `vehicle` over `observed_from..=observed_to`.
	pub fn new(
		vehicle: u64,
		observed_from: u64,
		observed_to: u64,
		cid: Vec<u8>,
		size: u32,
	) -> Self {
		Self {
			vehicle,
			observed_from,
			observed_to,
			cid,
			size,
			attempts: 0,
			state: UploadState::Queued,
		}
	}

	/// Where its envelope is in offchain storage.
	pub fn envelope_key(&self) -> Vec<u8> {
		envelope_key(self.vehicle, self.observed_from)
	}

	/// Whether `other` is the same reading (vehicle and window).
	pub fn same_reading(&self, other: &Upload) -> bool {
		self.vehicle == other.vehicle
			&& self.observed_from == other.observed_from
			&& self.observed_to == other.observed_to
	}

	/// The tags of its transaction: what it is, whose, and which window, so that anyone finds
	/// a vehicle's records on Arweave by its tags (GraphQL) without the chain.
	pub fn tags(&self) -> Vec<Tag> {
		alloc::vec![
			Tag::new("Content-Type", "application/octet-stream"),
			Tag::new("App-Name", "DIMO"),
			Tag::new("Vehicle", &format!("{}", self.vehicle)),
			Tag::new("Window", &format!("{}-{}", self.observed_from, self.observed_to)),
		]
	}

	/// Whether the uploader should post it now.
	pub fn is_queued(&self) -> bool {
		self.state == UploadState::Queued
	}

	/// The id it was mined as, once mined: its data item's (or, posted by an older node, its
	/// transaction's). Anyone fetches the envelope from a gateway by it (`GET /{id}`).
	pub fn mined_id(&self) -> Option<[u8; 32]> {
		match self.state {
			UploadState::Mined { id } | UploadState::MinedInBundle { item: id, .. } => Some(id),
			_ => None,
		}
	}

	/// The transaction whose status tells where it stands, while it is posted: its bundle's
	/// (or its own).
	pub fn posted_in(&self) -> Option<[u8; 32]> {
		match self.state {
			UploadState::Posted { id, .. } | UploadState::Bundled { bundle: id, .. } => Some(id),
			_ => None,
		}
	}

	/// The bundle it was mined in, once mined in one.
	pub fn mined_bundle(&self) -> Option<[u8; 32]> {
		match self.state {
			UploadState::MinedInBundle { bundle, .. } => Some(bundle),
			_ => None,
		}
	}

	/// Records that it was posted at `now_ms` as data item `item` of the bundle that transaction
	/// `bundle` carries. Only a queued upload is posted; a posted or mined one stays as it is.
	pub fn bundled(&mut self, bundle: [u8; 32], item: [u8; 32], now_ms: u64) {
		if self.is_queued() {
			self.attempts = self.attempts.saturating_add(1);
			self.state = UploadState::Bundled { bundle, item, posted_at_ms: now_ms };
		}
	}

	/// Records that it was posted as transaction `id` at `now_ms`. Only a queued upload is
	/// posted; a posted or mined one stays as it is.
	pub fn posted(&mut self, id: [u8; 32], now_ms: u64) {
		if self.is_queued() {
			self.attempts = self.attempts.saturating_add(1);
			self.state = UploadState::Posted { id, posted_at_ms: now_ms };
		}
	}

	/// Follows what the gateway says of its posted transaction (its bundle's, [`Self::posted_in`])
	/// at `now_ms`: mined with at least `confirmations`, it is ready to anchor; unknown for
	/// [`REPOST_AFTER_MS`] since it was posted, it is queued again; otherwise (pending, or mined
	/// with fewer confirmations) it waits. A queued or mined upload is not changed.
	pub fn on_status(&mut self, status: GatewayStatus, now_ms: u64, confirmations: u64) {
		let (mined, posted_at_ms) = match self.state {
			UploadState::Posted { id, posted_at_ms } => (UploadState::Mined { id }, posted_at_ms),
			UploadState::Bundled { bundle, item, posted_at_ms } => {
				(UploadState::MinedInBundle { bundle, item }, posted_at_ms)
			},
			_ => return,
		};
		match status {
			GatewayStatus::Mined { confirmations: seen } if seen >= confirmations => {
				self.state = mined
			},
			GatewayStatus::Unknown if now_ms.saturating_sub(posted_at_ms) >= REPOST_AFTER_MS => {
				self.state = UploadState::Queued
			},
			GatewayStatus::Mined { .. } | GatewayStatus::Unknown | GatewayStatus::Pending => {},
		}
	}
}

/// Why an upload was not added.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AddError {
	/// The outbox holds [`MAX_UPLOADS`], or [`MAX_UPLOADS_PER_VEHICLE`] of this vehicle.
	Full,
	/// It holds this vehicle's reading of the same window already.
	Duplicate,
}

/// Adds `upload` to `outbox`, unless it is full (in all or for the vehicle) or holds the same
/// reading.
pub fn add(outbox: &mut Vec<Upload>, upload: Upload) -> Result<(), AddError> {
	if outbox.iter().any(|held| held.same_reading(&upload)) {
		return Err(AddError::Duplicate);
	}
	if !has_room_for(outbox, upload.vehicle) {
		return Err(AddError::Full);
	}
	outbox.push(upload);
	Ok(())
}

/// Whether `outbox` may take another upload of `vehicle`.
pub fn has_room_for(outbox: &[Upload], vehicle: u64) -> bool {
	outbox.len() < MAX_UPLOADS
		&& outbox.iter().filter(|held| held.vehicle == vehicle).count() < MAX_UPLOADS_PER_VEHICLE
}

/// The uploads to anchor now: of each vehicle, its oldest upload (by window), if it is mined.
/// A vehicle's readings thus reach the chain in the order of their windows, and one the
/// gateway refuses holds back the later ones, which the chain could not take after it anyway.
pub fn anchorable(outbox: &[Upload]) -> Vec<&Upload> {
	let mut oldest: BTreeMap<u64, &Upload> = BTreeMap::new();
	for upload in outbox {
		oldest
			.entry(upload.vehicle)
			.and_modify(|held| {
				if upload.observed_from < held.observed_from {
					*held = upload;
				}
			})
			.or_insert(upload);
	}
	oldest.into_values().filter(|upload| upload.mined_id().is_some()).collect()
}

/// A change of an upload's state that the uploader made from what it read.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Change {
	/// The upload as the uploader read it.
	pub seen: Upload,
	/// The upload as the uploader left it.
	pub updated: Upload,
}

/// Applies `changes` to `outbox` (as it is now): each to its reading's entry if that entry is
/// still as the uploader saw it; an entry that the worker removed meanwhile stays removed.
/// Returns how many were applied.
pub fn apply(outbox: &mut [Upload], changes: &[Change]) -> usize {
	let mut applied = 0;
	for change in changes {
		if let Some(entry) = outbox.iter_mut().find(|entry| **entry == change.seen) {
			*entry = change.updated.clone();
			applied += 1;
		}
	}
	applied
}

#[cfg(test)]
mod tests {
	use super::*;

	const MINED: GatewayStatus = GatewayStatus::Mined { confirmations: 0 };

	fn upload(vehicle: u64, at: u64) -> Upload {
		Upload::new(vehicle, at, at, alloc::vec![0x01, 0x55], 10)
	}

	#[test]
	fn an_upload_goes_queued_posted_mined_and_then_stays() {
		let mut up = upload(3, 1_000);
		assert!(up.is_queued());
		up.posted([1; 32], 5_000);
		assert_eq!(up.state, UploadState::Posted { id: [1; 32], posted_at_ms: 5_000 });
		// Posting again while posted changes nothing.
		up.posted([2; 32], 6_000);
		assert_eq!(
			(up.attempts, up.state),
			(1, UploadState::Posted { id: [1; 32], posted_at_ms: 5_000 })
		);
		up.on_status(GatewayStatus::Pending, 7_000, 0);
		assert_eq!(up.mined_id(), None);
		up.on_status(MINED, 8_000, 0);
		assert_eq!(up.mined_id(), Some([1; 32]));
		// Mined is final: a later "unknown" (another gateway) does not requeue it.
		up.on_status(GatewayStatus::Unknown, 8_000 + REPOST_AFTER_MS, 0);
		assert_eq!(up.mined_id(), Some([1; 32]));
		up.posted([9; 32], 9_000);
		assert_eq!(up.mined_id(), Some([1; 32]));
	}

	#[test]
	fn a_bundled_upload_follows_its_bundle_and_is_anchored_by_its_item() {
		let mut up = upload(3, 1_000);
		up.bundled([1; 32], [7; 32], 5_000);
		assert_eq!(up.posted_in(), Some([1; 32]), "the bundle's status is asked");
		assert_eq!(up.attempts, 1);
		// Bundled again while bundled changes nothing.
		up.bundled([2; 32], [8; 32], 6_000);
		assert_eq!(
			up.state,
			UploadState::Bundled { bundle: [1; 32], item: [7; 32], posted_at_ms: 5_000 }
		);
		up.on_status(GatewayStatus::Mined { confirmations: 1 }, 7_000, 2);
		assert_eq!(up.mined_id(), None, "fewer confirmations than asked");
		up.on_status(GatewayStatus::Mined { confirmations: 2 }, 7_000, 2);
		assert_eq!(up.mined_id(), Some([7; 32]), "anchored under its item's id");
		assert_eq!(up.mined_bundle(), Some([1; 32]));
		assert_eq!(up.posted_in(), None);
		// A bundle the gateway dropped: queued again after the delay, like a transaction.
		let mut up = upload(3, 1_000);
		up.bundled([1; 32], [7; 32], 5_000);
		up.on_status(GatewayStatus::Unknown, 5_000 + REPOST_AFTER_MS - 1, 0);
		assert!(!up.is_queued());
		up.on_status(GatewayStatus::Unknown, 5_000 + REPOST_AFTER_MS, 0);
		assert!(up.is_queued());
		assert_eq!(up.mined_bundle(), None);
	}

	#[test]
	fn an_outbox_an_older_node_wrote_still_decodes() {
		// The states an older node wrote keep their indexes (0, 1, 2): they decode as before and
		// go on to the end; the bundle states are new indexes.
		let mut old = upload(3, 1_000);
		old.posted([1; 32], 5_000);
		let bytes = alloc::vec![old.clone()].encode();
		let decoded: Vec<Upload> = Decode::decode(&mut &bytes[..]).expect("decodes");
		assert_eq!(decoded, alloc::vec![old.clone()]);
		assert_eq!(UploadState::Queued.encode(), [0]);
		assert_eq!(UploadState::Posted { id: [1; 32], posted_at_ms: 0 }.encode()[0], 1);
		assert_eq!(UploadState::Mined { id: [1; 32] }.encode()[0], 2);
		old.on_status(MINED, 6_000, 0);
		assert_eq!(old.mined_id(), Some([1; 32]));
		assert_eq!(old.mined_bundle(), None);
	}

	#[test]
	fn a_mined_transaction_waits_for_its_confirmations() {
		let mut up = upload(3, 1_000);
		up.posted([1; 32], 5_000);
		for seen in 0..DEFAULT_CONFIRMATIONS {
			up.on_status(
				GatewayStatus::Mined { confirmations: seen },
				6_000,
				DEFAULT_CONFIRMATIONS,
			);
			assert_eq!(up.mined_id(), None, "{seen} confirmations");
		}
		// Recent, then gone (an orphaned block): reposted after the delay like any dropped one.
		up.on_status(GatewayStatus::Unknown, 5_000 + REPOST_AFTER_MS, DEFAULT_CONFIRMATIONS);
		assert!(up.is_queued());
		up.posted([2; 32], 6_000);
		let deep = GatewayStatus::Mined { confirmations: DEFAULT_CONFIRMATIONS };
		up.on_status(deep, 7_000, DEFAULT_CONFIRMATIONS);
		assert_eq!(up.mined_id(), Some([2; 32]));
	}

	#[test]
	fn a_dropped_transaction_is_queued_again_only_after_the_delay() {
		let mut up = upload(3, 1_000);
		up.posted([1; 32], 10_000);
		// Unknown right after posting: the gateway may not have indexed it yet.
		up.on_status(GatewayStatus::Unknown, 10_000 + REPOST_AFTER_MS - 1, 0);
		assert!(!up.is_queued());
		up.on_status(GatewayStatus::Unknown, 10_000 + REPOST_AFTER_MS, 0);
		assert!(up.is_queued());
		up.posted([2; 32], 20_000 + REPOST_AFTER_MS);
		assert_eq!(up.attempts, 2);
		up.on_status(GatewayStatus::Unknown, 0, 0);
		assert!(!up.is_queued(), "a clock behind the posting time never requeues");
		up.on_status(MINED, 30_000 + REPOST_AFTER_MS, 0);
		assert_eq!(up.mined_id(), Some([2; 32]));
		let mut up = upload(3, 1_000);
		up.posted([1; 32], 10_000);
		up.on_status(GatewayStatus::Unknown, 10_000 + REPOST_AFTER_MS, 0);
		// A queued upload ignores statuses of its old transaction.
		up.on_status(MINED, 10_000 + REPOST_AFTER_MS + 1, 0);
		assert_eq!(up.mined_id(), None);
	}

	#[test]
	fn gateway_answers_are_read_as_arweave_and_arlocal_send_them() {
		let mined = br#"{"block_height":1,"block_indep_hash":"x","number_of_confirmations":3}"#;
		assert_eq!(
			GatewayStatus::from_answer(200, mined),
			Some(GatewayStatus::Mined { confirmations: 3 })
		);
		assert_eq!(GatewayStatus::from_answer(200, b"Pending"), Some(GatewayStatus::Pending));
		assert_eq!(GatewayStatus::from_answer(202, b"Pending"), Some(GatewayStatus::Pending));
		assert_eq!(GatewayStatus::from_answer(404, b"Not Found"), Some(GatewayStatus::Unknown));
		assert_eq!(GatewayStatus::from_answer(200, b"{}"), None);
		assert_eq!(GatewayStatus::from_answer(500, b""), None);
	}

	#[test]
	fn the_outbox_refuses_duplicates_and_stays_bounded() {
		let mut outbox = Vec::new();
		assert_eq!(add(&mut outbox, upload(1, 10)), Ok(()));
		assert_eq!(add(&mut outbox, upload(1, 10)), Err(AddError::Duplicate));
		assert_eq!(add(&mut outbox, upload(1, 20)), Ok(()));
		for at in 3..=MAX_UPLOADS_PER_VEHICLE as u64 {
			assert_eq!(add(&mut outbox, upload(1, at * 10)), Ok(()));
		}
		// One vehicle holds at most its share.
		assert_eq!(add(&mut outbox, upload(1, 1_000)), Err(AddError::Full));
		assert!(!has_room_for(&outbox, 1));
		assert!(has_room_for(&outbox, 2));
		outbox.extend((0..(MAX_UPLOADS - outbox.len()) as u64).map(|v| upload(100 + v, 10)));
		assert_eq!(add(&mut outbox, upload(2, 10)), Err(AddError::Full));
		assert!(!has_room_for(&outbox, 2));
		// The outbox survives a restart: it is plain SCALE.
		let decoded: Vec<Upload> = Decode::decode(&mut &outbox.encode()[..]).expect("decodes");
		assert_eq!(decoded, outbox);
	}

	#[test]
	fn tags_name_the_app_the_vehicle_and_the_window() {
		let tags = Upload::new(42, 1_000, 2_000, alloc::vec![], 0).tags();
		let find = |name: &str| {
			tags.iter().find(|tag| tag.name == name.as_bytes()).map(|tag| tag.value.clone())
		};
		assert_eq!(find("App-Name"), Some(b"DIMO".to_vec()));
		assert_eq!(find("Vehicle"), Some(b"42".to_vec()));
		assert_eq!(find("Window"), Some(b"1000-2000".to_vec()));
		assert_eq!(find("Content-Type"), Some(b"application/octet-stream".to_vec()));
	}

	#[test]
	fn each_vehicle_anchors_its_oldest_upload_first_and_only_once_mined() {
		let mut outbox = Vec::new();
		for (vehicle, at) in [(1, 30), (1, 10), (1, 20), (2, 50), (3, 5)] {
			add(&mut outbox, upload(vehicle, at)).expect("room");
		}
		assert!(anchorable(&outbox).is_empty(), "nothing is mined");
		// Vehicle 1's newer readings are mined, its oldest not: it waits for the oldest.
		for upload in outbox.iter_mut().filter(|u| u.vehicle == 1 && u.observed_from > 10) {
			upload.posted([upload.observed_from as u8; 32], 0);
			upload.on_status(MINED, 1, 0);
		}
		outbox[3].posted([50; 32], 0);
		outbox[3].on_status(MINED, 1, 0);
		let ready: Vec<(u64, u64)> =
			anchorable(&outbox).iter().map(|u| (u.vehicle, u.observed_from)).collect();
		assert_eq!(ready, alloc::vec![(2, 50)]);
		outbox[1].posted([10; 32], 0);
		outbox[1].on_status(MINED, 1, 0);
		let ready: Vec<(u64, u64)> =
			anchorable(&outbox).iter().map(|u| (u.vehicle, u.observed_from)).collect();
		assert_eq!(ready, alloc::vec![(1, 10), (2, 50)]);
		assert_eq!(envelope_key(1, 10), outbox[1].envelope_key());
		assert_ne!(envelope_key(1, 10), envelope_key(1, 20));
		assert_ne!(envelope_key(1, 10), envelope_key(10, 1));
	}

	#[test]
	fn the_uploaders_changes_apply_only_to_entries_still_as_it_saw_them() {
		let mut outbox = Vec::new();
		for at in [10, 20, 30] {
			add(&mut outbox, upload(1, at)).expect("room");
		}
		// The uploader reads the outbox and posts the three.
		let changes: Vec<Change> = outbox
			.iter()
			.map(|seen| {
				let mut updated = seen.clone();
				updated.posted([seen.observed_from as u8; 32], 99);
				Change { seen: seen.clone(), updated }
			})
			.collect();
		// Meanwhile the worker removed the first and added a fourth.
		outbox.remove(0);
		add(&mut outbox, upload(1, 40)).expect("room");
		assert_eq!(apply(&mut outbox, &changes), 2);
		let states: Vec<(u64, bool)> =
			outbox.iter().map(|u| (u.observed_from, u.is_queued())).collect();
		assert_eq!(states, alloc::vec![(20, false), (30, false), (40, true)]);
		// Applied twice, nothing changes: the entries are no longer as first seen.
		let before = outbox.clone();
		assert_eq!(apply(&mut outbox, &changes), 0);
		assert_eq!(outbox, before);
	}
}
