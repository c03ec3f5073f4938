//! The collector's Arweave uploader: posts the envelopes that the offchain worker put in the
//! Arweave outbox ([`dimo_offchain::arweave::outbox`]) to Arweave, all those queued in a round
//! as the data items of one ANS-104 bundle ([`dimo_offchain::arweave::bundle`]) in one
//! transaction, and follows that transaction until the gateway reports it mined, for the
//! worker to anchor each reading under its data item's id.
//!
//! It runs in the node, not in the worker, because it signs: an Arweave wallet is an RSA-4096
//! key, and an RSA private-key operation takes milliseconds natively against seconds in the
//! runtime's wasm (with every transaction of a run inside one worker run's deadline); and the
//! key then never enters the runtime. The wallet comes from `collector_setArweaveWallet`,
//! sealed in offchain storage under the node's sealing key ([`dimo_offchain::seal`]); it is
//! opened for a round that has something to post and dropped after it, and never logged.
//!
//! The data items are signed with the node's Ed25519 item key ([`ITEM_KEY_TYPE`], made in
//! the keystore the first time it is needed): thousands of signatures in milliseconds, where
//! the wallet's RSA-4096 signs one transaction a round. A bundle holds at most
//! [`MAX_ITEMS_PER_BUNDLE`] readings and [`MAX_BUNDLE_BYTES`], so that its transaction's data
//! goes inline in one `POST /tx`.
//!
//! Every [`ROUND_EVERY`], a round (posting at most once every [`POST_EVERY`]):
//! 1. asks the gateway (`--collector-arweave-api`) the status of each posted transaction
//!    (`GET /tx/{id}/status`), once per bundle: mined with `--collector-arweave-confirmations`
//!    (default 10), its uploads are ready to anchor (a recent Arweave block can still be
//!    orphaned) once the uploader has seen for itself that Arweave holds them
//!    ([`Uploader::verify_bundle`]: the bundle's data comes back from the gateway and from
//!    every `--collector-arweave-check-api`, which must also count the confirmations, and
//!    holds each upload's data item, signed, with data that hashes to the anchored CID; and the
//!    gateways serve an item by its own id); a gateway that says "mined" for what it does not
//!    serve is logged and nothing is anchored; unknown long after it was posted
//!    ([`outbox::REPOST_AFTER_MS`]), its uploads are queued again;
//! 2. posts the queued ones: each envelope a data item with the upload's tags, signed; the
//!    bundle of them in a format-2 transaction tagged as a bundle, with a fresh anchor
//!    (`GET /tx_anchor`) and price (`GET /price/{bytes}`), signed by the wallet, `POST /tx`. A
//!    refusal (no balance, a bad anchor) or a gateway that does not answer leaves the uploads
//!    queued, logged with the gateway's answer, and they are tried again next round;
//! 3. writes what changed back with compare-and-set, applying each change only to an entry
//!    still as it was read ([`outbox::apply`]), since the worker adds and removes entries
//!    meanwhile.

use std::time::Duration;

use crate::{
	https::{fetch, https_client, HttpsClient},
	now_ms,
};
use dimo_offchain::{
	arweave::{
		b64url, b64url_decode,
		bundle::{self, DataItem, ParsedItem, ITEM_KEY_TYPE},
		outbox::{self, Change, GatewayStatus, Upload, UploadState, OUTBOX_KEY},
		wallet::Wallet,
		Transaction, WALLET_KEY,
	},
	cid::Cid,
	oem::Request,
	seal::Sealed,
};
use sp_core::offchain::OffchainStorage;
use sp_keystore::{Keystore, KeystorePtr};
use std::collections::BTreeMap;

/// The log target of the uploader's lines.
pub const LOG_TARGET: &str = "dimo::arweave";

/// How often the uploader looks at the outbox.
pub const ROUND_EVERY: Duration = Duration::from_secs(2);

/// The least time between two bundles posted: a block. A commitment takes the readings of one
/// bundle, and the collector commits at most once a block, so bundles posted faster than that
/// would queue up behind one another; one a block carries a block's readings (up to
/// [`MAX_ITEMS_PER_BUNDLE`]) and keeps pace.
pub const POST_EVERY: Duration = Duration::from_millis(dimo_primitives::time::MILLI_SECS_PER_BLOCK);

/// The most readings in one bundle (one round's post).
pub const MAX_ITEMS_PER_BUNDLE: usize = 4_096;

/// The largest bundle, in bytes: its transaction's data goes inline in one `POST /tx`, which
/// Arweave nodes take up to about 10 MiB (base64url makes it a third larger).
pub const MAX_BUNDLE_BYTES: usize = 4 * 1024 * 1024;

/// The most transactions whose status is asked in one round.
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
	/// When the last bundle was posted.
	last_post: Option<std::time::Instant>,
	/// The warning logged last ([`Uploader::warn`]).
	last_warning: parking_lot::Mutex<Option<String>>,
	/// The transactions whose failed check was logged as a warning already: a lying gateway
	/// is said once per transaction, not every round for each (the repeats go to `debug`).
	unverified_reported: parking_lot::Mutex<std::collections::HashSet<[u8; 32]>>,
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
			last_post: None,
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
		if self.last_post.is_none_or(|at| at.elapsed() >= POST_EVERY) {
			let posted = self.post_queued(&gateway, &uploads).await;
			if !posted.is_empty() {
				self.last_post = Some(std::time::Instant::now());
			}
			changes.extend(posted);
		}
		if !changes.is_empty() {
			self.write_back(&changes);
		}
	}

	/// Asks the gateway where each posted transaction stands (once per bundle), and moves its
	/// uploads on: mined and checked ([`Uploader::verify_bundle`]), ready to anchor; dropped,
	/// queued again.
	async fn follow_posted(&self, gateway: &str, uploads: &[Upload]) -> Vec<Change> {
		let mut by_tx: BTreeMap<[u8; 32], Vec<&Upload>> = BTreeMap::new();
		for upload in uploads {
			if let Some(tx) = upload.posted_in() {
				if by_tx.len() < MAX_STATUSES_PER_ROUND || by_tx.contains_key(&tx) {
					by_tx.entry(tx).or_default().push(upload);
				}
			}
		}
		let statuses = futures::future::join_all(by_tx.keys().map(|tx| {
			let request = get(format!("{gateway}/tx/{}/status", b64url(tx)));
			fetch(&self.https, request, MAX_ANSWER_BYTES, GATEWAY_TIMEOUT)
		}))
		.await;
		let now = now_ms();
		let mut changes = Vec::new();
		for ((tx, posted), answer) in by_tx.into_iter().zip(statuses) {
			let status = match answer {
				Ok(answer) => GatewayStatus::from_answer(answer.status, &answer.body),
				Err(_) => None,
			};
			let Some(status) = status else { continue };
			let moved: Vec<Change> = posted
				.into_iter()
				.filter_map(|seen| {
					let mut updated = seen.clone();
					updated.on_status(status, now, self.confirmations);
					(updated != *seen).then(|| Change { seen: seen.clone(), updated })
				})
				.collect();
			let Some(first) = moved.first() else { continue };
			let mined = first.updated.mined_id().is_some();
			if mined {
				let seen: Vec<&Upload> = moved.iter().map(|change| &change.seen).collect();
				let checked = if first.updated.mined_bundle().is_some() {
					self.verify_bundle(gateway, &tx, &seen).await
				} else {
					self.verify_stored(gateway, first.seen.clone(), &tx).await
				};
				if let Err(why) = checked {
					self.report_unverified(&tx, seen.len(), &why);
					continue;
				}
				for change in &moved {
					log::info!(
						target: LOG_TARGET,
						"vehicle {}: reading of {} mined on Arweave as {}{}",
						change.seen.vehicle,
						change.seen.observed_to,
						b64url(&change.updated.mined_id().unwrap_or_default()),
						change
							.updated
							.mined_bundle()
							.map(|bundle| format!(" in bundle {}", b64url(&bundle)))
							.unwrap_or_default(),
					);
				}
			} else {
				log::warn!(
					target: LOG_TARGET,
					"the gateway no longer knows transaction {}; its {} readings are posted again",
					b64url(&tx),
					moved.len()
				);
			}
			changes.extend(moved);
		}
		changes
	}

	/// Logs that transaction `tx`, holding `readings`, failed its check: a warning the first
	/// time, `debug` after (it is checked again every round).
	fn report_unverified(&self, tx: &[u8; 32], readings: usize, why: &str) {
		let text = format!(
			"the gateway reports transaction {} mined, but {why}; none of its {readings} \
			 readings is anchored",
			b64url(tx)
		);
		let mut reported = self.unverified_reported.lock();
		// Bounded like the outbox; forgetting only repeats a warning.
		if reported.len() >= outbox::MAX_UPLOADS {
			reported.clear();
		}
		if reported.insert(*tx) {
			log::warn!(target: LOG_TARGET, "{text}");
		} else {
			log::debug!(target: LOG_TARGET, "{text}");
		}
	}

	/// Checks that each check gateway (`--collector-arweave-check-api`) reports transaction `tx`
	/// mined with the confirmations asked for: a gateway that keeps data to itself cannot make
	/// another gateway count confirmations.
	async fn check_confirmations(&self, tx: &str) -> Result<(), String> {
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
		Ok(())
	}

	/// The data of transaction `tx` as `source` serves it (`GET /tx/{tx}/data`, base64url), at
	/// most `most` bytes.
	async fn tx_data(&self, source: &str, tx: &str, most: usize) -> Result<Vec<u8>, String> {
		// Base64url: 4 characters per 3 bytes, and room for a newline or two.
		let most = most.saturating_mul(4) / 3 + 16;
		let request = get(format!("{source}/tx/{tx}/data"));
		let answer = fetch(&self.https, request, most, GATEWAY_TIMEOUT)
			.await
			.map_err(|why| format!("{source} does not serve its data: {why}"))?;
		if answer.status != 200 {
			return Err(format!("{source} does not serve its data (status {})", answer.status));
		}
		b64url_decode(String::from_utf8_lossy(&answer.body).trim())
			.ok_or_else(|| format!("{source} serves data that is not base64url"))
	}

	/// Checks that Arweave holds the `uploads` that bundle transaction `tx` carries before they
	/// are anchored: each check gateway counts the confirmations; the posting gateway and each
	/// check gateway serve the transaction's data, and it is a bundle holding each upload's data
	/// item, signed by its owner, with data that hashes to the upload's CID; and each serves the
	/// first upload's item by its own id (`GET /{item}`), as readers fetch it. The posting
	/// gateway's "mined" alone is not believed: a gateway that dropped the transaction, or never
	/// passed it on, cannot serve a bundle of items that hash to the CIDs. `Err` says what did
	/// not hold.
	async fn verify_bundle(
		&self,
		gateway: &str,
		tx: &[u8; 32],
		uploads: &[&Upload],
	) -> Result<(), String> {
		let tx = b64url(tx);
		self.check_confirmations(&tx).await?;
		for source in core::iter::once(gateway).chain(self.checks.iter().map(String::as_str)) {
			let data = self.tx_data(source, &tx, MAX_BUNDLE_BYTES).await?;
			let items = bundle::unbundle(&data).ok_or_else(|| {
				format!("the data {source} serves for it is not a bundle ({} bytes)", data.len())
			})?;
			let items: BTreeMap<[u8; 32], &[u8]> = items.into_iter().collect();
			for upload in uploads {
				let UploadState::Bundled { item, .. } = upload.state else {
					return Err(format!("vehicle {}: not posted in a bundle", upload.vehicle));
				};
				let held = items
					.get(&item)
					.and_then(|bytes| ParsedItem::parse(bytes))
					.filter(|parsed| parsed.id == item && parsed.verify());
				let Some(parsed) = held else {
					return Err(format!(
						"the bundle {source} serves lacks vehicle {}'s data item {}, signed",
						upload.vehicle,
						b64url(&item)
					));
				};
				if Cid::of_raw(parsed.data).as_bytes()[..] != upload.cid[..] {
					return Err(format!(
						"the data of item {} that {source} serves is not the envelope posted",
						b64url(&item)
					));
				}
			}
			if let Some(UploadState::Bundled { item, .. }) = uploads.first().map(|u| u.state) {
				let answer = fetch(
					&self.https,
					get(format!("{source}/{}", b64url(&item))),
					MAX_BUNDLE_BYTES,
					GATEWAY_TIMEOUT,
				)
				.await
				.map_err(|why| format!("{source} does not serve item {}: {why}", b64url(&item)))?;
				let first = uploads.first().map(|u| u.cid.clone()).unwrap_or_default();
				if answer.status != 200 || Cid::of_raw(&answer.body).as_bytes()[..] != first[..] {
					return Err(format!(
						"{source} does not serve item {} by its id (status {})",
						b64url(&item),
						answer.status
					));
				}
			}
		}
		Ok(())
	}

	/// Checks that Arweave holds `upload`, posted by an older node as its own transaction `id`,
	/// before it is anchored: each check gateway counts the confirmations, and the posting
	/// gateway and each check gateway serve the transaction's data (`GET /tx/{id}/data`) and it
	/// hashes to the upload's CID. `Err` says what did not hold.
	async fn verify_stored(
		&self,
		gateway: &str,
		upload: Upload,
		id: &[u8; 32],
	) -> Result<(), String> {
		let tx = b64url(id);
		self.check_confirmations(&tx).await?;
		for source in core::iter::once(gateway).chain(self.checks.iter().map(String::as_str)) {
			let data = self.tx_data(source, &tx, upload.size as usize).await?;
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

	/// The public key of the node's Ed25519 item key, made in the keystore (and logged) the
	/// first time.
	fn item_key(&self) -> Result<sp_core::ed25519::Public, String> {
		if let Some(public) = self.keystore.ed25519_public_keys(ITEM_KEY_TYPE).into_iter().next() {
			return Ok(public);
		}
		let public = self
			.keystore
			.ed25519_generate_new(ITEM_KEY_TYPE, None)
			.map_err(|e| format!("the keystore could not make an item key: {e}"))?;
		log::info!(
			target: LOG_TARGET,
			"Arweave data items are signed by the node's new item key {} (address {})",
			b64url(&public.0),
			b64url(&dimo_offchain::arweave::address_of(&public.0)),
		);
		Ok(public)
	}

	/// Posts the queued uploads, as many as fit, as one bundle in a transaction signed by the
	/// wallet.
	async fn post_queued(&self, gateway: &str, uploads: &[Upload]) -> Vec<Change> {
		let queued: Vec<&Upload> = uploads.iter().filter(|upload| upload.is_queued()).collect();
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
		let owner = match self.item_key() {
			Ok(owner) => owner,
			Err(why) => {
				self.warn(format!("{} readings wait for Arweave: {why}", queued.len()));
				return Vec::new();
			},
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
		let (bundled, items) = match self.sign_items(owner, &queued).await {
			Ok(signed) => signed,
			Err(why) => {
				self.warn(format!("{} readings wait for Arweave: {why}", queued.len()));
				return Vec::new();
			},
		};
		let count = bundled.len();
		if count == 0 {
			return Vec::new();
		}
		let bundle = bundle::bundle(&items);
		let bytes = bundle.len();
		let tx = match self.post(gateway, &wallet, &anchor, bundle).await {
			Ok(tx) => tx,
			Err(why) => {
				// Left queued: the next round tries again, with a new anchor.
				self.warn(format!("{count} readings not stored on Arweave yet: {why}"));
				return Vec::new();
			},
		};
		log::info!(
			target: LOG_TARGET,
			"{count} readings posted to Arweave in bundle {} ({bytes} bytes)",
			b64url(&tx)
		);
		let now = now_ms();
		bundled
			.into_iter()
			.zip(items)
			.map(|(seen, (item, _))| {
				log::info!(
					target: LOG_TARGET,
					"vehicle {}: reading of {} posted to Arweave as {} in bundle {}",
					seen.vehicle,
					seen.observed_to,
					b64url(&item),
					b64url(&tx)
				);
				let mut updated = seen.clone();
				updated.bundled(tx, item, now);
				Change { seen, updated }
			})
			.collect()
	}

	/// Signs the envelopes of `queued` (as many as a bundle holds) as data items of `owner`:
	/// the uploads taken and each one's item id and bytes. An upload whose envelope is missing
	/// is left out (and logged).
	async fn sign_items(
		&self,
		owner: sp_core::ed25519::Public,
		queued: &[&Upload],
	) -> Result<(Vec<Upload>, Vec<([u8; 32], Vec<u8>)>), String> {
		let mut taken = Vec::new();
		let mut bytes = 32usize;
		for upload in queued.iter().take(MAX_ITEMS_PER_BUNDLE) {
			let envelope: Option<Vec<u8>> = self
				.storage
				.get(PREFIX, &upload.envelope_key())
				.and_then(|bytes| codec::Decode::decode(&mut &bytes[..]).ok());
			let Some(envelope) = envelope else {
				log::warn!(
					target: LOG_TARGET,
					"vehicle {}: the envelope of its reading of {} is not in offchain storage",
					upload.vehicle,
					upload.observed_to
				);
				continue;
			};
			let item = DataItem { owner: owner.0, tags: upload.tags(), data: envelope };
			// Its header in the bundle, and the item: fixed part, tags and data.
			let size = 64 + 116 + bundle::encode_tags(&item.tags).len() + item.data.len();
			if !taken.is_empty() && bytes.saturating_add(size) > MAX_BUNDLE_BYTES {
				break;
			}
			bytes = bytes.saturating_add(size);
			taken.push(((*upload).clone(), item));
		}
		let keystore = self.keystore.clone();
		tokio::task::spawn_blocking(move || {
			let mut uploads = Vec::with_capacity(taken.len());
			let mut items = Vec::with_capacity(taken.len());
			for (upload, item) in taken {
				let signature = keystore
					.ed25519_sign(ITEM_KEY_TYPE, &owner, &item.signature_data())
					.map_err(|e| format!("signing a data item: {e}"))?
					.ok_or("the item key left the keystore")?;
				items.push((bundle::item_id(&signature.0), item.to_bytes(&signature.0)));
				uploads.push(upload);
			}
			Ok((uploads, items))
		})
		.await
		.map_err(|e| format!("signing: {e}"))?
	}

	/// Posts `bundle` as the data of a transaction anchored on `anchor` and tagged as a bundle;
	/// its id once the gateway took it.
	async fn post(
		&self,
		gateway: &str,
		wallet: &Wallet,
		anchor: &[u8],
		bundle: Vec<u8>,
	) -> Result<[u8; 32], String> {
		let price = self.text(format!("{gateway}/price/{}", bundle.len())).await?;
		let reward: u128 =
			price.trim().parse().map_err(|_| format!("the gateway's price {price:?}"))?;
		let transaction = Transaction::new(
			wallet.owner(),
			anchor.to_vec(),
			reward,
			bundle::bundle_tags(),
			bundle,
		);
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
