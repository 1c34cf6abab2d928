//! The VDI platform's custom resources and the labels its objects carry.

use crate::policy::Resource;

/// API group of the VDI custom resources.
pub const GROUP: &str = "vdi.kasm.io";
/// The served version of the VDI custom resources.
pub const VERSION: &str = "v1alpha1";

pub const VDI_SESSION: Resource = Resource::new(GROUP, VERSION, "VDISession", "vdisessions");
pub const VDI_TEMPLATE: Resource = Resource::new(GROUP, VERSION, "VDITemplate", "vditemplates");

/// The label naming the user a session pod or route belongs to.
pub const USER_LABEL: &str = "vdi.kasm.io/user";
/// The label naming the session a pod belongs to.
pub const SESSION_LABEL: &str = "vdi.kasm.io/session";
