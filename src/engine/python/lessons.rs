//! "Run the Python here": the lessons whose steps browser CPython can run, each with the Python
//! that stands for those steps in the Python lab and which step each of the lab's models stands
//! for. The lesson then shows three speedups against its own baseline side by side: the model's
//! on this page, real CPython's in this page, and CPython's on the student's machine (imported
//! from the lesson's script). Steps that need threads are left out, with why: CPython in the
//! browser cannot start them (pyodide/pyodide#237).

use super::measured::PyModel;
use crate::engine::lessons::{find, Lesson};

/// A lesson's Python, runnable in the page.
pub struct InPage {
    pub slug: &'static str,
    pub code: &'static str,
    /// Which of the lesson's steps (by index) each model stands for; the first is the baseline.
    pub steps: &'static [(usize, PyModel)],
    /// The steps left out, and why.
    pub left_out: &'static str,
}

const NO_THREADS: &str = "CPython in the browser cannot start threads yet (Pyodide issue 237)";

pub const IN_PAGE: [InPage; 4] = [
    InPage {
        slug: "gil",
        code: "# The lesson's countdown, in real CPython: one interpreter, then a pool of k.\n\
def work(n):\n    while n > 0:\n        n -= 1\n    return n\n\ninputs = [3_000_000] * 8\n",
        steps: &[(0, PyModel::Sequential), (2, PyModel::Pool)],
        left_out: "GIL threads and free threads are left out",
    },
    InPage {
        slug: "copy",
        code: "# Sorting lists sent to the pool: each list is pickled across and back.\n\
import random\n\n\
def work(xs):\n    return sorted(xs)[len(xs) // 2]\n\n\
random.seed(1)\n\
inputs = [[random.random() for _ in range(100_000)] for _ in range(8)]\n",
        steps: &[(0, PyModel::Sequential), (2, PyModel::Pool)],
        left_out: "GIL threads and free threads, which share memory, are left out",
    },
    InPage {
        slug: "fetch",
        code: "# Sixteen requests of 200 ms to the built-in pages, in real CPython.\n\
from pyodide.http import pyfetch\n\n\
async def work(i):\n    response = await pyfetch(f\"{TARGETS}page?i={i}&latency=200&bytes=4096\")\n    \
return len(await response.bytes())\n\n\
inputs = list(range(16))\n",
        steps: &[(0, PyModel::Sequential), (1, PyModel::Gather)],
        left_out: "Threads are left out",
    },
    InPage {
        slug: "async-cpu",
        code: "# The countdown as coroutines on one event loop, and on a pool of k.\n\
async def work(n):\n    while n > 0:\n        n -= 1\n    return n\n\ninputs = [3_000_000] * 8\n",
        steps: &[(0, PyModel::Sequential), (1, PyModel::Gather), (2, PyModel::Pool)],
        left_out: "",
    },
];

/// The lesson's Python for the page, if browser CPython can run its steps.
pub fn in_page(slug: &str) -> Option<&'static InPage> {
    IN_PAGE.iter().find(|p| p.slug == slug)
}

impl InPage {
    pub fn lesson(&self) -> &'static Lesson {
        find(self.slug).expect("every InPage names a lesson")
    }

    /// Why some steps are left out, as the lesson says it; empty when none are.
    pub fn left_out_said(&self) -> String {
        if self.left_out.is_empty() {
            String::new()
        } else {
            format!("{}: {NO_THREADS}.", self.left_out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::python::settings::PythonSettings;

    #[test]
    fn every_step_named_is_one_of_its_lessons_and_the_code_reads() {
        for page in &IN_PAGE {
            let steps = (page.lesson().steps)(2);
            assert_eq!(page.steps[0].1, PyModel::Sequential, "{}", page.slug);
            for (i, _) in page.steps {
                assert!(*i < steps.len(), "{}: step {i}", page.slug);
            }
            let settings = PythonSettings {
                code: page.code.into(),
                ..PythonSettings::default()
            };
            assert!(settings.plan().is_ok(), "{}", page.slug);
            let is_async = page.code.contains("async def work");
            for (_, model) in page.steps {
                assert!(PyModel::for_code(is_async).contains(model), "{}", page.slug);
            }
        }
    }
}
