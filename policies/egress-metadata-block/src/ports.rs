//! Which of the metadata ports a rule's port list can reach.
//!
//! Metadata services are HTTP(S) over TCP. A rule reaches a metadata port
//! when it may carry TCP and its ports include the port: no port list means
//! every port, a named port may resolve to any number, a range includes
//! everything between its ends.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// A JSON value that is a number or a string (Kubernetes `IntOrString`,
/// Cilium's string ports, Calico's `80`, `"80"`, `"80:90"`, `"http"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntOrString<'a> {
    Int(i64),
    Str(Cow<'a, str>),
}

impl<'de: 'a, 'a> Deserialize<'de> for IntOrString<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IntOrString<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(IntOrString::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(IntOrString::Int(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(IntOrString::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(IntOrString::Str(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// The destination ports one port entry selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortSel {
    /// Every port (no port given, Cilium `"0"`).
    Any,
    /// A named port: resolved against the destination pod's container
    /// ports, so it may be any number, but it never matches an address that
    /// is not a pod (a metadata endpoint).
    Named,
    /// An inclusive range; a single port is `Range(p, p)`.
    Range(i64, i64),
}

/// How to read port selections: an allow is judged by what it *may*
/// match, a deny or pass by what it *surely* matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    May,
    Sure,
}

impl PortSel {
    pub fn includes(self, port: u16, reading: Reading) -> bool {
        match self {
            PortSel::Any => true,
            PortSel::Named => reading == Reading::May,
            PortSel::Range(lo, hi) => lo <= i64::from(port) && i64::from(port) <= hi,
        }
    }

    /// `port` with an optional `endPort`. An `endPort` below `port` is invalid
    /// (the API refuses it); it is read as the single `port`, which is what
    /// the CNIs that accept it program.
    pub fn numeric(port: i64, end_port: Option<i64>) -> PortSel {
        PortSel::Range(port, end_port.map_or(port, |end| end.max(port)))
    }

    /// Kubernetes NetworkPolicy: a number (with `endPort`) or a named port.
    pub fn kubernetes(port: Option<&IntOrString<'_>>, end_port: Option<i64>) -> PortSel {
        match port {
            None => PortSel::Any,
            Some(IntOrString::Str(_)) => PortSel::Named,
            Some(IntOrString::Int(p)) => PortSel::numeric(*p, end_port),
        }
    }

    /// Cilium: ports are strings; empty or `"0"` means every port, digits a
    /// number (with `endPort`), anything else a named port.
    pub fn cilium(port: Option<&IntOrString<'_>>, end_port: Option<i64>) -> PortSel {
        match port {
            None | Some(IntOrString::Int(0)) => PortSel::Any,
            Some(IntOrString::Int(p)) => PortSel::numeric(*p, end_port),
            Some(IntOrString::Str(s)) if s.is_empty() => PortSel::Any,
            Some(IntOrString::Str(s)) => match decimal(s) {
                Some(0) => PortSel::Any,
                Some(p) => PortSel::numeric(p, end_port),
                None => PortSel::Named,
            },
        }
    }

    /// Calico: a number, `"80"`, a range `"8000:8080"`, or a named port
    /// (anything unreadable is treated like one).
    pub fn calico(port: &IntOrString<'_>) -> PortSel {
        match port {
            IntOrString::Int(p) => PortSel::numeric(*p, None),
            IntOrString::Str(s) => match s.split_once(':') {
                Some((lo, hi)) => match (decimal(lo), decimal(hi)) {
                    (Some(lo), Some(hi)) => PortSel::numeric(lo, Some(hi)),
                    _ => PortSel::Named,
                },
                None => decimal(s).map_or(PortSel::Named, |p| PortSel::numeric(p, None)),
            },
        }
    }
}

fn decimal(text: &str) -> Option<i64> {
    if text.is_empty() || text.len() > 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Whether a protocol name carries TCP. Absent, `TCP` and `ANY` surely do;
/// an unknown name may (an allow is judged by it) but surely does not (a
/// deny naming it is not trusted to cover TCP).
pub fn carries_tcp(protocol: Option<&str>, reading: Reading) -> bool {
    match protocol {
        None => true,
        Some(p) if p.eq_ignore_ascii_case("TCP") || p.eq_ignore_ascii_case("ANY") => true,
        Some(p) => reading == Reading::May && !NON_TCP.iter().any(|n| n.eq_ignore_ascii_case(p)),
    }
}

/// Protocols that are not TCP in the three dialects.
const NON_TCP: [&str; 7] = ["UDP", "SCTP", "ICMP", "ICMPv6", "UDPLite", "VRRP", "IGMP"];

/// The metadata ports a rule matches: `None` when the rule does not restrict
/// ports, otherwise the TCP port selections it lists (none: it carries no TCP).
pub fn reached(
    selections: Option<&[PortSel]>,
    metadata_ports: &[u16],
    reading: Reading,
) -> Vec<u16> {
    metadata_ports
        .iter()
        .copied()
        .filter(|p| selections.is_none_or(|sels| sels.iter().any(|s| s.includes(*p, reading))))
        .collect()
}

/// "TCP 80, 443" for messages.
pub fn describe(ports: &[u16]) -> String {
    let list: Vec<String> = ports.iter().map(u16::to_string).collect();
    format!("TCP {}", list.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn parse(json: &str) -> IntOrString<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[rstest]
    #[case::number("80", IntOrString::Int(80))]
    #[case::string("\"http\"", IntOrString::Str("http".into()))]
    #[case::escaped("\"h\\u0074tp\"", IntOrString::Str("http".into()))]
    #[case::huge("18446744073709551615", IntOrString::Int(i64::MAX))]
    fn int_or_string_decodes(#[case] json: &str, #[case] expected: IntOrString<'_>) {
        assert_eq!(parse(json), expected);
    }

    #[rstest]
    #[case::float("80.5")]
    #[case::list("[80]")]
    #[case::null("null")]
    fn int_or_string_refuses_other_types(#[case] json: &str) {
        assert!(serde_json::from_str::<IntOrString<'_>>(json).is_err());
    }

    #[rstest]
    #[case::k8s_number(PortSel::kubernetes(Some(&IntOrString::Int(53)), None), &[])]
    #[case::k8s_named(PortSel::kubernetes(Some(&IntOrString::Str("web".into())), None), &[80, 443])]
    #[case::k8s_absent(PortSel::kubernetes(None, None), &[80, 443])]
    #[case::k8s_range_over_80(PortSel::kubernetes(Some(&IntOrString::Int(1)), Some(1024)), &[80, 443])]
    #[case::k8s_range_between(PortSel::kubernetes(Some(&IntOrString::Int(81)), Some(442)), &[])]
    #[case::k8s_end_below_port(PortSel::kubernetes(Some(&IntOrString::Int(443)), Some(80)), &[443])]
    #[case::cilium_zero(PortSel::cilium(Some(&IntOrString::Str("0".into())), None), &[80, 443])]
    #[case::cilium_empty(PortSel::cilium(Some(&IntOrString::Str("".into())), None), &[80, 443])]
    #[case::cilium_digits(PortSel::cilium(Some(&IntOrString::Str("443".into())), None), &[443])]
    #[case::cilium_range(PortSel::cilium(Some(&IntOrString::Str("8000".into())), Some(9000)), &[])]
    #[case::cilium_named(PortSel::cilium(Some(&IntOrString::Str("https".into())), None), &[80, 443])]
    #[case::calico_range(PortSel::calico(&IntOrString::Str("1:100".into())), &[80])]
    #[case::calico_string_number(PortSel::calico(&IntOrString::Str("53".into())), &[])]
    #[case::calico_named(PortSel::calico(&IntOrString::Str("metrics".into())), &[80, 443])]
    #[case::calico_bad_range(PortSel::calico(&IntOrString::Str("1:x".into())), &[80, 443])]
    fn selections_reach_metadata_ports(#[case] sel: PortSel, #[case] expected: &[u16]) {
        assert_eq!(reached(Some(&[sel]), &[80, 443], Reading::May), expected);
    }

    #[test]
    fn unrestricted_reaches_every_metadata_port_and_no_tcp_reaches_none() {
        assert_eq!(reached(None, &[80, 443], Reading::Sure), vec![80, 443]);
        assert_eq!(
            reached(Some(&[]), &[80, 443], Reading::May),
            Vec::<u16>::new()
        );
    }

    #[test]
    fn named_ports_may_match_but_never_surely() {
        let named = [PortSel::Named];
        assert_eq!(
            reached(Some(&named), &[80, 443], Reading::May),
            vec![80, 443]
        );
        assert_eq!(
            reached(Some(&named), &[80, 443], Reading::Sure),
            Vec::<u16>::new()
        );
        let any = [PortSel::Any];
        assert_eq!(
            reached(Some(&any), &[80, 443], Reading::Sure),
            vec![80, 443]
        );
    }

    #[rstest]
    #[case(None, true, true)]
    #[case(Some("TCP"), true, true)]
    #[case(Some("ANY"), true, true)]
    #[case(Some("something-new"), true, false)]
    #[case(Some("UDP"), false, false)]
    #[case(Some("udp"), false, false)]
    #[case(Some("SCTP"), false, false)]
    #[case(Some("ICMPv6"), false, false)]
    fn protocols(#[case] protocol: Option<&str>, #[case] may: bool, #[case] sure: bool) {
        assert_eq!(carries_tcp(protocol, Reading::May), may);
        assert_eq!(carries_tcp(protocol, Reading::Sure), sure);
    }
}
