//! Bearer tokens: `Authorization: Bearer <token>`, each with a role.

use axum::http::{HeaderMap, header};
use secret::ct_eq;

use crate::config::{ADMIN_TOKEN_ENV, ApiToken, Role};
use crate::server::error::ApiError;

/// The known tokens.
#[derive(Default)]
pub struct Tokens {
    tokens: Vec<ApiToken>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("count", &self.tokens.len())
            .finish()
    }
}

/// Who called, once the token is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's name.
    pub name: String,
    /// Its role.
    pub role: Role,
}

impl Tokens {
    /// The tokens of the config, plus an admin token from `GATEWAY_ADMIN_TOKEN` when set.
    pub fn new(configured: &[ApiToken], admin_from_env: Option<String>) -> Self {
        let mut tokens = configured.to_vec();
        if let Some(token) = admin_from_env.filter(|t| !t.trim().is_empty()) {
            tokens.push(ApiToken {
                name: ADMIN_TOKEN_ENV.to_string(),
                token: token.trim().to_string(),
                role: Role::Admin,
            });
        }
        Self { tokens }
    }

    /// Checks the request's bearer token; `needed` is the role the route requires.
    pub fn authorize(&self, headers: &HeaderMap, needed: Role) -> Result<Caller, ApiError> {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "missing bearer token; send `Authorization: Bearer <token>`".to_string(),
                )
            })?;
        let found = self
            .tokens
            .iter()
            .find(|t| ct_eq(t.token.as_bytes(), given.as_bytes()))
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "the bearer token is not known; ask the administrator for one".to_string(),
                )
            })?;
        if needed == Role::Admin && found.role != Role::Admin {
            return Err(ApiError::Forbidden(format!(
                "the token {:?} has the reader role; this needs an admin token",
                found.name
            )));
        }
        Ok(Caller {
            name: found.name.clone(),
            role: found.role,
        })
    }
}

/// Constant-time comparison of secrets, so a token cannot be guessed byte by byte.
mod secret {
    /// True when both are equal; the time depends only on the lengths.
    pub(super) fn ct_eq(expected: &[u8], given: &[u8]) -> bool {
        if expected.len() != given.len() {
            return false;
        }
        let mut difference = 0u8;
        for (a, b) in expected.iter().zip(given) {
            difference |= a ^ b;
        }
        difference == 0
    }
}
