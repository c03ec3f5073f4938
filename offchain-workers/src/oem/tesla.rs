//! Tesla Fleet API.
//!
//! - Data: `GET {base}/api/1/vehicles/{id}/vehicle_data?endpoints=charge_state;drive_state;
//!   location_data;vehicle_state` with `Authorization: Bearer`. On firmware 2023.38 and later
//!   the car puts its position (`drive_state.latitude`/`longitude`) in the answer only when
//!   `location_data` is asked for; older firmware ignores the extra endpoint and always sends
//!   it. The answer wraps everything in `response`;
//!   a sleeping or offline car answers 408 (and is not woken: that drains its battery);
//!   rate limits answer 429 with `Retry-After`.
//! - Vehicles of a grant: `GET {base}/api/1/vehicles`, a list in `response` whose `id_s` and
//!   `vin` are both ids the data endpoint takes (Tesla's `vehicle_tag`: `id` is the same number
//!   as `id_s`). A car registered by its VIN's hash is also found from its Fleet Telemetry
//!   stream, which names cars by VIN only.
//! - Tokens: `POST {auth}/oauth2/v3/token` with a form `grant_type=refresh_token`,
//!   `client_id` (the operator's OAuth client, registered with Tesla), `refresh_token`;
//!   refresh tokens rotate.
//!
//! Units: Tesla reports the odometer in miles, the battery in percent, the position in degrees,
//! the speed in mph and the charger power in kW.

use super::*;
use alloc::format;

/// The Tesla Fleet API adapter.
pub struct Tesla;

/// The data a collector asks for: charge, drive state, position (`location_data`, without
/// which current firmware leaves the position out) and odometer.
pub const ENDPOINTS: &str = "charge_state%3Bdrive_state%3Blocation_data%3Bvehicle_state";

const METRES_PER_MILE: f64 = 1609.344;
const KPH_PER_MPH: f64 = 1.609_344;

#[derive(serde::Deserialize)]
struct Answer {
	response: Option<VehicleData>,
}

#[derive(serde::Deserialize)]
struct VehicleData {
	charge_state: Option<ChargeState>,
	drive_state: Option<DriveState>,
	vehicle_state: Option<VehicleState>,
}

#[derive(serde::Deserialize)]
struct ChargeState {
	battery_level: Option<f64>,
	charger_power: Option<f64>,
}

#[derive(serde::Deserialize)]
struct DriveState {
	latitude: Option<f64>,
	longitude: Option<f64>,
	speed: Option<f64>,
}

#[derive(serde::Deserialize)]
struct VehicleState {
	odometer: Option<f64>,
}

#[derive(serde::Deserialize)]
struct VehicleList {
	response: Vec<ListedVehicle>,
}

#[derive(serde::Deserialize)]
struct ListedVehicle {
	id_s: String,
	#[serde(default)]
	vin: Option<String>,
}

impl OemAdapter for Tesla {
	const NAME: &'static str = "tesla";

	fn data_request(api_base: &str, oem_vehicle: &str, access_token: &str) -> Request {
		bearer_get(
			format!(
				"{}/api/1/vehicles/{oem_vehicle}/vehicle_data?endpoints={ENDPOINTS}",
				api_base.trim_end_matches('/')
			),
			access_token,
		)
	}

	fn read_data(response: &Response) -> Result<Signals, OemError> {
		check_status(response)?;
		let answer: Answer =
			serde_json::from_slice(response.body).map_err(|_| OemError::Malformed)?;
		let data = answer.response.ok_or(OemError::Malformed)?;
		let mut signals = Signals::new();
		let mut put = |name: &str, value: Option<f64>, scale: f64| -> Result<(), OemError> {
			if let Some(value) = value {
				signals.insert(name.into(), scaled(value, scale).ok_or(OemError::Malformed)?);
			}
			Ok(())
		};
		if let Some(charge) = data.charge_state {
			put("batteryPermille", charge.battery_level, 10.0)?;
			put("chargingW", charge.charger_power, 1000.0)?;
		}
		if let Some(drive) = data.drive_state {
			put("latE7", drive.latitude, 1e7)?;
			put("lonE7", drive.longitude, 1e7)?;
			put("speedKph", drive.speed, KPH_PER_MPH)?;
		}
		if let Some(vehicle) = data.vehicle_state {
			put("odometerM", vehicle.odometer, METRES_PER_MILE)?;
		}
		if signals.is_empty() {
			return Err(OemError::Malformed);
		}
		Ok(signals)
	}

	/// The latest `timestamp` (Unix ms) of the answer's `charge_state`, `drive_state` and
	/// `vehicle_state`.
	fn observed_at(response: &Response) -> Option<u64> {
		let answer: serde_json::Value = serde_json::from_slice(response.body).ok()?;
		["charge_state", "drive_state", "vehicle_state"]
			.into_iter()
			.filter_map(|state| answer.get("response")?.get(state)?.get("timestamp")?.as_u64())
			.max()
	}

	fn list_request(api_base: &str, access_token: &str) -> Request {
		bearer_get(format!("{}/api/1/vehicles", api_base.trim_end_matches('/')), access_token)
	}

	fn read_vehicle_ids(response: &Response) -> Result<Vec<String>, OemError> {
		check_status(response)?;
		let list: VehicleList =
			serde_json::from_slice(response.body).map_err(|_| OemError::Malformed)?;
		Ok(list
			.response
			.into_iter()
			.flat_map(|vehicle| core::iter::once(vehicle.id_s).chain(vehicle.vin))
			.collect())
	}

	fn refresh_request(auth_url: &str, client: &OAuthClient, refresh_token: &str) -> Request {
		Request {
			method: "POST",
			url: format!("{}/oauth2/v3/token", auth_url.trim_end_matches('/')),
			headers: alloc::vec![(
				"Content-Type",
				String::from("application/x-www-form-urlencoded")
			)],
			body: form(&[
				("grant_type", "refresh_token"),
				("client_id", &client.client_id),
				("refresh_token", refresh_token),
			]),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::oem::tests::{response, signals_of};

	/// A `vehicle_data` answer in the shape of Tesla's Fleet API documentation (trimmed to the
	/// fields the adapter reads and a few it ignores).
	const VEHICLE_DATA: &str = r#"{"response":{"id":100021,"user_id":800001,"vehicle_id":99999,
	  "vin":"TEST00000000VIN01","state":"online","in_service":false,
	  "charge_state":{"battery_level":81,"battery_range":271.31,"charge_limit_soc":90,
	    "charger_power":7,"charging_state":"Charging","timestamp":1764000000000},
	  "drive_state":{"gps_as_of":1764000000,"heading":289,"latitude":52.3520001,
	    "longitude":-1.3400004,"power":0,"shift_state":null,"speed":null,"timestamp":1764000000000},
	  "vehicle_state":{"car_version":"2025.44.25","locked":true,"odometer":7671.36,
	    "timestamp":1764000000000}}}"#;

	const ASLEEP: &str = r#"{"response":null,"error":"vehicle unavailable: vehicle is offline or asleep","error_description":""}"#;

	#[test]
	fn the_data_request_names_the_endpoints_and_the_token() {
		let request = Tesla::data_request("https://fleet-api.example/", "100021", "tok");
		assert_eq!(request.method, "GET");
		assert_eq!(
			request.url,
			"https://fleet-api.example/api/1/vehicles/100021/vehicle_data?endpoints=charge_state%3Bdrive_state%3Blocation_data%3Bvehicle_state"
		);
		assert_eq!(request.headers, alloc::vec![("Authorization", String::from("Bearer tok"))]);
	}

	#[test]
	fn vehicle_data_becomes_signals_in_record_units() {
		let signals = Tesla::read_data(&response(200, &[], VEHICLE_DATA)).expect("data");
		let expected = signals_of(&[
			("batteryPermille", 810),
			("chargingW", 7_000),
			("latE7", 523_520_001),
			("lonE7", -13_400_004),
			("odometerM", 12_345_857),
		]);
		// 7671.36 miles × 1609.344 = 12,345,857.19 m; a parked car has no speed.
		assert_eq!(signals, expected);
	}

	#[test]
	fn an_answer_is_dated_by_its_latest_state() {
		assert_eq!(Tesla::observed_at(&response(200, &[], VEHICLE_DATA)), Some(1_764_000_000_000));
		let later = VEHICLE_DATA.replacen(
			"\"timestamp\":1764000000000}}}",
			"\"timestamp\":1764000009000}}}",
			1,
		);
		assert_eq!(Tesla::observed_at(&response(200, &[], &later)), Some(1_764_000_009_000));
		assert_eq!(
			Tesla::observed_at(&response(200, &[], r#"{"response":{"charge_state":{}}}"#)),
			None
		);
		assert_eq!(Tesla::observed_at(&response(200, &[], "not json")), None);
	}

	#[test]
	fn sleep_rate_limits_and_expired_tokens_are_told_apart() {
		assert_eq!(Tesla::read_data(&response(408, &[], ASLEEP)), Err(OemError::Asleep));
		let retry = [(String::from("Retry-After"), String::from("17"))];
		assert_eq!(
			Tesla::read_data(&response(429, &retry, "")),
			Err(OemError::RateLimited { retry_after: 17 })
		);
		assert_eq!(
			Tesla::read_data(&response(429, &[], "")),
			Err(OemError::RateLimited { retry_after: DEFAULT_RETRY_AFTER })
		);
		assert_eq!(Tesla::read_data(&response(401, &[], "")), Err(OemError::Unauthorized));
		assert_eq!(Tesla::read_data(&response(500, &[], "oops")), Err(OemError::Status(500)));
		assert_eq!(
			Tesla::read_data(&response(200, &[], "{\"response\":")),
			Err(OemError::Malformed)
		);
		assert_eq!(Tesla::read_data(&response(200, &[], ASLEEP)), Err(OemError::Malformed));
	}

	#[test]
	fn the_vehicles_of_a_grant_are_their_string_ids() {
		let request = Tesla::list_request("https://fleet-api.example/", "tok");
		assert_eq!(request.url, "https://fleet-api.example/api/1/vehicles");
		assert_eq!(request.headers, alloc::vec![("Authorization", String::from("Bearer tok"))]);
		// The shape of Tesla's documentation, trimmed.
		let list = r#"{"response":[{"id":100021,"vehicle_id":99999,"vin":"TEST00000000VIN01",
		  "color":null,"access_type":"OWNER","display_name":"Owned","option_codes":"TEST0,COUSE",
		  "granular_access":{"hide_private":false},"tokens":["4f993c5b9e2b937b","7a3153b1bbb48a96"],
		  "state":null,"in_service":false,"id_s":"100021","calendar_enabled":true,
		  "api_version":null,"backseat_token":null,"backseat_token_updated_at":null}],
		  "pagination":{"previous":null,"next":null,"current":1,"per_page":2,"count":1,"pages":1},
		  "count":1}"#;
		assert_eq!(
			Tesla::read_vehicle_ids(&response(200, &[], list)),
			Ok(alloc::vec![String::from("100021"), String::from("TEST00000000VIN01")])
		);
		assert_eq!(
			Tesla::read_vehicle_ids(&response(200, &[], r#"{"response":[],"count":0}"#)),
			Ok(Vec::new())
		);
		assert_eq!(Tesla::read_vehicle_ids(&response(401, &[], "")), Err(OemError::Unauthorized));
		assert_eq!(
			Tesla::read_vehicle_ids(&response(200, &[], r#"{"response":[{"id":1}]}"#)),
			Err(OemError::Malformed)
		);
	}

	#[test]
	fn tokens_are_refreshed_with_a_form_and_rotate() {
		let client = OAuthClient { client_id: "client-1".into(), client_secret: String::new() };
		let request = Tesla::refresh_request("https://auth.example", &client, "refresh/1");
		assert_eq!(request.method, "POST");
		assert_eq!(request.url, "https://auth.example/oauth2/v3/token");
		assert_eq!(
			request.body,
			b"grant_type=refresh_token&client_id=client-1&refresh_token=refresh%2F1".to_vec()
		);
		let answer = r#"{"access_token":"a2","refresh_token":"r2","id_token":"x","expires_in":28800,"token_type":"Bearer"}"#;
		assert_eq!(
			Tesla::read_tokens(&response(200, &[], answer)),
			Ok(Tokens {
				access_token: "a2".into(),
				refresh_token: "r2".into(),
				expires_in: 28_800
			})
		);
		let refused = r#"{"error":"invalid_grant","error_description":"refresh_token is invalid"}"#;
		assert_eq!(
			Tesla::read_tokens(&response(401, &[], refused)),
			Err(OemError::RefreshRejected)
		);
		assert_eq!(Tesla::read_tokens(&response(200, &[], "{}")), Err(OemError::Malformed));
	}
}
