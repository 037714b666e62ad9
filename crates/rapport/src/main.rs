//! `rapport`: parse the command line, run it, report errors on stderr with a non-zero
//! exit code. The work lives in the library crates.

mod accounts;
mod cli;
mod commands;
mod log_writer;
mod output;

use clap::Parser;

/// The process's allocator. Bulk paths (import, demo, the network's reads) allocate a
/// value per cell and a document per record; glibc's allocator spent about a quarter of an
/// import's CPU (docs/performance.md, "Contact import").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    match commands::run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            let mut msg = format!("error: {e}");
            for cause in e.chain().skip(1) {
                msg.push_str(&format!(": {cause}"));
            }
            // Driver messages can quote long SQL; keep the line readable.
            if msg.chars().count() > 500 {
                msg = msg.chars().take(500).collect::<String>() + "…";
            }
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "{msg}");
            std::process::ExitCode::from(commands::exit_code(&e))
        }
    }
}
