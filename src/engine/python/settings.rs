//! The Python lab's form: the visitor's code, the pool's size, the chunksize, how many rounds;
//! the templates it starts from; and the one reader that turns the form into a [`PythonPlan`] or
//! says which field it refuses and why.

use serde::{Deserialize, Serialize};

use crate::engine::refusals::Refusals;
use crate::engine::size::{parse_whole_number, SizeError};

/// The longest code the lab takes: past it a share link would not fit in an address bar.
pub const MAX_CODE_CHARS: usize = 20_000;
/// The most interpreters a pool may have: each is about 30 MB of memory and seconds to start.
pub const MAX_WORKERS: usize = 16;
pub const MAX_CHUNKSIZE: usize = 100_000;
pub const MAX_ROUNDS: usize = 9;

/// A starting point for the visitor's code. Each defines `work(x)` and `inputs`, as every
/// function the lab runs must.
pub struct Template {
    pub slug: &'static str,
    pub label: &'static str,
    pub code: &'static str,
}

/// The templates, CPU-bound first; the last is I/O-bound and `async def`.
pub const TEMPLATES: [Template; 5] = [
    Template {
        slug: "count",
        label: "Count down",
        code: "# CPU-bound: count down from n, as the GIL lesson's CPython script does.\n\
def work(n):\n    while n > 0:\n        n -= 1\n    return n\n\n\
inputs = [3_000_000] * 8\n",
    },
    Template {
        slug: "fib",
        label: "Fibonacci",
        code: "# CPU-bound: naive recursion, many small calls.\n\
def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\n\
def work(n):\n    return fib(n)\n\n\
inputs = [28] * 8\n",
    },
    Template {
        slug: "primes",
        label: "Primes in ranges",
        code: "# CPU-bound: count the primes in each block of numbers.\n\
def is_prime(n):\n    if n < 2:\n        return False\n    d = 2\n    while d * d <= n:\n        \
if n % d == 0:\n            return False\n        d += 1\n    return True\n\n\
def work(block):\n    lo, hi = block\n    return sum(1 for n in range(lo, hi) if is_prime(n))\n\n\
inputs = [(lo, lo + 25_000) for lo in range(0, 200_000, 25_000)]\n",
    },
    Template {
        slug: "hash",
        label: "Hash pages",
        code: "# CPU-bound, in C: hashlib, as the released lesson's script does.\n\
import hashlib\n\n\
def work(i):\n    page = bytes([i % 256]) * 100_000\n    for _ in range(40):\n        \
page = hashlib.sha256(page).digest() * 3_125\n    return hashlib.sha256(page).hexdigest()[:12]\n\n\
inputs = list(range(8))\n",
    },
    Template {
        slug: "fetch",
        label: "Fetch pages (async)",
        code: "# I/O-bound: each request waits 200 ms for the built-in targets (TARGETS)\n\
# to answer. Use your own URLs if their site allows it (CORS).\n\
from pyodide.http import pyfetch\n\n\
async def work(i):\n    response = await pyfetch(f\"{TARGETS}page?i={i}&latency=200&bytes=4096\")\n    \
return len(await response.bytes())\n\n\
inputs = list(range(16))\n",
    },
];

/// The template named `slug`.
pub fn template(slug: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.slug == slug)
}

/// A field of the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Code,
    Workers,
    Chunksize,
    Rounds,
}

impl Field {
    pub fn label(&self) -> &'static str {
        match self {
            Field::Code => "Code",
            Field::Workers => "Interpreters in the pool",
            Field::Chunksize => "Chunksize",
            Field::Rounds => "Rounds",
        }
    }
}

/// The form as typed: what the visitor typed is kept as it is, and read only by [`Self::plan`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PythonSettings {
    pub code: String,
    pub workers: String,
    pub chunksize: String,
    pub rounds: String,
}

impl Default for PythonSettings {
    fn default() -> Self {
        PythonSettings {
            code: TEMPLATES[0].code.into(),
            workers: "2".into(),
            chunksize: "1".into(),
            rounds: "3".into(),
        }
    }
}

/// What a run does, read from the form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PythonPlan {
    pub workers: usize,
    pub chunksize: usize,
    pub rounds: usize,
}

/// A whole number in `min..=max`, read as every form here reads one
/// ([`parse_whole_number`]: `1_000`, `1e3`), with a message that names the range.
fn count(text: &str, min: usize, max: usize) -> Result<usize, String> {
    match parse_whole_number(text) {
        Ok(n) if (min as u64..=max as u64).contains(&n) => Ok(n as usize),
        Ok(n) => Err(format!("{n} is outside {min} to {max}")),
        Err(SizeError::Empty) => Err(format!("empty: give a whole number from {min} to {max}")),
        Err(_) => Err(format!(
            "{} is not a whole number from {min} to {max}",
            crate::engine::quote::quoted(text)
        )),
    }
}

impl PythonSettings {
    /// The text of `field`, to edit.
    pub fn text_mut(&mut self, field: Field) -> &mut String {
        match field {
            Field::Code => &mut self.code,
            Field::Workers => &mut self.workers,
            Field::Chunksize => &mut self.chunksize,
            Field::Rounds => &mut self.rounds,
        }
    }

    /// The plan, or each refused field with why.
    pub fn plan(&self) -> Result<PythonPlan, Refusals<Field>> {
        let mut refused = Vec::new();
        let chars = self.code.chars().count();
        if self.code.trim().is_empty() {
            refused.push((
                Field::Code,
                "empty: define work(x) and inputs, or pick a template".to_string(),
            ));
        } else if chars > MAX_CODE_CHARS {
            refused.push((
                Field::Code,
                format!("{chars} characters, past the limit of {MAX_CODE_CHARS} (a share link must fit in an address bar)"),
            ));
        }
        let mut read = |field, text: &str, min, max| {
            count(text, min, max)
                .map_err(|why| refused.push((field, why)))
                .unwrap_or(min)
        };
        let workers = read(Field::Workers, &self.workers, 1, MAX_WORKERS);
        let chunksize = read(Field::Chunksize, &self.chunksize, 1, MAX_CHUNKSIZE);
        let rounds = read(Field::Rounds, &self.rounds, 1, MAX_ROUNDS);
        if refused.is_empty() {
            Ok(PythonPlan {
                workers,
                chunksize,
                rounds,
            })
        } else {
            Err(refused.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_form_reads_as_two_interpreters_chunksize_one_three_rounds() {
        let plan = PythonSettings::default().plan().unwrap();
        assert_eq!(
            plan,
            PythonPlan {
                workers: 2,
                chunksize: 1,
                rounds: 3
            }
        );
    }

    #[test]
    fn each_bad_field_is_refused_with_why() {
        let settings = PythonSettings {
            code: "  ".into(),
            workers: "0".into(),
            chunksize: "lots".into(),
            rounds: "".into(),
        };
        let refused = settings.plan().unwrap_err();
        assert!(refused.get(Field::Code).unwrap().contains("empty"));
        assert_eq!(refused.get(Field::Workers).unwrap(), "0 is outside 1 to 16");
        assert!(refused
            .get(Field::Chunksize)
            .unwrap()
            .contains("not a whole number"));
        assert!(refused.get(Field::Rounds).unwrap().contains("empty"));
        let long = PythonSettings {
            code: "x".repeat(MAX_CODE_CHARS + 1),
            ..PythonSettings::default()
        };
        assert!(long
            .plan()
            .unwrap_err()
            .get(Field::Code)
            .unwrap()
            .contains("20000"));
    }

    #[test]
    fn every_template_defines_work_and_inputs() {
        for t in &TEMPLATES {
            assert!(t.code.contains("def work("), "{}", t.slug);
            assert!(t.code.contains("\ninputs = "), "{}", t.slug);
            assert!(template(t.slug).is_some());
        }
    }
}
