//! The sample narratives embedded in the binary (`assets/narratives/samples.jsonl`, in the format
//! of `records.rs`), written for Dreamloom so that a fresh installation shows a living cloak.

use super::{Consent, Narrative, NarrativeId, records::NarrativeRecord};

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

/// Parses the embedded samples. Ids are the 1-based line numbers, so they are stable across runs.
pub fn sample_narratives() -> Result<Vec<Narrative>, SampleError> {
    SAMPLES_JSONL
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            let record: NarrativeRecord =
                serde_json::from_str(line).map_err(|source| SampleError {
                    line: index + 1,
                    source,
                })?;
            Ok(Narrative {
                id: NarrativeId(index as u64 + 1),
                text: record.text,
                origin: record.origin,
                language: record.language,
                consent: Consent {
                    display: record.display,
                    sanctuary: record.sanctuary,
                },
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::narrative::validate::{Submission, validate};

    #[test]
    fn samples_parse_validate_and_are_diverse() {
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
        for sample in &samples {
            let valid = validate(&Submission::from(sample))
                .unwrap_or_else(|e| panic!("{}: {e}", sample.origin));
            assert_eq!(
                valid.get().text,
                sample.text,
                "samples are stored normalised"
            );
        }
    }
}
