//! Search over the real example set finds the right entry for questions asked in other words.

mod common;

use common::example_kb;

/// A question as another citizen might ask it, and the entry that answers it.
const PARAPHRASES: &[(&str, &str)] = &[
    ("L5县的慢性病门诊卡要怎么申请办理", "m4-136128"),
    ("H市刚出生的宝宝落地险在哪里办", "m4-179661"),
    ("交通违章记录录错了，能不能删掉", "m4-20374"),
    ("A7县买车一定要有暂住证吗，这个规定能取消吗", "m4-24861"),
    ("凉塘路以后会不会开通公交车", "m4-19742"),
    ("长乐纪世物业公司不跟员工签订劳动合同", "m4-129525"),
    ("B市雷珠单抗这种进口注射药能不能走医保报销", "m4-33490"),
    ("流沙河镇能不能设一个摩托车考驾照和上牌的窗口", "m4-5400"),
    ("A7县小学老师的教师资格怎么认定", "m4-17927"),
    ("外地来A市打工的人孩子怎么入学", "m4-8012"),
];

#[test]
fn paraphrased_questions_find_their_entries() {
    let dir = tempfile::tempdir().expect("temp dir");
    let kb = example_kb(dir.path());
    let mut first = 0;
    let mut misses = Vec::new();
    for (query, expected) in PARAPHRASES {
        assert!(kb.get(expected).is_some(), "the example set has {expected}");
        let hits = kb.search(query, &[], 3).expect("search");
        match hits.iter().position(|h| h.entry_id == *expected) {
            Some(0) => first += 1,
            Some(_) => {}
            None => misses.push((*query, *expected, hits)),
        }
    }
    // Limitation: a query whose rare word (a road's name) is outweighed by common words that
    // other questions share ("开通", "公交车") can miss; one such miss is allowed here.
    assert!(misses.len() <= 1, "not in the top three: {misses:#?}");
    assert!(
        first * 10 >= PARAPHRASES.len() * 7,
        "only {first} of {} ranked first",
        PARAPHRASES.len()
    );
}

#[test]
fn the_example_set_has_stale_entries_for_the_reports() {
    let dir = tempfile::tempdir().expect("temp dir");
    let kb = example_kb(dir.path());
    let today = common::day(2026, 12, 4);
    let report = kb.stale_report(today);
    let stale: usize = report.values().map(Vec::len).sum();
    assert!(
        stale > 5 && stale < kb.len() / 5,
        "{stale} stale of {}",
        kb.len()
    );
    for (unit, entries) in &report {
        for item in entries {
            let entry = kb.get(&item.entry_id).expect("listed entries exist");
            assert_eq!(&entry.owner, unit);
            assert!(!entry.is_fresh(today));
        }
    }
}
