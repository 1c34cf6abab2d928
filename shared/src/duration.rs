//! Go `time.Duration` values, parsed and printed exactly as Go does.
//!
//! Operators and controllers written in Go read fields such as
//! `VDISession.spec.timeout` with `time.ParseDuration`; a policy that parsed
//! a different grammar could admit a value the operator then reads
//! differently (or not at all). So this follows Go's grammar to the letter:
//! `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, units `ns`, `us`, `µs`, `μs`, `ms`, `s`,
//! `m`, `h`, the bare `0`, and the same overflow limits (±2^63-1 ns).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};

use crate::quote::quote;

const NANOSECOND: u64 = 1;
const MICROSECOND: u64 = 1_000 * NANOSECOND;
const MILLISECOND: u64 = 1_000 * MICROSECOND;
const SECOND: u64 = 1_000 * MILLISECOND;
const MINUTE: u64 = 60 * SECOND;
const HOUR: u64 = 60 * MINUTE;

/// The magnitude of `i64::MIN`; every intermediate value stays at or below it.
const LIMIT: u64 = 1 << 63;

/// A signed span of nanoseconds, like Go's `time.Duration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(i64);

impl Duration {
    pub const ZERO: Duration = Duration(0);

    pub const fn from_nanos(nanos: i64) -> Self {
        Duration(nanos)
    }

    pub const fn from_hours(hours: i64) -> Self {
        Duration(hours.saturating_mul(HOUR as i64))
    }

    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }
}

/// Why a duration string was refused; the message matches Go's wording so
/// that users see the same text the operator would log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDurationError(String);

impl fmt::Display for ParseDurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseDurationError {}

fn invalid(orig: &str) -> ParseDurationError {
    ParseDurationError(format!("time: invalid duration {}", quote(orig)))
}

fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => NANOSECOND,
        "us" | "\u{b5}s" | "\u{3bc}s" => MICROSECOND,
        "ms" => MILLISECOND,
        "s" => SECOND,
        "m" => MINUTE,
        "h" => HOUR,
        _ => return None,
    })
}

/// Consumes leading ASCII digits; `None` when the integer exceeds 2^63.
fn leading_int(s: &str) -> Option<(u64, &str)> {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (number, rest) = s.split_at(digits);
    let mut x: u64 = 0;
    for c in number.bytes() {
        if x > LIMIT / 10 {
            return None;
        }
        x = x * 10 + u64::from(c - b'0');
        if x > LIMIT {
            return None;
        }
    }
    Some((x, rest))
}

/// Consumes the digits after a decimal point. Like Go, precision beyond what
/// fits is dropped rather than reported as an error.
fn leading_fraction(s: &str) -> (u64, f64, &str) {
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (number, rest) = s.split_at(digits);
    let mut x: u64 = 0;
    let mut scale = 1.0_f64;
    for c in number.bytes() {
        if x > (LIMIT - 1) / 10 {
            break;
        }
        let y = x * 10 + u64::from(c - b'0');
        if y > LIMIT {
            break;
        }
        x = y;
        scale *= 10.0;
    }
    (x, scale, rest)
}

/// Parses a duration string with Go's `time.ParseDuration` semantics.
pub fn parse(orig: &str) -> Result<Duration, ParseDurationError> {
    let mut s = orig;
    let mut negative = false;
    if let Some(rest) = s.strip_prefix('-') {
        negative = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err(invalid(orig));
    }
    let mut total: u64 = 0;
    while !s.is_empty() {
        if !s.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
            return Err(invalid(orig));
        }
        let before = s.len();
        let (mut value, rest) = leading_int(s).ok_or_else(|| invalid(orig))?;
        s = rest;
        let has_int = s.len() != before;

        let (mut fraction, mut scale, mut has_fraction) = (0, 1.0, false);
        if let Some(rest) = s.strip_prefix('.') {
            let (f, sc, rest2) = leading_fraction(rest);
            has_fraction = rest2.len() != rest.len();
            (fraction, scale, s) = (f, sc, rest2);
        }
        if !has_int && !has_fraction {
            return Err(invalid(orig));
        }

        let unit_len = s
            .bytes()
            .take_while(|c| *c != b'.' && !c.is_ascii_digit())
            .count();
        if unit_len == 0 {
            return Err(ParseDurationError(format!(
                "time: missing unit in duration {}",
                quote(orig)
            )));
        }
        // The unit ends at an ASCII byte (or the end), so this is a char boundary.
        let (unit_text, rest) = s.split_at(unit_len);
        s = rest;
        let unit = unit_nanos(unit_text).ok_or_else(|| {
            ParseDurationError(format!(
                "time: unknown unit {} in duration {}",
                quote(unit_text),
                quote(orig)
            ))
        })?;
        if value > LIMIT / unit {
            return Err(invalid(orig));
        }
        value *= unit;
        if fraction > 0 {
            // f64 keeps nanosecond accuracy for fractions of an hour, as in Go.
            value += (fraction as f64 * (unit as f64 / scale)) as u64;
            if value > LIMIT {
                return Err(invalid(orig));
            }
        }
        total = total.checked_add(value).ok_or_else(|| invalid(orig))?;
        if total > LIMIT {
            return Err(invalid(orig));
        }
    }
    if negative {
        // total <= 2^63, so the negation fits (2^63 becomes i64::MIN).
        return Ok(Duration(0_i64.wrapping_sub_unsigned(total)));
    }
    i64::try_from(total)
        .map(Duration)
        .map_err(|_| invalid(orig))
}

impl FromStr for Duration {
    type Err = ParseDurationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

/// Accepts the string form only, as a Kubernetes manifest or settings file
/// writes it (`"12h"`); a bare number would be ambiguous about its unit.
impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Writes `v / 10^precision` as a decimal fraction without trailing zeros
/// (and without the point when the fraction is zero); returns `v / 10^precision`.
fn push_fraction(out: &mut String, v: u64, precision: u32) -> u64 {
    let divisor = 10_u64.pow(precision);
    let fraction = v % divisor;
    if fraction != 0 {
        let digits = format!("{fraction:0width$}", width = precision as usize);
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    v / divisor
}

/// Prints like Go's `Duration.String`: `12h0m0s`, `1m30s`, `1.5s`, `300ms`,
/// `0s`, so that messages quote limits the way Go tooling does.
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let u = self.0.unsigned_abs();
        if u == 0 {
            return f.write_str("0s");
        }
        if u < SECOND {
            let (precision, unit) = if u < MICROSECOND {
                (0, "ns")
            } else if u < MILLISECOND {
                (3, "\u{b5}s")
            } else {
                (6, "ms")
            };
            let mut fraction = String::new();
            let whole = push_fraction(&mut fraction, u, precision);
            return write!(f, "{sign}{whole}{fraction}{unit}");
        }
        let mut fraction = String::new();
        let seconds = push_fraction(&mut fraction, u, 9);
        let (minutes, hours) = (seconds / 60, seconds / 3600);
        if hours > 0 {
            write!(
                f,
                "{sign}{hours}h{}m{}{fraction}s",
                minutes % 60,
                seconds % 60
            )
        } else if minutes > 0 {
            write!(f, "{sign}{minutes}m{}{fraction}s", seconds % 60)
        } else {
            write!(f, "{sign}{seconds}{fraction}s")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    const NS: i64 = 1;
    const US: i64 = 1_000;
    const MS: i64 = 1_000_000;
    const S: i64 = 1_000_000_000;
    const M: i64 = 60 * S;
    const H: i64 = 60 * M;

    // The accepted cases are Go's own `parseDurationTests` table.
    #[rstest]
    #[case("0", 0)]
    #[case("5s", 5 * S)]
    #[case("30s", 30 * S)]
    #[case("1478s", 1478 * S)]
    #[case("-5s", -5 * S)]
    #[case("+5s", 5 * S)]
    #[case("-0", 0)]
    #[case("+0", 0)]
    #[case("5.0s", 5 * S)]
    #[case("5.6s", 5 * S + 600 * MS)]
    #[case("5.s", 5 * S)]
    #[case(".5s", 500 * MS)]
    #[case("1.0s", S)]
    #[case("1.00s", S)]
    #[case("1.004s", S + 4 * MS)]
    #[case("1.0040s", S + 4 * MS)]
    #[case("100.00100s", 100 * S + MS)]
    #[case("10ns", 10 * NS)]
    #[case("11us", 11 * US)]
    #[case("12µs", 12 * US)]
    #[case("12μs", 12 * US)]
    #[case("13ms", 13 * MS)]
    #[case("14s", 14 * S)]
    #[case("15m", 15 * M)]
    #[case("16h", 16 * H)]
    #[case("3h30m", 3 * H + 30 * M)]
    #[case("1h30m", 90 * M)]
    #[case("90m", 90 * M)]
    #[case("1.5h", 90 * M)]
    #[case("300ms", 300 * MS)]
    #[case("10.5s4m", 4 * M + 10 * S + 500 * MS)]
    #[case("-2m3.4s", -(2 * M + 3 * S + 400 * MS))]
    #[case("1h2m3s4ms5us6ns", H + 2 * M + 3 * S + 4 * MS + 5 * US + 6 * NS)]
    #[case("39h9m14.425s", 39 * H + 9 * M + 14 * S + 425 * MS)]
    #[case("52763797000ns", 52763797000 * NS)]
    #[case("0.3333333333333333333h", 20 * M)]
    #[case("9007199254740993ns", (1 << 53) + 1)]
    #[case("9223372036854775807ns", i64::MAX)]
    #[case("9223372036854775.807us", i64::MAX)]
    #[case("9223372036s854ms775us807ns", i64::MAX)]
    #[case("-9223372036854775808ns", i64::MIN)]
    #[case("-9223372036854775.808us", i64::MIN)]
    #[case("-2562047h47m16.854775808s", i64::MIN)]
    #[case("0.100000000000000000000h", 6 * M)]
    #[case("0.830103483285477580700h", 49 * M + 48 * S + 372_539_827 * NS)]
    fn parses_like_go(#[case] text: &str, #[case] nanos: i64) {
        assert_eq!(parse(text), Ok(Duration::from_nanos(nanos)));
    }

    #[rstest]
    #[case("", "time: invalid duration \"\"")]
    #[case("3", "time: missing unit in duration \"3\"")]
    #[case("-", "time: invalid duration \"-\"")]
    #[case("s", "time: invalid duration \"s\"")]
    #[case(".", "time: invalid duration \".\"")]
    #[case("-.", "time: invalid duration \"-.\"")]
    #[case(".s", "time: invalid duration \".s\"")]
    #[case("+.s", "time: invalid duration \"+.s\"")]
    #[case("1d", "time: unknown unit \"d\" in duration \"1d\"")]
    #[case("1h 30m", "time: unknown unit \"h \" in duration \"1h 30m\"")]
    #[case("1H", "time: unknown unit \"H\" in duration \"1H\"")]
    #[case("12h;rm", "time: unknown unit \"h;rm\" in duration \"12h;rm\"")]
    #[case(" 1h", "time: invalid duration \" 1h\"")]
    #[case("--1h", "time: invalid duration \"--1h\"")]
    #[case("9223372036854775808ns", "time: invalid duration")]
    #[case("9223372036854775.808us", "time: invalid duration")]
    #[case("9223372036854ms775us808ns", "time: invalid duration")]
    #[case("-9223372036854775809ns", "time: invalid duration")]
    #[case("3000000h", "time: invalid duration")]
    #[case("2562048h", "time: invalid duration")]
    #[case("99999999999999999999999s", "time: invalid duration")]
    #[case("2562047h47m16.854775808s", "time: invalid duration")]
    fn rejects_like_go(#[case] text: &str, #[case] message: &str) {
        let err = parse(text).expect_err("must be refused");
        assert!(err.to_string().starts_with(message), "{err}");
    }

    #[rstest]
    #[case(0, "0s")]
    #[case(1, "1ns")]
    #[case(1_100, "1.1µs")]
    #[case(2_200_000, "2.2ms")]
    #[case(3_300_000_000, "3.3s")]
    #[case(4 * M + 5 * S, "4m5s")]
    #[case(4 * M + 5 * S + 1_000_000, "4m5.001s")]
    #[case(5 * H + 6 * M + 7 * S + 1_000_000, "5h6m7.001s")]
    #[case(8 * M + 1, "8m0.000000001s")]
    #[case(12 * H, "12h0m0s")]
    #[case(i64::MAX, "2562047h47m16.854775807s")]
    #[case(i64::MIN, "-2562047h47m16.854775808s")]
    #[case(-90 * M, "-1h30m0s")]
    fn prints_like_go(#[case] nanos: i64, #[case] text: &str) {
        assert_eq!(Duration::from_nanos(nanos).to_string(), text);
    }

    #[test]
    fn deserializes_from_a_string_only() {
        let d: Duration = serde_json::from_str(r#""1h30m""#).unwrap();
        assert_eq!(d, Duration::from_nanos(90 * M));
        let err = serde_json::from_str::<Duration>(r#""12 hours""#).unwrap_err();
        assert!(err.to_string().contains("unknown unit"), "{err}");
        assert!(serde_json::from_str::<Duration>("3600").is_err());
    }

    #[test]
    fn ordering_and_helpers() {
        assert!(parse("11h59m").unwrap() < Duration::from_hours(12));
        assert!(parse("12h0m0.001s").unwrap() > Duration::from_hours(12));
        assert!(!Duration::ZERO.is_positive());
        assert!(!parse("-1s").unwrap().is_positive());
        assert_eq!(Duration::from_hours(i64::MAX).as_nanos(), i64::MAX);
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = parse(&s);
        }

        #[test]
        fn never_panics_on_duration_alphabet(s in "[-+]?[0-9.]{0,25}(ns|us|µs|ms|s|m|h|x)?([0-9.]{0,25}(ns|us|µs|ms|s|m|h)){0,4}") {
            let _ = parse(&s);
        }

        #[test]
        fn display_round_trips(nanos in any::<i64>()) {
            let d = Duration::from_nanos(nanos);
            prop_assert_eq!(parse(&d.to_string()), Ok(d));
        }

        #[test]
        fn unit_sums_add_up(h in 0_i64..100_000, m in 0_i64..60, s in 0_i64..60, ms in 0_i64..1000) {
            let text = format!("{h}h{m}m{s}s{ms}ms");
            let nanos = h * H + m * M + s * S + ms * MS;
            prop_assert_eq!(parse(&text), Ok(Duration::from_nanos(nanos)));
            prop_assert_eq!(parse(&format!("-{text}")), Ok(Duration::from_nanos(-nanos)));
        }
    }
}
