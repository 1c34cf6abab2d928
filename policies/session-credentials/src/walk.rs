//! A walk over a whole JSON document that finds credentials by name, for
//! objects without a fixed shape: a `VDISession` or `VDITemplate` as stored,
//! and above all the manifest kubectl kept of it.
//!
//! The walk is a serde visitor straight over the text: no tree is built, no
//! value is kept unless it is needed (a `name`, the last-applied copy), and
//! nothing of a judged value reaches a message. It finds:
//! - `metadata.labels` and `metadata.annotations` whose key is named like a
//!   credential, whatever the value;
//! - any field named like a credential that holds a non-empty string or a
//!   number (`spec.password: hunter2`, `spec.vnc.apiKey: 1234`), and the
//!   strings and numbers of a list under such a field; an object under it is
//!   walked by its own keys (`passwordSecretRef: {name: ...}` is a reference,
//!   not a credential); `true`, `false`, `null` and `""` hold no secret;
//! - the env-var idiom anywhere: an object whose `name` is named like a
//!   credential and whose `value` is a non-empty string or a number.
//!
//! serde_json's recursion limit (128 levels) bounds the walk's stack; deeper
//! documents fail to decode, and the caller rejects them.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use shared::quote::{Redacted, quote};
use shared::text::Text;

use crate::findings::{Findings, fingerprint};
use crate::names::Names;
use crate::view::{Captured, LAST_APPLIED};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Role {
    Root,
    Metadata,
    Labels,
    Annotations,
    LastApplied,
    /// A value that is only fingerprinted (a label's or annotation's).
    Opaque,
    /// A field's value; `credential` when the field is named like one.
    Field {
        credential: bool,
    },
    /// A list element under a field; `credential` as the field's.
    Element {
        credential: bool,
    },
}

enum Segment<'de> {
    Key(Text<'de>),
    Index(usize),
}

/// What a value turned out to be, for its parent.
enum Summary<'de> {
    Scalar,
    Number(u64),
    Str {
        empty: bool,
        print: u64,
        text: Option<Cow<'de, str>>,
    },
    Map,
    Seq,
}

impl Summary<'_> {
    fn print(&self) -> u64 {
        match self {
            Summary::Number(print) | Summary::Str { print, .. } => *print,
            _ => 0,
        }
    }
}

/// The state of one walk, and what it found.
pub struct Walk<'n, 'de> {
    names: &'n Names,
    origin: &'n str,
    path: Vec<Segment<'de>>,
    pub findings: Findings,
    /// `metadata.annotations[last-applied-configuration]` of the document.
    pub last_applied: Option<Captured<'de>>,
    /// `metadata.name` of the document.
    pub name: Option<Cow<'de, str>>,
    /// Whether the document is a JSON object.
    pub is_object: bool,
}

fn is_plain_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

impl<'n, 'de> Walk<'n, 'de> {
    /// Walks `text`, a JSON document; `origin` starts every message.
    pub fn run(
        text: &'de str,
        names: &'n Names,
        origin: &'n str,
    ) -> Result<Walk<'n, 'de>, serde_json::Error> {
        let mut walk = Walk {
            names,
            origin,
            path: Vec::new(),
            findings: Findings::new(),
            last_applied: None,
            name: None,
            is_object: false,
        };
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let summary = Node {
            walk: &mut walk,
            role: Role::Root,
            want_text: false,
        }
        .deserialize(&mut deserializer)?;
        deserializer.end()?;
        walk.is_object = matches!(summary, Summary::Map);
        Ok(walk)
    }

    /// `spec.vnc["api.key"]`, `metadata.annotations["vdi.kasm.io/password"]`.
    fn path(&self) -> String {
        let mut out = String::new();
        for segment in &self.path {
            match segment {
                Segment::Key(key) if is_plain_key(key) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(key);
                }
                Segment::Key(key) => out.push_str(&format!("[{}]", quote(key))),
                Segment::Index(index) => out.push_str(&format!("[{index}]")),
            }
        }
        out
    }

    fn cleartext(&mut self, print: u64) {
        let message = format!(
            "{}{} holds a credential in cleartext ({Redacted}); keep it in a Secret and refer to the Secret instead",
            self.origin,
            self.path()
        );
        self.findings.push(message, print);
    }
}

struct Node<'w, 'n, 'de> {
    walk: &'w mut Walk<'n, 'de>,
    role: Role,
    /// Keep the text of a string value (a `name`) for the parent.
    want_text: bool,
}

impl<'de> DeserializeSeed<'de> for Node<'_, '_, 'de> {
    type Value = Summary<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Node<'_, '_, 'de> {
    fn credential(&self) -> bool {
        matches!(
            self.role,
            Role::Field { credential: true } | Role::Element { credential: true }
        )
    }

    fn not_a_string(&mut self, print: u64) {
        if self.role == Role::LastApplied {
            self.walk.last_applied = Some(Captured::NotAString(print));
        }
    }

    fn number(mut self, print: u64) -> Summary<'de> {
        if self.credential() {
            self.walk.cleartext(print);
        }
        self.not_a_string(print);
        Summary::Number(print)
    }

    fn string(self, text: Cow<'de, str>) -> Summary<'de> {
        let print = fingerprint(text.as_bytes());
        let empty = text.is_empty();
        if self.credential() && !empty {
            self.walk.cleartext(print);
        }
        if self.role == Role::LastApplied {
            self.walk.last_applied = Some(Captured::Text(Text(text)));
            return Summary::Str {
                empty,
                print,
                text: None,
            };
        }
        Summary::Str {
            empty,
            print,
            text: self.want_text.then_some(text),
        }
    }

    /// The role of the value under `key` in a map of this node's role.
    fn child(&self, key: &str) -> Role {
        let named = || self.walk.names.matches(key);
        match self.role {
            Role::Root if key == "metadata" => Role::Metadata,
            Role::Metadata if key == "labels" => Role::Labels,
            Role::Metadata if key == "annotations" => Role::Annotations,
            Role::Annotations if key == LAST_APPLIED => Role::LastApplied,
            Role::Labels | Role::Annotations | Role::Opaque | Role::LastApplied => Role::Opaque,
            Role::Root | Role::Metadata | Role::Field { .. } | Role::Element { .. } => {
                Role::Field {
                    credential: named(),
                }
            }
        }
    }
}

impl<'de> Visitor<'de> for Node<'_, '_, 'de> {
    type Value = Summary<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(mut self, v: bool) -> Result<Self::Value, E> {
        self.not_a_string(u64::from(v));
        Ok(Summary::Scalar)
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(self.number(fingerprint(&v.to_le_bytes())))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(self.number(fingerprint(&v.to_le_bytes())))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(self.number(fingerprint(&v.to_bits().to_le_bytes())))
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(self.string(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        // An escaped string: copied only when it is kept.
        if self.want_text || self.role == Role::LastApplied {
            return Ok(self.string(Cow::Owned(v.to_owned())));
        }
        let print = fingerprint(v.as_bytes());
        let empty = v.is_empty();
        if self.credential() && !empty {
            self.walk.cleartext(print);
        }
        Ok(Summary::Str {
            empty,
            print,
            text: None,
        })
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(self.string(Cow::Owned(v)))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        // `null`: unset, also for the last-applied annotation.
        Ok(Summary::Scalar)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Summary::Scalar)
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        let plain = matches!(
            self.role,
            Role::Root | Role::Field { .. } | Role::Element { .. }
        );
        let mut env_name: Option<Cow<'de, str>> = None;
        let mut env_value: Option<u64> = None;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let role = self.child(&key);
            let want_text = &*key == "name" && (plain || self.role == Role::Metadata);
            let named_label = matches!(self.role, Role::Labels | Role::Annotations)
                && role != Role::LastApplied
                && self.walk.names.matches(&key);
            self.walk.path.push(Segment::Key(key));
            let summary = map.next_value_seed(Node {
                walk: &mut *self.walk,
                role,
                want_text,
            })?;
            if named_label {
                let what = if self.role == Role::Labels {
                    "a label"
                } else {
                    "an annotation"
                };
                let message = format!(
                    "{}{} is {what} named like a credential ({Redacted}); labels and annotations are not for \
                     credentials: keep the value in a Secret",
                    self.walk.origin,
                    self.walk.path()
                );
                self.walk.findings.push(message, summary.print());
            }
            let Some(Segment::Key(key)) = self.walk.path.pop() else {
                continue;
            };
            match (&*key, summary) {
                (
                    "name",
                    Summary::Str {
                        text: Some(text), ..
                    },
                ) if self.role == Role::Metadata => {
                    self.walk.name = Some(text);
                }
                (
                    "name",
                    Summary::Str {
                        text: Some(text), ..
                    },
                ) if plain && self.walk.names.matches(&text) => {
                    env_name = Some(text);
                }
                (
                    "value",
                    Summary::Str {
                        empty: false,
                        print,
                        ..
                    },
                )
                | ("value", Summary::Number(print))
                    if plain =>
                {
                    env_value = Some(print);
                }
                _ => {}
            }
        }
        if let (Some(name), Some(print)) = (env_name, env_value) {
            let message = format!(
                "{}{} sets {} to a literal value ({Redacted}); take it from a Secret (valueFrom.secretKeyRef)",
                self.walk.origin,
                self.walk.path(),
                quote(&name)
            );
            self.walk.findings.push(message, print);
        }
        self.not_a_string(0);
        Ok(Summary::Map)
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Self::Value, A::Error> {
        let role = match self.role {
            Role::Field { credential } | Role::Element { credential } => {
                Role::Element { credential }
            }
            Role::Opaque | Role::LastApplied => Role::Opaque,
            Role::Root | Role::Metadata | Role::Labels | Role::Annotations => {
                Role::Element { credential: false }
            }
        };
        let mut index = 0usize;
        loop {
            self.walk.path.push(Segment::Index(index));
            let next = seq.next_element_seed(Node {
                walk: &mut *self.walk,
                role,
                want_text: false,
            })?;
            self.walk.path.pop();
            if next.is_none() {
                break;
            }
            index += 1;
        }
        self.not_a_string(0);
        Ok(Summary::Seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    fn names() -> Names {
        crate::settings::Settings::default().names()
    }

    fn findings(json: &str) -> Vec<String> {
        let names = names();
        let walk = Walk::run(json, &names, "").unwrap();
        walk.findings
            .iter()
            .map(|f| f.message().to_string())
            .collect()
    }

    #[rstest]
    #[case::password(
        r#"{"spec":{"user":"alice","password":"hunter2"}}"#,
        "spec.password holds a credential"
    )]
    #[case::nested(r#"{"spec":{"vnc":{"apiKey":"k"}}}"#, "spec.vnc.apiKey holds")]
    #[case::number(r#"{"spec":{"pin":1,"vncPw":12345}}"#, "spec.vncPw holds")]
    #[case::list(r#"{"spec":{"tokens":["","b"]}}"#, "spec.tokens[1] holds")]
    #[case::odd_key(r#"{"spec":{"db.password":"x"}}"#, r#"spec["db.password"] holds"#)]
    #[case::escaped(r#"{"spec":{"pass\u0077ord":"x\"y"}}"#, "spec.password holds")]
    #[case::label(
        r#"{"metadata":{"labels":{"vdi.kasm.io/password":""}}}"#,
        r#"metadata.labels["vdi.kasm.io/password"] is a label named like a credential"#
    )]
    #[case::annotation(
        r#"{"metadata":{"annotations":{"api-token":"t"}}}"#,
        r#"metadata.annotations["api-token"] is an annotation"#
    )]
    #[case::env(
        r#"{"spec":{"env":[{"name":"DB_PASSWORD","value":"x"}]}}"#,
        r#"spec.env[0] sets "DB_PASSWORD" to a literal value"#
    )]
    #[case::env_value_first(
        r#"{"spec":{"env":[{"value":7,"name":"api-key"}]}}"#,
        "spec.env[0] sets"
    )]
    #[case::root(r#"{"password":"x"}"#, "password holds")]
    fn found(#[case] json: &str, #[case] fragment: &str) {
        let found = findings(json);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains(fragment), "{found:?}");
        assert!(
            !found[0].contains("hunter2") && !found[0].contains("12345"),
            "{found:?}"
        );
    }

    #[rstest]
    #[case::reference(
        r#"{"spec":{"passwordSecretRef":{"name":"alice-credentials","key":"password"}}}"#
    )]
    #[case::empty(r#"{"spec":{"password":""}}"#)]
    #[case::flags(r#"{"spec":{"tokenAuth":true,"secret":null}}"#)]
    #[case::plain_labels(r#"{"metadata":{"labels":{"vdi.kasm.io/user":"alice"}}}"#)]
    #[case::env_from_secret(r#"{"spec":{"env":[{"name":"DB_PASSWORD","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}]}}"#)]
    #[case::env_other(r#"{"spec":{"env":[{"name":"LANG","value":"C"}]}}"#)]
    #[case::status(r#"{"status":{"phase":"Running","url":"https://alice.vdi.example.com/"}}"#)]
    fn clean(#[case] json: &str) {
        assert_eq!(findings(json), Vec::<String>::new());
    }

    #[test]
    fn the_last_applied_copy_and_name_are_captured() {
        let names = names();
        let json = r#"{"metadata":{"name":"alice-ubuntu","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"spec\":{}}"}}}"#;
        let walk = Walk::run(json, &names, "").unwrap();
        assert!(walk.is_object);
        assert_eq!(walk.name.as_deref(), Some("alice-ubuntu"));
        assert!(matches!(&walk.last_applied, Some(Captured::Text(t)) if &**t == "{\"spec\":{}}"));
        let json = r#"{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":{"spec":{}}}}}"#;
        let walk = Walk::run(json, &names, "").unwrap();
        assert!(matches!(walk.last_applied, Some(Captured::NotAString(_))));
    }

    #[test]
    fn only_top_level_metadata_counts() {
        let names = names();
        let json = r#"{"spec":{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"x"}}}}"#;
        let walk = Walk::run(json, &names, "").unwrap();
        assert!(walk.last_applied.is_none());
    }

    #[rstest]
    #[case("[1]")]
    #[case("\"x\"")]
    #[case("null")]
    fn non_objects_are_reported(#[case] json: &str) {
        let names = names();
        assert!(!Walk::run(json, &names, "").unwrap().is_object);
    }

    #[test]
    fn deep_nesting_and_trailing_text_fail() {
        let names = names();
        let deep = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
        assert!(Walk::run(&deep, &names, "").is_err());
        assert!(Walk::run("{} {}", &names, "").is_err());
    }
}
