//! The hashes accessc uses, in one place: FNV-1a for short stable names and memo keys, SHA-256
//! for contents (the manifest, the stamp, the inputs key).

use sha2::{Digest, Sha256};

/// FNV-1a, 64 bit: a stable hash for shortened names.
pub fn fnv1a(text: &str) -> u64 {
    fnv1a_continue(FNV1A_OFFSET, text.as_bytes())
}

/// FNV-1a's offset basis: the hash of nothing.
pub const FNV1A_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a of `bytes` continuing from the hash `h` of what came before.
pub fn fnv1a_continue(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// SHA-256 of some bytes.
pub fn sha256(contents: &[u8]) -> [u8; 32] {
    Sha256::digest(contents).into()
}

/// SHA-256 of each item's bytes, in order, on several threads when there are at least
/// `min_bytes` per thread.
pub fn sha256_all<T: Sync>(
    items: &[T],
    bytes: impl Fn(&T) -> &[u8] + Sync,
    min_bytes: usize,
) -> Vec<[u8; 32]> {
    crate::par::map(items, |t| bytes(t).len(), min_bytes, |t| sha256(bytes(t)))
}

/// Hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&sha256(bytes))
}

/// Lower-case hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 * bytes.len());
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        assert_eq!(fnv1a(""), FNV1A_OFFSET);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
