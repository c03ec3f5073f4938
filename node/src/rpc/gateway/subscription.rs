//! The subscriptions: the slots they hold (per connection and per node), and a live one, which
//! pushes each new reading and, at every new best block, asks whether its reader may still
//! read; the last notice says why it ended.
//!
//! Every way a subscription ends reaches the subscriber, a slow one included: readings never
//! take the last slot of the connection's buffer (jsonrpsee's, `--rpc-message-buffer-capacity-
//! per-connection`), so a subscriber too slow for its readings finds `slowConsumer` queued right
//! after the last reading it was sent; and if other traffic filled the buffer, the notice waits
//! for room (up to [`CLOSE_NOTICE_WAIT`]) instead of being dropped.

use std::{collections::HashMap, sync::Arc, time::Duration};

use dimo_collector::kept_readings::KeptReadings;
use dimo_primitives::{
	vehicle::{Stream, VehicleId},
	AccountId, BlockNumber,
};
use dimo_runtime::opaque::Block;
use futures::StreamExt;
use jsonrpsee::{ConnectionId, SubscriptionMessage, SubscriptionSink};
use pallet_data_access_runtime_api::AccessList;
use parking_lot::Mutex;
use sp_core::offchain::OffchainStorage;
use sp_runtime::traits::{Block as BlockT, Header as _};

use super::{
	access::{access_until, may_read},
	reading::{account_hash, serve},
	CloseReason, Gateway, GatewayClient, ReadingSource, StreamAuth, StreamEvent, MAX_SUBSCRIPTIONS,
	MAX_SUBSCRIPTIONS_PER_CONNECTION, POLL_READINGS,
};

/// Slots of the connection's buffer that readings leave free, for the notice that ends a
/// subscription.
const CLOSE_NOTICE_RESERVE: usize = 1;

/// How long the notice that ends a subscription waits for room in the subscriber's buffer.
/// Longer than a slow reader's pause; shorter than jsonrpsee's ping limits, which close a
/// connection that stopped reading altogether.
const CLOSE_NOTICE_WAIT: Duration = Duration::from_secs(60);

/// The subscriptions held, per connection and in all.
#[derive(Default)]
pub(super) struct Held {
	total: usize,
	per_connection: HashMap<ConnectionId, usize>,
}

/// A subscription's place in [`Held`], given back when dropped.
pub(super) struct Slot {
	held: Arc<Mutex<Held>>,
	connection: ConnectionId,
}

impl Slot {
	/// A slot for a new subscription on `connection`, if neither the connection nor the node
	/// holds as many as it may.
	pub(super) fn take(held: &Arc<Mutex<Held>>, connection: ConnectionId) -> Option<Self> {
		let mut counts = held.lock();
		let on_connection = counts.per_connection.get(&connection).copied().unwrap_or(0);
		if counts.total >= MAX_SUBSCRIPTIONS || on_connection >= MAX_SUBSCRIPTIONS_PER_CONNECTION {
			return None;
		}
		counts.total = counts.total.saturating_add(1);
		counts.per_connection.insert(connection, on_connection.saturating_add(1));
		Some(Slot { held: held.clone(), connection })
	}
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

/// One live subscription.
pub(super) struct Follow<C, S> {
	pub(super) gateway: Gateway<C, S>,
	pub(super) vehicle: VehicleId,
	pub(super) stream: Stream,
	pub(super) auth: StreamAuth,
	pub(super) store: KeptReadings<S>,
	/// The access list when the subscription started: the owner and expiries it knew.
	pub(super) list: AccessList<AccountId, BlockNumber>,
	/// The number of the next reading to push.
	pub(super) next: u64,
	pub(super) sink: SubscriptionSink,
}

impl<C: GatewayClient, S: OffchainStorage + 'static> Follow<C, S> {
	pub(super) async fn run(mut self) {
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
	/// subscriber's buffer is full but for the slot kept for the closing notice.
	fn push_new(&mut self) -> Result<(), CloseReason> {
		// A buffer of one slot (the operator's setting) keeps nothing back.
		let reserve = CLOSE_NOTICE_RESERVE.min(self.sink.max_capacity().saturating_sub(1));
		let Some(next) = self.store.next(self.vehicle) else { return Ok(()) };
		let owner = account_hash(&self.list.owner);
		// New readings are in the ring: a subscriber that fell further behind than the ring
		// reads the rest with dimo_readStream.
		let from = self.next.max(self.store.oldest_recent(next));
		for number in from..next {
			self.next = number.saturating_add(1);
			let Some(reading) = self.store.recent(self.vehicle, number) else { continue };
			let Some(served) = serve(&reading, self.stream, &owner, ReadingSource::Recent) else {
				continue;
			};
			let Ok(message) = SubscriptionMessage::from_json(&StreamEvent::Reading(served)) else {
				continue;
			};
			if self.sink.capacity() <= reserve || self.sink.try_send(message).is_err() {
				return Err(CloseReason::SlowConsumer);
			}
		}
		Ok(())
	}

	/// Sends the last notification: at once if the buffer has room (the reserved slot, for a
	/// slow consumer), else as soon as it has, unless the subscriber leaves first or
	/// [`CLOSE_NOTICE_WAIT`] passes.
	async fn close(&self, reason: CloseReason, block: BlockNumber) {
		log::debug!(
			target: "dimo::gateway",
			"vehicle {}: a {} subscription closed: {reason:?}",
			self.vehicle,
			self.stream.name()
		);
		let Ok(message) = SubscriptionMessage::from_json(&StreamEvent::Closed { reason, block })
		else {
			return;
		};
		let delivered = tokio::select! {
			sent = self.sink.send_timeout(message, CLOSE_NOTICE_WAIT) => sent.is_ok(),
			_ = self.sink.closed() => false,
		};
		if !delivered {
			log::debug!(
				target: "dimo::gateway",
				"vehicle {}: the subscriber left, or read nothing for {CLOSE_NOTICE_WAIT:?}, before its {reason:?} notice",
				self.vehicle,
			);
		}
	}
}
