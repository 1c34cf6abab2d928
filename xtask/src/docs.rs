//! Every YAML the repository shows a user, found and classified so that
//! tests can check each piece the way its reader would use it: the
//! ```` ```yaml ```` blocks of the Markdown files (the root `*.md`,
//! `policies/*/README.md`, `docs/**/*.md`), and every YAML and JSON file
//! under `deploy/`, `examples/` and `policies/*/examples/`.
//!
//! A block says what it is with a word after `yaml` in its fence (GitHub
//! highlights by the first word only, so readers do not see it):
//!
//! | fence | content | checked as |
//! |---|---|---|
//! | ```` ```yaml ```` | Kubernetes objects (`apiVersion` and `kind`) | CRD schema, Kubewarden webhook rules, vdi-guard module rules |
//! | ```` ```yaml ```` in `policies/<p>/README.md` | anything else | settings of `<p>` (`validate_settings`) |
//! | ```` ```yaml settings ```` | settings of the README's policy | `validate_settings` |
//! | ```` ```yaml suite ```` | an e2e suite file | the suite format |
//! | ```` ```yaml verification-config ```` | policy-server's verification config | its format |
//! | ```` ```yaml created-at ```` | `artifacthub/created-at.yml` | its format |
//! | ```` ```yaml fragment <what> ```` | part of a larger object | parsed only |
//!
//! Files: `*.replay.yml` are kwctl replay files ([`crate::replay`]); every
//! other document must be a Kubernetes object.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// What a snippet is, and so how it is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Label {
    /// Kubernetes objects: every document has `apiVersion` and `kind`.
    Objects,
    /// Settings of this policy.
    Settings(String),
    /// An e2e suite (`policies/<p>/suites/*.yaml` format).
    Suite,
    /// policy-server's signature verification config.
    VerificationConfig,
    /// `artifacthub/created-at.yml`.
    CreatedAt,
    /// A kwctl host-capabilities replay file.
    Replay,
    /// Part of a larger object, shown for reading: parsed, not validated.
    Fragment(String),
}

/// One block or file, parsed.
#[derive(Debug, Clone)]
pub struct Snippet {
    /// `README.md:141` (the fence's line) or `deploy/policies/x.yaml`.
    pub origin: String,
    /// The file, relative to the repository root.
    pub file: PathBuf,
    pub label: Label,
    /// The YAML documents (null documents dropped).
    pub documents: Vec<Value>,
}

/// A fenced code block of a Markdown file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    /// 1-based line of the opening fence.
    pub line: usize,
    /// The info string (`yaml fragment of ...`).
    pub info: String,
    /// The content, with the fence's indentation removed.
    pub body: String,
}

/// The fenced code blocks of a Markdown text (backticks or tildes, any
/// indentation, as inside list items).
pub fn fences(markdown: &str) -> Vec<Fence> {
    let mut out = Vec::new();
    let mut open: Option<(usize, String, char, usize, usize, String)> = None;
    for (index, line) in markdown.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim_start();
        let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~');
        let run = marker.map_or(0, |m| trimmed.chars().take_while(|c| *c == m).count());
        match &mut open {
            None => {
                if let (Some(m), true) = (marker, run >= 3) {
                    let info = trimmed[run..].trim().to_owned();
                    open = Some((index + 1, info, m, run, indent, String::new()));
                }
            }
            Some((start, info, m, len, fence_indent, body)) => {
                let closes = marker == Some(*m) && run >= *len && trimmed[run..].trim().is_empty();
                if closes {
                    out.push(Fence {
                        line: *start,
                        info: std::mem::take(info),
                        body: std::mem::take(body),
                    });
                    open = None;
                } else {
                    let strip = indent.min(*fence_indent);
                    body.push_str(&line[strip..]);
                    body.push('\n');
                }
            }
        }
    }
    out
}

/// The YAML documents of a text, as JSON values; null documents dropped.
pub fn documents(text: &str) -> Result<Vec<Value>, String> {
    let mut out = Vec::new();
    for document in serde_yaml::Deserializer::from_str(text) {
        let value: Value = serde::Deserialize::deserialize(document).map_err(|e| e.to_string())?;
        if !value.is_null() {
            out.push(value);
        }
    }
    Ok(out)
}

fn is_object(value: &Value) -> bool {
    ["apiVersion", "kind"].iter().all(|k| {
        value
            .get(k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    })
}

/// The policy a README belongs to (`policies/<p>/README.md`).
fn readme_policy(file: &Path) -> Option<String> {
    let parts: Vec<String> = file
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    match parts.as_slice() {
        [policies, name, readme] if policies == "policies" && readme == "README.md" => {
            Some(name.clone())
        }
        _ => None,
    }
}

/// Classifies one YAML block of `file`.
pub fn classify(file: &Path, info: &str, documents: &[Value]) -> Result<Label, String> {
    let mut words = info.split_whitespace();
    let _language = words.next();
    let label = words.next();
    let rest: Vec<&str> = words.collect();
    let policy = readme_policy(file);
    let all_objects = !documents.is_empty() && documents.iter().all(is_object);
    match label {
        None if all_objects => Ok(Label::Objects),
        None | Some("settings") => match policy {
            Some(policy) if !all_objects => Ok(Label::Settings(policy)),
            Some(_) => Err("labelled settings but holds Kubernetes objects".into()),
            None => Err(
                "not Kubernetes objects (apiVersion and kind): label the fence \
                 (```yaml settings|suite|verification-config|created-at|fragment <what>)"
                    .into(),
            ),
        },
        Some("suite") => Ok(Label::Suite),
        Some("verification-config") => Ok(Label::VerificationConfig),
        Some("created-at") => Ok(Label::CreatedAt),
        Some("fragment") if !rest.is_empty() => Ok(Label::Fragment(rest.join(" "))),
        Some("fragment") => Err("say what the fragment is part of: ```yaml fragment <what>".into()),
        Some(other) => Err(format!(
            "unknown fence label {other:?}; use settings, suite, verification-config, created-at or fragment"
        )),
    }
}

fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

fn walk(dir: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) -> Result<(), String> {
    if !dir.is_dir() {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            walk(&entry, keep, out)?;
        } else if keep(&entry) {
            out.push(entry);
        }
    }
    Ok(())
}

/// The Markdown files users read: the root `*.md`, every
/// `policies/*/README.md`, and `docs/**/*.md`.
pub fn markdown_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let is_md = |p: &Path| p.extension().is_some_and(|e| e == "md");
    let mut files: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|e| format!("{}: {e}", root.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && is_md(p))
        .collect();
    files.sort();
    for name in crate::policy::Policy::names(root)? {
        let readme = root.join("policies").join(name).join("README.md");
        if readme.is_file() {
            files.push(readme);
        }
    }
    walk(&root.join("docs"), &is_md, &mut files)?;
    Ok(files.iter().map(|f| relative(root, f)).collect())
}

/// The manifest files users apply or evaluate: YAML and JSON under
/// `deploy/`, `examples/` and every `policies/*/examples/`.
pub fn manifest_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let is_manifest = |p: &Path| {
        p.extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
    };
    let mut files = Vec::new();
    walk(&root.join("deploy"), &is_manifest, &mut files)?;
    walk(&root.join("examples"), &is_manifest, &mut files)?;
    for name in crate::policy::Policy::names(root)? {
        walk(
            &root.join("policies").join(name).join("examples"),
            &is_manifest,
            &mut files,
        )?;
    }
    Ok(files.iter().map(|f| relative(root, f)).collect())
}

/// A kwctl replay file, by name.
pub fn is_replay_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(".replay.yml") || n.ends_with(".replay.yaml"))
}

/// Every snippet of the repository; the `Err`s are the blocks and files
/// that cannot be read or classified, each with its origin.
pub fn collect(root: &Path) -> (Vec<Snippet>, Vec<String>) {
    let mut snippets = Vec::new();
    let mut errors = Vec::new();
    match markdown_files(root) {
        Ok(files) => {
            for file in files {
                let text = match std::fs::read_to_string(root.join(&file)) {
                    Ok(t) => t,
                    Err(e) => {
                        errors.push(format!("{}: {e}", file.display()));
                        continue;
                    }
                };
                for fence in fences(&text) {
                    let language = fence.info.split_whitespace().next().unwrap_or("");
                    if language != "yaml" && language != "yml" {
                        continue;
                    }
                    let origin = format!("{}:{}", file.display(), fence.line);
                    let parsed = documents(&fence.body)
                        .map_err(|e| format!("{origin}: not YAML: {e}"))
                        .and_then(|docs| {
                            classify(&file, &fence.info, &docs)
                                .map(|label| (label, docs))
                                .map_err(|e| format!("{origin}: {e}"))
                        });
                    match parsed {
                        Ok((label, documents)) => snippets.push(Snippet {
                            origin,
                            file: file.clone(),
                            label,
                            documents,
                        }),
                        Err(e) => errors.push(e),
                    }
                }
            }
        }
        Err(e) => errors.push(e),
    }
    match manifest_files(root) {
        Ok(files) => {
            for file in files {
                let origin = file.display().to_string();
                let parsed = std::fs::read_to_string(root.join(&file))
                    .map_err(|e| e.to_string())
                    .and_then(|t| documents(&t));
                let documents = match parsed {
                    Ok(d) => d,
                    Err(e) => {
                        errors.push(format!("{origin}: {e}"));
                        continue;
                    }
                };
                let label = if is_replay_file(&file) {
                    Label::Replay
                } else if !documents.is_empty() && documents.iter().all(is_object) {
                    Label::Objects
                } else {
                    errors.push(format!(
                        "{origin}: every document must be a Kubernetes object (apiVersion and kind); \
                         replay files are named <request>.replay.yml"
                    ));
                    continue;
                };
                snippets.push(Snippet {
                    origin,
                    file,
                    label,
                    documents,
                });
            }
        }
        Err(e) => errors.push(e),
    }
    (snippets, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use serde_json::json;

    #[test]
    fn fences_keep_info_and_strip_list_indentation() {
        let md = "text\n```yaml\na: 1\n```\n1. step\n   ```yaml created-at\n   p:\n     \"1\": x\n   ```\n````md\n```yaml\nnot: a block\n```\n````\n~~~console\n$ x\n~~~\n";
        let got = fences(md);
        assert_eq!(got.len(), 4, "{got:?}");
        assert_eq!(
            (got[0].line, got[0].info.as_str(), got[0].body.as_str()),
            (2, "yaml", "a: 1\n")
        );
        assert_eq!(got[1].info, "yaml created-at");
        assert_eq!(got[1].body, "p:\n  \"1\": x\n");
        assert_eq!(got[2].info, "md");
        assert!(got[2].body.contains("```yaml"), "a nested fence is content");
        assert_eq!(got[3].info, "console");
    }

    #[test]
    fn an_unclosed_fence_is_no_block() {
        assert!(fences("```yaml\na: 1\n").is_empty());
    }

    #[rstest]
    #[case::objects("README.md", "yaml", json!([{"apiVersion": "v1", "kind": "Pod"}]), Ok(Label::Objects))]
    #[case::settings_by_default("policies/p/README.md", "yaml", json!([{"a": 1}]), Ok(Label::Settings("p".into())))]
    #[case::settings_label("policies/p/README.md", "yaml settings", json!([{"a": 1}]), Ok(Label::Settings("p".into())))]
    #[case::root_needs_label("README.md", "yaml", json!([{"a": 1}]), Err("label the fence"))]
    #[case::suite("README.md", "yaml suite", json!([{"cases": []}]), Ok(Label::Suite))]
    #[case::fragment("policies/p/README.md", "yaml fragment of examples/x.yaml", json!([{"egress": []}]), Ok(Label::Fragment("of examples/x.yaml".into())))]
    #[case::fragment_needs_what("README.md", "yaml fragment", json!([{}]), Err("say what"))]
    #[case::unknown_label("README.md", "yaml settngs", json!([{}]), Err("unknown fence label"))]
    #[case::objects_are_no_settings("policies/p/README.md", "yaml settings", json!([{"apiVersion": "v1", "kind": "Pod"}]), Err("holds Kubernetes objects"))]
    fn classification(
        #[case] file: &str,
        #[case] info: &str,
        #[case] docs: Value,
        #[case] expected: Result<Label, &str>,
    ) {
        let docs = docs.as_array().cloned().unwrap_or_default();
        match (classify(Path::new(file), info, &docs), expected) {
            (Ok(got), Ok(want)) => assert_eq!(got, want),
            (Err(got), Err(fragment)) => assert!(got.contains(fragment), "{got}"),
            (got, want) => panic!("got {got:?}, want {want:?}"),
        }
    }
}
