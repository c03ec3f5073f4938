//! Streams over records: what each [`Stream`] of an access list lets its reader see of a
//! reading.
//!
//! The access list (pallets/data-access) grants streams; a collector serves readings. This
//! module is the one mapping between the two, used by the collector node's gateway
//! (`dimo_readStream`, `dimo_subscribeStream`) for every reading it serves:
//!
//! | stream | what its reader gets of a reading |
//! |---|---|
//! | `nonLocationData` | the record with every signal except position ([`LOCATION_SIGNALS`]) |
//! | `currentLocation` | the position of the latest reading that has one (a query answers one reading at most) |
//! | `allTimeLocation` | the position of every reading that has one |
//! | `approximateLocation` | the position rounded down to a grid of [`APPROXIMATE_GRID_E7`] (0.01°, about 1.1 km of latitude), never the precise value |
//! | `rawData` | the OEM's answer body, byte for byte as the collector received it |
//! | `liveDataSubscription` | no view of its own: the right to have the streams above **pushed** (`dimo_subscribeStream`) rather than only queried (`dimo_readStream`) |
//! | `vinCredential` | no view: nothing produces a VIN credential yet |
//!
//! A view of a record is a record again ([`Record`], the same canonical JSON), holding the
//! signals the stream allows, so that a reader parses one format whatever it reads. The
//! location views name their coordinates as the record does (`latE7`, `lonE7`); the approximate
//! one adds `gridE7`, the size of its grid, so that no reader takes a rounded value for a
//! precise one.

use crate::record::Record;
use alloc::{string::String, vec::Vec};
use codec::{Decode, Encode};
use dimo_primitives::vehicle::Stream;

/// The signals that place a vehicle: only the location streams carry them.
pub const LOCATION_SIGNALS: [&str; 2] = ["latE7", "lonE7"];

/// The grid of `approximateLocation`, in degrees × 10^7: 0.01°.
pub const APPROXIMATE_GRID_E7: i64 = 100_000;

/// The signal of an approximate view that names its grid.
pub const GRID_SIGNAL: &str = "gridE7";

/// Whether `name` is a signal that places the vehicle.
pub fn is_location_signal(name: &str) -> bool {
	LOCATION_SIGNALS.contains(&name)
}

/// What a reader of a stream gets of one reading.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum View {
	/// A record holding the signals the stream allows.
	Record(Record),
	/// The OEM's answer as received.
	Raw(Vec<u8>),
}

impl View {
	/// The view's bytes: the canonical JSON of a record, or the raw answer.
	pub fn to_bytes(&self) -> Vec<u8> {
		match self {
			// A view only removes signals from a record that was written, or rounds them:
			// it cannot fail where the record did not.
			Self::Record(record) => record.to_canonical_bytes().unwrap_or_default(),
			Self::Raw(body) => body.clone(),
		}
	}
}

/// Why a stream has no view of readings.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NoView {
	/// `liveDataSubscription`: a right to have other streams pushed, not data of its own.
	PushRight,
	/// `vinCredential`: nothing produces it yet.
	NotProduced,
}

/// Whether `stream` has a view of readings (see the [module docs](self)).
pub fn has_view(stream: Stream) -> Result<(), NoView> {
	match stream {
		Stream::LiveDataSubscription => Err(NoView::PushRight),
		Stream::VinCredential => Err(NoView::NotProduced),
		_ => Ok(()),
	}
}

/// A class of a reading's signals: what one sealed part of an envelope holds
/// ([`crate::envelope`], format 3), under a content key of its own, so that the reader of a
/// stream opens its class's part and nothing else.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Encode, Decode)]
pub enum Class {
	/// Every signal but position: `nonLocationData`'s view.
	NonLocation = 0,
	/// The precise position: `currentLocation`'s and `allTimeLocation`'s view.
	PreciseLocation = 1,
	/// The position rounded to [`APPROXIMATE_GRID_E7`]: `approximateLocation`'s view.
	ApproximateLocation = 2,
	/// The OEM's answer as received: `rawData`'s view.
	Raw = 3,
}

impl Class {
	/// Every class, in the order of their bytes (and of an envelope's parts).
	pub const ALL: [Class; 4] =
		[Class::NonLocation, Class::PreciseLocation, Class::ApproximateLocation, Class::Raw];

	/// The class whose byte in an envelope is `byte`.
	pub fn from_byte(byte: u8) -> Option<Self> {
		Self::ALL.get(usize::from(byte)).copied()
	}

	/// The class's byte in an envelope.
	pub fn to_byte(self) -> u8 {
		self as u8
	}

	/// The stream whose view the class holds.
	pub fn stream(self) -> Stream {
		match self {
			Class::NonLocation => Stream::NonLocationData,
			Class::PreciseLocation => Stream::AllTimeLocation,
			Class::ApproximateLocation => Stream::ApproximateLocation,
			Class::Raw => Stream::RawData,
		}
	}

	/// The class that a reader of `stream` opens: `None` for the streams without a view.
	pub fn of(stream: Stream) -> Option<Self> {
		match stream {
			Stream::NonLocationData => Some(Class::NonLocation),
			Stream::CurrentLocation | Stream::AllTimeLocation => Some(Class::PreciseLocation),
			Stream::ApproximateLocation => Some(Class::ApproximateLocation),
			Stream::RawData => Some(Class::Raw),
			Stream::LiveDataSubscription | Stream::VinCredential => None,
		}
	}

	/// The class's part of the reading `record` (whose OEM answer was `raw`, if kept): the
	/// bytes of [`view`] of its stream, `None` if the reading has nothing of that class.
	pub fn part_of(self, record: &Record, raw: Option<&[u8]>) -> Option<Vec<u8>> {
		view(self.stream(), record, raw).ok().flatten().map(|view| view.to_bytes())
	}
}

/// `value` rounded down (towards negative infinity) to a multiple of `grid`.
fn round_down(value: i64, grid: i64) -> i64 {
	value.div_euclid(grid).saturating_mul(grid)
}

/// What a reader of `stream` gets of the reading `record`, whose OEM answer was `raw` (if
/// the collector kept it): `Ok(None)` when the reading has nothing for that stream (a
/// location stream and a reading without a position, raw data the collector did not keep).
pub fn view(stream: Stream, record: &Record, raw: Option<&[u8]>) -> Result<Option<View>, NoView> {
	has_view(stream)?;
	let with = |signals: Vec<(String, i64)>| {
		View::Record(Record { signals: signals.into_iter().collect(), ..record.clone() })
	};
	let position = || -> Option<(i64, i64)> {
		Some((*record.signals.get("latE7")?, *record.signals.get("lonE7")?))
	};
	Ok(match stream {
		Stream::NonLocationData => Some(with(
			record
				.signals
				.iter()
				.filter(|(name, _)| !is_location_signal(name))
				.map(|(name, value)| (name.clone(), *value))
				.collect(),
		)),
		Stream::CurrentLocation | Stream::AllTimeLocation => position()
			.map(|(lat, lon)| with(alloc::vec![("latE7".into(), lat), ("lonE7".into(), lon)])),
		Stream::ApproximateLocation => position().map(|(lat, lon)| {
			with(alloc::vec![
				("latE7".into(), round_down(lat, APPROXIMATE_GRID_E7)),
				("lonE7".into(), round_down(lon, APPROXIMATE_GRID_E7)),
				(GRID_SIGNAL.into(), APPROXIMATE_GRID_E7),
			])
		}),
		Stream::RawData => raw.map(|body| View::Raw(body.to_vec())),
		Stream::LiveDataSubscription | Stream::VinCredential => None,
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use proptest::prelude::*;

	fn record(signals: Vec<(String, i64)>) -> Record {
		Record {
			vehicle: 3,
			oem: "tesla".into(),
			from: 1_764_000_000_000,
			to: 1_764_000_000_000,
			signals: signals.into_iter().collect(),
		}
	}

	fn signals() -> impl Strategy<Value = Vec<(String, i64)>> {
		let name = prop_oneof![
			Just(String::from("latE7")),
			Just(String::from("lonE7")),
			Just(String::from("odometerM")),
			Just(String::from("batteryPermille")),
			Just(String::from("speedKph")),
			"[a-zA-Z][a-zA-Z0-9]{0,12}",
		];
		proptest::collection::vec((name, any::<i64>()), 0..8)
	}

	fn coordinates(view: &View) -> Vec<(&str, i64)> {
		match view {
			View::Record(record) => record
				.signals
				.iter()
				.filter(|(name, _)| is_location_signal(name))
				.map(|(name, value)| (name.as_str(), *value))
				.collect(),
			View::Raw(_) => Vec::new(),
		}
	}

	proptest! {
		#[test]
		fn no_view_but_the_location_ones_carries_a_coordinate(signals in signals()) {
			let record = record(signals);
			for stream in Stream::ALL {
				let is_location = matches!(
					stream,
					Stream::CurrentLocation | Stream::AllTimeLocation | Stream::ApproximateLocation
				);
				if let Ok(Some(view)) = view(stream, &record, None) {
					prop_assert!(is_location || coordinates(&view).is_empty(), "{stream:?}");
				}
			}
		}

		#[test]
		fn the_approximate_view_is_no_finer_than_its_grid(lat in any::<i64>(), lon in any::<i64>()) {
			let record = record(alloc::vec![("latE7".into(), lat), ("lonE7".into(), lon), ("speedKph".into(), 50)]);
			let Ok(Some(View::Record(approximate))) = view(Stream::ApproximateLocation, &record, None) else {
				return Err(TestCaseError::fail("a reading with a position has an approximate view"));
			};
			for (name, value) in coordinates(&View::Record(approximate.clone())) {
				prop_assert_eq!(value.rem_euclid(APPROXIMATE_GRID_E7), 0, "{} = {}", name, value);
			}
			// Within one cell of the truth (unless the truth is at the edge of i64).
			let rounded = approximate.signals["latE7"];
			prop_assert!(rounded <= lat && lat.saturating_sub(rounded) < APPROXIMATE_GRID_E7);
			prop_assert_eq!(approximate.signals.get(GRID_SIGNAL), Some(&APPROXIMATE_GRID_E7));
			prop_assert_eq!(approximate.signals.len(), 3, "nothing but the rounded position");
		}
	}

	#[test]
	fn every_stream_with_a_view_has_a_class_whose_part_is_that_view() {
		let reading = record(alloc::vec![
			("latE7".into(), 523_521_234),
			("lonE7".into(), -13_412_345),
			("odometerM".into(), 1),
		]);
		for stream in Stream::ALL {
			match (Class::of(stream), has_view(stream)) {
				(Some(class), Ok(())) => assert_eq!(
					class.part_of(&reading, Some(b"raw")),
					view(stream, &reading, Some(b"raw")).ok().flatten().map(|v| v.to_bytes()),
					"{stream:?}"
				),
				(None, Err(_)) => {},
				other => panic!("{stream:?}: {other:?}"),
			}
		}
		for class in Class::ALL {
			assert_eq!(Class::from_byte(class.to_byte()), Some(class));
			assert_eq!(Class::of(class.stream()), Some(class));
		}
		assert_eq!(Class::from_byte(4), None);
		assert_eq!(Class::Raw.part_of(&reading, None), None, "no raw answer kept, no raw part");
	}

	#[test]
	fn each_stream_sees_its_part_of_a_reading() {
		let reading = record(alloc::vec![
			("latE7".into(), 523_521_234),
			("lonE7".into(), -13_412_345),
			("odometerM".into(), 12_000),
		]);
		let raw = br#"{"response":{"odometer":7.45}}"#;
		let signals = |stream| match view(stream, &reading, Some(raw)) {
			Ok(Some(View::Record(record))) => record.signals.into_iter().collect::<Vec<_>>(),
			other => panic!("{stream:?}: {other:?}"),
		};
		assert_eq!(signals(Stream::NonLocationData), [("odometerM".into(), 12_000)]);
		let precise = [("latE7".into(), 523_521_234), ("lonE7".into(), -13_412_345)];
		assert_eq!(signals(Stream::CurrentLocation), precise);
		assert_eq!(signals(Stream::AllTimeLocation), precise);
		assert_eq!(
			signals(Stream::ApproximateLocation),
			[
				("gridE7".into(), 100_000),
				("latE7".into(), 523_500_000),
				("lonE7".into(), -13_500_000)
			]
		);
		assert_eq!(view(Stream::RawData, &reading, Some(raw)), Ok(Some(View::Raw(raw.to_vec()))));
		assert_eq!(view(Stream::RawData, &reading, None), Ok(None));
		assert_eq!(view(Stream::LiveDataSubscription, &reading, None), Err(NoView::PushRight));
		assert_eq!(view(Stream::VinCredential, &reading, None), Err(NoView::NotProduced));
		// No position, no location view; the other signals still make a non-location one.
		let parked = record(alloc::vec![("odometerM".into(), 1)]);
		assert_eq!(view(Stream::CurrentLocation, &parked, None), Ok(None));
		assert_eq!(view(Stream::ApproximateLocation, &parked, None), Ok(None));
		assert!(matches!(view(Stream::NonLocationData, &parked, None), Ok(Some(_))));
	}
}
