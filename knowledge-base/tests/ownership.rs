//! Only the owning unit changes an entry, and every change is kept in the history.

mod common;

use common::{HRSS, TRANSPORT, entry, unit};
use knowledge_base::{Action, KbError, KnowledgeBase, Outcome};

#[test]
fn a_unit_cannot_change_or_retire_another_units_entry() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut kb = KnowledgeBase::open(dir.path()).expect("open");
    let pension = entry(
        "hrss-1",
        HRSS,
        "养老保险怎么交",
        "到社保窗口办理。",
        &["劳动和社会保障"],
    );
    kb.upsert(&unit(HRSS), pension.clone())
        .expect("owner creates");

    // Editing another unit's entry, even when naming itself as owner.
    let mut edited = pension.clone();
    edited.answer = "到交通局办理。".into();
    let error = kb
        .upsert(&unit(TRANSPORT), edited.clone())
        .expect_err("refused");
    assert!(
        matches!(&error, KbError::NotOwner { actor, owner, entry_id }
            if actor.as_str() == TRANSPORT && owner.as_str() == HRSS && entry_id == "hrss-1"),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("belongs to human-resources-social-security")
    );
    edited.owner = unit(TRANSPORT);
    assert!(matches!(
        kb.upsert(&unit(TRANSPORT), edited),
        Err(KbError::NotOwner { .. })
    ));

    // Creating an entry in another unit's name, and handing one's own entry over.
    let foreign = entry("tr-1", TRANSPORT, "公交卡怎么办", "营业厅办理。", &[]);
    assert!(matches!(
        kb.upsert(&unit(HRSS), foreign),
        Err(KbError::NotOwner { .. })
    ));
    let mut handed = pension.clone();
    handed.owner = unit(TRANSPORT);
    assert!(matches!(
        kb.upsert(&unit(HRSS), handed),
        Err(KbError::NotOwner { .. })
    ));

    // Retiring another unit's entry; a missing entry is its own error.
    assert!(matches!(
        kb.retire(&unit(TRANSPORT), "hrss-1"),
        Err(KbError::NotOwner { .. })
    ));
    assert!(matches!(
        kb.retire(&unit(HRSS), "nope"),
        Err(KbError::NoSuchEntry(_))
    ));

    // Nothing of that was written.
    assert_eq!(kb.get("hrss-1"), Some(&pension));
    assert_eq!(kb.changes().len(), 1);
}

#[test]
fn a_batch_with_one_foreign_entry_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut kb = KnowledgeBase::open(dir.path()).expect("open");
    let batch = vec![
        entry("hrss-1", HRSS, "养老保险怎么交", "到社保窗口办理。", &[]),
        entry("tr-1", TRANSPORT, "公交卡怎么办", "营业厅办理。", &[]),
    ];
    assert!(matches!(
        kb.upsert_many(&unit(HRSS), batch),
        Err(KbError::NotOwner { .. })
    ));
    assert!(kb.is_empty());
    assert!(kb.changes().is_empty());
    assert!(kb.search("养老保险", &[], 5).expect("search").is_empty());
}

#[test]
fn history_keeps_who_when_and_what_changed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut kb = KnowledgeBase::open(dir.path()).expect("open");
    let owner = unit(HRSS);
    let before = chrono::Utc::now();
    let mut pension = entry("hrss-1", HRSS, "养老保险怎么交", "到社保窗口办理。", &[]);
    assert_eq!(
        kb.upsert(&owner, pension.clone()).expect("create"),
        Outcome::Created
    );

    // The same entry again changes nothing and records nothing.
    assert_eq!(
        kb.upsert(&owner, pension.clone()).expect("same"),
        Outcome::Unchanged
    );
    assert_eq!(kb.changes().len(), 1);

    pension.answer = "在浙里办或社保窗口办理。".into();
    pension.phrasings = vec!["社保在哪交".into()];
    let outcome = kb.upsert(&owner, pension.clone()).expect("update");
    assert_eq!(
        outcome,
        Outcome::Updated {
            fields: vec!["answer".into(), "phrasings".into()]
        }
    );
    kb.retire(&owner, "hrss-1").expect("retire");

    let history = kb.history("hrss-1");
    let actions: Vec<Action> = history.iter().map(|c| c.action).collect();
    assert_eq!(
        actions,
        vec![Action::Created, Action::Updated, Action::Retired]
    );
    assert!(history.iter().all(|c| c.actor == owner && c.at >= before));
    assert_eq!(
        history.iter().map(|c| c.seq).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(history[1].fields, vec!["answer", "phrasings"]);
    assert_eq!(history[1].entry.as_ref(), Some(&pension));
    assert_eq!(history[2].entry, None);
    assert!(kb.get("hrss-1").is_none());
    assert!(
        kb.search("养老保险", &[], 5).expect("search").is_empty(),
        "retired is not searched"
    );

    // The file holds one JSON line per change, in order.
    let text = std::fs::read_to_string(dir.path().join("history.jsonl")).expect("history file");
    assert_eq!(text.lines().count(), 3);
    assert!(
        text.lines()
            .nth(1)
            .expect("second")
            .contains("\"action\":\"updated\"")
    );
}

#[test]
fn an_invalid_entry_is_refused_with_its_problem() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut kb = KnowledgeBase::open(dir.path()).expect("open");
    let mut bad = entry("hrss 1", HRSS, "问题", "答复", &[]);
    let error = kb.upsert(&unit(HRSS), bad.clone()).expect_err("bad id");
    assert!(error.to_string().contains("is not valid"), "{error}");
    bad.id = "hrss-1".into();
    bad.question = "  ".into();
    assert!(matches!(
        kb.upsert(&unit(HRSS), bad),
        Err(KbError::Invalid { .. })
    ));
    assert!(kb.changes().is_empty());
}

#[test]
fn a_unit_imports_only_its_own_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut kb = KnowledgeBase::open(dir.path()).expect("open");
    let file = common::example_dir().join("human-resources-social-security.md");
    let error = kb
        .import_file(&unit(TRANSPORT), &file)
        .expect_err("a foreign file is refused");
    assert!(matches!(error, KbError::NotOwner { .. }), "{error}");
    assert!(kb.is_empty());
    let outcomes = kb
        .import_file(&unit(HRSS), &file)
        .expect("the owner imports");
    assert!(!outcomes.is_empty() && outcomes.iter().all(|o| *o == Outcome::Created));

    // Importing the same file again changes nothing.
    let again = kb.import_file(&unit(HRSS), &file).expect("re-import");
    assert!(again.iter().all(|o| *o == Outcome::Unchanged));
    assert_eq!(kb.changes().len(), outcomes.len());
}

#[test]
fn a_retired_id_stays_with_its_unit_across_a_reopen() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pension = entry(
        "hrss-1",
        HRSS,
        "养老保险怎么交",
        "到社保窗口办理。",
        &["劳动和社会保障"],
    );
    {
        let mut kb = KnowledgeBase::open(dir.path()).expect("open");
        kb.upsert(&unit(HRSS), pension.clone()).expect("create");
        kb.retire(&unit(HRSS), "hrss-1").expect("retire");
        assert_eq!(kb.owner_of("hrss-1").map(|u| u.as_str()), Some(HRSS));
    }
    let mut kb = KnowledgeBase::open(dir.path()).expect("reopen");
    let mut taken = pension.clone();
    taken.owner = unit(TRANSPORT);
    let error = kb.upsert(&unit(TRANSPORT), taken).expect_err("refused");
    assert!(
        matches!(&error, KbError::NotOwner { owner, .. } if owner.as_str() == HRSS),
        "{error}"
    );
    assert_eq!(
        kb.upsert(&unit(HRSS), pension).expect("back"),
        Outcome::Created
    );
    assert_eq!(kb.owner_of("never-used"), None);
}
