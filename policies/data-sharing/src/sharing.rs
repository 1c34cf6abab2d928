//! `spec.sharing` of a `VDITemplate`, decoded as written and then read as
//! what it means: per channel, on or off.
//!
//! Meanings, not spellings: an absent channel, `false` and `null` are all
//! "off" (the CRD defaults both channels to `false`, and the API server
//! drops `null` for fields that are not nullable); an absent `sharing` is
//! every channel off. Anything that is not a boolean — the string `"false"`,
//! a number, a list — is not read as either: it is a violation, and on an
//! UPDATE it counts as a change, so it can never stand in for "off".

use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use shared::quote::quote;
use shared::text::Text;
use shared::views::Entries;

/// The channels the policy knows: the two the CRD defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Clipboard,
    Drives,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::Clipboard, Channel::Drives];

    /// The key under `spec.sharing` (and under `allowSharing`).
    pub const fn key(self) -> &'static str {
        match self {
            Channel::Clipboard => "clipboard",
            Channel::Drives => "drives",
        }
    }

    /// The channel a key names; keys are case-sensitive like every JSON key
    /// the API server reads, so `Clipboard` is an unknown channel.
    pub fn from_key(key: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.key() == key)
    }
}

/// One channel's value as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    /// `false` or `null`.
    Off,
    /// `true`.
    On,
    /// Not a boolean: a description of what was found, for the message.
    Invalid(String),
}

impl Flag {
    /// Both sides read as the same boolean. An invalid value equals
    /// nothing, itself included: a change from or to it is a change.
    pub fn same(&self, other: &Flag) -> bool {
        matches!((self, other), (Flag::Off, Flag::Off) | (Flag::On, Flag::On))
    }

    /// `on`, `off` or what the invalid value was, for messages.
    pub fn describe(&self) -> &str {
        match self {
            Flag::Off => "off",
            Flag::On => "on",
            Flag::Invalid(found) => found,
        }
    }
}

/// `spec.sharing` as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sharing<'a> {
    /// An object (or absent, or `null`: no entries). A repeated key keeps
    /// its last value, as the API server's decoder does.
    Channels(Entries<Text<'a>, Flag>),
    /// Not an object: what was found instead.
    Invalid(String),
}

impl Default for Sharing<'_> {
    fn default() -> Self {
        Sharing::Channels(Entries::default())
    }
}

impl Sharing<'_> {
    /// What `key` reads as: off when absent.
    pub fn flag(&self, key: &str) -> Flag {
        match self {
            Sharing::Channels(entries) => entries.get(key).cloned().unwrap_or(Flag::Off),
            Sharing::Invalid(found) => Flag::Invalid(found.clone()),
        }
    }

    /// Every key written, in document order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        let entries = match self {
            Sharing::Channels(entries) => Some(entries),
            Sharing::Invalid(_) => None,
        };
        entries.into_iter().flat_map(Entries::keys)
    }

    /// The channels whose meaning differs between `old` and `self`, each
    /// with its old and new value: the two known channels, then every other
    /// key either side wrote, in document order.
    pub fn changes_from<'s>(&'s self, old: &'s Sharing<'_>) -> Vec<Change<'s>> {
        if let (Sharing::Invalid(_), _) | (_, Sharing::Invalid(_)) = (old, self) {
            return vec![Change {
                key: None,
                old: old.whole(),
                new: self.whole(),
            }];
        }
        let mut keys: Vec<&str> = Channel::ALL.iter().map(|c| c.key()).collect();
        for key in old.keys().chain(self.keys()) {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        keys.into_iter()
            .filter_map(|key| {
                let (before, after) = (old.flag(key), self.flag(key));
                (!before.same(&after)).then_some(Change {
                    key: Some(key),
                    old: before,
                    new: after,
                })
            })
            .collect()
    }

    /// The whole of `spec.sharing` as one flag, to describe a change of the
    /// whole value: what it is when it is not an object, else on when any
    /// channel is on (and invalid when any channel is).
    fn whole(&self) -> Flag {
        match self {
            Sharing::Invalid(found) => Flag::Invalid(found.clone()),
            Sharing::Channels(entries) => {
                if entries.iter().any(|(_, f)| matches!(f, Flag::Invalid(_))) {
                    Flag::Invalid("an object with a non-boolean channel".into())
                } else if entries.iter().any(|(_, f)| *f == Flag::On) {
                    Flag::On
                } else {
                    Flag::Off
                }
            }
        }
    }
}

/// A channel whose meaning an UPDATE changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change<'s> {
    /// `None` when `spec.sharing` itself is not an object on either side.
    pub key: Option<&'s str>,
    pub old: Flag,
    pub new: Flag,
}

impl fmt::Display for Change<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.key {
            Some(key) => write!(f, "{} ", place(key))?,
            None => f.write_str("spec.sharing ")?,
        }
        write!(f, "from {} to {}", self.old.describe(), self.new.describe())
    }
}

/// `spec.sharing.clipboard` for a known channel; an unknown key is quoted
/// (it comes from the request and may be anything, of any length).
pub fn place(key: &str) -> String {
    match Channel::from_key(key) {
        Some(channel) => format!("spec.sharing.{}", channel.key()),
        None => format!("spec.sharing[{}]", quote(key)),
    }
}

/// "the string \"false\"": what a non-boolean value is, quoted shortened.
fn found_string(v: &str) -> String {
    format!("the string {}", quote(v))
}

struct FlagVisitor;

impl<'de> Visitor<'de> for FlagVisitor {
    type Value = Flag;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Flag, E> {
        Ok(if v { Flag::On } else { Flag::Off })
    }

    fn visit_unit<E: de::Error>(self) -> Result<Flag, E> {
        Ok(Flag::Off)
    }

    fn visit_none<E: de::Error>(self) -> Result<Flag, E> {
        Ok(Flag::Off)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Flag, D::Error> {
        d.deserialize_any(FlagVisitor)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Flag, E> {
        Ok(Flag::Invalid(format!("the number {v}")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Flag, E> {
        Ok(Flag::Invalid(format!("the number {v}")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Flag, E> {
        Ok(Flag::Invalid(format!("the number {v}")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Flag, E> {
        Ok(Flag::Invalid(found_string(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Flag, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Flag::Invalid("a list".into()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Flag, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Flag::Invalid("an object".into()))
    }
}

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FlagVisitor)
    }
}

struct SharingVisitor;

impl<'de> Visitor<'de> for SharingVisitor {
    type Value = Sharing<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of booleans")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Entries::deserialize(de::value::MapAccessDeserializer::new(map)).map(Sharing::Channels)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Sharing::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Sharing::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(SharingVisitor)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Sharing::Invalid(format!("the boolean {v}")))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Sharing::Invalid(format!("the number {v}")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Sharing::Invalid(format!("the number {v}")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Sharing::Invalid(format!("the number {v}")))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Sharing::Invalid(found_string(v)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Sharing::Invalid("a list".into()))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Sharing<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SharingVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn sharing(json: &str) -> Sharing<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[rstest]
    #[case::on("true", Flag::On)]
    #[case::off("false", Flag::Off)]
    #[case::null("null", Flag::Off)]
    #[case::string_false(r#""false""#, Flag::Invalid(r#"the string "false""#.into()))]
    #[case::string_true(r#""true""#, Flag::Invalid(r#"the string "true""#.into()))]
    #[case::zero("0", Flag::Invalid("the number 0".into()))]
    #[case::one("1", Flag::Invalid("the number 1".into()))]
    #[case::float("0.5", Flag::Invalid("the number 0.5".into()))]
    #[case::negative("-1", Flag::Invalid("the number -1".into()))]
    #[case::list("[true]", Flag::Invalid("a list".into()))]
    #[case::object(r#"{"enabled": true}"#, Flag::Invalid("an object".into()))]
    fn flags_read_as_written(#[case] json: &str, #[case] expected: Flag) {
        assert_eq!(serde_json::from_str::<Flag>(json).unwrap(), expected);
    }

    #[test]
    fn long_strings_are_quoted_short() {
        let json = format!("\"{}\"", "x".repeat(10_000));
        let Flag::Invalid(found) = serde_json::from_str::<Flag>(&json).unwrap() else {
            panic!("a string is not a flag");
        };
        assert!(found.len() < 120, "{found}");
        assert!(found.ends_with("(10000 characters)"), "{found}");
    }

    #[rstest]
    #[case::absent_channel("{}", "clipboard", Flag::Off)]
    #[case::null_sharing("null", "drives", Flag::Off)]
    #[case::set(r#"{"drives": true}"#, "drives", Flag::On)]
    #[case::last_repeated_key_wins(
        r#"{"clipboard": true, "clipboard": false}"#,
        "clipboard",
        Flag::Off
    )]
    #[case::last_repeated_key_wins_on(
        r#"{"clipboard": false, "clipboard": true}"#,
        "clipboard",
        Flag::On
    )]
    #[case::not_an_object("true", "clipboard", Flag::Invalid("the boolean true".into()))]
    #[case::list("[]", "drives", Flag::Invalid("a list".into()))]
    fn channels_read_as_their_meaning(
        #[case] json: &str,
        #[case] key: &str,
        #[case] expected: Flag,
    ) {
        assert_eq!(sharing(json).flag(key), expected);
    }

    #[rstest]
    #[case::absent_is_false("{}", r#"{"clipboard": false, "drives": false}"#)]
    #[case::null_is_false(r#"{"clipboard": null}"#, r#"{"clipboard": false}"#)]
    #[case::null_sharing("null", r#"{"drives": false, "printing": false}"#)]
    #[case::order(
        r#"{"drives": true, "clipboard": false}"#,
        r#"{"clipboard": false, "drives": true}"#
    )]
    fn equivalent_spellings_are_no_change(#[case] old: &str, #[case] new: &str) {
        assert_eq!(sharing(new).changes_from(&sharing(old)), vec![]);
        assert_eq!(sharing(old).changes_from(&sharing(new)), vec![]);
    }

    #[test]
    fn changes_name_each_channel_in_order() {
        let old = sharing(r#"{"drives": true}"#);
        let new = sharing(r#"{"clipboard": true, "audio": true}"#);
        let changes: Vec<String> = new
            .changes_from(&old)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            changes,
            [
                "spec.sharing.clipboard from off to on",
                "spec.sharing.drives from on to off",
                "spec.sharing[\"audio\"] from off to on",
            ]
        );
    }

    #[rstest]
    #[case::string_stays_string(r#"{"clipboard": "false"}"#, r#"{"clipboard": "false"}"#)]
    #[case::string_to_false(r#"{"clipboard": "false"}"#, r#"{"clipboard": false}"#)]
    #[case::whole_invalid("[]", "{}")]
    #[case::whole_invalid_to_invalid("true", "true")]
    fn invalid_values_are_always_a_change(#[case] old: &str, #[case] new: &str) {
        assert_eq!(sharing(new).changes_from(&sharing(old)).len(), 1);
    }

    #[test]
    fn unknown_keys_are_quoted_in_places() {
        assert_eq!(place("clipboard"), "spec.sharing.clipboard");
        assert_eq!(place("Clipboard"), "spec.sharing[\"Clipboard\"]");
        assert!(place(&"k".repeat(5000)).len() < 120);
    }
}
