//! The narrative commands as a curator or a script uses them.

use std::process::Output;

use dreamloom::testing::{TempDir, dreamloom_in};

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn submit_prints_a_receipt_that_export_and_withdraw_know() {
    let data = TempDir::new("cli-submit");
    let submitted = dreamloom_in(
        &data,
        &[
            "submit",
            "--text",
            "The moon rowed us home.",
            "--origin",
            "Tagalog, Manila",
            "--language",
            "tl",
            "--sanctuary",
        ],
    );
    assert!(submitted.status.success(), "{}", stderr(&submitted));
    let receipt = stdout(&submitted);
    assert_eq!(receipt.len(), 6, "receipt {receipt:?}");

    let exported = dreamloom_in(&data, &["export"]);
    assert!(exported.status.success());
    let lines = stdout(&exported);
    let mine = lines
        .lines()
        .find(|l| l.contains(&receipt))
        .expect("export lists the new narrative");
    assert!(mine.contains("\"sanctuary\":true") && mine.contains("The moon rowed us home."));
    assert!(lines.lines().count() > 10, "the samples are there too");

    let withdrawn = dreamloom_in(&data, &["withdraw", &receipt.to_lowercase()]);
    assert!(withdrawn.status.success(), "{}", stderr(&withdrawn));
    assert!(!stdout(&dreamloom_in(&data, &["export"])).contains(&receipt));

    let again = dreamloom_in(&data, &["withdraw", &receipt]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already withdrawn"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn invalid_submissions_and_codes_are_refused_with_reasons() {
    let data = TempDir::new("cli-invalid");
    let long = "a".repeat(812);
    let refused = dreamloom_in(&data, &["submit", "--text", &long, "--origin", "x"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("the story is 812 characters long; the limit is 600"),
        "{}",
        stderr(&refused)
    );
    assert!(
        stdout(&refused).is_empty(),
        "no receipt for a refused dream"
    );

    let unknown = dreamloom_in(&data, &["withdraw", "ZZZZZZ"]);
    assert!(stderr(&unknown).contains("no narrative has the receipt code ZZZZZZ"));
    let malformed = dreamloom_in(&data, &["withdraw", "ABC"]);
    assert!(stderr(&malformed).contains("a receipt code has 6 characters"));
}

#[test]
fn import_reports_bad_lines_exits_non_zero_and_export_file_re_imports() {
    let data = TempDir::new("cli-import");
    let file = data.path().join("in.jsonl");
    std::fs::write(
        &file,
        "{\"text\":\"good one\",\"origin\":\"Oaxaca\"}\n{\"text\":\"\",\"origin\":\"x\"}\n",
    )
    .unwrap();
    let imported = dreamloom_in(&data, &["import", file.to_str().unwrap()]);
    assert_eq!(imported.status.code(), Some(1));
    let report = stderr(&imported);
    assert!(
        report.contains("in.jsonl:2: the story is empty"),
        "{report}"
    );
    assert!(
        report.contains("imported 1 narratives from 2 lines; 1 lines refused"),
        "{report}"
    );

    let out = data.path().join("out.jsonl");
    assert!(
        dreamloom_in(&data, &["export", out.to_str().unwrap()])
            .status
            .success()
    );
    let other = TempDir::new("cli-import-other");
    let again = dreamloom_in(&other, &["import", out.to_str().unwrap()]);
    // The fresh store already holds the samples under their own receipts; the exported samples
    // bring other receipts, so every line imports.
    assert!(again.status.success(), "{}", stderr(&again));
    // And what arrives is what left: every exported dream, word for word, with its origin,
    // language, consent, receipt, status and time.
    let back = data.path().join("back.jsonl");
    assert!(
        dreamloom_in(&other, &["export", back.to_str().unwrap()])
            .status
            .success()
    );
    let records = |path: &std::path::Path| -> Vec<String> {
        let mut lines: Vec<String> = std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .map(|line| {
                serde_json::from_str::<serde_json::Value>(line)
                    .unwrap()
                    .to_string()
            })
            .collect();
        lines.sort();
        lines
    };
    let exported = records(&out);
    let reimported = records(&back);
    assert_eq!(exported.len(), 29, "28 samples and the good line");
    assert!(exported.iter().any(|r| r.contains("good one")));
    // The second store: its own samples, and everything exported from the first.
    assert_eq!(reimported.len(), 28 + exported.len());
    let mut missing = exported.clone();
    for record in &reimported {
        if let Some(at) = missing.iter().position(|r| r == record) {
            missing.remove(at);
        }
    }
    assert!(missing.is_empty(), "lost on the way: {missing:#?}");
}

#[test]
fn import_refuses_what_is_not_a_file_instead_of_reading_forever() {
    let data = TempDir::new("cli-import-device");
    // /dev/zero is one endless line: read, it never ends.
    let output = dreamloom_in(&data, &["import", "/dev/zero"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("/dev/zero is not a file"),
        "{}",
        stderr(&output)
    );
}
