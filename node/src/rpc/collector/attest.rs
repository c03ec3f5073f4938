//! `collector_attestOwnership`: a collector's signed word that an account controls a car.
//!
//! Registering a car needs proof of control (pallets/vehicles, [`dimo_primitives::ownership`]):
//! the chain cannot ask the carmaker, a collector can. On its operator's request, with the
//! owner's OAuth access token, the node asks the carmaker's API (the OEM source that governance
//! registered, on a host the operator allowed with `--collector-oem-host`, over HTTPS checked
//! against the node's trust store: the offchain worker's rules) which vehicles that token
//! covers; if the car is among them, it signs the ownership payload with its registered
//! collector key (`dcol`) and returns the attestation, valid for
//! [`MAX_ATTESTATION_LIFETIME`] blocks, for the owner to put in `vehicles.register` or
//! `vehicles.reclaim`.
//!
//! The token is used for that one request and dropped: it is not stored (the operator stores
//! credentials with `collector_setCredentials` if the owner also wants their data collected),
//! not logged, not in the answer. The method is **unsafe**: it makes the node sign, and spends
//! the operator's standing with the carmaker.

use std::{sync::Arc, time::Duration};

use super::credentials::check_if_safe;
use crate::rpc::error::{
	error, BAD_INPUT, HOST_NOT_ALLOWED, NOT_LISTED, NO_COLLECTOR_KEY, NO_OEM_SOURCE, OEM_REFUSED,
	OEM_UNREACHABLE, RUNTIME_ERROR,
};
use dimo_collector::https::{fetch, https_client, HttpsClient};
use dimo_offchain::{
	credentials::{MAX_OEM_VEHICLE_LEN, MAX_TOKEN_LEN},
	oem::{self, OemError},
	settings::Settings,
};
use dimo_primitives::{
	collector::{CollectorId, COLLECTOR_KEY_TYPE},
	ownership::{ownership_payload, MAX_ATTESTATION_LIFETIME},
	vehicle::OemId,
};
use dimo_runtime::{opaque::Block, AccountId, BlockNumber};
use jsonrpsee::{
	core::{async_trait, RpcResult},
	proc_macros::rpc,
	Extensions,
};
use pallet_anchoring_runtime_api::AnchoringApi;
use serde::Serialize;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::H256;
use sp_keystore::{Keystore, KeystorePtr};

/// How long the carmaker may take to answer.
const OEM_TIMEOUT: Duration = Duration::from_secs(15);

/// An attestation as the method returns it: `collector`, `expiresAt` and `signature` are the
/// `attestation` argument of `vehicles.register` and `vehicles.reclaim`; the rest says what
/// was attested.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationJson {
	/// The collector key that signed: its 32 bytes, `0x`-hex (the type the call takes).
	pub collector: String,
	/// The block from which it no longer counts.
	pub expires_at: BlockNumber,
	/// The sr25519 signature over the ownership payload, `0x`-hex.
	pub signature: String,
	/// The carmaker.
	pub oem: OemId,
	/// BLAKE2-256 of the carmaker's id of the car: the `oem_ref_hash` to register.
	pub oem_ref_hash: H256,
	/// The account attested as in control of the car.
	pub owner: AccountId,
	/// The chain the attestation is for.
	pub genesis_hash: H256,
}

/// The `collector_attestOwnership` method.
#[rpc(server)]
pub trait AttestApi {
	/// Checks with the carmaker `oem`'s API, using the owner's OAuth `access_token`, that the
	/// token covers the car the API calls `oem_vehicle`, and returns the collector's
	/// attestation that `owner` controls it. Unsafe.
	#[method(name = "collector_attestOwnership", with_extensions)]
	async fn attest_ownership(
		&self,
		oem: OemId,
		access_token: String,
		oem_vehicle: String,
		owner: AccountId,
	) -> RpcResult<AttestationJson>;
}

/// Implements [`AttestApiServer`].
pub struct Attestor<C> {
	client: Arc<C>,
	keystore: KeystorePtr,
	settings: Settings,
	https: HttpsClient,
}

impl<C> Attestor<C> {
	/// The method, reading the chain through `client`, signing with `keystore`'s collector key,
	/// under the operator's `settings` (allowed hosts, answer size). Reads the trust store once,
	/// here, as sc-offchain's client does for the worker.
	pub fn new(
		client: Arc<C>,
		keystore: KeystorePtr,
		settings: Settings,
	) -> Result<Self, std::io::Error> {
		Ok(Self { client, keystore, settings, https: https_client()? })
	}
}

#[async_trait]
impl<C> AttestApiServer for Attestor<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: AnchoringApi<Block, AccountId, BlockNumber, CollectorId>,
{
	async fn attest_ownership(
		&self,
		ext: &Extensions,
		oem: OemId,
		access_token: String,
		oem_vehicle: String,
		owner: AccountId,
	) -> RpcResult<AttestationJson> {
		check_if_safe(ext)?;
		if access_token.is_empty() || access_token.len() > MAX_TOKEN_LEN {
			return Err(error(
				BAD_INPUT,
				format!("accessToken must hold 1 to {MAX_TOKEN_LEN} bytes"),
			));
		}
		if oem_vehicle.is_empty() || oem_vehicle.len() > MAX_OEM_VEHICLE_LEN {
			return Err(error(
				BAD_INPUT,
				format!("oemVehicle must hold 1 to {MAX_OEM_VEHICLE_LEN} bytes"),
			));
		}

		// What the chain says now: the OEM's source and the registered collectors.
		let info = self.client.info();
		let api = self.client.runtime_api();
		let runtime_error = |e: sp_api::ApiError| error(RUNTIME_ERROR, e.to_string());
		let source = api
			.oem_sources(info.best_hash)
			.map_err(runtime_error)?
			.into_iter()
			.find(|(id, _)| *id == oem)
			.map(|(_, source)| source)
			.ok_or_else(|| {
				error(NO_OEM_SOURCE, format!("no OEM source is registered for OEM {oem}"))
			})?;
		let registered = api.collectors(info.best_hash).map_err(runtime_error)?;
		let collector = self
			.keystore
			.sr25519_public_keys(COLLECTOR_KEY_TYPE)
			.into_iter()
			.map(CollectorId::from)
			.find(|key| registered.iter().any(|(registered, _)| registered == key))
			.ok_or_else(|| {
				error(
					NO_COLLECTOR_KEY,
					"the keystore holds no `dcol` key of a registered collector",
				)
			})?;

		let api_base = String::from_utf8_lossy(&source.api_base_url).into_owned();
		if !self.settings.allows(&api_base) {
			return Err(error(
				HOST_NOT_ALLOWED,
				format!(
					"OEM {oem}'s source {api_base} is on a host this node does not poll \
					 (--collector-oem-host)"
				),
			));
		}
		let adapter = dimo_offchain::oem::adapter(source.api);
		let request = (adapter.list_request)(&api_base, &access_token);
		drop(access_token);
		let max_bytes = self.settings.max_answer_bytes as usize;
		let answer = fetch(&self.https, request, max_bytes, OEM_TIMEOUT)
			.await
			.map_err(|why| error(OEM_UNREACHABLE, format!("{api_base}: {why}")))?;
		let response =
			oem::Response { status: answer.status, headers: &answer.headers, body: &answer.body };
		let listed = (adapter.read_vehicle_ids)(&response).map_err(|why| {
			let why = match why {
				OemError::Unauthorized => "the token is not accepted".to_string(),
				other => format!("{other:?}"),
			};
			error(OEM_REFUSED, format!("OEM {oem} ({}): {why}", adapter.name))
		})?;
		if !listed.contains(&oem_vehicle) {
			return Err(error(
				NOT_LISTED,
				format!("OEM {oem} does not list this car for this token"),
			));
		}

		let oem_ref_hash = H256(sp_io::hashing::blake2_256(oem_vehicle.as_bytes()));
		let expires_at = info.best_number.saturating_add(MAX_ATTESTATION_LIFETIME);
		let payload =
			ownership_payload(&info.genesis_hash, oem, &oem_ref_hash, &owner, &expires_at);
		let signature = self
			.keystore
			.sr25519_sign(COLLECTOR_KEY_TYPE, collector.as_ref(), &payload)
			.ok()
			.flatten()
			.ok_or_else(|| error(NO_COLLECTOR_KEY, "the keystore could not sign"))?;
		Ok(AttestationJson {
			collector: sp_core::bytes::to_hex(collector.as_ref(), false),
			expires_at,
			signature: sp_core::bytes::to_hex(signature.as_ref(), false),
			oem,
			oem_ref_hash,
			owner,
			genesis_hash: info.genesis_hash,
		})
	}
}
