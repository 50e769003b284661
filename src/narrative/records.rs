//! The JSON Lines file format of narratives: `import`, `export` and the embedded samples.
//!
//! One JSON object per line:
//!
//! | field | type | required | meaning |
//! |---|---|---|---|
//! | `text` | string | yes | the dream, up to 600 characters (and 24,000 bytes of UTF-8) |
//! | `origin` | string | yes | cultural origin in the visitor's words, up to 80 characters |
//! | `language` | string | no | BCP 47 tag of the text, e.g. `yo`, `pt-BR` |
//! | `sanctuary` | bool | no (false) | protect the thread from dissolution |
//! | `display` | bool | no (true) | the thread may be shown |
//! | `receipt` | string | no | keep this receipt code (a fresh one when absent) |
//! | `status` | `"visible"`, `"pending"` or `"hidden"` | no (`"visible"`) | moderation status |
//! | `created_at_ms` | integer | no (now) | creation time, milliseconds since 1970-01-01 UTC |
//!
//! `export` writes every field, so its output imports again unchanged.
//!
//! Lines end in `\n` or `\r\n`. A UTF-8 byte-order mark at the very start of a file, which some
//! editors write, is ignored. A line longer than [`MAX_LINE_BYTES`] is refused without being read
//! into memory, and the lines after it are read as usual.

use std::io::{self, BufRead, Write};

use serde::{Deserialize, Serialize};

use super::{
    Consent,
    receipt::Receipt,
    store::{Admission, Status, StoredNarrative},
    validate::{Submission, ValidSubmission, ValidationErrors, grouped, validate},
};

/// Longest line [`raw_lines`] reads, in bytes, not counting its line ending: 131,072.
///
/// Every narrative the rules accept fits, even written by a tool that escapes each character
/// beyond ASCII as `\uXXXX` (as Python's `json.dumps` does by default), which at worst triples
/// the 24,000 bytes of a story and the 3,200 of an origin: about 82,000 bytes with the other
/// fields. A longer line is no narrative, and is skipped without being kept.
pub const MAX_LINE_BYTES: usize = 128 * 1024;

/// The UTF-8 byte-order mark, which some editors write at the start of a file.
const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

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
    /// Longer than [`MAX_LINE_BYTES`]: skipped to its end without being read into memory.
    #[error(
        "the line is longer than {limit} bytes, so it was skipped",
        limit = grouped(MAX_LINE_BYTES)
    )]
    TooLong,
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
                submission_id: None,
            },
        ))
    }
}

/// The lines of a reader, split on `\n` with a trailing `\r` removed, as raw bytes: a line that is
/// not UTF-8 is reported, not fatal. A UTF-8 byte-order mark at the very start is dropped.
///
/// A line longer than [`MAX_LINE_BYTES`] comes as [`LineError::TooLong`]: it is read through to
/// its `\n` in the reader's own buffer and never kept, so an endless line (`/dev/zero`) takes no
/// more memory than a short one, and the next line is read as usual. Only a failure to read is
/// an `Err` of the outer `Result`; the lines stop after it.
pub fn raw_lines(
    reader: impl BufRead,
) -> impl Iterator<Item = io::Result<Result<Vec<u8>, LineError>>> {
    RawLines {
        reader,
        at_start: true,
        finished: false,
    }
}

/// The iterator of [`raw_lines`].
struct RawLines<R> {
    reader: R,
    /// Nothing read yet, so a byte-order mark may come.
    at_start: bool,
    /// The end of the input, or a failure to read, was met.
    finished: bool,
}

impl<R: BufRead> Iterator for RawLines<R> {
    type Item = io::Result<Result<Vec<u8>, LineError>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        // Room for the longest line, its `\r` and, on the first line, a byte-order mark.
        let mark_room = if self.at_start {
            BYTE_ORDER_MARK.len()
        } else {
            0
        };
        let room = MAX_LINE_BYTES + 1 + mark_room;
        let mut line = Vec::new();
        let mut too_long = false;
        let mut read_any = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    self.finished = true;
                    return Some(Err(error));
                }
            };
            if available.is_empty() {
                self.finished = true;
                break;
            }
            read_any = true;
            let newline = available.iter().position(|&byte| byte == b'\n');
            let content = &available[..newline.unwrap_or(available.len())];
            if !too_long {
                if line.len() + content.len() > room {
                    // From here on the line is only read past, and what was kept is let go.
                    too_long = true;
                    line = Vec::new();
                } else {
                    line.extend_from_slice(content);
                }
            }
            let used = newline.map_or(available.len(), |at| at + 1);
            self.reader.consume(used);
            if newline.is_some() {
                break;
            }
        }
        if !read_any {
            return None;
        }
        let at_start = std::mem::replace(&mut self.at_start, false);
        if too_long {
            return Some(Ok(Err(LineError::TooLong)));
        }
        if at_start && line.starts_with(BYTE_ORDER_MARK) {
            line.drain(..BYTE_ORDER_MARK.len());
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Some(Ok(if line.len() > MAX_LINE_BYTES {
            Err(LineError::TooLong)
        } else {
            Ok(line)
        }))
    }
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
    use std::io::Read;

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
        let expected: Vec<Result<Vec<u8>, String>> = vec![
            Ok(b"a".to_vec()),
            Ok(b"b".to_vec()),
            Ok(vec![]),
            Ok(b"c".to_vec()),
        ];
        assert_eq!(lines_of(&b"a\r\nb\n\nc"[..]), expected);
        assert_eq!(lines_of(Trickle(b"a\r\nb\n\nc")), expected);
        assert!(lines_of(&b""[..]).is_empty());
        assert_eq!(lines_of(&b"a\n"[..]), vec![Ok(b"a".to_vec())]);
    }

    #[test]
    fn a_line_over_the_limit_is_refused_and_the_next_one_read() {
        assert!(
            LineError::TooLong
                .to_string()
                .contains("longer than 131,072 bytes"),
            "{}",
            LineError::TooLong
        );
        let too_long: Result<Vec<u8>, String> = Err(LineError::TooLong.to_string());
        let good = br#"{"text":"a dream","origin":"Lagos"}"#;
        let mut file = vec![b'x'; 1 << 20];
        file.push(b'\n');
        file.extend_from_slice(good);
        file.push(b'\n');
        let expected = vec![too_long.clone(), Ok(good.to_vec())];
        assert_eq!(lines_of(&file[..]), expected);
        assert_eq!(lines_of(Trickle(&file)), expected);
        // The limit is on the line itself: the `\r` before its `\n` does not count.
        let mut edge = vec![b'y'; MAX_LINE_BYTES];
        edge.extend_from_slice(b"\r\n");
        edge.resize(edge.len() + MAX_LINE_BYTES + 1, b'z');
        assert_eq!(
            lines_of(&edge[..]),
            vec![Ok(vec![b'y'; MAX_LINE_BYTES]), too_long]
        );
    }

    #[test]
    fn an_endless_line_is_skipped_in_bounded_memory() {
        // `/dev/zero` as the file, cut at 10 MiB so that the test ends. Before the limit, the whole
        // line was gathered in memory; now only the reader's 8 KiB buffer holds any of it.
        let zeros = io::BufReader::new(io::repeat(0).take(10 << 20));
        assert_eq!(lines_of(zeros), vec![Err(LineError::TooLong.to_string())]);
    }

    #[test]
    fn a_byte_order_mark_is_dropped_at_the_start_only() {
        let file = b"\xEF\xBB\xBFa\n\xEF\xBB\xBFb\n";
        let expected: Vec<Result<Vec<u8>, String>> =
            vec![Ok(b"a".to_vec()), Ok(b"\xEF\xBB\xBFb".to_vec())];
        assert_eq!(lines_of(&file[..]), expected);
        assert_eq!(lines_of(Trickle(file)), expected);
        // A first line of exactly the limit still fits behind a mark.
        let mut marked = BYTE_ORDER_MARK.to_vec();
        marked.resize(BYTE_ORDER_MARK.len() + MAX_LINE_BYTES, b'm');
        let expected: Vec<Result<Vec<u8>, String>> = vec![Ok(vec![b'm'; MAX_LINE_BYTES])];
        assert_eq!(lines_of(&marked[..]), expected);
        let (valid, _) = NarrativeRecord::parse_line(
            lines_of(&b"\xEF\xBB\xBF{\"text\":\"a dream\",\"origin\":\"Lagos\"}"[..])[0]
                .as_ref()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(valid.get().origin, "Lagos");
    }

    fn lines_of(reader: impl BufRead) -> Vec<Result<Vec<u8>, String>> {
        raw_lines(reader)
            .map(|line| line.expect("reads").map_err(|error| error.to_string()))
            .collect()
    }

    // A reader that hands out one byte at a time, so that lines, `\r\n` and the byte-order mark
    // arrive split across reads.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    impl BufRead for Trickle<'_> {
        fn fill_buf(&mut self) -> io::Result<&[u8]> {
            Ok(&self.0[..self.0.len().min(1)])
        }

        fn consume(&mut self, amount: usize) {
            self.0 = &self.0[amount..];
        }
    }
}
