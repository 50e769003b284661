//! The crate's layers run one way: a module imports only from layers below its own, so a newcomer
//! can follow a narrative from the form to the GPU without going back and forth, and no import
//! cycle can form. The order, bottom to top, and why, is in `docs/ARCHITECTURE.md`; this test
//! reads every source file and fails on an import from the same layer or above.
//!
//! It reads paths lexically (comments and literals stripped), so `use crate::{a, b::c}` groups,
//! inline paths (`crate::x::f()`), `super::super::x` and paths inside macro calls all count.
//! Test-only code (`#[cfg(test)]` items) is left out: a unit test may use the test helpers.

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
};

/// The layers, bottom first. Modules in one layer may not import each other.
const LAYERS: &[&[&str]] = &[
    // Pure helpers.
    &["hash", "range", "schedule"],
    &["palette"],
    // Text: the kiosk's and the phone form's own words (translations), and the shaping of
    // everyone's words.
    &["text", "i18n"],
    // The narrative model and store.
    &["narrative"],
    // Time, the embedded shaders.
    &["clock", "shaders"],
    &["camera", "outputs"],
    // What stands between the piece's camera and the walls: projector outputs, immersive views.
    &["immersive", "projectors"],
    // The cloak and the dreamscape.
    &["weave", "dreamscape"],
    // The keepsake card: a narrative's words and thread, drawn on the CPU.
    &["card"],
    // The protocol on the cloak.
    &["protocol"],
    // The artists' tools, the egui overlay.
    &["tuning", "overlay"],
    // The piece assembled.
    &["piece"],
    // Modes.
    &["capture", "web", "osc"],
    // Monitoring: served by the phone form's serving code (`web`), counting what the phone form
    // and the kiosk tell it.
    &["metrics"],
    &["desktop"],
    &["viewer"],
    &["kiosk"],
    // The command line and its commands.
    &["cli"],
    &["commands"],
    // Helpers for tests.
    &["testing"],
];

/// The layer of a top-level module; `lib.rs` and `main.rs` stand above them all.
fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// Source with comments, string and character literals blanked out, so only code is read.
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c == 'r'
            && matches!(next, Some('"' | '#'))
            && !chars
                .get(i.wrapping_sub(1))
                .is_some_and(|p| p.is_alphanumeric() || *p == '_')
        {
            // A raw string: r"…", r#"…"#.
            let mut hashes = 0;
            let mut j = i + 1;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) == Some(&'"') {
                j += 1;
                loop {
                    if j >= chars.len() {
                        break;
                    }
                    if chars[j] == '"' && (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j;
            } else {
                out.push(c);
                i += 1;
            }
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}'), or a lifetime ('a), which is kept.
            if next == Some('\\') {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push_str("' '");
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// `code` without the items marked `#[cfg(test)]` (a `mod tests { … }`, a test-only `use`).
fn without_test_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let item = &rest[at..];
        // The item ends at its first `;` outside braces, or where its first brace block closes.
        let mut depth = 0usize;
        let mut end = item.len();
        for (index, c) in item.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = index + 1;
                        break;
                    }
                }
                ';' if depth == 0 => {
                    end = index + 1;
                    break;
                }
                _ => {}
            }
        }
        rest = &item[end..];
    }
    out.push_str(rest);
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The identifier at the start of `text`, after spaces.
fn ident_at(text: &str) -> &str {
    let text = text.trim_start();
    let end = text.find(|c: char| !is_ident(c)).unwrap_or(text.len());
    &text[..end]
}

/// First segments of the paths in a `{ … }` group starting at `text` (just after the `{`).
fn group_heads(text: &str) -> Vec<&str> {
    let mut heads = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (index, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                heads.push(ident_at(&text[start..index]));
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                heads.push(ident_at(&text[start..index]));
                start = index + 1;
            }
            _ => {}
        }
    }
    heads.into_iter().filter(|h| !h.is_empty()).collect()
}

/// The crate-level names that `code` refers to through `prefix` (`crate::`, or `super::` where
/// that is the crate root), with the line of each.
fn references<'a>(code: &'a str, prefix: &str) -> Vec<(&'a str, usize)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find(prefix) {
        let at = from + at;
        from = at + prefix.len();
        // `$crate::` in a macro is the crate too; `foo_crate::` or `a::crate::` are not ours.
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| is_ident(c) || c == ':') {
            continue;
        }
        let line = code[..at].matches('\n').count() + 1;
        let rest = &code[from..];
        if rest.trim_start().starts_with('{') {
            let open = rest.find('{').unwrap_or(0);
            for head in group_heads(&rest[open + 1..]) {
                found.push((head, line));
            }
        } else {
            found.push((ident_at(rest), line));
        }
    }
    found
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The top-level modules of the crate: `src/x.rs` and `src/x/`.
fn top_modules(src: &Path) -> BTreeSet<String> {
    fs::read_dir(src)
        .expect("src is readable")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let name = path.file_stem()?.to_str()?.to_owned();
            (path.is_dir() || path.extension().is_some_and(|e| e == "rs")).then_some(name)
        })
        .filter(|name| name != "lib" && name != "main")
        .collect()
}

/// Each import that goes sideways or up: `file:line: module → module`.
fn violations(src: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for file in sources(src) {
        let relative = file.strip_prefix(src).expect("under src");
        let mut parts = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy());
        let first = parts.next().expect("a file name").to_string();
        let depth = relative.components().count();
        let module = first.trim_end_matches(".rs").to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let is_mod_file = relative.file_name().is_some_and(|n| n == "mod.rs");
        let code = without_test_items(&code_only(&fs::read_to_string(&file).expect("readable")));
        let mut refs = references(&code, "crate::");
        // `super::` reaches the crate root from `src/x.rs` and `src/x/mod.rs`, `super::super::`
        // from `src/x/y.rs` and `src/x/y/mod.rs`, and so on down.
        let climbs = depth - usize::from(is_mod_file);
        refs.extend(references(&code, &"super::".repeat(climbs)));
        let own = layer_of(&module);
        for (target, line) in refs {
            if target == module || target == "self" || target == "super" {
                continue;
            }
            // A name with no layer is an item of `lib.rs` (a re-export): the top of the crate.
            let below =
                matches!((own, layer_of(target)), (Some(own), Some(theirs)) if theirs < own);
            if !below {
                found.push(format!(
                    "{}:{line}: `{module}` imports `{target}`",
                    file.display()
                ));
            }
        }
    }
    found
}

#[test]
fn every_module_has_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let unplaced: Vec<String> = top_modules(&src)
        .into_iter()
        .filter(|m| layer_of(m).is_none())
        .collect();
    assert!(
        unplaced.is_empty(),
        "modules without a layer in tests/layers.rs (and docs/ARCHITECTURE.md): {unplaced:?}"
    );
}

#[test]
fn no_module_imports_from_its_own_layer_or_above() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(
        found.is_empty(),
        "imports against the layer order (docs/ARCHITECTURE.md):\n{}",
        found.join("\n")
    );
}

/// The check itself can fail: a small tree with a cycle through a `use` group, an inline path
/// and `super::super::` is caught on each, while comments, strings and test code are not read.
#[test]
fn the_check_catches_upward_imports_and_ignores_comments_strings_and_tests() {
    let dir = std::env::temp_dir().join(format!("dreamloom-layers-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("weave")).unwrap();
    fs::write(
        dir.join("lib.rs"),
        "pub mod hash; pub mod weave; pub mod kiosk;",
    )
    .unwrap();
    fs::write(
        dir.join("hash.rs"),
        "// crate::kiosk in a comment\nconst A: &str = \"crate::kiosk\";\nuse crate::{\n    weave::look,\n    palette,\n};\n#[cfg(test)]\nmod tests { use crate::kiosk::x; }\n",
    )
    .unwrap();
    fs::write(
        dir.join("weave/mod.rs"),
        "fn f() { crate::hash::splitmix64(1); }",
    )
    .unwrap();
    fs::write(
        dir.join("weave/look.rs"),
        "fn g() -> u8 { let c = '\"'; super::super::kiosk::KEY }",
    )
    .unwrap();
    fs::write(dir.join("kiosk.rs"), "use crate::weave::Focus;").unwrap();
    let found = violations(&dir);
    let _ = fs::remove_dir_all(&dir);
    let lines: Vec<&str> = found.iter().map(String::as_str).collect();
    assert_eq!(found.len(), 3, "{lines:#?}");
    assert!(
        found[0].ends_with("hash.rs:3: `hash` imports `weave`"),
        "{lines:#?}"
    );
    // `palette` sits above `hash` as well.
    assert!(
        found[1].ends_with("hash.rs:3: `hash` imports `palette`"),
        "{lines:#?}"
    );
    assert!(
        found[2].ends_with("look.rs:1: `weave` imports `kiosk`"),
        "{lines:#?}"
    );
}
