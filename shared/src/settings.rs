//! Settings decoding and the `validate_settings` guest function.
//!
//! Every settings struct is `#[serde(deny_unknown_fields)]`: a misspelt key
//! must stop the policy from loading instead of silently disabling a check.

use kubewarden_policy_sdk::settings::SettingsValidationResponse;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use wapc_guest::CallResult;

/// Settings that can check themselves beyond what their types enforce.
pub trait PolicySettings: DeserializeOwned + Default {
    /// Cross-field checks; the error names the offending field.
    fn validate(&self) -> Result<(), String>;
}

/// Decodes settings from raw JSON; absent or `null` means defaults.
pub fn decode_raw<S: DeserializeOwned + Default>(raw: Option<&RawValue>) -> Result<S, String> {
    decode_text(raw.map_or("", RawValue::get))
}

/// serde also accepts a JSON array for a struct; settings are only ever an
/// object, so anything else is refused before decoding.
fn decode_text<S: DeserializeOwned + Default>(text: &str) -> Result<S, String> {
    let text = text.trim();
    if text.is_empty() || text == "null" {
        return Ok(S::default());
    }
    if !text.starts_with('{') {
        return Err("settings must be a JSON object".into());
    }
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// Decodes and checks settings, as `validate_settings` does at policy load.
pub fn check<S: PolicySettings>(payload: &[u8]) -> Result<S, String> {
    let text = std::str::from_utf8(payload).map_err(|e| format!("settings are not UTF-8: {e}"))?;
    let settings: S = decode_text(text)?;
    settings.validate()?;
    Ok(settings)
}

/// The `validate_settings` waPC function for a settings type.
pub fn validate_settings<S: PolicySettings>(payload: &[u8]) -> CallResult {
    let response = match check::<S>(payload) {
        Ok(_) => SettingsValidationResponse {
            valid: true,
            message: None,
        },
        Err(message) => SettingsValidationResponse {
            valid: false,
            message: Some(message),
        },
    };
    Ok(serde_json::to_vec(&response)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Default, Debug)]
    #[serde(default, deny_unknown_fields, rename_all = "camelCase")]
    struct Example {
        max_count: u32,
    }

    impl PolicySettings for Example {
        fn validate(&self) -> Result<(), String> {
            if self.max_count > 10 {
                return Err("maxCount must be at most 10".into());
            }
            Ok(())
        }
    }

    fn answer(payload: &str) -> SettingsValidationResponse {
        serde_json::from_slice(&validate_settings::<Example>(payload.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn empty_null_and_object_are_defaults() {
        for p in ["", "null", "{}", " {} "] {
            assert!(answer(p).valid, "{p:?}");
        }
    }

    #[test]
    fn unknown_key_names_the_key() {
        let r = answer(r#"{"maxCont": 3}"#);
        assert!(!r.valid);
        assert!(r.message.unwrap().contains("unknown field `maxCont`"));
    }

    #[test]
    fn cross_field_check_runs() {
        let r = answer(r#"{"maxCount": 11}"#);
        assert_eq!(r.message.as_deref(), Some("maxCount must be at most 10"));
    }

    #[test]
    fn wrong_type_is_invalid() {
        assert!(!answer(r#"{"maxCount": "3"}"#).valid);
        assert!(!answer("[1]").valid);
    }

    #[test]
    fn raw_null_decodes_as_default() {
        let raw = RawValue::from_string("null".into()).unwrap();
        let s: Example = decode_raw(Some(&raw)).unwrap();
        assert_eq!(s.max_count, 0);
    }
}
