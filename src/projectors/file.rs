//! The layout file followed: what a change of it does to the layout on show ([`reload`], pure),
//! whether the outputs themselves change ([`same_outputs`]), and writing a layout back
//! ([`save_layout`]).

use std::{
    path::{Path, PathBuf},
    time::SystemTime,
};

use crate::outputs::{Layout, LayoutError};

/// A layout file as read at start: where it is, and the layout it held.
#[derive(Debug, Clone, PartialEq)]
pub struct LayoutFile {
    pub path: PathBuf,
    pub layout: Layout,
}

impl LayoutFile {
    /// Reads and checks the layout at `path` (monitors are checked once they are known).
    pub fn load(path: &Path) -> Result<Self, LayoutError> {
        Ok(Self {
            path: path.to_owned(),
            layout: Layout::load(path, None)?,
        })
    }
}

/// What a change of the layout file does to the layout on show.
#[derive(Debug, Clone, PartialEq)]
pub enum Reload {
    /// The file holds the layout on show already.
    Same,
    /// A new, sound layout: show it.
    Apply(Layout),
    /// The file has a mistake: the layout on show stays. Why, naming the field.
    Refused(String),
}

/// What the layout file's new contents, `loaded` (read and checked), do to `current`.
#[must_use]
pub fn reload(current: &Layout, loaded: Result<Layout, LayoutError>) -> Reload {
    match loaded {
        Ok(layout) if layout == *current => Reload::Same,
        Ok(layout) => Reload::Apply(layout),
        Err(error) => Reload::Refused(error.to_string()),
    }
}

/// Whether `a` and `b` have the same outputs — as many, with the same names, monitors and sizes
/// — so that showing `b` instead of `a` changes only what the outputs' materials say (overlaps,
/// corners), not their cameras, windows or images.
#[must_use]
pub fn same_outputs(a: &Layout, b: &Layout) -> bool {
    a.outputs.len() == b.outputs.len()
        && a.outputs
            .iter()
            .zip(&b.outputs)
            .all(|(a, b)| a.name == b.name && a.monitor == b.monitor && a.size == b.size)
}

/// Writes `layout` to `path` as pretty RON, checked first (a layout with a mistake is refused,
/// naming the field, and nothing is written). It is written to a temporary file beside `path`
/// and renamed over it, so a crash never leaves half a file.
pub fn save_layout(path: &Path, layout: &Layout) -> Result<(), String> {
    let text = layout.to_ron();
    Layout::parse(&text, None).map_err(|error| error.to_string())?;
    let name = path
        .file_name()
        .ok_or_else(|| format!("{} names no file", path.display()))?;
    let mut temporary = std::ffi::OsString::from(".");
    temporary.push(name);
    temporary.push(format!(".{}.tmp", std::process::id()));
    let temporary = path.with_file_name(temporary);
    // Written whole and on the disk before it takes the layout's name: a power cut leaves the
    // old layout or the new one, never an empty file.
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temporary)?;
        std::io::Write::write_all(&mut file, text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    };
    write().map_err(|error| {
        let _ = std::fs::remove_file(&temporary);
        format!("could not write {}: {error}", path.display())
    })
}

/// The file's modification time and length: a change of either is a change of the file.
pub(super) type FileStamp = (SystemTime, u64);

pub(super) fn file_stamp(path: &Path) -> Option<FileStamp> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.modified().ok()?, metadata.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = super::super::TWO_FOR_TESTS;

    #[test]
    fn a_reload_applies_a_sound_layout_and_keeps_the_last_good_one_otherwise() {
        let current = Layout::parse(TWO, None).unwrap();
        assert_eq!(reload(&current, Ok(current.clone())), Reload::Same);
        let moved = Layout::parse(&TWO.replace("overlap: 64", "overlap: 32"), None).unwrap();
        assert_eq!(
            reload(&current, Ok(moved.clone())),
            Reload::Apply(moved.clone())
        );
        let wide = Layout::parse(&TWO.replace("overlap: 64", "overlap: 400"), None);
        let Reload::Refused(error) = reload(&current, wide) else {
            panic!("an overlap wider than the output is refused");
        };
        assert!(error.starts_with("outputs[0].overlap: 400 px"), "{error}");
        // A change of overlap or corners keeps the outputs; a change of size or count does not.
        assert!(same_outputs(&current, &moved));
        let taller = Layout::parse(&TWO.replace("(320, 180)", "(320, 200)"), None).unwrap();
        assert!(!same_outputs(&current, &taller));
        let one = Layout::parse("(outputs: [(name: \"left\", size: (320, 180))])", None).unwrap();
        assert!(!same_outputs(&current, &one));
    }

    #[test]
    fn a_saved_layout_reads_back_the_same_and_a_bad_one_is_not_saved() {
        let dir = crate::testing::TempDir::new("projectors-save");
        let path = dir.path().join("wall.ron");
        let mut layout = Layout::parse(TWO, None).unwrap();
        layout.outputs[0].corners = Some([(0.01, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.99)]);
        save_layout(&path, &layout).expect("saved");
        assert_eq!(Layout::load(&path, None).expect("reads back"), layout);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["wall.ron"], "no temporary file is left");
        let mut bad = layout.clone();
        bad.outputs[0].overlap = 400;
        let error = save_layout(&path, &bad).unwrap_err();
        assert!(error.starts_with("outputs[0].overlap:"), "{error}");
        assert_eq!(
            Layout::load(&path, None).expect("untouched"),
            layout,
            "the file keeps the last good layout"
        );
    }
}
