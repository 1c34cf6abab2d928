//! The handlers of the policy's routes.

use shared::{Input, Rejection};

use crate::identity::Requester;
use crate::pods;
use crate::session;
use crate::settings::Settings;

/// `VDISession` CREATE, UPDATE, DELETE and its `status` subresource.
pub fn session(input: &Input<'_, '_, Settings>) -> Result<(), Rejection> {
    let requester = Requester::new(&input.request.user_info, input.settings);
    session::validate(input.request, input.settings, &requester)
}

/// UPDATE of a pod or its `ephemeralcontainers`.
pub fn pod_update(input: &Input<'_, '_, Settings>) -> Result<(), Rejection> {
    let requester = Requester::new(&input.request.user_info, input.settings);
    pods::update(input.request, &requester)
}

/// CONNECT to a pod: exec, attach, port-forward, proxy.
pub fn pod_connect(input: &Input<'_, '_, Settings>) -> Result<(), Rejection> {
    let request = input.request;
    let action = pods::connect_action(&request.kind.kind)
        .ok_or_else(|| Rejection::new(format!("{} is not a connection to a pod", request.kind)))?;
    let requester = Requester::new(&request.user_info, input.settings);
    pods::connect(request, &requester, action, input.host)
}
