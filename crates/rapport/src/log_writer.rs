//! The server's log lines, written to stderr in batches by a background thread instead
//! of one `write` per line on the thread that logged it (a request's log line cost a
//! system call on the async worker that served it).
//!
//! Lines keep their order and their content: a line is formatted where it is logged and
//! appended whole to one buffer, which the background thread writes out at most
//! [`BATCH_WINDOW`] after its first line arrived. [`LogFlusher`], dropped when the server
//! has stopped, writes what is left and stops the thread; lines logged after it are
//! written directly. A buffer of [`MAX_PENDING`] bytes makes loggers wait for the write,
//! as a slow stderr made them wait before.

use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// How long the writer collects lines before writing them.
pub const BATCH_WINDOW: Duration = Duration::from_millis(10);
/// Pending bytes beyond which a logger waits for the writer.
pub const MAX_PENDING: usize = 4 << 20;

struct Shared {
    state: Mutex<State>,
    /// The buffer has lines, or the flusher was dropped.
    filled: Condvar,
    /// The writer took the buffer.
    drained: Condvar,
}

#[derive(Default)]
struct State {
    pending: Vec<u8>,
    closed: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves whole lines behind: keep going.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The `MakeWriter` of a batched log: clone it into the subscriber.
pub struct BatchedLog<W> {
    shared: Arc<Shared>,
    out: Arc<Mutex<W>>,
}

impl<W> Clone for BatchedLog<W> {
    fn clone(&self) -> Self {
        BatchedLog {
            shared: self.shared.clone(),
            out: self.out.clone(),
        }
    }
}

/// Ends the batching when dropped: writes the lines still pending and stops the thread.
pub struct LogFlusher {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

/// A batched log of stderr and its flusher.
pub fn stderr() -> io::Result<(BatchedLog<io::Stderr>, LogFlusher)> {
    batched(io::stderr())
}

/// A batched log of `out` (any sink; stderr in the server) and its flusher.
pub fn batched<W: Write + Send + 'static>(out: W) -> io::Result<(BatchedLog<W>, LogFlusher)> {
    let shared = Arc::new(Shared {
        state: Mutex::new(State::default()),
        filled: Condvar::new(),
        drained: Condvar::new(),
    });
    let out = Arc::new(Mutex::new(out));
    let thread = {
        let (shared, out) = (shared.clone(), out.clone());
        std::thread::Builder::new()
            .name("log-writer".into())
            .spawn(move || write_batches(&shared, &out))?
    };
    Ok((
        BatchedLog {
            shared: shared.clone(),
            out,
        },
        LogFlusher {
            shared,
            thread: Some(thread),
        },
    ))
}

fn write_batches<W: Write>(shared: &Shared, out: &Mutex<W>) {
    let mut spare = Vec::new();
    let mut state = shared.lock();
    loop {
        while state.pending.is_empty() && !state.closed {
            state = shared
                .filled
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if state.pending.is_empty() {
            return; // closed, and nothing left
        }
        // Collects lines for a window (cut short when the flusher is dropped).
        state = shared
            .filled
            .wait_timeout_while(state, BATCH_WINDOW, |s| !s.closed)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
        std::mem::swap(&mut state.pending, &mut spare);
        // The sink is locked before the buffer is released, so that a line written
        // directly (after the flusher) cannot overtake this batch.
        let mut sink = out.lock().unwrap_or_else(PoisonError::into_inner);
        drop(state);
        shared.drained.notify_all();
        // A log that cannot be written is not worth failing the server for.
        let _ = sink.write_all(&spare).and_then(|()| sink.flush());
        drop(sink);
        spare.clear();
        state = shared.lock();
    }
}

impl Drop for LogFlusher {
    fn drop(&mut self) {
        self.shared.lock().closed = true;
        self.shared.filled.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One formatted log line's writer (the subscriber writes each line with one `write_all`).
pub struct LineWriter<'a, W> {
    log: &'a BatchedLog<W>,
}

impl<'a, W: Write + Send + 'static> MakeWriter<'a> for BatchedLog<W> {
    type Writer = LineWriter<'a, W>;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter { log: self }
    }
}

impl<W: Write> Write for LineWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let shared = &self.log.shared;
        let mut state = shared.lock();
        while state.pending.len() >= MAX_PENDING && !state.closed {
            state = shared
                .drained
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        if state.closed {
            // The writer has written everything before this line, or is doing so
            // holding the sink: written after it.
            drop(state);
            let mut sink = self.log.out.lock().unwrap_or_else(PoisonError::into_inner);
            sink.write_all(buf)?;
            return Ok(buf.len());
        }
        let was_empty = state.pending.is_empty();
        state.pending.extend_from_slice(buf);
        drop(state);
        if was_empty {
            shared.filled.notify_one();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink the test can read while the writer holds it, and wait on.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>, Arc<Condvar>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            self.1.notify_all();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn line<W: Write + Send + 'static>(log: &BatchedLog<W>, text: &str) {
        log.make_writer().write_all(text.as_bytes()).unwrap();
    }

    #[test]
    fn every_line_is_written_in_order_by_the_time_the_flusher_is_dropped() {
        let sink = Sink::default();
        let (log, flusher) = batched(sink.clone()).unwrap();
        std::thread::scope(|s| {
            for t in 0..4 {
                let log = log.clone();
                s.spawn(move || {
                    for i in 0..2_000 {
                        line(&log, &format!("t{t} {i}\n"));
                    }
                });
            }
        });
        drop(flusher);
        line(&log, "after\n");
        let out = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4 * 2_000 + 1);
        assert_eq!(lines.last(), Some(&"after"));
        for t in 0..4 {
            let mine: Vec<usize> = lines
                .iter()
                .filter_map(|l| l.strip_prefix(&format!("t{t} ")))
                .map(|n| n.parse().unwrap())
                .collect();
            assert_eq!(mine, (0..2_000).collect::<Vec<_>>(), "thread {t}");
        }
    }

    #[test]
    fn lines_are_written_without_waiting_for_the_end() {
        let sink = Sink::default();
        let (log, _flusher) = batched(sink.clone()).unwrap();
        line(&log, "one\n");
        // Bounded wait: the batch is written a window after its first line.
        let (written, _) = sink
            .1
            .wait_timeout_while(sink.0.lock().unwrap(), Duration::from_secs(60), |w| {
                w.is_empty()
            })
            .unwrap();
        assert_eq!(*written, b"one\n");
    }

    #[test]
    fn a_full_buffer_makes_the_logger_wait_instead_of_growing() {
        // A sink that blocks until the test opens it.
        struct Gate(Arc<(Mutex<bool>, Condvar)>, Sink);
        impl Write for Gate {
            fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
                let (open, cv) = &*self.0;
                let mut g = open.lock().unwrap();
                while !*g {
                    g = cv.wait(g).unwrap();
                }
                self.1.write(buf)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let sink = Sink::default();
        let (log, flusher) = batched(Gate(gate.clone(), sink.clone())).unwrap();
        let big = "x".repeat(MAX_PENDING - 1) + "\n";
        let (logged, done) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            let log2 = log.clone();
            let big2 = big.clone();
            s.spawn(move || {
                // The first fills a batch the writer takes and blocks on; the second
                // fills the buffer; the third must wait.
                for _ in 0..3 {
                    line(&log2, &big2);
                }
                logged.send(()).unwrap();
            });
            // While the sink is closed, the third line waits and the buffer stays bounded.
            assert!(
                done.recv_timeout(Duration::from_millis(500)).is_err(),
                "the third line did not wait"
            );
            assert!(log.shared.lock().pending.len() <= MAX_PENDING);
            *gate.0.lock().unwrap() = true;
            gate.1.notify_all();
            done.recv_timeout(Duration::from_secs(60)).unwrap();
        });
        drop(flusher);
        assert_eq!(sink.0.lock().unwrap().len(), 3 * big.len());
    }
}
