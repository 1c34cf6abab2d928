//! Walking every container of a pod spec, with a location for messages.
//!
//! Peers have shipped policies that forgot init or ephemeral containers;
//! walking goes through one function so no policy can forget a list.

/// The three container lists of a pod spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    Init,
    Regular,
    Ephemeral,
}

impl ContainerKind {
    /// The pod spec field holding this list.
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Init => "initContainers",
            ContainerKind::Regular => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }

    /// How messages name a container of this list.
    pub fn noun(self) -> &'static str {
        match self {
            ContainerKind::Init => "init container",
            ContainerKind::Regular => "container",
            ContainerKind::Ephemeral => "ephemeral container",
        }
    }
}

/// A container view with a name.
pub trait NamedContainer {
    fn name(&self) -> &str;
}

/// A pod spec view exposing its three container lists, in the order Pod
/// Security Admission visits them: init, regular, ephemeral.
pub trait PodSpecView {
    type Container: NamedContainer;
    fn container_lists(&self) -> [(ContainerKind, &[Self::Container]); 3];
}

/// Implements [`PodSpecView`] for a view with `init_containers`,
/// `containers` and `ephemeral_containers` fields of the same container type.
/// Borrowing views name their lifetime: `pod_spec_view!(PodSpec<'a>, Container<'a>)`.
#[macro_export]
macro_rules! pod_spec_view {
    ($spec:ident < $lt:lifetime >, $container:ty) => {
        impl<$lt> $crate::containers::PodSpecView for $spec<$lt> {
            type Container = $container;
            $crate::pod_spec_view!(@lists);
        }
    };
    ($spec:ty, $container:ty) => {
        impl $crate::containers::PodSpecView for $spec {
            type Container = $container;
            $crate::pod_spec_view!(@lists);
        }
    };
    (@lists) => {
        fn container_lists(&self) -> [($crate::containers::ContainerKind, &[Self::Container]); 3] {
            [
                ($crate::containers::ContainerKind::Init, &self.init_containers),
                ($crate::containers::ContainerKind::Regular, &self.containers),
                ($crate::containers::ContainerKind::Ephemeral, &self.ephemeral_containers),
            ]
        }
    };
}

/// One container of a pod spec and where it sits.
pub struct Located<'s, C> {
    pub kind: ContainerKind,
    pub index: usize,
    pub container: &'s C,
    spec_path: &'static str,
}

impl<C: NamedContainer> Located<'_, C> {
    /// JSON-path-like location, e.g. `spec.template.spec.initContainers[0]`.
    pub fn location(&self) -> String {
        format!("{}.{}[{}]", self.spec_path, self.kind.field(), self.index)
    }

    pub fn name(&self) -> &str {
        self.container.name()
    }

    /// `init container "setup" (spec.initContainers[0])`, for messages.
    pub fn describe(&self) -> String {
        format!(
            "{} \"{}\" ({})",
            self.kind.noun(),
            self.name(),
            self.location()
        )
    }
}

/// Every container of `spec`, init first, then regular, then ephemeral.
pub fn walk<'s, P: PodSpecView>(
    spec: &'s P,
    spec_path: &'static str,
) -> impl Iterator<Item = Located<'s, P::Container>> {
    spec.container_lists()
        .into_iter()
        .flat_map(move |(kind, list)| {
            list.iter()
                .enumerate()
                .map(move |(index, container)| Located {
                    kind,
                    index,
                    container,
                    spec_path,
                })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct C(&'static str);
    impl NamedContainer for C {
        fn name(&self) -> &str {
            self.0
        }
    }

    struct Spec {
        containers: Vec<C>,
        init_containers: Vec<C>,
        ephemeral_containers: Vec<C>,
    }
    crate::pod_spec_view!(Spec, C);

    #[test]
    fn walks_all_three_lists_in_psa_order_with_locations() {
        let spec = Spec {
            containers: vec![C("app"), C("sidecar")],
            init_containers: vec![C("setup")],
            ephemeral_containers: vec![C("debugger")],
        };
        let seen: Vec<_> = walk(&spec, "spec.template.spec")
            .map(|c| c.describe())
            .collect();
        assert_eq!(
            seen,
            [
                r#"init container "setup" (spec.template.spec.initContainers[0])"#,
                r#"container "app" (spec.template.spec.containers[0])"#,
                r#"container "sidecar" (spec.template.spec.containers[1])"#,
                r#"ephemeral container "debugger" (spec.template.spec.ephemeralContainers[0])"#,
            ]
        );
    }

    #[test]
    fn empty_spec_yields_nothing() {
        let spec = Spec {
            containers: vec![],
            init_containers: vec![],
            ephemeral_containers: vec![],
        };
        assert_eq!(walk(&spec, "spec").count(), 0);
    }
}
