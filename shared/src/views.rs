//! Serde helpers for the policies' lean views of Kubernetes objects: the
//! three decisions every view makes the same way — `null` means unset,
//! only a JSON object is an object, a map keeps the last of repeated keys.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// `null` decodes as the type's default, as Kubernetes' own JSON decoding
/// does for lists, maps and strings: YAML `limits:` with nothing under it is
/// common in hand-written manifests and means "none".
pub fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// Makes views decode from JSON objects only. serde's derive also accepts
/// a positional array for a struct (`securityContext: [false]`), which no
/// Kubernetes client sends and which would let a malformed manifest mean
/// something. Derive the view with `#[serde(remote = "Self")]` and list it
/// here: its `Deserialize` then goes through `deserialize_map`, so an array
/// is a type error.
#[macro_export]
macro_rules! map_only {
    ($($name:ident $(<$lt:lifetime>)?),* $(,)?) => {$(
        impl<'de $(: $lt, $lt)?> $crate::__serde::Deserialize<'de> for $name $(<$lt>)? {
            fn deserialize<D: $crate::__serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                struct ObjectVisitor $(<$lt>)? (::core::marker::PhantomData<$name $(<$lt>)?>);
                impl<'de $(: $lt, $lt)?> $crate::__serde::de::Visitor<'de> for ObjectVisitor $(<$lt>)? {
                    type Value = $name $(<$lt>)?;
                    fn expecting(&self, f: &mut ::core::fmt::Formatter) -> ::core::fmt::Result {
                        f.write_str("an object")
                    }
                    fn visit_map<A: $crate::__serde::de::MapAccess<'de>>(
                        self,
                        map: A,
                    ) -> Result<Self::Value, A::Error> {
                        $name::deserialize($crate::__serde::de::value::MapAccessDeserializer::new(map))
                    }
                }
                deserializer.deserialize_map(ObjectVisitor(::core::marker::PhantomData))
            }
        }
    )*};
}

/// A JSON object as its entries in document order; a repeated key keeps its
/// last value, as the API server's decoder does. A list instead of a map
/// keeps every module free of B-tree code, and these objects are small.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entries<K, V>(Vec<(K, V)>);

impl<K, V> Default for Entries<K, V> {
    fn default() -> Self {
        Entries(Vec::new())
    }
}

impl<K: AsRef<str>, V> Entries<K, V> {
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0
            .iter()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_ref())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.0.iter().map(|(k, v)| (k.as_ref(), v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K, V> FromIterator<(K, V)> for Entries<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Entries(iter.into_iter().collect())
    }
}

struct EntriesVisitor<K, V>(PhantomData<(K, V)>);

impl<'de, K, V> Visitor<'de> for EntriesVisitor<K, V>
where
    K: Deserialize<'de> + AsRef<str>,
    V: Deserialize<'de>,
{
    type Value = Entries<K, V>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries: Vec<(K, V)> = Vec::new();
        while let Some((key, value)) = map.next_entry::<K, V>()? {
            match entries.iter_mut().find(|(k, _)| k.as_ref() == key.as_ref()) {
                Some(entry) => entry.1 = value,
                None => entries.push((key, value)),
            }
        }
        Ok(Entries(entries))
    }
}

impl<'de, K, V> Deserialize<'de> for Entries<K, V>
where
    K: Deserialize<'de> + AsRef<str>,
    V: Deserialize<'de>,
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Text;

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(remote = "Self")]
    struct Strict {
        #[serde(default)]
        flag: bool,
    }
    crate::map_only!(Strict);

    #[test]
    fn map_only_views_refuse_arrays() {
        assert_eq!(
            serde_json::from_str::<Strict>(r#"{"flag": true}"#).unwrap(),
            Strict { flag: true }
        );
        let err = serde_json::from_str::<Strict>("[true]").unwrap_err();
        assert!(err.to_string().contains("expected an object"), "{err}");
    }

    #[test]
    fn entries_keep_document_order_and_the_last_repeated_value() {
        let e: Entries<Text<'_>, u8> = serde_json::from_str(r#"{"b": 1, "a": 2, "b": 3}"#).unwrap();
        assert_eq!(e.iter().collect::<Vec<_>>(), [("b", &3), ("a", &2)]);
        assert!(e.contains_key("a"));
        assert!(serde_json::from_str::<Entries<Text<'_>, u8>>("[]").is_err());
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct View {
        #[serde(default, deserialize_with = "nullable")]
        items: Vec<u8>,
    }

    #[test]
    fn null_absent_and_present() {
        let decode = |s: &str| serde_json::from_str::<View>(s).map(|v| v.items);
        assert_eq!(decode(r#"{"items": null}"#).unwrap(), Vec::<u8>::new());
        assert_eq!(decode("{}").unwrap(), Vec::<u8>::new());
        assert_eq!(decode(r#"{"items": [1]}"#).unwrap(), vec![1]);
        assert!(decode(r#"{"items": "x"}"#).is_err());
    }
}
