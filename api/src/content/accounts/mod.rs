//! Accounts: users, sign-in sessions with rotating refresh tokens, API keys,
//! and turning a bearer credential into a [`Principal`](crate::auth::Principal).

pub mod api_keys;
pub mod sessions;
pub mod users;

pub use sessions::authenticate;
