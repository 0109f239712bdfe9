//! Whether this page can run WebAssembly threads, and if not, why, in words a visitor can act on.

use std::fmt;

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
                "this browser has no SharedArrayBuffer, so WebAssembly threads cannot \
                 share memory"
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
