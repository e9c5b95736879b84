//! Every kind of rule-file mistake is reported at its `file:line:column`, with what was
//! expected and a hint, and stops the set from compiling.

use std::path::Path;

use routing_rules::{EmbeddedSources, RuleError, RuleSet};

const ENTRY: &str = r#"[ruleset]
name = "test"
include = ["rules.toml"]
divisions = "divisions.csv"
taxonomy = "taxonomy.csv"
"#;

const DIVISIONS: &str = "code,name,parent_code,level\n330328107,玉壶镇,330328,town\n330328107219,东樟村委会,330328107,village\n";
const TAXONOMY: &str = "一级,二级,三级\n城乡建设,城乡规划,违章建筑\n环境保护,环境污染,水污染\n";

const UNITS: &str = r#"[[unit]]
id = "urban-management"
name = "县综合行政执法局"
type = "department"
hotlines = ["12319"]
"#;

/// Compiles a set whose `rules.toml` is `rules` (after a unit table) and returns its errors.
fn errors_of(rules: &str) -> Vec<RuleError> {
    let text = format!("{UNITS}{rules}");
    let files = EmbeddedSources::new([
        ("routing.toml", ENTRY.to_string()),
        ("rules.toml", text),
        ("divisions.csv", DIVISIONS.to_string()),
        ("taxonomy.csv", TAXONOMY.to_string()),
    ]);
    match RuleSet::load_from(&files, Path::new("routing.toml")) {
        Ok(_) => panic!("the set compiled although it has a mistake:\n{rules}"),
        Err(errors) => errors.0,
    }
}

/// The line of `rules.toml` (after the unit table) where `needle` first appears, from 1.
fn line_of(rules: &str, needle: &str) -> usize {
    let offset = UNITS.lines().count();
    let line = rules
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not in the rules"));
    offset + line + 1
}

fn assert_one(errors: &[RuleError], line: usize, column: usize, message: &str) -> RuleError {
    let error = errors
        .iter()
        .find(|e| e.message.contains(message))
        .unwrap_or_else(|| panic!("no error says `{message}`; got:\n{errors:#?}"));
    assert_eq!(error.file, Path::new("rules.toml"), "{error}");
    assert_eq!((error.line, error.column), (line, column), "{error}");
    assert!(
        error.hint.is_some() || error.expected.is_some(),
        "no hint nor expectation: {error}"
    );
    error.clone()
}

const TOPIC: &str = r#"
[[topic]]
id = "illegal-building"
path = ["城乡建设", "城乡规划", "违章建筑"]
principle = "owner"
owners = ["urban-management"]
keywords = ["违建"]
"#;

#[test]
fn a_misspelt_key_is_an_unknown_key_at_its_position() {
    let rules = TOPIC.replace("keywords", "kewords");
    let errors = errors_of(&rules);
    let error = assert_one(
        &errors,
        line_of(&rules, "kewords"),
        1,
        "unknown field `kewords`",
    );
    assert!(error.expected.as_deref().unwrap().contains("keywords"));
    assert!(error.to_string().starts_with(&format!(
        "rules.toml:{}:1: error:",
        line_of(&rules, "kewords")
    )));
}

#[test]
fn broken_toml_syntax_is_reported_where_it_breaks() {
    let rules = TOPIC.replace("keywords = [\"违建\"]", "keywords = [\"违建\"");
    let errors = errors_of(&rules);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].file, Path::new("rules.toml"));
    assert!(
        errors[0].line >= line_of(&rules, "keywords"),
        "{}",
        errors[0]
    );
    assert!(errors[0].hint.is_some());
}

#[test]
fn a_value_of_the_wrong_type_names_the_key() {
    let rules = TOPIC.replace("keywords = [\"违建\"]", "keywords = \"违建\"");
    let errors = errors_of(&rules);
    let line = line_of(&rules, "keywords");
    let error = errors
        .iter()
        .find(|e| e.line == line)
        .unwrap_or_else(|| panic!("{errors:#?}"));
    assert!(
        error.message.contains("invalid type") || error.message.contains("sequence"),
        "{error}"
    );
    assert_eq!(error.column, 12, "{error}");
}

#[test]
fn a_missing_required_key_is_reported_on_its_table() {
    let rules = TOPIC.replace("principle = \"owner\"\n", "");
    let errors = errors_of(&rules);
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("missing field `principle`")),
        "{errors:#?}"
    );
}

#[test]
fn an_unknown_unit_suggests_the_closest_id() {
    let rules = TOPIC.replace(
        "owners = [\"urban-management\"]",
        "owners = [\"urban-managment\"]",
    );
    let errors = errors_of(&rules);
    let error = assert_one(
        &errors,
        line_of(&rules, "owners"),
        11,
        "unknown unit `urban-managment`",
    );
    assert_eq!(
        error.hint.as_deref(),
        Some("did you mean `urban-management`?")
    );
}

#[test]
fn a_path_outside_the_taxonomy_lists_what_is_there() {
    let rules = TOPIC.replace("\"违章建筑\"]", "\"违法建筑\"]");
    let errors = errors_of(&rules);
    let error = assert_one(
        &errors,
        line_of(&rules, "path ="),
        8,
        "is not in the taxonomy",
    );
    assert!(error.expected.unwrap().contains("违章建筑"));
}

#[test]
fn an_id_used_twice_points_at_the_first_use() {
    let rules = format!("{TOPIC}{}", TOPIC.replace("违建", "违章"));
    let errors = errors_of(&rules);
    let second = rules
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("id = \"illegal-building\""))
        .nth(1)
        .unwrap()
        .0;
    let error = assert_one(
        &errors,
        UNITS.lines().count() + second + 1,
        6,
        "is used twice",
    );
    assert!(error.hint.unwrap().contains("rules.toml:"));
}

#[test]
fn an_unknown_principle_says_which_are_known() {
    let rules = TOPIC.replace("principle = \"owner\"", "principle = \"local\"");
    let errors = errors_of(&rules);
    let error = assert_one(
        &errors,
        line_of(&rules, "principle"),
        13,
        "unknown principle `local`",
    );
    assert!(error.expected.unwrap().contains("territorial"));
}

#[test]
fn an_owner_topic_without_owners_is_refused() {
    let rules = TOPIC.replace("owners = [\"urban-management\"]\n", "");
    let errors = errors_of(&rules);
    assert_one(&errors, line_of(&rules, "principle"), 13, "names no owners");
}

#[test]
fn an_unknown_emergency_service_lists_the_four() {
    let rules = "\n[[emergency]]\nid = \"fire\"\nservice = \"911\"\nphrases = [\"着火了\"]\n";
    let errors = errors_of(rules);
    let error = assert_one(
        &errors,
        line_of(rules, "service"),
        11,
        "unknown emergency service `911`",
    );
    assert!(error.expected.unwrap().contains("\"119\""));
}

#[test]
fn an_unknown_kind_lists_the_five() {
    let rules = "\n[[kind]]\nid = \"k\"\nkind = \"question\"\nphrases = [\"请问\"]\n";
    let errors = errors_of(rules);
    let error = assert_one(
        &errors,
        line_of(rules, "kind = "),
        8,
        "unknown kind `question`",
    );
    assert!(error.expected.unwrap().contains("consultation"));
}

#[test]
fn a_broken_regex_is_reported_at_the_pattern() {
    let rules = TOPIC.replace("keywords = [\"违建\"]", "patterns = [\"(违建\"]");
    let errors = errors_of(&rules);
    assert_one(
        &errors,
        line_of(&rules, "patterns"),
        13,
        "is not a valid regular expression",
    );
}

#[test]
fn an_empty_phrase_is_refused() {
    let rules = TOPIC.replace("keywords = [\"违建\"]", "keywords = [\"违建\", \"\"]");
    let errors = errors_of(&rules);
    assert_one(
        &errors,
        line_of(&rules, "keywords"),
        19,
        "a phrase is empty",
    );
}

#[test]
fn a_topic_without_keywords_is_refused() {
    let rules = TOPIC.replace("keywords = [\"违建\"]\n", "");
    let errors = errors_of(&rules);
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("has no keywords") && e.hint.is_some()),
        "{errors:#?}"
    );
}

#[test]
fn a_hotline_claimed_twice_is_refused() {
    let rules = "\n[[unit]]\nid = \"other\"\nname = \"另一个局\"\ntype = \"department\"\nhotlines = [\"12319\"]\n";
    let errors = errors_of(rules);
    assert_one(
        &errors,
        line_of(rules, "hotlines"),
        13,
        "already claimed by unit `urban-management`",
    );
}

#[test]
fn a_township_code_not_in_the_divisions_is_refused() {
    let rules = "\n[[unit]]\nid = \"nowhere\"\nname = \"某镇\"\ntype = \"township\"\ntownship = \"330328999\"\n";
    let errors = errors_of(rules);
    assert_one(
        &errors,
        line_of(rules, "township ="),
        12,
        "is not in the divisions file",
    );
}

#[test]
fn an_unknown_unit_type_is_refused() {
    let rules = "\n[[unit]]\nid = \"x\"\nname = \"某局\"\ntype = \"bureau\"\n";
    let errors = errors_of(rules);
    let error = assert_one(
        &errors,
        line_of(rules, "type ="),
        8,
        "unknown unit type `bureau`",
    );
    assert!(error.expected.unwrap().contains("department"));
}

#[test]
fn an_example_that_expects_nothing_is_refused() {
    let rules = "\n[[example]]\ntext = \"违建\"\n";
    let errors = errors_of(rules);
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("states nothing to expect")),
        "{errors:#?}"
    );
}

#[test]
fn an_example_naming_an_unknown_unit_is_refused() {
    let rules = format!("{TOPIC}\n[[example]]\ntext = \"违建\"\nlead_unit = \"urban\"\n");
    let errors = errors_of(&rules);
    assert_one(
        &errors,
        line_of(&rules, "lead_unit"),
        13,
        "unknown unit `urban`",
    );
}

#[test]
fn a_missing_included_file_is_reported_at_the_include() {
    let entry = ENTRY.replace("[\"rules.toml\"]", "[\"rules.toml\", \"missing.toml\"]");
    let files = EmbeddedSources::new([
        ("routing.toml", entry),
        ("rules.toml", format!("{UNITS}{TOPIC}")),
        ("divisions.csv", DIVISIONS.to_string()),
        ("taxonomy.csv", TAXONOMY.to_string()),
    ]);
    let errors = RuleSet::load_from(&files, Path::new("routing.toml"))
        .unwrap_err()
        .0;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].file, Path::new("routing.toml"));
    assert_eq!((errors[0].line, errors[0].column), (3, 26));
    assert!(
        errors[0]
            .message
            .contains("cannot read included file `missing.toml`")
    );
}

#[test]
fn a_ruleset_table_outside_the_entry_file_is_refused() {
    let rules = format!("{TOPIC}\n[ruleset]\nname = \"again\"\n");
    let errors = errors_of(&rules);
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("only the entry file")),
        "{errors:#?}"
    );
}

#[test]
fn every_mistake_is_reported_not_only_the_first() {
    let rules = format!(
        "{}{}",
        TOPIC.replace("owners = [\"urban-management\"]", "owners = [\"nobody\"]"),
        "\n[[kind]]\nid = \"k\"\nkind = \"question\"\nphrases = [\"请问\"]\n"
    );
    let errors = errors_of(&rules);
    assert!(errors.len() >= 2, "{errors:#?}");
}

#[test]
fn a_correct_set_compiles() {
    let files = EmbeddedSources::new([
        ("routing.toml", ENTRY.to_string()),
        ("rules.toml", format!("{UNITS}{TOPIC}")),
        ("divisions.csv", DIVISIONS.to_string()),
        ("taxonomy.csv", TAXONOMY.to_string()),
    ]);
    let rules = RuleSet::load_from(&files, Path::new("routing.toml")).unwrap();
    assert_eq!(rules.units().len(), 1);
}

fn entry_errors(entry: &str, rules: &str, taxonomy: &str) -> Vec<RuleError> {
    let files = EmbeddedSources::new([
        ("routing.toml", entry.to_string()),
        ("rules.toml", format!("{UNITS}{rules}")),
        ("divisions.csv", DIVISIONS.to_string()),
        ("taxonomy.csv", taxonomy.to_string()),
    ]);
    RuleSet::load_from(&files, Path::new("routing.toml"))
        .err()
        .map(|e| e.0)
        .unwrap_or_default()
}

#[test]
fn an_include_outside_the_folder_is_refused() {
    let entry = ENTRY.replace("[\"rules.toml\"]", "[\"rules.toml\", \"../../etc/passwd\"]");
    let errors = entry_errors(&entry, TOPIC, TAXONOMY);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].message.contains("leaves the entry file's folder"),
        "{}",
        errors[0]
    );
    assert_eq!((errors[0].line, errors[0].column), (3, 26));
}

#[test]
fn a_file_included_twice_is_named_once() {
    let entry = ENTRY.replace("[\"rules.toml\"]", "[\"rules.toml\", \"rules.toml\"]");
    let errors = entry_errors(&entry, TOPIC, TAXONOMY);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].message.contains("is included twice"),
        "{}",
        errors[0]
    );
}

#[test]
fn a_syntax_error_is_not_buried_under_the_errors_that_follow_from_it() {
    // The unit table no longer parses, so every reference to the unit would fail too.
    let broken = UNITS.replace("name = \"县综合行政执法局\"", "name = \"县综合行政执法局");
    let files = EmbeddedSources::new([
        ("routing.toml", ENTRY.to_string()),
        ("rules.toml", format!("{broken}{TOPIC}")),
        ("divisions.csv", DIVISIONS.to_string()),
        ("taxonomy.csv", TAXONOMY.to_string()),
    ]);
    let errors = RuleSet::load_from(&files, Path::new("routing.toml"))
        .unwrap_err()
        .0;
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].line, 3, "{}", errors[0]);
}

#[test]
fn a_weight_that_is_not_a_positive_number_is_refused() {
    for weight in ["nan", "-3.0", "0.0"] {
        let rules = format!(
            "\n[[kind]]\nid = \"k\"\nkind = \"complaint\"\nweight = {weight}\nphrases = [\"投诉\"]\n"
        );
        let errors = errors_of(&rules);
        assert_one(
            &errors,
            line_of(&rules, "weight"),
            10,
            "is not a positive number",
        );
    }
}

#[test]
fn an_empty_taxonomy_is_refused() {
    let errors = entry_errors(ENTRY, TOPIC, "一级,二级,三级\n");
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("holds no topic paths")
                && e.file == Path::new("routing.toml")),
        "{errors:#?}"
    );
}
