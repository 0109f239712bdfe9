//! The work Overlap times: the workload kernels and their registry, with what describes a piece
//! of work ([`workload`]), its size ([`size`]), its tasks on the wire to a process ([`wire`]),
//! its random numbers ([`rng`]), how its messages quote what the visitor typed ([`quote`]), and
//! arrays laid out from a cache line's start for loops that vectorise ([`cache_line`]).
//! Adding a kernel is one module plus one entry in [`KERNELS`].
//!
//! A crate of its own so that the browser build can optimise it for speed and the rest of
//! Overlap, the UI above all, for size (Cargo.toml's `wasm-release` profile). Overlap's engine
//! re-exports it as `engine::kernels` (and these modules under `engine::`), so no path changed.

use std::fmt;

use crate::size::{Limits, SizeError};
use crate::wire::DecodeError;
use crate::workload::Workload;

pub mod cache_line;
pub mod quote;
pub mod rng;
pub mod size;
pub mod wire;
pub mod workload;

pub mod count;
pub mod fault_drill;
pub mod fib;
pub mod mandelbrot;
pub mod mandelbrot_simd;
pub mod matmul;
pub mod merge_sort;
pub mod meta_scan;
pub mod monte_carlo_pi;
pub mod primes;
pub mod sha256;
mod tasks;

pub(crate) use tasks::{decode_numbers, decode_pairs, decode_ranges, encode_numbers, encode_pairs};
pub use tasks::{share, TaskList, SEED, TASKS};

/// Rebuilds a chunk of tasks from their serialized arguments, in a process.
pub type Decode = fn(&[u8]) -> Result<Box<dyn Workload>, DecodeError>;

/// What a kernel is and how to build it.
pub struct KernelInfo {
    /// Stable name, used in messages, links and `data-kernel`.
    pub slug: &'static str,
    pub title: &'static str,
    /// What the size counts, for the size field's label.
    pub size_means: &'static str,
    /// The same work in Python, for the reader who knows Python.
    pub python: &'static str,
    pub limits: Limits,
    /// Bytes of input data the parent holds at `size` (a generous estimate), so a size that
    /// would not fit in the browser's memory is refused before anything is built.
    pub memory: fn(u64) -> u64,
    pub build: fn(u64) -> Result<Box<dyn Workload>, SizeError>,
    /// The process side: rebuilds tasks from what [`Workload::encode_tasks`] wrote (unpickling).
    pub decode: Decode,
}

impl fmt::Debug for KernelInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KernelInfo")
            .field("slug", &self.slug)
            .finish()
    }
}

/// Kernels are told apart by their slug.
impl PartialEq for KernelInfo {
    fn eq(&self, other: &Self) -> bool {
        self.slug == other.slug
    }
}

fn boxed<W: Workload + 'static, E>(work: Result<W, E>) -> Result<Box<dyn Workload>, E> {
    work.map(|w| Box::new(w) as Box<dyn Workload>)
}

pub const KERNELS: &[KernelInfo] = &[
    KernelInfo {
        slug: "count",
        title: "Count to N",
        size_means: "N, the number to count to",
        python: "while n > 0: n -= 1",
        limits: count::LIMITS,
        memory: |_| 0,
        build: |size| boxed(count::CountLoop::new(size)),
        decode: |bytes| boxed(count::decode(bytes)),
    },
    KernelInfo {
        slug: "fib",
        title: "Naive recursive Fibonacci over mixed n",
        size_means: "the largest n",
        python: "pool.map(fib, [n, n - 1, ..., n - 5] * 10)",
        limits: fib::LIMITS,
        memory: |_| 0,
        build: |size| boxed(fib::Fib::new(size)),
        decode: |bytes| boxed(fib::decode(bytes)),
    },
    KernelInfo {
        slug: "meta-scan",
        title: "Scan for <meta> tags in generated HTML",
        size_means: "pages in the corpus",
        python: "re.findall(r'<meta[^>]*>', page) for page in pages",
        limits: meta_scan::LIMITS,
        memory: |pages| pages * meta_scan::BYTES_PER_PAGE,
        build: |size| boxed(meta_scan::MetaScan::new(size)),
        decode: |bytes| boxed(meta_scan::decode(bytes)),
    },
    KernelInfo {
        slug: "mandelbrot",
        title: "Mandelbrot set, one task per row",
        size_means: "image width in pixels",
        python: "[escape_time(complex(x, y)) for x in xs] for y in ys",
        limits: mandelbrot::LIMITS,
        memory: |width| width * 16,
        build: |size| boxed(mandelbrot::Mandelbrot::new(size)),
        decode: |bytes| boxed(mandelbrot::decode(bytes)),
    },
    KernelInfo {
        slug: "mandelbrot-simd",
        title: "Mandelbrot set, two pixels at a time (SIMD)",
        size_means: "image width in pixels",
        python: "escape_times(xs + 1j * y) for y in ys  # NumPy: whole rows at once",
        limits: mandelbrot_simd::LIMITS,
        memory: |width| width * 16,
        build: |size| boxed(mandelbrot_simd::MandelbrotSimd::new(size)),
        decode: |bytes| boxed(mandelbrot_simd::decode(bytes)),
    },
    KernelInfo {
        slug: "primes",
        title: "Count primes by trial division",
        size_means: "N: primes below N are counted",
        python: "sum(is_prime(n) for n in range(lo, hi))",
        limits: primes::LIMITS,
        memory: |_| 0,
        build: |size| boxed(primes::Primes::new(size)),
        decode: |bytes| boxed(primes::decode(bytes)),
    },
    KernelInfo {
        slug: "matmul",
        title: "Dense f64 matrix multiply, one task per row",
        size_means: "n, for n×n matrices",
        python: "[[sum(a * b for a, b in zip(row, col)) for col in zip(*B)] for row in A]",
        limits: matmul::LIMITS,
        memory: |n| 2 * n * n * 8,
        build: |size| boxed(matmul::MatMul::new(size)),
        decode: |bytes| boxed(matmul::decode(bytes)),
    },
    KernelInfo {
        slug: "sha256",
        title: "SHA-256 over many blocks",
        size_means: "64-byte blocks hashed",
        python: "hashlib.sha256(digest + block).digest() for block in blocks",
        limits: sha256::LIMITS,
        memory: |_| 0,
        build: |size| boxed(sha256::Sha256Chain::new(size)),
        decode: |bytes| boxed(sha256::decode(bytes)),
    },
    KernelInfo {
        slug: "monte-carlo-pi",
        title: "Monte Carlo π with a seeded generator per task",
        size_means: "random points",
        python: "sum(random() ** 2 + random() ** 2 < 1 for _ in range(n))",
        limits: monte_carlo_pi::LIMITS,
        memory: |_| 0,
        build: |size| boxed(monte_carlo_pi::MonteCarloPi::new(size)),
        decode: |bytes| boxed(monte_carlo_pi::decode(bytes)),
    },
    KernelInfo {
        slug: "merge-sort",
        title: "Merge sort of seeded random data, one task per chunk",
        size_means: "64-bit numbers to sort",
        python: "pool.map(merge_sort, chunks)",
        limits: merge_sort::LIMITS,
        memory: |len| len * 8 * 2,
        build: |size| boxed(merge_sort::MergeSort::new(size)),
        decode: |bytes| boxed(merge_sort::decode(bytes)),
    },
];

/// Not one of [`KERNELS`], so sweeps and benchmarks leave it out, but found by [`find`] like
/// any other: a run may ask for it, and a process can decode it.
pub const FAULT_DRILL: KernelInfo = KernelInfo {
    slug: "fault-drill",
    title: "Fault drill: one task raises",
    size_means: "the task that raises (0 to 63)",
    python: "pool.map(f, range(64)) where f raises at one task",
    limits: fault_drill::LIMITS,
    memory: |_| 0,
    build: |size| boxed(fault_drill::FaultDrill::new(size)),
    decode: |bytes| boxed(fault_drill::decode(bytes)),
};

/// Memory a WebAssembly instance may grow to (the linker's `--max-memory`, see
/// `.cargo/config.toml`).
pub const MEMORY_LIMIT: u64 = 1 << 30;

/// Part of [`MEMORY_LIMIT`] kept for everything but the kernel's data: the module, thread stacks
/// and the allocator's slack.
pub const MEMORY_RESERVE: u64 = 128 << 20;

/// Why a kernel could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelError {
    Unknown(String),
    Size(SizeError),
    /// The data would not fit in memory; `fits` is the largest size that would.
    Memory {
        slug: &'static str,
        needs: u64,
        fits: u64,
    },
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelError::Unknown(slug) => {
                let known: Vec<&str> = KERNELS.iter().map(|k| k.slug).collect();
                write!(
                    f,
                    "no kernel is called {slug:?}; try one of {}",
                    known.join(", ")
                )
            }
            KernelError::Size(err) => err.fmt(f),
            KernelError::Memory { slug, needs, fits } => write!(
                f,
                "{slug} at this size needs about {} MB, more than the {} MB a WebAssembly page \
                 may use; the largest size that fits is {}.",
                needs >> 20,
                (MEMORY_LIMIT - MEMORY_RESERVE) >> 20,
                crate::size::group(*fits)
            ),
        }
    }
}

impl std::error::Error for KernelError {}

/// A kernel the experiment form offers (not the fault drill): what a form or a link may name.
pub fn offered(slug: &str) -> Option<&'static KernelInfo> {
    KERNELS.iter().find(|k| k.slug == slug)
}

pub fn find(slug: &str) -> Option<&'static KernelInfo> {
    KERNELS
        .iter()
        .chain(std::iter::once(&FAULT_DRILL))
        .find(|k| k.slug == slug)
}

impl KernelInfo {
    /// Bytes a run holds at `size`: the data, and with `copies` (processes) its serialized
    /// copies on their way to the workers as well, at worst as much again.
    pub fn footprint(&self, size: u64, copies: bool) -> u64 {
        let data = (self.memory)(size);
        if copies {
            data.saturating_mul(2)
        } else {
            data
        }
    }

    /// Refuses a size whose data would not fit in the memory a page may use, naming the largest
    /// size that would.
    pub fn check_memory(&self, size: u64, copies: bool) -> Result<(), KernelError> {
        let budget = MEMORY_LIMIT - MEMORY_RESERVE;
        let needs = self.footprint(size, copies);
        if needs <= budget {
            return Ok(());
        }
        // The footprint grows with the size, so the largest size that fits is a binary search.
        let (mut fits, mut too_big) = (self.limits.min, size);
        while too_big - fits > 1 {
            let mid = fits + (too_big - fits) / 2;
            if self.footprint(mid, copies) <= budget {
                fits = mid;
            } else {
                too_big = mid;
            }
        }
        Err(KernelError::Memory {
            slug: self.slug,
            needs,
            fits,
        })
    }
}

/// Builds kernel `slug` at `size`, refusing unknown names, sizes outside its limits and sizes
/// whose data would not fit in memory (counting the copies a processes run makes if `copies`).
pub fn build_checked(
    slug: &str,
    size: u64,
    copies: bool,
) -> Result<Box<dyn Workload>, KernelError> {
    let info = find(slug).ok_or_else(|| KernelError::Unknown(slug.to_string()))?;
    info.limits.check(size).map_err(KernelError::Size)?;
    info.check_memory(size, copies)?;
    (info.build)(size).map_err(KernelError::Size)
}

/// [`build_checked`] for a run that makes no copies.
pub fn build(slug: &str, size: u64) -> Result<Box<dyn Workload>, KernelError> {
    build_checked(slug, size, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_cover_the_range_exactly_once() {
        for (total, parts) in [(10, 3), (64, 64), (5, 8), (1_000_003, 64)] {
            let mut next = 0;
            for i in 0..parts {
                let r = share(total, parts, i);
                assert_eq!(r.start, next);
                assert!(r.end - r.start <= total / parts + 1);
                next = r.end;
            }
            assert_eq!(next, total);
        }
    }

    #[test]
    fn every_kernel_checks_in_with_the_gil_often_and_computes_the_same() {
        use std::cell::Cell;
        for kernel in KERNELS.iter().filter(|k| k.slug != "fault-drill") {
            // Same results with checkpoints as without, first and last task, at a small size.
            let small = (kernel.build)(kernel.limits.min.max(kernel.limits.default / 50)).unwrap();
            for task in [0, small.task_count() - 1] {
                let checked = small.run_task_with_checkpoints(task, &|| Ok(()));
                assert_eq!(
                    checked,
                    Ok(small.run_task(task)),
                    "{} task {task}",
                    kernel.slug
                );
            }
            // At the default size a task is milliseconds of work, and the switch interval can
            // only govern it if it checks in many times along the way, not once at the end.
            let work = (kernel.build)(kernel.limits.default).unwrap();
            let calls = Cell::new(0u32);
            let _ = work.run_task_with_checkpoints(0, &|| {
                calls.set(calls.get() + 1);
                Ok(())
            });
            assert!(
                calls.get() >= 10,
                "{} checked in {} times in a task",
                kernel.slug,
                calls.get()
            );
            // Told to stop at its third checkpoint (a Cancel), a task stops there: no more work,
            // no result.
            let calls = Cell::new(0u32);
            let stopped = work.run_task_with_checkpoints(0, &|| {
                calls.set(calls.get() + 1);
                if calls.get() >= 3 {
                    Err(crate::workload::Interrupted)
                } else {
                    Ok(())
                }
            });
            assert_eq!(
                stopped,
                Err(crate::workload::Interrupted),
                "{}",
                kernel.slug
            );
            assert_eq!(
                calls.get(),
                3,
                "{} went on after it was told to stop",
                kernel.slug
            );
        }
    }

    #[test]
    fn slugs_are_unique_and_defaults_build() {
        let mut slugs: Vec<&str> = KERNELS.iter().map(|k| k.slug).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), KERNELS.len());
        for kernel in KERNELS {
            let limits = kernel.limits;
            assert!(limits.min <= limits.default && limits.default <= limits.max);
            assert!(
                (kernel.build)(limits.min).is_ok(),
                "{} at its minimum",
                kernel.slug
            );
        }
    }

    #[test]
    fn every_kernel_survives_the_trip_to_a_process() {
        for kernel in KERNELS {
            let size = (kernel.limits.default / 1_000).clamp(kernel.limits.min, kernel.limits.max);
            let work = (kernel.build)(size).unwrap();
            assert_eq!(work.kernel(), Some(kernel.slug));
            let n = work.task_count();
            for chunk in [0..n, 0..1, n / 2..n, n - 1..n, 0..0] {
                let bytes = work.encode_tasks(chunk.clone());
                let copy = (kernel.decode)(&bytes).unwrap();
                assert_eq!(copy.task_count(), chunk.len(), "{} {chunk:?}", kernel.slug);
                for (i, task) in chunk.clone().enumerate() {
                    assert_eq!(
                        copy.run_task(i),
                        work.run_task(task),
                        "{} task {task}",
                        kernel.slug
                    );
                }
                // A message cut short is refused, never misread.
                if !bytes.is_empty() {
                    assert!((kernel.decode)(&bytes[..bytes.len() - 1]).is_err());
                }
            }
        }
    }

    #[test]
    fn sizes_that_would_not_fit_in_memory_are_refused_before_building() {
        let sort = find("merge-sort").unwrap();
        let err = build_checked("merge-sort", sort.limits.max, false)
            .err()
            .unwrap();
        let KernelError::Memory { needs, fits, .. } = err else {
            panic!("expected a memory refusal, got {err:?}");
        };
        assert!(needs > MEMORY_LIMIT - MEMORY_RESERVE);
        assert!(sort.check_memory(fits, false).is_ok());
        assert!(sort.check_memory(fits + 1, false).is_err());
        assert!(err.to_string().contains("more than the 896 MB"), "{err}");
        // Processes also hold serialized copies, so less fits.
        let KernelError::Memory {
            fits: fits_copied, ..
        } = sort.check_memory(sort.limits.max, true).unwrap_err()
        else {
            unreachable!()
        };
        assert!(fits_copied < fits);
        // Every default fits, with copies.
        for kernel in KERNELS {
            assert!(
                kernel.check_memory(kernel.limits.default, true).is_ok(),
                "{}",
                kernel.slug
            );
        }
        assert!(
            find("fault-drill").is_some(),
            "the drill is found though not listed"
        );
    }

    #[test]
    fn unknown_kernels_and_bad_sizes_are_refused_with_a_reason() {
        let err = build("quicksort", 10).err().unwrap();
        assert!(err.to_string().contains("try one of count, fib"));
        for kernel in KERNELS {
            let err = build(kernel.slug, kernel.limits.max + 1).err().unwrap();
            assert_eq!(
                err,
                KernelError::Size(SizeError::TooLarge {
                    max: kernel.limits.max
                })
            );
            if kernel.limits.min > 0 {
                assert!(build(kernel.slug, kernel.limits.min - 1).is_err());
            }
        }
    }
}
