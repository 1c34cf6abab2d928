//! Shared building blocks of the vdi-guard admission policies.
//!
//! Every policy decodes the same waPC payload, walks the same workload kinds
//! and reports violations the same way; keeping that here means a fix to a
//! hiding place (a new container list, a new workload kind) reaches every
//! policy at once.

pub mod cidr;
pub mod cilium_labels;
pub mod containers;
pub mod duration;
pub mod host;
pub mod identity;
pub mod image;
pub mod key_order;
pub mod kinds;
mod one_pass;
pub mod policy;
pub mod projection;
pub mod quantity;
pub mod quote;
pub mod request;
pub mod response;
pub mod settings;
pub mod text;
pub mod vdi;
pub mod views;
pub mod violations;

pub use kubewarden_policy_sdk;
#[doc(hidden)]
pub use serde as __serde;
pub use wapc_guest;

pub use policy::{Input, Policy, Route};
pub use request::{AdmissionRequest, Operation, Payload};
pub use response::Rejection;
pub use violations::Violations;
