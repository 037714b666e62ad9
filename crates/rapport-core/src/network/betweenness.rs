//! Brandes' betweenness accumulation over an unweighted adjacency, from a list of
//! sources, on as many threads as asked — with the same result to the last bit whatever
//! the number of threads: each source's dependencies are computed alone, and they are
//! added into the sums in the sources' order, as one thread would.

/// Adjacency in compressed form: node `v`'s neighbours are `nbr[off[v]..off[v + 1]]`.
pub(super) struct Adjacency<'a> {
    pub off: &'a [u32],
    pub nbr: &'a [u32],
}

impl Adjacency<'_> {
    fn nodes(&self) -> usize {
        self.off.len().saturating_sub(1)
    }

    fn around(&self, v: u32) -> &[u32] {
        &self.nbr[self.off[v as usize] as usize..self.off[v as usize + 1] as usize]
    }
}

/// One thread's working arrays, reset between sources only where the last search went.
/// Apart, not as one record per node: every neighbour's distance is tested, its path
/// count and dependency touched only for some, and the distances alone (4 bytes a
/// node) stay in a core's cache on a 100k-person network.
struct Search {
    dist: Vec<u32>,
    sigma: Vec<f64>,
    delta: Vec<f64>,
    /// Nodes in the order found, the first `found` of them; also the breadth-first
    /// queue. As long as the nodes, so that finding one is a store, not a push.
    order: Vec<u32>,
    found: usize,
}

impl Search {
    fn new(n: usize) -> Search {
        Search {
            dist: vec![u32::MAX; n],
            sigma: vec![0.0; n],
            delta: vec![0.0; n],
            order: vec![0; n],
            found: 0,
        }
    }

    /// The nodes the last search found, in order, the source first.
    fn found(&self) -> &[u32] {
        &self.order[..self.found]
    }

    /// The dependencies of every node on source `s`: afterwards `delta[v]` for each `v`
    /// found but the first (`s` itself, whose own value is not a dependency).
    fn run(&mut self, g: &Adjacency<'_>, s: u32) {
        let Search {
            dist,
            sigma,
            delta,
            order,
            found,
        } = self;
        for &v in &order[..*found] {
            dist[v as usize] = u32::MAX;
            sigma[v as usize] = 0.0;
            delta[v as usize] = 0.0;
        }
        dist[s as usize] = 0;
        sigma[s as usize] = 1.0;
        order[0] = s;
        // Each node is found once, so `tail` stays within the nodes.
        let mut tail = 1;
        let mut head = 0;
        while head < tail {
            let v = order[head];
            head += 1;
            let dv = dist[v as usize];
            let sv = sigma[v as usize];
            for &w in g.around(v) {
                let dw = dist[w as usize];
                if dw == u32::MAX {
                    dist[w as usize] = dv + 1;
                    sigma[w as usize] = sv;
                    order[tail] = w;
                    tail += 1;
                } else if dw == dv + 1 {
                    sigma[w as usize] += sv;
                }
            }
        }
        *found = tail;
        // Every node but the source, last found first, gives its share to the nodes one
        // hop nearer the source.
        for &w in order[1..tail].iter().rev() {
            let dw = dist[w as usize];
            let coeff = (1.0 + delta[w as usize]) / sigma[w as usize];
            for &v in g.around(w) {
                if dist[v as usize] == dw - 1 {
                    delta[v as usize] += sigma[v as usize] * coeff;
                }
            }
        }
    }

    /// This source's search as kept: its dependencies over all nodes (+0.0 for the
    /// source and the nodes it does not reach, as [`brandes`] sums them) and, when
    /// `keep`, its distances (none when a node is too far for them).
    fn kept(&self, keep: bool) -> Searched {
        let mut delta = vec![0f64; self.dist.len()];
        for &w in self.found().iter().skip(1) {
            delta[w as usize] = self.delta[w as usize];
        }
        let dist = keep
            .then(|| {
                self.dist
                    .iter()
                    .map(|&d| match d {
                        u32::MAX => Some(UNREACHED),
                        d => u8::try_from(d).ok().filter(|d| *d != UNREACHED),
                    })
                    .collect::<Option<Vec<u8>>>()
            })
            .flatten();
        Searched { dist, delta }
    }
}

/// A node's distance from a source when the source does not reach it.
pub(super) const UNREACHED: u8 = u8::MAX;

/// One source's search, kept with the graph it was made on so that a later graph that
/// differs from it by ties which cannot change it need not search from the source again.
///
/// A tie added or removed between two nodes `a` and `b` at the same distance from the
/// source (or both unreached) changes nothing of the search, to the last bit: distances
/// stay (a shortest path through the tie would reach `b` in `dist(a) + 1` hops, more
/// than it already takes, and the other way round), and so does the breadth-first order
/// (every other neighbour keeps its place in each adjacency list, and the tie's end
/// is skipped in the forward pass as neither unseen nor one hop further);
/// path counts and dependencies flow only along ties one hop apart, so every addition
/// is the same, in the same order. With the distances unchanged, the same holds for
/// the next tie: any number of such ties leave the search as it was. A tie between
/// nodes at different distances may change it, and the source is searched again.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SourceSearch {
    pub source: u32,
    /// Hops from the source per node, [`UNREACHED`] where it does not reach (a search
    /// with a node 255 or more hops away is not kept).
    pub dist: Vec<u8>,
    /// Each node's dependency on the source, +0.0 for the source itself and the nodes
    /// it does not reach.
    pub delta: Vec<f64>,
}

impl SourceSearch {
    /// Whether adding or removing a tie between `a` and `b` leaves this search as it
    /// is (see the type's documentation).
    pub fn unchanged_by(&self, a: u32, b: u32) -> bool {
        match (self.dist.get(a as usize), self.dist.get(b as usize)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        }
    }
}

/// A source's search, made or kept: its dependencies, and its distances if kept.
struct Searched {
    dist: Option<Vec<u8>>,
    delta: Vec<f64>,
}

/// The sum over `sources`, in their order, of each node's dependency on the source
/// (Brandes), computed on up to `threads` threads. Sources must be nodes of `g`. A
/// source with a search in `kept` (made on a graph whose differences from `g` cannot
/// change it: see [`SourceSearch`]) is not searched again. Returns the sums and, when
/// `keep`, the searches of `g` to keep (those whose distances fit), in source order.
pub(super) fn brandes(
    g: &Adjacency<'_>,
    sources: &[u32],
    kept: Vec<SourceSearch>,
    keep: bool,
    threads: usize,
) -> (Vec<f64>, Vec<SourceSearch>) {
    let n = g.nodes();
    let mut kept: Vec<Option<SourceSearch>> = kept
        .into_iter()
        .filter(|k| k.dist.len() == n && k.delta.len() == n)
        .map(Some)
        .collect();
    let mut done: Vec<Option<Searched>> = sources
        .iter()
        .map(|&s| {
            let k = kept
                .iter_mut()
                .find(|k| k.as_ref().is_some_and(|k| k.source == s))?
                .take()?;
            Some(Searched {
                dist: Some(k.dist),
                delta: k.delta,
            })
        })
        .collect();
    let missing: Vec<(usize, u32)> = sources
        .iter()
        .enumerate()
        .filter(|(i, _)| done[*i].is_none())
        .map(|(i, &s)| (i, s))
        .collect();
    let threads = threads.clamp(1, missing.len().max(1));
    let per = missing.len().div_ceil(threads).max(1);
    // Each missing source searched alone, on as many threads as asked: the sums below
    // add the sources' dependencies in the sources' order whoever searched them.
    std::thread::scope(|scope| {
        let mut chunks = missing.chunks(per);
        let first = chunks.next().unwrap_or(&[]);
        let search = move |chunk: &[(usize, u32)]| {
            let mut search = Search::new(n);
            chunk
                .iter()
                .map(|&(i, s)| {
                    search.run(g, s);
                    (i, search.kept(keep))
                })
                .collect::<Vec<_>>()
        };
        let others: Vec<_> = chunks
            .map(|chunk| scope.spawn(move || search(chunk)))
            .collect();
        let mut found = search(first);
        for handle in others {
            match handle.join() {
                Ok(more) => found.extend(more),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        for (i, searched) in found {
            done[i] = Some(searched);
        }
    });
    // A node a source does not reach, or the source itself, holds +0.0, and x + 0.0 is
    // x for the non-negative sums: adding whole vectors is adding the reached nodes'.
    let mut bc = vec![0f64; n];
    let mut searches = Vec::new();
    for (&source, searched) in sources.iter().zip(done) {
        let Some(searched) = searched else { continue };
        for (b, x) in bc.iter_mut().zip(&searched.delta) {
            *b += *x;
        }
        if keep && let Some(dist) = searched.dist {
            searches.push(SourceSearch {
                source,
                dist,
                delta: searched.delta,
            });
        }
    }
    (bc, searches)
}

/// Threads for the betweenness: the cores there are, at most four.
pub(super) fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(4))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn adjacency(n: usize, edges: &[(u32, u32)]) -> (Vec<u32>, Vec<u32>) {
        let mut lists = vec![Vec::new(); n];
        for &(a, b) in edges {
            let (a, b) = (a % n as u32, b % n as u32);
            if a != b {
                lists[a as usize].push(b);
                lists[b as usize].push(a);
            }
        }
        let mut off = vec![0u32];
        let mut nbr = vec![];
        for l in lists {
            nbr.extend(l);
            off.push(nbr.len() as u32);
        }
        (off, nbr)
    }

    proptest! {
        /// Any number of threads gives the one-thread sums, bit for bit, on random
        /// graphs (repeated edges included) from any sources (repeated too).
        #[test]
        fn threads_do_not_change_the_sums(
            n in 1usize..60,
            edges in proptest::collection::vec((0u32..60, 0u32..60), 0..200),
            sources in proptest::collection::vec(0u32..60, 0..20),
        ) {
            let (off, nbr) = adjacency(n, &edges);
            let g = Adjacency { off: &off, nbr: &nbr };
            let sources: Vec<u32> = sources.into_iter().map(|s| s % n as u32).collect();
            let one = brandes(&g, &sources, vec![], false, 1).0;
            for t in [2, 3, 4, 7, 32] {
                let many = brandes(&g, &sources, vec![], false, t).0;
                prop_assert_eq!(
                    one.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                    many.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
                );
            }
        }
    }

    /// The adjacency of a set of ties, each once (as a graph's ties are).
    fn of_ties(n: usize, ties: &std::collections::BTreeSet<(u32, u32)>) -> (Vec<u32>, Vec<u32>) {
        let edges: Vec<(u32, u32)> = ties.iter().copied().collect();
        adjacency(n, &edges)
    }

    fn bits(xs: &[f64]) -> Vec<u64> {
        xs.iter().map(|x| x.to_bits()).collect()
    }

    proptest! {
        /// Searches kept from a graph and still valid after random ties added and
        /// removed (every changed tie between nodes at the same distance from the
        /// source) give the sums and searches of searching every source again, bit for
        /// bit; each search the check lets through is the one searching again makes.
        #[test]
        fn kept_searches_give_the_sums_of_searching_again(
            n in 2usize..50,
            edges in proptest::collection::vec((0u32..50, 0u32..50), 0..150),
            edits in proptest::collection::vec((0u32..50, 0u32..50), 1..6),
            sources in proptest::collection::btree_set(0u32..50, 1..8),
            threads in 1usize..4,
        ) {
            let norm = |(a, b): (u32, u32)| {
                let (a, b) = (a % n as u32, b % n as u32);
                (a != b).then_some((a.min(b), a.max(b)))
            };
            let before: std::collections::BTreeSet<(u32, u32)> =
                edges.into_iter().filter_map(norm).collect();
            let mut after = before.clone();
            let changed: Vec<(u32, u32)> = edits.into_iter().filter_map(norm).collect();
            for e in &changed {
                if !after.remove(e) {
                    after.insert(*e);
                }
            }
            let sources: Vec<u32> = sources
                .into_iter()
                .map(|s| s % n as u32)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let (off, nbr) = of_ties(n, &before);
            let g = Adjacency { off: &off, nbr: &nbr };
            let (_, kept) = brandes(&g, &sources, vec![], true, threads);
            prop_assert_eq!(kept.len(), sources.len());
            let (off, nbr) = of_ties(n, &after);
            let g = Adjacency { off: &off, nbr: &nbr };
            let (sums, searches) = brandes(&g, &sources, vec![], true, 1);
            let valid: Vec<SourceSearch> = kept
                .iter()
                .filter(|k| changed.iter().all(|&(a, b)| k.unchanged_by(a, b)))
                .cloned()
                .collect();
            for k in &valid {
                let fresh = searches.iter().find(|f| f.source == k.source);
                prop_assert_eq!(Some(&k.dist), fresh.map(|f| &f.dist));
                prop_assert_eq!(Some(bits(&k.delta)), fresh.map(|f| bits(&f.delta)));
            }
            let (again, searches_again) = brandes(&g, &sources, valid, true, threads);
            prop_assert_eq!(bits(&sums), bits(&again));
            prop_assert_eq!(searches.len(), searches_again.len());
            for (x, y) in searches.iter().zip(&searches_again) {
                prop_assert_eq!(x.source, y.source);
                prop_assert_eq!(&x.dist, &y.dist);
                prop_assert_eq!(bits(&x.delta), bits(&y.delta));
            }
        }
    }

    #[test]
    fn a_tie_between_nodes_one_hop_apart_is_refused() {
        // 0 – 1 – 2 from 0: a tie 1–2 is between nodes at distances 1 and 2.
        let (off, nbr) = adjacency(3, &[(0, 1), (1, 2)]);
        let g = Adjacency {
            off: &off,
            nbr: &nbr,
        };
        let (_, kept) = brandes(&g, &[0], vec![], true, 1);
        assert_eq!(kept[0].dist, vec![0, 1, 2]);
        assert!(!kept[0].unchanged_by(0, 2));
        assert!(!kept[0].unchanged_by(1, 2));
        assert!(!kept[0].unchanged_by(1, 7));
        let (off, nbr) = adjacency(4, &[(0, 1), (0, 2)]);
        let g = Adjacency {
            off: &off,
            nbr: &nbr,
        };
        let (_, kept) = brandes(&g, &[0], vec![], true, 1);
        assert_eq!(kept[0].dist, vec![0, 1, 1, UNREACHED]);
        assert!(kept[0].unchanged_by(1, 2));
    }

    #[test]
    fn a_path_through_its_middle() {
        // 0 – 1 – 2: from every source, 1 lies between the two others once.
        let (off, nbr) = adjacency(3, &[(0, 1), (1, 2)]);
        let g = Adjacency {
            off: &off,
            nbr: &nbr,
        };
        assert_eq!(
            brandes(&g, &[0, 1, 2], vec![], false, 2).0,
            vec![0.0, 2.0, 0.0]
        );
        assert_eq!(brandes(&g, &[], vec![], false, 2).0, vec![0.0; 3]);
    }
}
