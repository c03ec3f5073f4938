//! The gateway's calls: each checked (the stream, the proof, access at the best block, the
//! vehicle's store) before anything is read.

use dimo_collector::kept_readings::KeptReadings;
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
	reading::{account_hash, serve},
	subscription::{Follow, Slot},
	verify_auth, Gateway, GatewayClient, StreamApiServer, StreamAuth, StreamReading,
	MAX_READ_LIMIT, MAX_SUBSCRIPTIONS, MAX_SUBSCRIPTIONS_PER_CONNECTION,
};
use crate::rpc::error::{
	error, AUTH_EXPIRED, BAD_SIGNATURE, NOT_COLLECTED_HERE, NO_ACCESS, RUNTIME_ERROR,
	TOO_MANY_SUBSCRIPTIONS,
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
}

impl<C: GatewayClient, S: OffchainStorage + 'static> StreamApiServer for Gateway<C, S> {
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
