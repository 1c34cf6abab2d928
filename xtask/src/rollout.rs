//! The README's background-audit table: per policy, whether the audit
//! scanner replays stored objects through it, and why, quoted from the
//! comment its author wrote above `backgroundAudit:` in `metadata.yml`. It
//! sits between its own marker lines in README.md's rollout section, so the
//! table changes when a policy's setting does.

use std::path::{Path, PathBuf};

use crate::policy::Policy;

const BEGIN: &str = "<!-- BEGIN audit table (`just package` writes it from each metadata.yml) -->";
const END: &str = "<!-- END audit table -->";

/// The comment lines right above `backgroundAudit:`, joined.
pub fn audit_reason(metadata_yml: &str) -> String {
    let lines: Vec<&str> = metadata_yml.lines().collect();
    let Some(at) = lines
        .iter()
        .position(|l| l.trim_start().starts_with("backgroundAudit:"))
    else {
        return String::new();
    };
    let mut comment: Vec<&str> = lines[..at]
        .iter()
        .rev()
        .take_while(|l| l.trim_start().starts_with('#'))
        .map(|l| l.trim_start().trim_start_matches('#').trim())
        .collect();
    comment.reverse();
    comment.join(" ")
}

fn table(root: &Path, policies: &[Policy]) -> Result<String, String> {
    let mut out =
        String::from("| Policy | `backgroundAudit` | Why (its `metadata.yml`) |\n|---|---|---|\n");
    for p in policies {
        let path = root.join("policies").join(&p.name).join("metadata.yml");
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let reason = audit_reason(&text);
        if reason.is_empty() {
            return Err(format!(
                "{}: say in a comment above backgroundAudit: why the audit scanner may (or may not) replay stored objects through the policy",
                path.display()
            ));
        }
        out.push_str(&format!(
            "| `{}` | {} | {} |\n",
            p.name,
            p.metadata.background_audit,
            reason.replace('|', "\\|")
        ));
    }
    Ok(out)
}

fn splice(text: &str, generated: &str) -> Result<String, String> {
    let begin = text
        .find(BEGIN)
        .map(|i| i + BEGIN.len())
        .ok_or_else(|| format!("README.md: no `{BEGIN}` line"))?;
    let end = text[begin..]
        .find(END)
        .map(|i| begin + i)
        .ok_or_else(|| format!("README.md: no `{END}` line"))?;
    Ok(format!("{}\n{generated}{}", &text[..begin], &text[end..]))
}

/// Splices the table into README.md, on top of what the other generators
/// made of it (`files` already holds README.md when the registry generator
/// ran first).
pub fn splice_readme(
    root: &Path,
    policies: &[Policy],
    files: &mut std::collections::BTreeMap<PathBuf, String>,
) -> Result<(), String> {
    let key = PathBuf::from("README.md");
    let current = match files.get(&key) {
        Some(text) => text.clone(),
        None => std::fs::read_to_string(root.join(&key)).map_err(|e| format!("README.md: {e}"))?,
    };
    let spliced = splice(&current, &table(root, policies)?)?;
    files.insert(key, spliced);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_is_the_comment_right_above() {
        let yml = "mutating: false\n# unrelated\n\n# Ownership depends on the requester;\n#   the scanner owns nothing.\nbackgroundAudit: false\n";
        assert_eq!(
            audit_reason(yml),
            "Ownership depends on the requester; the scanner owns nothing."
        );
        assert_eq!(audit_reason("backgroundAudit: true\n"), "");
        assert_eq!(audit_reason("mutating: true\n"), "");
    }

    #[test]
    fn splicing_replaces_only_the_table() {
        let text = format!("a\n{BEGIN}\nold\n{END}\nz\n");
        let out = splice(&text, "new\n").unwrap();
        assert_eq!(out, format!("a\n{BEGIN}\nnew\n{END}\nz\n"));
        assert_eq!(splice(&out, "new\n").unwrap(), out);
        assert!(
            splice("no markers", "x")
                .unwrap_err()
                .contains("no `<!-- BEGIN")
        );
    }
}
