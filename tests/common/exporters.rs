//! More scrape targets for one test: a full node exporter, Redis with its exporter, PostgreSQL
//! with its exporter (Debian's packages), each added to Prometheus through the file_sd folder with
//! its own `job` label. Stopped with the stack.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::{free_port, require_bin, wait_for, Proc, Stack};

impl Stack {
    /// Tells Prometheus to scrape `port` as job `job` (file_sd: picked up within a few seconds).
    pub fn add_target(&self, job: &str, port: u16) {
        let file = self.dir.path().join(format!("targets/{job}.json"));
        let body = serde_json::json!([{ "targets": [format!("127.0.0.1:{port}")], "labels": { "job": job } }]);
        std::fs::write(&file, body.to_string()).expect("targets file");
    }

    fn extra(&mut self, name: &'static str, cmd: &mut Command) {
        let log = self.dir.path().join(format!("{name}.log"));
        self.extras.push(Proc::spawn(name, cmd, &log));
    }

    /// A node exporter with its default collectors (the dashboards' `node_uname_info` and the
    /// rest), as job `node`. Returns its port.
    pub fn start_full_node_exporter(&mut self) -> u16 {
        let bin = require_bin("prometheus-node-exporter", "prometheus-node-exporter");
        let port = free_port();
        self.extra(
            "node-exporter-full",
            Command::new(bin).arg(format!("--web.listen-address=127.0.0.1:{port}")),
        );
        wait_for("the full node exporter", Duration::from_secs(20), || {
            super::get(&format!("http://127.0.0.1:{port}/metrics"))
        });
        self.add_target("node", port);
        port
    }

    /// redis-server (no persistence) and its exporter, as job `redis`.
    pub fn start_redis(&mut self) -> u16 {
        let server = require_bin("redis-server", "redis-server");
        let exporter = require_bin("prometheus-redis-exporter", "prometheus-redis-exporter");
        let (rport, eport) = (free_port(), free_port());
        let d = self.dir.path().to_path_buf();
        self.extra(
            "redis",
            Command::new(server).args([
                "--port".into(),
                rport.to_string(),
                "--bind".into(),
                "127.0.0.1".into(),
                "--save".into(),
                String::new(),
                "--appendonly".into(),
                "no".into(),
                "--dir".into(),
                d.display().to_string(),
            ]),
        );
        wait_for("redis-server", Duration::from_secs(20), || {
            std::net::TcpStream::connect(("127.0.0.1", rport)).ok()
        });
        self.extra(
            "redis-exporter",
            Command::new(exporter).args([
                format!("--redis.addr=redis://127.0.0.1:{rport}"),
                format!("--web.listen-address=127.0.0.1:{eport}"),
            ]),
        );
        wait_for("the redis exporter", Duration::from_secs(20), || {
            super::get(&format!("http://127.0.0.1:{eport}/metrics"))
                .filter(|m| m.contains("redis_up 1"))
        });
        self.add_target("redis", eport);
        eport
    }

    /// A PostgreSQL 15 cluster of its own (run as the `postgres` user, as PostgreSQL requires) and
    /// its exporter, as job `postgres`.
    pub fn start_postgres(&mut self) -> u16 {
        let bin = Path::new("/usr/lib/postgresql/15/bin");
        assert!(
            bin.join("postgres").is_file(),
            "PostgreSQL 15 is not installed: install the Debian package `postgresql` \
             (scripts/install-deps.sh installs everything the tests need)"
        );
        let exporter = require_bin(
            "prometheus-postgres-exporter",
            "prometheus-postgres-exporter",
        );
        let runuser = require_bin("runuser", "util-linux");
        let (pport, eport) = (free_port(), free_port());
        let data = self.dir.path().join("pgdata");
        let sock = self.dir.path().join("pgsock");
        std::fs::create_dir_all(&sock).expect("socket dir");
        // The postgres user must reach its folders inside the test's temp dir, and own its own.
        let _ = Command::new("chmod")
            .arg("755")
            .arg(self.dir.path())
            .status();
        std::fs::create_dir_all(&data).expect("data dir");
        for p in [&data, &sock] {
            let _ = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(p)
                .status();
        }
        let _ = Command::new("chmod").arg("700").arg(&data).status();
        let init = Command::new(&runuser)
            .args(["-u", "postgres", "--"])
            .arg(bin.join("initdb"))
            .args(["-A", "trust", "-U", "postgres", "-D"])
            .arg(&data)
            .output()
            .expect("initdb");
        assert!(
            init.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        self.extra(
            "postgres",
            Command::new(&runuser)
                .args(["-u", "postgres", "--"])
                .arg(bin.join("postgres"))
                .arg("-D")
                .arg(&data)
                .args([
                    "-p",
                    &pport.to_string(),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-k",
                ])
                .arg(&sock),
        );
        wait_for("PostgreSQL", Duration::from_secs(30), || {
            std::net::TcpStream::connect(("127.0.0.1", pport)).ok()
        });
        self.extra(
            "postgres-exporter",
            Command::new(exporter)
                .arg(format!("--web.listen-address=127.0.0.1:{eport}"))
                .env(
                    "DATA_SOURCE_NAME",
                    format!("postgresql://postgres@127.0.0.1:{pport}/postgres?sslmode=disable"),
                ),
        );
        wait_for("the postgres exporter", Duration::from_secs(30), || {
            super::get(&format!("http://127.0.0.1:{eport}/metrics"))
                .filter(|m| m.contains("pg_up 1"))
        });
        self.add_target("postgres", eport);
        eport
    }
}
