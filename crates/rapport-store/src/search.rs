//! Search with the same semantics on both engines: text is folded by
//! `rapport_core::fold` before it is stored and before it is queried (case and
//! accents), every query word must match as a fragment, and a word with no match
//! may be corrected by one edit against the workspace's vocabulary (`babage` finds
//! Babbage). Each engine finds candidate documents with its own index (FTS5 trigram,
//! pg_trgm); corrections come from index ranges over the vocabulary, the same on both.

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

/// What the trigram index is asked for a query word. An email address is matched on
/// its local part and `@` (`ada@`): its domain's trigrams (`.ex`, `exa`, `com`) occur in
/// a great many documents and make the index slow to intersect them (FTS5's phrase,
/// pg_trgm's bitmap), while the local part is rare. The whole word is then checked on
/// each candidate in the same statement, so the candidates are the same.
fn index_key(word: &str) -> &str {
    match word.rfind('@') {
        Some(at) if word[..=at].chars().count() >= 3 => &word[..=at],
        _ => word,
    }
}

/// How PostgreSQL plans the candidate statement (see `Tx::candidate_planning`).
const PLANNER_SETTINGS: [(&str, &str); 3] = [
    ("cpu_operator_cost", "0.02"),
    ("max_parallel_workers_per_gather", "0"),
    ("plan_cache_mode", "force_custom_plan"),
];

/// Candidates read and scored per query, at most.
const CANDIDATES: usize = 2000;

/// On PostgreSQL, the vocabulary words containing a query's words through which its
/// candidates are found (`search_words`, migration 0011), at most; with more, a word is
/// not common (or its fragments are), and the trigram index is the cheaper way.
const WORDS_AT_MOST: usize = 64;

/// The `search_words` entry under which a document with words outside the vocabulary
/// (non-ASCII text, a run longer than [`terms`] keeps) is listed: it is a candidate for
/// every query word.
const UNLISTED: &str = "-";

/// A query word's alternatives: the word itself, then its corrections; and whether the
/// word is itself a vocabulary word.
struct Alternatives {
    words: Vec<String>,
    known: bool,
}

impl Tx<'_> {
    /// Vocabulary words within one edit of `word` (words of 4+ characters only): a
    /// substitution, insertion, deletion or swap of two neighbours.
    ///
    /// With `k` half the word's length, a word one edit away starts with the word's first
    /// `k` characters (the edit is in the second half) or ends with its last `n - k`
    /// (the edit is in the first half), unless the edit swaps the two characters around
    /// the middle. So the candidates are two index ranges, of the vocabulary by word and
    /// by reversed word, with a length within one of `word`'s, plus that one swapped
    /// word; the exact distance decides.
    ///
    /// Also says whether `word` is itself a vocabulary word (it is in the first range).
    fn corrections(&mut self, ws: &Id, word: &str) -> Result<Alternatives, StoreError> {
        let chars: Vec<char> = word.chars().collect();
        let mut out = Alternatives {
            words: vec![word.to_string()],
            known: false,
        };
        if chars.len() < 4 || !chars.iter().all(|c| c.is_alphanumeric()) {
            return Ok(out);
        }
        let k = chars.len() / 2;
        let prefix: String = chars[..k].iter().collect();
        let suffix: String = chars[k..].iter().rev().collect();
        let mut swapped = chars.clone();
        swapped.swap(k - 1, k);
        let swapped: String = swapped.into_iter().collect();
        let n = chars.len() as i64;
        // Byte-wise comparison on both engines (PostgreSQL's pattern operators ignore the
        // collation); no vocabulary word holds U+10FFFF, so it bounds each range.
        let (ge, lt) = match self.c.dialect() {
            Dialect::Sqlite => (">=", "<"),
            Dialect::Postgres => ("~>=~", "~<~"),
        };
        let sql = format!(
            "SELECT term FROM search_terms WHERE workspace_id = $1 AND term {ge} $2 AND term {lt} $3
               AND length(term) BETWEEN $6 AND $7
             UNION
             SELECT term FROM search_terms WHERE workspace_id = $1 AND reversed {ge} $4 AND reversed {lt} $5
               AND length(term) BETWEEN $6 AND $7
             UNION
             SELECT term FROM search_terms WHERE workspace_id = $1 AND term = $8"
        );
        let params: Vec<Value> = vec![
            ws.into(),
            prefix.clone().into(),
            format!("{prefix}\u{10FFFF}").into(),
            suffix.clone().into(),
            format!("{suffix}\u{10FFFF}").into(),
            (n - 1).into(),
            (n + 1).into(),
            swapped.into(),
        ];
        let mut corrections = Vec::new();
        self.c.for_each(&sql, &params, &mut |r| {
            let t = r.str(0)?;
            if t == word {
                out.known = true;
            } else if edit_distance(t, word, 1) <= 1 {
                corrections.push(t.to_string());
            }
            Ok(())
        })?;
        corrections.sort();
        out.words.append(&mut corrections);
        Ok(out)
    }

    /// On PostgreSQL, for each query word, the vocabulary words that contain one of its
    /// alternatives: when every word is a vocabulary word and they are at most
    /// [`WORDS_AT_MOST`] in all (`None` otherwise, or on SQLite). Every document holding
    /// an alternative holds one of these words or is listed as [`UNLISTED`] (migration
    /// 0011), so those words find every candidate the trigram index would.
    fn words_containing(
        &mut self,
        ws: &Id,
        alternatives: &[Alternatives],
    ) -> Result<Option<Vec<String>>, StoreError> {
        if self.c.dialect() != Dialect::Postgres || !alternatives.iter().all(|a| a.known) {
            return Ok(None);
        }
        let mut params: Vec<Value> = vec![ws.into()];
        let mut ors = Vec::new();
        for a in alternatives.iter().flat_map(|a| &a.words) {
            params.push(like_pattern(a).into());
            ors.push(format!("term LIKE ${} ESCAPE '\\'", params.len()));
        }
        let sql = format!(
            "SELECT term FROM search_terms WHERE workspace_id = $1 AND ({}) LIMIT {}",
            ors.join(" OR "),
            WORDS_AT_MOST + 1
        );
        let mut found: Vec<String> = Vec::new();
        self.c.for_each(&sql, &params, &mut |r| {
            found.push(r.str(0)?.to_string());
            Ok(())
        })?;
        if found.len() > WORDS_AT_MOST {
            return Ok(None);
        }
        // Each query word's own: the words holding one of its alternatives, and the
        // documents whose words are not all listed.
        Ok(Some(
            alternatives
                .iter()
                .map(|a| {
                    let mut words: Vec<&str> = found
                        .iter()
                        .filter(|t| a.words.iter().any(|w| t.contains(w.as_str())))
                        .map(String::as_str)
                        .collect();
                    words.push(UNLISTED);
                    words.join(" ")
                })
                .collect(),
        ))
    }

    /// Finds records of the workspace matching every word of `query`, best first.
    pub fn search(&mut self, ws: &Id, query: &str, limit: usize) -> Result<Vec<Hit>, StoreError> {
        let words = query_words(query);
        if words.is_empty() || limit == 0 {
            return Ok(vec![]);
        }
        let mut found: Vec<Alternatives> = Vec::with_capacity(words.len());
        for w in &words {
            found.push(self.corrections(ws, w)?);
        }
        let planner = self.candidate_planning()?;
        let containing = self.words_containing(ws, &found)?;
        let alternatives: Vec<Vec<String>> = found.into_iter().map(|a| a.words).collect();
        let (sql, params) = self.candidates_sql(ws, &alternatives, containing.as_deref());
        // The best `limit` so far, by score then text (ties keep the candidates' order,
        // as a stable sort of all of them would), kept in place of every candidate: only
        // a candidate that can still make the cut is copied out of the row.
        let mut top: Vec<(Hit, String)> = Vec::new();
        let mut worst: Option<(f64, String)> = None;
        let order = |a: &(Hit, String), b: &(Hit, String)| {
            b.0.score.total_cmp(&a.0.score).then_with(|| a.1.cmp(&b.1))
        };
        self.c.for_each(&sql, &params, &mut |r| {
            let body = r.str(2)?;
            let Some(score) = score(body, &alternatives) else {
                return Ok(());
            };
            if let Some((least, last)) = &worst
                && (score < *least || (score == *least && body >= last.as_str()))
            {
                return Ok(());
            }
            let kind = EntityKind::parse(r.str(0)?)?;
            top.push((
                Hit {
                    kind,
                    id: r.id(1)?,
                    score,
                },
                body.to_string(),
            ));
            if top.len() >= 2 * limit {
                top.sort_by(order);
                top.truncate(limit);
                worst = top.last().map(|(h, b)| (h.score, b.clone()));
            }
            Ok(())
        })?;
        self.restore_planning(&PLANNER_SETTINGS, planner)?;
        top.sort_by(order);
        top.truncate(limit);
        Ok(top.into_iter().map(|(h, _)| h).collect())
    }

    /// On PostgreSQL, sets how the candidate statement is planned, for this transaction,
    /// and returns the settings to restore after it (`None` on SQLite, which has its own
    /// index). The planner prices `body LIKE '%word%'` on a row as one cheap operator,
    /// so for a word it expects a few thousand times it prefers reading the documents in
    /// order until `LIMIT` is reached over the trigram index: a whole pass over the
    /// workspace when the word is in fewer documents than it guessed (a typo and its
    /// corrections: 150,876 documents read at 100k people to find 874), tens of
    /// thousands for a common word. Pricing an operator at 0.02 (not 0.0025) tells it
    /// what a `LIKE` over a document costs beside the index; a word in most documents
    /// (`example`) still reads them in order, since a few pages hold 2,000 of them. Each
    /// run is planned for its own patterns (not a generic plan for any pattern), and not
    /// in parallel, so the candidates are those of one scan in the table's order, as before.
    fn candidate_planning(&mut self) -> Result<Option<Vec<Value>>, StoreError> {
        self.set_planning(&PLANNER_SETTINGS)
    }

    /// The statement that reads the candidate documents (kind, id, folded text) of a
    /// query: up to `CANDIDATES` documents of the workspace in which every word (or one of
    /// its corrections) occurs, in the table's order. With `containing` (PostgreSQL, see
    /// [`Tx::words_containing`]) they are found through the words they hold, each checked
    /// for the text itself; otherwise through the engine's trigram index.
    fn candidates_sql(
        &self,
        ws: &Id,
        alternatives: &[Vec<String>],
        containing: Option<&[String]>,
    ) -> (String, Vec<Value>) {
        let long: Vec<&Vec<String>> = alternatives
            .iter()
            .filter(|alts| alts.iter().all(|a| a.chars().count() >= 3))
            .collect();
        let mut params: Vec<Value> = Vec::new();
        match (self.c.dialect(), containing) {
            (Dialect::Sqlite, _) if !long.is_empty() => {
                let mut checks = String::new();
                let expr = long
                    .iter()
                    .map(|alts| match alts.as_slice() {
                        [word] if index_key(word).len() < word.len() => {
                            // The index finds a part of the word; the whole of it must
                            // occur, which the statement checks before counting it.
                            params.push(word.as_str().into());
                            checks.push_str(&format!(
                                " AND instr(d.body, ${}) > 0",
                                params.len() + 2
                            ));
                            fts_phrase(index_key(word))
                        }
                        _ => format!(
                            "({})",
                            alts.iter()
                                .map(|a| fts_phrase(a))
                                .collect::<Vec<_>>()
                                .join(" OR ")
                        ),
                    })
                    .collect::<Vec<_>>()
                    .join(" AND ");
                let mut all: Vec<Value> = vec![expr.into(), ws.into()];
                all.append(&mut params);
                (
                    format!(
                        "SELECT d.entity_kind, d.entity_id, d.body FROM search_docs_fts f
                         JOIN search_docs d ON d.rowid = f.rowid
                         WHERE search_docs_fts MATCH $1 AND d.workspace_id = $2{checks} LIMIT {CANDIDATES}"
                    ),
                    all,
                )
            }
            (Dialect::Postgres, Some(containing)) => {
                let mut sql = String::from(
                    "SELECT entity_kind, entity_id, body FROM search_docs WHERE workspace_id = $1",
                );
                params.push(ws.into());
                for (alts, words) in alternatives.iter().zip(containing) {
                    params.push(words.as_str().into());
                    sql.push_str(&format!(
                        " AND search_words(body) && string_to_array(${}, ' ')",
                        params.len()
                    ));
                    let mut ors = Vec::new();
                    for a in alts {
                        params.push(a.as_str().into());
                        ors.push(format!("strpos(body, ${}) > 0", params.len()));
                    }
                    sql.push_str(&format!(" AND ({})", ors.join(" OR ")));
                }
                sql.push_str(&format!(" LIMIT {CANDIDATES}"));
                (sql, params)
            }
            _ => {
                let mut sql = String::from(
                    "SELECT entity_kind, entity_id, body FROM search_docs WHERE workspace_id = $1",
                );
                params.push(ws.into());
                let find = match self.c.dialect() {
                    Dialect::Sqlite => "instr",
                    Dialect::Postgres => "strpos",
                };
                for alts in alternatives {
                    if let [word] = alts.as_slice()
                        && index_key(word).len() < word.len()
                    {
                        params.push(like_pattern(index_key(word)).into());
                        sql.push_str(&format!(" AND body LIKE ${} ESCAPE '\\'", params.len()));
                        params.push(word.as_str().into());
                        sql.push_str(&format!(" AND {find}(body, ${}) > 0", params.len()));
                        continue;
                    }
                    let mut ors = Vec::new();
                    for a in alts {
                        params.push(like_pattern(a).into());
                        ors.push(format!("body LIKE ${} ESCAPE '\\'", params.len()));
                    }
                    sql.push_str(&format!(" AND ({})", ors.join(" OR ")));
                }
                sql.push_str(&format!(" LIMIT {CANDIDATES}"));
                (sql, params)
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
