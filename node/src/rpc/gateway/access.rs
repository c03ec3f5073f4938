//! Who may read what: the stream a call names, and the chain's access list of the vehicle
//! (`DataAccessApi::access_list`, asked once per vehicle and block whatever the number of
//! subscriptions) read by the gateway's rule: the owner reads every stream, anyone else the
//! streams granted to it (or public) that have not expired, and a push needs
//! `liveDataSubscription` as well.

use std::collections::HashMap;

use dimo_offchain::streams::{self, NoView};
use dimo_primitives::{
	vehicle::{Stream, VehicleId},
	AccountId, BlockNumber,
};
use dimo_runtime::opaque::Block;
use jsonrpsee::core::RpcResult;
use pallet_data_access_runtime_api::{AccessList, DataAccessApi, StreamExpiry};
use sp_runtime::traits::Block as BlockT;

use super::{Gateway, GatewayClient, MAX_SUBSCRIPTIONS};
use crate::rpc::error::{error, unknown_stream, STREAM_HAS_NO_VIEW};

/// The access list of a vehicle at a block.
pub(super) type AccessAt = Option<AccessList<AccountId, BlockNumber>>;

/// The access lists asked of the runtime, one per vehicle (the latest block asked): all the
/// subscriptions to one vehicle share one runtime call per block.
#[derive(Default)]
pub(super) struct AccessCache {
	lists: HashMap<VehicleId, (<Block as BlockT>::Hash, AccessAt)>,
}

/// The stream named `name`, if it has a view of readings.
pub(super) fn parse_stream(name: &str) -> RpcResult<Stream> {
	let stream = Stream::from_name(name).ok_or_else(|| unknown_stream(name))?;
	streams::has_view(stream).map_err(|why| {
		error(
			STREAM_HAS_NO_VIEW,
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
pub(super) fn may_read(
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
pub(super) fn access_until(
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

impl<C: GatewayClient, S> Gateway<C, S> {
	/// `vehicle`'s access list at block `hash`: asked of the runtime once per vehicle and block,
	/// whatever the number of subscriptions.
	pub(super) fn access_list(
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
}
