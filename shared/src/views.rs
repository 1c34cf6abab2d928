//! Serde helpers for the policies' lean views of Kubernetes objects.

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

#[cfg(test)]
mod tests {
    use super::*;

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
