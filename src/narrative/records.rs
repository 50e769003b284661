//! The JSON Lines file format of narratives: `import`, `export` and the embedded samples.
//!
//! One JSON object per line:
//!
//! | field | type | required | meaning |
//! |---|---|---|---|
//! | `text` | string | yes | the dream, up to 600 characters |
//! | `origin` | string | yes | cultural origin in the visitor's words, up to 80 characters |
//! | `language` | string | no | BCP 47 tag of the text, e.g. `yo`, `pt-BR` |
//! | `sanctuary` | bool | no (false) | protect the thread from dissolution |
//! | `display` | bool | no (true) | the thread may be shown |
//! | `receipt` | string | no | keep this receipt code (a fresh one when absent) |
//! | `status` | `"visible"`, `"pending"` or `"hidden"` | no (`"visible"`) | moderation status |
//! | `created_at_ms` | integer | no (now) | creation time, milliseconds since 1970-01-01 UTC |
//!
//! `export` writes every field, so its output imports again unchanged.

use std::io::{self, BufRead, Write};

use serde::{Deserialize, Serialize};

use super::{
    Consent,
    receipt::Receipt,
    store::{Admission, Status, StoredNarrative},
    validate::{Submission, ValidSubmission, ValidationErrors, validate},
};

fn yes() -> bool {
    true
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_true(value: &bool) -> bool {
    *value
}

#[expect(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's skip_serializing_if passes a reference"
)]
fn is_false(value: &bool) -> bool {
    !*value
}

/// One line of a narratives file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NarrativeRecord {
    pub text: String,
    pub origin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub sanctuary: bool,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub display: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at_ms: Option<i64>,
}

impl From<&StoredNarrative> for NarrativeRecord {
    fn from(stored: &StoredNarrative) -> Self {
        Self {
            text: stored.narrative.text.clone(),
            origin: stored.narrative.origin.clone(),
            language: stored.narrative.language.clone(),
            sanctuary: stored.narrative.consent.sanctuary,
            display: stored.narrative.consent.display,
            receipt: Some(stored.receipt),
            status: Some(stored.status),
            created_at_ms: Some(stored.created_at_ms),
        }
    }
}

/// Why one line of a file was not imported.
#[derive(Debug, thiserror::Error)]
pub enum LineError {
    #[error("not valid UTF-8 (byte {0} of the line)")]
    NotUtf8(usize),
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    #[error("{0}")]
    Invalid(#[from] ValidationErrors),
    #[error("a withdrawn narrative cannot be imported")]
    Withdrawn,
    #[error("{0}")]
    Store(String),
}

impl NarrativeRecord {
    /// Parses and validates one line of a narratives file.
    pub fn parse_line(bytes: &[u8]) -> Result<(ValidSubmission, Admission), LineError> {
        let line =
            std::str::from_utf8(bytes).map_err(|e| LineError::NotUtf8(e.valid_up_to() + 1))?;
        let record: NarrativeRecord = serde_json::from_str(line)?;
        record.admit()
    }

    /// Validates the record and says how it enters the store.
    pub fn admit(self) -> Result<(ValidSubmission, Admission), LineError> {
        if self.status == Some(Status::Withdrawn) {
            return Err(LineError::Withdrawn);
        }
        let valid = validate(&Submission {
            text: self.text,
            origin: self.origin,
            language: self.language,
            consent: Consent {
                display: self.display,
                sanctuary: self.sanctuary,
            },
        })?;
        Ok((
            valid,
            Admission {
                status: self.status.unwrap_or(Status::Visible),
                receipt: self.receipt,
                created_at_ms: self.created_at_ms,
            },
        ))
    }
}

/// The lines of a reader, split on `\n` with a trailing `\r` removed, as raw bytes: a line that is
/// not UTF-8 is reported, not fatal.
pub fn raw_lines(reader: impl BufRead) -> impl Iterator<Item = io::Result<Vec<u8>>> {
    reader.split(b'\n').map(|line| {
        line.map(|mut bytes| {
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
            bytes
        })
    })
}

/// Writes `narratives` as JSON Lines.
pub fn write_records<'a>(
    mut out: impl Write,
    narratives: impl IntoIterator<Item = &'a StoredNarrative>,
) -> io::Result<usize> {
    let mut count = 0;
    for stored in narratives {
        serde_json::to_writer(&mut out, &NarrativeRecord::from(stored))?;
        out.write_all(b"\n")?;
        count += 1;
    }
    out.flush()?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_line_gets_defaults() {
        let (valid, admission) =
            NarrativeRecord::parse_line(br#"{"text":"a dream","origin":"Lagos"}"#).unwrap();
        assert!(valid.get().consent.display);
        assert!(!valid.get().consent.sanctuary);
        assert_eq!(admission, Admission::default());
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        let cases: [(&[u8], &str); 5] = [
            (b"{not json", "key must be a string"),
            (
                br#"{"text":5,"origin":"x"}"#,
                "invalid type: integer `5`, expected a string",
            ),
            (
                br#"{"text":"a","origin":"x","colour":"red"}"#,
                "unknown field `colour`",
            ),
            (
                b"{\"text\":\"caf\xe9\",\"origin\":\"x\"}",
                "not valid UTF-8 (byte 13",
            ),
            (br#"{"text":"","origin":"x"}"#, "the story is empty"),
        ];
        for (line, expected) in cases {
            let error = NarrativeRecord::parse_line(line).unwrap_err().to_string();
            assert!(error.contains(expected), "{error:?} lacks {expected:?}");
        }
        let withdrawn = br#"{"text":"a","origin":"x","status":"withdrawn"}"#;
        assert!(matches!(
            NarrativeRecord::parse_line(withdrawn),
            Err(LineError::Withdrawn)
        ));
    }

    #[test]
    fn lines_split_on_newlines_and_drop_carriage_returns() {
        let lines: Vec<Vec<u8>> = raw_lines(&b"a\r\nb\n\nc"[..])
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            lines,
            vec![b"a".to_vec(), b"b".to_vec(), vec![], b"c".to_vec()]
        );
    }
}
