//! The proof that the caller of a gateway method holds the account it reads as (see the
//! [gateway's docs](super) for the payload).

use codec::{DecodeAll, Encode};
use dimo_primitives::{
	vehicle::{Stream, VehicleId},
	BlockNumber, Signature,
};
use sp_runtime::traits::Verify;

use super::StreamAuth;

/// What `auth` signs, before the signature.
pub const AUTH_CONTEXT: &[u8] = b"dimo/stream-auth/v1";

/// The bytes that `auth` signs (see the [gateway's docs](super)).
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
/// chain of `genesis`, raw or wrapped in `<Bytes>`. The signature must decode exactly: a valid
/// one followed by anything else is refused.
pub fn verify_auth(genesis: &[u8], vehicle: VehicleId, stream: Stream, auth: &StreamAuth) -> bool {
	let Ok(signature) = Signature::decode_all(&mut &auth.signature[..]) else { return false };
	let payload = auth_payload(genesis, vehicle, stream, auth.expiry);
	let wrapped = [&b"<Bytes>"[..], &payload, b"</Bytes>"].concat();
	signature.verify(&payload[..], &auth.account) || signature.verify(&wrapped[..], &auth.account)
}
