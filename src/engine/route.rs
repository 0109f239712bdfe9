//! Where an address points inside the page, so a teacher can link one place: each lesson
//! (`?lesson=gil`), each lab (`?lab=cpu`, `?lab=io`), the classroom view (`?classroom`) and the
//! history (`?history`). No query is the whole page, as it always was. `embed` added to a
//! lesson's or a lab's address (`?lesson=gil&embed`) shows that one place without the page
//! around it, for an iframe in slides.
//!
//! Routes live in the query and never touch the fragment: share links (`#v1.…`) and classroom
//! links (`#class.v1.…`) keep working unchanged beside them. An address this page cannot read
//! shows the whole page with a sentence saying why, never a blank one.

use crate::engine::lessons::{self, LESSONS};
use crate::engine::quote::quoted;

/// The sections of the whole page, in page order, as [`Place::section`] names them.
pub const SECTIONS: [&str; 6] = ["lessons", "cpu", "io", "python", "classroom", "history"];

/// One place a route can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Every section, one under another.
    All,
    /// One lesson, by slug.
    Lesson(&'static str),
    CpuLab,
    IoLab,
    /// The visitor's own Python on real interpreters.
    PythonLab,
    Classroom,
    History,
}

/// What an address asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub place: Place,
    /// Without the page's chrome (masthead, navigation, the other sections), for an iframe.
    pub embed: bool,
}

impl Default for Route {
    fn default() -> Self {
        Route {
            place: Place::All,
            embed: false,
        }
    }
}

impl Place {
    /// What the navigation bar calls it.
    pub fn label(self) -> String {
        match self {
            Place::All => "Everything".into(),
            Place::Lesson(slug) => {
                lessons::find(slug).map_or_else(|| "Lessons".into(), |l| l.title.to_string())
            }
            Place::CpuLab => "CPU lab".into(),
            Place::IoLab => "I/O lab".into(),
            Place::PythonLab => "Python lab".into(),
            Place::Classroom => "Classroom".into(),
            Place::History => "History".into(),
        }
    }

    /// The page's title at this place: what a browser tab, a bookmark, the history list and a
    /// link pasted into a chat or slides show. A lesson is named by its number and question.
    pub fn title(self) -> String {
        const SITE: &str = "Overlap";
        match self {
            Place::All => format!("{SITE}: Python's concurrency, measured on your own cores"),
            Place::Lesson(slug) => match LESSONS.iter().position(|l| l.slug == slug) {
                Some(i) => format!("Lesson {}: {} \u{2014} {SITE}", i + 1, LESSONS[i].title),
                None => format!("Lessons \u{2014} {SITE}"),
            },
            other => format!("{} \u{2014} {SITE}", other.label()),
        }
    }

    /// The id of the section it shows, for tests and for scrolling to it.
    pub fn section(self) -> &'static str {
        match self {
            Place::All => "all",
            Place::Lesson(_) => "lessons",
            Place::CpuLab => "cpu",
            Place::IoLab => "io",
            Place::PythonLab => "python",
            Place::Classroom => "classroom",
            Place::History => "history",
        }
    }

    /// Whether the section `section` is on show at this place.
    pub fn shows(self, section: &str) -> bool {
        self == Place::All || self.section() == section
    }

    /// The frame in which the page builds `section`, counted from its first render (frame 0,
    /// which builds only the page around the sections): those on show here first, in page
    /// order, then the others, one per frame. Why: see `web::ui::components::Deferred`.
    pub fn build_frame(self, section: &str) -> usize {
        let on_show = SECTIONS.iter().filter(|&&s| self.shows(s));
        let hidden = SECTIONS.iter().filter(|&&s| !self.shows(s));
        1 + on_show
            .chain(hidden)
            .position(|&s| s == section)
            .unwrap_or(SECTIONS.len())
    }
}

impl Route {
    /// The query (with its `?`, or empty for the whole page) that [`parse`] reads back.
    pub fn query(self) -> String {
        let place = match self.place {
            Place::All => String::new(),
            Place::Lesson(slug) => format!("lesson={slug}"),
            Place::CpuLab => "lab=cpu".into(),
            Place::IoLab => "lab=io".into(),
            Place::PythonLab => "lab=python".into(),
            Place::Classroom => "classroom".into(),
            Place::History => "history".into(),
        };
        match (place.is_empty(), self.embed) {
            (true, _) => String::new(),
            (false, false) => format!("?{place}"),
            (false, true) => format!("?{place}&embed"),
        }
    }
}

/// The places the navigation bar offers, in page order (lessons as the first lesson, or the
/// one chosen).
pub fn places(lesson: &'static str) -> [Place; 7] {
    [
        Place::All,
        Place::Lesson(lesson),
        Place::CpuLab,
        Place::IoLab,
        Place::PythonLab,
        Place::Classroom,
        Place::History,
    ]
}

/// Reads a query string (`location.search`, with or without `?`). Unknown keys are another
/// tool's and are left alone; a known key with a value this page cannot use gives the whole page
/// and the reason.
pub fn parse(search: &str) -> (Route, Option<String>) {
    let mut route = Route::default();
    let mut problem = None;
    for pair in search
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let place = match key {
            "lesson" => match LESSONS.iter().find(|l| l.slug == value) {
                Some(lesson) => Some(Place::Lesson(lesson.slug)),
                None => {
                    problem = Some(format!(
                        "This address names a lesson {} that this page does not have; the whole page is shown.",
                        quoted(value)
                    ));
                    None
                }
            },
            "lab" => match value {
                "cpu" => Some(Place::CpuLab),
                "io" => Some(Place::IoLab),
                "python" => Some(Place::PythonLab),
                _ => {
                    problem = Some(format!(
                        "This address names a lab {}; there are the CPU lab (lab=cpu), the I/O lab (lab=io) and the Python lab (lab=python). The whole page is shown.",
                        quoted(value)
                    ));
                    None
                }
            },
            "classroom" => Some(Place::Classroom),
            "history" => Some(Place::History),
            "embed" => {
                route.embed = true;
                None
            }
            _ => None,
        };
        if let Some(place) = place {
            route.place = place;
        }
    }
    if route.embed && route.place == Place::All {
        route.embed = false;
        problem.get_or_insert_with(|| {
            "Embedding needs a place: add lesson=…, lab=cpu, lab=io, lab=python, classroom or history to the address. The whole page is shown.".into()
        });
    }
    (route, problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_on_show_are_built_first_one_per_frame() {
        let frames = |place: Place| SECTIONS.map(|s| place.build_frame(s));
        assert_eq!(frames(Place::All), [1, 2, 3, 4, 5, 6]);
        assert_eq!(frames(Place::IoLab), [2, 3, 1, 4, 5, 6]);
        assert_eq!(frames(Place::PythonLab), [2, 3, 4, 1, 5, 6]);
        assert_eq!(frames(Place::History), [2, 3, 4, 5, 6, 1]);
        assert_eq!(frames(Place::Lesson("gil")), [1, 2, 3, 4, 5, 6]);
        for place in places("gil") {
            if place != Place::All {
                assert!(SECTIONS.contains(&place.section()), "{place:?}");
            }
        }
    }

    #[test]
    fn each_place_names_itself_in_the_page_title() {
        assert_eq!(
            Place::Lesson("gil").title(),
            "Lesson 1: Threads or processes for CPU work? \u{2014} Overlap"
        );
        assert_eq!(Place::CpuLab.title(), "CPU lab \u{2014} Overlap");
        assert!(Place::All.title().starts_with("Overlap: "));
        let titles: std::collections::HashSet<String> = places("copy")
            .into_iter()
            .chain(LESSONS.iter().map(|l| Place::Lesson(l.slug)))
            .map(Place::title)
            .collect();
        assert_eq!(
            titles.len(),
            7 + LESSONS.len() - 1,
            "every place has its own title"
        );
    }

    #[test]
    fn every_place_reads_back_from_its_query() {
        for place in places("gil")
            .into_iter()
            .chain(LESSONS.iter().map(|l| Place::Lesson(l.slug)))
        {
            for embed in [false, true] {
                let route = Route {
                    place,
                    embed: embed && place != Place::All,
                };
                assert_eq!(parse(&route.query()), (route, None), "{}", route.query());
            }
        }
        assert_eq!(Route::default().query(), "");
    }

    #[test]
    fn unknown_places_show_the_whole_page_and_say_why() {
        let (route, problem) = parse("?lesson=gill");
        assert_eq!(route, Route::default());
        assert!(problem.unwrap().contains("\"gill\""));
        let (route, problem) = parse("lab=gpu&embed");
        assert_eq!(route, Route::default());
        assert!(problem.unwrap().contains("lab=cpu"));
        let (route, problem) = parse("?embed");
        assert_eq!(route, Route::default());
        assert!(problem.unwrap().starts_with("Embedding needs a place"));
        // Another tool's parameters are none of this page's business.
        assert_eq!(
            parse("?utm_source=slides&lab=io"),
            (
                Route {
                    place: Place::IoLab,
                    embed: false
                },
                None
            )
        );
    }

    #[test]
    fn a_place_shows_its_own_section_and_everything_shows_all() {
        assert!(Place::All.shows("history"));
        assert!(Place::Lesson("gil").shows("lessons"));
        assert!(!Place::Lesson("gil").shows("cpu"));
        assert_eq!(
            Place::Lesson("gil").label(),
            lessons::find("gil").unwrap().title
        );
    }
}
