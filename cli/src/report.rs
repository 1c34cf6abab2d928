//! The reports `check` and `test` write: a table for people, JSON for
//! scripts, JUnit XML for CI test views, SARIF 2.1.0 for code-scanning UIs.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::Format;
use crate::check::{Outcome, Row};
use crate::modules::Policy;

pub fn check(rows: &[Row], policies: &[Policy], format: Format) -> Result<(), String> {
    let text = match format {
        Format::Table => table(rows),
        Format::Json => {
            serde_json::to_string_pretty(&json_report(rows)).map_err(|e| e.to_string())? + "\n"
        }
        Format::Junit => junit(&cases(rows)),
        Format::Sarif => {
            serde_json::to_string_pretty(&sarif(rows, policies)).map_err(|e| e.to_string())? + "\n"
        }
    };
    print!("{text}");
    Ok(())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn location(row: &Row) -> String {
    format!("{}:{}", row.origin.source, row.origin.line)
}

/// The verdict word and the reason shown beside it.
fn verdict(outcome: &Outcome) -> (&'static str, String) {
    match outcome {
        Outcome::Accepted => ("accept", String::new()),
        Outcome::Mutated(changes) => ("mutate", format!("sets {}", changes.join(", "))),
        Outcome::Rejected(message) => ("reject", one_line(message)),
        Outcome::Invalid(message) => ("invalid", one_line(message)),
        Outcome::NotChecked(reason) => ("not-checked", reason.clone()),
    }
}

fn table(rows: &[Row]) -> String {
    let width =
        |f: &dyn Fn(&Row) -> usize, min: usize| rows.iter().map(f).max().unwrap_or(0).max(min);
    let (w_at, w_object, w_policy) = (
        width(&|r| location(r).len(), 8),
        width(&|r| r.object.len(), 6),
        width(&|r| r.policy.as_deref().unwrap_or("-").len(), 6),
    );
    let mut out = format!(
        "{:<w_at$}  {:<w_object$}  {:<w_policy$}  {:<11}  REASON\n",
        "LOCATION", "OBJECT", "POLICY", "VERDICT"
    );
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for row in rows {
        let (word, reason) = verdict(&row.outcome);
        *counts.entry(word).or_default() += 1;
        let shown = match row.outcome {
            Outcome::Rejected(_) => "REJECT",
            Outcome::Invalid(_) => "INVALID",
            Outcome::Mutated(_) => "MUTATE",
            Outcome::Accepted => "accept",
            Outcome::NotChecked(_) => "not checked",
        };
        let _ = writeln!(
            out,
            "{:<w_at$}  {:<w_object$}  {:<w_policy$}  {shown:<11}  {reason}",
            location(row),
            row.object,
            row.policy.as_deref().unwrap_or("-"),
        );
    }
    let summary: Vec<String> = counts
        .iter()
        .map(|(word, n)| format!("{n} {word}"))
        .collect();
    let _ = writeln!(out, "\n{} results: {}", rows.len(), summary.join(", "));
    out
}

fn json_report(rows: &[Row]) -> Value {
    let results: Vec<Value> = rows
        .iter()
        .map(|row| {
            let (word, _) = verdict(&row.outcome);
            let mut result = json!({
                "file": row.origin.source,
                "line": row.origin.line,
                "object": row.object,
                "policy": row.policy,
                "verdict": word,
            });
            match &row.outcome {
                Outcome::Mutated(changes) => result["changes"] = json!(changes),
                Outcome::Rejected(m) | Outcome::Invalid(m) | Outcome::NotChecked(m) => {
                    result["message"] = json!(m)
                }
                Outcome::Accepted => {}
            }
            result
        })
        .collect();
    let count = |f: fn(&Outcome) -> bool| rows.iter().filter(|r| f(&r.outcome)).count();
    json!({
        "results": results,
        "summary": {
            "accepted": count(|o| matches!(o, Outcome::Accepted)),
            "mutated": count(|o| matches!(o, Outcome::Mutated(_))),
            "rejected": count(|o| matches!(o, Outcome::Rejected(_))),
            "invalid": count(|o| matches!(o, Outcome::Invalid(_))),
            "notChecked": count(|o| matches!(o, Outcome::NotChecked(_))),
        }
    })
}

/// One JUnit test case: a suite (file), a name, and how it ended.
pub struct Case {
    pub suite: String,
    pub name: String,
    pub result: CaseResult,
}

pub enum CaseResult {
    Passed,
    Failed(String),
    Error(String),
    Skipped(String),
}

fn cases(rows: &[Row]) -> Vec<Case> {
    rows.iter()
        .map(|row| {
            let name = format!(
                "{} {} (line {})",
                row.object,
                row.policy.as_deref().unwrap_or("-"),
                row.origin.line
            );
            let result = match &row.outcome {
                Outcome::Accepted | Outcome::Mutated(_) => CaseResult::Passed,
                Outcome::Rejected(m) => CaseResult::Failed(m.clone()),
                Outcome::Invalid(m) => CaseResult::Error(m.clone()),
                Outcome::NotChecked(m) => CaseResult::Skipped(m.clone()),
            };
            Case {
                suite: row.origin.source.clone(),
                name,
                result,
            }
        })
        .collect()
}

/// XML text and attribute escaping; characters XML 1.0 cannot carry at all
/// (most C0 controls) become U+FFFD.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The JUnit XML CI systems read (`testsuites` > `testsuite` per file >
/// `testcase`, with `failure`, `error` and `skipped`).
pub fn junit(cases: &[Case]) -> String {
    let mut suites: BTreeMap<&str, Vec<&Case>> = BTreeMap::new();
    for case in cases {
        suites.entry(case.suite.as_str()).or_default().push(case);
    }
    let tally = |cases: &[&Case]| {
        let failures = cases
            .iter()
            .filter(|c| matches!(c.result, CaseResult::Failed(_)))
            .count();
        let errors = cases
            .iter()
            .filter(|c| matches!(c.result, CaseResult::Error(_)))
            .count();
        let skipped = cases
            .iter()
            .filter(|c| matches!(c.result, CaseResult::Skipped(_)))
            .count();
        (cases.len(), failures, errors, skipped)
    };
    let all: Vec<&Case> = cases.iter().collect();
    let (tests, failures, errors, skipped) = tally(&all);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"vdi-guard\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">"
    );
    for (suite, cases) in &suites {
        let (tests, failures, errors, skipped) = tally(cases);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">",
            xml(suite)
        );
        for case in cases {
            let head = format!(
                "    <testcase classname=\"{}\" name=\"{}\"",
                xml(suite),
                xml(&case.name)
            );
            let (tag, message) = match &case.result {
                CaseResult::Passed => {
                    let _ = writeln!(out, "{head}/>");
                    continue;
                }
                CaseResult::Failed(m) => ("failure", m),
                CaseResult::Error(m) => ("error", m),
                CaseResult::Skipped(m) => ("skipped", m),
            };
            let _ = writeln!(
                out,
                "{head}>\n      <{tag} message=\"{}\"/>\n    </testcase>",
                xml(&one_line(message))
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// A SARIF 2.1.0 log: one rule per policy (plus `invalid-manifest`), one
/// result per rejection or invalid input, located at the document's line.
fn sarif(rows: &[Row], policies: &[Policy]) -> Value {
    let mut rules: Vec<Value> = policies
        .iter()
        .map(|policy| {
            let metadata = policy.module.metadata();
            let mut rule = json!({
                "id": policy.name(),
                "name": policy.name(),
                "shortDescription": {"text": metadata.annotation(xtask::metadata::DESCRIPTION)},
                "defaultConfiguration": {"level": "error"},
            });
            let url = metadata.annotation("io.kubewarden.policy.url");
            if !url.is_empty() {
                rule["helpUri"] = json!(url);
            }
            rule
        })
        .collect();
    rules.push(json!({
        "id": "invalid-manifest",
        "name": "invalid-manifest",
        "shortDescription": {"text": "Input the API server would refuse to decode, or that is not YAML or JSON at all"},
        "defaultConfiguration": {"level": "error"},
    }));
    let index_of = |id: &str| rules.iter().position(|r| r["id"] == id);
    let results: Vec<Value> = rows
        .iter()
        .filter_map(|row| {
            let (rule, message) = match &row.outcome {
                Outcome::Rejected(m) => (row.policy.clone()?, m),
                Outcome::Invalid(m) => ("invalid-manifest".to_owned(), m),
                _ => return None,
            };
            let uri = if row.origin.source == "-" {
                "stdin".to_owned()
            } else {
                row.origin
                    .source
                    .trim_start_matches("./")
                    .replace('\\', "/")
            };
            Some(json!({
                "ruleId": rule,
                "ruleIndex": index_of(&rule),
                "level": "error",
                "message": {"text": format!("{}: {}", row.object, one_line(message))},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri},
                        "region": {"startLine": row.origin.line}
                    }
                }]
            }))
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "vdi-guard",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/vdi-guard/vdi-guard",
                "rules": rules,
            }},
            "results": results,
        }]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case("a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c&apos;")]
    #[case("line\nbreak\ttab", "line&#10;break&#9;tab")]
    #[case("bell\u{7}nul\u{0}", "bell\u{FFFD}nul\u{FFFD}")]
    fn xml_escapes_markup_and_drops_what_xml_cannot_hold(#[case] text: &str, #[case] want: &str) {
        assert_eq!(xml(text), want);
    }
}
