//! What the worker reads from (and seals into) the node's offchain persistent storage: plain
//! values, values sealed under the node's key ([`dimo_offchain::seal`]), the owners'
//! credentials and the OEMs' OAuth clients that the operator stored through `collector_*`.

use super::{StepResult, Stop};
use alloc::format;
use codec::{Decode, Encode};
use dimo_offchain::{
	credentials::{credentials_key, oem_client_key, Credentials, OemClient},
	seal::{offchain_nonce, SealKey, Sealed},
};
use dimo_primitives::vehicle::VehicleId;
use sp_runtime::offchain::storage::StorageValueRef;

/// The value at `key`, if there is one and it decodes.
pub(super) fn read_persistent<V: Decode>(key: &[u8]) -> Option<V> {
	StorageValueRef::persistent(key).get::<V>().ok().flatten()
}

/// The sealed value at `key`, opened with `seal_key`: `None` if absent or if it does not open.
pub(super) fn read_sealed<V: Decode>(key: &[u8], seal_key: &SealKey) -> Option<V> {
	let sealed: Sealed = read_persistent(key)?;
	seal_key.open_value(key, &sealed)
}

/// Seals `value` under `seal_key` and writes it at `key`.
pub(super) fn write_sealed<V: Encode>(key: &[u8], value: &V, seal_key: &SealKey) {
	StorageValueRef::persistent(key).set(&seal_key.seal_value(key, offchain_nonce(), value));
}

/// The OAuth client of OEM `oem` that the operator stored (sealed), if any.
pub(super) fn read_oem_client(oem: u32, seal_key: &SealKey) -> Option<OemClient> {
	read_sealed(&oem_client_key(oem), seal_key)
}

/// The credentials of `vehicle`, opened with `seal_key`. `Ok(None)` if there are none; a
/// [`Stop`] if the entry does not open: sealed under another key (a node whose keystore was
/// replaced) or stored by a node before credentials were sealed. The operator stores them
/// again.
pub(super) fn read_credentials(
	vehicle: VehicleId,
	seal_key: &SealKey,
) -> StepResult<Option<Credentials>> {
	let key = credentials_key(vehicle);
	let Some(sealed) = read_persistent::<Sealed>(&key) else { return Ok(None) };
	seal_key.open_value(&key, &sealed).map(Some).ok_or_else(|| {
		Stop::warn(format!(
			"vehicle {vehicle}: its credentials do not open with this node's sealing key; store \
			 them again with collector_setCredentials"
		))
	})
}

/// The text of a URL that governance registered (UTF-8 checked when registered).
pub(super) fn url(bytes: &[u8]) -> &str {
	core::str::from_utf8(bytes).unwrap_or("")
}
