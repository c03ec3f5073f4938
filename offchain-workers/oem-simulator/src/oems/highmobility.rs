//! High Mobility (the shape of its REST API, v5): `GET v1/vehicles` (the grant's VINs),
//! `GET v5/{vin}` (capabilities: `diagnostics.odometer`, `charging.battery_level`,
//! `vehicle_location.coordinates`, each `{"data", "timestamp"}` with units),
//! `POST auth/v1/access_tokens` (the client by id and secret in the form). Kilometers, a
//! fraction, degrees; a car that does not answer gives 408.

use super::{form_client_is, Operation, SimulatedOem};
use crate::{
	api::{Answer, Incoming},
	fleet::{Oem, State, Vehicle},
};
use serde_json::{json, Value};

/// High Mobility's API.
pub struct HighMobility;

impl SimulatedOem for HighMobility {
	fn api(&self) -> Oem {
		Oem::HighMobility
	}

	fn car(&self, n: u32) -> (String, String) {
		// High Mobility names cars by their VIN.
		let vin = format!("WBA8E9G5XJN{:06}", 210_000 + n);
		(vin.clone(), vin)
	}

	fn operation(&self, method: &str, path: &[&str], _query: &str) -> Option<Operation> {
		match (method, path) {
			("POST", ["auth", "v1", "access_tokens"]) => Some(Operation::Token),
			("GET", ["v1", "vehicles"]) => Some(Operation::List),
			("GET", ["v5", vin]) => Some(Operation::Data {
				vehicle: vin.to_string(),
				signals: ["diagnostics", "charging", "vehicle_location"].map(String::from).to_vec(),
			}),
			_ => None,
		}
	}

	fn client_authenticated(&self, incoming: &Incoming, client: &(String, String)) -> bool {
		form_client_is(incoming, client, true)
	}

	fn list(&self, vehicle: Option<&Vehicle>) -> Value {
		let vehicles: Vec<Value> =
			vehicle.map(|v| json!({ "vin": v.vin, "brand": "bmw" })).into_iter().collect();
		json!({ "vehicles": vehicles })
	}

	fn asleep(&self) -> Answer {
		Answer::json(408, json!({ "errors": [{ "title": "Vehicle did not respond" }] }))
	}

	fn with_position(&self, signals: &[String]) -> bool {
		signals.iter().any(|signal| signal == "vehicle_location")
	}

	fn data(&self, _vehicle: &Vehicle, state: &State, _signals: &[String]) -> Value {
		let at = iso8601(crate::fleet::unix_ms());
		json!({
			"diagnostics": { "odometer": {
				"data": { "value": state.odometer_m as f64 / 1000.0, "unit": "kilometers" },
				"timestamp": at,
			}},
			"charging": { "battery_level": {
				"data": { "value": state.battery_permille as f64 / 1000.0 },
				"timestamp": at,
			}},
			"vehicle_location": { "coordinates": {
				"data": { "latitude": state.lat_e7 as f64 / 1e7, "longitude": state.lon_e7 as f64 / 1e7 },
				"timestamp": at,
			}},
		})
	}
}

/// `unix_ms` as the API's ISO 8601 timestamps print it (UTC, milliseconds): the civil date
/// from the days since 1970 (Howard Hinnant's `civil_from_days`).
fn iso8601(unix_ms: u64) -> String {
	let (days, ms_of_day) = ((unix_ms / 86_400_000) as i64, unix_ms % 86_400_000);
	let z = days + 719_468;
	let era = z.div_euclid(146_097);
	let doe = z.rem_euclid(146_097);
	let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
	let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	let mp = (5 * doy + 2) / 153;
	let day = doy - (153 * mp + 2) / 5 + 1;
	let month = if mp < 10 { mp + 3 } else { mp - 9 };
	let year = yoe + era * 400 + i64::from(month <= 2);
	let (h, m, s, ms) =
		(ms_of_day / 3_600_000, ms_of_day / 60_000 % 60, ms_of_day / 1000 % 60, ms_of_day % 1000);
	format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{ms:03}Z")
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn timestamps_are_iso_8601() {
		assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
		assert_eq!(iso8601(951_782_400_000), "2000-02-29T00:00:00.000Z");
		assert_eq!(iso8601(1_764_000_000_123), "2025-11-24T16:00:00.123Z");
	}
}
