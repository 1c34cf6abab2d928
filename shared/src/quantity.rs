//! Kubernetes `resource.Quantity` strings, parsed without loss.
//!
//! Two uses: extended-resource counts (GPUs), which a policy must read as
//! exact whole numbers, and memory limits, which only need to be well formed
//! and greater than zero. Nothing here converts to floating point, so
//! `0.0000001` is never rounded to zero or `1e400` to infinity.
//!
//! Grammar (the one documented on `resource.Quantity`):
//!
//! ```text
//! quantity        ::= signedNumber suffix
//! signedNumber    ::= number | ("+" | "-") number
//! number          ::= digits | digits "." digits | digits "." | "." digits
//! suffix          ::= binarySI | decimalExponent | decimalSI
//! binarySI        ::= Ki | Mi | Gi | Ti | Pi | Ei
//! decimalSI       ::= n | u | m | "" | k | M | G | T | P | E
//! decimalExponent ::= ("e" | "E") ["+" | "-"] digits
//! ```
//!
//! The exponent is an integer, as the API server's parser requires, and must
//! fit in an `i32` (the API server truncates larger ones silently; here they
//! are an error).

use std::fmt;

/// The unit part of a quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suffix {
    /// No suffix: a plain number.
    None,
    /// `n`, `u`, `m`, `k`, `M`, `G`, `T`, `P` or `E`.
    DecimalSi(&'static str),
    /// `Ki`, `Mi`, `Gi`, `Ti`, `Pi` or `Ei`.
    BinarySi(&'static str),
    /// `e<n>` / `E<n>`: times ten to the power n.
    Exponent(i32),
}

const DECIMAL_SI: [&str; 9] = ["n", "u", "m", "k", "M", "G", "T", "P", "E"];
const BINARY_SI: [&str; 6] = ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/// A well-formed quantity, borrowed from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantity<'a> {
    /// A leading `-`.
    pub negative: bool,
    /// A leading `+` or `-` was written.
    pub signed: bool,
    /// Digits before the decimal point (may be empty, as in `.5`).
    pub whole: &'a str,
    /// Digits after the decimal point; `Some("")` for `5.`, `None` without a point.
    pub fraction: Option<&'a str>,
    pub suffix: Suffix,
}

/// Why a text is not a usable quantity. The `Display` text completes a
/// sentence such as `nvidia.com/gpu "0.5" ...`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityError {
    Empty,
    NoDigits,
    UnknownSuffix,
    ExponentOutOfRange,
    /// A count was written with `+` or `-`.
    Signed,
    /// A count was written with a decimal point.
    Fractional,
    /// A count was written with a unit suffix or exponent.
    Suffixed,
    /// A count does not fit in 64 bits.
    TooLarge,
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QuantityError::Empty => "is empty; write a quantity such as 1",
            QuantityError::NoDigits => {
                "is not a quantity: it needs at least one digit, e.g. 1, 0.5 or 16Gi"
            }
            QuantityError::UnknownSuffix => {
                "is not a quantity: after the number only one suffix may follow \
                 (n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent such as e3)"
            }
            QuantityError::ExponentOutOfRange => "has an exponent that is out of range",
            QuantityError::Signed => "must be written without a sign, e.g. 1",
            QuantityError::Fractional => {
                "is fractional; a device count must be a whole number such as 1 \
                 (devices cannot be split by a quantity)"
            }
            QuantityError::Suffixed => {
                "has a suffix or exponent; write a device count as a plain whole number such as 1"
            }
            QuantityError::TooLarge => "is too large to be a device count",
        })
    }
}

impl std::error::Error for QuantityError {}

fn digits_prefix(s: &str) -> (&str, &str) {
    let end = s
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    s.split_at(end)
}

fn parse_suffix(s: &str) -> Result<Suffix, QuantityError> {
    if s.is_empty() {
        return Ok(Suffix::None);
    }
    if let Some(si) = DECIMAL_SI.iter().find(|si| **si == s) {
        return Ok(Suffix::DecimalSi(si));
    }
    if let Some(si) = BINARY_SI.iter().find(|si| **si == s) {
        return Ok(Suffix::BinarySi(si));
    }
    let Some(exponent) = s.strip_prefix(['e', 'E']) else {
        return Err(QuantityError::UnknownSuffix);
    };
    let unsigned = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return Err(QuantityError::UnknownSuffix);
    }
    exponent
        .parse::<i32>()
        .map(Suffix::Exponent)
        .map_err(|_| QuantityError::ExponentOutOfRange)
}

impl<'a> Quantity<'a> {
    /// Parses the full quantity grammar. No whitespace is allowed.
    pub fn parse(text: &'a str) -> Result<Self, QuantityError> {
        if text.is_empty() {
            return Err(QuantityError::Empty);
        }
        let (negative, signed, rest) = match text.as_bytes().first() {
            Some(b'-') => (true, true, text.get(1..).unwrap_or_default()),
            Some(b'+') => (false, true, text.get(1..).unwrap_or_default()),
            _ => (false, false, text),
        };
        let (whole, rest) = digits_prefix(rest);
        let (fraction, rest) = match rest.strip_prefix('.') {
            Some(after_point) => {
                let (fraction, rest) = digits_prefix(after_point);
                (Some(fraction), rest)
            }
            None => (None, rest),
        };
        if whole.is_empty() && fraction.is_none_or(str::is_empty) {
            return Err(QuantityError::NoDigits);
        }
        Ok(Quantity {
            negative,
            signed,
            whole,
            fraction,
            suffix: parse_suffix(rest)?,
        })
    }

    /// True when every digit is zero, whatever the suffix (`0Gi`, `-0.0`).
    pub fn is_zero(&self) -> bool {
        let zero = |s: &str| s.bytes().all(|b| b == b'0');
        zero(self.whole) && self.fraction.is_none_or(zero)
    }

    /// True for a quantity strictly greater than zero.
    pub fn is_positive(&self) -> bool {
        !self.negative && !self.is_zero()
    }
}

/// Parses a device count (an extended resource such as `nvidia.com/gpu`):
/// a plain whole number like `1` or `016`. Stricter than the API server,
/// which also takes `1000m` or `1e0`: a count written that way is almost
/// always a mistake and is refused with a message saying how to write it.
pub fn parse_count(text: &str) -> Result<u64, QuantityError> {
    let quantity = Quantity::parse(text)?;
    if quantity.signed {
        return Err(QuantityError::Signed);
    }
    if quantity.fraction.is_some() {
        return Err(QuantityError::Fractional);
    }
    if quantity.suffix != Suffix::None {
        return Err(QuantityError::Suffixed);
    }
    let digits = quantity.whole.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(0);
    }
    digits.parse().map_err(|_| QuantityError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;

    #[rstest]
    #[case("1", false, "1", None, Suffix::None)]
    #[case("+1", false, "1", None, Suffix::None)]
    #[case("-1.5", true, "1", Some("5"), Suffix::None)]
    #[case(".5", false, "", Some("5"), Suffix::None)]
    #[case("5.", false, "5", Some(""), Suffix::None)]
    #[case("16Gi", false, "16", None, Suffix::BinarySi("Gi"))]
    #[case("100m", false, "100", None, Suffix::DecimalSi("m"))]
    #[case("1.5E", false, "1", Some("5"), Suffix::DecimalSi("E"))]
    #[case("1Ei", false, "1", None, Suffix::BinarySi("Ei"))]
    #[case("1e3", false, "1", None, Suffix::Exponent(3))]
    #[case("1E-3", false, "1", None, Suffix::Exponent(-3))]
    #[case("2e+2", false, "2", None, Suffix::Exponent(2))]
    #[case("0.000000001n", false, "0", Some("000000001"), Suffix::DecimalSi("n"))]
    fn parses_the_grammar(
        #[case] text: &str,
        #[case] negative: bool,
        #[case] whole: &str,
        #[case] fraction: Option<&str>,
        #[case] suffix: Suffix,
    ) {
        let q = Quantity::parse(text).unwrap();
        assert_eq!(
            (q.negative, q.whole, q.fraction, q.suffix),
            (negative, whole, fraction, suffix)
        );
    }

    #[rstest]
    #[case("", QuantityError::Empty)]
    #[case(".", QuantityError::NoDigits)]
    #[case("-", QuantityError::NoDigits)]
    #[case("Gi", QuantityError::NoDigits)]
    #[case("1 ", QuantityError::UnknownSuffix)]
    #[case(" 1", QuantityError::NoDigits)]
    #[case("1gi", QuantityError::UnknownSuffix)]
    #[case("1K", QuantityError::UnknownSuffix)]
    #[case("1GiB", QuantityError::UnknownSuffix)]
    #[case("1e", QuantityError::UnknownSuffix)]
    #[case("1e1.5", QuantityError::UnknownSuffix)]
    #[case("1e+", QuantityError::UnknownSuffix)]
    #[case("1..2", QuantityError::UnknownSuffix)]
    #[case("--1", QuantityError::NoDigits)]
    #[case("1e99999999999", QuantityError::ExponentOutOfRange)]
    #[case("１", QuantityError::NoDigits)]
    fn rejects_malformed_quantities(#[case] text: &str, #[case] error: QuantityError) {
        assert_eq!(Quantity::parse(text), Err(error));
    }

    #[rstest]
    #[case("0", true)]
    #[case("0Gi", true)]
    #[case("-0.0", true)]
    #[case(".0e5", true)]
    #[case("0.0001", false)]
    #[case("1m", false)]
    fn zero_whatever_the_suffix(#[case] text: &str, #[case] zero: bool) {
        assert_eq!(Quantity::parse(text).unwrap().is_zero(), zero);
    }

    #[rstest]
    #[case("1", true)]
    #[case("1n", true)]
    #[case("0", false)]
    #[case("-1Gi", false)]
    #[case("-0", false)]
    fn positivity(#[case] text: &str, #[case] positive: bool) {
        assert_eq!(Quantity::parse(text).unwrap().is_positive(), positive);
    }

    #[rstest]
    #[case("0", 0)]
    #[case("1", 1)]
    #[case("8", 8)]
    #[case("007", 7)]
    #[case("18446744073709551615", u64::MAX)]
    fn counts_are_exact_whole_numbers(#[case] text: &str, #[case] count: u64) {
        assert_eq!(parse_count(text), Ok(count));
    }

    #[rstest]
    #[case("0.5", QuantityError::Fractional)]
    #[case("1.0", QuantityError::Fractional)]
    #[case("1.", QuantityError::Fractional)]
    #[case("1000m", QuantityError::Suffixed)]
    #[case("1k", QuantityError::Suffixed)]
    #[case("1Ki", QuantityError::Suffixed)]
    #[case("1e0", QuantityError::Suffixed)]
    #[case("-1", QuantityError::Signed)]
    #[case("+1", QuantityError::Signed)]
    #[case("18446744073709551616", QuantityError::TooLarge)]
    #[case("two", QuantityError::NoDigits)]
    #[case("", QuantityError::Empty)]
    fn counts_refuse_anything_but_plain_digits(#[case] text: &str, #[case] error: QuantityError) {
        assert_eq!(parse_count(text), Err(error));
    }

    #[test]
    fn messages_say_what_to_write() {
        assert!(
            QuantityError::Fractional
                .to_string()
                .contains("whole number such as 1")
        );
        assert!(
            QuantityError::UnknownSuffix
                .to_string()
                .contains("Ki, Mi, Gi")
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC{0,24}") {
            let _ = Quantity::parse(&text);
            let _ = parse_count(&text);
        }

        #[test]
        fn quantity_alphabet_never_panics(text in "[-+.0-9eEinumkKMGTP]{0,16}") {
            if let Ok(q) = Quantity::parse(&text) {
                prop_assert!(!(q.is_zero() && q.is_positive()));
            }
            let _ = parse_count(&text);
        }

        #[test]
        fn every_u64_round_trips(n in any::<u64>()) {
            prop_assert_eq!(parse_count(&n.to_string()), Ok(n));
        }

        #[test]
        fn counts_are_exactly_the_digit_strings(text in "[-+.0-9a-zA-Z]{1,12}") {
            let plain = text.bytes().all(|b| b.is_ascii_digit());
            prop_assert_eq!(parse_count(&text).is_ok(), plain);
        }

        #[test]
        fn well_formed_quantities_parse(
            sign in "[-+]?",
            whole in "[0-9]{1,8}",
            fraction in proptest::option::of("[0-9]{0,4}"),
            suffix in "(|n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e[-+]?[0-9]{1,3}|E[0-9]{1,3})",
        ) {
            let text = match fraction {
                Some(f) => format!("{sign}{whole}.{f}{suffix}"),
                None => format!("{sign}{whole}{suffix}"),
            };
            prop_assert!(Quantity::parse(&text).is_ok(), "{}", text);
        }
    }
}
