//! The county's official divisions: townships (乡镇) and villages (村/社区) with their codes,
//! and the names citizens write for them.

use std::path::Path;

use gateway_core::{DivisionRef, TownshipCode};

use crate::error::RuleError;

/// A township or town of the county.
#[derive(Debug, Clone)]
pub struct Township {
    /// The 9-digit division code.
    pub code: String,
    /// The official name, e.g. `玉壶镇`, `周山畲族乡`.
    pub name: String,
    /// The name without its suffix, e.g. `玉壶`, `周山`, as citizens write it.
    pub short_name: Option<String>,
}

/// A village or community below a township.
#[derive(Debug, Clone)]
pub struct Village {
    /// The 12-digit division code.
    pub code: String,
    /// The official name, e.g. `东樟村委会`.
    pub name: String,
    /// Index into [`Divisions::townships`].
    pub township: usize,
}

/// How strongly a written name points at a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameForm {
    /// The official name, or the official name less `委会` (`东樟村`): matched anywhere.
    Full,
    /// A name without any suffix (`东樟`, `玉壶`): matched in the address field, and for
    /// townships also in the text unless the rule set lists it as a common word.
    Bare,
}

/// Townships and villages of one county.
#[derive(Debug, Clone, Default)]
pub struct Divisions {
    /// Every township, in file order.
    pub townships: Vec<Township>,
    /// Every village, in file order.
    pub villages: Vec<Village>,
}

const TOWNSHIP_SUFFIXES: [&str; 5] = ["畲族镇", "畲族乡", "街道", "镇", "乡"];
const VILLAGE_SUFFIXES: [(&str, &str); 3] = [("村委会", "村"), ("居委会", "居"), ("社区", "社区")];

impl Divisions {
    /// Parses a divisions CSV with the columns `code,name,parent_code,level`, where level is
    /// `town` or `village` (other levels are skipped).
    pub fn parse(file: &Path, text: &str) -> Result<Divisions, RuleError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(text.as_bytes());
        let mut divisions = Divisions::default();
        let mut pending = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(file, text, &e))?;
            let line = record.position().map(|p| p.line() as usize).unwrap_or(1);
            let at = |message: String| RuleError {
                file: file.to_path_buf(),
                line,
                column: 1,
                message,
                expected: Some("columns `code,name,parent_code,level`".into()),
                hint: None,
            };
            if record.len() < 4 {
                return Err(at(format!("a row has {} columns", record.len())));
            }
            let (code, name, parent, level) = (&record[0], &record[1], &record[2], &record[3]);
            match level {
                "town" => divisions.townships.push(Township {
                    code: code.to_string(),
                    name: name.to_string(),
                    short_name: short_township_name(name),
                }),
                "village" => {
                    pending.push((code.to_string(), name.to_string(), parent.to_string(), line))
                }
                _ => {}
            }
        }
        for (code, name, parent, line) in pending {
            let township = divisions
                .townships
                .iter()
                .position(|t| t.code == parent)
                .ok_or_else(|| RuleError {
                    file: file.to_path_buf(),
                    line,
                    column: 1,
                    message: format!(
                        "village {code} names parent {parent}, which is not a town in this file"
                    ),
                    expected: None,
                    hint: Some("list the town's row in the same file".into()),
                })?;
            divisions.villages.push(Village {
                code,
                name,
                township,
            });
        }
        Ok(divisions)
    }

    /// The township with this code or official name.
    pub fn township(&self, code_or_name: &str) -> Option<usize> {
        self.townships
            .iter()
            .position(|t| t.code == code_or_name || t.name == code_or_name)
    }

    /// The village with this code, or the villages with this official name.
    pub fn villages_named(&self, code_or_name: &str) -> Vec<usize> {
        self.villages
            .iter()
            .enumerate()
            .filter(|(_, v)| {
                v.code == code_or_name
                    || v.name == code_or_name
                    || village_short(&v.name).0 == code_or_name
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// The township as a division reference.
    pub fn township_ref(&self, index: usize) -> DivisionRef {
        let t = &self.townships[index];
        DivisionRef {
            code: TownshipCode::new(&t.code),
            name: t.name.clone(),
        }
    }

    /// The village as a division reference.
    pub fn village_ref(&self, index: usize) -> DivisionRef {
        let v = &self.villages[index];
        DivisionRef {
            code: TownshipCode::new(&v.code),
            name: v.name.clone(),
        }
    }

    /// Every name by which citizens write each township: (township, name, form).
    pub(crate) fn township_names(&self) -> impl Iterator<Item = (usize, &str, NameForm)> {
        self.townships.iter().enumerate().flat_map(|(i, t)| {
            std::iter::once((i, t.name.as_str(), NameForm::Full))
                .chain(t.short_name.as_deref().map(|s| (i, s, NameForm::Bare)))
        })
    }

    /// Every name by which citizens write each village: (village, name, form).
    pub(crate) fn village_names(&self) -> Vec<(usize, String, NameForm)> {
        let mut names = Vec::new();
        for (i, v) in self.villages.iter().enumerate() {
            names.push((i, v.name.clone(), NameForm::Full));
            let (short, bare) = village_short(&v.name);
            if short != v.name {
                names.push((i, short.to_string(), NameForm::Full));
            }
            if let Some(bare) = bare
                && bare.chars().count() >= 2
            {
                names.push((i, bare.to_string(), NameForm::Bare));
            }
        }
        names
    }
}

/// `玉壶镇` → `玉壶`; `周山畲族乡` → `周山`; a name that would be shorter than two characters
/// has no short form.
fn short_township_name(name: &str) -> Option<String> {
    let stem = TOWNSHIP_SUFFIXES
        .iter()
        .find_map(|s| name.strip_suffix(s))?;
    (stem.chars().count() >= 2).then(|| stem.to_string())
}

/// `东樟村委会` → (`东樟村`, Some(`东樟`)); `城东社区` → (`城东社区`, Some(`城东`)).
fn village_short(name: &str) -> (&str, Option<&str>) {
    for (suffix, kept) in VILLAGE_SUFFIXES {
        if let Some(stem) = name.strip_suffix(suffix) {
            let short = &name[..stem.len() + kept.len()];
            return (short, Some(stem));
        }
    }
    (name, None)
}

fn csv_error(file: &Path, text: &str, error: &csv::Error) -> RuleError {
    let line = error.position().map(|p| p.line() as usize).unwrap_or(1);
    let mut e = RuleError::at(file, text, None, format!("cannot read csv: {error}"));
    e.line = line;
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "code,name,parent_code,level\n\
        330328,文成县,3303,county\n\
        330328107,玉壶镇,330328,town\n\
        330328217,周山畲族乡,330328,town\n\
        330328107201,东樟村委会,330328107,village\n\
        330328217001,城东社区,330328217,village\n";

    #[test]
    fn townships_get_short_names() {
        let d = Divisions::parse(Path::new("d.csv"), SAMPLE).unwrap();
        assert_eq!(d.townships.len(), 2);
        assert_eq!(d.townships[0].short_name.as_deref(), Some("玉壶"));
        assert_eq!(d.townships[1].short_name.as_deref(), Some("周山"));
    }

    #[test]
    fn villages_are_written_three_ways() {
        let d = Divisions::parse(Path::new("d.csv"), SAMPLE).unwrap();
        let names: Vec<_> = d
            .village_names()
            .into_iter()
            .map(|(_, n, f)| (n, f))
            .collect();
        assert!(names.contains(&("东樟村委会".into(), NameForm::Full)));
        assert!(names.contains(&("东樟村".into(), NameForm::Full)));
        assert!(names.contains(&("东樟".into(), NameForm::Bare)));
        assert!(names.contains(&("城东社区".into(), NameForm::Full)));
        assert!(names.contains(&("城东".into(), NameForm::Bare)));
    }

    #[test]
    fn unknown_parent_is_an_error_with_line() {
        let text = "code,name,parent_code,level\n1,某村委会,999,village\n";
        let error = Divisions::parse(Path::new("d.csv"), text).unwrap_err();
        assert_eq!(error.line, 2);
        assert!(error.message.contains("parent 999"));
    }
}
