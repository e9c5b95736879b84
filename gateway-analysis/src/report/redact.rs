//! Removing personal data from text that is published.
//!
//! What goes: the citizen's own name wherever it appears, names after "我叫", "户主",
//! "姓名", "联系人" (kept as the surname and stars, as [`gateway_core::mask::name`] does),
//! email addresses, and every digit of every run of digits (phone numbers, ID-card numbers,
//! plate and house numbers alike: a run of digits is never published). House, building,
//! unit, room and group numbers below the village ("3组15号", "五栋二单元") are dropped
//! whole, so an address reads no finer than its village or residential estate.

use std::sync::LazyLock;

use regex::Regex;

use gateway_core::mask;

// Limitation: names are found only when intake knew them or a cue word introduces them; a
// neighbour named in passing ("隔壁老王家") is published as written.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}").expect("email pattern compiles")
});

static BELOW_VILLAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[0-9０-９一二三四五六七八九十百零〇两]+\s*(?:号楼|号院|栋|幢|单元|室|号|组|弄|层|排|巷|楼)",
    )
    .expect("address pattern compiles")
});

static NAMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(我叫|姓名[:：]?|联系人[:：]?|户主[:：]?)\s*(\p{Han}{2,3})")
        .expect("name pattern compiles")
});

static ID_CARD_TAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[0-9０-９*]{17}[Xx]").expect("id pattern compiles"));

/// The text with personal data removed; `names` are the citizen's names known from intake.
pub fn redact(text: &str, names: &[&str]) -> String {
    // The citizen's known names first, longest first so a full name goes before a part.
    let mut out = text.to_string();
    let mut names: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| n.chars().count() >= 2)
        .collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    for name in names {
        out = out.replace(name, &mask::name(name));
    }

    // Names introduced in the text.
    out = NAMED
        .replace_all(&out, |caps: &regex::Captures<'_>| {
            format!("{}{}", &caps[1], mask::name(&caps[2]))
        })
        .into_owned();

    // Contacts, then addresses below the village, then any digit left.
    out = EMAIL.replace_all(&out, "***@***").into_owned();
    out = BELOW_VILLAGE.replace_all(&out, "").into_owned();
    out = out
        .chars()
        .map(|c| {
            if c.is_ascii_digit() || ('０'..='９').contains(&c) {
                '*'
            } else {
                c
            }
        })
        .collect();
    ID_CARD_TAIL
        .replace_all(&out, "******************")
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_after_wo_jiao_keeps_the_surname_only() {
        assert_eq!(redact("我叫王小明，", &[]), "我叫王**，");
    }
}
