//! Reading what the user points at — files, directories, stdin — into
//! documents with the place each came from. Nothing is dropped: a file that
//! cannot be read, text that is not UTF-8 or half a YAML document becomes an
//! input error of its own, reported beside the documents that did parse.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Inputs larger than this are refused unread: the API server takes
/// requests of at most 3 MiB, so even a whole cluster's worth of manifests
/// stays far below it, and parsing stays bounded.
pub const MAX_INPUT_BYTES: u64 = 32 * 1024 * 1024;

/// The API server's limit on one request body, which one object must fit.
pub const MAX_OBJECT_BYTES: usize = 3 * 1024 * 1024;

/// Where a document came from: a path (or `-`) and its first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub source: String,
    pub line: usize,
}

/// One document, or why there is none.
#[derive(Debug, Clone)]
pub struct Document {
    pub origin: Origin,
    pub content: Result<Value, String>,
}

/// Expands `paths` (files, directories searched for `.yaml`, `.yml` and
/// `.json`, `-` for stdin) into documents, in order; `kind: List` and typed
/// lists (`PodList`) become their items.
pub fn read(paths: &[String]) -> Vec<Document> {
    let mut out = Vec::new();
    for path in paths {
        if path == "-" {
            let mut text = Vec::new();
            let limited = std::io::stdin()
                .lock()
                .take(MAX_INPUT_BYTES + 1)
                .read_to_end(&mut text);
            let origin = Origin {
                source: "-".into(),
                line: 1,
            };
            match limited {
                Ok(_) => out.extend(parse_bytes(&origin.source, &text)),
                Err(e) => out.push(failed(origin, format!("cannot read stdin: {e}"))),
            }
            continue;
        }
        let mut files = Vec::new();
        if let Err(e) = collect(Path::new(path), &mut files) {
            out.push(failed(
                Origin {
                    source: path.clone(),
                    line: 1,
                },
                e,
            ));
        }
        for file in files {
            out.extend(read_file(&file));
        }
    }
    out
}

fn failed(origin: Origin, message: String) -> Document {
    Document {
        origin,
        content: Err(message),
    }
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|e| format!("cannot list {}: {e}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        let hidden = entry
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden || xtask::docs::is_replay_file(&entry) {
            continue;
        }
        if entry.is_dir() {
            collect(&entry, out)?;
        } else if entry
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(entry);
        }
    }
    Ok(())
}

fn read_file(file: &Path) -> Vec<Document> {
    let source = file.display().to_string();
    let origin = Origin {
        source: source.clone(),
        line: 1,
    };
    let opened = std::fs::File::open(file).and_then(|f| {
        let mut bytes = Vec::new();
        f.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes)?;
        Ok(bytes)
    });
    match opened {
        Ok(bytes) => parse_bytes(&source, &bytes),
        Err(e) => vec![failed(origin, format!("cannot read {source}: {e}"))],
    }
}

/// Splits text at YAML document markers (`---` at the start of a line) so
/// each document keeps its line and one broken document does not hide the
/// others, then parses each.
pub fn parse_bytes(source: &str, bytes: &[u8]) -> Vec<Document> {
    let origin = |line| Origin {
        source: source.to_owned(),
        line,
    };
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return vec![failed(
            origin(1),
            format!(
                "larger than {} MiB; split it (the API server takes objects of at most 3 MiB)",
                MAX_INPUT_BYTES / (1024 * 1024)
            ),
        )];
    }
    if bytes.contains(&0) {
        return vec![failed(
            origin(1),
            "binary data, not YAML or JSON text".into(),
        )];
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            return vec![failed(
                origin(1),
                format!("not UTF-8 text (YAML and JSON are): {e}"),
            )];
        }
    };
    let mut out = Vec::new();
    for (first, chunk) in chunks(text) {
        let line = first + leading_lines(chunk);
        if chunk.len() > MAX_OBJECT_BYTES {
            out.push(failed(
                origin(line),
                format!(
                    "a document of {} bytes; the API server refuses requests over 3 MiB",
                    chunk.len()
                ),
            ));
            continue;
        }
        match admission::documents(chunk) {
            Ok(values) => {
                for value in values {
                    expand(value, &origin(line), &mut out);
                }
            }
            Err(e) => out.push(failed(
                origin(line),
                format!("not valid YAML or JSON: {}", strip_document_number(&e)),
            )),
        }
    }
    out
}

/// `admission::documents` numbers documents within the chunk it was given,
/// always 1 here; the line says where the document is.
fn strip_document_number(message: &str) -> &str {
    message.strip_prefix("document 1: ").unwrap_or(message)
}

/// The documents of `text` with the line each starts on. A marker line is
/// `---` alone or followed by a space (`--- # comment`, `--- !tag`).
fn chunks(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut start_line = 1;
    let mut offset = 0;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let bare = line.trim_end_matches(['\n', '\r']);
        let marker = bare == "---" || bare.starts_with("--- ");
        if marker && offset > start {
            out.push((start_line, &text[start..offset]));
            start = offset;
            start_line = index + 1;
        } else if marker {
            start_line = index + 1;
        }
        offset += line.len();
    }
    if start < text.len() {
        out.push((start_line, &text[start..]));
    }
    out
}

/// The marker, comment and blank lines before a document's content, so
/// its line is the one a reader looks for.
fn leading_lines(chunk: &str) -> usize {
    chunk
        .lines()
        .take_while(|line| {
            let line = line.trim();
            line.is_empty() || line.starts_with('#') || line == "---" || line.starts_with("--- #")
        })
        .count()
}

/// A `List` (`kind: List`, or a typed `PodList`) is its items.
fn expand(value: Value, origin: &Origin, out: &mut Vec<Document>) {
    let is_list = value
        .get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k == "List" || (k.ends_with("List") && k.len() > 4))
        && value.get("items").is_some_and(Value::is_array);
    if is_list && let Some(Value::Array(items)) = value.get("items").cloned() {
        for item in items {
            expand(item, origin, out);
        }
        return;
    }
    out.push(Document {
        origin: origin.clone(),
        content: Ok(value),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    fn lines(docs: &[Document]) -> Vec<usize> {
        docs.iter().map(|d| d.origin.line).collect()
    }

    #[test]
    fn documents_keep_their_lines_and_a_broken_one_hides_nothing() {
        let text = "apiVersion: v1\nkind: Pod\n---\n# empty\n--- # next\nkind: [unclosed\n---\napiVersion: v1\nkind: Service\n";
        let docs = parse_bytes("f.yaml", text.as_bytes());
        assert_eq!(lines(&docs), [1, 6, 8]);
        assert!(docs[0].content.is_ok());
        let err = docs[1].content.as_ref().unwrap_err();
        assert!(err.starts_with("not valid YAML or JSON:"), "{err}");
        assert_eq!(
            docs[2].content.as_ref().unwrap(),
            &json!({"apiVersion": "v1", "kind": "Service"})
        );
    }

    #[rstest]
    #[case::list(json!({"apiVersion": "v1", "kind": "List", "items": [{"kind": "Pod"}, {"kind": "List", "items": [{"kind": "Secret"}]}]}), 2)]
    #[case::typed_list(json!({"apiVersion": "v1", "kind": "PodList", "items": [{"kind": "Pod"}]}), 1)]
    #[case::empty_list(json!({"apiVersion": "v1", "kind": "List", "items": []}), 0)]
    #[case::kind_named_list_without_items(json!({"apiVersion": "x/v1", "kind": "AllowList", "spec": {}}), 1)]
    fn lists_become_their_items(#[case] value: Value, #[case] count: usize) {
        let docs = parse_bytes("-", value.to_string().as_bytes());
        assert_eq!(docs.len(), count);
    }

    #[rstest]
    #[case::binary(b"\x00\x01\x02asm".to_vec(), "binary data")]
    #[case::latin1(b"kind: Caf\xe9\n".to_vec(), "not UTF-8")]
    #[case::huge_document(format!("data: {}\n", "x".repeat(MAX_OBJECT_BYTES)).into_bytes(), "over 3 MiB")]
    fn bad_bytes_are_one_clear_error(#[case] bytes: Vec<u8>, #[case] fragment: &str) {
        let docs = parse_bytes("f", &bytes);
        assert_eq!(docs.len(), 1);
        let err = docs[0].content.as_ref().unwrap_err();
        assert!(err.contains(fragment), "{err}");
    }
}
