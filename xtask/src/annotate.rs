//! Writes the `io.kubewarden.metadata` custom section, the way
//! `kwctl annotate` does: the module's sections are copied byte for byte,
//! an existing metadata section is dropped (so annotating is idempotent), and
//! the new one is appended.

use std::borrow::Cow;

use wasm_encoder::{CustomSection, Module, RawSection};
use wasmparser::{Encoding, Parser, Payload};

pub const SECTION: &str = "io.kubewarden.metadata";

/// `module` with its metadata section replaced by `metadata`.
pub fn annotate(module: &[u8], metadata: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Module::new();
    for payload in Parser::new(0).parse_all(module) {
        let payload = payload.map_err(|e| format!("not a valid Wasm module: {e}"))?;
        match &payload {
            Payload::Version {
                encoding: Encoding::Component,
                ..
            } => {
                return Err(
                    "a Wasm component, not a core module; Kubewarden runs core modules".into(),
                );
            }
            Payload::CustomSection(reader) if reader.name() == SECTION => continue,
            _ => {}
        }
        if let Some((id, range)) = payload.as_section() {
            let data = usize::try_from(range.start)
                .ok()
                .zip(usize::try_from(range.end).ok())
                .and_then(|(start, end)| module.get(start..end))
                .ok_or("section range outside the module")?;
            out.section(&RawSection { id, data });
        }
    }
    out.section(&CustomSection {
        name: Cow::Borrowed(SECTION),
        data: Cow::Borrowed(metadata),
    });
    Ok(out.finish())
}

/// The content of every `io.kubewarden.metadata` section, in order.
pub fn sections(module: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut found = Vec::new();
    for payload in Parser::new(0).parse_all(module) {
        if let Payload::CustomSection(reader) =
            payload.map_err(|e| format!("not a valid Wasm module: {e}"))?
            && reader.name() == SECTION
        {
            found.push(reader.data());
        }
    }
    Ok(found)
}

/// The single metadata section of an annotated module.
pub fn read(module: &[u8]) -> Result<&[u8], String> {
    match sections(module)?.as_slice() {
        [one] => Ok(one),
        [] => Err(format!(
            "no `{SECTION}` section; run `just build` (it annotates)"
        )),
        many => Err(format!("{} `{SECTION}` sections, expected one", many.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;
    use wasm_encoder::{
        CodeSection, ExportKind, ExportSection, Function, FunctionSection, TypeSection, ValType,
    };

    /// A module exporting `answer() -> i32`, with a custom section of its own.
    fn module() -> Vec<u8> {
        let mut types = TypeSection::new();
        types.ty().function([], [ValType::I32]);
        let mut functions = FunctionSection::new();
        functions.function(0);
        let mut exports = ExportSection::new();
        exports.export("answer", ExportKind::Func, 0);
        let mut code = CodeSection::new();
        let mut body = Function::new([]);
        body.instructions().i32_const(42).end();
        code.function(&body);
        let mut module = Module::new();
        module
            .section(&types)
            .section(&functions)
            .section(&exports)
            .section(&code)
            .section(&CustomSection {
                name: "producers".into(),
                data: b"x".as_slice().into(),
            });
        module.finish()
    }

    fn section_names(module: &[u8]) -> Vec<String> {
        Parser::new(0)
            .parse_all(module)
            .filter_map(|p| match p {
                Ok(Payload::CustomSection(r)) => Some(r.name().to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn annotating_appends_and_keeps_everything_else() {
        let original = module();
        let annotated = annotate(&original, b"{\"a\":1}").unwrap();
        assert_eq!(read(&annotated).unwrap(), b"{\"a\":1}");
        assert_eq!(section_names(&annotated), ["producers", SECTION]);
        assert!(
            annotated.starts_with(&original),
            "the original sections are copied unchanged"
        );
    }

    #[test]
    fn annotating_twice_replaces_the_section() {
        let once = annotate(&module(), b"old").unwrap();
        let twice = annotate(&once, b"new").unwrap();
        assert_eq!(sections(&twice).unwrap(), [b"new".as_slice()]);
        assert_eq!(twice, annotate(&module(), b"new").unwrap());
    }

    #[rstest]
    #[case::not_wasm(b"\x7fELF\x02\x01\x01".as_slice(), "not a valid Wasm module")]
    #[case::empty(b"".as_slice(), "not a valid Wasm module")]
    #[case::truncated(b"\0asm\x01\0\0\0\x01\x05".as_slice(), "not a valid Wasm module")]
    #[case::component(b"\0asm\x0d\0\x01\0".as_slice(), "component")]
    fn bad_input_is_an_error(#[case] input: &[u8], #[case] message: &str) {
        let err = annotate(input, b"{}").unwrap_err();
        assert!(err.contains(message), "{err}");
    }

    #[test]
    fn unannotated_module_has_no_section() {
        assert!(
            read(&module())
                .unwrap_err()
                .contains("no `io.kubewarden.metadata` section")
        );
    }
}
