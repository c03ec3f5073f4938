//! The carmakers' APIs the simulator serves, one file each behind one trait: the only place
//! that knows an API's routes, its answers' shapes and units, and how its token endpoint wants
//! the OAuth client. Everything else (grants, tokens, faults, the served log, the admin API) is
//! the fleet's and the router's, the same for every OEM.
//!
//! Adding an OEM here: a file with its [`SimulatedOem`] and its line in [`of`]; the router
//! serves it under `/{name}` (its `OemApi` name), the fleet makes its vehicles, and the dev
//! genesis, seed and performance harness register it from `OemApi::ALL`.

mod highmobility;
mod smartcar;
pub mod tesla;

use crate::{
	api::{form_field, Answer, Incoming},
	fleet::{Oem, State, Vehicle},
};
use serde_json::Value;
use std::collections::BTreeMap;

/// What a request to an OEM's API asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Operation {
	/// New tokens for a refresh token.
	Token,
	/// The vehicles of the bearer's grant.
	List,
	/// The data of the vehicle the API calls `vehicle`, with these signals (the API's own
	/// names, e.g. Tesla's endpoints or Smartcar's paths).
	Data {
		/// The vehicle's id in the API.
		vehicle: String,
		/// The signals asked for.
		signals: Vec<String>,
	},
}

/// One carmaker's API.
pub trait SimulatedOem: Sync {
	/// The kind of API it is: its name is its URL prefix.
	fn api(&self) -> Oem;

	/// The API's id and the VIN of the `n`th simulated car of this OEM.
	fn car(&self, n: u32) -> (String, String);

	/// What `method` on `path` (the segments after `/{name}/`) with `query` asks for, if it is
	/// one of the API's routes.
	fn operation(&self, method: &str, path: &[&str], query: &str) -> Option<Operation>;

	/// Whether a token request authenticates the operator's OAuth client `(id, secret)` the
	/// way this OEM's token endpoint wants.
	fn client_authenticated(&self, incoming: &Incoming, client: &(String, String)) -> bool;

	/// The answer listing the vehicle of a grant (`None`: the grant's car is not this OEM's).
	fn list(&self, vehicle: Option<&Vehicle>) -> Value;

	/// The answer for a car that sleeps or does not answer.
	fn asleep(&self) -> Answer;

	/// Whether the data asked for includes the position.
	fn with_position(&self, signals: &[String]) -> bool;

	/// The data answer for `signals` of `vehicle` in `state`, in the API's units.
	fn data(&self, vehicle: &Vehicle, state: &State, signals: &[String]) -> Value;

	/// The signals its data answers carry, in the canonical records' units: what the
	/// collector must read back.
	fn signals(&self, state: &State) -> BTreeMap<String, i64> {
		BTreeMap::from([
			("batteryPermille".to_string(), state.battery_permille),
			("latE7".to_string(), state.lat_e7),
			("lonE7".to_string(), state.lon_e7),
			("odometerM".to_string(), state.odometer_m),
		])
	}
}

/// The simulator of `api`: the one table from the kinds of API to their files here.
pub fn of(api: Oem) -> &'static dyn SimulatedOem {
	match api {
		Oem::Tesla => &tesla::Tesla,
		Oem::Smartcar => &smartcar::Smartcar,
		Oem::HighMobility => &highmobility::HighMobility,
	}
}

/// The refresh-token grant's form field `name`, for the OEMs whose client authenticates in
/// the form.
fn form_client_is(incoming: &Incoming, client: &(String, String), with_secret: bool) -> bool {
	form_field(incoming.body, "client_id").as_deref() == Some(client.0.as_str())
		&& (!with_secret
			|| form_field(incoming.body, "client_secret").as_deref() == Some(client.1.as_str()))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_kind_of_api_is_simulated_under_its_name() {
		for api in Oem::ALL {
			assert_eq!(of(api).api(), api, "{api:?}");
			// The admin API's JSON (`/admin/vehicles`, `/admin/served`) names it as URLs do.
			assert_eq!(serde_json::to_value(api).ok(), Some(Value::from(api.name())), "{api:?}");
		}
	}
}
