//! Push and pull through a real registry: Debian's `docker-registry`
//! (distribution 2.x) on a loopback port. Run with `just test-oci`; needs
//! `apt-get install -y docker-registry` (or REGISTRY_BIN pointing at one).
#![cfg(feature = "oci")]

use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use oci_client::manifest::{WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE};
use xtask::policy::Policy;
use xtask::{annotate, oci, workspace_root};

/// A registry process, killed and its storage removed when dropped.
struct Registry {
    child: Child,
    dir: PathBuf,
    addr: String,
}

impl Registry {
    fn start() -> Registry {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("no free port: {e}"));
        let addr = format!("127.0.0.1:{port}");
        let dir =
            std::env::temp_dir().join(format!("vdi-guard-registry-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n",
            dir.join("data").display()
        );
        let config_path = dir.join("config.yml");
        std::fs::write(&config_path, config).unwrap_or_else(|e| panic!("{e}"));
        let bin = std::env::var("REGISTRY_BIN").unwrap_or_else(|_| "docker-registry".into());
        let child = Command::new(&bin)
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {bin}: {e}; apt-get install -y docker-registry")
            });
        let registry = Registry { child, dir, addr };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(&registry.addr).is_err() {
            assert!(
                Instant::now() < deadline,
                "registry did not listen on {}",
                registry.addr
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        registry
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn pushed_module_pulls_back_identical_with_wasm_media_types() {
    let registry = Registry::start();
    let root = workspace_root();
    let policy = Policy::load(&root, "session-ownership").unwrap_or_else(|e| panic!("{e}"));
    let path = root.join("dist/session-ownership.wasm");
    let module = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run `just build`", path.display()));
    let reference = oci::parse_reference(&format!(
        "{}/vdi-guard/{}:v{}",
        registry.addr, policy.name, policy.version
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let annotations = BTreeMap::from([(
        "org.opencontainers.image.title".to_owned(),
        policy.name.clone(),
    )]);

    oci::push(&module, &reference, annotations).unwrap_or_else(|e| panic!("{e}"));
    let (pulled, manifest) = oci::pull(&reference).unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(
        pulled, module,
        "the pulled module differs from the pushed one"
    );
    assert_eq!(manifest.config.media_type, WASM_CONFIG_MEDIA_TYPE);
    let layer_types: Vec<&str> = manifest
        .layers
        .iter()
        .map(|l| l.media_type.as_str())
        .collect();
    assert_eq!(layer_types, [WASM_LAYER_MEDIA_TYPE]);
    assert_eq!(annotate::read(&pulled).ok(), annotate::read(&module).ok());
}

#[test]
fn missing_tag_is_an_error_not_a_panic() {
    let registry = Registry::start();
    let reference = oci::parse_reference(&format!("{}/vdi-guard/nothing:v9.9.9", registry.addr))
        .unwrap_or_else(|e| panic!("{e}"));
    let err = oci::pull(&reference).unwrap_err();
    assert!(err.contains("pull of"), "{err}");
}
