//! The dashboard's figures kept between views of a large workspace.
//!
//! Beside the agenda, the dashboard sums up the health of every relationship the user
//! may see and the metrics of the last 90 days: both read the whole workspace (about 4 s
//! of CPU at 100,000 relationships). Where a user sees at most
//! [`crate::Options::dashboard_live_up_to`] relationships they are computed on every
//! view, so the page is exact. Above that, the last figures computed for that user are
//! shown at once, with the time they are from, and once they are older than
//! [`crate::Options::dashboard_refresh_after`] (or five times as long as they took to
//! compute, whichever is longer) one view starts computing them again in the background
//! for the next views. With none computed yet (the first view after the server
//! starts), a view counts the relationships the user may see, no further than that
//! size: a large workspace's first figures are computed in the background too, and
//! the page says so instead of keeping the user waiting. The agenda itself is always
//! read live.
//!
//! This is a cache of this process only: another instance keeps its own, and a new
//! process computes the figures again. Nothing here is needed for correctness.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rapport_app::views::DashboardFigures;
use rapport_core::Id;

/// Whose figures: a workspace and the user (visibility depends on the user).
pub type Key = (Id, Option<Id>);

struct Entry {
    /// The last figures computed, once there are some.
    kept: Option<Kept>,
    /// A computation is under way in the background.
    computing: bool,
}

struct Kept {
    figures: Arc<DashboardFigures>,
    /// When their computation started.
    started: Instant,
    took: Duration,
}

/// What a view of the dashboard does for its figures, once it knows. With none
/// computed and none under way ([`KeptFigures::plan`] answers `None`), the view counts
/// what the user may see, up to [`KeptFigures::count_up_to`], and either computes them
/// now ([`Plan::Live`]) or, for a large workspace, [`KeptFigures::begin`]s computing them
/// in the background ([`Plan::Pending`]).
#[derive(Debug)]
pub enum Plan {
    /// Compute them now and keep them (a small workspace).
    Live,
    /// Their first computation is under way in the background: none to show yet.
    Pending,
    /// Show these; if `refresh`, this view also starts computing them again in the
    /// background (no other view is).
    Kept {
        figures: Arc<DashboardFigures>,
        refresh: bool,
    },
}

/// The figures kept per workspace and user.
pub struct KeptFigures {
    entries: Mutex<HashMap<Key, Entry>>,
    live_up_to: usize,
    refresh_after: Duration,
}

impl KeptFigures {
    pub fn new(live_up_to: usize, refresh_after: Duration) -> KeptFigures {
        KeptFigures {
            entries: Mutex::new(HashMap::new()),
            live_up_to,
            refresh_after,
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        // A panic while holding the lock leaves a map that is still whole.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What a view at `now` does; `None` for a first view (none computed, none under
    /// way), which must first count what the user may see.
    pub fn plan(&self, key: &Key, now: Instant) -> Option<Plan> {
        let mut entries = self.entries();
        let e = entries.get_mut(key)?;
        let Some(k) = &e.kept else {
            return e.computing.then_some(Plan::Pending);
        };
        if !self.is_large(k.figures.relationships) {
            return Some(Plan::Live);
        }
        let age = now.saturating_duration_since(k.started);
        let refresh = !e.computing && age >= self.refresh_after.max(k.took.saturating_mul(5));
        let figures = k.figures.clone();
        if refresh {
            e.computing = true;
        }
        Some(Plan::Kept { figures, refresh })
    }

    /// How far a first view counts the relationships the user may see: one
    /// more than are computed on every view.
    pub fn count_up_to(&self) -> u32 {
        u32::try_from(self.live_up_to.saturating_add(1)).unwrap_or(u32::MAX)
    }

    /// Whether figures over `relationships` are kept rather than computed on every view.
    pub fn is_large(&self, relationships: usize) -> bool {
        relationships > self.live_up_to
    }

    /// Marks the first computation of `key`'s figures as under way, so that the views
    /// until it lands are [`Plan::Pending`]; false if one is under way or some are
    /// kept already (then the caller starts nothing).
    pub fn begin(&self, key: &Key) -> bool {
        let mut entries = self.entries();
        let e = entries.entry(key.clone()).or_insert(Entry {
            kept: None,
            computing: false,
        });
        if e.computing || e.kept.is_some() {
            return false;
        }
        e.computing = true;
        true
    }

    /// Keeps figures whose computation started at `started` and took `took`, unless
    /// newer ones are kept already.
    pub fn keep(&self, key: Key, figures: Arc<DashboardFigures>, started: Instant, took: Duration) {
        let mut entries = self.entries();
        if let Some(Entry { kept: Some(k), .. }) = entries.get(&key)
            && k.started > started
        {
            return;
        }
        entries.insert(
            key,
            Entry {
                kept: Some(Kept {
                    figures,
                    started,
                    took,
                }),
                computing: false,
            },
        );
    }

    /// Computes the figures with `f`, timed, and keeps them; if `f` fails, a later view
    /// may try again (see [`KeptFigures::failed`]).
    pub fn compute<E>(
        &self,
        key: Key,
        f: impl FnOnce() -> Result<DashboardFigures, E>,
    ) -> Result<Arc<DashboardFigures>, E> {
        let started = Instant::now();
        match f() {
            Ok(figures) => {
                let figures = Arc::new(figures);
                self.keep(key, figures.clone(), started, started.elapsed());
                Ok(figures)
            }
            Err(e) => {
                self.failed(&key);
                Err(e)
            }
        }
    }

    /// A background computation failed: a later view may try again.
    pub fn failed(&self, key: &Key) {
        if let Some(e) = self.entries().get_mut(key) {
            e.computing = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rapport_core::metrics::{Metrics, Period};

    fn figures(relationships: usize) -> Arc<DashboardFigures> {
        let today = jiff::civil::date(2026, 11, 23);
        Arc::new(DashboardFigures {
            computed_at: jiff::Timestamp::UNIX_EPOCH,
            relationships,
            by_status: vec![],
            average: None,
            at_risk: vec![],
            metrics: Metrics {
                period: Period::ending(today, 90),
                by: None,
                segments: vec![],
            },
        })
    }

    fn key() -> Key {
        (
            Id::parse("0195f6a0-0000-7000-8000-000000000001").unwrap(),
            None,
        )
    }

    fn is_kept(plan: &Option<Plan>, relationships: usize, refresh: bool) -> bool {
        matches!(plan, Some(Plan::Kept { figures, refresh: r })
            if figures.relationships == relationships && *r == refresh)
    }

    #[test]
    fn nothing_kept_asks_the_view_to_count() {
        let kept = KeptFigures::new(10, Duration::from_secs(30));
        assert!(kept.plan(&key(), Instant::now()).is_none());
        assert_eq!(kept.count_up_to(), 11);
        assert!(!kept.is_large(10));
        assert!(kept.is_large(11));
    }

    #[test]
    fn a_first_computation_in_the_background_is_pending_until_it_lands() {
        let kept = KeptFigures::new(10, Duration::from_secs(30));
        let t0 = Instant::now();
        assert!(kept.begin(&key()));
        // One computation at a time: a second view starts none.
        assert!(!kept.begin(&key()));
        assert!(matches!(kept.plan(&key(), t0), Some(Plan::Pending)));
        kept.keep(key(), figures(11), t0, Duration::from_secs(1));
        assert!(is_kept(&kept.plan(&key(), t0), 11, false));
        // Kept figures are refreshed by `plan`, never begun again.
        assert!(!kept.begin(&key()));
    }

    #[test]
    fn a_failed_first_computation_lets_a_later_view_count_again() {
        let kept = KeptFigures::new(10, Duration::from_secs(30));
        assert!(kept.begin(&key()));
        kept.failed(&key());
        assert!(kept.plan(&key(), Instant::now()).is_none());
        assert!(kept.begin(&key()));
    }

    #[test]
    fn a_small_workspace_is_always_computed_live() {
        let kept = KeptFigures::new(10, Duration::from_secs(30));
        let t0 = Instant::now();
        kept.keep(key(), figures(10), t0, Duration::from_millis(5));
        assert!(matches!(kept.plan(&key(), t0), Some(Plan::Live)));
    }

    #[test]
    fn a_large_workspace_shows_the_kept_figures_and_one_view_refreshes_them_when_old() {
        let kept = KeptFigures::new(10, Duration::from_secs(30));
        let t0 = Instant::now();
        kept.keep(key(), figures(11), t0, Duration::from_secs(1));
        // Fresh: shown, no refresh.
        assert!(is_kept(
            &kept.plan(&key(), t0 + Duration::from_secs(29)),
            11,
            false
        ));
        // Old: the first view refreshes, the next ones do not while it runs.
        assert!(is_kept(
            &kept.plan(&key(), t0 + Duration::from_secs(30)),
            11,
            true
        ));
        assert!(is_kept(
            &kept.plan(&key(), t0 + Duration::from_secs(31)),
            11,
            false
        ));
        // The refresh lands: its figures are shown and are fresh.
        let t1 = t0 + Duration::from_secs(30);
        kept.keep(key(), figures(12), t1, Duration::from_secs(1));
        assert!(is_kept(
            &kept.plan(&key(), t1 + Duration::from_secs(1)),
            12,
            false
        ));
        assert!(is_kept(
            &kept.plan(&key(), t1 + Duration::from_secs(30)),
            12,
            true
        ));
    }

    #[test]
    fn slow_figures_are_refreshed_less_often_and_a_failure_allows_a_retry() {
        let kept = KeptFigures::new(10, Duration::from_secs(30));
        let t0 = Instant::now();
        kept.keep(key(), figures(11), t0, Duration::from_secs(60));
        assert!(is_kept(
            &kept.plan(&key(), t0 + Duration::from_secs(299)),
            11,
            false
        ));
        assert!(is_kept(
            &kept.plan(&key(), t0 + Duration::from_secs(300)),
            11,
            true
        ));
        assert!(is_kept(
            &kept.plan(&key(), t0 + Duration::from_secs(301)),
            11,
            false
        ));
        kept.failed(&key());
        assert!(is_kept(
            &kept.plan(&key(), t0 + Duration::from_secs(302)),
            11,
            true
        ));
    }

    #[test]
    fn compute_keeps_what_it_computed_and_a_failure_allows_a_retry() {
        let kept = KeptFigures::new(10, Duration::from_secs(30));
        let got = kept.compute(key(), || Ok::<_, ()>((*figures(11)).clone()));
        assert_eq!(got.map(|f| f.relationships), Ok(11));
        let later = Instant::now() + Duration::from_secs(60);
        assert!(is_kept(&kept.plan(&key(), later), 11, true));
        assert_eq!(
            kept.compute(key(), || Err::<DashboardFigures, _>("no"))
                .err(),
            Some("no")
        );
        assert!(is_kept(&kept.plan(&key(), later), 11, true));
    }

    #[test]
    fn older_figures_never_replace_newer_ones() {
        let kept = KeptFigures::new(10, Duration::from_secs(30));
        let t0 = Instant::now();
        kept.keep(
            key(),
            figures(12),
            t0 + Duration::from_secs(5),
            Duration::ZERO,
        );
        kept.keep(key(), figures(11), t0, Duration::ZERO);
        assert!(is_kept(
            &kept.plan(&key(), t0 + Duration::from_secs(6)),
            12,
            false
        ));
    }

    #[test]
    fn users_and_workspaces_are_kept_apart() {
        let kept = KeptFigures::new(10, Duration::from_secs(30));
        let t0 = Instant::now();
        kept.keep(key(), figures(11), t0, Duration::ZERO);
        let other = (
            key().0,
            Some(Id::parse("0195f6a0-0000-7000-8000-000000000002").unwrap()),
        );
        assert!(kept.plan(&other, t0).is_none());
    }
}
