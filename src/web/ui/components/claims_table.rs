//! What a lesson claims, each claim judged on this run's rounds and on CPython's own figures from
//! this project's machine ([`crate::engine::lessons::claims`]). Every row carries the claim as
//! data (`data-claim`, `data-measure`, `data-bound`, `data-threshold`, `data-margin`,
//! `data-role`) and what was measured (`data-verdict`, `data-low`, `data-median`, `data-high`,
//! `data-cpython-verdict`), for tools and tests to read instead of copying.

use super::ScrollBox;
use yew::prelude::*;

use crate::engine::lessons::claims::{Judged, Role};
use crate::engine::rounds::Verdict;

/// CPython's committed figures judged by the same claims, with the k and version they ran at.
#[derive(Clone, Debug, PartialEq)]
pub struct CpythonJudged {
    pub k: usize,
    pub python: String,
    pub judged: Vec<Judged>,
}

#[derive(Properties, PartialEq)]
pub struct Props {
    pub k: usize,
    pub judged: Vec<Judged>,
    pub cpython: Option<CpythonJudged>,
}

fn verdict_words(verdict: Option<Verdict>) -> &'static str {
    match verdict {
        Some(Verdict::Holds) => "holds",
        Some(Verdict::Fails) => "does not hold",
        Some(Verdict::TooBusy) => "cannot tell",
        None => "not measured",
    }
}

#[function_component]
pub fn ClaimsTable(props: &Props) -> Html {
    let cpython_of = |id: &str| {
        props
            .cpython
            .as_ref()
            .and_then(|c| c.judged.iter().find(|j| j.claim.id == id))
    };
    html! {
        <ScrollBox label="the lesson's claims">
        <table id="lesson-claims" class="claims" data-k={props.k.to_string()}>
            <caption>{ match &props.cpython {
                Some(c) => format!(
                    "What the lesson claims, judged on this run's rounds and on CPython {}'s own \
                     on this project's 2-core machine at k = {}",
                    c.python, c.k
                ),
                None => "What the lesson claims, judged on this run's rounds".into(),
            } }</caption>
            <thead>
                <tr>
                    <th scope="col">{ "Claim" }</th>
                    <th scope="col">{ "Bound" }</th>
                    <th scope="col">{ "Here" }</th>
                    <th scope="col">{ "CPython" }</th>
                </tr>
            </thead>
            <tbody>
                { for props.judged.iter().map(|j| {
                    let claim = &j.claim;
                    let cpython = cpython_of(claim.id);
                    let figure = |j: Option<&Judged>| j
                        .and_then(|j| j.spread)
                        .map_or_else(|| "–".to_string(), |s| s.to_string());
                    html! {
                        <tr data-claim={claim.id}
                            data-role={match claim.role { Role::Claim => "claim", Role::Needs => "needs" }}
                            data-measure={claim.measure.describe()}
                            data-bound={claim.bound.slug()}
                            data-threshold={claim.bound.threshold().to_string()}
                            data-margin={claim.margin.to_string()}
                            data-verdict={j.verdict.map(Verdict::slug)}
                            data-low={j.spread.map(|s| s.low.to_string())}
                            data-median={j.spread.map(|s| s.median.to_string())}
                            data-high={j.spread.map(|s| s.high.to_string())}
                            data-cpython-verdict={cpython.and_then(|c| c.verdict).map(Verdict::slug)}>
                            <th scope="row">
                                { claim.says_for(props.k) }
                                if claim.role == Role::Needs {
                                    <small class="hint">{ " (what the lesson needs from this machine)" }</small>
                                }
                                <details class="why">
                                    <summary>{ "Why this bound" }</summary>
                                    <p>{ claim.why }</p>
                                </details>
                            </th>
                            <td>{ claim.bound.describe() }
                                <br /><small class="hint">{ format!("not as claimed at {}", claim.fails_where()) }</small>
                            </td>
                            <td>{ figure(Some(j)) }<br /><small class="hint">{ verdict_words(j.verdict) }</small></td>
                            <td>{ figure(cpython) }<br /><small class="hint">{ verdict_words(cpython.and_then(|c| c.verdict)) }</small></td>
                        </tr>
                    }
                }) }
            </tbody>
        </table>
        </ScrollBox>
    }
}
