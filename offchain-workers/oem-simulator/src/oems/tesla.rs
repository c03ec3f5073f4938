//! The Tesla Fleet API: `GET api/1/vehicles`, `GET api/1/vehicles/{id}/vehicle_data?endpoints=…`
//! (charge, drive and vehicle state; the position only if `location_data` is asked for, as on
//! firmware 2023.38 and later), `POST auth/oauth2/v3/token` (the client by its id in the form).
//! Miles, percent, degrees, mph, kW; a sleeping car answers 408.

use super::{form_client_is, Operation, SimulatedOem};
use crate::{
	api::{query_field, Answer, Incoming},
	fleet::{unix_ms, Oem, State, Vehicle},
};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The Tesla Fleet API.
pub struct Tesla;

impl SimulatedOem for Tesla {
	fn api(&self) -> Oem {
		Oem::Tesla
	}

	fn car(&self, n: u32) -> (String, String) {
		(
			format!("{}", 1_492_931_337_154_000u64 + u64::from(n)),
			format!("5YJ3E1EA7KF{:06}", 317_000 + n),
		)
	}

	fn operation(&self, method: &str, path: &[&str], query: &str) -> Option<Operation> {
		match (method, path) {
			("POST", ["auth", "oauth2", "v3", "token"]) => Some(Operation::Token),
			("GET", ["api", "1", "vehicles"]) => Some(Operation::List),
			("GET", ["api", "1", "vehicles", id, "vehicle_data"]) => {
				let endpoints = query_field(query, "endpoints").unwrap_or_default();
				Some(Operation::Data {
					vehicle: id.to_string(),
					signals: endpoints.split(';').map(str::to_string).collect(),
				})
			},
			_ => None,
		}
	}

	fn client_authenticated(&self, incoming: &Incoming, client: &(String, String)) -> bool {
		form_client_is(incoming, client, false)
	}

	fn list(&self, vehicle: Option<&Vehicle>) -> Value {
		match vehicle {
			Some(vehicle) => json!({ "response": [{
				"id": vehicle.id.parse::<u64>().unwrap_or(0),
				"id_s": vehicle.id,
				"vin": vehicle.vin,
				"state": "online",
			}], "count": 1 }),
			None => json!({ "response": [], "count": 0 }),
		}
	}

	fn asleep(&self) -> Answer {
		Answer::json(
			408,
			json!({ "response": null, "error": "vehicle unavailable: vehicle is offline or asleep" }),
		)
	}

	fn with_position(&self, signals: &[String]) -> bool {
		signals.iter().any(|signal| signal == "location_data")
	}

	fn data(&self, vehicle: &Vehicle, state: &State, signals: &[String]) -> Value {
		vehicle_data(&vehicle.id, &vehicle.vin, state, self.with_position(signals))
	}

	fn signals(&self, state: &State) -> BTreeMap<String, i64> {
		let mut signals = BTreeMap::from([
			("batteryPermille".to_string(), state.battery_permille),
			("latE7".to_string(), state.lat_e7),
			("lonE7".to_string(), state.lon_e7),
			("odometerM".to_string(), state.odometer_m),
		]);
		signals.insert("chargingW".into(), state.charging_w);
		signals.insert("speedKph".into(), state.speed_kph);
		signals
	}
}

/// Tesla's `vehicle_data`: miles, percent, degrees, mph, kW. As on firmware 2023.38 and later,
/// `drive_state` holds the position only `with_location` (`location_data` asked for).
pub fn vehicle_data(id: &str, vin: &str, state: &State, with_location: bool) -> Value {
	let now = unix_ms();
	let mut answer = json!({ "response": {
		"id": id.parse::<u64>().unwrap_or(0),
		"id_s": id,
		"vin": vin,
		"state": "online",
		"charge_state": {
			"battery_level": state.battery_permille as f64 / 10.0,
			"charger_power": state.charging_w as f64 / 1000.0,
			"charging_state": if state.charging_w > 0 { "Charging" } else { "Disconnected" },
			"timestamp": now,
		},
		"drive_state": {
			"latitude": state.lat_e7 as f64 / 1e7,
			"longitude": state.lon_e7 as f64 / 1e7,
			"speed": state.speed_kph as f64 / 1.609_344,
			"heading": 45,
			"timestamp": now,
		},
		"vehicle_state": { "odometer": state.odometer_m as f64 / 1609.344, "timestamp": now },
	}});
	if !with_location {
		if let Some(drive) = answer["response"]["drive_state"].as_object_mut() {
			drive.remove("latitude");
			drive.remove("longitude");
			drive.remove("heading");
		}
	}
	answer
}
