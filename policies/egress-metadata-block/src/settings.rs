//! Settings: which destinations count as metadata endpoints, and on which
//! TCP ports they listen.

use ipnet::IpNet;
use serde::Deserialize;
use shared::cidr::parse_net;
use shared::settings::PolicySettings;

/// AWS IMDS (also GCP, Azure, OpenStack, DigitalOcean), the ECS task
/// metadata endpoint, AWS IMDS over IPv6, and Alibaba Cloud's metadata service.
pub const DEFAULT_BLOCKED: [&str; 4] = [
    "169.254.169.254/32",
    "169.254.170.2/32",
    "fd00:ec2::254/128",
    "100.100.100.200/32",
];

/// Metadata services speak HTTP(S).
pub const DEFAULT_PORTS: [i64; 2] = [80, 443];

/// One `metadataPorts` entry as written: a number, or the decimal string of
/// one. The Rancher UI edits `array[` questions as lists of strings, so what
/// it sends for 80 is `"80"`; both spellings mean the same port and are
/// judged alike. A string is read strictly (digits only, no sign, no
/// leading zero, no spaces), so `"080"`, `"+80"` or `"http"` stay errors
/// instead of being guessed at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortEntry {
    Number(i64),
    Text(String),
}

impl<'de> Deserialize<'de> for PortEntry {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = PortEntry;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a TCP port number (80) or its decimal string (\"80\")")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<PortEntry, E> {
                Ok(PortEntry::Number(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<PortEntry, E> {
                Ok(PortEntry::Number(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<PortEntry, E> {
                Ok(PortEntry::Text(v.to_owned()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl PortEntry {
    /// The port, if the entry is one (1-65535).
    fn port(&self) -> Option<u16> {
        match self {
            PortEntry::Number(n) => u16::try_from(*n).ok().filter(|p| *p > 0),
            PortEntry::Text(s) => {
                let canonical =
                    s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0') && !s.is_empty();
                if canonical {
                    s.parse::<u16>().ok()
                } else {
                    None
                }
            }
        }
    }

    fn shown(&self) -> String {
        match self {
            PortEntry::Number(n) => n.to_string(),
            PortEntry::Text(s) => shared::quote::quote(s).to_string(),
        }
    }
}

#[derive(Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(default, deny_unknown_fields, rename_all = "camelCase")]
pub struct Settings {
    /// CIDRs no egress rule may reach.
    pub blocked_destinations: Vec<String>,
    /// TCP ports the blocked destinations serve on; a rule limited to other
    /// ports (or to UDP/SCTP/ICMP) exposes nothing.
    pub metadata_ports: Vec<PortEntry>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            blocked_destinations: DEFAULT_BLOCKED.iter().map(|s| s.to_string()).collect(),
            metadata_ports: DEFAULT_PORTS
                .iter()
                .map(|p| PortEntry::Number(*p))
                .collect(),
        }
    }
}

/// Settings with every entry parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compiled {
    pub blocked: Vec<IpNet>,
    pub ports: Vec<u16>,
}

impl Settings {
    /// Parses every entry, reporting all bad ones at once with their field path.
    pub fn compile(&self) -> Result<Compiled, String> {
        let mut errors = Vec::new();
        if self.blocked_destinations.is_empty() {
            errors.push("blockedDestinations is empty: the policy would block nothing".to_string());
        }
        if self.metadata_ports.is_empty() {
            errors.push("metadataPorts is empty: list the TCP ports the metadata services listen on (default [80, 443])".to_string());
        }
        let mut blocked = Vec::with_capacity(self.blocked_destinations.len());
        for (i, text) in self.blocked_destinations.iter().enumerate() {
            match parse_net(text) {
                Ok(net) => blocked.push(net),
                Err(e) => errors.push(format!("blockedDestinations[{i}] {text:?} {e}")),
            }
        }
        let mut ports = Vec::with_capacity(self.metadata_ports.len());
        for (i, entry) in self.metadata_ports.iter().enumerate() {
            match entry.port() {
                Some(p) => ports.push(p),
                None => errors.push(format!(
                    "metadataPorts[{i}] {} is not a port number (1-65535, decimal digits)",
                    entry.shown()
                )),
            }
        }
        if !errors.is_empty() {
            return Err(errors.join("; "));
        }
        ports.sort_unstable();
        ports.dedup();
        Ok(Compiled { blocked, ports })
    }
}

impl PolicySettings for Settings {
    fn validate(&self) -> Result<(), String> {
        self.compile().map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use shared::settings::check;

    #[test]
    fn defaults_cover_the_known_endpoints_on_http_and_https() {
        let compiled = check::<Settings>(b"{}").unwrap().compile().unwrap();
        let blocked: Vec<String> = compiled.blocked.iter().map(|n| n.to_string()).collect();
        assert_eq!(blocked, DEFAULT_BLOCKED);
        assert_eq!(compiled.ports, vec![80, 443]);
    }

    #[test]
    fn entries_are_normalized_and_ports_deduplicated() {
        let s = check::<Settings>(
            br#"{"blockedDestinations": ["::ffff:169.254.169.254/128", "169.254.169.254/16"], "metadataPorts": [443, 80, 443]}"#,
        )
        .unwrap();
        let compiled = s.compile().unwrap();
        let blocked: Vec<String> = compiled.blocked.iter().map(|n| n.to_string()).collect();
        assert_eq!(blocked, ["169.254.169.254/32", "169.254.0.0/16"]);
        assert_eq!(compiled.ports, vec![80, 443]);
    }

    #[rstest]
    #[case::bad_cidr(
        r#"{"blockedDestinations": ["169.254.169.254/33"]}"#,
        "blockedDestinations[0] \"169.254.169.254/33\""
    )]
    #[case::leading_zero(
        r#"{"blockedDestinations": ["169.254.169.254/32", "0169.254.169.254"]}"#,
        "blockedDestinations[1]"
    )]
    #[case::empty_list(r#"{"blockedDestinations": []}"#, "blockedDestinations is empty")]
    #[case::port_zero(
        r#"{"metadataPorts": [80, 0]}"#,
        "metadataPorts[1] 0 is not a port number"
    )]
    #[case::port_too_big(r#"{"metadataPorts": [65536]}"#, "metadataPorts[0] 65536")]
    #[case::no_ports(r#"{"metadataPorts": []}"#, "metadataPorts is empty")]
    #[case::port_leading_zero(
        r#"{"metadataPorts": ["080"]}"#,
        "metadataPorts[0] \"080\" is not a port number"
    )]
    #[case::port_signed(r#"{"metadataPorts": ["+80"]}"#, "metadataPorts[0] \"+80\"")]
    #[case::port_spaced(r#"{"metadataPorts": [" 80"]}"#, "metadataPorts[0] \" 80\"")]
    #[case::port_name(r#"{"metadataPorts": ["http"]}"#, "metadataPorts[0] \"http\"")]
    #[case::port_empty_string(r#"{"metadataPorts": [""]}"#, "metadataPorts[0] \"\"")]
    #[case::port_string_too_big(r#"{"metadataPorts": ["65536"]}"#, "metadataPorts[0] \"65536\"")]
    #[case::port_bool(
        r#"{"metadataPorts": [true]}"#,
        "a TCP port number (80) or its decimal string"
    )]
    #[case::port_float(
        r#"{"metadataPorts": [80.0]}"#,
        "a TCP port number (80) or its decimal string"
    )]
    #[case::typo(r#"{"blockedDestination": []}"#, "unknown field `blockedDestination`")]
    fn invalid_settings_name_the_field(#[case] json: &str, #[case] fragment: &str) {
        let err = check::<Settings>(json.as_bytes()).unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }

    #[test]
    fn ports_as_the_rancher_ui_sends_them_mean_the_same_ports() {
        let as_numbers = check::<Settings>(br#"{"metadataPorts": [80, 443]}"#).unwrap();
        let as_strings = check::<Settings>(br#"{"metadataPorts": ["443", "80", "443"]}"#).unwrap();
        let mixed = check::<Settings>(br#"{"metadataPorts": ["80", 443]}"#).unwrap();
        let want = vec![80, 443];
        assert_eq!(as_numbers.compile().unwrap().ports, want);
        assert_eq!(as_strings.compile().unwrap().ports, want);
        assert_eq!(mixed.compile().unwrap().ports, want);
    }

    #[test]
    fn every_bad_entry_is_reported_at_once() {
        let err =
            check::<Settings>(br#"{"blockedDestinations": ["x", "y"], "metadataPorts": [-1]}"#)
                .unwrap_err();
        for fragment in [
            "blockedDestinations[0]",
            "blockedDestinations[1]",
            "metadataPorts[0]",
        ] {
            assert!(err.contains(fragment), "{err}");
        }
    }
}
