//! A throwaway OCI registry for tests: Debian's `docker-registry`
//! (distribution 2.x) on a free loopback port, its storage in a temporary
//! directory. The OCI round trip and the CLI's `registry://` tests both push
//! to one; `.ci/run` installs the binary (elsewhere `apt-get install -y
//! docker-registry`, or set `REGISTRY_BIN`).

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use oci_client::Reference;

/// A running registry, killed and its storage removed when dropped.
pub struct LocalRegistry {
    child: Child,
    dir: PathBuf,
    /// `127.0.0.1:<port>`, the registry part of its references.
    pub addr: String,
}

/// A loopback port nothing listens on at the time of the call.
pub fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free loopback port: {e}"))
}

impl LocalRegistry {
    /// Starts a registry and waits (up to 20 s) until it listens.
    pub fn start() -> Result<LocalRegistry, String> {
        let port = free_port()?;
        let addr = format!("127.0.0.1:{port}");
        let dir =
            std::env::temp_dir().join(format!("vdi-guard-registry-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let config = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: {addr}\n",
            dir.join("data").display()
        );
        let config_path = dir.join("config.yml");
        std::fs::write(&config_path, config)
            .map_err(|e| format!("{}: {e}", config_path.display()))?;
        let bin = std::env::var("REGISTRY_BIN").unwrap_or_else(|_| "docker-registry".into());
        let child = Command::new(&bin)
            .arg("serve")
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {bin}: {e}; apt-get install -y docker-registry"))?;
        let registry = LocalRegistry { child, dir, addr };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(&registry.addr).is_err() {
            if Instant::now() >= deadline {
                return Err(format!("registry did not listen on {}", registry.addr));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(registry)
    }

    /// `<addr>/vdi-guard/<repository>:<tag>`.
    pub fn reference(&self, repository: &str, tag: &str) -> Result<Reference, String> {
        crate::oci::parse_reference(&format!("{}/vdi-guard/{repository}:{tag}", self.addr))
    }
}

impl Drop for LocalRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
