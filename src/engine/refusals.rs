//! What a form's reader says when it will not run: each refused field with why, in the form's
//! order. One shape for the CPU lab's form ([`crate::engine::cpu_settings`]) and the I/O lab's
//! ([`crate::engine::io::settings`]), each with its own `Field`.

/// Each refused field of a form, with why.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusals<F>(pub Vec<(F, String)>);

impl<F> Default for Refusals<F> {
    fn default() -> Self {
        Refusals(Vec::new())
    }
}

impl<F> From<Vec<(F, String)>> for Refusals<F> {
    fn from(refused: Vec<(F, String)>) -> Self {
        Refusals(refused)
    }
}

impl<F: PartialEq> Refusals<F> {
    /// Why `field` is refused, if it is.
    pub fn get(&self, field: F) -> Option<String> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, why)| why.clone())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The first refused field named by `label`, with why: "Size: 5 is below 1 000". What a
    /// lab says when Run waits, and a link's Run here when nothing ran.
    pub fn first_said(&self, label: impl Fn(&F) -> &'static str) -> Option<String> {
        self.0
            .first()
            .map(|(field, why)| format!("{}: {why}", label(field)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_found_by_its_field() {
        let refusals = Refusals(vec![(1, "too big".to_string()), (3, "empty".to_string())]);
        assert_eq!(refusals.get(3).as_deref(), Some("empty"));
        assert_eq!(refusals.get(2), None);
        assert!(!refusals.is_empty());
        assert!(Refusals::<u8>::default().is_empty());
        assert_eq!(
            refusals.first_said(|_| "Size").as_deref(),
            Some("Size: too big")
        );
        assert_eq!(Refusals::<u8>::default().first_said(|_| "Size"), None);
    }
}
