//! The keys of a JSON object, values skipped: all the policy needs from
//! label maps and from Calico's `source`, without a map type per module.

use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Keys(pub Vec<String>);

impl Keys {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Keys;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    keys.push(key);
                }
                Ok(Keys(keys))
            }
        }
        deserializer.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_keys_in_order_and_skips_values() {
        let keys: Keys =
            serde_json::from_str(r#"{"b": {"x": [1]}, "a": "", "reserved:world": null}"#).unwrap();
        assert_eq!(
            keys.iter().collect::<Vec<_>>(),
            ["b", "a", "reserved:world"]
        );
    }

    #[test]
    fn refuses_non_objects() {
        assert!(serde_json::from_str::<Keys>("[\"a\"]").is_err());
        assert!(serde_json::from_str::<Keys>("\"a\"").is_err());
    }
}
