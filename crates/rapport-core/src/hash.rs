//! FNV-1a, 64 bits: a hash that is the same on every platform and Rust version (unlike
//! `std`'s `DefaultHasher`), for values that are stored or shown and must stay stable:
//! content ids of imported contacts, the cache-busting names of web assets, the salt
//! of demo ids. Not for hash tables facing untrusted keys.

/// The running hash; `const` so that it can be computed at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fnv1a(u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Self::new()
    }
}

impl Fnv1a {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    pub const fn new() -> Fnv1a {
        Fnv1a(Self::OFFSET)
    }

    /// The hash with `bytes` added.
    #[must_use]
    pub const fn bytes(self, bytes: &[u8]) -> Fnv1a {
        let mut h = self.0;
        let mut i = 0;
        while i < bytes.len() {
            h = (h ^ bytes[i] as u64).wrapping_mul(Self::PRIME);
            i += 1;
        }
        Fnv1a(h)
    }

    pub const fn finish(self) -> u64 {
        self.0
    }
}

/// The FNV-1a hash of `bytes`.
pub const fn fnv1a(bytes: &[u8]) -> u64 {
    Fnv1a::new().bytes(bytes).finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn pieces_hash_like_the_whole() {
        assert_eq!(
            Fnv1a::new().bytes(b"foo").bytes(b"bar").finish(),
            fnv1a(b"foobar")
        );
    }
}
