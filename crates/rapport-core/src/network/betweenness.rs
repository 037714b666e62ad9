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
    /// Nodes in the order found; also the breadth-first queue.
    order: Vec<u32>,
}

impl Search {
    fn new(n: usize) -> Search {
        Search {
            dist: vec![u32::MAX; n],
            sigma: vec![0.0; n],
            delta: vec![0.0; n],
            order: Vec::with_capacity(n),
        }
    }

    /// The dependencies of every node on source `s`: afterwards `delta[v]` for each `v`
    /// of `order` but the first (`s` itself, whose own value is not a dependency).
    fn run(&mut self, g: &Adjacency<'_>, s: u32) {
        let Search {
            dist,
            sigma,
            delta,
            order,
        } = self;
        for &v in order.iter() {
            dist[v as usize] = u32::MAX;
            sigma[v as usize] = 0.0;
            delta[v as usize] = 0.0;
        }
        order.clear();
        dist[s as usize] = 0;
        sigma[s as usize] = 1.0;
        order.push(s);
        let mut head = 0;
        while head < order.len() {
            let v = order[head];
            head += 1;
            let dv = dist[v as usize];
            let sv = sigma[v as usize];
            for &w in g.around(v) {
                let dw = dist[w as usize];
                if dw == u32::MAX {
                    dist[w as usize] = dv + 1;
                    sigma[w as usize] = sv;
                    order.push(w);
                } else if dw == dv + 1 {
                    sigma[w as usize] += sv;
                }
            }
        }
        for &w in order.iter().rev() {
            let dw = dist[w as usize];
            if dw == 0 {
                continue;
            }
            let coeff = (1.0 + delta[w as usize]) / sigma[w as usize];
            for &v in g.around(w) {
                if dist[v as usize] == dw - 1 {
                    delta[v as usize] += sigma[v as usize] * coeff;
                }
            }
        }
    }

    /// Adds this source's dependencies into `bc`.
    fn add_into(&self, bc: &mut [f64]) {
        for &w in self.order.iter().skip(1) {
            bc[w as usize] += self.delta[w as usize];
        }
    }
}

/// The sum over `sources`, in their order, of each node's dependency on the source
/// (Brandes), computed on up to `threads` threads. Sources must be nodes of `g`.
pub(super) fn brandes(g: &Adjacency<'_>, sources: &[u32], threads: usize) -> Vec<f64> {
    let n = g.nodes();
    let mut bc = vec![0f64; n];
    let threads = threads.clamp(1, sources.len().max(1));
    let per = sources.len().div_ceil(threads).max(1);
    let mut chunks = sources.chunks(per);
    let first = chunks.next().unwrap_or(&[]);
    std::thread::scope(|scope| {
        // Every other chunk on a thread of its own, each source's dependencies kept
        // apart (a node's sum from a later chunk cannot start before the earlier ones
        // end without changing the order of the additions)…
        let others: Vec<_> = chunks
            .map(|chunk| {
                scope.spawn(move || {
                    let mut search = Search::new(n);
                    let mut deps = vec![0f64; chunk.len() * n];
                    for (&s, d) in chunk.iter().zip(deps.chunks_mut(n.max(1))) {
                        search.run(g, s);
                        search.add_into(d);
                    }
                    deps
                })
            })
            .collect();
        // …the first here, straight into the sums…
        let mut search = Search::new(n);
        for &s in first {
            search.run(g, s);
            search.add_into(&mut bc);
        }
        // …and the others' added in order. A node a source does not reach, or the
        // source itself, holds +0.0, and x + 0.0 is x for the non-negative sums.
        for handle in others {
            let deps = match handle.join() {
                Ok(deps) => deps,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            for d in deps.chunks(n.max(1)) {
                for (b, x) in bc.iter_mut().zip(d) {
                    *b += *x;
                }
            }
        }
    });
    bc
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
            let one = brandes(&g, &sources, 1);
            for t in [2, 3, 4, 7, 32] {
                let many = brandes(&g, &sources, t);
                prop_assert_eq!(
                    one.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                    many.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
                );
            }
        }
    }

    #[test]
    fn a_path_through_its_middle() {
        // 0 – 1 – 2: from every source, 1 lies between the two others once.
        let (off, nbr) = adjacency(3, &[(0, 1), (1, 2)]);
        let g = Adjacency {
            off: &off,
            nbr: &nbr,
        };
        assert_eq!(brandes(&g, &[0, 1, 2], 2), vec![0.0, 2.0, 0.0]);
        assert_eq!(brandes(&g, &[], 2), vec![0.0; 3]);
    }
}
