//! The rules for resolving what a user typed — an id, an email, or a unique name
//! fragment — to exactly one record. The store finds candidates; these rules choose.

use crate::values::fold;
use crate::{DomainError, Id};

/// What kind of reference the input is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefQuery {
    Id(Id),
    /// An email, lowercased.
    Email(String),
    /// A name fragment, folded (lowercase, no accents).
    Fragment(String),
}

pub fn classify(input: &str) -> Result<RefQuery, DomainError> {
    let t = input.trim();
    if t.is_empty() {
        return Err(DomainError::invalid(
            "reference",
            "is empty: give an id, an email or part of a name",
        ));
    }
    if t.chars().count() > 500 {
        return Err(DomainError::invalid(
            "reference",
            "is longer than 500 characters",
        ));
    }
    if Id::looks_like(t) {
        return Id::parse(t).map(RefQuery::Id);
    }
    if t.contains('@') {
        return Ok(RefQuery::Email(t.to_lowercase()));
    }
    Ok(RefQuery::Fragment(fold(t)))
}

/// A record that may be what the user meant.
pub trait Candidate {
    fn id(&self) -> &Id;
    fn name(&self) -> String;
    /// `person`, `organization`, `relationship`.
    fn kind(&self) -> &'static str;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReferenceError {
    #[error(
        "nothing matches `{input}`: no person, organization or relationship has that id, email or name"
    )]
    NotFound { input: String },
    #[error("{}", ambiguous_message(.input, .candidates, *.more))]
    Ambiguous {
        input: String,
        /// (kind, short id, name) of the first candidates.
        candidates: Vec<(String, String, String)>,
        /// How many more were not listed.
        more: usize,
    },
}

const LISTED: usize = 10;

fn ambiguous_message(input: &str, candidates: &[(String, String, String)], more: usize) -> String {
    let list = candidates
        .iter()
        .map(|(k, id, n)| format!("{k} {id} {n}"))
        .collect::<Vec<_>>()
        .join("; ");
    let tail = if more > 0 {
        format!("; and {more} more")
    } else {
        String::new()
    };
    format!(
        "`{input}` matches {} records: {list}{tail} (use more of the name, an email or an id)",
        candidates.len() + more
    )
}

/// Chooses the one record `input` names among the `candidates` the store found:
/// none → not found; one → it; several → the one whose name is exactly the input, else
/// an error listing them.
pub fn choose<T: Candidate>(input: &str, mut candidates: Vec<T>) -> Result<T, ReferenceError> {
    let mut seen = std::collections::HashSet::new();
    candidates.retain(|c| seen.insert(c.id().clone()));
    match candidates.len() {
        0 => Err(ReferenceError::NotFound {
            input: input.trim().to_string(),
        }),
        1 => candidates.pop().ok_or_else(|| ReferenceError::NotFound {
            input: input.to_string(),
        }),
        _ => {
            let key = fold(input);
            let exact: Vec<usize> = candidates
                .iter()
                .enumerate()
                .filter(|(_, c)| fold(&c.name()) == key)
                .map(|(i, _)| i)
                .collect();
            if let [i] = exact[..] {
                return Ok(candidates.swap_remove(i));
            }
            let more = candidates.len().saturating_sub(LISTED);
            Err(ReferenceError::Ambiguous {
                input: input.trim().to_string(),
                candidates: candidates
                    .iter()
                    .take(LISTED)
                    .map(|c| (c.kind().to_string(), c.id().short().to_string(), c.name()))
                    .collect(),
                more,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct C(Id, &'static str);

    impl Candidate for C {
        fn id(&self) -> &Id {
            &self.0
        }
        fn name(&self) -> String {
            self.1.to_string()
        }
        fn kind(&self) -> &'static str {
            "person"
        }
    }

    fn c(n: u8, name: &'static str) -> C {
        C(Id::v7(1_000 + n as u64, [n; 10]), name)
    }

    #[test]
    fn classify_kinds() {
        assert!(matches!(
            classify("0190a0b0-0000-7000-8000-000000000001"),
            Ok(RefQuery::Id(_))
        ));
        assert_eq!(
            classify(" Ada@Example.com ").ok(),
            Some(RefQuery::Email("ada@example.com".into()))
        );
        assert_eq!(classify("Zoë").ok(), Some(RefQuery::Fragment("zoe".into())));
        assert!(classify("  ").is_err());
    }

    #[test]
    fn choose_rules() {
        assert!(matches!(
            choose::<C>("x", vec![]),
            Err(ReferenceError::NotFound { .. })
        ));
        assert_eq!(
            choose("ann", vec![c(1, "Ann Lee")]).ok(),
            Some(c(1, "Ann Lee"))
        );
        assert_eq!(
            choose("ANN LEE", vec![c(2, "Anna"), c(1, "Ann Lee")]).ok(),
            Some(c(1, "Ann Lee"))
        );
        let err = choose("ann", vec![c(1, "Ann Lee"), c(2, "Anna Smith")])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("`ann` matches 2 records:")
                && err.contains("Ann Lee")
                && err.contains("Anna Smith"),
            "{err}"
        );
        // The same record found twice is one candidate.
        assert_eq!(
            choose("ann", vec![c(1, "Ann Lee"), c(1, "Ann Lee")]).ok(),
            Some(c(1, "Ann Lee"))
        );
    }

    #[test]
    fn long_lists_are_cut() {
        let many: Vec<C> = (0..15).map(|i| c(i, "Sam")).collect();
        let err = choose("sa", many)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("`sa` matches 15 records:")
                && err.ends_with("(use more of the name, an email or an id)"),
            "{err}"
        );
        assert!(err.contains("and 5 more"), "{err}");
    }
}
