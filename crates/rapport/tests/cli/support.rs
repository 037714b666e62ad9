//! Drives the built binary against one database with a fixed clock.

use std::process::{Command, Output};

use rapport_testkit::Fresh;
use serde_json::Value;

/// "Now" for every command: Monday 23 November 2026, 09:00 UTC.
pub const NOW: &str = "2026-11-23T09:00:00Z";

pub struct Rapport<'a> {
    pub db: &'a Fresh,
    pub now: String,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

impl<'a> Rapport<'a> {
    pub fn new(db: &'a Fresh) -> Rapport<'a> {
        Rapport {
            db,
            now: NOW.into(),
        }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_rapport"));
        c.arg("--db").arg(self.db.url()).args(args);
        c.env("RAPPORT_NOW", &self.now)
            .env("TZ", "UTC")
            .env_remove("RAPPORT_DB")
            .env_remove("RAPPORT_WORKSPACE");
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out: Output = self.command(args).output().expect("run rapport");
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(
            !run.stderr.contains("panicked"),
            "rapport panicked on {args:?}: {}",
            run.stderr
        );
        run
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_eq!(r.code, 0, "rapport {args:?} failed: {}", r.stderr);
        r.stdout
    }

    /// Runs a command with `--json` that must succeed; returns the parsed output.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let r = self.run(&all);
        assert_eq!(r.code, 0, "rapport {args:?} failed: {}", r.stderr);
        r.json()
    }

    /// Runs a command that must fail with one clear line on stderr; returns that line.
    pub fn fails(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert_ne!(
            r.code, 0,
            "rapport {args:?} should have failed; stdout: {}",
            r.stdout
        );
        assert!(
            r.stderr.starts_with("error: "),
            "stderr should start with `error: `: {}",
            r.stderr
        );
        r.stderr
    }
}
