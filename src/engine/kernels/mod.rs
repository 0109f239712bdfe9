//! The workload kernels and their registry. Adding a kernel is one module plus one entry in
//! [`KERNELS`].

use std::fmt;
use std::ops::Range;

use super::size::{Limits, SizeError};
use super::workload::Workload;

pub mod count;
pub mod fib;
pub mod mandelbrot;
pub mod matmul;
pub mod merge_sort;
pub mod meta_scan;
pub mod monte_carlo_pi;
pub mod primes;
pub mod sha256;

/// Seed for every generated input: fixed, so every run of every model sees the same data.
pub const SEED: u64 = 0x0a11_ab0a_7d5e_ed00;

/// Tasks for kernels whose size is a count of items: fixed (never derived from the thread
/// count), enough to balance 16+ threads.
pub const TASKS: usize = 64;

/// Part `index` of `0..total` cut into `parts` near-equal ranges (the first ones one longer).
pub fn share(total: u64, parts: u64, index: u64) -> Range<u64> {
    let (base, extra) = (total / parts, total % parts);
    let start = index * base + index.min(extra);
    start..start + base + u64::from(index < extra)
}

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
    pub build: fn(u64) -> Result<Box<dyn Workload>, SizeError>,
}

impl fmt::Debug for KernelInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KernelInfo")
            .field("slug", &self.slug)
            .finish()
    }
}

fn boxed<W: Workload + 'static>(
    work: Result<W, SizeError>,
) -> Result<Box<dyn Workload>, SizeError> {
    work.map(|w| Box::new(w) as Box<dyn Workload>)
}

pub const KERNELS: &[KernelInfo] = &[
    KernelInfo {
        slug: "count",
        title: "Count to N",
        size_means: "N, the number to count to",
        python: "while n > 0: n -= 1",
        limits: count::LIMITS,
        build: |size| boxed(count::CountLoop::new(size)),
    },
    KernelInfo {
        slug: "fib",
        title: "Naive recursive Fibonacci over mixed n",
        size_means: "the largest n",
        python: "pool.map(fib, [n, n - 1, ..., n - 5] * 10)",
        limits: fib::LIMITS,
        build: |size| boxed(fib::Fib::new(size)),
    },
    KernelInfo {
        slug: "meta-scan",
        title: "Regex scan for <meta> tags in generated HTML",
        size_means: "pages in the corpus",
        python: "re.findall(r'<meta[^>]*>', page) for page in pages",
        limits: meta_scan::LIMITS,
        build: |size| boxed(meta_scan::MetaScan::new(size)),
    },
    KernelInfo {
        slug: "mandelbrot",
        title: "Mandelbrot set, one task per row",
        size_means: "image width in pixels",
        python: "[escape_time(complex(x, y)) for x in xs] for y in ys",
        limits: mandelbrot::LIMITS,
        build: |size| boxed(mandelbrot::Mandelbrot::new(size)),
    },
    KernelInfo {
        slug: "primes",
        title: "Count primes by trial division",
        size_means: "N: primes below N are counted",
        python: "sum(is_prime(n) for n in range(lo, hi))",
        limits: primes::LIMITS,
        build: |size| boxed(primes::Primes::new(size)),
    },
    KernelInfo {
        slug: "matmul",
        title: "Dense f64 matrix multiply, one task per row",
        size_means: "n, for n×n matrices",
        python: "[[sum(a * b for a, b in zip(row, col)) for col in zip(*B)] for row in A]",
        limits: matmul::LIMITS,
        build: |size| boxed(matmul::MatMul::new(size)),
    },
    KernelInfo {
        slug: "sha256",
        title: "SHA-256 over many blocks",
        size_means: "64-byte blocks hashed",
        python: "hashlib.sha256(digest + block).digest() for block in blocks",
        limits: sha256::LIMITS,
        build: |size| boxed(sha256::Sha256Chain::new(size)),
    },
    KernelInfo {
        slug: "monte-carlo-pi",
        title: "Monte Carlo π with a seeded generator per task",
        size_means: "random points",
        python: "sum(random() ** 2 + random() ** 2 < 1 for _ in range(n))",
        limits: monte_carlo_pi::LIMITS,
        build: |size| boxed(monte_carlo_pi::MonteCarloPi::new(size)),
    },
    KernelInfo {
        slug: "merge-sort",
        title: "Merge sort of seeded random data, one task per chunk",
        size_means: "64-bit numbers to sort",
        python: "pool.map(merge_sort, chunks)",
        limits: merge_sort::LIMITS,
        build: |size| boxed(merge_sort::MergeSort::new(size)),
    },
];

/// Why a kernel could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KernelError {
    Unknown(String),
    Size(SizeError),
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
        }
    }
}

impl std::error::Error for KernelError {}

pub fn find(slug: &str) -> Option<&'static KernelInfo> {
    KERNELS.iter().find(|k| k.slug == slug)
}

/// Builds kernel `slug` at `size`, refusing unknown names and sizes outside its limits.
pub fn build(slug: &str, size: u64) -> Result<Box<dyn Workload>, KernelError> {
    let info = find(slug).ok_or_else(|| KernelError::Unknown(slug.to_string()))?;
    (info.build)(size).map_err(KernelError::Size)
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
