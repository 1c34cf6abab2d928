//! A request's object decoded only where a mutator reads or writes it.
//!
//! A mutator that decodes the whole object into a `serde_json::Value` pays
//! for a map and a string allocation per field of a 110 KB pod (env vars,
//! ports, resources it never looks at), then again to encode all of it back.
//! A [`Projection`] decodes only the fields of a [`Shape`] into a `Value`;
//! every other field stays the request's text, borrowed, and is written back
//! as it came. The mutator edits the projected `Value` as it would the whole
//! object, and [`Projection::encode`] writes the object once: the untouched
//! text in its original order, the projected fields as edited.
//!
//! What a mutator sees and may do: the projected value holds only the
//! fields of the shape that are present. It may change, add or remove those,
//! add elements to or remove them from the end of a projected list, and
//! replace a projected object or list by any value; what lies outside the
//! shape is kept whatever it does. A repeated key of a projected object
//! counts once, with its last value (as in a `Value`); repeated keys outside
//! the shape are written back as they came, for the handler to judge.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::text::Text;

/// Which fields of an object a mutator reads or writes.
#[derive(Debug, Clone)]
pub enum Shape {
    /// The whole value.
    Whole,
    /// An object's listed keys, each with its own shape; an object is
    /// expected there, and anything else is taken whole.
    Keys(Vec<(&'static str, Shape)>),
    /// Every element of a list with this shape; anything but a list is
    /// taken whole.
    Each(Box<Shape>),
}

impl Shape {
    /// The object's `keys`, each taken whole.
    pub fn whole_keys(keys: &[&'static str]) -> Shape {
        Shape::Keys(keys.iter().map(|k| (*k, Shape::Whole)).collect())
    }

    /// Every element of a list with `shape`.
    pub fn each(shape: Shape) -> Shape {
        Shape::Each(Box::new(shape))
    }

    /// `shape` at the dotted `path` of object keys (`spec.template.spec`).
    pub fn at(path: &'static str, shape: Shape) -> Shape {
        path.rsplit('.')
            .fold(shape, |inner, key| Shape::Keys(vec![(key, inner)]))
    }
}

/// How a projected value was read, to write the rest back around it.
enum Node<'a> {
    /// Decoded whole into the value.
    Whole,
    /// An object: every entry in order.
    Object(Vec<Entry<'a>>),
    /// A list: one node per element.
    List(Vec<Node<'a>>),
}

struct Entry<'a> {
    key: Cow<'a, str>,
    field: Field<'a>,
}

enum Field<'a> {
    /// Outside the shape: the text, written back as it came.
    Text(&'a RawValue),
    /// In the shape: how it was read (its value is in the projection).
    Kept(Node<'a>),
}

impl Entry<'_> {
    fn is_kept(&self, key: &str) -> bool {
        matches!(self.field, Field::Kept(_)) && self.key == key
    }
}

/// An object decoded where its [`Shape`] says, the rest kept as text.
pub struct Projection<'a> {
    /// The fields of the shape that are present, for the mutator to edit.
    pub value: Value,
    node: Node<'a>,
}

impl<'a> Projection<'a> {
    /// Projects `raw` onto `shape`. Fails only where `serde_json` fails to
    /// read the text at all (nesting beyond its limit).
    pub fn of(raw: &'a RawValue, shape: &Shape) -> Result<Self, serde_json::Error> {
        let (value, node) = project(raw, shape)?;
        Ok(Projection { value, node })
    }

    /// The object as JSON text: the kept text with the projected value
    /// written into it. The only encoding a mutated object gets.
    pub fn encode(&self) -> Result<Box<RawValue>, serde_json::Error> {
        let mut out = Vec::new();
        write(&mut out, &self.node, &self.value)?;
        // Every piece written is JSON text (kept from the request or made by
        // serde_json), so this holds; the error path only keeps it a
        // `Result` rather than a panic.
        let text = String::from_utf8(out).map_err(|e| serde::de::Error::custom(e.to_string()))?;
        RawValue::from_string(text)
    }
}

fn project<'a>(raw: &'a RawValue, shape: &Shape) -> Result<(Value, Node<'a>), serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_str(raw.get());
    let projected = Seed(shape).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(projected)
}

/// Reads a value in one pass: what the shape names into the `Value`, the
/// rest captured as borrowed text (a capture then re-read per level would
/// scan the text once per level of the shape).
struct Seed<'s>(&'s Shape);

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = (Value, Node<'de>);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        match self.0 {
            Shape::Whole => Ok((Value::deserialize(deserializer)?, Node::Whole)),
            shape => deserializer.deserialize_any(ShapeVisitor(shape)),
        }
    }
}

/// An object or list of the expected kind is read per the shape; any other
/// value is taken whole, as `Value` reads it.
struct ShapeVisitor<'s>(&'s Shape);

fn whole<E>(value: Value) -> Result<(Value, Node<'static>), E> {
    Ok((value, Node::Whole))
}

impl<'de> Visitor<'de> for ShapeVisitor<'_> {
    type Value = (Value, Node<'de>);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
        let Shape::Keys(keys) = self.0 else {
            return whole(Value::deserialize(MapAccessDeserializer::new(map))?);
        };
        let mut values = Map::new();
        let mut entries: Vec<Entry<'de>> = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some(Text(key)) = map.next_key::<Text<'de>>()? {
            let Some((_, inner)) = keys.iter().find(|(k, _)| *k == key) else {
                let field = Field::Text(map.next_value::<&'de RawValue>()?);
                entries.push(Entry { key, field });
                continue;
            };
            let (value, node) = map.next_value_seed(Seed(inner))?;
            // A repeated key counts with its last value, as in a Value.
            entries.retain(|e| !e.is_kept(&key));
            values.insert(key.to_string(), value);
            entries.push(Entry {
                key,
                field: Field::Kept(node),
            });
        }
        Ok((Value::Object(values), Node::Object(entries)))
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Self::Value, S::Error> {
        let Shape::Each(inner) = self.0 else {
            return whole(Value::deserialize(SeqAccessDeserializer::new(seq))?);
        };
        let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        let mut nodes = Vec::with_capacity(values.capacity());
        while let Some((value, node)) = seq.next_element_seed(Seed(inner))? {
            values.push(value);
            nodes.push(node);
        }
        Ok((Value::Array(values), Node::List(nodes)))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        whole(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        whole(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        whole(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        whole(Value::from(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        whole(Value::from(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        whole(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        whole(Value::Null)
    }
}

fn write(out: &mut Vec<u8>, node: &Node<'_>, value: &Value) -> Result<(), serde_json::Error> {
    match (node, value) {
        (Node::Object(entries), Value::Object(map)) => {
            out.push(b'{');
            let mut first = true;
            let mut comma = |out: &mut Vec<u8>| {
                if !std::mem::take(&mut first) {
                    out.push(b',');
                }
            };
            for entry in entries {
                match &entry.field {
                    Field::Text(raw) => {
                        comma(out);
                        serde_json::to_writer(&mut *out, &*entry.key)?;
                        out.push(b':');
                        out.extend_from_slice(raw.get().as_bytes());
                    }
                    Field::Kept(kept) => {
                        // Removed by the mutator: not written.
                        let Some(value) = map.get(&*entry.key) else {
                            continue;
                        };
                        comma(out);
                        serde_json::to_writer(&mut *out, &*entry.key)?;
                        out.push(b':');
                        write(out, kept, value)?;
                    }
                }
            }
            for (key, value) in map {
                let read = entries.iter().any(|e| e.is_kept(key));
                if !read {
                    comma(out);
                    serde_json::to_writer(&mut *out, key)?;
                    out.push(b':');
                    serde_json::to_writer(&mut *out, value)?;
                }
            }
            out.push(b'}');
        }
        (Node::List(nodes), Value::Array(values)) => {
            out.push(b'[');
            for (i, value) in values.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                match nodes.get(i) {
                    Some(node) => write(out, node, value)?,
                    None => serde_json::to_writer(&mut *out, value)?,
                }
            }
            out.push(b']');
        }
        _ => serde_json::to_writer(&mut *out, value)?,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rstest::rstest;
    use serde_json::json;

    fn raw(value: &Value) -> Box<RawValue> {
        RawValue::from_string(value.to_string()).unwrap()
    }

    fn pod_shape() -> Shape {
        let container = Shape::whole_keys(&["name", "securityContext"]);
        Shape::at(
            "spec",
            Shape::Keys(vec![
                ("securityContext", Shape::Whole),
                ("containers", Shape::each(container)),
            ]),
        )
    }

    #[test]
    fn only_the_shape_is_decoded() {
        let pod = json!({
            "metadata": {"name": "p", "labels": {"a": "b"}},
            "spec": {"containers": [{"name": "c", "image": "i", "env": [{"name": "E"}]}], "volumes": []}
        });
        let raw = raw(&pod);
        let projection = Projection::of(&raw, &pod_shape()).unwrap();
        assert_eq!(
            projection.value,
            json!({"spec": {"containers": [{"name": "c"}]}})
        );
    }

    #[test]
    fn edits_are_written_into_the_kept_text_in_its_order() {
        let text = r#"{"z":1,"spec":{"containers":[{"image":"i","name":"c"},"odd"],"b":[1, 2]},"a":"\u0041"}"#;
        let raw = RawValue::from_string(text.to_string()).unwrap();
        let mut projection = Projection::of(&raw, &pod_shape()).unwrap();
        projection.value["spec"]["containers"][0]["securityContext"] =
            json!({"runAsNonRoot": true});
        projection.value["spec"]["securityContext"] = json!({"seccompProfile": null});
        assert_eq!(
            projection.encode().unwrap().get(),
            r#"{"z":1,"spec":{"containers":[{"image":"i","name":"c","securityContext":{"runAsNonRoot":true}},"odd"],"b":[1, 2],"securityContext":{"seccompProfile":null}},"a":"\u0041"}"#
        );
    }

    #[rstest]
    #[case::spec_not_an_object(json!({"spec": [1]}), json!({"spec": [1]}))]
    #[case::containers_not_a_list(json!({"spec": {"containers": {"a": 1}}}), json!({"spec": {"containers": {"a": 1}}}))]
    #[case::scalar_root(json!("pod"), json!("pod"))]
    fn a_value_of_another_type_is_taken_whole(#[case] object: Value, #[case] projected: Value) {
        let raw = raw(&object);
        let projection = Projection::of(&raw, &pod_shape()).unwrap();
        assert_eq!(projection.value, projected);
        assert_eq!(
            serde_json::from_str::<Value>(projection.encode().unwrap().get()).unwrap(),
            object
        );
    }

    #[test]
    fn removals_replacements_and_new_elements_are_written() {
        let pod = json!({"spec": {"securityContext": {"x": 1}, "containers": [{"name": "a", "image": "i"}]}});
        let raw = raw(&pod);
        let mut projection = Projection::of(&raw, &pod_shape()).unwrap();
        let spec = projection.value["spec"].as_object_mut().unwrap();
        spec.remove("securityContext");
        spec["containers"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "b"}));
        let written: Value = serde_json::from_str(projection.encode().unwrap().get()).unwrap();
        assert_eq!(
            written,
            json!({"spec": {"containers": [{"name": "a", "image": "i"}, {"name": "b"}]}})
        );
        projection.value["spec"] = json!(null);
        let written: Value = serde_json::from_str(projection.encode().unwrap().get()).unwrap();
        assert_eq!(written, json!({"spec": null}));
    }

    #[test]
    fn a_repeated_projected_key_counts_with_its_last_value() {
        let text = r#"{"spec":{"securityContext":{"a":1},"x":0,"securityContext":{"b":2}}}"#;
        let raw = RawValue::from_string(text.to_string()).unwrap();
        let projection = Projection::of(&raw, &pod_shape()).unwrap();
        assert_eq!(
            projection.value,
            json!({"spec": {"securityContext": {"b": 2}}})
        );
        assert_eq!(
            projection.encode().unwrap().get(),
            r#"{"spec":{"x":0,"securityContext":{"b":2}}}"#
        );
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i32>().prop_map(Value::from),
            "[a-z\"\\\\é]{0,4}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            let key = prop_oneof![
                Just("spec".to_string()),
                Just("containers".to_string()),
                Just("securityContext".to_string()),
                Just("name".to_string()),
                "[a-z]{1,3}",
            ];
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                proptest::collection::btree_map(key, inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Editing the projection and writing it back gives the object that
        /// editing the whole decoded object gives.
        #[test]
        fn editing_the_projection_is_editing_the_object(object in json_value(), mark in json_value()) {
            let edit = |object: &mut Value| {
                if let Some(spec) = object.get_mut("spec").and_then(Value::as_object_mut) {
                    spec.insert("securityContext".into(), mark.clone());
                    if let Some(Value::Array(containers)) = spec.get_mut("containers") {
                        for c in containers.iter_mut().filter_map(Value::as_object_mut) {
                            c.remove("name");
                        }
                        containers.push(mark.clone());
                    }
                }
            };
            let raw = raw(&object);
            let mut projection = Projection::of(&raw, &pod_shape()).unwrap();
            prop_assert_eq!(
                serde_json::from_str::<Value>(projection.encode().unwrap().get()).unwrap(),
                object.clone()
            );
            edit(&mut projection.value);
            let mut whole = object;
            edit(&mut whole);
            prop_assert_eq!(
                serde_json::from_str::<Value>(projection.encode().unwrap().get()).unwrap(),
                whole
            );
        }
    }
}
