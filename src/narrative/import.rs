//! Importing a JSON Lines file of narratives: every valid line lands, every bad line is reported
//! with its number and reason, and no line is ever half-imported. A line too long to be a
//! narrative is reported and skipped without being read into memory (see `records::raw_lines`).

use std::io::BufRead;

use super::{
    receipt::Receipt,
    records::{LineError, NarrativeRecord, raw_lines},
    store::{Store, StoreError},
};

/// Lines committed together. Each line is still all-or-nothing on its own.
pub const BATCH_LINES: usize = 500;

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Receipts of the narratives imported, in file order.
    pub imported: Vec<Receipt>,
    /// 1-based line numbers and why each was refused.
    pub refused: Vec<(usize, LineError)>,
    /// Lines read, blank ones included.
    pub lines: usize,
}

/// Imports every valid line of `reader` into `store`. `progress` hears the number of lines read
/// after each committed batch. Only a failure of the store itself (disk full, say) stops it early.
pub fn import(
    store: &Store,
    reader: impl BufRead,
    mut progress: impl FnMut(usize),
) -> Result<ImportReport, StoreError> {
    let mut report = ImportReport::default();
    let mut batch = Vec::with_capacity(BATCH_LINES);
    let mut batch_lines = Vec::with_capacity(BATCH_LINES);
    for (index, line) in raw_lines(reader).enumerate() {
        let number = index + 1;
        report.lines = number;
        let line = match line.map_err(|e| StoreError::Folder {
            path: "import file".into(),
            source: e,
        })? {
            Ok(line) => line,
            // Too long: already skipped by `raw_lines`, never read into memory.
            Err(error) => {
                report.refused.push((number, error));
                continue;
            }
        };
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match NarrativeRecord::parse_line(&line) {
            Ok(entry) => {
                batch.push(entry);
                batch_lines.push(number);
            }
            Err(error) => report.refused.push((number, error)),
        }
        if batch.len() == BATCH_LINES {
            commit(store, &mut batch, &mut batch_lines, &mut report)?;
            progress(number);
        }
    }
    commit(store, &mut batch, &mut batch_lines, &mut report)?;
    progress(report.lines);
    report.refused.sort_by_key(|(line, _)| *line);
    Ok(report)
}

fn commit(
    store: &Store,
    batch: &mut Vec<(super::validate::ValidSubmission, super::store::Admission)>,
    batch_lines: &mut Vec<usize>,
    report: &mut ImportReport,
) -> Result<(), StoreError> {
    if batch.is_empty() {
        return Ok(());
    }
    let entries = std::mem::take(batch);
    let results = store.write(move |db| db.submit_batch(&entries))??;
    for (number, result) in batch_lines.drain(..).zip(results) {
        match result {
            Ok(receipt) => report.imported.push(receipt),
            Err(error) => report
                .refused
                .push((number, LineError::Store(error.to_string()))),
        }
    }
    Ok(())
}
