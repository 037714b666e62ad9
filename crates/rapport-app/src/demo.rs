//! Realistic, deterministic demo data: people from many cultures, organizations, a year of
//! interactions with plausible cadence (some relationships tended, some neglected),
//! promises kept and broken both ways, exchanges, conflicts, feedback, goals, tasks,
//! important dates, deals, ties, notes and two stakeholder maps. The same seed gives the same data, ids included.
//!
//! A streaming generator: `organizations()` once, then `next_batch()` until `None`, so a
//! million people never sit in memory at once. Every reference in a batch points at a
//! record of that batch, an earlier batch, or the organizations.

use jiff::civil::Date;
use jiff::{Span, Timestamp};
use rapport_core::*;

use crate::IdBits;

pub struct DemoConfig {
    pub people: u32,
    /// Decides the content: the same seed gives the same people and history.
    pub seed: u64,
    /// Mixed into the ids only, so the same seed can fill several workspaces of one database.
    pub id_salt: u64,
    pub today: Date,
    pub now: Timestamp,
    /// About this many interactions per person on average; `None` keeps the history the
    /// cadences give (about 9 per person). More are added as extra exchanges between the
    /// cadence's check-ins, so last contacts stay as they would be.
    pub interactions_per_person: Option<u32>,
}

/// Interactions per person that the cadences alone give, on average (measured: 893,267
/// for 100,000 people).
const NATURAL_INTERACTIONS_PER_PERSON: f64 = 8.93;

/// Everything generated for a group of people.
#[derive(Debug, Default, serde::Serialize)]
pub struct DemoBatch {
    pub people: Vec<Person>,
    pub memberships: Vec<Membership>,
    pub relationships: Vec<Relationship>,
    pub ties: Vec<Tie>,
    pub interactions: Vec<Interaction>,
    pub commitments: Vec<Commitment>,
    pub exchanges: Vec<Exchange>,
    pub conflicts: Vec<Conflict>,
    pub feedback: Vec<Feedback>,
    pub goals: Vec<Goal>,
    pub tasks: Vec<Task>,
    pub dates: Vec<ImportantDate>,
    pub deals: Vec<Deal>,
    pub notes: Vec<Note>,
    pub stakes: Vec<Stake>,
}

/// SplitMix64: small, fast and good enough for plausible data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (0 when n is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1).max(1) as u64) as i64
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    /// Picks by weight from `(item, weight)` pairs.
    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut r = self.below(total as u64) as u32;
        for (item, w) in items {
            if r < *w {
                return *item;
            }
            r -= w;
        }
        items[0].0
    }
    fn bytes(&mut self) -> [u8; 10] {
        let a = self.next().to_le_bytes();
        let b = self.next().to_le_bytes();
        [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], b[0], b[1]]
    }
}

struct Culture {
    given: &'static [&'static str],
    family: &'static [&'static str],
    zone: &'static str,
    phone: &'static str,
}

const CULTURES: &[Culture] = &[
    Culture {
        given: &[
            "Oliver",
            "Amelia",
            "Harry",
            "Isla",
            "George",
            "Emily",
            "Jack",
            "Grace",
            "Thomas",
            "Charlotte",
            "James",
            "Sophie",
        ],
        family: &[
            "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans", "Thomas",
            "Roberts", "Walker", "Wright", "Hughes",
        ],
        zone: "Europe/London",
        phone: "+44 20",
    },
    Culture {
        given: &[
            "Zoë",
            "Chloé",
            "Léa",
            "Hélène",
            "Théo",
            "Noémie",
            "Gaëlle",
            "Jérôme",
            "Camille",
            "Étienne",
            "Anaïs",
            "François",
        ],
        family: &[
            "Martin",
            "Bernard",
            "Dubois",
            "Lefèvre",
            "Moreau",
            "Girard",
            "Mercier",
            "Fournier",
            "Rousseau",
            "Lemaître",
        ],
        zone: "Europe/Paris",
        phone: "+33 1",
    },
    Culture {
        given: &[
            "Jürgen", "Lena", "Björn", "Mia", "Lukas", "Hannah", "Jörg", "Sophie", "Felix",
            "Leonie",
        ],
        family: &[
            "Müller",
            "Schmidt",
            "Schneider",
            "Fischer",
            "Weber",
            "Meyer",
            "Wagner",
            "Becker",
            "Schäfer",
            "Köhler",
        ],
        zone: "Europe/Berlin",
        phone: "+49 30",
    },
    Culture {
        given: &[
            "José", "María", "Sofía", "Javier", "Lucía", "Álvaro", "Inés", "Martín", "Pilar",
            "Andrés",
        ],
        family: &[
            "García",
            "Fernández",
            "González",
            "Rodríguez",
            "López",
            "Martínez",
            "Sánchez",
            "Pérez",
            "Gómez",
            "Núñez",
        ],
        zone: "Europe/Madrid",
        phone: "+34 91",
    },
    Culture {
        given: &[
            "Giulia",
            "Marco",
            "Chiara",
            "Luca",
            "Francesca",
            "Matteo",
            "Elena",
            "Niccolò",
        ],
        family: &[
            "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
        ],
        zone: "Europe/Rome",
        phone: "+39 06",
    },
    Culture {
        given: &[
            "Łukasz",
            "Zofia",
            "Paweł",
            "Małgorzata",
            "Jakub",
            "Agnieszka",
            "Michał",
            "Katarzyna",
        ],
        family: &[
            "Nowak",
            "Kowalski",
            "Wiśniewski",
            "Wójcik",
            "Kowalczyk",
            "Kamiński",
            "Lewandowski",
            "Zieliński",
        ],
        zone: "Europe/Warsaw",
        phone: "+48 22",
    },
    Culture {
        given: &[
            "Chinedu",
            "Ngozi",
            "Oluwaseun",
            "Adaeze",
            "Emeka",
            "Funmilayo",
            "Tunde",
            "Chiamaka",
        ],
        family: &[
            "Okafor", "Adeyemi", "Okonkwo", "Balogun", "Eze", "Nwosu", "Adebayo", "Obi",
        ],
        zone: "Africa/Lagos",
        phone: "+234 1",
    },
    Culture {
        given: &[
            "Aarav", "Priya", "Rohan", "Ananya", "Vikram", "Diya", "Arjun", "Kavya",
        ],
        family: &[
            "Sharma", "Patel", "Iyer", "Reddy", "Gupta", "Nair", "Singh", "Mehta",
        ],
        zone: "Asia/Kolkata",
        phone: "+91 22",
    },
    Culture {
        given: &["Wei", "Fang", "Jun", "Mei", "Hao", "Xiu", "Lei", "Ying"],
        family: &[
            "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao",
        ],
        zone: "Asia/Shanghai",
        phone: "+86 21",
    },
    Culture {
        given: &[
            "Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi", "Daiki", "Sakura",
        ],
        family: &[
            "Sato",
            "Suzuki",
            "Takahashi",
            "Tanaka",
            "Watanabe",
            "Ito",
            "Yamamoto",
            "Nakamura",
        ],
        zone: "Asia/Tokyo",
        phone: "+81 3",
    },
    Culture {
        given: &["Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun", "Do-yun", "Su-ah"],
        family: &["Kim", "Lee", "Park", "Choi", "Jung", "Kang"],
        zone: "Asia/Seoul",
        phone: "+82 2",
    },
    Culture {
        given: &[
            "Omar", "Layla", "Youssef", "Fatima", "Karim", "Nour", "Hassan", "Amira",
        ],
        family: &[
            "Haddad", "Khalil", "Mansour", "Nasser", "Saleh", "Aziz", "Farouk", "Hamdan",
        ],
        zone: "Asia/Dubai",
        phone: "+971 4",
    },
    Culture {
        given: &[
            "João", "Ana", "Thiago", "Beatriz", "Gabriel", "Larissa", "Rafael", "Luíza",
        ],
        family: &[
            "Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Carvalho", "Araújo",
        ],
        zone: "America/Sao_Paulo",
        phone: "+55 11",
    },
    Culture {
        given: &[
            "Emma", "Liam", "Olivia", "Noah", "Ava", "Ethan", "Sophia", "Mason",
        ],
        family: &[
            "Johnson",
            "Miller",
            "Davis",
            "Garcia",
            "Rodriguez",
            "Anderson",
            "Moore",
            "Jackson",
        ],
        zone: "America/New_York",
        phone: "+1 212",
    },
];

const ORG_WORDS: &[&str] = &[
    "Northwind",
    "Blue Harbor",
    "Atlas",
    "Lumen",
    "Cedar",
    "Vertex",
    "Orchid",
    "Granite",
    "Nimbus",
    "Kestrel",
    "Solace",
    "Meridian",
    "Quill",
    "Beacon",
    "Juniper",
    "Halcyon",
    "Tessera",
    "Aurora",
    "Ironbark",
    "Saffron",
];
const ORG_SUFFIX: &[&str] = &[
    "Labs",
    "Partners",
    "Logistics",
    "Health",
    "Capital",
    "Foods",
    "Systems",
    "Studio",
    "Energy",
    "Robotics",
    "Consulting",
    "Media",
];
const INDUSTRIES: &[&str] = &[
    "Software",
    "Logistics",
    "Healthcare",
    "Finance",
    "Food",
    "Manufacturing",
    "Design",
    "Energy",
    "Retail",
    "Education",
];
const TITLES: &[&str] = &[
    "CEO",
    "CTO",
    "Head of Sales",
    "Procurement Manager",
    "Engineer",
    "Designer",
    "Account Manager",
    "Founder",
    "Operations Lead",
    "Marketing Director",
];
const TAGS: &[&str] = &[
    "vip",
    "investor",
    "conference-2025",
    "neighbor",
    "board",
    "alumni",
    "early-adopter",
    "advisor",
    "press",
    "climbing",
];
const MET: &[&str] = &[
    "Met at a conference in Lisbon",
    "Introduced by a former colleague",
    "Neighbours for years",
    "University friends",
    "Met through a customer referral",
    "Sat next to each other on a long flight",
    "Worked together on a previous project",
    "Met at a local meetup",
];
const NEEDS: &[&str] = &[
    "Wants to expand into new markets next year",
    "Looking for a reliable supplier",
    "Needs introductions to investors",
    "Hiring senior engineers",
    "Wants to reduce costs this quarter",
    "Preparing a career change",
    "Raising a seed round",
];
const SUMMARIES: &[&str] = &[
    "Quarterly check-in",
    "Coffee catch-up",
    "Project update",
    "Discussed pricing",
    "Followed up on the proposal",
    "Shared an article",
    "Talked about hiring",
    "Planning next steps",
    "Quick call about delivery",
    "Lunch",
];
const PROMISES_MINE: &[&str] = &[
    "Send the proposal",
    "Share the deck",
    "Introduce them to a designer",
    "Review their contract",
    "Send the invoice correction",
    "Recommend a lawyer",
];
const PROMISES_THEIRS: &[&str] = &[
    "Send feedback on the draft",
    "Pay the open invoice",
    "Confirm the order",
    "Share their roadmap",
    "Introduce us to their CFO",
];
const NOTES: &[&str] = &[
    "Prefers short emails",
    "Allergic to nuts",
    "Two kids, loves sailing",
    "Decision maker for the budget",
    "Vegetarian",
    "Do not call before 10am",
    "Big football fan",
];

/// A stakeholder map of the demo: a tag project whose people are the first few, in
/// generation order, who carry one of `from`'s tags, with a power that tag suggests.
struct DemoProject {
    tag: &'static str,
    from: &'static [(&'static str, i64)],
    limit: u32,
}

const DEMO_PROJECTS: &[DemoProject] = &[
    DemoProject {
        tag: "launch",
        from: &[
            ("board", 5),
            ("investor", 4),
            ("press", 3),
            ("advisor", 3),
            ("early-adopter", 2),
        ],
        limit: 24,
    },
    DemoProject {
        tag: "fundraising",
        from: &[("investor", 5), ("board", 4), ("advisor", 3)],
        limit: 16,
    },
];

pub struct DemoGenerator {
    cfg: DemoConfig,
    rng: Rng,
    /// The last id handed out. Ids are stamped in generation order (all in the
    /// millisecond of `now`, counting up from seeded random bits), not with each
    /// record's back-dated creation time: so a load appends to every index keyed by id
    /// instead of inserting at random places in it. `created_at` keeps the back-dated
    /// time.
    ids: IdBits,
    /// The streams of the extra interactions of `interactions_per_person`.
    extra_rng: Rng,
    extra_ids: IdBits,
    /// The streams of the stakes, and how many people each of [`DEMO_PROJECTS`] has.
    stake_rng: Rng,
    stake_ids: IdBits,
    placed: [u32; DEMO_PROJECTS.len()],
    done: u32,
    orgs: Vec<(Id, String, Vec<String>)>,
    people: Vec<Id>,
    interactions: u64,
}

/// The source id of the `n`th demo interaction of a seed: stable across runs, so a
/// second load of the same seed can be recognised before anything is written.
pub fn source_id(seed: u64, n: u64) -> String {
    format!("seed{seed}-{n}")
}

fn ascii_slug(s: &str) -> String {
    fold(s)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

impl DemoGenerator {
    pub fn new(cfg: DemoConfig) -> DemoGenerator {
        let rng = Rng(cfg.seed ^ 0x5241_5050_4f52_5400);
        let millis = cfg.now.as_millisecond().max(0) as u64;
        let ids = IdBits::starting(
            millis,
            Rng(cfg.seed ^ cfg.id_salt.rotate_left(17) ^ 0x01D5_0FDE_3000).bytes(),
        );
        let extra_rng = Rng(cfg.seed ^ 0x4558_5452_4153_0000);
        let extra_ids = IdBits::starting(
            millis,
            Rng(cfg.seed ^ cfg.id_salt.rotate_left(29) ^ 0x0455_81D5).bytes(),
        );
        let stake_rng = Rng(cfg.seed ^ 0x5354_414b_4553_0000);
        let stake_ids = IdBits::starting(
            millis,
            Rng(cfg.seed ^ cfg.id_salt.rotate_left(41) ^ 0x057A_4E5D).bytes(),
        );
        DemoGenerator {
            cfg,
            rng,
            ids,
            extra_rng,
            extra_ids,
            stake_rng,
            stake_ids,
            placed: [0; DEMO_PROJECTS.len()],
            done: 0,
            orgs: Vec::new(),
            people: Vec::new(),
            interactions: 0,
        }
    }

    /// A timestamp `days` (plus a random part of a day) before now.
    fn days_ago(&mut self, days: i64) -> Timestamp {
        let ms =
            self.cfg.now.as_millisecond() - days * 86_400_000 - self.rng.below(36_000_000) as i64;
        Timestamp::from_millisecond(ms).unwrap_or(self.cfg.now)
    }

    /// A random day between `lo` and `hi` days from today.
    fn rand_day(&mut self, lo: i64, hi: i64) -> Date {
        let d = self.rng.range(lo, hi);
        self.day_offset(d)
    }

    /// A random moment between `lo` and `hi` days ago.
    fn rand_ago(&mut self, lo: i64, hi: i64) -> Timestamp {
        let d = self.rng.range(lo, hi);
        self.days_ago(d)
    }

    fn day_offset(&self, days: i64) -> Date {
        self.cfg
            .today
            .checked_add(Span::new().days(days))
            .unwrap_or(self.cfg.today)
    }

    fn meta_at(&mut self, at: Timestamp) -> Meta {
        self.ids = self.ids.next();
        Meta::new(self.ids.id(), at.min(self.cfg.now))
    }

    fn meta(&mut self, max_days_ago: i64) -> Meta {
        let d = self.rng.range(0, max_days_ago.max(0));
        let at = self.days_ago(d);
        self.meta_at(at)
    }

    /// The organizations, generated once before the first batch.
    pub fn organizations(&mut self) -> Vec<Organization> {
        let n = (self.cfg.people / 8).max(3);
        let mut out = Vec::with_capacity(n as usize);
        for i in 0..n {
            let base = format!("{} {}", self.rng.pick(ORG_WORDS), self.rng.pick(ORG_SUFFIX));
            let name = if i as usize >= ORG_WORDS.len() * ORG_SUFFIX.len() {
                format!("{base} {}", i + 1)
            } else {
                base
            };
            let meta = self.meta(1500);
            let mut o = Organization::named(meta, name.clone());
            let domain = format!("{}.example", ascii_slug(&name));
            o.domains = vec![domain.clone()];
            o.industry = Some(self.rng.pick(INDUSTRIES).to_string());
            o.kind = Some(
                if self.rng.chance(0.8) {
                    "company"
                } else {
                    "nonprofit"
                }
                .into(),
            );
            if self.rng.chance(0.2) {
                o.tags.push(
                    self.rng
                        .pick(&["key-account", "supplier", "partner"])
                        .to_string(),
                );
            }
            self.orgs.push((o.meta.id.clone(), name, vec![domain]));
            out.push(o);
        }
        out
    }

    /// The next batch of at most `max_people` people with everything around them.
    pub fn next_batch(&mut self, max_people: usize) -> Option<DemoBatch> {
        if self.done >= self.cfg.people {
            return None;
        }
        if self.orgs.is_empty() {
            self.organizations();
        }
        let n = (self.cfg.people - self.done).min(max_people.max(1) as u32);
        let mut b = DemoBatch::default();
        for _ in 0..n {
            self.person(&mut b);
            self.stakes(&mut b);
            self.done += 1;
        }
        Some(b)
    }

    fn person(&mut self, b: &mut DemoBatch) {
        let culture = self.rng.pick(CULTURES);
        let given = *self.rng.pick(culture.given);
        let family = *self.rng.pick(culture.family);
        let meta = self.meta(1200);
        let created_days =
            (self.cfg.now.as_millisecond() - meta.created_at.as_millisecond()) / 86_400_000;
        let mut p = Person::named(meta, format!("{given} {family}"));
        p.given_name = Some(given.into());
        p.family_name = Some(family.into());
        p.time_zone = Some(culture.zone.into());
        let org = if self.rng.chance(0.7) {
            Some(self.rng.pick(&self.orgs).clone())
        } else {
            None
        };
        let local = format!("{}.{}", ascii_slug(given), ascii_slug(family));
        let suffix = self.rng.below(1000);
        let domain = match &org {
            Some((_, _, d)) => d[0].clone(),
            None => self
                .rng
                .pick(&["mail.example", "inbox.example", "post.example"])
                .to_string(),
        };
        p.emails.push(Labeled::new(
            format!("{local}{suffix}@{domain}"),
            Some(if org.is_some() { "work" } else { "home" }.into()),
        ));
        if self.rng.chance(0.3) {
            p.emails.push(Labeled::new(
                format!("{local}.{suffix}@home.example"),
                Some("home".into()),
            ));
        }
        p.phones.push(Labeled::new(
            format!(
                "{} {:04} {:04}",
                culture.phone,
                self.rng.below(10_000),
                self.rng.below(10_000)
            ),
            Some("mobile".into()),
        ));
        if self.rng.chance(0.5) {
            let year = if self.rng.chance(0.8) {
                Some(self.rng.range(1950, 2002) as i16)
            } else {
                None
            };
            p.birthday = AnnualDate::new(
                year,
                self.rng.range(1, 12) as u8,
                self.rng.range(1, 28) as u8,
            )
            .ok();
        }
        for _ in 0..self.rng.below(3) {
            let t = self.rng.pick(TAGS).to_string();
            if !p.tags.contains(&t) {
                p.tags.push(t);
            }
        }
        if self.rng.chance(0.6) {
            p.how_we_met = Some(self.rng.pick(MET).to_string());
        }
        if self.rng.chance(0.4) {
            p.needs_and_goals = Some(self.rng.pick(NEEDS).to_string());
        }
        p.preferred_channel = Some(self.rng.weighted(&[
            (Channel::Email, 4),
            (Channel::Call, 3),
            (Channel::Message, 3),
            (Channel::Meeting, 1),
        ]));
        let pid = p.meta.id.clone();
        if let Some((oid, _, _)) = &org {
            let meta = self.meta_at(p.meta.created_at);
            b.memberships.push(Membership {
                meta,
                person_id: pid.clone(),
                organization_id: oid.clone(),
                title: Some(self.rng.pick(TITLES).to_string()),
                from: None,
                to: None,
            });
        }
        // Ties to people generated before: the network grows as people arrive.
        let mut tie_partners = Vec::new();
        if !self.people.is_empty() {
            for _ in 0..self.rng.range(1, 4) {
                let other = self.people[self.rng.below(self.people.len() as u64) as usize].clone();
                if tie_partners.contains(&other) {
                    continue;
                }
                let kind = self.rng.weighted(&[
                    (TieKind::Knows, 10),
                    (TieKind::IntroducedBy, 2),
                    (TieKind::ReferredBy, 1),
                    (TieKind::Family, 1),
                    (TieKind::MentorOf, 1),
                ]);
                let meta = self.meta_at(p.meta.created_at);
                let strength = Strength::clamped(self.rng.range(1, 5));
                b.ties.push(Tie {
                    meta,
                    from_person_id: pid.clone(),
                    to_person_id: other.clone(),
                    kind,
                    strength,
                    note: None,
                });
                tie_partners.push(other);
            }
        }
        if self.rng.chance(0.2) {
            let meta = self.meta_at(p.meta.created_at);
            b.notes.push(Note {
                meta,
                link: Link {
                    kind: EntityKind::Person,
                    id: pid.clone(),
                },
                body: self.rng.pick(NOTES).to_string(),
            });
        }
        if self.rng.chance(0.15) {
            let due = self.rand_day(-5, 14);
            let meta = self.meta(10);
            b.tasks.push(Task {
                meta,
                text: format!("Follow up with {given}"),
                due: Some(due),
                done_at: None,
                link: Some(Link {
                    kind: EntityKind::Person,
                    id: pid.clone(),
                }),
            });
        }
        if self.rng.chance(0.1) {
            let meta = self.meta_at(p.meta.created_at);
            let date = AnnualDate::new(
                Some(self.rng.range(2005, 2024) as i16),
                self.rng.range(1, 12) as u8,
                self.rng.range(1, 28) as u8,
            );
            if let Ok(date) = date {
                b.dates.push(ImportantDate {
                    meta,
                    person_id: pid.clone(),
                    kind: DateKind::Anniversary,
                    date,
                    label: Some("work anniversary".into()),
                });
            }
        }
        let n_rel = self.rng.weighted(&[(0u32, 15), (1, 70), (2, 15)]);
        let subject = Subject {
            kind: SubjectKind::Person,
            id: pid.clone(),
        };
        let mut kinds_used = Vec::new();
        for _ in 0..n_rel {
            let kind = self.rng.weighted(&[
                (RelationshipKind::Customer, 12),
                (RelationshipKind::Prospect, 6),
                (RelationshipKind::Partner, 4),
                (RelationshipKind::Supplier, 3),
                (RelationshipKind::Friend, 8),
                (RelationshipKind::Colleague, 6),
                (RelationshipKind::Mentor, 2),
                (RelationshipKind::Mentee, 1),
                (RelationshipKind::Family, 2),
                (RelationshipKind::Investor, 1),
                (RelationshipKind::Community, 2),
            ]);
            if kinds_used.contains(&kind) {
                continue;
            }
            kinds_used.push(kind);
            self.relationship(b, &subject, kind, created_days, &tie_partners, given);
        }
        self.people.push(pid);
        b.people.push(p);
    }

    /// The last person's places in the demo's projects, until each project has its
    /// people. They draw from their own random streams, so everything else is the same
    /// as without them.
    fn stakes(&mut self, b: &mut DemoBatch) {
        let Some(p) = b.people.last() else {
            return;
        };
        // The power each project with room left would give this person, by their tags:
        // once the projects have their people, nothing more is done per person.
        let powers: Vec<(usize, i64)> = DEMO_PROJECTS
            .iter()
            .enumerate()
            .filter(|(n, project)| self.placed[*n] < project.limit)
            .filter_map(|(n, project)| {
                project
                    .from
                    .iter()
                    .filter(|(t, _)| p.tags.iter().any(|tag| tag == t))
                    .map(|(_, power)| *power)
                    .max()
                    .map(|power| (n, power))
            })
            .collect();
        if powers.is_empty() {
            return;
        }
        let person = p.meta.id.clone();
        std::mem::swap(&mut self.rng, &mut self.stake_rng);
        std::mem::swap(&mut self.ids, &mut self.stake_ids);
        for (n, power) in powers {
            if !self.rng.chance(0.6) {
                continue;
            }
            self.placed[n] += 1;
            let meta = self.meta(60);
            b.stakes.push(Stake {
                meta,
                person_id: person.clone(),
                project: Project::Tag(DEMO_PROJECTS[n].tag.into()),
                power: Level::clamped(power - self.rng.range(0, 1)),
                interest: Level::clamped(self.rng.range(1, 5)),
                attitude: Attitude::clamped(self.rng.weighted(&[
                    (-2, 1),
                    (-1, 2),
                    (0, 3),
                    (1, 4),
                    (2, 2),
                ])),
            });
        }
        std::mem::swap(&mut self.rng, &mut self.stake_rng);
        std::mem::swap(&mut self.ids, &mut self.stake_ids);
    }

    /// One interaction with `subject`, `day` days ago.
    fn interaction(
        &mut self,
        b: &mut DemoBatch,
        subject: &Subject,
        partners: &[Id],
        tended: bool,
        day: i64,
    ) {
        let at = self.days_ago(day);
        let meta = self.meta_at(at);
        let channel = self.rng.weighted(&[
            (Channel::Email, 5),
            (Channel::Call, 4),
            (Channel::Meeting, 2),
            (Channel::Video, 2),
            (Channel::Message, 4),
            (Channel::Event, 1),
        ]);
        let minutes = match channel {
            Channel::Meeting => 45,
            Channel::Call | Channel::Video => 20,
            Channel::Event => 90,
            _ => 5,
        };
        let mut participants = vec![subject.id.clone()];
        if !partners.is_empty() && self.rng.chance(0.1) {
            participants.push(partners[0].clone());
        }
        let sentiment = if tended {
            self.rng.weighted(&[(2i64, 3), (1, 5), (0, 3), (-1, 1)])
        } else {
            self.rng.weighted(&[(1i64, 2), (0, 4), (-1, 3), (-2, 1)])
        };
        let n = self.interactions;
        self.interactions += 1;
        b.interactions.push(Interaction {
            meta,
            at,
            channel,
            direction: self.rng.weighted(&[
                (Direction::Outbound, 5),
                (Direction::Inbound, 4),
                (Direction::Mutual, 3),
            ]),
            participants,
            organization_ids: vec![],
            minutes: Some(minutes),
            sentiment: Some(Sentiment::clamped(sentiment)),
            summary: self.rng.pick(SUMMARIES).to_string(),
            body: None,
            source: Source::Demo,
            source_id: Some(source_id(self.cfg.seed, n)),
        });
    }

    fn relationship(
        &mut self,
        b: &mut DemoBatch,
        subject: &Subject,
        kind: RelationshipKind,
        age_days: i64,
        partners: &[Id],
        given: &str,
    ) {
        let meta = self.meta(age_days.clamp(30, 1200));
        let importance = Importance::clamped(self.rng.range(1, 5));
        let cadence_days = match kind {
            RelationshipKind::Customer | RelationshipKind::Partner => self.rng.range(7, 30),
            RelationshipKind::Family | RelationshipKind::Friend => self.rng.range(14, 45),
            _ => self.rng.range(21, 90),
        };
        let status = self.rng.weighted(&[
            (RelationshipStatus::Active, 87),
            (RelationshipStatus::Dormant, 8),
            (RelationshipStatus::Ended, 5),
        ]);
        let stage = self.rng.weighted(&[
            (Stage::Transactional, 3),
            (Stage::Relational, 5),
            (Stage::Integrative, 2),
        ]);
        let rid = meta.id.clone();
        let started = meta.created_at.to_zoned(jiff::tz::TimeZone::UTC).date();
        let ended = status == RelationshipStatus::Ended;
        b.relationships.push(Relationship {
            meta,
            subject: subject.clone(),
            kind,
            stage,
            importance,
            cadence_days: if self.rng.chance(0.8) {
                CadenceDays::new(cadence_days).ok()
            } else {
                None
            },
            status,
            owner_id: None,
            visibility: Visibility::Workspace,
            goals: if self.rng.chance(0.3) {
                Some("Grow the relationship into a long-term partnership".into())
            } else {
                None
            },
            expectations: None,
            boundaries: if self.rng.chance(0.1) {
                Some("No calls on weekends".into())
            } else {
                None
            },
            started_on: Some(started),
            ended_on: if ended {
                Some(self.rand_day(-200, -10))
            } else {
                None
            },
            end_reason: if ended {
                Some(
                    self.rng
                        .pick(&[
                            "moved to a competitor",
                            "project ended",
                            "lost touch",
                            "price",
                        ])
                        .to_string(),
                )
            } else {
                None
            },
        });
        // A year of interactions: tended relationships follow their cadence, neglected
        // ones went quiet a while ago.
        let tended = self.rng.chance(0.6);
        let quiet_days = if tended {
            self.rng.range(0, cadence_days)
        } else {
            self.rng.range(cadence_days * 2, 240)
        };
        let mut day = quiet_days;
        let mut count = 0;
        let limit = 365.min(age_days);
        let extra = self
            .cfg
            .interactions_per_person
            .map(|n| (f64::from(n) / NATURAL_INTERACTIONS_PER_PERSON - 1.0).max(0.0));
        while day < limit && count < 30 {
            self.interaction(b, subject, partners, tended, day);
            count += 1;
            let step = (cadence_days + self.rng.range(-cadence_days / 3, cadence_days / 2)).max(2);
            // A denser history: more exchanges between this check-in and the one before.
            // They draw from their own random streams, so everything else is the same
            // as without them.
            if let Some(extra) = extra {
                std::mem::swap(&mut self.rng, &mut self.extra_rng);
                std::mem::swap(&mut self.ids, &mut self.extra_ids);
                let whole = extra.floor();
                let n = whole as u64 + u64::from(self.rng.chance(extra - whole));
                for _ in 0..n {
                    let d = (day + self.rng.range(0, step - 1)).min(limit - 1);
                    self.interaction(b, subject, partners, tended, d);
                }
                std::mem::swap(&mut self.rng, &mut self.extra_rng);
                std::mem::swap(&mut self.ids, &mut self.extra_ids);
            }
            day += step;
        }
        for _ in 0..self.rng.below(4) {
            let mine = self.rng.chance(0.55);
            let due_offset = self.rng.range(-60, 30);
            let due = self.day_offset(due_offset);
            let status = if due_offset >= 0 {
                CommitmentStatus::Open
            } else if tended {
                self.rng.weighted(&[
                    (CommitmentStatus::Kept, 80),
                    (CommitmentStatus::Broken, 8),
                    (CommitmentStatus::Open, 12),
                ])
            } else {
                self.rng.weighted(&[
                    (CommitmentStatus::Kept, 50),
                    (CommitmentStatus::Broken, 30),
                    (CommitmentStatus::Open, 20),
                ])
            };
            let meta = self.meta(-due_offset.min(0) + 20);
            let closed_at = if status.is_closed() {
                Some(self.days_ago((-due_offset).max(0)))
            } else {
                None
            };
            let text = if mine {
                self.rng.pick(PROMISES_MINE)
            } else {
                self.rng.pick(PROMISES_THEIRS)
            };
            b.commitments.push(Commitment {
                meta,
                relationship_id: rid.clone(),
                owed_by: if mine { OwedBy::Me } else { OwedBy::Them },
                text: text.to_string(),
                due: Some(due),
                status,
                closed_at,
            });
        }
        for _ in 0..self.rng.below(5) {
            let at = self.rand_ago(0, 300);
            let meta = self.meta_at(at);
            let direction = if self.rng.chance(0.5) {
                ExchangeDirection::Given
            } else {
                ExchangeDirection::Received
            };
            let kind = self.rng.weighted(&[
                (ExchangeKind::Advice, 4),
                (ExchangeKind::Introduction, 2),
                (ExchangeKind::Referral, 1),
                (ExchangeKind::Favor, 3),
                (ExchangeKind::Gift, 1),
                (ExchangeKind::Business, 2),
            ]);
            b.exchanges.push(Exchange {
                meta,
                relationship_id: rid.clone(),
                direction,
                kind,
                value: self.rng.range(1, 5) as u32,
                amount: None,
                currency: None,
                note: format!("{kind} with {given}"),
                at,
            });
        }
        if self.rng.chance(if tended { 0.04 } else { 0.15 }) {
            let opened = self.rng.range(3, 120);
            let opened_at = self.days_ago(opened);
            let meta = self.meta_at(opened_at);
            let resolved = self.rng.chance(0.6);
            b.conflicts.push(Conflict {
                meta,
                relationship_id: rid.clone(),
                description: self
                    .rng
                    .pick(&[
                        "Late delivery",
                        "Invoice dispute",
                        "Missed meeting",
                        "Disagreement about scope",
                    ])
                    .to_string(),
                severity: Severity::clamped(self.rng.range(1, 3)),
                status: if resolved {
                    ConflictStatus::Resolved
                } else {
                    self.rng.weighted(&[
                        (ConflictStatus::Open, 3),
                        (ConflictStatus::Acknowledged, 2),
                        (ConflictStatus::Resolving, 1),
                    ])
                },
                resolution_method: if resolved {
                    Some(self.rng.weighted(&[
                        (ResolutionMethod::Discussion, 6),
                        (ResolutionMethod::Compromise, 3),
                        (ResolutionMethod::Mediation, 1),
                    ]))
                } else {
                    None
                },
                resolution_note: None,
                opened_at,
                resolved_at: if resolved {
                    Some(self.rand_ago(0, opened))
                } else {
                    None
                },
            });
        }
        if matches!(kind, RelationshipKind::Customer | RelationshipKind::Partner)
            && self.rng.chance(0.6)
        {
            let at = self.rand_ago(5, 200);
            let meta = self.meta_at(at);
            let score = if tended {
                self.rng.range(7, 10)
            } else {
                self.rng.range(2, 8)
            } as u8;
            b.feedback.push(Feedback {
                meta,
                relationship_id: rid.clone(),
                scale: FeedbackScale::Nps,
                score,
                comment: None,
                at,
            });
        }
        if self.rng.chance(0.2) {
            let meta = self.meta(100);
            b.goals.push(Goal {
                meta,
                relationship_id: rid.clone(),
                text: "Launch a joint project".into(),
                target_date: Some(self.rand_day(30, 200)),
                status: GoalStatus::Open,
                progress: Progress::clamped(self.rng.range(0, 90)),
            });
        }
        if matches!(
            kind,
            RelationshipKind::Customer | RelationshipKind::Prospect
        ) && self.rng.chance(0.5)
        {
            let stage = self.rng.weighted(&[
                (DealStage::Lead, 3),
                (DealStage::Qualified, 3),
                (DealStage::Proposal, 2),
                (DealStage::Negotiation, 1),
                (DealStage::Won, 3),
                (DealStage::Lost, 1),
            ]);
            let meta = self.meta(200);
            b.deals.push(Deal {
                meta,
                subject: subject.clone(),
                title: format!(
                    "{} for {given}",
                    self.rng.pick(&[
                        "Annual licence",
                        "Pilot project",
                        "Consulting package",
                        "Hardware order"
                    ])
                ),
                amount: Some((self.rng.range(5, 500) * 100) as f64),
                currency: Some(self.rng.pick(&["EUR", "USD"]).to_string()),
                stage,
                expected_close: Some(self.rand_day(-30, 120)),
                closed_at: if stage.is_closed() {
                    Some(self.rand_ago(1, 150))
                } else {
                    None
                },
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn cfg(people: u32, seed: u64) -> DemoConfig {
        DemoConfig {
            id_salt: 0,
            people,
            seed,
            today: jiff::civil::date(2026, 11, 23),
            now: "2026-11-23T09:00:00Z".parse().unwrap(),
            interactions_per_person: None,
        }
    }

    fn generate(people: u32, seed: u64) -> (Vec<Organization>, Vec<DemoBatch>) {
        let mut g = DemoGenerator::new(cfg(people, seed));
        let orgs = g.organizations();
        let mut batches = Vec::new();
        while let Some(b) = g.next_batch(37) {
            batches.push(b);
        }
        (orgs, batches)
    }

    #[test]
    fn deterministic_per_seed() {
        let a = serde_json::to_string(&generate(120, 7).1).unwrap();
        let b = serde_json::to_string(&generate(120, 7).1).unwrap();
        let c = serde_json::to_string(&generate(120, 8).1).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn ids_follow_generation_order() {
        let (orgs, batches) = generate(300, 5);
        let mut all: Vec<Id> = orgs.iter().map(|o| o.meta.id.clone()).collect();
        let (mut people, mut interactions) = (Vec::new(), Vec::new());
        for b in &batches {
            people.extend(b.people.iter().map(|p| p.meta.id.clone()));
            interactions.extend(b.interactions.iter().map(|i| i.meta.id.clone()));
            all.extend(b.relationships.iter().map(|r| r.meta.id.clone()));
            all.extend(b.notes.iter().map(|n| n.meta.id.clone()));
        }
        // Each table's rows arrive in ascending id order, batch after batch.
        for ids in [&people, &interactions] {
            assert!(ids.windows(2).all(|w| w[0] < w[1]));
        }
        // Back-dated creation times, ids all distinct.
        assert!(
            batches[0]
                .people
                .iter()
                .any(|p| p.meta.created_at < cfg(1, 5).now)
        );
        all.extend(people);
        all.extend(interactions);
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n);
    }

    #[test]
    fn denser_history_keeps_everything_else() {
        let plain = generate(200, 9).1;
        let mut c = cfg(200, 9);
        c.interactions_per_person = Some(40);
        let mut g = DemoGenerator::new(c);
        g.organizations();
        let mut dense = Vec::new();
        while let Some(b) = g.next_batch(37) {
            dense.push(b);
        }
        let all = |bs: &[DemoBatch]| {
            let people: Vec<_> = bs.iter().flat_map(|b| b.people.clone()).collect();
            let rels: Vec<_> = bs.iter().flat_map(|b| b.relationships.clone()).collect();
            let n: usize = bs.iter().map(|b| b.interactions.len()).sum();
            (people, rels, n)
        };
        let (p1, r1, n1) = all(&plain);
        let (p2, r2, n2) = all(&dense);
        assert_eq!(p1, p2);
        assert_eq!(r1, r2);
        let per_person = n2 as f64 / 200.0;
        assert!(
            (30.0..50.0).contains(&per_person),
            "{per_person} a person, {n1} plain"
        );
    }

    #[test]
    fn counts_references_and_values_are_sound() {
        let (orgs, batches) = generate(500, 42);
        let mut people: HashSet<Id> = HashSet::new();
        let org_ids: HashSet<Id> = orgs.iter().map(|o| o.meta.id.clone()).collect();
        let mut rels: HashSet<Id> = HashSet::new();
        let (mut n_people, mut n_inter, mut n_rel) = (0, 0, 0);
        for b in &batches {
            for p in &b.people {
                assert!(p.validate().is_ok(), "{p:?}");
                for e in &p.emails {
                    assert!(Email::parse(&e.value).is_ok(), "{}", e.value);
                }
                people.insert(p.meta.id.clone());
            }
            n_people += b.people.len();
            for m in &b.memberships {
                assert!(people.contains(&m.person_id) && org_ids.contains(&m.organization_id));
            }
            for t in &b.ties {
                assert!(people.contains(&t.from_person_id) && people.contains(&t.to_person_id));
            }
            for r in &b.relationships {
                assert!(people.contains(&r.subject.id));
                rels.insert(r.meta.id.clone());
            }
            n_rel += b.relationships.len();
            for i in &b.interactions {
                assert!(i.participants.iter().all(|p| people.contains(p)));
                assert!(i.validate().is_ok());
                assert!(i.at <= "2026-11-23T09:00:00Z".parse::<Timestamp>().unwrap());
            }
            n_inter += b.interactions.len();
            for c in &b.commitments {
                assert!(rels.contains(&c.relationship_id));
            }
            for x in &b.exchanges {
                assert!(rels.contains(&x.relationship_id));
            }
            for c in &b.conflicts {
                assert!(rels.contains(&c.relationship_id));
            }
            for f in &b.feedback {
                assert!(rels.contains(&f.relationship_id));
            }
        }
        assert_eq!(n_people, 500);
        // Each demo project has its people, each placed once, every one of them carrying
        // one of the project's tags.
        let tags_of: std::collections::HashMap<&Id, &Vec<String>> = batches
            .iter()
            .flat_map(|b| b.people.iter().map(|p| (&p.meta.id, &p.tags)))
            .collect();
        for project in DEMO_PROJECTS {
            let placed: Vec<&Stake> = batches
                .iter()
                .flat_map(|b| &b.stakes)
                .filter(|s| s.project == Project::Tag(project.tag.into()))
                .collect();
            assert_eq!(placed.len(), project.limit as usize, "{}", project.tag);
            let distinct: HashSet<&Id> = placed.iter().map(|s| &s.person_id).collect();
            assert_eq!(distinct.len(), placed.len());
            for s in placed {
                let tags = tags_of[&s.person_id];
                assert!(
                    project
                        .from
                        .iter()
                        .any(|(t, _)| tags.iter().any(|x| x == t))
                );
                assert!(s.validate().is_ok());
            }
        }
        assert!((400..=700).contains(&n_rel), "{n_rel} relationships");
        assert!(n_inter > 2000, "{n_inter} interactions");
        let names: HashSet<_> = batches
            .iter()
            .flat_map(|b| b.people.iter().map(|p| p.name.clone()))
            .collect();
        assert!(names.iter().any(|n| !n.is_ascii()), "names with accents");
    }
}
