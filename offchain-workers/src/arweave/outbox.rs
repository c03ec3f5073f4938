//! The collector's Arweave outbox: the sealed envelopes of vehicles whose owners chose Arweave,
//! waiting to be stored permanently, and where each one stands.
//!
//! The offchain worker [`add`]s an upload when it seals a reading of such a vehicle; the node's
//! uploader posts it ([`Upload::posted`]), follows it until the gateway reports it mined
//! ([`Upload::on_status`]) and queues it again if the gateway dropped it; the worker then
//! anchors the mined ones with their transaction id, and removes each once the chain holds its
//! anchor. Every upload is one entry of the node's offchain storage, so a restart loses none,
//! and an upload is anchored only once it is mined, under the one id it was mined as.

use super::Tag;
use alloc::{format, vec::Vec};
use codec::{Decode, Encode};

/// The offchain-storage key of the outbox: a SCALE `Vec<`[`Upload`]`>`.
pub const OUTBOX_KEY: &[u8] = b"dimo/collector/arweave-outbox";

/// The most uploads the outbox holds: past it, new readings of Arweave vehicles wait (the
/// worker backs them off) instead of growing the node's storage without bound.
pub const MAX_UPLOADS: usize = 10_000;

/// A posted transaction that the gateway does not know this long after it was posted was
/// dropped (its anchor expired, the gateway restarted): it is posted again, under a new anchor.
pub const REPOST_AFTER_MS: u64 = 20 * 60 * 1000;

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
	/// The sealed envelope: the transaction's data.
	pub envelope: Vec<u8>,
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
}

/// What a gateway says of a posted transaction (`GET /tx/{id}/status`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum GatewayStatus {
	/// In a block.
	Mined,
	/// Known, not yet in a block.
	Pending,
	/// Not known: never received, or dropped.
	Unknown,
}

impl GatewayStatus {
	/// The status of an answer to `GET /tx/{id}/status`: 200 with the block's JSON when mined;
	/// 202 (Arweave nodes) or 200 with the text `Pending` (arlocal) while pending; 404 when
	/// unknown. `None` for anything else (the gateway failing says nothing of the transaction).
	pub fn from_answer(status: u16, body: &[u8]) -> Option<Self> {
		match status {
			200 if body.trim_ascii() == b"Pending" => Some(Self::Pending),
			200 => {
				let json: serde_json::Value = serde_json::from_slice(body).ok()?;
				json.get("block_height").and_then(|height| height.as_u64()).map(|_| Self::Mined)
			},
			202 => Some(Self::Pending),
			404 => Some(Self::Unknown),
			_ => None,
		}
	}
}

impl Upload {
	/// A queued upload of `envelope`, whose CID is `cid`, for the reading of `vehicle` over
	/// `observed_from..=observed_to`.
	pub fn new(
		vehicle: u64,
		observed_from: u64,
		observed_to: u64,
		cid: Vec<u8>,
		envelope: Vec<u8>,
	) -> Self {
		Self {
			vehicle,
			observed_from,
			observed_to,
			cid,
			envelope,
			attempts: 0,
			state: UploadState::Queued,
		}
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

	/// The id it was mined as, once mined.
	pub fn mined_id(&self) -> Option<[u8; 32]> {
		match self.state {
			UploadState::Mined { id } => Some(id),
			_ => None,
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

	/// Follows what the gateway says of its posted transaction at `now_ms`: mined, it is ready
	/// to anchor; unknown for [`REPOST_AFTER_MS`] since it was posted, it is queued again;
	/// otherwise it waits. A queued or mined upload is not changed.
	pub fn on_status(&mut self, status: GatewayStatus, now_ms: u64) {
		let UploadState::Posted { id, posted_at_ms } = self.state else { return };
		match status {
			GatewayStatus::Mined => self.state = UploadState::Mined { id },
			GatewayStatus::Unknown if now_ms.saturating_sub(posted_at_ms) >= REPOST_AFTER_MS => {
				self.state = UploadState::Queued
			},
			GatewayStatus::Unknown | GatewayStatus::Pending => {},
		}
	}
}

/// Why an upload was not added.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AddError {
	/// The outbox holds [`MAX_UPLOADS`].
	Full,
	/// It holds this vehicle's reading of the same window already.
	Duplicate,
}

/// Adds `upload` to `outbox`, unless it is full or holds the same reading.
pub fn add(outbox: &mut Vec<Upload>, upload: Upload) -> Result<(), AddError> {
	if outbox.iter().any(|held| {
		held.vehicle == upload.vehicle
			&& held.observed_from == upload.observed_from
			&& held.observed_to == upload.observed_to
	}) {
		return Err(AddError::Duplicate);
	}
	if outbox.len() >= MAX_UPLOADS {
		return Err(AddError::Full);
	}
	outbox.push(upload);
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;

	fn upload(vehicle: u64, at: u64) -> Upload {
		Upload::new(vehicle, at, at, alloc::vec![0x01, 0x55], alloc::vec![7; 10])
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
		up.on_status(GatewayStatus::Pending, 7_000);
		assert_eq!(up.mined_id(), None);
		up.on_status(GatewayStatus::Mined, 8_000);
		assert_eq!(up.mined_id(), Some([1; 32]));
		// Mined is final: a later "unknown" (another gateway) does not requeue it.
		up.on_status(GatewayStatus::Unknown, 8_000 + REPOST_AFTER_MS);
		assert_eq!(up.mined_id(), Some([1; 32]));
		up.posted([9; 32], 9_000);
		assert_eq!(up.mined_id(), Some([1; 32]));
	}

	#[test]
	fn a_dropped_transaction_is_queued_again_only_after_the_delay() {
		let mut up = upload(3, 1_000);
		up.posted([1; 32], 10_000);
		// Unknown right after posting: the gateway may not have indexed it yet.
		up.on_status(GatewayStatus::Unknown, 10_000 + REPOST_AFTER_MS - 1);
		assert!(!up.is_queued());
		up.on_status(GatewayStatus::Unknown, 10_000 + REPOST_AFTER_MS);
		assert!(up.is_queued());
		up.posted([2; 32], 20_000 + REPOST_AFTER_MS);
		assert_eq!(up.attempts, 2);
		up.on_status(GatewayStatus::Unknown, 0);
		assert!(!up.is_queued(), "a clock behind the posting time never requeues");
		up.on_status(GatewayStatus::Mined, 30_000 + REPOST_AFTER_MS);
		assert_eq!(up.mined_id(), Some([2; 32]));
		let mut up = upload(3, 1_000);
		up.posted([1; 32], 10_000);
		up.on_status(GatewayStatus::Unknown, 10_000 + REPOST_AFTER_MS);
		// A queued upload ignores statuses of its old transaction.
		up.on_status(GatewayStatus::Mined, 10_000 + REPOST_AFTER_MS + 1);
		assert_eq!(up.mined_id(), None);
	}

	#[test]
	fn gateway_answers_are_read_as_arweave_and_arlocal_send_them() {
		let mined = br#"{"block_height":1,"block_indep_hash":"x","number_of_confirmations":0}"#;
		assert_eq!(GatewayStatus::from_answer(200, mined), Some(GatewayStatus::Mined));
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
		outbox.extend((0..MAX_UPLOADS as u64 - 2).map(|v| upload(100 + v, 10)));
		assert_eq!(add(&mut outbox, upload(2, 10)), Err(AddError::Full));
		// The outbox survives a restart: it is plain SCALE.
		let decoded: Vec<Upload> = Decode::decode(&mut &outbox.encode()[..]).expect("decodes");
		assert_eq!(decoded, outbox);
	}

	#[test]
	fn tags_name_the_app_the_vehicle_and_the_window() {
		let tags = Upload::new(42, 1_000, 2_000, alloc::vec![], alloc::vec![]).tags();
		let find = |name: &str| {
			tags.iter().find(|tag| tag.name == name.as_bytes()).map(|tag| tag.value.clone())
		};
		assert_eq!(find("App-Name"), Some(b"DIMO".to_vec()));
		assert_eq!(find("Vehicle"), Some(b"42".to_vec()));
		assert_eq!(find("Window"), Some(b"1000-2000".to_vec()));
		assert_eq!(find("Content-Type"), Some(b"application/octet-stream".to_vec()));
	}
}
