//! Smartcar: `GET v2.0/vehicles`, `POST v2.0/vehicles/{id}/batch` (`/odometer`, `/battery`,
//! `/location`), `GET v2.0/vehicles/{id}/{odometer,battery,location}` (one signal),
//! `POST auth/oauth/token` (the client with HTTP Basic). Kilometres, a fraction, degrees; a
//! sleeping car answers 409 `VEHICLE_STATE`.

use super::{Operation, SimulatedOem};
use crate::{
	api::{Answer, Incoming},
	fleet::{Oem, State, Vehicle},
};
use serde_json::{json, Value};

/// Smartcar's API.
pub struct Smartcar;

impl SimulatedOem for Smartcar {
	fn api(&self) -> Oem {
		Oem::Smartcar
	}

	fn car(&self, n: u32) -> (String, String) {
		(format!("36ab27d0-fd9d-4455-823a-ce30af{n:06x}"), format!("1HGCM82633A{:06}", 4_000 + n))
	}

	fn operation(&self, method: &str, path: &[&str], _query: &str) -> Option<Operation> {
		let data = |id: &str, signals: &[&str]| Operation::Data {
			vehicle: id.to_string(),
			signals: signals.iter().map(|s| s.to_string()).collect(),
		};
		match (method, path) {
			("POST", ["auth", "oauth", "token"]) => Some(Operation::Token),
			("GET", ["v2.0", "vehicles"]) => Some(Operation::List),
			("POST", ["v2.0", "vehicles", id, "batch"]) => {
				Some(data(id, &["odometer", "battery", "location"]))
			},
			("GET", ["v2.0", "vehicles", id, signal @ ("odometer" | "battery" | "location")]) => {
				Some(data(id, &[signal]))
			},
			_ => None,
		}
	}

	fn client_authenticated(&self, incoming: &Incoming, client: &(String, String)) -> bool {
		let expected = dimo_offchain::oem::basic_auth(&dimo_offchain::oem::OAuthClient {
			client_id: client.0.clone(),
			client_secret: client.1.clone(),
		});
		incoming.authorization == Some(expected.as_str())
	}

	fn list(&self, vehicle: Option<&Vehicle>) -> Value {
		match vehicle {
			Some(vehicle) => {
				json!({ "vehicles": [vehicle.id], "paging": { "count": 1, "offset": 0 } })
			},
			None => json!({ "vehicles": [], "paging": { "count": 0, "offset": 0 } }),
		}
	}

	fn asleep(&self) -> Answer {
		Answer::json(
			409,
			json!({ "type": "VEHICLE_STATE", "code": "ASLEEP", "description": "The vehicle is asleep." }),
		)
	}

	fn with_position(&self, signals: &[String]) -> bool {
		signals.iter().any(|signal| signal == "location")
	}

	fn data(&self, _vehicle: &Vehicle, state: &State, signals: &[String]) -> Value {
		if let [signal] = signals {
			return signal_body(signal, state);
		}
		let responses: Vec<Value> = signals
			.iter()
			.map(|signal| {
				json!({
					"path": format!("/{signal}"),
					"code": 200,
					"body": signal_body(signal, state),
					"headers": { "sc-unit-system": "metric" },
				})
			})
			.collect();
		json!({ "responses": responses })
	}
}

/// One Smartcar signal's body: kilometres, a fraction, degrees.
pub fn signal_body(signal: &str, state: &State) -> Value {
	match signal {
		"odometer" => json!({ "distance": state.odometer_m as f64 / 1000.0 }),
		"battery" => json!({
			"percentRemaining": state.battery_permille as f64 / 1000.0,
			"range": state.battery_permille as f64 * 0.45,
		}),
		_ => {
			json!({ "latitude": state.lat_e7 as f64 / 1e7, "longitude": state.lon_e7 as f64 / 1e7 })
		},
	}
}
