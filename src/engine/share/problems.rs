//! What a link had to replace, said in a bounded space: a crafted link cannot make its messages
//! long or many.

/// The first few of `items`, and how many more: a crafted link cannot make a message long.
pub(super) fn named_few(items: &[String]) -> String {
    const NAMED: usize = 3;
    let shown = items[..items.len().min(NAMED)].join(", ");
    match items.len().saturating_sub(NAMED) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

/// What a problem ends with when the link was opened anyway: the default that stood in.
const STOOD_IN: [&str; 2] = [
    ". The default experiment is shown instead.",
    "; the default is used.",
];

/// A problem without what stood in for the bad value, for a reader that does not open the link
/// but only says why it left it out (the classroom view): "The link is cut short: …".
pub fn reason(problem: &str) -> String {
    for ending in STOOD_IN {
        if let Some(reason) = problem.strip_suffix(ending) {
            return format!("{reason}.");
        }
    }
    problem.to_string()
}

/// Problems shown at most; the rest are counted in one last line.
pub const MAX_PROBLEMS: usize = 12;

/// The first [`MAX_PROBLEMS`] problems, and a count of the rest.
pub(super) fn bounded(mut problems: Vec<String>) -> Vec<String> {
    if problems.len() > MAX_PROBLEMS {
        let more = problems.len() - (MAX_PROBLEMS - 1);
        problems.truncate(MAX_PROBLEMS - 1);
        problems.push(format!(
            "…and {more} more problems, each replaced by its default."
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_and_names_are_bounded_and_counted() {
        let many: Vec<String> = (0..40).map(|i| format!("problem {i}")).collect();
        let shown = bounded(many);
        assert_eq!(shown.len(), MAX_PROBLEMS);
        assert_eq!(
            shown[MAX_PROBLEMS - 2],
            format!("problem {}", MAX_PROBLEMS - 2)
        );
        assert_eq!(
            shown[MAX_PROBLEMS - 1],
            format!(
                "…and {} more problems, each replaced by its default.",
                40 - (MAX_PROBLEMS - 1)
            )
        );
        assert_eq!(bounded(vec!["one".into()]), ["one"]);
        let names: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        assert_eq!(named_few(&names), "a, b, c and 2 more");
        assert_eq!(named_few(&names[..2]), "a, b");
    }
}
