//! Equivalent spellings get equal verdicts (issue 15).
//!
//! Pods are generated as meanings — GPUs per container, memory limits in
//! bytes, env, runtime class — and written twice: plainly, and in random
//! equivalent spellings: a GPU count as a JSON number or string (`1`,
//! `"1"`), a memory limit in any unit (`8Gi`, `8192Mi`, `8589934592`,
//! `0.0078125Ti`, a JSON number), zero as `0`, `0Gi` or `0.0`, object keys
//! in another order, absent lists and maps as `null`, app containers in
//! another order, and one of the GPU Operator's runtime classes for another
//! (`nvidia`, `nvidia-cdi`, `nvidia-legacy` are the same runtime to this
//! policy). The verdict must not change.

use proptest::prelude::*;
use serde_json::{Value, json};

const GPU_RESOURCES: [&str; 4] = [
    "nvidia.com/gpu",
    "nvidia.com/gpu.shared",
    "nvidia.com/mig-1g.5gb",
    "amd.com/gpu",
];

/// Memory limits by meaning, each with spellings of the same quantity.
const MEMORY: [&[&str]; 4] = [
    &[
        "8Gi",
        "8192Mi",
        "8589934592",
        "#8589934592",
        "8388608Ki",
        "0.0078125Ti",
    ],
    &["512Mi", "536870912", "0.5Gi", "524288Ki", "#536870912"],
    &["1G", "1000M", "1e9", "1E9", "1000000000", "1000000k"],
    &["0", "0Gi", "0.0", "0e3", "#0", "0Mi"],
];

/// The GPU Operator's runtime classes (one meaning), and others.
const GPU_RUNTIMES: [&str; 3] = ["nvidia", "nvidia-cdi", "nvidia-legacy"];

#[derive(Debug, Clone)]
struct ContainerM {
    gpu: usize,
    count: u8,
    /// 0: limit only, 1: request equal to the limit, 2: request of one more.
    request: u8,
    memory: Option<usize>,
    /// 0: none, 1: NVIDIA_VISIBLE_DEVICES=all, 2: CUDA_VISIBLE_DEVICES=0.
    env: u8,
    restartable: bool,
}

#[derive(Debug, Clone)]
struct PodM {
    containers: Vec<ContainerM>,
    init: Vec<ContainerM>,
    /// 0: none, 1: a GPU Operator class, 2: `gvisor`.
    runtime: u8,
}

fn container() -> impl Strategy<Value = ContainerM> {
    (
        0..GPU_RESOURCES.len(),
        0u8..3,
        0u8..3,
        prop::option::of(0..MEMORY.len()),
        0u8..3,
        any::<bool>(),
    )
        .prop_map(
            |(gpu, count, request, memory, env, restartable)| ContainerM {
                gpu,
                count,
                request,
                memory,
                env,
                restartable,
            },
        )
}

fn pod() -> impl Strategy<Value = PodM> {
    (
        prop::collection::vec(container(), 1..4),
        prop::collection::vec(container(), 0..3),
        0u8..3,
    )
        .prop_map(|(containers, init, runtime)| PodM {
            containers,
            init,
            runtime,
        })
}

/// Spells each item: the plain spelling, or one drawn from `choices`.
struct Writer<'c> {
    choices: Option<&'c [u8]>,
    next: usize,
}

impl Writer<'_> {
    fn pick(&mut self, n: usize) -> usize {
        self.next += 1;
        match self.choices {
            None => 0,
            Some(c) => {
                usize::from(c.get(self.next % c.len().max(1)).copied().unwrap_or(0)) % n.max(1)
            }
        }
    }

    fn flag(&mut self) -> bool {
        self.pick(2) == 1
    }

    /// `#` marks a spelling written as a JSON number.
    fn quantity(&mut self, spellings: &[&str]) -> Value {
        let text = spellings
            .get(self.pick(spellings.len()))
            .copied()
            .unwrap_or("0");
        match text.strip_prefix('#') {
            Some(number) => number
                .parse::<u64>()
                .map(Value::from)
                .unwrap_or(Value::Null),
            None => Value::from(text),
        }
    }

    fn count(&mut self, n: u8) -> Value {
        if self.flag() {
            json!(n)
        } else {
            json!(n.to_string())
        }
    }

    fn container(&mut self, c: &ContainerM, name: String, init: bool) -> Value {
        let gpu = GPU_RESOURCES
            .get(c.gpu)
            .copied()
            .unwrap_or("nvidia.com/gpu");
        let mut limits = serde_json::Map::new();
        let mut requests = serde_json::Map::new();
        limits.insert("cpu".into(), json!("2"));
        if c.count > 0 {
            limits.insert(gpu.into(), self.count(c.count));
            match c.request {
                1 => {
                    requests.insert(gpu.into(), self.count(c.count));
                }
                2 => {
                    requests.insert(gpu.into(), self.count(c.count + 1));
                }
                _ => {}
            }
        }
        if let Some(m) = c.memory {
            let spellings = MEMORY.get(m).copied().unwrap_or(&["1Gi"]);
            limits.insert("memory".into(), self.quantity(spellings));
        }
        let mut resources = json!({"limits": limits});
        if !requests.is_empty() {
            resources["requests"] = Value::Object(requests);
        } else if self.choices.is_some() && self.flag() {
            resources["requests"] = Value::Null;
        }
        let mut out = json!({
            "name": name,
            "image": "registry.vdi.example.com/desktops/ubuntu-jammy:1.16.0",
            "resources": resources,
        });
        match c.env {
            1 => out["env"] = json!([{"name": "NVIDIA_VISIBLE_DEVICES", "value": "all"}]),
            2 => out["env"] = json!([{"name": "CUDA_VISIBLE_DEVICES", "value": "0"}]),
            _ if self.choices.is_some() && self.flag() => out["env"] = Value::Null,
            _ => {}
        }
        if self.choices.is_some() && self.flag() {
            out["envFrom"] = Value::Null;
        }
        if init && c.restartable {
            out["restartPolicy"] = json!("Always");
        }
        out
    }

    fn pod(&mut self, p: &PodM) -> Value {
        let mut containers: Vec<Value> = p
            .containers
            .iter()
            .enumerate()
            .map(|(i, c)| self.container(c, format!("app-{i}"), false))
            .collect();
        // App containers run side by side: their order means nothing.
        if self.choices.is_some() && self.flag() {
            containers.reverse();
        }
        let init: Vec<Value> = p
            .init
            .iter()
            .enumerate()
            .map(|(i, c)| self.container(c, format!("init-{i}"), true))
            .collect();
        let mut spec = json!({"containers": containers});
        if !init.is_empty() {
            spec["initContainers"] = Value::from(init);
        } else if self.choices.is_some() && self.flag() {
            spec["initContainers"] = Value::Null;
        }
        match p.runtime {
            1 => {
                let class = GPU_RUNTIMES.get(self.pick(GPU_RUNTIMES.len())).copied();
                spec["runtimeClassName"] = json!(class.unwrap_or("nvidia"));
            }
            2 => spec["runtimeClassName"] = json!("gvisor"),
            _ if self.choices.is_some() && self.flag() => spec["runtimeClassName"] = Value::Null,
            _ => {}
        }
        if self.choices.is_some() && self.flag() {
            spec["ephemeralContainers"] = Value::Null;
        }
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "session", "namespace": "vdi"}, "spec": spec})
    }
}

fn verdict(object: &Value, seed: u64) -> (bool, String) {
    let payload = json!({
        "request": {
            "uid": "equivalence",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "operation": "CREATE",
            "namespace": "vdi",
            "userInfo": {"username": "oidc:alice"},
            "object": object,
        },
        "settings": {},
    });
    let text = shared::key_order::write(&payload, seed);
    let raw = (gpu_limits::NATIVE.validate)(text.as_bytes(), &shared::policy::NoCluster)
        .unwrap_or_else(|e| panic!("validate returned an error instead of a verdict: {e}"));
    let response: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    (
        response["accepted"].as_bool().unwrap_or(false),
        response["message"].as_str().unwrap_or_default().to_string(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn equivalent_spellings_get_equal_verdicts(
        p in pod(),
        choices in prop::collection::vec(any::<u8>(), 64),
        seed in any::<u64>(),
    ) {
        let plain = Writer { choices: None, next: 0 }.pod(&p);
        let respelled = Writer { choices: Some(&choices), next: 0 }.pod(&p);
        let (a, message_a) = verdict(&plain, 0);
        let (b, message_b) = verdict(&respelled, seed);
        prop_assert_eq!(a, b, "\nplain:     {}\n  -> {}\nrespelled: {}\n  -> {}", plain, message_a, respelled, message_b);
    }
}
