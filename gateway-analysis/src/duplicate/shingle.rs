//! Character shingles (n-grams) of Chinese text.
//!
//! Chinese has no spaces between words, so a text is cut into overlapping runs of `n`
//! characters after folding (full-width to ASCII, traditional to simplified) and dropping
//! punctuation. Each run is kept as a 64-bit FNV-1a hash; a text's shingles are a sorted set.

use crate::text::letters_only;

/// The sorted, deduplicated shingle hashes of a text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shingles(Vec<u64>);

impl Shingles {
    /// The shingles of each part, not crossing from one part into the next (so the end of a
    /// title and the start of a body make no shingle together).
    pub fn of_parts<'a>(parts: impl IntoIterator<Item = &'a str>, n: usize) -> Shingles {
        let n = n.max(1);
        let mut hashes = Vec::new();
        for part in parts {
            let chars: Vec<char> = letters_only(part).chars().collect();
            if chars.len() < n {
                if !chars.is_empty() {
                    hashes.push(hash(&chars));
                }
                continue;
            }
            hashes.extend(chars.windows(n).map(hash));
        }
        hashes.sort_unstable();
        hashes.dedup();
        Shingles(hashes)
    }

    /// The hashes, sorted.
    pub fn as_slice(&self) -> &[u64] {
        &self.0
    }

    /// How many distinct shingles.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the text had no letters at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn hash(chars: &[char]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in chars {
        for byte in (*c as u32).to_le_bytes() {
            h ^= u64::from(byte);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Plain Jaccard similarity of two shingle sets: shared over all.
pub fn jaccard(a: &Shingles, b: &Shingles) -> f64 {
    let shared = intersection(a.as_slice(), b.as_slice());
    let all = a.len() + b.len() - shared;
    if all == 0 {
        0.0
    } else {
        shared as f64 / all as f64
    }
}

fn intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shingles_ignore_punctuation_width_and_script() {
        let a = Shingles::of_parts(["噪音擾民！"], 2);
        let b = Shingles::of_parts(["噪音 扰民"], 2);
        assert_eq!(a, b);
        assert_eq!(a.len(), 3);
        assert!((jaccard(&a, &b) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn parts_do_not_join() {
        let joined = Shingles::of_parts(["噪音扰民"], 2);
        let split = Shingles::of_parts(["噪音", "扰民"], 2);
        assert_eq!(joined.len(), 3);
        assert_eq!(split.len(), 2);
    }
}
