//! Runs one parsed command against the app.

use anyhow::{Context, Result, bail};
use jiff::Timestamp;
use jiff::civil::Date;
use rapport_app::records::*;
use rapport_app::resolve::{Accept, Target};
use rapport_app::{Actor, App, AppError, Clock, Ctx, FixedClock, SystemClock};
use rapport_core::when::{When, parse_when};
use rapport_core::*;
use rapport_store::{ListQuery, Store};

use crate::cli::*;
use crate::output::{Table, json, outln};

mod insights;

/// Exit codes: 1 for everything a user can fix (bad input, unknown reference,
/// conflicts), 2 for usage errors (clap's), 3 for database and internal failures.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    match e.downcast_ref::<AppError>() {
        Some(AppError::Store(_)) => 3,
        _ => 1,
    }
}

/// The default database: the platform's data directory.
fn default_db() -> Result<String> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".local/share"))
        })
        .context("cannot find a data directory: set --db or RAPPORT_DB")?;
    Ok(base
        .join("rapport")
        .join("rapport.db")
        .to_string_lossy()
        .into_owned())
}

/// `RAPPORT_NOW` (an RFC 3339 timestamp) fixes the clock: for tests and reproducible demos.
fn clock() -> Result<Box<dyn Clock>> {
    match std::env::var("RAPPORT_NOW") {
        Ok(s) if !s.is_empty() => {
            let t: Timestamp = s
                .parse()
                .with_context(|| format!("RAPPORT_NOW=`{s}` is not an RFC 3339 timestamp"))?;
            Ok(Box::new(FixedClock(t)))
        }
        _ => Ok(Box::new(SystemClock)),
    }
}

struct Env {
    app: App,
    ctx: Ctx,
    json: bool,
}

pub fn run(cli: Cli) -> Result<()> {
    if let Command::Completions(a) = &cli.command {
        let mut cmd = <Cli as clap::CommandFactory>::command();
        clap_complete::generate(a.shell, &mut cmd, "rapport", &mut std::io::stdout());
        return Ok(());
    }
    let db = match &cli.db {
        Some(d) => d.clone(),
        None => default_db()?,
    };
    let store = Store::open(&db).map_err(AppError::from)?;
    let app = App::new(store, clock()?);
    let ws = app.workspace(&cli.workspace)?;
    let ctx = Ctx {
        ws: ws.meta.id.clone(),
        actor: Actor::local(),
    };
    let command = match cli.command {
        Command::Serve(a) => return crate::accounts::serve(app, &ctx, a),
        Command::Workspace(c) => return crate::accounts::workspace(&app, c, cli.json),
        Command::User(c) => return crate::accounts::user(&app, &ctx, c, cli.json),
        Command::Token(c) => return crate::accounts::token(&app, &ctx, c, cli.json),
        Command::Feed(a) => return crate::accounts::feed(&app, &ctx, a, cli.json),
        Command::Audit(a) => return crate::accounts::audit(&app, &ctx, a, cli.json),
        other => other,
    };
    let env = Env {
        app,
        ctx,
        json: cli.json,
    };
    env.dispatch(command)
}

fn when_date(env: &Env, s: &str) -> Result<Date> {
    let now = env.app.now().to_zoned(env.app.clock.zone());
    Ok(match parse_when(s, now)? {
        When::Date(d) => d,
        When::At(t) => t.to_zoned(env.app.clock.zone()).date(),
    })
}

fn when_timestamp(env: &Env, s: &str) -> Result<Timestamp> {
    let zone = env.app.clock.zone();
    let now = env.app.now().to_zoned(zone.clone());
    Ok(match parse_when(s, now.clone())? {
        When::At(t) => t,
        // A bare date means that day at the current time of day (noon for other days).
        When::Date(d) if d == now.date() => now.timestamp(),
        When::Date(d) => d.at(12, 0, 0, 0).to_zoned(zone)?.timestamp(),
    })
}

fn id_arg(s: &str) -> Result<Id> {
    Ok(Id::parse(s)?)
}

fn opt<T>(v: Option<&str>, parse: impl Fn(&str) -> Result<T, DomainError>) -> Result<Option<T>> {
    Ok(v.map(parse).transpose()?)
}

impl Env {
    fn say(&self, sentence: impl AsRef<str>) {
        outln!("{}", sentence.as_ref());
    }

    fn out<T: serde::Serialize>(&self, v: &T, sentence: impl FnOnce() -> String) -> Result<()> {
        if self.json {
            json(v)
        } else {
            self.say(sentence());
            Ok(())
        }
    }

    fn resolve(&self, r: &str, accept: Accept) -> Result<Target> {
        Ok(self.app.resolve(&self.ctx, r, accept)?)
    }

    fn dispatch(&self, cmd: Command) -> Result<()> {
        match cmd {
            Command::Person(c) => self.person(c),
            Command::Org(c) => self.org(c),
            Command::Rel(c) => self.rel(c),
            Command::Log(a) => self.log(a),
            Command::Promise(a) => self.promise(a),
            Command::Give(a) => self.exchange(a, ExchangeDirection::Given),
            Command::Receive(a) => self.exchange(a, ExchangeDirection::Received),
            Command::Conflict(c) => self.conflict(c),
            Command::Feedback(a) => self.feedback(a),
            Command::Task(c) => self.task(c),
            Command::Date(c) => self.date(c),
            Command::Tie(c) => self.tie(c),
            Command::Deal(c) => self.deal(c),
            Command::Note(a) => {
                let t = self.resolve(&a.reference, Accept::Any)?;
                let n = self.app.add_note(&self.ctx, &t, &a.text)?;
                self.out(&n, || {
                    format!("Noted on {} ({})", t.name(), n.meta.id.short())
                })
            }
            Command::Health(a) => self.health(a),
            Command::Today(a) => self.today(a),
            Command::Search(a) => self.search(a),
            Command::Metrics(a) => self.metrics(a),
            Command::Network(a) => self.network(a),
            Command::Intro(a) => self.intro(a),
            Command::Stakeholders(a) => self.stakeholders(a),
            Command::Stake(a) => self.stake(a),
            Command::Demo(a) => self.demo(a),
            Command::Backup(a) => self.backup(a),
            Command::Import(a) => self.import(a),
            Command::Export(a) => self.export(a),
            Command::Dedupe => self.dedupe(),
            Command::Merge(a) => self.merge(a),
            Command::Completions(_)
            | Command::Serve(_)
            | Command::Workspace(_)
            | Command::User(_)
            | Command::Token(_)
            | Command::Feed(_)
            | Command::Audit(_) => Ok(()),
        }
    }

    fn person(&self, c: PersonCmd) -> Result<()> {
        match c {
            PersonCmd::Add(a) => {
                let new = NewPerson {
                    name: a.name,
                    emails: a
                        .emails
                        .iter()
                        .map(|e| Email::parse(e))
                        .collect::<Result<_, _>>()?,
                    phones: a.phones,
                    org: a.org,
                    title: a.title,
                    tags: a.tags,
                    birthday: opt(a.birthday.as_deref(), AnnualDate::parse)?,
                    time_zone: a.tz,
                    how_we_met: a.met,
                    needs_and_goals: a.needs,
                    note: a.note,
                };
                let p = self.app.add_person(&self.ctx, new)?;
                self.out(&p, || format!("Added {} ({})", p.name, p.meta.id))
            }
            PersonCmd::List(a) => {
                let q = list_query(&a);
                let page = self
                    .app
                    .store
                    .read(|tx| tx.list::<Person>(&self.ctx.ws, &q))
                    .map_err(AppError::from)?;
                if self.json {
                    return json(&page);
                }
                let mut t = Table::new(&["ID", "NAME", "EMAIL", "PHONE", "TAGS"]);
                for p in &page.items {
                    t.row(vec![
                        p.meta.id.short().into(),
                        p.name.clone(),
                        p.emails
                            .first()
                            .map(|e| e.value.clone())
                            .unwrap_or_default(),
                        p.phones
                            .first()
                            .map(|e| e.value.clone())
                            .unwrap_or_default(),
                        p.tags.join(", "),
                    ]);
                }
                print_page(&t, page.next_cursor.as_deref(), "people");
                Ok(())
            }
            PersonCmd::Show { reference } => {
                let p = self.app.resolve_person(&self.ctx, &reference)?;
                let v = self.app.person_view(&self.ctx, &p.meta.id)?;
                if self.json {
                    return json(&v);
                }
                print_person(&v);
                Ok(())
            }
            PersonCmd::Edit(a) => {
                let p = self.app.resolve_person(&self.ctx, &a.reference)?;
                let edit = PersonEdit {
                    name: a.name,
                    add_emails: a
                        .emails
                        .iter()
                        .map(|e| Email::parse(e))
                        .collect::<Result<_, _>>()?,
                    remove_emails: a.rm_emails,
                    add_phones: a.phones,
                    add_tags: a.tags,
                    remove_tags: a.rm_tags,
                    birthday: opt(a.birthday.as_deref(), AnnualDate::parse)?,
                    time_zone: a.tz,
                    how_we_met: a.met,
                    needs_and_goals: a.needs,
                    preferred_channel: opt(a.channel.as_deref(), Channel::parse)?,
                };
                let p = self
                    .app
                    .edit_person(&self.ctx, &p.meta.id, edit, a.if_version)?;
                self.out(&p, || {
                    format!("Updated {} (version {})", p.name, p.meta.version)
                })
            }
            PersonCmd::Rm { reference } => {
                let p = self.app.resolve_person(&self.ctx, &reference)?;
                let p: Person = self.app.set_trashed(&self.ctx, &p.meta.id, true, None)?;
                self.out(&p, || {
                    format!(
                        "Moved {} to the trash (restore with: rapport person restore {})",
                        p.name, p.meta.id
                    )
                })
            }
            PersonCmd::Restore { id } => {
                let p: Person = self
                    .app
                    .set_trashed(&self.ctx, &id_arg(&id)?, false, None)?;
                self.out(&p, || format!("Restored {}", p.name))
            }
        }
    }

    fn org(&self, c: OrgCmd) -> Result<()> {
        let org_of = |r: &str| -> Result<Organization> {
            match self.resolve(r, Accept::Organizations)? {
                Target::Organization(o) => Ok(o),
                _ => bail!("`{r}` is not an organization"),
            }
        };
        match c {
            OrgCmd::Add(a) => {
                let mut o = Organization::named(
                    self.app.new_meta(),
                    required_text("name", &a.name, SHORT_TEXT)?,
                );
                o.domains = a
                    .domains
                    .iter()
                    .map(|d| d.trim().to_lowercase())
                    .filter(|d| !d.is_empty())
                    .collect();
                o.industry = a.industry;
                o.kind = a.kind;
                o.tags = a
                    .tags
                    .iter()
                    .map(|t| parse_tag(t))
                    .collect::<Result<_, _>>()?;
                let o = self.app.create(&self.ctx, o)?;
                self.out(&o, || format!("Added {} ({})", o.name, o.meta.id))
            }
            OrgCmd::List(a) => {
                let q = list_query(&a);
                let page = self
                    .app
                    .store
                    .read(|tx| tx.list::<Organization>(&self.ctx.ws, &q))
                    .map_err(AppError::from)?;
                if self.json {
                    return json(&page);
                }
                let mut t = Table::new(&["ID", "NAME", "INDUSTRY", "DOMAINS", "TAGS"]);
                for o in &page.items {
                    t.row(vec![
                        o.meta.id.short().into(),
                        o.name.clone(),
                        o.industry.clone().unwrap_or_default(),
                        o.domains.join(", "),
                        o.tags.join(", "),
                    ]);
                }
                print_page(&t, page.next_cursor.as_deref(), "organizations");
                Ok(())
            }
            OrgCmd::Show { reference } => {
                let o = org_of(&reference)?;
                let (members, rels) = self
                    .app
                    .store
                    .read(|tx| {
                        let ms: Vec<Membership> =
                            tx.where_eq(&self.ctx.ws, "organization_id", (&o.meta.id).into())?;
                        let mut people = Vec::new();
                        for m in ms {
                            if let Ok(p) = tx.get::<Person>(&self.ctx.ws, &m.person_id) {
                                people.push((p, m.title));
                            }
                        }
                        Ok((people, tx.relationships_of(&self.ctx.ws, &o.meta.id)?))
                    })
                    .map_err(AppError::from)?;
                let rels = self.app.visible(&self.ctx, rels);
                if self.json {
                    let people: Vec<_> = members
                        .iter()
                        .map(|(p, t)| serde_json::json!({"id": p.meta.id, "name": p.name, "title": t}))
                        .collect();
                    return json(
                        &serde_json::json!({"organization": o, "people": people, "relationships": rels}),
                    );
                }
                outln!("{} ({})", o.name, o.meta.id);
                if let Some(i) = &o.industry {
                    outln!("Industry: {i}");
                }
                if !o.domains.is_empty() {
                    outln!("Domains: {}", o.domains.join(", "));
                }
                for r in &rels {
                    outln!(
                        "Relationship: {} · {} · importance {}",
                        r.kind,
                        r.status,
                        r.importance
                    );
                }
                let mut t = Table::new(&["ID", "PERSON", "TITLE"]);
                for (p, title) in &members {
                    t.row(vec![
                        p.meta.id.short().into(),
                        p.name.clone(),
                        title.clone().unwrap_or_default(),
                    ]);
                }
                if !t.is_empty() {
                    outln!();
                    t.print();
                }
                Ok(())
            }
            OrgCmd::Edit(a) => {
                let o = org_of(&a.reference)?;
                let name = opt(a.name.as_deref(), |n| required_text("name", n, SHORT_TEXT))?;
                let add_tags = a
                    .tags
                    .iter()
                    .map(|t| parse_tag(t))
                    .collect::<Result<Vec<_>, _>>()?;
                let o: Organization =
                    self.app
                        .update(&self.ctx, &o.meta.id, None, |o: &mut Organization| {
                            if let Some(n) = &name {
                                o.name = n.clone();
                            }
                            for d in &a.domains {
                                let d = d.trim().to_lowercase();
                                if !d.is_empty() && !o.domains.contains(&d) {
                                    o.domains.push(d);
                                }
                            }
                            if a.industry.is_some() {
                                o.industry = a.industry.clone();
                            }
                            if a.kind.is_some() {
                                o.kind = a.kind.clone();
                            }
                            for t in &add_tags {
                                if !o.tags.contains(t) {
                                    o.tags.push(t.clone());
                                }
                            }
                            o.tags
                                .retain(|t| !a.rm_tags.iter().any(|r| r.eq_ignore_ascii_case(t)));
                            Ok(())
                        })?;
                self.out(&o, || {
                    format!("Updated {} (version {})", o.name, o.meta.version)
                })
            }
            OrgCmd::Rm { reference } => {
                let o = org_of(&reference)?;
                let o: Organization = self.app.set_trashed(&self.ctx, &o.meta.id, true, None)?;
                self.out(&o, || {
                    format!(
                        "Moved {} to the trash (restore with: rapport org restore {})",
                        o.name, o.meta.id
                    )
                })
            }
            OrgCmd::Restore { id } => {
                let o: Organization =
                    self.app
                        .set_trashed(&self.ctx, &id_arg(&id)?, false, None)?;
                self.out(&o, || format!("Restored {}", o.name))
            }
        }
    }

    fn rel(&self, c: RelCmd) -> Result<()> {
        match c {
            RelCmd::Set(a) => {
                let t = self.resolve(&a.reference, Accept::Any)?;
                let settings = RelSettings {
                    kind: opt(a.kind.as_deref(), RelationshipKind::parse)?,
                    stage: opt(a.stage.as_deref(), Stage::parse)?,
                    importance: opt(a.importance.as_deref(), Importance::parse)?,
                    cadence: opt(a.cadence.as_deref(), CadenceDays::parse_span)?,
                    owner: match a.owner.as_deref() {
                        Some(u) => Some(self.app.user_id(&self.ctx, u)?),
                        None => None,
                    },
                    status: opt(a.status.as_deref(), RelationshipStatus::parse)?,
                    visibility: opt(a.visibility.as_deref(), Visibility::parse)?,
                    goals: a.goal,
                    boundaries: a.boundaries,
                    end_reason: a.end_reason,
                };
                let (r, created) = self.app.set_relationship(&self.ctx, &t, settings)?;
                self.out(&r, || {
                    format!(
                        "{} {} relationship with {} ({}): {}, importance {}{}",
                        if created { "Created" } else { "Updated" },
                        r.kind,
                        t.name(),
                        r.meta.id.short(),
                        r.stage,
                        r.importance,
                        r.cadence_days
                            .map(|c| format!(", every {c} days"))
                            .unwrap_or_default()
                    )
                })
            }
            RelCmd::List(a) => {
                let q = list_query(&a);
                let page = self
                    .app
                    .store
                    .read(|tx| tx.list::<Relationship>(&self.ctx.ws, &q))
                    .map_err(AppError::from)?;
                let items = self.app.visible(&self.ctx, page.items);
                if self.json {
                    return json(
                        &serde_json::json!({"items": items, "next_cursor": page.next_cursor}),
                    );
                }
                let mut t = Table::new(&[
                    "ID",
                    "SUBJECT",
                    "KIND",
                    "STAGE",
                    "IMPORTANCE",
                    "CADENCE",
                    "STATUS",
                ]);
                for r in &items {
                    t.row(vec![
                        r.meta.id.short().into(),
                        format!("{} {}", r.subject.kind, r.subject.id.short()),
                        r.kind.to_string(),
                        r.stage.to_string(),
                        r.importance.to_string(),
                        r.cadence_days.map(|c| format!("{c}d")).unwrap_or_default(),
                        r.status.to_string(),
                    ]);
                }
                print_page(&t, page.next_cursor.as_deref(), "relationships");
                Ok(())
            }
        }
    }

    fn log(&self, a: LogArgs) -> Result<()> {
        let (summary, refs) = match a.words.split_last() {
            Some((s, refs)) if !refs.is_empty() => (s, refs),
            _ => bail!(
                "log needs at least one person or organization, then a summary: rapport log ada \"Coffee\""
            ),
        };
        let targets = refs
            .iter()
            .map(|r| self.resolve(r, Accept::Any))
            .collect::<Result<Vec<_>>>()?;
        let new = NewInteraction {
            at: match &a.at {
                Some(w) => when_timestamp(self, w)?,
                None => self.app.now(),
            },
            channel: Channel::parse(&a.channel)?,
            direction: Direction::parse(&a.direction)?,
            minutes: a.minutes,
            sentiment: opt(a.sentiment.as_deref(), Sentiment::parse)?,
            summary: summary.clone(),
            body: None,
        };
        let i = self.app.log(&self.ctx, &targets, new)?;
        let names = targets
            .iter()
            .map(Target::name)
            .collect::<Vec<_>>()
            .join(", ");
        self.out(&i, || {
            format!("Logged {} with {names} ({})", i.channel, i.meta.id.short())
        })
    }

    fn promise(&self, a: PromiseArgs) -> Result<()> {
        let [first, second] = [&a.words[0], &a.words[1]];
        let close = match first.as_str() {
            "kept" => Some(CommitmentStatus::Kept),
            "broken" => Some(CommitmentStatus::Broken),
            "cancel" | "cancelled" => Some(CommitmentStatus::Cancelled),
            "renegotiated" => Some(CommitmentStatus::Renegotiated),
            _ => None,
        };
        if let Some(status) = close {
            let c = self
                .app
                .close_commitment(&self.ctx, &id_arg(second)?, status)?;
            return self.out(&c, || format!("Promise “{}” is now {}", c.text, c.status));
        }
        let t = self.resolve(first, Accept::Any)?;
        let due = match &a.due {
            Some(w) => Some(when_date(self, w)?),
            None => None,
        };
        let c = self
            .app
            .promise(&self.ctx, &t, second, OwedBy::parse(&a.by)?, due)?;
        self.out(&c, || {
            format!(
                "Recorded a promise by {} to {}: “{}”{} ({})",
                c.owed_by,
                t.name(),
                c.text,
                c.due.map(|d| format!(", due {d}")).unwrap_or_default(),
                c.meta.id
            )
        })
    }

    fn exchange(&self, a: ExchangeArgs, direction: ExchangeDirection) -> Result<()> {
        let t = self.resolve(&a.reference, Accept::Any)?;
        let amount = a.amount.zip(a.currency.clone());
        let e = self.app.exchange(
            &self.ctx,
            &t,
            direction,
            &a.text,
            ExchangeKind::parse(&a.kind)?,
            a.value,
            amount,
        )?;
        self.out(&e, || {
            format!(
                "Recorded {} {} ({} point{}) with {}",
                e.direction,
                e.kind,
                e.value,
                if e.value == 1 { "" } else { "s" },
                t.name()
            )
        })
    }

    fn conflict(&self, c: ConflictCmd) -> Result<()> {
        match c {
            ConflictCmd::Open {
                reference,
                text,
                severity,
            } => {
                let t = self.resolve(&reference, Accept::Any)?;
                let c =
                    self.app
                        .open_conflict(&self.ctx, &t, &text, Severity::parse(&severity)?)?;
                self.out(&c, || {
                    format!(
                        "Opened a severity-{} conflict with {} ({})",
                        c.severity,
                        t.name(),
                        c.meta.id
                    )
                })
            }
            ConflictCmd::Resolve { id, method, note } => {
                let c = self.app.resolve_conflict(
                    &self.ctx,
                    &id_arg(&id)?,
                    ResolutionMethod::parse(&method)?,
                    note,
                )?;
                self.out(&c, || {
                    format!("Resolved conflict {} by {}", c.meta.id.short(), method)
                })
            }
        }
    }

    fn feedback(&self, a: FeedbackArgs) -> Result<()> {
        let t = self.resolve(&a.reference, Accept::Any)?;
        let scale = FeedbackScale::parse(&a.scale)?;
        let score: i64 = a.score.trim().parse().map_err(|_| {
            DomainError::invalid("score", format!("`{}` is not a whole number", a.score))
        })?;
        let f = self.app.feedback(&self.ctx, &t, scale, score, a.comment)?;
        self.out(&f, || {
            format!("Recorded {} {} from {}", f.scale, f.score, t.name())
        })
    }

    fn task(&self, c: TaskCmd) -> Result<()> {
        match c {
            TaskCmd::Add {
                reference,
                text,
                due,
            } => {
                let t = self.resolve(&reference, Accept::Any)?;
                let due = match &due {
                    Some(w) => Some(when_date(self, w)?),
                    None => None,
                };
                let task = self.app.add_task(&self.ctx, Some(&t), &text, due)?;
                self.out(&task, || {
                    format!(
                        "Added task “{}” for {} ({})",
                        task.text,
                        t.name(),
                        task.meta.id
                    )
                })
            }
            TaskCmd::Done { id } => {
                let task = self.app.task_done(&self.ctx, &id_arg(&id)?)?;
                self.out(&task, || format!("Done: {}", task.text))
            }
        }
    }

    fn date(&self, c: DateCmd) -> Result<()> {
        let DateCmd::Add {
            reference,
            kind,
            date,
            label,
        } = c;
        let p = self.app.resolve_person(&self.ctx, &reference)?;
        let d = self.app.add_date(
            &self.ctx,
            &p,
            DateKind::parse(&kind)?,
            AnnualDate::parse(&date)?,
            label,
        )?;
        self.out(&d, || format!("Added {} {} for {}", d.kind, d.date, p.name))
    }

    fn tie(&self, c: TieCmd) -> Result<()> {
        let TieCmd::Add {
            a,
            b,
            kind,
            strength,
        } = c;
        let pa = self.app.resolve_person(&self.ctx, &a)?;
        let pb = self.app.resolve_person(&self.ctx, &b)?;
        let t = self.app.add_tie(
            &self.ctx,
            &pa,
            &pb,
            TieKind::parse(&kind)?,
            Strength::parse(&strength)?,
        )?;
        self.out(&t, || {
            format!(
                "{} {} {} (strength {})",
                pa.name, t.kind, pb.name, t.strength
            )
        })
    }

    fn deal(&self, c: DealCmd) -> Result<()> {
        let DealCmd::Add {
            reference,
            title,
            amount,
            currency,
            stage,
            close,
        } = c;
        let t = self.resolve(&reference, Accept::Any)?;
        let close = match &close {
            Some(w) => Some(when_date(self, w)?),
            None => None,
        };
        let d = self.app.add_deal(
            &self.ctx,
            &t,
            &title,
            amount.zip(currency),
            DealStage::parse(&stage)?,
            close,
        )?;
        self.out(&d, || {
            format!(
                "Added deal “{}” with {} at {}{}",
                d.title,
                t.name(),
                d.stage,
                d.amount
                    .map(|a| format!(", {a:.2} {}", d.currency.clone().unwrap_or_default()))
                    .unwrap_or_default()
            )
        })
    }

    fn health(&self, a: HealthArgs) -> Result<()> {
        let day = match &a.date {
            Some(d) => Some(when_date(self, d)?),
            None => None,
        };
        let Some(reference) = &a.reference else {
            let all = self.app.all_health(&self.ctx, day)?;
            if self.json {
                let items: Vec<_> = all
                    .iter()
                    .map(|r| serde_json::json!({"relationship_id": r.relationship_id, "name": r.name, "kind": r.kind, "score": r.health.score, "status": r.health.status}))
                    .collect();
                return json(&serde_json::json!({"items": items, "next_cursor": null}));
            }
            let mut t = Table::new(&["SCORE", "STATUS", "NAME", "KIND", "WEAKEST"]);
            for r in &all {
                let weakest = r
                    .health
                    .components
                    .iter()
                    .min_by(|x, y| (x.points / x.max).total_cmp(&(y.points / y.max)))
                    .map(|c| c.reason.clone())
                    .unwrap_or_default();
                t.row(vec![
                    r.health
                        .score
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "—".into()),
                    r.health.status.to_string(),
                    r.name.clone(),
                    r.kind.to_string(),
                    weakest,
                ]);
            }
            print_page(&t, None, "relationships");
            return Ok(());
        };
        let target = self.resolve(reference, Accept::Any)?;
        let rel = match &target {
            Target::Relationship(r) => r.clone(),
            t => {
                let subject = t.subject().context("no subject")?;
                let kind = opt(a.kind.as_deref(), RelationshipKind::parse)?;
                let rels: Vec<Relationship> = self
                    .app
                    .visible(
                        &self.ctx,
                        self.app
                            .store
                            .read(|tx| tx.relationships_of(&self.ctx.ws, &subject.id))
                            .map_err(AppError::from)?,
                    )
                    .into_iter()
                    .filter(|r| kind.is_none_or(|k| r.kind == k))
                    .collect();
                match rels.as_slice() {
                    [] => bail!(
                        "{} has no relationship{}: create one with `rapport rel set`",
                        t.name(),
                        kind.map(|k| format!(" of kind {k}")).unwrap_or_default()
                    ),
                    [one] => one.clone(),
                    many => bail!(
                        "{} has several relationships ({}): name one with --kind",
                        t.name(),
                        many.iter()
                            .map(|r| r.kind.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            }
        };
        let report = self.app.relationship_health(&self.ctx, &rel, day)?;
        if self.json {
            return json(&report);
        }
        let score = report
            .health
            .score
            .map(|s| format!("{s}/100"))
            .unwrap_or_else(|| "no score yet".into());
        outln!(
            "{} ({}): {score}, {}",
            report.name,
            report.kind,
            report.health.status
        );
        let mut t = Table::new(&["COMPONENT", "POINTS", "WHY"]);
        for c in &report.health.components {
            t.row(vec![
                c.name.to_string(),
                format!("{:.1} / {:.0}", c.points, c.max),
                c.reason.clone(),
            ]);
        }
        if !t.is_empty() {
            outln!();
            t.print();
        }
        let scored: Vec<String> = report
            .trend
            .iter()
            .filter_map(|p| p.score.map(|s| format!("{} {s}", p.day)))
            .collect();
        if scored.len() > 1 {
            outln!("\nTrend: {}", scored.join(", "));
        }
        Ok(())
    }

    fn today(&self, a: TodayArgs) -> Result<()> {
        let day = match &a.date {
            Some(d) => Some(when_date(self, d)?),
            None => None,
        };
        let budget = match &a.budget {
            Some(b) => Some(rapport_core::agenda::parse_budget(b)?),
            None => None,
        };
        // The table prints how many items the budget left out, the JSON lists them.
        let left_out = if self.json {
            rapport_core::agenda::LeftOut::Listed
        } else {
            rapport_core::agenda::LeftOut::Counted
        };
        let agenda = match a.limit {
            Some(n) => self.app.agenda_first(&self.ctx, day, n)?,
            None => self.app.agenda(&self.ctx, day, budget, left_out)?,
        };
        if self.json {
            return json(&agenda);
        }
        if agenda.items.is_empty() {
            self.say("Nothing needs your attention today.");
            return Ok(());
        }
        let total: u32 = agenda.items.iter().map(|i| i.minutes).sum();
        let mut t = Table::new(&["#", "WHAT", "WHY", "MIN"]);
        for (n, i) in agenda.items.iter().enumerate() {
            t.row(vec![
                (n + 1).to_string(),
                i.action.clone(),
                i.reason.clone(),
                i.minutes.to_string(),
            ]);
        }
        t.print();
        let plan = match budget {
            Some(b) => format!("\n{} actions, {total} of {b} minutes", agenda.items.len()),
            None => format!("\n{} actions, about {total} minutes", agenda.items.len()),
        };
        self.say(plan);
        if agenda.left_out > 0 {
            self.say(match a.limit {
                Some(_) => format!(
                    "{} more due, ranked lower (run without --limit to see all)",
                    agenda.left_out
                ),
                None => format!(
                    "Left out to fit the budget: {} more (run without --budget to see all)",
                    agenda.left_out
                ),
            });
        }
        Ok(())
    }

    fn search(&self, a: SearchArgs) -> Result<()> {
        let q = a.query.join(" ");
        let results = self.app.search(&self.ctx, &q, a.limit)?;
        if self.json {
            return json(&serde_json::json!({"items": results, "next_cursor": null}));
        }
        if results.is_empty() {
            self.say(format!("Nothing matches “{q}”"));
            return Ok(());
        }
        let mut t = Table::new(&["KIND", "ID", "NAME", "DETAIL"]);
        for r in &results {
            t.row(vec![
                r.kind.to_string(),
                r.id.short().into(),
                r.name.clone(),
                r.detail.clone(),
            ]);
        }
        t.print();
        Ok(())
    }

    fn demo(&self, a: DemoArgs) -> Result<()> {
        let summary = self
            .app
            .load_demo_with(&self.ctx, a.people, a.seed, a.interactions)?;
        self.out(&summary, || summary.to_string())
    }

    fn backup(&self, a: BackupArgs) -> Result<()> {
        let what = self.app.backup(&self.ctx, &a.file)?;
        self.out(&serde_json::json!({"file": a.file, "format": what}), || {
            format!("Backed up to {} ({what})", a.file.display())
        })
    }
}

impl Env {
    fn import(&self, a: ImportArgs) -> Result<()> {
        use rapport_app::import::{ImportFormat, ImportOptions};
        let options = ImportOptions {
            format: a.format.parse::<ImportFormat>()?,
            dry_run: a.dry_run,
            overwrite: a.overwrite,
            skip_photos: a.skip_photos,
            mapping: a
                .map
                .iter()
                .map(|m| m.parse())
                .collect::<Result<_, _>>()
                .context("--map")?,
            ..ImportOptions::default()
        };
        let file = std::fs::File::open(&a.file)
            .with_context(|| format!("cannot read {}", a.file.display()))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let bar = progress_bar(size);
        let mut input = std::io::BufReader::with_capacity(256 * 1024, file);
        let summary = self
            .app
            .import(&self.ctx, &mut input, &options, &mut |read| {
                if let Some(b) = &bar {
                    b.set_position(read);
                }
            })
            .with_context(|| a.file.display().to_string());
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        let summary = summary?;
        self.out(&summary, || format!("{}: {summary}", a.file.display()))
    }

    fn export(&self, a: ExportArgs) -> Result<()> {
        let format: rapport_app::export::ExportFormat = a.format.parse()?;
        match &a.output {
            Some(path) => {
                let file = std::fs::File::create(path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                let mut w = std::io::BufWriter::new(file);
                self.app.export(&self.ctx, format, &mut w)?;
                eprintln!("Exported to {}", path.display());
            }
            None => {
                let stdout = std::io::stdout();
                let mut w = std::io::BufWriter::new(stdout.lock());
                self.app.export(&self.ctx, format, &mut w)?;
            }
        }
        Ok(())
    }

    fn dedupe(&self) -> Result<()> {
        let pairs = self.app.dedupe(&self.ctx)?;
        if self.json {
            return json(&pairs);
        }
        if pairs.is_empty() {
            self.say("No likely duplicates.");
            return Ok(());
        }
        let mut t = Table::new(&["A", "B", "WHY"]);
        for d in &pairs {
            t.row(vec![
                format!("{} ({})", d.a.name, d.a.id.short()),
                format!("{} ({})", d.b.name, d.b.id.short()),
                d.reasons.join(", "),
            ]);
        }
        crate::output::put(&t.render());
        self.say(format!(
            "{} likely duplicate pair(s); merge one with `rapport merge A B`.",
            pairs.len()
        ));
        Ok(())
    }

    fn merge(&self, a: MergeArgs) -> Result<()> {
        let keep = self.app.resolve_person(&self.ctx, &a.a)?;
        let drop = self.app.resolve_person(&self.ctx, &a.b)?;
        let s = self
            .app
            .merge_people(&self.ctx, &keep.meta.id, &drop.meta.id)?;
        self.out(&s, || {
            let moved: Vec<String> = s.moved.iter().map(|(k, n)| format!("{n} {k}")).collect();
            format!(
                "Merged {} ({}) into {} ({}){}",
                drop.name,
                drop.meta.id.short(),
                keep.name,
                keep.meta.id.short(),
                if moved.is_empty() {
                    String::new()
                } else {
                    format!(": moved {}", moved.join(", "))
                }
            )
        })
    }
}

/// A byte progress bar on stderr for files over 1 MiB, when stderr is a terminal.
fn progress_bar(size: u64) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if size < 1 << 20 || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(size);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:40} {percent:>3}% {binary_bytes}/{binary_total_bytes} {elapsed} (eta {eta})",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

fn list_query(a: &ListArgs) -> ListQuery {
    ListQuery {
        limit: a.limit,
        cursor: a.cursor.clone(),
        tag: a.tag.clone(),
        trashed: a.trash,
        ..ListQuery::default()
    }
}

fn print_page(t: &Table, next: Option<&str>, what: &str) {
    if t.is_empty() {
        outln!("No {what}.");
        return;
    }
    t.print();
    if let Some(c) = next {
        outln!("\nMore: --cursor {c}");
    }
}

fn print_person(v: &PersonView) {
    let p = &v.person;
    outln!("{} ({})", p.name, p.meta.id);
    for e in &p.emails {
        outln!(
            "  email     {}{}",
            e.value,
            e.label
                .as_ref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default()
        );
    }
    for e in &p.phones {
        outln!(
            "  phone     {}{}",
            e.value,
            e.label
                .as_ref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default()
        );
    }
    for m in &v.organizations {
        outln!(
            "  works at  {}{}",
            m.organization,
            m.title
                .as_ref()
                .map(|t| format!(", {t}"))
                .unwrap_or_default()
        );
    }
    if let Some(b) = p.birthday {
        outln!("  birthday  {b}");
    }
    if let Some(t) = &p.time_zone {
        outln!("  time zone {t}");
    }
    if !p.tags.is_empty() {
        outln!("  tags      {}", p.tags.join(", "));
    }
    if let Some(m) = &p.how_we_met {
        outln!("  met       {m}");
    }
    if let Some(m) = &p.needs_and_goals {
        outln!("  needs     {m}");
    }
    for r in &v.relationships {
        outln!(
            "  relationship {} · {} · {} · importance {}{}",
            r.meta.id.short(),
            r.kind,
            r.stage,
            r.importance,
            r.cadence_days
                .map(|c| format!(" · every {c} days"))
                .unwrap_or_default()
        );
    }
    for n in &v.notes {
        outln!("  note      {}", n.body);
    }
    if !v.recent_interactions.is_empty() {
        outln!();
        let mut t = Table::new(&["WHEN", "CHANNEL", "SUMMARY"]);
        for i in &v.recent_interactions {
            t.row(vec![
                i.at.strftime("%Y-%m-%d %H:%M").to_string(),
                i.channel.to_string(),
                i.summary.clone(),
            ]);
        }
        t.print();
    }
}
