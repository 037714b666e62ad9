//! The command line, exactly as SPEC §4 names it.

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "rapport",
    version,
    about = "Relationship management: who needs attention today, and why"
)]
pub struct Cli {
    /// Database: a SQLite file path (or sqlite://PATH) or a postgres:// URL.
    #[arg(long, global = true, env = "RAPPORT_DB")]
    pub db: Option<String>,
    /// Print stable JSON on stdout instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// The workspace to act in (created on first use).
    #[arg(
        long,
        global = true,
        env = "RAPPORT_WORKSPACE",
        default_value = "default"
    )]
    pub workspace: String,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// People: add, list, show, edit, rm, restore.
    #[command(subcommand)]
    Person(PersonCmd),
    /// Organizations: add, list, show, edit, rm, restore.
    #[command(subcommand)]
    Org(OrgCmd),
    /// Relationships: set creates or updates one.
    #[command(subcommand)]
    Rel(RelCmd),
    /// Log an interaction with one or more people or organizations.
    Log(LogArgs),
    /// Record a promise (`promise REF TEXT`), or close one (`promise kept|broken|cancel ID`).
    Promise(PromiseArgs),
    /// Record value you gave.
    Give(ExchangeArgs),
    /// Record value you received.
    Receive(ExchangeArgs),
    /// Conflicts: open, resolve.
    #[command(subcommand)]
    Conflict(ConflictCmd),
    /// Record feedback (NPS 0–10 or CSAT 1–5).
    Feedback(FeedbackArgs),
    /// Tasks: add, done.
    #[command(subcommand)]
    Task(TaskCmd),
    /// Important dates: add.
    #[command(subcommand)]
    Date(DateCmd),
    /// Ties between people: add.
    #[command(subcommand)]
    Tie(TieCmd),
    /// Deals: add.
    #[command(subcommand)]
    Deal(DealCmd),
    /// Attach a note to a person, organization or relationship.
    Note(NoteArgs),
    /// A relationship's health with its breakdown and trend, or all of them, worst first.
    Health(HealthArgs),
    /// What deserves attention today, ranked, with reasons.
    Today(TodayArgs),
    /// Search people, organizations, deals and notes (accent- and typo-tolerant).
    Search(SearchArgs),
    /// Business metrics of a period: retention, churn, referrals, NPS, health, pipeline.
    Metrics(MetricsArgs),
    /// The network of ties: strongest ties, connectors, dormant ties worth reviving.
    Network(NetworkArgs),
    /// The warm-introduction path from you to a person.
    Intro(IntroArgs),
    /// A project's stakeholder map (power × interest), for a tag or a deal; with
    /// neither, the projects that have people placed in them.
    Stakeholders(StakeholdersArgs),
    /// Set a person's power, interest and attitude in a project (a tag or a deal).
    Stake(StakeArgs),
    /// Fill the database with realistic generated data.
    Demo(DemoArgs),
    /// Write a consistent backup to FILE: a SQLite copy, or a JSON export on PostgreSQL.
    Backup(BackupArgs),
    /// Import contacts (vCard, Google/LinkedIn/Outlook/any CSV) or a JSON export,
    /// merging with the people already there.
    Import(ImportArgs),
    /// Export the workspace: JSON (lossless), vCard or CSV.
    Export(ExportArgs),
    /// List likely duplicate people: same email, phone, or (close) name.
    Dedupe,
    /// Merge person B into person A: A keeps everything of both; B goes to the trash.
    Merge(MergeArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// Serve the HTTP API (and web UI).
    Serve(crate::accounts::ServeArgs),
    /// Workspaces: add, list.
    #[command(subcommand)]
    Workspace(crate::accounts::WorkspaceCmd),
    /// Users of the workspace: add, list, passwd.
    #[command(subcommand)]
    User(crate::accounts::UserCmd),
    /// API tokens: create, list, revoke.
    #[command(subcommand)]
    Token(crate::accounts::TokenCmd),
    /// Print a user's calendar feed link (iCalendar).
    Feed(crate::accounts::FeedArgs),
    /// The audit trail of every change.
    Audit(crate::accounts::AuditArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// At most this many (1–500).
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Continue after a previous page.
    #[arg(long)]
    pub cursor: Option<String>,
    /// Only records with this tag.
    #[arg(long)]
    pub tag: Option<String>,
    /// List the trash instead.
    #[arg(long)]
    pub trash: bool,
}

#[derive(Debug, Subcommand)]
pub enum PersonCmd {
    /// Add a person.
    Add(PersonAdd),
    /// List people.
    List(ListArgs),
    /// Show a person with their organizations, relationships and recent interactions.
    Show { reference: String },
    /// Change a person.
    Edit(PersonEditArgs),
    /// Move a person to the trash.
    Rm { reference: String },
    /// Restore a person from the trash (by id).
    Restore { id: String },
}

#[derive(Debug, Args)]
pub struct PersonAdd {
    pub name: String,
    #[arg(long = "email")]
    pub emails: Vec<String>,
    #[arg(long = "phone")]
    pub phones: Vec<String>,
    /// Organization (an existing one by reference or exact name, or a new one).
    #[arg(long)]
    pub org: Option<String>,
    /// Title at the organization.
    #[arg(long, requires = "org")]
    pub title: Option<String>,
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// YYYY-MM-DD, or MM-DD (or --MM-DD) when the year is unknown.
    #[arg(long, allow_hyphen_values = true)]
    pub birthday: Option<String>,
    /// IANA time zone, like Europe/Paris.
    #[arg(long)]
    pub tz: Option<String>,
    /// How we met.
    #[arg(long)]
    pub met: Option<String>,
    /// Their needs and goals.
    #[arg(long)]
    pub needs: Option<String>,
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Args)]
pub struct PersonEditArgs {
    pub reference: String,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long = "email")]
    pub emails: Vec<String>,
    #[arg(long = "rm-email")]
    pub rm_emails: Vec<String>,
    #[arg(long = "phone")]
    pub phones: Vec<String>,
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    #[arg(long = "rm-tag")]
    pub rm_tags: Vec<String>,
    #[arg(long, allow_hyphen_values = true)]
    pub birthday: Option<String>,
    #[arg(long)]
    pub tz: Option<String>,
    #[arg(long)]
    pub met: Option<String>,
    #[arg(long)]
    pub needs: Option<String>,
    /// Preferred channel (call, email, meeting, video, message, …).
    #[arg(long)]
    pub channel: Option<String>,
    /// Only if the record is still at this version (refuse a stale edit).
    #[arg(long)]
    pub if_version: Option<i64>,
}

#[derive(Debug, Subcommand)]
pub enum OrgCmd {
    /// Add an organization.
    Add(OrgAdd),
    /// List organizations.
    List(ListArgs),
    /// Show an organization with its people and relationships.
    Show { reference: String },
    /// Change an organization.
    Edit(OrgEditArgs),
    /// Move an organization to the trash.
    Rm { reference: String },
    /// Restore an organization from the trash (by id).
    Restore { id: String },
}

#[derive(Debug, Args)]
pub struct OrgAdd {
    pub name: String,
    #[arg(long = "domain")]
    pub domains: Vec<String>,
    #[arg(long)]
    pub industry: Option<String>,
    #[arg(long)]
    pub kind: Option<String>,
    #[arg(long = "tag")]
    pub tags: Vec<String>,
}

#[derive(Debug, Args)]
pub struct OrgEditArgs {
    pub reference: String,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long = "domain")]
    pub domains: Vec<String>,
    #[arg(long)]
    pub industry: Option<String>,
    #[arg(long)]
    pub kind: Option<String>,
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    #[arg(long = "rm-tag")]
    pub rm_tags: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum RelCmd {
    /// Create or update REF's relationship of kind K (without --kind: the only one).
    Set(RelSetArgs),
    /// List relationships.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct RelSetArgs {
    pub reference: String,
    #[arg(long)]
    pub kind: Option<String>,
    #[arg(long)]
    pub stage: Option<String>,
    /// 1 (little) to 5 (critical).
    #[arg(long)]
    pub importance: Option<String>,
    /// Check-in cadence: 14d, 2w, 3m.
    #[arg(long)]
    pub cadence: Option<String>,
    /// Owner (a user name).
    #[arg(long)]
    pub owner: Option<String>,
    /// active, dormant or ended.
    #[arg(long)]
    pub status: Option<String>,
    /// private or workspace.
    #[arg(long)]
    pub visibility: Option<String>,
    #[arg(long)]
    pub goal: Option<String>,
    #[arg(long)]
    pub boundaries: Option<String>,
    /// Why it ended (with --status ended): counted by the metrics' churn reasons.
    #[arg(long)]
    pub end_reason: Option<String>,
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// One or more people, organizations or relationships, then the summary.
    #[arg(required = true, num_args = 1.., value_name = "REF... SUMMARY")]
    pub words: Vec<String>,
    #[arg(long, default_value = "other")]
    pub channel: String,
    #[arg(long, default_value = "mutual")]
    pub direction: String,
    /// When it happened (default: now).
    #[arg(long)]
    pub at: Option<String>,
    #[arg(long)]
    pub minutes: Option<u32>,
    /// -2 (very negative) to +2 (very positive).
    #[arg(long, allow_hyphen_values = true)]
    pub sentiment: Option<String>,
}

#[derive(Debug, Args)]
pub struct PromiseArgs {
    /// `REF TEXT`, or `kept|broken|cancel ID`.
    #[arg(required = true, num_args = 2)]
    pub words: Vec<String>,
    /// Who promised: me or them.
    #[arg(long, default_value = "me")]
    pub by: String,
    #[arg(long)]
    pub due: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExchangeArgs {
    pub reference: String,
    pub text: String,
    #[arg(long, default_value = "other")]
    pub kind: String,
    /// Points of value (default 1).
    #[arg(long, default_value_t = 1)]
    pub value: u32,
    #[arg(long, requires = "currency")]
    pub amount: Option<f64>,
    #[arg(long, requires = "amount")]
    pub currency: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ConflictCmd {
    /// Open a conflict.
    Open {
        reference: String,
        text: String,
        /// 1 (minor) to 3 (serious).
        #[arg(long, default_value = "2")]
        severity: String,
    },
    /// Resolve a conflict.
    Resolve {
        id: String,
        /// discussion, compromise, mediation, arbitration or other.
        #[arg(long)]
        method: String,
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct FeedbackArgs {
    pub reference: String,
    pub score: String,
    pub comment: Option<String>,
    #[arg(long, default_value = "nps")]
    pub scale: String,
}

#[derive(Debug, Subcommand)]
pub enum TaskCmd {
    /// Add a follow-up task.
    Add {
        reference: String,
        text: String,
        #[arg(long)]
        due: Option<String>,
    },
    /// Mark a task done.
    Done { id: String },
}

#[derive(Debug, Subcommand)]
pub enum DateCmd {
    /// Add an important date: birthday, anniversary or custom; MM-DD or YYYY-MM-DD.
    Add {
        reference: String,
        kind: String,
        date: String,
        #[arg(long)]
        label: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TieCmd {
    /// Record that two people know each other.
    Add {
        a: String,
        b: String,
        #[arg(long, default_value = "knows")]
        kind: String,
        #[arg(long, default_value = "3")]
        strength: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DealCmd {
    /// Add a deal with a person or organization.
    Add {
        reference: String,
        title: String,
        #[arg(long, requires = "currency")]
        amount: Option<f64>,
        #[arg(long, requires = "amount")]
        currency: Option<String>,
        #[arg(long, default_value = "lead")]
        stage: String,
        /// Expected close date.
        #[arg(long)]
        close: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct NoteArgs {
    pub reference: String,
    pub text: String,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    #[arg(required = true, num_args = 1..)]
    pub query: Vec<String>,
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// A person, organization or relationship; without it, every relationship.
    pub reference: Option<String>,
    /// Which of the subject's relationships, when there are several.
    #[arg(long)]
    pub kind: Option<String>,
    /// The day to compute for (default: today).
    #[arg(long)]
    pub date: Option<String>,
}

#[derive(Debug, Args)]
pub struct TodayArgs {
    /// Fit the agenda to this much time: 45m, 1h, 1h30m.
    #[arg(long)]
    pub budget: Option<String>,
    /// Show only the first N items, and how many more are due.
    #[arg(long, value_name = "N", conflicts_with = "budget")]
    pub limit: Option<usize>,
    /// The day to plan (default: today).
    #[arg(long)]
    pub date: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[arg(long, default_value_t = 200)]
    pub people: u32,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// About this many interactions per person on average (default: what each
    /// relationship's cadence gives, about 9), e.g. 50 for a benchmark database.
    #[arg(long)]
    pub interactions: Option<u32>,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    pub file: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    pub file: std::path::PathBuf,
    /// auto (from the content), vcard, csv, google, linkedin, outlook or json.
    #[arg(long, default_value = "auto")]
    pub format: String,
    /// Report what would be imported; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Let the file's values replace fields already set.
    #[arg(long)]
    pub overwrite: bool,
    /// Do not import photos.
    #[arg(long)]
    pub skip_photos: bool,
    /// CSV column mapping, COLUMN=FIELD (repeatable): `--map "Full name=name"`.
    #[arg(long = "map", value_name = "COLUMN=FIELD")]
    pub map: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// json (the whole workspace, losslessly), vcard (4.0) or csv.
    #[arg(long, default_value = "json")]
    pub format: String,
    /// Write to FILE instead of stdout.
    #[arg(short = 'o', long = "output")]
    pub output: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The person to keep.
    pub a: String,
    /// The person merged into A, then trashed.
    pub b: String,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// The period ending today: 90d, 12w, 6m, 1y.
    #[arg(long, default_value = "90d")]
    pub period: String,
    /// Segment by kind, tag or owner.
    #[arg(long)]
    pub by: Option<String>,
}

#[derive(Debug, Args)]
pub struct NetworkArgs {
    /// How many of each list to show.
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct IntroArgs {
    /// The person you want to be introduced to.
    pub reference: String,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ProjectArgs {
    /// The project this tag names.
    #[arg(long)]
    pub tag: Option<String>,
    /// The project is this deal (id or title fragment).
    #[arg(long)]
    pub deal: Option<String>,
}

#[derive(Debug, Args)]
#[group(required = false, multiple = false)]
pub struct StakeholdersArgs {
    /// The map of the project this tag names. With neither --tag nor --deal: the list
    /// of projects that have people placed in them.
    #[arg(long)]
    pub tag: Option<String>,
    /// The map of this deal (id or title fragment).
    #[arg(long)]
    pub deal: Option<String>,
}

#[derive(Debug, Args)]
pub struct StakeArgs {
    /// The person.
    pub reference: String,
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Power over the project, 1–5.
    #[arg(long)]
    pub power: String,
    /// Interest in the project, 1–5.
    #[arg(long)]
    pub interest: String,
    /// Attitude, −2 (opposed) to +2 (champion).
    #[arg(long, default_value = "0", allow_hyphen_values = true)]
    pub attitude: String,
}
