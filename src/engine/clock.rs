//! The clock every run reads: a plain function, so each thread (and each worker of the browser)
//! can call its own.

/// A clock in milliseconds, one timeline for every thread of a run. A plain function, so every
/// thread can read it: natively [`system_clock`]; in the browser `performance.timeOrigin +
/// performance.now()` (`web::worker_api::now_ms`), since each worker's `performance.now()` alone
/// counts from that worker's own start. `std::time::Instant` panics on wasm32-unknown-unknown.
pub type Clock = fn() -> f64;

/// Milliseconds since this process first asked, for native runs and tests.
#[cfg(not(target_arch = "wasm32"))]
pub fn system_clock() -> f64 {
    static EPOCH: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    EPOCH
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_secs_f64()
        * 1_000.0
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn system_clock_moves_forward() {
        let a = system_clock();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(system_clock() - a >= 4.0);
    }
}
