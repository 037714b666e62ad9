//! Search with the same semantics on both engines: text is folded by
//! `rapport_core::fold` before it is stored and before it is queried (case and
//! accents), every query word must match as a fragment, and a word with no match
//! may be corrected by one edit against the workspace's vocabulary (`babage` finds
//! Babbage). Each engine finds candidates with its own index (FTS5 trigram, pg_trgm).

use rapport_core::{EntityKind, Id, fold, phone_key};

use crate::conn::Dialect;
use crate::value::Value;
use crate::{StoreError, Tx};

/// One search result.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub kind: EntityKind,
    pub id: Id,
    /// Higher is better.
    pub score: f64,
}

/// The vocabulary words of a folded text: letters and digits runs of 3 characters or more.
pub fn terms(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3 && w.chars().count() <= 40)
}

/// Damerau–Levenshtein distance (optimal string alignment), capped: returns `cap + 1`
/// as soon as the distance must exceed `cap`.
pub fn edit_distance(a: &str, b: &str, cap: usize) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > cap {
        return cap + 1;
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        d[i * w] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
            row_min = row_min.min(v);
        }
        if row_min > cap {
            return cap + 1;
        }
    }
    d[a.len() * w + b.len()].min(cap + 1)
}

/// The words of a query, folded; a phone-looking query becomes its digits.
pub fn query_words(q: &str) -> Vec<String> {
    let digits = q.chars().filter(|c| c.is_ascii_digit()).count();
    if digits >= 5
        && q.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
    {
        return vec![phone_key(q)];
    }
    fold(q)
        .split_whitespace()
        .map(str::to_string)
        .take(8)
        .collect()
}

fn fts_phrase(w: &str) -> String {
    format!("\"{}\"", w.replace('"', "\"\""))
}

fn like_pattern(w: &str) -> String {
    let mut p = String::from("%");
    for c in w.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

fn trigrams(w: &str) -> Vec<String> {
    let chars: Vec<char> = w.chars().collect();
    chars
        .windows(3)
        .map(|t| t.iter().collect::<String>())
        .collect()
}

const CANDIDATES: usize = 2000;

impl Tx<'_> {
    /// Vocabulary words within one edit of `word` (words of 4+ characters only).
    fn corrections(&mut self, ws: &Id, word: &str) -> Result<Vec<String>, StoreError> {
        if word.chars().count() < 4 || !word.chars().all(char::is_alphanumeric) {
            return Ok(vec![]);
        }
        let rows = match self.c.dialect() {
            Dialect::Sqlite => {
                let expr = trigrams(word)
                    .iter()
                    .map(|t| fts_phrase(t))
                    .collect::<Vec<_>>()
                    .join(" OR ");
                self.c.query(
                    "SELECT t.term FROM search_terms_fts f JOIN search_terms t ON t.rowid = f.rowid
                     WHERE search_terms_fts MATCH $1 AND t.workspace_id = $2 ORDER BY f.rank LIMIT 200",
                    &[expr.into(), ws.into()],
                )?
            }
            Dialect::Postgres => self.c.query(
                "SELECT term FROM search_terms WHERE workspace_id = $1 AND term % $2
                 ORDER BY similarity(term, $2) DESC LIMIT 200",
                &[ws.into(), word.into()],
            )?,
        };
        let mut out = Vec::new();
        for r in rows {
            let t = r.text(0)?;
            if t != word && edit_distance(&t, word, 1) <= 1 {
                out.push(t);
            }
        }
        Ok(out)
    }

    /// Finds records of the workspace matching every word of `query`, best first.
    pub fn search(&mut self, ws: &Id, query: &str, limit: usize) -> Result<Vec<Hit>, StoreError> {
        let words = query_words(query);
        if words.is_empty() {
            return Ok(vec![]);
        }
        let mut alternatives: Vec<Vec<String>> = Vec::with_capacity(words.len());
        for w in &words {
            let mut alts = vec![w.clone()];
            alts.extend(self.corrections(ws, w)?);
            alternatives.push(alts);
        }
        let rows = self.candidate_docs(ws, &alternatives)?;
        let mut hits = Vec::new();
        for r in rows {
            let body = r.text(2)?;
            if let Some(score) = score(&body, &alternatives) {
                let kind = EntityKind::parse(&r.text(0)?)?;
                hits.push((
                    Hit {
                        kind,
                        id: r.id(1)?,
                        score,
                    },
                    body,
                ));
            }
        }
        hits.sort_by(|a, b| b.0.score.total_cmp(&a.0.score).then_with(|| a.1.cmp(&b.1)));
        hits.truncate(limit);
        Ok(hits.into_iter().map(|(h, _)| h).collect())
    }

    fn candidate_docs(
        &mut self,
        ws: &Id,
        alternatives: &[Vec<String>],
    ) -> Result<Vec<crate::value::Row>, StoreError> {
        let long: Vec<&Vec<String>> = alternatives
            .iter()
            .filter(|alts| alts.iter().all(|a| a.chars().count() >= 3))
            .collect();
        match self.c.dialect() {
            Dialect::Sqlite if !long.is_empty() => {
                let expr = long
                    .iter()
                    .map(|alts| {
                        format!(
                            "({})",
                            alts.iter()
                                .map(|a| fts_phrase(a))
                                .collect::<Vec<_>>()
                                .join(" OR ")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" AND ");
                self.c.query(
                    &format!(
                        "SELECT d.entity_kind, d.entity_id, d.body FROM search_docs_fts f
                         JOIN search_docs d ON d.rowid = f.rowid
                         WHERE search_docs_fts MATCH $1 AND d.workspace_id = $2 LIMIT {CANDIDATES}"
                    ),
                    &[expr.into(), ws.into()],
                )
            }
            _ => {
                let mut sql = String::from(
                    "SELECT entity_kind, entity_id, body FROM search_docs WHERE workspace_id = $1",
                );
                let mut params: Vec<Value> = vec![ws.into()];
                for alts in alternatives {
                    let mut ors = Vec::new();
                    for a in alts {
                        params.push(like_pattern(a).into());
                        ors.push(format!("body LIKE ${} ESCAPE '\\'", params.len()));
                    }
                    sql.push_str(&format!(" AND ({})", ors.join(" OR ")));
                }
                sql.push_str(&format!(" LIMIT {CANDIDATES}"));
                self.c.query(&sql, &params)
            }
        }
    }
}

/// Scores a document against the query: every word (or one of its corrections) must
/// occur; whole words beat prefixes beat fragments, exact spelling beats corrections,
/// and matches near the start (the name) weigh more.
fn score(body: &str, alternatives: &[Vec<String>]) -> Option<f64> {
    let mut total = 0.0;
    for alts in alternatives {
        let mut best: Option<f64> = None;
        for (i, a) in alts.iter().enumerate() {
            let Some(pos) = body.find(a.as_str()) else {
                continue;
            };
            let before_ok = pos == 0
                || !body[..pos]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric);
            let end = pos + a.len();
            let after_ok = end >= body.len()
                || !body[end..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric);
            let mut s = match (before_ok, after_ok) {
                (true, true) => 3.0,
                (true, false) => 2.0,
                _ => 1.0,
            };
            if i > 0 {
                s *= 0.5;
            }
            s += 1.0 / (1.0 + pos as f64 / 16.0);
            best = Some(best.map_or(s, |b: f64| b.max(s)));
        }
        total += best?;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance() {
        assert_eq!(edit_distance("babage", "babbage", 1), 1);
        assert_eq!(edit_distance("lovelcae", "lovelace", 1), 1);
        assert_eq!(edit_distance("ada", "bob", 1), 2);
        assert_eq!(edit_distance("", "", 1), 0);
    }

    #[test]
    fn words_and_terms() {
        assert_eq!(query_words("  Zoë  O'Brien "), vec!["zoe", "o'brien"]);
        assert_eq!(query_words("+44 20 7946 0958"), vec!["+442079460958"]);
        assert_eq!(
            terms("ada lovelace ada@example.com").collect::<Vec<_>>(),
            vec!["ada", "lovelace", "ada", "example", "com"]
        );
    }

    #[test]
    fn scoring_prefers_whole_words_and_exact_spelling() {
        let alts = vec![vec!["ada".to_string()]];
        let whole = score("ada lovelace", &alts);
        let frag = score("canada dry", &alts);
        assert!(whole > frag);
        assert_eq!(score("bob", &alts), None);
    }

    proptest::proptest! {
        #[test]
        fn distance_never_panics_and_is_symmetric(a in "\\PC{0,12}", b in "\\PC{0,12}") {
            proptest::prop_assert_eq!(edit_distance(&a, &b, 3), edit_distance(&b, &a, 3));
        }
    }
}
