//! vdi-guard in the browser: every policy, linked through its native entry
//! points (`NATIVE`, the same code the `wasm32-wasip1` modules export over
//! waPC), in one `wasm32-unknown-unknown` module with a wasm-bindgen API.
//!
//! The logic is in [`api`] on JSON values, so it runs and is tested natively;
//! the exported functions below only move JSON across the boundary. Each
//! takes an object (or its JSON text) and returns an object with `ok`; a
//! malformed input is an `{ok: false, error}` answer, never an exception.
//! The TypeScript types of inputs and answers are in `src/types.d.ts`,
//! added to the `.d.ts` wasm-bindgen generates.

pub mod api;
pub mod catalog;
pub mod cluster;
pub mod registry;

#[cfg(target_arch = "wasm32")]
mod js {
    use serde_json::Value;
    use wasm_bindgen::prelude::*;

    use crate::api;

    #[wasm_bindgen(typescript_custom_section)]
    const TS_TYPES: &str = include_str!("types.d.ts");

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
        fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;
        #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
        fn json_parse(text: &str) -> Result<JsValue, JsValue>;
    }

    /// The input as JSON text: a string is taken as JSON already.
    fn text(input: &JsValue) -> Result<String, Value> {
        if let Some(text) = input.as_string() {
            return Ok(text);
        }
        match json_stringify(input) {
            Ok(json) => json.as_string().ok_or_else(|| {
                api::error("input", "the input must be an object (or its JSON text)")
            }),
            Err(_) => Err(api::error(
                "input",
                "the input cannot be turned into JSON (a cycle or a BigInt?)",
            )),
        }
    }

    fn to_js(answer: &Value) -> JsValue {
        let fallback = r#"{"ok":false,"error":{"kind":"internal","message":"the answer could not be encoded"}}"#;
        serde_json::to_string(answer)
            .ok()
            .and_then(|text| json_parse(&text).ok())
            .or_else(|| json_parse(fallback).ok())
            .unwrap_or(JsValue::NULL)
    }

    fn call(input: &JsValue, f: fn(&str) -> Value) -> JsValue {
        let answer = match text(input) {
            Ok(text) => api::guarded(|| f(&text)),
            Err(e) => e,
        };
        to_js(&answer)
    }

    /// Judges manifests against the policies.
    #[wasm_bindgen(unchecked_return_type = "EvaluateAnswer")]
    pub fn evaluate(
        #[wasm_bindgen(unchecked_param_type = "EvaluateInput | string")] input: JsValue,
    ) -> JsValue {
        call(&input, api::evaluate)
    }

    /// Judges one AdmissionRequest (or AdmissionReview) as sent.
    #[wasm_bindgen(js_name = evaluateRequest, unchecked_return_type = "EvaluateAnswer")]
    pub fn evaluate_request(
        #[wasm_bindgen(unchecked_param_type = "EvaluateRequestInput | string")] input: JsValue,
    ) -> JsValue {
        call(&input, api::evaluate_request)
    }

    /// Checks settings as policy-server does before loading a policy.
    #[wasm_bindgen(js_name = validateSettings, unchecked_return_type = "SettingsAnswer")]
    pub fn validate_settings(
        #[wasm_bindgen(unchecked_param_type = "SettingsInput | string")] input: JsValue,
    ) -> JsValue {
        call(&input, api::validate_settings)
    }

    /// Every policy with its metadata and example settings.
    #[wasm_bindgen(unchecked_return_type = "PoliciesAnswer")]
    pub fn policies() -> JsValue {
        to_js(&api::guarded(api::policies))
    }
}
