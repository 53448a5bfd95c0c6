//! A type for values that must never be printed: tokens, secret keys, client secrets.

use std::fmt;

/// A secret string. Its `Debug` output is redacted and it has no `Display`, so it cannot end up
/// in an error message, a log line or a panic by accident; [`Secret::expose`] is called only
/// where the value is sent to AWS or written to a cache file or stdout.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "** redacted **");
        assert_eq!(secret.expose(), "hunter2");
    }
}
