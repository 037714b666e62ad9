//! Printing: stable JSON with `--json`, aligned tables and short sentences otherwise.

use serde::Serialize;

/// Writes text to stdout. A closed pipe (`rapport … | head`) ends the program quietly
/// instead of panicking as `println!` would.
pub fn put(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        std::process::exit(if e.kind() == std::io::ErrorKind::BrokenPipe {
            0
        } else {
            1
        });
    }
}

/// `println!` for stdout through [`put`].
macro_rules! outln {
    () => { $crate::output::put("\n") };
    ($($t:tt)*) => { $crate::output::put(&format!("{}\n", format_args!($($t)*))) };
}
pub(crate) use outln;

/// Prints a value as JSON on stdout.
pub fn json<T: Serialize>(v: &T) -> anyhow::Result<()> {
    put(&format!("{}\n", serde_json::to_string_pretty(v)?));
    Ok(())
}

/// Cells longer than this are cut with an ellipsis.
const WIDEST: usize = 100;

/// A table with a header row, columns padded to their widest cell.
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: vec![],
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn render(&self) -> String {
        let n = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate().take(n) {
                widths[i] = widths[i].max(c.chars().count().min(WIDEST));
            }
        }
        let mut out = String::new();
        let line = |cells: &[String], out: &mut String| {
            let mut parts = Vec::with_capacity(n);
            for (i, w) in widths.iter().enumerate() {
                let c = cells.get(i).map(String::as_str).unwrap_or("");
                let c = truncate(c, WIDEST);
                if i + 1 == n {
                    parts.push(c);
                } else {
                    let pad = w.saturating_sub(c.chars().count());
                    parts.push(format!("{c}{}", " ".repeat(pad)));
                }
            }
            out.push_str(parts.join("  ").trim_end());
            out.push('\n');
        };
        line(&self.header, &mut out);
        for r in &self.rows {
            line(r, &mut out);
        }
        out
    }

    pub fn print(&self) {
        put(&self.render());
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.replace('\n', " ")
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t.replace('\n', " ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let mut t = Table::new(&["ID", "NAME"]);
        t.row(vec!["1".into(), "Ada".into()]);
        t.row(vec!["22222".into(), "Zoë".into()]);
        assert_eq!(t.render(), "ID     NAME\n1      Ada\n22222  Zoë\n");
    }
}
