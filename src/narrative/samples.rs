//! The sample narratives embedded in the binary (`assets/narratives/samples.jsonl`), written for
//! Dreamloom so that the viewer shows a living cloak on a fresh machine.

use serde::Deserialize;

use super::{Consent, Narrative, NarrativeId};

const SAMPLES_JSONL: &str = include_str!("../../assets/narratives/samples.jsonl");

/// A sample line that could not be read. The samples ship inside the binary, so this is a build
/// defect caught by the test suite, never something a visitor sees.
#[derive(Debug, thiserror::Error)]
#[error("sample narrative on line {line}: {source}")]
pub struct SampleError {
    pub line: usize,
    #[source]
    pub source: serde_json::Error,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SampleLine {
    text: String,
    origin: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    consent: Consent,
}

/// Parses the embedded samples. Ids are the 1-based line numbers, so they are stable across runs.
pub fn sample_narratives() -> Result<Vec<Narrative>, SampleError> {
    SAMPLES_JSONL
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let sample: SampleLine = serde_json::from_str(line).map_err(|source| SampleError {
                line: index + 1,
                source,
            })?;
            Ok(Narrative {
                id: NarrativeId(index as u64 + 1),
                text: sample.text,
                origin: sample.origin,
                language: sample.language,
                consent: sample.consent,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn samples_parse_and_are_diverse() {
        let samples = sample_narratives().expect("embedded samples parse");
        assert!(
            (10..=40).contains(&samples.len()),
            "{} samples",
            samples.len()
        );
        let origins: HashSet<_> = samples.iter().map(|n| n.origin.as_str()).collect();
        assert_eq!(
            origins.len(),
            samples.len(),
            "every sample has its own origin"
        );
        assert!(samples.iter().all(|n| !n.text.trim().is_empty()));
        let ids: HashSet<_> = samples.iter().map(|n| n.id).collect();
        assert_eq!(ids.len(), samples.len(), "ids are unique");
    }
}
