//! The gateway's calls: each checked (the stream, the proof, access at the best block, the
//! vehicle's store) before anything is read.

use dimo_collector::kept_readings::{from_storage, Found, KeptReadings, StorageError};
use dimo_offchain::streams::Class;
use dimo_primitives::{
	vehicle::{Stream, VehicleId},
	AccountId, BlockNumber,
};
use futures::FutureExt;
use jsonrpsee::{core::RpcResult, PendingSubscriptionSink};
use pallet_data_access_runtime_api::AccessList;
use sp_core::offchain::OffchainStorage;

use super::{
	access::{may_read, parse_stream},
	reading::{account_hash, serve, serve_part},
	subscription::{Follow, Slot},
	verify_auth, Gateway, GatewayClient, ReadWindow, ReadingSource, StreamApiServer, StreamAuth,
	StreamReading, MAX_READ_LIMIT, MAX_SUBSCRIPTIONS, MAX_SUBSCRIPTIONS_PER_CONNECTION,
};
use crate::rpc::error::{
	error, AUTH_EXPIRED, BAD_SIGNATURE, NOT_COLLECTED_HERE, NO_ACCESS, RUNTIME_ERROR,
	STORAGE_UNAVAILABLE, TOO_MANY_SUBSCRIPTIONS,
};

impl<C: GatewayClient, S: OffchainStorage + 'static> Gateway<C, S> {
	/// The node's store of kept readings: none if the node never collected.
	fn store(&self) -> RpcResult<KeptReadings<S>> {
		let not_here = || error(NOT_COLLECTED_HERE, "this node collects no vehicle");
		let storage = self.storage.clone().ok_or_else(not_here)?;
		KeptReadings::open(storage, &self.keystore).ok_or_else(not_here)
	}

	/// Checks a call: the stream, the proof, the vehicle's store, and access at the best
	/// block. Returns the stream, the access list and the number of the next reading.
	fn check(
		&self,
		vehicle: VehicleId,
		stream: &str,
		auth: &StreamAuth,
		push: bool,
	) -> RpcResult<(Stream, AccessList<AccountId, BlockNumber>, KeptReadings<S>, u64)> {
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
			.map_err(|e| error(RUNTIME_ERROR, e))?
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

	/// The reading of `vehicle` `found` in the store, as a reader of `stream` under the owner
	/// whose hash is `owner` gets it: `Ok(None)` if it has nothing for that stream or
	/// that owner. A reading on IPFS is read back (on this blocking thread) and opened; an
	/// error if that fails, so that a reader never takes a gap for the end of the data.
	fn serve_found(
		&self,
		store: &KeptReadings<S>,
		vehicle: VehicleId,
		found: Found,
		stream: Stream,
		owner: &[u8; 32],
	) -> RpcResult<Option<StreamReading>> {
		let (reading, observed_at) = match found {
			Found::Recent(reading) => {
				return Ok(serve(&reading, stream, owner, ReadingSource::Recent))
			},
			Found::Archived(reading) => {
				return Ok(serve(&reading, stream, owner, ReadingSource::History))
			},
			Found::OnIpfs { reading, observed_at } => (reading, observed_at),
		};
		let number = reading.number;
		if &reading.owner != owner {
			return Ok(None);
		}
		let Some(class) = Class::of(stream) else { return Ok(None) };
		let unavailable = |why: String| {
			let what = format!("reading {number} of vehicle {vehicle} is on IPFS");
			error(STORAGE_UNAVAILABLE, format!("{what} and was not read back: {why}"))
		};
		let client =
			self.ipfs.as_ref().ok_or_else(|| unavailable("the node has no HTTP client".into()))?;
		let handle = tokio::runtime::Handle::try_current()
			.map_err(|_| unavailable("no runtime to fetch with".into()))?;
		let part = handle.block_on(from_storage(store, client, vehicle, &reading, class)).map_err(
			|error| {
				unavailable(match error {
					StorageError::NoCid => "the collector's history names no envelope CID".into(),
					StorageError::Ipfs(why) => format!("IPFS ({}): {why}", store.ipfs_api()),
					StorageError::Mismatch => "IPFS answered a block that is not the CID's".into(),
					StorageError::Envelope(why) => format!("the envelope: {why:?}"),
					StorageError::NoKey(id) => {
						format!("the collector no longer holds content key {id}")
					},
				})
			},
		)?;
		Ok(part.and_then(|(_, part)| serve_part(&reading, observed_at, stream, part)))
	}
}

impl<C: GatewayClient, S: OffchainStorage + 'static> StreamApiServer for Gateway<C, S> {
	fn read_stream(
		&self,
		vehicle: VehicleId,
		stream: String,
		auth: StreamAuth,
		from: Option<u64>,
		limit: Option<u32>,
		window: Option<ReadWindow>,
	) -> RpcResult<Vec<StreamReading>> {
		let (stream, list, store, next) = self.check(vehicle, &stream, &auth, false)?;
		let owner = account_hash(&list.owner);
		let limit = limit.unwrap_or(100).min(MAX_READ_LIMIT) as usize;
		let recent_from = store.oldest_recent(next);
		if stream == Stream::CurrentLocation {
			// The latest position the ring holds, and nothing older.
			let latest = (recent_from..next)
				.rev()
				.filter_map(|number| store.recent(vehicle, number))
				.find_map(|reading| serve(&reading, stream, &owner, ReadingSource::Recent));
			return Ok(latest.into_iter().collect());
		}
		let window = window.unwrap_or_default();
		let oldest = store.oldest(vehicle, next);
		let mut from = from.unwrap_or(0).max(oldest);
		if let Some(since) = window.since {
			from = from.max(store.first_since(vehicle, oldest, next, since));
		}
		let mut served = Vec::new();
		for number in from..next {
			if served.len() >= limit {
				break;
			}
			let Some(found) = store.reading(vehicle, number, next) else { continue };
			let Some(reading) = self.serve_found(&store, vehicle, found, stream, &owner)? else {
				continue;
			};
			if window.until.is_some_and(|until| reading.observed_at > until) {
				break;
			}
			served.push(reading);
		}
		Ok(served)
	}

	fn subscribe_stream(
		&self,
		pending: PendingSubscriptionSink,
		vehicle: VehicleId,
		stream: String,
		auth: StreamAuth,
	) {
		let connection = pending.connection_id();
		let slot = Slot::take(&self.held, connection);
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
