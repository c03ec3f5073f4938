//! High Mobility, an aggregator of carmakers' data (the shape of its REST API, v5).
//!
//! - Data: `GET {base}/v5/{vin}` with `Authorization: Bearer`: one JSON object of
//!   capabilities, each property a `{"data": ..., "timestamp": ...}` whose measured values say
//!   their unit: `diagnostics.odometer` (`{"value", "unit"}`, kilometers or miles),
//!   `charging.battery_level` (`{"value"}`, a fraction), `vehicle_location.coordinates`
//!   (`{"latitude", "longitude"}`, degrees). A property the car did not report is absent; the
//!   others still count. An unreachable car answers 408; rate limits 429 with `Retry-After`.
//! - Vehicles of a grant: `GET {base}/v1/vehicles`, their VINs in `vehicles[].vin` (the VIN is
//!   the id the data request takes).
//! - Tokens: `POST {auth}/v1/access_tokens` with a form `grant_type=refresh_token`,
//!   `refresh_token`, `client_id` and `client_secret`: the client authenticates in the body
//!   (RFC 6749 §2.3.1), not with HTTP Basic.

use super::*;
use alloc::format;

/// The High Mobility adapter.
pub struct HighMobility;

#[derive(serde::Deserialize)]
struct Property<T> {
	data: T,
}

#[derive(serde::Deserialize)]
struct Measured {
	value: f64,
	#[serde(default)]
	unit: Option<String>,
}

#[derive(serde::Deserialize)]
struct Coordinates {
	latitude: f64,
	longitude: f64,
}

#[derive(serde::Deserialize, Default)]
struct Diagnostics {
	odometer: Option<Property<Measured>>,
}

#[derive(serde::Deserialize, Default)]
struct Charging {
	battery_level: Option<Property<Measured>>,
}

#[derive(serde::Deserialize, Default)]
struct VehicleLocation {
	coordinates: Option<Property<Coordinates>>,
}

#[derive(serde::Deserialize)]
struct Capabilities {
	#[serde(default)]
	diagnostics: Option<Diagnostics>,
	#[serde(default)]
	charging: Option<Charging>,
	#[serde(default)]
	vehicle_location: Option<VehicleLocation>,
}

#[derive(serde::Deserialize)]
struct ListedVehicle {
	vin: String,
}

#[derive(serde::Deserialize)]
struct VehicleList {
	vehicles: Vec<ListedVehicle>,
}

/// Metres in one unit of distance that the API names.
fn metres_per(unit: Option<&str>) -> Option<f64> {
	match unit.unwrap_or("kilometers") {
		"kilometers" => Some(1000.0),
		"miles" => Some(1609.344),
		"meters" => Some(1.0),
		_ => None,
	}
}

impl OemAdapter for HighMobility {
	const NAME: &'static str = "highmobility";

	fn data_request(api_base: &str, oem_vehicle: &str, access_token: &str) -> Request {
		bearer_get(format!("{}/v5/{oem_vehicle}", api_base.trim_end_matches('/')), access_token)
	}

	fn read_data(response: &Response) -> Result<Signals, OemError> {
		check_status(response)?;
		let answer: Capabilities =
			serde_json::from_slice(response.body).map_err(|_| OemError::Malformed)?;
		let mut signals = Signals::new();
		let mut put = |name: &str, value: Option<i64>| -> Result<(), OemError> {
			signals.insert(String::from(name), value.ok_or(OemError::Malformed)?);
			Ok(())
		};
		if let Some(odometer) = answer.diagnostics.unwrap_or_default().odometer {
			let metres = metres_per(odometer.data.unit.as_deref()).ok_or(OemError::Malformed)?;
			put("odometerM", scaled(odometer.data.value, metres))?;
		}
		if let Some(level) = answer.charging.unwrap_or_default().battery_level {
			put("batteryPermille", scaled(level.data.value, 1000.0))?;
		}
		if let Some(position) = answer.vehicle_location.unwrap_or_default().coordinates {
			put("latE7", scaled(position.data.latitude, 1e7))?;
			put("lonE7", scaled(position.data.longitude, 1e7))?;
		}
		if signals.is_empty() {
			return Err(OemError::Malformed);
		}
		Ok(signals)
	}

	/// The latest `timestamp` of the answer's properties (each capability's properties carry
	/// their own).
	fn observed_at(response: &Response) -> Option<u64> {
		let answer: serde_json::Value = serde_json::from_slice(response.body).ok()?;
		answer
			.as_object()?
			.values()
			.filter_map(|capability| capability.as_object())
			.flat_map(|properties| properties.values())
			.filter_map(|property| utc_millis(property.get("timestamp")?.as_str()?))
			.max()
	}

	fn list_request(api_base: &str, access_token: &str) -> Request {
		bearer_get(format!("{}/v1/vehicles", api_base.trim_end_matches('/')), access_token)
	}

	fn read_vehicle_ids(response: &Response) -> Result<Vec<String>, OemError> {
		check_status(response)?;
		let list: VehicleList =
			serde_json::from_slice(response.body).map_err(|_| OemError::Malformed)?;
		Ok(list.vehicles.into_iter().map(|vehicle| vehicle.vin).collect())
	}

	fn refresh_request(auth_url: &str, client: &OAuthClient, refresh_token: &str) -> Request {
		Request {
			method: "POST",
			url: format!("{}/v1/access_tokens", auth_url.trim_end_matches('/')),
			headers: alloc::vec![(
				"Content-Type",
				String::from("application/x-www-form-urlencoded")
			)],
			body: form(&[
				("grant_type", "refresh_token"),
				("refresh_token", refresh_token),
				("client_id", &client.client_id),
				("client_secret", &client.client_secret),
			]),
		}
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::oem::tests::{response, signals_of};

	/// An answer in the shape of High Mobility's v5 vehicle data.
	const DATA: &str = r#"{
	  "diagnostics":{"odometer":{"data":{"value":104.32,"unit":"kilometers"},
	    "timestamp":"2026-11-24T16:00:00.000Z"}},
	  "charging":{"battery_level":{"data":{"value":0.3},"timestamp":"2026-11-24T16:00:00.000Z"}},
	  "vehicle_location":{"coordinates":{"data":{"latitude":37.4292,"longitude":-122.1381},
	    "timestamp":"2026-11-24T16:00:00.000Z"}}}"#;

	#[test]
	fn an_answer_is_dated_by_its_latest_property() {
		assert_eq!(HighMobility::observed_at(&response(200, &[], DATA)), Some(1_795_536_000_000));
		let later = DATA.replacen("2026-11-24T16:00:00.000Z", "2026-11-24T16:00:05.250Z", 1);
		assert_eq!(HighMobility::observed_at(&response(200, &[], &later)), Some(1_795_536_005_250));
		assert_eq!(HighMobility::observed_at(&response(200, &[], r#"{"charging":{}}"#)), None);
	}

	#[test]
	fn the_data_request_names_the_vin_and_the_token() {
		let request = HighMobility::data_request("https://hm.example/", "WBA1", "tok");
		assert_eq!(request.method, "GET");
		assert_eq!(request.url, "https://hm.example/v5/WBA1");
		assert!(request.headers.contains(&("Authorization", String::from("Bearer tok"))));
	}

	#[test]
	fn capabilities_become_signals_in_record_units() {
		let signals = HighMobility::read_data(&response(200, &[], DATA)).expect("data");
		let expected = signals_of(&[
			("batteryPermille", 300),
			("latE7", 374_292_000),
			("lonE7", -1_221_381_000),
			("odometerM", 104_320),
		]);
		assert_eq!(signals, expected);
		let miles = r#"{"diagnostics":{"odometer":{"data":{"value":1.0,"unit":"miles"}}}}"#;
		let signals = HighMobility::read_data(&response(200, &[], miles)).expect("data");
		assert_eq!(signals.get("odometerM"), Some(&1_609));
	}

	#[test]
	fn missing_properties_are_skipped_and_nonsense_refused() {
		let partial = r#"{"charging":{"battery_level":{"data":{"value":0.815}}}}"#;
		let signals = HighMobility::read_data(&response(200, &[], partial)).expect("data");
		assert_eq!(signals.into_iter().collect::<Vec<_>>(), [("batteryPermille".into(), 815)]);
		assert_eq!(HighMobility::read_data(&response(200, &[], "{}")), Err(OemError::Malformed));
		let furlongs = r#"{"diagnostics":{"odometer":{"data":{"value":1,"unit":"furlongs"}}}}"#;
		assert_eq!(
			HighMobility::read_data(&response(200, &[], furlongs)),
			Err(OemError::Malformed)
		);
		assert_eq!(HighMobility::read_data(&response(408, &[], "{}")), Err(OemError::Asleep));
		let retry = [(String::from("retry-after"), String::from("7"))];
		assert_eq!(
			HighMobility::read_data(&response(429, &retry, "{}")),
			Err(OemError::RateLimited { retry_after: 7 })
		);
		assert_eq!(HighMobility::read_data(&response(401, &[], "")), Err(OemError::Unauthorized));
	}

	#[test]
	fn the_vehicles_of_a_grant_are_their_vins() {
		let request = HighMobility::list_request("https://hm.example", "tok");
		assert_eq!(request.url, "https://hm.example/v1/vehicles");
		let list = r#"{"vehicles":[{"vin":"WBA1","brand":"bmw"},{"vin":"WBA2"}]}"#;
		assert_eq!(
			HighMobility::read_vehicle_ids(&response(200, &[], list)),
			Ok(alloc::vec![String::from("WBA1"), String::from("WBA2")])
		);
		assert_eq!(
			HighMobility::read_vehicle_ids(&response(200, &[], "[]")),
			Err(OemError::Malformed)
		);
	}

	#[test]
	fn the_client_authenticates_in_the_form() {
		let client = OAuthClient { client_id: "client".into(), client_secret: "s&cret".into() };
		let request = HighMobility::refresh_request("https://hm.example/", &client, "r1");
		assert_eq!(request.url, "https://hm.example/v1/access_tokens");
		assert!(!request.headers.iter().any(|(name, _)| *name == "Authorization"));
		assert_eq!(
			request.body,
			b"grant_type=refresh_token&refresh_token=r1&client_id=client&client_secret=s%26cret"
				.to_vec()
		);
		let answer = r#"{"access_token":"a2","refresh_token":"r2","expires_in":3600}"#;
		assert_eq!(
			HighMobility::read_tokens(&response(200, &[], answer)),
			Ok(Tokens { access_token: "a2".into(), refresh_token: "r2".into(), expires_in: 3_600 })
		);
	}
}
