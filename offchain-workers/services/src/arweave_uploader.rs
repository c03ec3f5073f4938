//! The collector's Arweave uploader: posts the envelopes that the offchain worker put in the
//! Arweave outbox ([`dimo_offchain::arweave::outbox`]) as Arweave transactions, and follows
//! them until the gateway reports them mined, for the worker to anchor.
//!
//! It runs in the node, not in the worker, because it signs: an Arweave wallet is an RSA-4096
//! key, and an RSA private-key operation takes milliseconds natively against seconds in the
//! runtime's wasm (with every transaction of a run inside one worker run's deadline); and the
//! key then never enters the runtime. The wallet comes from `collector_setArweaveWallet`,
//! sealed in offchain storage under the node's sealing key ([`dimo_offchain::seal`]); it is
//! opened for a round that has something to post and dropped after it, and never logged.
//!
//! Every [`ROUND_EVERY`], a round:
//! 1. asks the gateway (`--collector-arweave-api`) the status of each posted transaction
//!    (`GET /tx/{id}/status`): mined with `--collector-arweave-confirmations` (default 10), the
//!    upload is ready to anchor (a recent Arweave block can still be orphaned) once the
//!    uploader has seen for itself that Arweave holds it ([`Uploader::verify_stored`]: the
//!    data comes back and hashes to the anchored CID, from the gateway and from every
//!    `--collector-arweave-check-api`, which must also count the confirmations); a gateway
//!    that says "mined" for what it does not serve is logged and nothing is anchored; unknown
//!    long after it was posted ([`outbox::REPOST_AFTER_MS`]), it is queued again;
//! 2. posts the queued ones: a fresh anchor (`GET /tx_anchor`) and price (`GET /price/{bytes}`),
//!    a format-2 transaction with the upload's tags, signed, `POST /tx`. A refusal (no balance,
//!    a bad anchor) or a gateway that does not answer leaves the upload queued, logged with
//!    the gateway's answer, and it is tried again next round;
//! 3. writes what changed back with compare-and-set, applying each change only to an entry
//!    still as it was read ([`outbox::apply`]), since the worker adds and removes entries
//!    meanwhile.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::https::{fetch, https_client, HttpsClient};
use dimo_offchain::{
	arweave::{
		b64url, b64url_decode,
		outbox::{self, Change, GatewayStatus, Upload, UploadState, OUTBOX_KEY},
		wallet::Wallet,
		Transaction, WALLET_KEY,
	},
	cid::Cid,
	oem::Request,
	seal::Sealed,
};
use sp_core::offchain::OffchainStorage;
use sp_keystore::KeystorePtr;

/// The log target of the uploader's lines.
pub const LOG_TARGET: &str = "dimo::arweave";

/// How often the uploader looks at the outbox.
pub const ROUND_EVERY: Duration = Duration::from_secs(2);

/// The most transactions posted in one round, and the most statuses asked.
const MAX_POSTS_PER_ROUND: usize = 32;
const MAX_STATUSES_PER_ROUND: usize = 256;

/// How long the gateway may take to answer one request.
const GATEWAY_TIMEOUT: Duration = Duration::from_secs(20);

/// The largest answer read from the gateway (a status, a price, an anchor, a refusal).
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// How many times a write-back is tried when the worker wrote the outbox meanwhile.
const WRITE_TRIES: u32 = 5;

/// A warning that would repeat every round is logged once per this many rounds.
const REPEAT_WARNING_EVERY: u64 = 30;

const PREFIX: &[u8] = sp_offchain::STORAGE_PREFIX;

/// Checks a `--collector-arweave-api` value: an `https://` URL, or `http://` on a loopback host
/// (a dev gateway); returns it without a trailing `/`.
pub fn parse_gateway(url: &str) -> Result<String, String> {
	let url = url.trim_end_matches('/');
	let parsed = url.parse::<hyper::Uri>().map_err(|e| format!("{url:?} is not a URL: {e}"))?;
	let host = parsed.host().ok_or_else(|| format!("{url:?} names no host"))?;
	if parsed.path_and_query().is_some_and(|path| path.as_str() != "/" && !path.as_str().is_empty())
	{
		return Err(format!("{url:?}: give the gateway's root, with no path or query"));
	}
	match parsed.scheme_str() {
		Some("https") => Ok(url.to_string()),
		Some("http") if matches!(host, "127.0.0.1" | "localhost" | "[::1]") => Ok(url.to_string()),
		Some("http") => Err(format!(
			"{url:?}: plain HTTP only to a loopback gateway (127.0.0.1, localhost); use https"
		)),
		_ => Err(format!("{url:?}: an http(s) URL is expected")),
	}
}

/// The uploader, over the node's offchain storage `S`.
pub struct Uploader<S> {
	storage: S,
	keystore: KeystorePtr,
	/// The gateway's root URL; `None`: Arweave uploads are off on this node.
	gateway: Option<String>,
	/// The confirmations a mined transaction needs before it is anchored.
	confirmations: u64,
	/// Other gateways (`--collector-arweave-check-api`) that must also serve a transaction's
	/// data and count its confirmations before it is anchored.
	checks: Vec<String>,
	https: HttpsClient,
	/// Rounds run so far.
	rounds: u64,
	/// The warning logged last ([`Uploader::warn`]).
	last_warning: parking_lot::Mutex<Option<String>>,
	/// The transactions whose failed check was logged as a warning already: a lying gateway
	/// is said once per transaction, not every round for each (the repeats go to `debug`).
	unverified_reported: parking_lot::Mutex<std::collections::HashSet<[u8; 32]>>,
}

fn now_ms() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

impl<S: OffchainStorage + 'static> Uploader<S> {
	/// An uploader posting to `gateway` what `storage`'s outbox holds, with the wallet sealed
	/// under `keystore`'s sealing key, and checking with `checks` too what it anchors.
	pub fn new(
		storage: S,
		keystore: KeystorePtr,
		gateway: Option<String>,
		confirmations: u64,
		checks: Vec<String>,
	) -> Result<Self, std::io::Error> {
		Ok(Self {
			storage,
			keystore,
			gateway,
			confirmations,
			checks,
			https: https_client()?,
			rounds: 0,
			last_warning: Default::default(),
			unverified_reported: Default::default(),
		})
	}

	/// Runs rounds for as long as the node runs.
	pub async fn run(mut self) {
		let mut tick = tokio::time::interval(ROUND_EVERY);
		tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
		loop {
			tick.tick().await;
			self.round().await;
			self.rounds = self.rounds.wrapping_add(1);
		}
	}

	/// Whether a warning that would repeat every round is due this round.
	fn warn_now(&self) -> bool {
		self.rounds.is_multiple_of(REPEAT_WARNING_EVERY)
	}

	/// Logs `text` as a warning, unless it is the one logged last and the round is not one of
	/// every [`REPEAT_WARNING_EVERY`]: a gateway that is down or refuses is said when it starts
	/// and then about once a minute, not every round (the repeats go to `debug`).
	fn warn(&self, text: String) {
		let mut last = self.last_warning.lock();
		if last.as_deref() != Some(text.as_str()) || self.warn_now() {
			log::warn!(target: LOG_TARGET, "{text}");
			*last = Some(text);
		} else {
			log::debug!(target: LOG_TARGET, "{text}");
		}
	}

	/// The outbox as stored, decoded.
	fn read_outbox(&self) -> Option<(Vec<u8>, Vec<Upload>)> {
		let bytes = self.storage.get(PREFIX, OUTBOX_KEY)?;
		match codec::Decode::decode(&mut &bytes[..]) {
			Ok(uploads) => Some((bytes, uploads)),
			Err(_) => {
				if self.warn_now() {
					log::error!(target: LOG_TARGET, "the Arweave outbox does not decode");
				}
				None
			},
		}
	}

	/// One round (see the [module docs](self)).
	async fn round(&mut self) {
		let Some((_, uploads)) = self.read_outbox() else { return };
		if uploads.iter().all(|upload| upload.mined_id().is_some()) {
			return;
		}
		let Some(gateway) = self.gateway.clone() else {
			self.warn(format!(
				"{} readings wait for Arweave: this node has no Arweave gateway \
				 (--collector-arweave-api)",
				uploads.len()
			));
			return;
		};
		let mut changes = self.follow_posted(&gateway, &uploads).await;
		changes.extend(self.post_queued(&gateway, &uploads).await);
		if !changes.is_empty() {
			self.write_back(&changes);
		}
	}

	/// Asks the gateway where each posted upload stands.
	async fn follow_posted(&self, gateway: &str, uploads: &[Upload]) -> Vec<Change> {
		let posted: Vec<(&Upload, [u8; 32])> = uploads
			.iter()
			.filter_map(|upload| match upload.state {
				UploadState::Posted { id, .. } => Some((upload, id)),
				_ => None,
			})
			.take(MAX_STATUSES_PER_ROUND)
			.collect();
		let statuses = futures::future::join_all(posted.iter().map(|(_, id)| {
			let request = get(format!("{gateway}/tx/{}/status", b64url(id)));
			fetch(&self.https, request, MAX_ANSWER_BYTES, GATEWAY_TIMEOUT)
		}))
		.await;
		let now = now_ms();
		let mut changes = Vec::new();
		for ((seen, id), answer) in posted.into_iter().zip(statuses) {
			let status = match answer {
				Ok(answer) => GatewayStatus::from_answer(answer.status, &answer.body),
				Err(_) => None,
			};
			let Some(status) = status else { continue };
			let mut updated = seen.clone();
			updated.on_status(status, now, self.confirmations);
			if updated == *seen {
				continue;
			}
			if matches!(updated.state, UploadState::Mined { .. }) {
				if let Err(why) = self.verify_stored(gateway, seen, &id).await {
					self.report_unverified(seen.vehicle, &id, &why);
					continue;
				}
			}
			match updated.state {
				UploadState::Mined { .. } => log::info!(
					target: LOG_TARGET,
					"vehicle {}: reading of {} mined on Arweave as {}",
					seen.vehicle,
					seen.observed_to,
					b64url(&id)
				),
				_ => log::warn!(
					target: LOG_TARGET,
					"vehicle {}: the gateway no longer knows transaction {}; posting it again",
					seen.vehicle,
					b64url(&id)
				),
			}
			changes.push(Change { seen: seen.clone(), updated });
		}
		changes
	}

	/// Logs that transaction `id` of `vehicle` failed its check ([`Uploader::verify_stored`]):
	/// a warning the first time, `debug` after (it is checked again every round).
	fn report_unverified(&self, vehicle: u64, id: &[u8; 32], why: &str) {
		let text = format!(
			"vehicle {vehicle}: the gateway reports transaction {} mined, but {why}; it is not \
			 anchored",
			b64url(id)
		);
		let mut reported = self.unverified_reported.lock();
		// Bounded like the outbox; forgetting only repeats a warning.
		if reported.len() >= outbox::MAX_UPLOADS {
			reported.clear();
		}
		if reported.insert(*id) {
			log::warn!(target: LOG_TARGET, "{text}");
		} else {
			log::debug!(target: LOG_TARGET, "{text}");
		}
	}

	/// Checks that Arweave holds `upload` as transaction `id` before it is anchored: the
	/// posting gateway and each `--collector-arweave-check-api` serve the transaction's data
	/// (`GET /tx/{id}/data`, base64url) and it hashes to the upload's CID, and each check
	/// gateway also reports it mined with the confirmations asked for. The posting gateway's
	/// "mined" alone is not believed: a gateway that dropped the transaction, or never passed
	/// it on, cannot serve data hashing to the CID; and one that keeps the data to itself
	/// cannot make another gateway count confirmations. `Err` says what did not hold.
	async fn verify_stored(
		&self,
		gateway: &str,
		upload: &Upload,
		id: &[u8; 32],
	) -> Result<(), String> {
		let tx = b64url(id);
		for check in &self.checks {
			let request = get(format!("{check}/tx/{tx}/status"));
			let status = fetch(&self.https, request, MAX_ANSWER_BYTES, GATEWAY_TIMEOUT)
				.await
				.ok()
				.and_then(|answer| GatewayStatus::from_answer(answer.status, &answer.body));
			match status {
				Some(GatewayStatus::Mined { confirmations })
					if confirmations >= self.confirmations => {},
				other => return Err(format!("{check} reports it {other:?}")),
			}
		}
		// Base64url: 4 characters per 3 bytes, and room for a newline or two.
		let most = (upload.size as usize).saturating_mul(4) / 3 + 16;
		for source in core::iter::once(gateway).chain(self.checks.iter().map(String::as_str)) {
			let request = get(format!("{source}/tx/{tx}/data"));
			let answer = fetch(&self.https, request, most, GATEWAY_TIMEOUT)
				.await
				.map_err(|why| format!("{source} does not serve its data: {why}"))?;
			if answer.status != 200 {
				return Err(format!("{source} does not serve its data (status {})", answer.status));
			}
			let data = b64url_decode(String::from_utf8_lossy(&answer.body).trim())
				.ok_or_else(|| format!("{source} serves data that is not base64url"))?;
			if Cid::of_raw(&data).as_bytes()[..] != upload.cid[..] {
				return Err(format!(
					"the data {source} serves for it is not the envelope posted ({} bytes, another hash)",
					data.len()
				));
			}
		}
		Ok(())
	}

	/// The wallet that `collector_setArweaveWallet` sealed, opened.
	fn wallet(&self) -> Option<Wallet> {
		let seal_key = crate::node_seal_key(&self.keystore, false).ok()??;
		let stored = self.storage.get(PREFIX, WALLET_KEY)?;
		let sealed: Sealed = codec::Decode::decode(&mut &stored[..]).ok()?;
		let jwk: Vec<u8> = seal_key.open_value(WALLET_KEY, &sealed)?;
		Wallet::from_jwk(&jwk).ok()
	}

	/// Posts the queued uploads, each as a transaction signed by the wallet.
	async fn post_queued(&self, gateway: &str, uploads: &[Upload]) -> Vec<Change> {
		let queued: Vec<&Upload> =
			uploads.iter().filter(|upload| upload.is_queued()).take(MAX_POSTS_PER_ROUND).collect();
		if queued.is_empty() {
			return Vec::new();
		}
		let Some(wallet) = self.wallet() else {
			self.warn(format!(
				"{} readings wait for Arweave: this node has no Arweave wallet that opens \
				 (collector_setArweaveWallet)",
				queued.len()
			));
			return Vec::new();
		};
		let anchor = match self.text(format!("{gateway}/tx_anchor")).await {
			Ok(text) => b64url_decode(text.trim()),
			Err(why) => {
				self.warn(format!(
					"{} readings wait for Arweave: the gateway {gateway} gave no anchor: {why}",
					queued.len()
				));
				return Vec::new();
			},
		};
		let Some(anchor) = anchor else {
			self.warn(format!("the gateway {gateway} gave an anchor that is not base64url"));
			return Vec::new();
		};
		let mut changes = Vec::new();
		for seen in queued {
			match self.post(gateway, &wallet, &anchor, seen).await {
				Ok(id) => {
					log::info!(
						target: LOG_TARGET,
						"vehicle {}: reading of {} posted to Arweave as {} ({} bytes)",
						seen.vehicle,
						seen.observed_to,
						b64url(&id),
						seen.size
					);
					let mut updated = seen.clone();
					updated.posted(id, now_ms());
					changes.push(Change { seen: seen.clone(), updated });
				},
				Err(why) => {
					self.warn(format!(
						"vehicle {}: reading of {} not stored on Arweave yet: {why}",
						seen.vehicle, seen.observed_to
					));
					// The gateway's refusal most likely holds for the next ones (no balance).
					break;
				},
			}
		}
		changes
	}

	/// Posts `upload` as a transaction anchored on `anchor`; its id once the gateway took it.
	async fn post(
		&self,
		gateway: &str,
		wallet: &Wallet,
		anchor: &[u8],
		upload: &Upload,
	) -> Result<[u8; 32], String> {
		let envelope: Vec<u8> = self
			.storage
			.get(PREFIX, &upload.envelope_key())
			.and_then(|bytes| codec::Decode::decode(&mut &bytes[..]).ok())
			.ok_or("its envelope is not in offchain storage")?;
		let price = self.text(format!("{gateway}/price/{}", envelope.len())).await?;
		let reward: u128 =
			price.trim().parse().map_err(|_| format!("the gateway's price {price:?}"))?;
		let transaction =
			Transaction::new(wallet.owner(), anchor.to_vec(), reward, upload.tags(), envelope);
		let signer = wallet.clone();
		let signed = transaction.clone();
		let signature = tokio::task::spawn_blocking(move || signer.sign(&signed))
			.await
			.map_err(|e| format!("signing: {e}"))?
			.map_err(|e| format!("signing: {e}"))?;
		let request = Request {
			method: "POST",
			url: format!("{gateway}/tx"),
			headers: vec![("Content-Type", "application/json".into())],
			body: transaction.to_json(&signature),
		};
		let answer = fetch(&self.https, request, MAX_ANSWER_BYTES, GATEWAY_TIMEOUT)
			.await
			.map_err(|why| format!("{gateway} unreachable: {why}"))?;
		// 208: the gateway holds this very transaction already.
		if matches!(answer.status, 200 | 208) {
			Ok(Transaction::id(&signature))
		} else {
			Err(format!("{gateway} refused it: {} {}", answer.status, answer.body_text(200)))
		}
	}

	/// The text of a `200` answer to `GET url`.
	async fn text(&self, url: String) -> Result<String, String> {
		let answer = fetch(&self.https, get(url), MAX_ANSWER_BYTES, GATEWAY_TIMEOUT).await?;
		if answer.status != 200 {
			return Err(format!("status {}: {}", answer.status, answer.body_text(200)));
		}
		Ok(String::from_utf8_lossy(&answer.body).into_owned())
	}

	/// Applies `changes` to the outbox as it is now, with compare-and-set.
	fn write_back(&mut self, changes: &[Change]) {
		for _ in 0..WRITE_TRIES {
			let Some((bytes, mut uploads)) = self.read_outbox() else { return };
			if outbox::apply(&mut uploads, changes) == 0 {
				return;
			}
			let new = codec::Encode::encode(&uploads);
			if self.storage.compare_and_set(PREFIX, OUTBOX_KEY, Some(&bytes), &new) {
				return;
			}
		}
		log::warn!(target: LOG_TARGET, "the outbox kept changing under the uploader's write");
	}
}

fn get(url: String) -> Request {
	Request { method: "GET", url, headers: vec![], body: vec![] }
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn gateways_are_https_or_loopback() {
		assert_eq!(parse_gateway("https://arweave.net/"), Ok("https://arweave.net".into()));
		assert_eq!(parse_gateway("http://127.0.0.1:1984"), Ok("http://127.0.0.1:1984".into()));
		assert_eq!(parse_gateway("http://localhost:1984/"), Ok("http://localhost:1984".into()));
		assert!(parse_gateway("http://arweave.net").is_err());
		assert!(parse_gateway("ftp://arweave.net").is_err());
		assert!(parse_gateway("https://arweave.net/tx").is_err());
		assert!(parse_gateway("arweave.net").is_err());
	}
}
