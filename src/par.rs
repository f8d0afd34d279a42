//! Data parallelism on scoped threads, for the few stages of a large build that split cleanly
//! (parsing files, checking grants, running independent emitters). Results keep the input
//! order, so output and diagnostics are the same whatever the number of threads.
//!
//! Small inputs stay on the calling thread: starting a thread costs more than checking one app.
//!
//! How many threads a stage may use belongs to the compile, not to the process: the caller's
//! [`crate::Context`] gives the number, and [`with_threads`] makes it the number for the
//! duration of a call, on the calling thread and on every thread this module starts for it
//! (a thread-local, so two compiles on two threads with different numbers do not meet). The
//! stages themselves take no parameter for it: they only ask [`threads`].

use std::cell::Cell;
use std::thread;

/// The most threads any stage uses.
pub const MAX_THREADS: usize = 16;

thread_local! {
    /// The number [`with_threads`] gave for the call running on this thread, if any.
    static THREADS: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Run `f` with at most `n` threads for every parallel stage it reaches (1 turns parallelism
/// off; at most 16), then restore the number that was in force before.
pub fn with_threads<R>(n: usize, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<usize>);
    impl Drop for Restore {
        fn drop(&mut self) {
            THREADS.with(|t| t.set(self.0));
        }
    }
    let _restore = Restore(THREADS.with(|t| t.replace(Some(n.clamp(1, MAX_THREADS)))));
    f()
}

/// The machine's parallelism, at most 16: the number of threads when the caller gives none.
/// Asked of the system once (a fact about the machine, kept for the process: on Linux the
/// question reads the cgroup's quota).
pub fn available() -> usize {
    static AVAILABLE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(MAX_THREADS)
    })
}

/// How many threads to use: the number [`with_threads`] gave for the running call, else the
/// machine's parallelism ([`available`]).
pub fn threads() -> usize {
    THREADS.with(Cell::get).unwrap_or_else(available)
}

/// `f` over every item, in order, on up to [`threads`] threads: the items are cut into runs of
/// about equal `weight` (at least `min_weight` each), one run per thread.
pub fn map<T, R, W, F>(items: &[T], weight: W, min_weight: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    W: Fn(&T) -> usize,
    F: Fn(&T) -> R + Sync,
{
    let total: usize = items.iter().map(&weight).sum();
    let count = threads();
    let n = count.min(total / min_weight.max(1)).min(items.len()).max(1);
    if n == 1 {
        return items.iter().map(f).collect();
    }
    // Cut into `n` runs of consecutive items of about total / n weight each.
    let share = total.div_ceil(n);
    let mut runs: Vec<&[T]> = Vec::with_capacity(n);
    let (mut start, mut acc) = (0, 0);
    for (i, item) in items.iter().enumerate() {
        acc += weight(item);
        if acc >= share && runs.len() + 1 < n {
            runs.push(&items[start..=i]);
            start = i + 1;
            acc = 0;
        }
    }
    runs.push(&items[start..]);
    let f = &f;
    thread::scope(|s| {
        let handles: Vec<_> = runs
            .iter()
            .skip(1)
            .map(|run| {
                s.spawn(move || with_threads(count, || run.iter().map(f).collect::<Vec<R>>()))
            })
            .collect();
        // The first run on this thread.
        let mut out: Vec<R> = Vec::with_capacity(items.len());
        out.extend(runs[0].iter().map(f));
        for h in handles {
            match h.join() {
                Ok(part) => out.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// Run independent jobs at once (one thread each, the first on this thread); their results in
/// order. With one thread, or when `worth_it` is false (small inputs), they run one after the
/// other.
pub fn all<R: Send>(worth_it: bool, jobs: Vec<Box<dyn FnOnce() -> R + Send + '_>>) -> Vec<R> {
    let n = threads();
    if !worth_it || n == 1 || jobs.len() < 2 {
        return jobs.into_iter().map(|j| j()).collect();
    }
    let mut jobs = jobs.into_iter();
    let Some(first) = jobs.next() else {
        return Vec::new();
    };
    thread::scope(|s| {
        let handles: Vec<_> = jobs.map(|j| s.spawn(move || with_threads(n, j))).collect();
        let mut out = vec![first()];
        for h in handles {
            match h.join() {
                Ok(r) => out.push(r),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// Free a large vector on two threads: its halves at once (freeing a large program's syntax
/// tree or IR, hundreds of thousands of small allocations, is otherwise a serial pause).
pub fn drop_vec<T: Send>(mut items: Vec<T>) {
    if threads() == 1 || items.len() < 512 {
        drop(items);
        return;
    }
    let half = items.split_off(items.len() / 2);
    thread::scope(|s| {
        s.spawn(move || drop(half));
        drop(items);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_order_and_covers_every_item() {
        let items: Vec<usize> = (0..1000).collect();
        let out = map(&items, |_| 1, 1, |x| x * 2);
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        // Uneven weights.
        let out = map(&items, |x| *x, 1, |x| *x);
        assert_eq!(out, items);
        // Below the minimum weight: one run.
        let out = map(&items[..3], |_| 1, 100, |x| x + 1);
        assert_eq!(out, vec![1, 2, 3]);
        let empty: Vec<usize> = Vec::new();
        assert!(map(&empty, |_| 1, 1, |x| *x).is_empty());
    }

    #[test]
    fn drop_vec_frees_every_item() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static DROPPED: AtomicUsize = AtomicUsize::new(0);
        struct Counted;
        impl Drop for Counted {
            fn drop(&mut self) {
                DROPPED.fetch_add(1, Ordering::Relaxed);
            }
        }
        for n in [0, 1, 511, 512, 5000] {
            DROPPED.store(0, Ordering::Relaxed);
            drop_vec((0..n).map(|_| Counted).collect());
            assert_eq!(DROPPED.load(Ordering::Relaxed), n);
        }
    }

    #[test]
    fn the_thread_count_is_the_callers_and_reaches_the_workers() {
        with_threads(3, || {
            assert_eq!(threads(), 3);
            let items: Vec<usize> = (0..64).collect();
            let seen = map(&items, |_| 1, 1, |_| threads());
            assert!(seen.iter().all(|&n| n == 3));
            let jobs: Vec<Box<dyn FnOnce() -> usize + Send>> =
                (0..3).map(|_| Box::new(threads) as _).collect();
            assert_eq!(all(true, jobs), vec![3, 3, 3]);
            with_threads(1, || assert_eq!(threads(), 1));
            assert_eq!(threads(), 3);
        });
        assert_eq!(with_threads(99, threads), MAX_THREADS);
        assert_eq!(threads(), available());
    }

    #[test]
    fn all_keeps_order() {
        let jobs: Vec<Box<dyn FnOnce() -> usize + Send>> =
            (0..5usize).map(|i| Box::new(move || i * 10) as _).collect();
        assert_eq!(all(true, jobs), vec![0, 10, 20, 30, 40]);
    }
}
