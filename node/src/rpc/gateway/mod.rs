//! The gateway: the JSON-RPC methods through which owners and grantees read a vehicle's data
//! from the collector node that collects it.
//!
//! - `dimo_readStream(vehicle, stream, auth, from?, limit?, window?)`: the readings the node
//!   collected and still keeps ([`dimo_offchain::readings`]: the ring of the last ones, then
//!   the history, an IPFS vehicle's read back from IPFS), each reduced to the stream's view
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
//!
//! # Layout
//!
//! - [`api`]: the methods and what goes over the wire (`auth`, readings, the last notice);
//! - [`auth`]: the proof that the caller holds the account;
//! - [`access`]: the stream a call names, and who may read it by the chain's access list;
//! - [`reading`]: a kept reading reduced to a stream's view (the store itself is the
//!   collector's, [`dimo_collector::kept_readings`]);
//! - [`server`]: the calls, checked in the order above;
//! - [`subscription`]: the subscriptions' slots, and a live one following the chain.
//!
//! Errors come from the node's one table ([`super::error`]).

mod access;
mod api;
mod auth;
mod reading;
mod server;
mod subscription;
#[cfg(test)]
mod tests;

pub use api::{
	CloseReason, ReadWindow, ReadingSource, StreamApiServer, StreamAuth, StreamEvent, StreamReading,
};
pub use auth::verify_auth;

use std::{sync::Arc, time::Duration};

use dimo_primitives::{AccountId, BlockNumber};
use dimo_runtime::opaque::Block;
use pallet_data_access_runtime_api::DataAccessApi;
use parking_lot::Mutex;
use sc_client_api::BlockchainEvents;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_keystore::KeystorePtr;

use access::AccessCache;
use subscription::Held;

/// The most subscriptions one connection may hold.
pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: usize = 16;
/// The most subscriptions the node serves at once.
pub const MAX_SUBSCRIPTIONS: usize = 4096;
/// The most readings one `dimo_readStream` answers.
pub const MAX_READ_LIMIT: u32 = 1000;
/// How often a subscription looks for new readings in the node's store.
const POLL_READINGS: Duration = Duration::from_millis(250);

/// What the gateway needs of the node's client: the runtime's access lists, the chain's best
/// block, and its new blocks.
pub trait GatewayClient:
	ProvideRuntimeApi<Block, Api: DataAccessApi<Block, AccountId, BlockNumber>>
	+ HeaderBackend<Block>
	+ BlockchainEvents<Block>
	+ Send
	+ Sync
	+ 'static
{
}

impl<C> GatewayClient for C where
	C: ProvideRuntimeApi<Block, Api: DataAccessApi<Block, AccountId, BlockNumber>>
		+ HeaderBackend<Block>
		+ BlockchainEvents<Block>
		+ Send
		+ Sync
		+ 'static
{
}

/// The gateway over the node's client, offchain storage and keystore.
pub struct Gateway<C, S> {
	client: Arc<C>,
	storage: Option<S>,
	keystore: KeystorePtr,
	spawn: sc_service::SpawnTaskHandle,
	/// The subscriptions held ([`subscription::Slot`]).
	held: Arc<Mutex<Held>>,
	/// The access lists asked of the runtime, one per vehicle.
	access: Arc<Mutex<AccessCache>>,
	/// The client that reads envelopes back from IPFS; none if it could not be made.
	ipfs: Option<Arc<dimo_collector::https::HttpsClient>>,
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
			ipfs: self.ipfs.clone(),
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
			ipfs: dimo_collector::https::https_client().ok().map(Arc::new),
		}
	}
}
