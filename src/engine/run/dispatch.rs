//! How a pool hands out tasks and hands back results: `Pool.map`, `imap` and `imap_unordered`.
//!
//! All three send the same tasks in chunks of consecutive tasks and every worker returns a chunk's
//! results together. They differ in the default chunksize and in when the caller sees a result:
//! `map` returns one list once every chunk is back, `imap` yields results in task order as soon as
//! all earlier ones are back, `imap_unordered` yields each chunk as it arrives.

use std::ops::Range;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MapStyle {
    /// `pool.map(f, tasks, chunksize)`: ordered, all at once at the end.
    #[default]
    Map,
    /// `pool.imap(f, tasks, chunksize=1)`: ordered, streaming.
    Imap,
    /// `pool.imap_unordered(f, tasks, chunksize=1)`: in completion order, streaming.
    ImapUnordered,
}

impl MapStyle {
    pub const ALL: [MapStyle; 3] = [MapStyle::Map, MapStyle::Imap, MapStyle::ImapUnordered];

    pub fn from_slug(slug: &str) -> Option<MapStyle> {
        MapStyle::ALL.into_iter().find(|s| s.slug() == slug)
    }

    pub fn slug(self) -> &'static str {
        match self {
            MapStyle::Map => "map",
            MapStyle::Imap => "imap",
            MapStyle::ImapUnordered => "imap-unordered",
        }
    }

    /// The Python call, for labels.
    pub fn python(self) -> &'static str {
        match self {
            MapStyle::Map => "pool.map(f, tasks)",
            MapStyle::Imap => "pool.imap(f, tasks)",
            MapStyle::ImapUnordered => "pool.imap_unordered(f, tasks)",
        }
    }

    /// The chunksize Python uses when none is given. `map` aims at four chunks per worker
    /// (`chunksize, extra = divmod(len(tasks), len(pool) * 4)`, plus one if `extra`, in
    /// `multiprocessing/pool.py`); `imap` and `imap_unordered` default to 1.
    pub fn default_chunksize(self, tasks: usize, workers: usize) -> usize {
        match self {
            MapStyle::Map => {
                let per = workers.max(1) * 4;
                (tasks / per + usize::from(tasks % per != 0)).max(1)
            }
            MapStyle::Imap | MapStyle::ImapUnordered => 1,
        }
    }

    /// When each task's result reaches the caller, given when each chunk's results arrived
    /// (`chunk_done[c]` for chunk `c` of [`chunks`]).
    pub fn delivered_at(self, chunksize: usize, tasks: usize, chunk_done: &[f64]) -> Vec<f64> {
        let chunk_of = |task: usize| task / chunksize.max(1);
        // lesson: imap
        match self {
            MapStyle::Map => {
                let all = chunk_done.iter().copied().fold(0.0, f64::max);
                vec![all; tasks]
            }
            MapStyle::Imap => {
                let mut ready = 0.0f64;
                let in_order: Vec<f64> = chunk_done
                    .iter()
                    .map(|&done| {
                        ready = ready.max(done);
                        ready
                    })
                    .collect();
                (0..tasks).map(|t| in_order[chunk_of(t)]).collect()
            }
            MapStyle::ImapUnordered => (0..tasks).map(|t| chunk_done[chunk_of(t)]).collect(),
        }
        // end lesson
    }

    /// When the caller sees its first result: the earliest of [`MapStyle::delivered_at`].
    pub fn first_result(self, chunksize: usize, tasks: usize, chunk_done: &[f64]) -> f64 {
        self.delivered_at(chunksize, tasks, chunk_done)
            .into_iter()
            .reduce(f64::min)
            .unwrap_or(0.0)
    }
}

/// `0..tasks` cut into consecutive chunks of `chunksize` (the last may be shorter).
pub fn chunks(tasks: usize, chunksize: usize) -> Vec<Range<usize>> {
    let size = chunksize.max(1);
    (0..tasks)
        .step_by(size)
        .map(|start| start..(start + size).min(tasks))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_chunksizes_match_python() {
        // Values from CPython 3.12's multiprocessing.Pool._map_async for a 4-process pool.
        assert_eq!(MapStyle::Map.default_chunksize(100, 4), 7);
        assert_eq!(MapStyle::Map.default_chunksize(64, 4), 4);
        assert_eq!(MapStyle::Map.default_chunksize(64, 2), 8);
        assert_eq!(MapStyle::Map.default_chunksize(3, 4), 1);
        assert_eq!(MapStyle::Map.default_chunksize(0, 4), 1);
        assert_eq!(MapStyle::Imap.default_chunksize(1_000, 4), 1);
        assert_eq!(MapStyle::ImapUnordered.default_chunksize(1_000, 4), 1);
    }

    #[test]
    fn chunks_cover_every_task_once() {
        assert_eq!(chunks(10, 4), vec![0..4, 4..8, 8..10]);
        assert_eq!(chunks(3, 1), vec![0..1, 1..2, 2..3]);
        assert_eq!(chunks(0, 5), Vec::<Range<usize>>::new());
        assert_eq!(chunks(5, 0), chunks(5, 1));
    }

    #[test]
    fn each_style_delivers_when_python_would() {
        // Four tasks in chunks of one; chunk 0 is slow.
        let done = [40.0, 10.0, 20.0, 30.0];
        assert_eq!(MapStyle::Map.delivered_at(1, 4, &done), vec![40.0; 4]);
        assert_eq!(
            MapStyle::Imap.delivered_at(1, 4, &done),
            vec![40.0, 40.0, 40.0, 40.0]
        );
        assert_eq!(MapStyle::ImapUnordered.delivered_at(1, 4, &done), done);
        assert_eq!(MapStyle::ImapUnordered.first_result(1, 4, &done), 10.0);
        assert_eq!(MapStyle::Imap.first_result(1, 4, &done), 40.0);
        // A fast first chunk: imap streams it at once, map still waits for everything.
        let done = [5.0, 30.0, 20.0];
        assert_eq!(MapStyle::Imap.delivered_at(2, 6, &done)[..2], [5.0, 5.0]);
        assert_eq!(MapStyle::Imap.delivered_at(2, 6, &done)[4], 30.0);
        assert_eq!(MapStyle::Map.first_result(2, 6, &done), 30.0);
    }
}
