//! JSON text with object keys in a chosen order.
//!
//! Key order carries no meaning in a Kubernetes object, and policy-server
//! may forward a request in any order, so a verdict must not depend on it.
//! The equivalence property tests of the policies and the fuzz targets
//! write one object in several orders with [`write`] and compare verdicts.

use serde_json::Value;

/// `value` as JSON text, the keys of every object sorted by a hash keyed
/// with `seed`: each seed gives another order, the same seed the same one.
pub fn write(value: &Value, seed: u64) -> String {
    let mut out = String::new();
    write_into(value, seed, &mut out);
    out
}

fn write_into(value: &Value, seed: u64, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by_key(|(k, _)| {
                k.bytes().fold(seed ^ 0xcbf2_9ce4_8422_2325, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
                })
            });
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(k.as_str()).to_string());
                out.push(':');
                write_into(v, seed, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_into(v, seed, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn seeds_give_other_orders() {
        let value = json!({"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6});
        let orders: std::collections::BTreeSet<String> =
            (0..16).map(|seed| write(&value, seed)).collect();
        assert!(orders.len() > 1, "every seed wrote one order: {orders:?}");
    }

    proptest! {
        #[test]
        fn the_text_reads_back_as_the_value(
            seed in any::<u64>(),
            pairs in prop::collection::btree_map("[a-z\"\\\\]{0,4}", any::<i64>(), 0..8),
            list in prop::collection::vec(any::<bool>(), 0..4),
        ) {
            let value = json!({"object": pairs, "list": list, "null": null, "s": "é\n"});
            let text = write(&value, seed);
            prop_assert_eq!(serde_json::from_str::<Value>(&text).ok(), Some(value));
            prop_assert_eq!(write(&serde_json::from_str(&text).unwrap_or(Value::Null), seed), text);
        }
    }
}
