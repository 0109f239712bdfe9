//! Whether this page can run WebAssembly threads, and if not, why, in words a visitor can act on.

use std::fmt;

use crate::engine::clock::Clock;

/// What the browser reports about itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    /// `self.crossOriginIsolated`: the page was served with COOP `same-origin` and COEP
    /// `require-corp`, which browsers require before they share memory between threads.
    pub cross_origin_isolated: bool,
    /// Whether `SharedArrayBuffer` exists at all.
    pub shared_array_buffer: bool,
    /// `navigator.hardwareConcurrency`: logical cores the browser will admit to.
    pub cores: usize,
}

/// Why threads cannot run here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoThreads {
    NotIsolated,
    NoSharedMemory,
    /// The checks passed but starting the pool failed; the message is the browser's.
    PoolFailed(String),
}

impl fmt::Display for NoThreads {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoThreads::NotIsolated => write!(
                f,
                "this page is not cross-origin isolated. The server must send \
                 Cross-Origin-Opener-Policy: same-origin and \
                 Cross-Origin-Embedder-Policy: require-corp; without them the browser \
                 will not share memory between threads"
            ),
            NoThreads::NoSharedMemory => write!(
                f,
                "the page is cross-origin isolated, but this browser offers no \
                 SharedArrayBuffer, so WebAssembly threads cannot share memory. A browser \
                 setting or an engine built without it does this (WebKitGTK on Linux ships \
                 with it off; Safari, Chrome, Edge and Firefox have it). Sequential runs and \
                 worker processes, which copy instead of sharing, still work"
            ),
            NoThreads::PoolFailed(message) => {
                write!(f, "the thread pool failed to start: {message}")
            }
        }
    }
}

impl Capabilities {
    /// Most threads a sweep will try, whatever a browser claims.
    pub const MAX_THREADS: usize = 64;

    /// Builds from raw browser values, keeping the core count sane (a missing or zero
    /// `hardwareConcurrency` counts as 1).
    pub fn new(cross_origin_isolated: bool, shared_array_buffer: bool, cores: f64) -> Self {
        let cores = if cores.is_finite() && cores >= 1.0 {
            (cores as usize).min(Self::MAX_THREADS)
        } else {
            1
        };
        Capabilities {
            cross_origin_isolated,
            shared_array_buffer,
            cores,
        }
    }

    /// The most threads a sweep may ask for: past the reported cores, since a browser may report
    /// fewer than there are (or more), up to twice them and at least 8.
    pub fn most_threads(cores: usize) -> usize {
        (2 * cores).clamp(8, Self::MAX_THREADS)
    }

    pub fn threads(&self) -> Result<(), NoThreads> {
        if !self.shared_array_buffer && self.cross_origin_isolated {
            Err(NoThreads::NoSharedMemory)
        } else if !self.cross_origin_isolated {
            Err(NoThreads::NotIsolated)
        } else {
            Ok(())
        }
    }
}

/// How many threads' worth of work ran at once on the current rayon pool: every pool thread spins
/// for a few milliseconds, counting, against this thread spinning alone as long. Two real cores
/// give about 2 whatever the pool's size; `None` on a pool of one. Takes about 40 ms.
pub fn measure_parallelism(clock: Clock) -> Option<f64> {
    const SPIN_MS: f64 = 10.0;
    if rayon::current_num_threads() < 2 {
        return None;
    }
    let spin = |ms: f64| {
        let start = clock();
        let mut count = 0u64;
        while clock() - start < ms {
            for _ in 0..256 {
                count = std::hint::black_box(count + 1);
            }
        }
        count
    };
    // Warmed first (a wasm engine may still be tiering the loop up), and alone both before and
    // after, the faster of the two: a slow spell makes the machine look smaller, never bigger.
    spin(SPIN_MS / 2.0);
    let before = spin(SPIN_MS);
    let together: u64 = rayon::broadcast(|_| spin(SPIN_MS)).into_iter().sum();
    let alone = before.max(spin(SPIN_MS));
    (alone > 0).then(|| together as f64 / alone as f64)
}

/// What the panel says of the reported core count, given what a short parallel probe measured
/// (`measured`: how many threads' worth of work ran at once, when the engine has run one) and the
/// browser's name: `None` when nothing looks wrong.
///
/// Browsers may invent the figure. WebKitGTK reports 4 on this 2-core machine; Firefox's
/// fingerprinting protection reports 2 on any machine; Brave randomises it.
pub fn cores_note(reported: usize, measured: Option<f64>, browser: &str) -> Option<String> {
    if let Some(measured) = measured.filter(|m| m.is_finite() && *m > 0.0) {
        let ran = measured.round().max(1.0) as usize;
        if measured < 0.7 * reported as f64 && ran < reported {
            return Some(format!(
                "The browser reports {reported} cores, but only about {ran} threads' worth of work \
                 ran at once when the engine started: this machine may have fewer cores than \
                 reported, or was busy. Past k = {ran}, expect no further speedup."
            ));
        }
    }
    if reported == 2 && browser.starts_with("Firefox") {
        return Some(
            "Firefox reports 2 cores whatever the machine has when its fingerprinting protection \
             is on; a sweep past k = 2 shows whether there are more."
                .into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolated_with_shared_memory_has_threads() {
        assert_eq!(Capabilities::new(true, true, 8.0).threads(), Ok(()));
    }

    #[test]
    fn not_isolated_says_which_headers_are_missing() {
        // Browsers hide SharedArrayBuffer on pages that are not isolated: isolation is the cause.
        let err = Capabilities::new(false, false, 8.0).threads().unwrap_err();
        assert_eq!(err, NoThreads::NotIsolated);
        let text = err.to_string();
        assert!(text.contains("Cross-Origin-Opener-Policy: same-origin"));
        assert!(text.contains("Cross-Origin-Embedder-Policy: require-corp"));
    }

    #[test]
    fn isolated_without_shared_memory_blames_the_browser() {
        let err = Capabilities::new(true, false, 4.0).threads().unwrap_err();
        assert_eq!(err, NoThreads::NoSharedMemory);
        // Not the headers' fault, and said apart from it: what is missing and what still runs.
        let text = err.to_string();
        assert!(text.contains("cross-origin isolated, but"), "{text}");
        assert!(!text.contains("Cross-Origin-Opener-Policy"), "{text}");
        assert!(text.contains("worker processes"), "{text}");
    }

    #[test]
    fn the_probe_counts_what_ran_at_once() {
        let clock = crate::engine::clock::system_clock;
        assert_eq!(
            crate::engine::test_pool(1).install(|| measure_parallelism(clock)),
            None
        );
        // Eight threads on however many cores: never more than eight's worth, and at least one.
        let measured = crate::engine::test_pool(8)
            .install(|| measure_parallelism(clock))
            .unwrap();
        assert!((0.5..=8.5).contains(&measured), "{measured}");
    }

    #[test]
    fn an_invented_core_count_is_named_with_what_ran_at_once() {
        // WebKitGTK's 4 on a 2-core machine: two threads' worth ran at once.
        let note = cores_note(4, Some(2.1), "Safari 60").unwrap();
        assert!(note.contains("reports 4 cores"), "{note}");
        assert!(note.contains("about 2 threads"), "{note}");
        // What a real 4-core machine measures, give or take a busy moment, says nothing.
        assert_eq!(cores_note(4, Some(3.4), "Chrome 156"), None);
        assert_eq!(cores_note(2, Some(1.9), "Chrome 156"), None);
        assert_eq!(cores_note(8, None, "Chrome 156"), None);
        assert_eq!(cores_note(8, Some(f64::NAN), "Chrome 156"), None);
        // Firefox's 2 may be its fingerprinting protection's.
        assert!(cores_note(2, Some(2.0), "Firefox 153")
            .unwrap()
            .contains("fingerprinting"));
        assert_eq!(cores_note(4, Some(3.9), "Firefox 153"), None);
    }

    #[test]
    fn a_sweep_may_go_past_the_reported_cores_up_to_a_limit() {
        assert_eq!(Capabilities::most_threads(2), 8);
        assert_eq!(Capabilities::most_threads(16), 32);
        assert_eq!(Capabilities::most_threads(64), Capabilities::MAX_THREADS);
    }

    #[test]
    fn odd_core_counts_are_tamed() {
        assert_eq!(Capabilities::new(true, true, 0.0).cores, 1);
        assert_eq!(Capabilities::new(true, true, f64::NAN).cores, 1);
        assert_eq!(
            Capabilities::new(true, true, 1e9).cores,
            Capabilities::MAX_THREADS
        );
        assert_eq!(Capabilities::new(true, true, 2.0).cores, 2);
    }
}
