//! Timestamps on the wire, byte for byte as chrono writes them (RFC 3339 in
//! UTC with `Z`; a fraction of 3, 6 or 9 digits only when there is one),
//! without going through `fmt`: a list of 20 articles with their authors
//! and tags holds over 400 of them, and chrono's formatter, one character
//! at a time through serde's string collector, took a twentieth of its
//! uncached time. REST's hot read types use it through
//! `#[serde(serialize_with)]`, GraphQL's `DateTime` scalar through [`text`],
//! so both APIs write the same strings from one place.

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Serialize, Serializer};

/// Longest form written here: `YYYY-MM-DDThh:mm:ss.nnnnnnnnnZ`.
const LONGEST: usize = 30;

/// Serialises a timestamp (`serialize_with = "stamp::write"`).
pub fn write<S: Serializer>(time: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut buffer = [0u8; LONGEST];
    match format(time, &mut buffer) {
        Some(text) => serializer.serialize_str(text),
        // Years outside 0–9999 and leap seconds: chrono's own form.
        None => time.serialize(serializer),
    }
}

/// A timestamp as text (GraphQL's `DateTime`).
pub fn text(time: &DateTime<Utc>) -> String {
    let mut buffer = [0u8; LONGEST];
    match format(time, &mut buffer) {
        Some(text) => text.to_owned(),
        None => time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    }
}

/// Serialises an optional timestamp (`serialize_with = "stamp::write_opt"`).
pub fn write_opt<S: Serializer>(
    time: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => write(time, serializer),
        None => serializer.serialize_none(),
    }
}

/// `time` in `buffer`, or `None` for the forms left to chrono.
fn format<'a>(time: &DateTime<Utc>, buffer: &'a mut [u8; LONGEST]) -> Option<&'a str> {
    let year = u32::try_from(time.year()).ok().filter(|y| *y <= 9999)?;
    let nanos = time.nanosecond();
    if nanos >= 1_000_000_000 {
        return None;
    }
    let fraction = match nanos {
        0 => None,
        n if n % 1_000_000 == 0 => Some((n / 1_000_000, 3)),
        n if n % 1_000 == 0 => Some((n / 1_000, 6)),
        n => Some((n, 9)),
    };
    let mut out = Out { buffer, at: 0 };
    out.digits(year, 4).byte(b'-');
    out.digits(time.month(), 2).byte(b'-');
    out.digits(time.day(), 2).byte(b'T');
    out.digits(time.hour(), 2).byte(b':');
    out.digits(time.minute(), 2).byte(b':');
    out.digits(time.second(), 2);
    if let Some((value, width)) = fraction {
        out.byte(b'.').digits(value, width);
    }
    out.byte(b'Z');
    let Out { buffer, at } = out;
    std::str::from_utf8(&buffer[..at]).ok()
}

/// A buffer filled from the front.
struct Out<'a> {
    buffer: &'a mut [u8; LONGEST],
    at: usize,
}

impl Out<'_> {
    fn byte(&mut self, byte: u8) -> &mut Self {
        self.buffer[self.at] = byte;
        self.at += 1;
        self
    }

    /// `value` in `width` decimal digits, zero-padded.
    fn digits(&mut self, value: u32, width: usize) -> &mut Self {
        let mut rest = value;
        for slot in self.buffer[self.at..self.at + width].iter_mut().rev() {
            *slot = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        self.at += width;
        self
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};
    use proptest::prelude::*;

    use super::*;

    #[derive(Serialize)]
    struct Stamped {
        #[serde(serialize_with = "write")]
        at: DateTime<Utc>,
        #[serde(serialize_with = "write_opt")]
        maybe: Option<DateTime<Utc>>,
    }

    fn both_ways(at: DateTime<Utc>) -> (String, String) {
        let ours = serde_json::to_string(&Stamped {
            at,
            maybe: Some(at),
        })
        .unwrap();
        let chrono = serde_json::to_string(&serde_json::json!({"at": at, "maybe": at})).unwrap();
        (ours, chrono)
    }

    #[test]
    fn writes_what_chrono_writes_at_every_precision_and_edge() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        for nanos in [0, 1, 10, 999, 1_000, 16_175_000, 16_000_000, 999_999_999] {
            let at = Utc.from_utc_datetime(&day.and_hms_nano_opt(5, 7, 9, nanos).unwrap());
            let (ours, chrono) = both_ways(at);
            assert_eq!(ours, chrono, "{nanos} ns");
        }
        for (year, month, day) in [(0, 1, 1), (1, 2, 3), (999, 12, 31), (9999, 12, 31)] {
            let date = NaiveDate::from_ymd_opt(year, month, day).unwrap();
            let at = Utc.from_utc_datetime(&date.and_hms_opt(23, 59, 59).unwrap());
            let (ours, chrono) = both_ways(at);
            assert_eq!(ours, chrono, "{year}");
        }
        // Left to chrono: a leap second, years before 0 and after 9999.
        let leap = day.and_hms_nano_opt(23, 59, 59, 1_500_000_000).unwrap();
        let far = NaiveDate::from_ymd_opt(12345, 6, 7)
            .unwrap()
            .and_hms_opt(1, 2, 3)
            .unwrap();
        let before = NaiveDate::from_ymd_opt(-44, 3, 15)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        for naive in [leap, far, before] {
            let at = Utc.from_utc_datetime(&naive);
            let (ours, chrono) = both_ways(at);
            assert_eq!(ours, chrono);
            assert_eq!(
                text(&at),
                at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            );
        }
        let none = serde_json::to_string(&Stamped {
            at: Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap()),
            maybe: None,
        })
        .unwrap();
        assert_eq!(none, r#"{"at":"2026-12-02T00:00:00Z","maybe":null}"#);
    }

    proptest! {
        #[test]
        fn any_instant_is_written_as_chrono_writes_it(
            seconds in -62_135_596_800i64..253_402_300_799i64,
            nanos in prop_oneof![Just(0u32), 0u32..1_000_000_000, (0u32..1000).prop_map(|n| n * 1_000_000)],
        ) {
            let at = Utc.timestamp_opt(seconds, nanos).unwrap();
            let (ours, chrono) = both_ways(at);
            prop_assert_eq!(ours, chrono);
            prop_assert_eq!(text(&at), at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
        }
    }
}
