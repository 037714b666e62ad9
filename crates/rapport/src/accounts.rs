//! Commands for accounts and the server: `serve`, `workspace`, `user`, `token`, `feed`
//! and `audit`.

use std::io::BufRead;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use rapport_app::{App, Ctx};
use rapport_core::*;

use crate::output::{Table, json, outln};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:7700")]
    pub addr: String,
    /// On an empty workspace, load demo data and create the user `demo` (password `demo`).
    #[arg(long)]
    pub demo: bool,
    /// Behind a reverse proxy or load balancer: take the client's address from the last
    /// entry of `X-Forwarded-For` (for login rate limits).
    #[arg(long)]
    pub trust_proxy: bool,
    /// Up to how many relationships the dashboard computes its health summary and
    /// 90-day figures on every view; above, it shows the last ones computed (with their
    /// time) and brings them up to date in the background.
    #[arg(long, default_value_t = rapport_server::Options::DASHBOARD_LIVE_UP_TO, value_name = "N")]
    pub dashboard_live_up_to: usize,
    /// How many seconds kept dashboard figures may age before a view refreshes them
    /// (at least five times as long as they took to compute).
    #[arg(long, default_value_t = rapport_server::Options::DASHBOARD_REFRESH_SECS, value_name = "SECONDS")]
    pub dashboard_refresh_secs: u64,
}

#[derive(Debug, Subcommand)]
pub enum WorkspaceCmd {
    /// Create a workspace.
    Add { name: String },
    /// List workspaces.
    List,
}

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Add a user to the workspace.
    Add {
        name: String,
        /// owner, admin, member or viewer.
        #[arg(long, default_value = "member")]
        role: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the workspace's users.
    List,
    /// Set a user's password from the first line of standard input.
    Passwd { name: String },
}

#[derive(Debug, Subcommand)]
pub enum TokenCmd {
    /// Create an API token (shown once; only its hash is stored).
    Create {
        /// The user the token acts as.
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        label: Option<String>,
    },
    /// List a user's live tokens.
    List {
        #[arg(long)]
        user: String,
    },
    /// Revoke a token by id.
    Revoke { id: String },
}

#[derive(Debug, Args)]
pub struct FeedArgs {
    /// The user whose calendar feed it is.
    #[arg(long)]
    pub user: Option<String>,
    /// Replace the feed token; the old link stops working.
    #[arg(long)]
    pub rotate: bool,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    #[arg(long)]
    pub cursor: Option<String>,
}

fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}

pub fn workspace(app: &App, c: WorkspaceCmd, as_json: bool) -> Result<()> {
    match c {
        WorkspaceCmd::Add { name } => {
            let w = app.workspace(&name)?;
            if as_json {
                json(&w)
            } else {
                outln!("Workspace {} ({})", w.name, w.meta.id.short());
                Ok(())
            }
        }
        WorkspaceCmd::List => {
            let all = app.workspaces()?;
            if as_json {
                return json(&serde_json::json!({"items": all}));
            }
            let mut t = Table::new(&["ID", "NAME"]);
            for w in all {
                t.row(vec![w.meta.id.short().into(), w.name]);
            }
            t.print();
            Ok(())
        }
    }
}

pub fn user(app: &App, ctx: &Ctx, c: UserCmd, as_json: bool) -> Result<()> {
    match c {
        UserCmd::Add {
            name,
            role,
            password_stdin,
        } => {
            let role = Role::parse(&role)?;
            let password = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let u = app.add_user(ctx, &name, role, password.as_deref())?;
            if as_json {
                json(&u)
            } else {
                outln!("Added user {} ({}, {})", u.name, u.role, u.meta.id.short());
                Ok(())
            }
        }
        UserCmd::List => {
            let users = app.users(ctx)?;
            if as_json {
                return json(&serde_json::json!({"items": users}));
            }
            let mut t = Table::new(&["ID", "NAME", "ROLE"]);
            for u in users {
                t.row(vec![u.meta.id.short().into(), u.name, u.role.to_string()]);
            }
            t.print();
            Ok(())
        }
        UserCmd::Passwd { name } => {
            let p = read_password()?;
            app.set_password(ctx, &name, &p)?;
            if as_json {
                json(&serde_json::json!({"user": name, "password_set": true}))
            } else {
                outln!("Password of {name} set");
                Ok(())
            }
        }
    }
}

pub fn token(app: &App, ctx: &Ctx, c: TokenCmd, as_json: bool) -> Result<()> {
    match c {
        TokenCmd::Create { user, label } => {
            let t = app.create_token(ctx, user.as_deref(), label.as_deref())?;
            if as_json {
                json(&t)
            } else {
                outln!("{}", t.token);
                eprintln!(
                    "This token is shown once; store it now. Use it as `Authorization: Bearer TOKEN`."
                );
                Ok(())
            }
        }
        TokenCmd::List { user } => {
            let tokens = app.tokens(ctx, &user)?;
            if as_json {
                return json(&serde_json::json!({"items": tokens}));
            }
            let mut t = Table::new(&["ID", "LABEL", "CREATED"]);
            for k in tokens {
                t.row(vec![
                    k.id.to_string(),
                    k.label.unwrap_or_default(),
                    k.created_at.to_string(),
                ]);
            }
            t.print();
            Ok(())
        }
        TokenCmd::Revoke { id } => {
            app.revoke_token(ctx, &Id::parse(&id)?)?;
            if as_json {
                json(&serde_json::json!({"revoked": id}))
            } else {
                outln!("Revoked {id}");
                Ok(())
            }
        }
    }
}

pub fn feed(app: &App, ctx: &Ctx, a: FeedArgs, as_json: bool) -> Result<()> {
    let user = match a.user {
        Some(u) => u,
        None => anyhow::bail!("name the user whose feed it is: --user NAME"),
    };
    let token = app.feed_token(ctx, &user, a.rotate)?;
    let url = format!("/calendar.ics?token={token}");
    if as_json {
        json(&serde_json::json!({"url": url}))
    } else {
        outln!("{url}");
        eprintln!(
            "Add the server's address in front; anyone with this link can read the calendar."
        );
        Ok(())
    }
}

pub fn audit(app: &App, ctx: &Ctx, a: AuditArgs, as_json: bool) -> Result<()> {
    let page = app.audit_trail(ctx, a.cursor.as_deref(), a.limit)?;
    if as_json {
        return json(&page);
    }
    let mut t = Table::new(&["AT", "ACTOR", "ACTION", "ENTITY", "ID"]);
    for e in &page.items {
        t.row(vec![
            e.at.to_string(),
            e.actor.clone(),
            e.action.clone(),
            e.entity.to_string(),
            e.entity_id.short().to_string(),
        ]);
    }
    t.print();
    if let Some(c) = &page.next_cursor {
        outln!("More: --cursor {c}");
    }
    Ok(())
}

/// Starts the server; with `--demo`, fills an empty workspace first.
pub fn serve(app: App, ctx: &Ctx, a: ServeArgs) -> Result<()> {
    // Log lines are written in batches off the request's thread; `_flusher`, dropped
    // when this function returns (the server has stopped), writes what is left.
    let (log, _flusher) = crate::log_writer::stderr()?;
    tracing_subscriber::fmt()
        .with_writer(log)
        .with_target(false)
        .with_ansi(false)
        .init();
    if a.demo {
        let summary = app.start_demo(ctx)?;
        if let Some(s) = summary {
            eprintln!("{s}");
        }
    }
    let demo = a.demo;
    let options = rapport_server::Options {
        trust_proxy: a.trust_proxy,
        dashboard_live_up_to: a.dashboard_live_up_to,
        dashboard_refresh_after: std::time::Duration::from_secs(a.dashboard_refresh_secs),
    };
    rapport_server::serve(app, &a.addr, options, move |bound| {
        outln!("Rapport is listening on http://{bound}");
        if demo {
            outln!("Log in as demo / demo");
        }
    })?;
    Ok(())
}
