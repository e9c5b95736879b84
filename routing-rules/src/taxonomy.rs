//! The topic taxonomy (分类): a tree of paths, top level first, declared by a CSV file.

use std::collections::HashSet;
use std::path::Path;

use crate::error::RuleError;

/// The set of valid topic paths and every prefix of them.
#[derive(Debug, Clone, Default)]
pub struct Taxonomy {
    paths: HashSet<Vec<String>>,
    top_levels: Vec<String>,
}

impl Taxonomy {
    /// Parses a CSV whose rows are paths, top level first (a header row is expected); empty
    /// cells end a row's path.
    pub fn parse(file: &Path, text: &str) -> Result<Taxonomy, RuleError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut taxonomy = Taxonomy::default();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let mut error = RuleError::at(file, text, None, format!("cannot read csv: {e}"));
                error.line = e.position().map(|p| p.line() as usize).unwrap_or(1);
                error
            })?;
            let path: Vec<String> = record
                .iter()
                .map(str::trim)
                .take_while(|cell| !cell.is_empty())
                .map(str::to_string)
                .collect();
            taxonomy.insert(&path);
        }
        Ok(taxonomy)
    }

    /// Adds a path and its prefixes.
    pub fn insert(&mut self, path: &[String]) {
        if let Some(top) = path.first()
            && !self.top_levels.contains(top)
        {
            self.top_levels.push(top.clone());
        }
        for len in 1..=path.len() {
            self.paths.insert(path[..len].to_vec());
        }
    }

    /// True when `path` is a node of the tree (at any level).
    pub fn contains(&self, path: &[String]) -> bool {
        self.paths.contains(path)
    }

    /// True when no file declared the tree: then every path is accepted.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The top levels, in file order.
    pub fn top_levels(&self) -> &[String] {
        &self.top_levels
    }

    /// The children of `path` (for hints), sorted.
    pub fn children(&self, path: &[String]) -> Vec<String> {
        let mut children: Vec<String> = self
            .paths
            .iter()
            .filter(|p| p.len() == path.len() + 1 && p.starts_with(path))
            .map(|p| p[path.len()].clone())
            .collect();
        children.sort();
        children
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_nodes() {
        let text = "一级,二级,三级\n城乡建设,城乡规划,违章建筑\n环境保护,环保其他,\n";
        let t = Taxonomy::parse(Path::new("t.csv"), text).unwrap();
        let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(t.contains(&path(&["城乡建设"])));
        assert!(t.contains(&path(&["城乡建设", "城乡规划", "违章建筑"])));
        assert!(t.contains(&path(&["环境保护", "环保其他"])));
        assert!(!t.contains(&path(&["城乡建设", "违章建筑"])));
        assert_eq!(t.top_levels(), ["城乡建设", "环境保护"]);
        assert_eq!(t.children(&path(&["城乡建设"])), ["城乡规划"]);
    }
}
