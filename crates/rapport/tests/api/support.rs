//! Starts the real `rapport serve` on a free loopback port and talks HTTP/1.1 to it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use rapport_testkit::Fresh;
use serde_json::Value;

/// Runs a CLI command on the database; returns stdout. Panics on failure.
pub fn cli(db: &Fresh, args: &[&str], stdin: Option<&str>) -> String {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rapport"));
    c.arg("--db").arg(db.url()).args(args);
    c.env_remove("RAPPORT_DB")
        .env_remove("RAPPORT_WORKSPACE")
        .env_remove("RAPPORT_NOW");
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("run rapport");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "rapport {args:?} failed: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A user with a token, made through the CLI.
pub fn user_token(db: &Fresh, workspace: &str, name: &str, role: &str) -> String {
    cli(
        db,
        &[
            "--workspace",
            workspace,
            "user",
            "add",
            name,
            "--role",
            role,
            "--password-stdin",
        ],
        Some("secret-pw\n"),
    );
    let v: Value = serde_json::from_str(&cli(
        db,
        &[
            "--workspace",
            workspace,
            "--json",
            "token",
            "create",
            "--user",
            name,
        ],
        None,
    ))
    .unwrap();
    v["token"].as_str().unwrap().to_string()
}

/// A running server; killed (it is ours) when dropped.
pub struct Server {
    child: Child,
    pub addr: String,
    /// Kept open: the server may print more, and a closed pipe would end it.
    _stdout: BufReader<std::process::ChildStdout>,
}

impl Server {
    pub fn start(db: &Fresh) -> Server {
        Server::start_with(db, &[])
    }

    /// Starts `rapport serve` with extra arguments (`--demo`).
    pub fn start_with(db: &Fresh, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rapport"))
            .arg("--db")
            .arg(db.url())
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(extra)
            .env_remove("RAPPORT_DB")
            .env_remove("RAPPORT_NOW")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start rapport serve");
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut line).unwrap();
        let addr = line
            .split("http://")
            .nth(1)
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|| panic!("no address in `{line}`"));
        Server {
            child,
            addr,
            _stdout: stdout,
        }
    }

    /// Sends SIGTERM and waits for the server to exit (bounded: killed after 20 s).
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(std::time::Instant::now() < deadline, "server did not stop");
            std::thread::yield_now();
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn req(&self, method: &str, path: &str) -> Req<'_> {
        Req {
            server: self,
            method: method.into(),
            path: path.into(),
            headers: vec![],
            body: None,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Req<'a> {
    server: &'a Server,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
}

impl Req<'_> {
    pub fn token(self, t: &str) -> Self {
        self.header("Authorization", &format!("Bearer {t}"))
    }
    pub fn header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.into(), v.into()));
        self
    }
    pub fn json(self, v: &Value) -> Self {
        self.raw("application/json", v.to_string().as_bytes())
    }
    pub fn raw(mut self, content_type: &str, body: &[u8]) -> Self {
        self.headers
            .push(("Content-Type".into(), content_type.into()));
        self.body = Some(body.to_vec());
        self
    }
    pub fn send(self) -> Resp {
        let mut s = TcpStream::connect(&self.server.addr).expect("connect");
        let body = self.body.unwrap_or_default();
        let mut head = format!(
            "{} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.method,
            self.path,
            self.server.addr,
            body.len()
        );
        for (k, v) in &self.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        // A server may answer (413) before reading a large body; ignore a reset here.
        let _ = s.write_all(&body);
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        Resp::parse(&raw)
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    fn parse(raw: &[u8]) -> Resp {
        let text = String::from_utf8_lossy(raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP response: {text}"));
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let chunked = headers
            .iter()
            .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
        let body = if chunked {
            dechunk(body)
        } else {
            body.to_string()
        };
        Resp {
            status,
            headers,
            body,
        }
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == &name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }
    /// Asserts the status; returns self for chaining.
    pub fn expect(self, status: u16) -> Resp {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        self
    }
    /// Asserts a problem+json error with this status.
    pub fn problem(self, status: u16) -> Value {
        let r = self.expect(status);
        assert_eq!(
            r.header("content-type"),
            Some("application/problem+json"),
            "{}",
            r.body
        );
        let v = r.json();
        assert_eq!(v["status"], status);
        assert!(v["title"].is_string() && v["detail"].is_string());
        v
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}
