//! The gateway: the JSON-RPC methods through which owners and grantees read a vehicle's data
//! from the collector node that collects it.
//!
//! - `dimo_readStream(vehicle, stream, auth, from?, limit?)`: the readings the node still keeps
//!   ([`dimo_offchain::readings`]), each reduced to the stream's view
//!   ([`dimo_offchain::streams`]);
//! - `dimo_subscribeStream(vehicle, stream, auth)` (notifications `dimo_streamReading`,
//!   `dimo_unsubscribeStream`): each new reading, reduced the same way, as soon as the node
//!   has it; a last notification `{"closed": {...}}` says why the subscription ends.
//!
//! They are **safe** methods: whoever calls them proves who they are with `auth`, and reads
//! only what the chain's access list lets that account read, so that a collector may expose
//! them to apps. `auth` is the account, the last block at which the proof is good, and the
//! account's signature (any kind the runtime's accounts use: sr25519, ed25519, ecdsa, SCALE
//! `MultiSignature`) over
//!
//! ```text
//! "dimo/stream-auth/v1" ++ genesis hash (32 bytes) ++ vehicle (u64 LE) ++ stream (u8, its
//! index in the runtime's Stream enum) ++ expiry (u32 LE)
//! ```
//!
//! or over those bytes wrapped in `<Bytes>`...`</Bytes>` (what browser extensions sign). A
//! proof for another chain does not verify; one whose expiry has passed is refused.
//!
//! Access is the runtime's answer (`DataAccessApi::access_list`) at the best block: when the
//! call comes, and for a subscription again at **every** new best block. The owner reads
//! every stream; anyone else the streams granted to it (or public) that have not expired. A
//! subscription (push) needs the stream and `liveDataSubscription`; a query needs the stream.
//! Readings observed under a previous owner are served to nobody: a new owner reads the car
//! from the day it got it.
//!
//! Bounds: [`MAX_SUBSCRIPTIONS_PER_CONNECTION`] and [`MAX_SUBSCRIPTIONS`] per node; a
//! subscriber that does not keep up (the connection's buffer full) is dropped with the reason
//! `slowConsumer`; a query answers at most [`MAX_READ_LIMIT`] readings.

use std::{collections::HashMap, sync::Arc, time::Duration};

use codec::{Decode, Encode};
use dimo_offchain::{
	credentials::VEHICLES_KEY,
	readings::{head_key, slot_key, Head, KeptReading},
	seal::{SealKey, Sealed},
	settings::{Settings, SETTINGS_KEY},
	streams::{self, NoView, View},
};
use dimo_primitives::{
	vehicle::{Stream, VehicleId},
	AccountId, BlockNumber, Signature,
};
use dimo_runtime::opaque::Block;
use futures::{FutureExt, StreamExt};
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::error::{ErrorObject, ErrorObjectOwned},
	ConnectionId, PendingSubscriptionSink, SubscriptionMessage, SubscriptionSink,
};
use pallet_data_access_runtime_api::{AccessList, DataAccessApi, StreamExpiry};
use parking_lot::Mutex;
use sc_client_api::BlockchainEvents;
use serde::{Deserialize, Serialize};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{offchain::OffchainStorage, Bytes};
use sp_keystore::KeystorePtr;
use sp_runtime::traits::{Block as BlockT, Header as _, Verify};

/// The caller's account may not read this stream of this vehicle (or may not have it pushed).
pub const NO_ACCESS: i32 = 20;
/// `auth`'s signature does not verify: wrong key, wrong payload, or another chain.
pub const BAD_SIGNATURE: i32 = 21;
/// `auth`'s expiry block has passed.
pub const AUTH_EXPIRED: i32 = 22;
/// The stream is not a stream name, or has no view of readings (`liveDataSubscription`,
/// `vinCredential`).
pub const NO_SUCH_STREAM: i32 = 23;
/// This node keeps no reading of the vehicle: it does not collect it.
pub const NOT_COLLECTED_HERE: i32 = 24;
/// The connection or the node has as many subscriptions as it may.
pub const TOO_MANY_SUBSCRIPTIONS: i32 = 25;

/// The most subscriptions one connection may hold.
pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: usize = 16;
/// The most subscriptions the node serves at once.
pub const MAX_SUBSCRIPTIONS: usize = 4096;
/// The most readings one `dimo_readStream` answers.
pub const MAX_READ_LIMIT: u32 = 1000;
/// How often a subscription looks for new readings in the node's store.
const POLL_READINGS: Duration = Duration::from_millis(250);

/// What `auth` signs, before the signature.
pub const AUTH_CONTEXT: &[u8] = b"dimo/stream-auth/v1";

/// The proof that the caller holds `account`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StreamAuth {
	/// The account, SS58.
	pub account: AccountId,
	/// The last block at which the proof is good.
	pub expiry: BlockNumber,
	/// The SCALE-encoded `MultiSignature` of [`auth_payload`], hex.
	pub signature: Bytes,
}

/// The bytes that `auth` signs (see the [module docs](self)).
pub fn auth_payload(
	genesis: &[u8],
	vehicle: VehicleId,
	stream: Stream,
	expiry: BlockNumber,
) -> Vec<u8> {
	let mut payload = AUTH_CONTEXT.to_vec();
	payload.extend_from_slice(genesis);
	payload.extend_from_slice(&vehicle.to_le_bytes());
	payload.extend_from_slice(&stream.encode());
	payload.extend_from_slice(&expiry.to_le_bytes());
	payload
}

/// Whether `auth` is `auth.account`'s signature of the payload of `vehicle` and `stream` on the
/// chain of `genesis`, raw or wrapped in `<Bytes>`.
pub fn verify_auth(genesis: &[u8], vehicle: VehicleId, stream: Stream, auth: &StreamAuth) -> bool {
	let Ok(signature) = Signature::decode(&mut &auth.signature[..]) else { return false };
	let payload = auth_payload(genesis, vehicle, stream, auth.expiry);
	let wrapped = [&b"<Bytes>"[..], &payload, b"</Bytes>"].concat();
	signature.verify(&payload[..], &auth.account) || signature.verify(&wrapped[..], &auth.account)
}

/// One reading as the gateway serves it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamReading {
	/// Its number among the vehicle's kept readings: `from` for the next query.
	pub number: u64,
	/// The stream's view of the reading: a record (canonical JSON, the signals the stream
	/// allows); absent for `rawData`.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub record: Option<serde_json::Value>,
	/// `rawData`: the OEM's answer as received, hex.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub raw: Option<Bytes>,
	/// The CID of the reading's envelope on IPFS (base32), if it went there.
	pub envelope_cid: Option<String>,
	/// The id of the content key that sealed the envelope.
	pub key_id: u32,
}

/// Why a subscription ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CloseReason {
	/// The owner (or an admin) revoked the stream.
	Revoked,
	/// The grant (or the public stream) reached its expiry block.
	Expired,
	/// The vehicle changed hands.
	Transferred,
	/// The vehicle was retired.
	Retired,
	/// The `auth` expiry block passed.
	AuthExpired,
	/// The subscriber did not read its notifications fast enough.
	SlowConsumer,
}

/// A notification of `dimo_subscribeStream`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum StreamEvent {
	/// A new reading.
	Reading(StreamReading),
	/// The last notification: the subscription is over.
	Closed {
		/// Why.
		reason: CloseReason,
		/// The best block at which it was seen.
		block: BlockNumber,
	},
}

/// The gateway's methods.
#[rpc(server)]
pub trait StreamApi {
	/// The readings of `vehicle` that this node keeps, reduced to `stream`'s view, from
	/// reading number `from` (the oldest kept if omitted), at most `limit` (100 if omitted,
	/// at most 1000). `currentLocation` answers the latest reading with a position only.
	#[method(name = "dimo_readStream", blocking)]
	fn read_stream(
		&self,
		vehicle: VehicleId,
		stream: String,
		auth: StreamAuth,
		from: Option<u64>,
		limit: Option<u32>,
	) -> RpcResult<Vec<StreamReading>>;

	/// Each new reading of `vehicle`, reduced to `stream`'s view, as soon as this node has
	/// it, for as long as `auth`'s account may read it.
	#[subscription(
		name = "dimo_subscribeStream" => "dimo_streamReading",
		unsubscribe = "dimo_unsubscribeStream",
		item = StreamEvent
	)]
	fn subscribe_stream(&self, vehicle: VehicleId, stream: String, auth: StreamAuth);
}

/// The subscriptions held, per connection and in all.
#[derive(Default)]
struct Held {
	total: usize,
	per_connection: HashMap<ConnectionId, usize>,
}

/// A subscription's place in [`Held`], given back when dropped.
struct Slot {
	held: Arc<Mutex<Held>>,
	connection: ConnectionId,
}

impl Drop for Slot {
	fn drop(&mut self) {
		let mut held = self.held.lock();
		held.total = held.total.saturating_sub(1);
		if let Some(count) = held.per_connection.get_mut(&self.connection) {
			*count = count.saturating_sub(1);
			if *count == 0 {
				held.per_connection.remove(&self.connection);
			}
		}
	}
}

/// The access list of a vehicle at a block.
type AccessAt = Option<AccessList<AccountId, BlockNumber>>;

/// The access lists asked of the runtime, one per vehicle (the latest block asked): all the
/// subscriptions to one vehicle share one runtime call per block.
#[derive(Default)]
struct AccessCache {
	lists: HashMap<VehicleId, (<Block as BlockT>::Hash, AccessAt)>,
}

/// The gateway over the node's client, offchain storage and keystore.
pub struct Gateway<C, S> {
	client: Arc<C>,
	storage: Option<S>,
	keystore: KeystorePtr,
	spawn: sc_service::SpawnTaskHandle,
	held: Arc<Mutex<Held>>,
	access: Arc<Mutex<AccessCache>>,
}

impl<C, S: Clone> Clone for Gateway<C, S> {
	fn clone(&self) -> Self {
		Self {
			client: self.client.clone(),
			storage: self.storage.clone(),
			keystore: self.keystore.clone(),
			spawn: self.spawn.clone(),
			held: self.held.clone(),
			access: self.access.clone(),
		}
	}
}

impl<C, S> Gateway<C, S> {
	/// The gateway, spawning its subscriptions with `spawn`.
	pub fn new(
		client: Arc<C>,
		storage: Option<S>,
		keystore: KeystorePtr,
		spawn: sc_service::SpawnTaskHandle,
	) -> Self {
		Self {
			client,
			storage,
			keystore,
			spawn,
			held: Default::default(),
			access: Default::default(),
		}
	}
}

fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
	ErrorObject::owned(code, message.into(), None::<()>)
}

/// The stream named `name`, if it has a view of readings.
fn parse_stream(name: &str) -> RpcResult<Stream> {
	let stream = Stream::from_name(name).ok_or_else(|| {
		let shown: String = name.chars().take(32).collect();
		error(NO_SUCH_STREAM, format!("no stream is called {shown:?}"))
	})?;
	streams::has_view(stream).map_err(|why| {
		error(
			NO_SUCH_STREAM,
			match why {
				NoView::PushRight => {
					"liveDataSubscription is the right to have other streams \
				                      pushed: subscribe to one of them"
				},
				NoView::NotProduced => "nothing produces vinCredential yet",
			},
		)
	})?;
	Ok(stream)
}

/// The blake2-256 of an account, as kept readings name their owner.
fn account_hash(account: &AccountId) -> [u8; 32] {
	sp_io::hashing::blake2_256(&account.encode())
}

/// The entries of `list` that give `account` a stream: the public ones and its grant's.
fn entries_of<'a>(
	list: &'a AccessList<AccountId, BlockNumber>,
	account: &'a AccountId,
) -> impl Iterator<Item = &'a StreamExpiry<BlockNumber>> + 'a {
	list.public.iter().chain(
		list.grants.iter().filter(move |g| &g.grantee == account).flat_map(|g| g.streams.iter()),
	)
}

/// Whether `account` may read `stream` (and have it pushed, if `push`) by `list`.
fn may_read(
	list: &AccessList<AccountId, BlockNumber>,
	account: &AccountId,
	stream: Stream,
	push: bool,
) -> bool {
	if &list.owner == account {
		return true;
	}
	let granted: Vec<Stream> = entries_of(list, account).map(|entry| entry.stream).collect();
	granted.contains(&stream) && (!push || granted.contains(&Stream::LiveDataSubscription))
}

/// The earliest expiry among the entries that give `account` `stream` (and the push right),
/// `None` if none expires or `account` is the owner.
fn access_until(
	list: &AccessList<AccountId, BlockNumber>,
	account: &AccountId,
	stream: Stream,
	push: bool,
) -> Option<BlockNumber> {
	if &list.owner == account {
		return None;
	}
	// The latest expiry among the entries of one stream is when that stream ends.
	let end = |wanted: Stream| -> Option<BlockNumber> {
		let mut ends = entries_of(list, account)
			.filter(|entry| entry.stream == wanted)
			.map(|entry| entry.until);
		let first = ends.next()?;
		ends.fold(first, |a, b| match (a, b) {
			(Some(a), Some(b)) => Some(a.max(b)),
			_ => None,
		})
	};
	let mut until = end(stream);
	if push {
		until = match (until, end(Stream::LiveDataSubscription)) {
			(Some(a), Some(b)) => Some(a.min(b)),
			(a, b) => a.or(b),
		};
	}
	until
}

/// The node's store of kept readings, opened with its sealing key.
struct Store<S> {
	storage: S,
	seal_key: SealKey,
	keep: u32,
}

impl<S: OffchainStorage> Store<S> {
	fn get<V: Decode>(&self, key: &[u8]) -> Option<V> {
		let bytes = self.storage.get(sp_offchain::STORAGE_PREFIX, key)?;
		V::decode(&mut &bytes[..]).ok()
	}

	/// The number of the next reading of `vehicle`; `None` if the node never kept one and
	/// holds no credentials for it (it does not collect it).
	fn next(&self, vehicle: VehicleId) -> Option<u64> {
		self.get::<Head>(&head_key(vehicle)).map(|head| head.next).or_else(|| {
			let held: Vec<VehicleId> = self.get(VEHICLES_KEY).unwrap_or_default();
			held.contains(&vehicle).then_some(0)
		})
	}

	/// Reading `number` of `vehicle`, if still kept.
	fn reading(&self, vehicle: VehicleId, number: u64) -> Option<KeptReading> {
		let slot = slot_key(vehicle, number, self.keep);
		let sealed: Sealed = self.get(&slot)?;
		let reading: KeptReading = self.seal_key.open_value(&slot, &sealed)?;
		(reading.number == number).then_some(reading)
	}

	/// The oldest reading number that may still be kept.
	fn oldest(&self, next: u64) -> u64 {
		next.saturating_sub(u64::from(self.keep))
	}
}

/// `reading` as a reader of `stream` gets it, if it has something for that stream and was
/// observed under the owner whose hash is `owner`.
fn serve(reading: &KeptReading, stream: Stream, owner: &[u8; 32]) -> Option<StreamReading> {
	if &reading.owner != owner {
		return None;
	}
	let record = dimo_offchain::record::Record::from_canonical_bytes(&reading.record)?;
	let view = streams::view(stream, &record, reading.raw.as_deref()).ok()??;
	let (record, raw) = match view {
		View::Record(_) => (serde_json::from_slice(&view.to_bytes()).ok(), None),
		View::Raw(bytes) => (None, Some(Bytes(bytes))),
	};
	Some(StreamReading {
		number: reading.number,
		record,
		raw,
		envelope_cid: reading.envelope_cid.as_deref().map(dimo_offchain::cid::multibase32),
		key_id: reading.key_id,
	})
}

impl<C, S> Gateway<C, S>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: DataAccessApi<Block, AccountId, BlockNumber>,
	S: OffchainStorage + 'static,
{
	/// `vehicle`'s access list at block `hash`: asked of the runtime once per vehicle and block,
	/// whatever the number of subscriptions.
	fn access_list(
		&self,
		hash: <Block as BlockT>::Hash,
		vehicle: VehicleId,
	) -> Result<AccessAt, String> {
		if let Some((at, list)) = self.access.lock().lists.get(&vehicle) {
			if *at == hash {
				return Ok(list.clone());
			}
		}
		let list =
			self.client.runtime_api().access_list(hash, vehicle).map_err(|e| e.to_string())?;
		let mut cache = self.access.lock();
		// One entry per vehicle subscribed to; forget them all if that ever grows past the
		// subscriptions a node serves.
		if cache.lists.len() >= MAX_SUBSCRIPTIONS {
			cache.lists.clear();
		}
		cache.lists.insert(vehicle, (hash, list.clone()));
		Ok(list)
	}

	fn store(&self) -> RpcResult<Store<S>> {
		let not_here = || error(NOT_COLLECTED_HERE, "this node collects no vehicle");
		let storage = self.storage.clone().ok_or_else(not_here)?;
		let seal_key = super::collector::node_seal_key(&self.keystore, false)
			.ok()
			.flatten()
			.ok_or_else(not_here)?;
		let keep = storage
			.get(sp_offchain::STORAGE_PREFIX, SETTINGS_KEY)
			.and_then(|bytes| Settings::decode(&mut &bytes[..]).ok())
			.unwrap_or_default()
			.keep_readings;
		Ok(Store { storage, seal_key, keep })
	}

	/// Checks a call: the stream, the proof, the vehicle's store, and access at the best
	/// block. Returns the stream, the access list and the number of the next reading.
	fn check(
		&self,
		vehicle: VehicleId,
		stream: &str,
		auth: &StreamAuth,
		push: bool,
	) -> RpcResult<(Stream, AccessList<AccountId, BlockNumber>, Store<S>, u64)> {
		let stream = parse_stream(stream)?;
		let info = self.client.info();
		if !verify_auth(info.genesis_hash.as_ref(), vehicle, stream, auth) {
			return Err(error(
				BAD_SIGNATURE,
				"auth.signature is not the account's signature of (\"dimo/stream-auth/v1\", this \
				 chain's genesis hash, vehicle, stream, expiry)",
			));
		}
		if auth.expiry < info.best_number {
			return Err(error(
				AUTH_EXPIRED,
				format!(
					"auth expired at block {}; the best block is {}",
					auth.expiry, info.best_number
				),
			));
		}
		let list = self
			.access_list(info.best_hash, vehicle)
			.map_err(|e| error(super::dimo::RUNTIME_ERROR, e))?
			.filter(|list| may_read(list, &auth.account, stream, push))
			.ok_or_else(|| {
				error(
					NO_ACCESS,
					if push {
						"this account may not have this stream of this vehicle pushed (it needs \
						 the stream and liveDataSubscription)"
					} else {
						"this account may not read this stream of this vehicle"
					},
				)
			})?;
		// Only a reader learns whether this node collects the vehicle.
		let store = self.store()?;
		let next = store.next(vehicle).ok_or_else(|| {
			error(NOT_COLLECTED_HERE, format!("this node does not collect vehicle {vehicle}"))
		})?;
		Ok((stream, list, store, next))
	}
}

impl<C, S> StreamApiServer for Gateway<C, S>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ BlockchainEvents<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: DataAccessApi<Block, AccountId, BlockNumber>,
	S: OffchainStorage + 'static,
{
	fn read_stream(
		&self,
		vehicle: VehicleId,
		stream: String,
		auth: StreamAuth,
		from: Option<u64>,
		limit: Option<u32>,
	) -> RpcResult<Vec<StreamReading>> {
		let (stream, list, store, next) = self.check(vehicle, &stream, &auth, false)?;
		let owner = account_hash(&list.owner);
		let limit = limit.unwrap_or(100).min(MAX_READ_LIMIT) as usize;
		if stream == Stream::CurrentLocation {
			// The latest position, and nothing older.
			let latest = (store.oldest(next)..next)
				.rev()
				.filter_map(|number| store.reading(vehicle, number))
				.find_map(|reading| serve(&reading, stream, &owner));
			return Ok(latest.into_iter().collect());
		}
		let from = from.unwrap_or(0).max(store.oldest(next));
		Ok((from..next)
			.filter_map(|number| store.reading(vehicle, number))
			.filter_map(|reading| serve(&reading, stream, &owner))
			.take(limit)
			.collect())
	}

	fn subscribe_stream(
		&self,
		pending: PendingSubscriptionSink,
		vehicle: VehicleId,
		stream: String,
		auth: StreamAuth,
	) {
		let connection = pending.connection_id();
		let slot = {
			let mut held = self.held.lock();
			let on_connection = held.per_connection.get(&connection).copied().unwrap_or(0);
			if held.total >= MAX_SUBSCRIPTIONS || on_connection >= MAX_SUBSCRIPTIONS_PER_CONNECTION
			{
				None
			} else {
				held.total = held.total.saturating_add(1);
				held.per_connection.insert(connection, on_connection.saturating_add(1));
				Some(Slot { held: self.held.clone(), connection })
			}
		};
		let gateway = self.clone();
		let run = async move {
			let Some(slot) = slot else {
				return pending
					.reject(error(
						TOO_MANY_SUBSCRIPTIONS,
						format!(
							"at most {MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions per \
							 connection and {MAX_SUBSCRIPTIONS} per node"
						),
					))
					.await;
			};
			// The signature, the runtime call and the store's reads, off the async workers.
			let checking = gateway.clone();
			let checked = tokio::task::spawn_blocking(move || {
				let checked = checking.check(vehicle, &stream, &auth, true);
				(checked, auth)
			})
			.await;
			let (stream, list, store, next, auth) = match checked {
				Ok((Ok((stream, list, store, next)), auth)) => (stream, list, store, next, auth),
				Ok((Err(error), _)) => return pending.reject(error).await,
				Err(_) => return,
			};
			let Ok(sink) = pending.accept().await else { return };
			let follow = Follow { gateway, vehicle, stream, auth, store, list, next, sink };
			follow.run().await;
			drop(slot);
		};
		self.spawn.spawn("dimo-stream-subscription", Some("rpc"), run.boxed());
	}
}

/// One live subscription.
struct Follow<C, S> {
	gateway: Gateway<C, S>,
	vehicle: VehicleId,
	stream: Stream,
	auth: StreamAuth,
	store: Store<S>,
	/// The access list when the subscription started: the owner and expiries it knew.
	list: AccessList<AccountId, BlockNumber>,
	/// The number of the next reading to push.
	next: u64,
	sink: SubscriptionSink,
}

impl<C, S> Follow<C, S>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ BlockchainEvents<Block>
		+ Send
		+ Sync
		+ 'static,
	C::Api: DataAccessApi<Block, AccountId, BlockNumber>,
	S: OffchainStorage + 'static,
{
	async fn run(mut self) {
		let mut blocks = self.gateway.client.import_notification_stream();
		let mut tick = tokio::time::interval(POLL_READINGS);
		tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
		loop {
			tokio::select! {
				_ = self.sink.closed() => return,
				block = blocks.next() => {
					let Some(block) = block else { return };
					if !block.is_new_best {
						continue;
					}
					let number = *block.header.number();
					if let Some(reason) = self.lost_access(block.hash, number) {
						// What the node collected before this block was readable: push it.
						if self.push_new().is_ok() {
							self.close(reason, number).await;
						}
						return;
					}
				},
				_ = tick.tick() => {
					if let Err(reason) = self.push_new() {
						let number = self.gateway.client.info().best_number;
						self.close(reason, number).await;
						return;
					}
				},
			}
		}
	}

	/// Why the subscriber may no longer read at block `hash` (number `number`), if so.
	fn lost_access(
		&self,
		hash: <Block as BlockT>::Hash,
		number: BlockNumber,
	) -> Option<CloseReason> {
		if self.auth.expiry < number {
			return Some(CloseReason::AuthExpired);
		}
		let now = match self.gateway.access_list(hash, self.vehicle) {
			Ok(now) => now,
			// A runtime API failure is not a revocation: ask again at the next block.
			Err(_) => return None,
		};
		let Some(now) = now else { return Some(CloseReason::Retired) };
		if now.owner != self.list.owner {
			return Some(CloseReason::Transferred);
		}
		if may_read(&now, &self.auth.account, self.stream, true) {
			return None;
		}
		let until = access_until(&self.list, &self.auth.account, self.stream, true);
		Some(match until {
			Some(until) if until <= number => CloseReason::Expired,
			_ => CloseReason::Revoked,
		})
	}

	/// Pushes the readings the node kept since the last push. `Err(SlowConsumer)` if the
	/// subscriber's buffer is full.
	fn push_new(&mut self) -> Result<(), CloseReason> {
		let Some(next) = self.store.next(self.vehicle) else { return Ok(()) };
		let owner = account_hash(&self.list.owner);
		let from = self.next.max(self.store.oldest(next));
		for number in from..next {
			self.next = number.saturating_add(1);
			let Some(reading) = self.store.reading(self.vehicle, number) else { continue };
			let Some(served) = serve(&reading, self.stream, &owner) else { continue };
			let Ok(message) = SubscriptionMessage::from_json(&StreamEvent::Reading(served)) else {
				continue;
			};
			if self.sink.try_send(message).is_err() {
				return Err(CloseReason::SlowConsumer);
			}
		}
		Ok(())
	}

	/// Sends the last notification.
	async fn close(&self, reason: CloseReason, block: BlockNumber) {
		log::debug!(
			target: "dimo::gateway",
			"vehicle {}: a {} subscription closed: {reason:?}",
			self.vehicle,
			self.stream.name()
		);
		if let Ok(message) = SubscriptionMessage::from_json(&StreamEvent::Closed { reason, block })
		{
			let _ = self.sink.send_timeout(message, Duration::from_secs(1)).await;
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use pallet_data_access_runtime_api::{GranteeAccess, StreamExpiry};
	use sp_core::{sr25519, Pair};
	use sp_runtime::MultiSignature;

	const GENESIS: [u8; 32] = [7; 32];

	fn auth(pair: &sr25519::Pair, vehicle: VehicleId, stream: Stream, expiry: u32) -> StreamAuth {
		let signature =
			MultiSignature::Sr25519(pair.sign(&auth_payload(&GENESIS, vehicle, stream, expiry)));
		StreamAuth { account: pair.public().into(), expiry, signature: Bytes(signature.encode()) }
	}

	#[test]
	fn auth_verifies_for_its_chain_vehicle_stream_and_expiry_only() {
		let alice = sr25519::Pair::from_string("//Alice", None).expect("a dev key");
		let good = auth(&alice, 5, Stream::NonLocationData, 100);
		assert!(verify_auth(&GENESIS, 5, Stream::NonLocationData, &good));
		assert!(!verify_auth(&[8; 32], 5, Stream::NonLocationData, &good), "another chain");
		assert!(!verify_auth(&GENESIS, 6, Stream::NonLocationData, &good), "another vehicle");
		assert!(!verify_auth(&GENESIS, 5, Stream::RawData, &good), "another stream");
		let later = StreamAuth { expiry: 101, ..good.clone() };
		assert!(!verify_auth(&GENESIS, 5, Stream::NonLocationData, &later), "another expiry");
		let bob = sr25519::Pair::from_string("//Bob", None).expect("a dev key");
		let impostor = StreamAuth { account: bob.public().into(), ..good.clone() };
		assert!(!verify_auth(&GENESIS, 5, Stream::NonLocationData, &impostor));
		let garbage = StreamAuth { signature: Bytes(vec![1, 2, 3]), ..good };
		assert!(!verify_auth(&GENESIS, 5, Stream::NonLocationData, &garbage));
		// What a browser extension signs: the payload wrapped in <Bytes>.
		let payload = auth_payload(&GENESIS, 5, Stream::NonLocationData, 100);
		let wrapped = [&b"<Bytes>"[..], &payload, b"</Bytes>"].concat();
		let extension = StreamAuth {
			signature: Bytes(MultiSignature::Sr25519(alice.sign(&wrapped)).encode()),
			..auth(&alice, 5, Stream::NonLocationData, 100)
		};
		assert!(verify_auth(&GENESIS, 5, Stream::NonLocationData, &extension));
	}

	fn account(n: u8) -> AccountId {
		AccountId::new([n; 32])
	}

	fn list(grants: Vec<(u8, Vec<(Stream, Option<u32>)>)>) -> AccessList<AccountId, BlockNumber> {
		AccessList {
			owner: account(1),
			public: vec![],
			admins: vec![],
			grants: grants
				.into_iter()
				.map(|(grantee, streams)| GranteeAccess {
					grantee: account(grantee),
					streams: streams
						.into_iter()
						.map(|(stream, until)| StreamExpiry { stream, until })
						.collect(),
				})
				.collect(),
		}
	}

	#[test]
	fn a_push_needs_the_stream_and_the_live_subscription_right() {
		let list = list(vec![
			(2, vec![(Stream::NonLocationData, None)]),
			(3, vec![(Stream::NonLocationData, Some(9)), (Stream::LiveDataSubscription, Some(5))]),
		]);
		assert!(may_read(&list, &account(1), Stream::RawData, true), "the owner reads all");
		assert!(may_read(&list, &account(2), Stream::NonLocationData, false));
		assert!(!may_read(&list, &account(2), Stream::NonLocationData, true));
		assert!(may_read(&list, &account(3), Stream::NonLocationData, true));
		assert!(!may_read(&list, &account(3), Stream::CurrentLocation, false));
		assert!(!may_read(&list, &account(4), Stream::NonLocationData, false));
		// A push ends with the first of the two to expire.
		assert_eq!(access_until(&list, &account(3), Stream::NonLocationData, true), Some(5));
		assert_eq!(access_until(&list, &account(3), Stream::NonLocationData, false), Some(9));
		assert_eq!(access_until(&list, &account(2), Stream::NonLocationData, false), None);
	}

	#[test]
	fn streams_without_a_view_are_refused_by_name() {
		assert_eq!(parse_stream("nonLocationData").ok(), Some(Stream::NonLocationData));
		for name in ["liveDataSubscription", "vinCredential", "location"] {
			assert_eq!(parse_stream(name).map_err(|e| e.code()), Err(NO_SUCH_STREAM), "{name}");
		}
	}

	#[test]
	fn a_reading_is_served_under_its_owner_only_and_reduced_to_the_stream() {
		let record = br#"{"v":1,"vehicle":4,"oem":"tesla","from":5,"to":5,"signals":{"latE7":523521234,"lonE7":-13412345,"odometerM":12}}"#;
		let reading = KeptReading {
			number: 3,
			owner: account_hash(&account(1)),
			record: record.to_vec(),
			raw: Some(b"{\"odometer\":7}".to_vec()),
			envelope_cid: None,
			key_id: 2,
		};
		let owner = account_hash(&account(1));
		let served = serve(&reading, Stream::NonLocationData, &owner).expect("served");
		assert_eq!(
			served.record.expect("a record")["signals"],
			serde_json::json!({"odometerM": 12})
		);
		let approximate = serve(&reading, Stream::ApproximateLocation, &owner).expect("served");
		assert_eq!(
			approximate.record.expect("a record")["signals"],
			serde_json::json!({"gridE7": 100_000, "latE7": 523_500_000, "lonE7": -13_500_000})
		);
		let raw = serve(&reading, Stream::RawData, &owner).expect("served");
		assert_eq!(raw.raw, Some(Bytes(b"{\"odometer\":7}".to_vec())));
		assert_eq!(serve(&reading, Stream::NonLocationData, &account_hash(&account(2))), None);
	}
}
