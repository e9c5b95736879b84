//! Import of both department formats, with errors at `file:line`.

mod common;

use std::path::Path;

use common::{HRSS, day, example_dir};
use knowledge_base::import::{csv, markdown, read_file};
use knowledge_base::{EntryProblem, ImportProblem};

const GOOD_MARKDOWN: &str = "\
# 县人力社保局 知识库

这段说明不属于任何条目。

## 灵活就业人员怎样参加职工养老保险？

- id: hrss-0001
- owner: human-resources-social-security
- topic: 劳动和社会保障 / 城镇职工社会保险
- source: 《中华人民共和国社会保险法》
- valid_from: 2026-01-01
- review_by：2027-06-30
- phrasing: 个体户怎么交养老保险
- phrasing: 没有单位能不能自己交社保

携带身份证到县社保中心窗口办理参保登记。
- 身份证：原件
- 户口簿：复印件

办理时间：工作日上午。

## 失业保险金怎么领取

- id: hrss-0002
- owner: human-resources-social-security
- valid_from: 2026-01-01
- review_by: 2026-12-31

在浙里办申领，或到窗口办理。
";

#[test]
fn markdown_entries_keep_keys_phrasings_and_the_whole_answer() {
    let entries = markdown::parse(Path::new("hrss.md"), GOOD_MARKDOWN).expect("parses");
    assert_eq!(entries.len(), 2);
    let first = &entries[0];
    assert_eq!(first.line, 5);
    assert_eq!(first.entry.id, "hrss-0001");
    assert_eq!(first.entry.question, "灵活就业人员怎样参加职工养老保险？");
    assert_eq!(first.entry.owner.as_str(), HRSS);
    assert_eq!(
        first.entry.topic,
        vec!["劳动和社会保障", "城镇职工社会保险"]
    );
    assert_eq!(first.entry.review_by, day(2027, 6, 30));
    assert_eq!(first.entry.phrasings.len(), 2);
    assert!(first.entry.answer.starts_with("携带身份证"));
    assert!(
        first.entry.answer.contains("- 身份证：原件"),
        "a list inside the answer stays"
    );
    assert!(first.entry.answer.ends_with("办理时间：工作日上午。"));
    assert_eq!(entries[1].line, 22);
    assert!(entries[1].entry.topic.is_empty());
    assert_eq!(entries[1].entry.answer, "在浙里办申领，或到窗口办理。");
}

fn markdown_error(text: &str) -> (usize, ImportProblem, String) {
    let error = markdown::parse(Path::new("units/hrss.md"), text).expect_err("refused");
    let shown = error.to_string();
    (error.line, error.problem, shown)
}

#[test]
fn markdown_errors_name_file_and_line() {
    // An unknown key is refused on its own line.
    let text = GOOD_MARKDOWN.replace("- source:", "- sourse:");
    let (line, problem, shown) = markdown_error(&text);
    assert_eq!(line, 10);
    assert!(matches!(problem, ImportProblem::UnknownKey(ref k) if k == "sourse"));
    assert!(
        shown.starts_with("units/hrss.md:10: unknown key \"sourse\""),
        "{shown}"
    );

    // A bad date names the key, on its own line.
    let text = GOOD_MARKDOWN.replace("2026-12-31", "2026-13-01");
    let (line, problem, shown) = markdown_error(&text);
    assert_eq!(line, 27, "a bad date is reported on its own line");
    assert!(
        matches!(
            problem,
            ImportProblem::BadDate {
                key: "review_by",
                ..
            }
        ),
        "{shown}"
    );

    // A key given twice.
    let text = GOOD_MARKDOWN.replace(
        "- valid_from: 2026-01-01\n- review_by: 2026",
        "- valid_from: 2026-01-01\n- id: x\n- review_by: 2026",
    );
    let (line, problem, _) = markdown_error(&text);
    assert_eq!(line, 27);
    assert!(matches!(problem, ImportProblem::DuplicateKey(ref k) if k == "id"));

    // A missing answer is reported at the entry's heading.
    let text =
        "## 问题一\n\n- id: a\n- owner: x\n- valid_from: 2026-01-01\n- review_by: 2026-02-01\n";
    let (line, problem, shown) = markdown_error(text);
    assert_eq!(line, 1);
    assert!(
        matches!(problem, ImportProblem::MissingKey("answer")),
        "{shown}"
    );

    // Review before valid.
    let text = "\n## 问题一\n- id: a\n- owner: x\n- valid_from: 2026-03-01\n- review_by: 2026-02-01\n\n答复\n";
    let (line, problem, _) = markdown_error(text);
    assert_eq!(line, 2);
    assert!(matches!(
        problem,
        ImportProblem::Entry(EntryProblem::ReviewBeforeValid { .. })
    ));

    // One id twice in a file.
    let text = GOOD_MARKDOWN.replace("hrss-0002", "hrss-0001");
    let (line, problem, _) = markdown_error(&text);
    assert_eq!(line, 22);
    assert!(matches!(
        problem,
        ImportProblem::DuplicateId { first_line: 5, .. }
    ));

    // An empty heading.
    let (line, problem, _) = markdown_error("## \n");
    assert_eq!(line, 1);
    assert!(matches!(problem, ImportProblem::Syntax(_)));
}

const GOOD_CSV: &str = "\
id,owner,question,answer,topic,source,valid_from,review_by,phrasings
tr-1,transport,公交卡怎么办理,\"到公交公司营业厅办理。
带身份证。\",交通运输/公共交通,《公交管理办法》,2026-01-01,2027-01-01,公交卡在哪办|老年卡怎么办
tr-2,transport,出租车投诉电话,拨打12345。,,,2026-01-01,2027-01-01,
";

#[test]
fn csv_entries_keep_multiline_answers_and_lists() {
    let entries = csv::parse(Path::new("transport.csv"), GOOD_CSV).expect("parses");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0].line, 2);
    assert_eq!(
        entries[0].entry.answer,
        "到公交公司营业厅办理。\n带身份证。"
    );
    assert_eq!(entries[0].entry.topic, vec!["交通运输", "公共交通"]);
    assert_eq!(
        entries[0].entry.phrasings,
        vec!["公交卡在哪办", "老年卡怎么办"]
    );
    assert_eq!(
        entries[1].line, 4,
        "the second record starts after the two-line answer"
    );
    assert!(entries[1].entry.source.is_empty());
}

#[test]
fn csv_errors_name_file_and_line() {
    let error = csv::parse(
        Path::new("t.csv"),
        &GOOD_CSV.replace("2027-01-01,\n", "2027-02-30,\n"),
    )
    .expect_err("bad date refused");
    assert_eq!(error.line, 4);
    assert!(
        error
            .to_string()
            .starts_with("t.csv:4: review_by \"2027-02-30\" is not a date"),
        "{error}"
    );

    let error = csv::parse(
        Path::new("t.csv"),
        &GOOD_CSV.replace("phrasings", "keywords"),
    )
    .expect_err("unknown column refused");
    assert_eq!(error.line, 1);
    assert!(matches!(error.problem, ImportProblem::UnknownKey(ref k) if k == "keywords"));

    let error = csv::parse(Path::new("t.csv"), &GOOD_CSV.replace(",拨打12345。,", ",,"))
        .expect_err("missing answer refused");
    assert_eq!(error.line, 4);
    assert!(matches!(error.problem, ImportProblem::MissingKey("answer")));

    let error = csv::parse(
        Path::new("t.csv"),
        &format!("{GOOD_CSV}tr-3,transport,问题\n"),
    )
    .expect_err("short record refused");
    assert_eq!(error.line, 5);
    assert!(matches!(error.problem, ImportProblem::Csv(_)));
}

#[test]
fn a_missing_file_is_a_read_error() {
    let error = read_file(Path::new("no-such-dir/none.md")).expect_err("no file");
    assert!(matches!(error.problem, ImportProblem::Read(_)));
    assert!(error.to_string().contains("no-such-dir/none.md"));
}

#[test]
fn every_example_file_imports() {
    let mut total = 0;
    let mut formats = std::collections::BTreeSet::new();
    for file in std::fs::read_dir(example_dir()).expect("example folder") {
        let path = file.expect("entry").path();
        let Some(ext) = path.extension().and_then(|e| e.to_str()) else {
            continue;
        };
        if ext != "md" && ext != "csv" {
            continue;
        }
        let entries = read_file(&path).unwrap_or_else(|e| panic!("{e}"));
        let owner = path.file_stem().and_then(|s| s.to_str()).expect("name");
        assert!(
            entries.iter().all(|e| e.entry.owner.as_str() == owner),
            "{}",
            path.display()
        );
        total += entries.len();
        formats.insert(ext.to_string());
    }
    assert!(total > 250, "the example set has {total} entries");
    assert_eq!(formats.len(), 2, "both formats are in the example set");
}

/// Texts made of the characters the formats care about, in any order, never panic a parser.
#[test]
fn damaged_files_are_refused_or_read_never_panic() {
    const PIECES: &[&str] = &[
        "## ",
        "#",
        "- ",
        "id",
        "owner",
        ": ",
        "：",
        "\n",
        "\r\n",
        "\"",
        ",",
        "|",
        "/",
        "2026-01-01",
        "2026-02-30",
        "问题",
        "答复",
        "review_by",
        "valid_from",
        "phrasing",
        " ",
        "\u{feff}",
        "x",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut read = 0;
    for _ in 0..3000 {
        let length = (next() % 40) as usize;
        let text: String = (0..length)
            .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
            .collect();
        let as_markdown = markdown::parse(Path::new("f.md"), &text);
        let as_csv = csv::parse(Path::new("f.csv"), &text);
        for result in [as_markdown, as_csv] {
            match result {
                Ok(entries) => read += usize::from(!entries.is_empty()),
                Err(error) => assert!(error.to_string().starts_with("f."), "{error}"),
            }
        }
    }
    assert!(read < 3000 * 2, "random text is not all accepted");
}
